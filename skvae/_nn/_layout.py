"""Per-column likelihoods: how the model's inputs and decoder outputs are laid out.

The model sees each modelled column in an *encoded* form: a continuous column as one
standardised number, a binary column as 0/1, a categorical column as a one-hot block. The
decoder outputs the parameters of every column's distribution, grouped by kind::

    [gaussian means | heteroscedastic means, raw variances | bernoulli logits |
     categorical logits (one block per column) | mixture logits, means, raw variances]

(mixture parameters are component-major: component m of every mixture column, then m + 1),
so a table of one kind has exactly the layout of a single-likelihood model.
:class:`ColumnLayout` turns these into log-probabilities (``keras.ops``, any backend),
expected values and samples (NumPy).
"""

import math

import numpy as np
from keras import ops

from skvae._nn._likelihoods import bernoulli_log_prob, gaussian_log_prob

# Initial means of the mixture components, in standard deviations: spread over the
# column's bulk so that the components start apart and can settle on different modes.
MIXTURE_INIT_SPREAD = 1.5


class ColumnLayout:
    """Where each column's values and distribution parameters sit, and their densities.

    Parameters
    ----------
    kinds : list of str
        Kind of each modelled column: "gaussian", "heteroscedastic", "mixture",
        "bernoulli" or "categorical".
    n_categories : list of int
        Number of categories of each column (ignored for non-categorical columns).
    n_mixture_components : int
        Gaussian components per "mixture" column.
    log_scale : array of shape (n_columns,)
        Log of each column's internal scale (0 for discrete columns): subtracted from the
        log-density of continuous columns, the log-Jacobian of the standardisation.
    var_floor : float
        Lower bound of every Gaussian variance, in scaled units.
    """

    def __init__(self, kinds, n_categories, n_mixture_components, log_scale, var_floor):
        self.kinds = list(kinds)
        self.n_columns = len(self.kinds)
        self.n_mixture_components = int(n_mixture_components)
        self.var_floor = float(var_floor)
        widths = [
            int(k) if kind == "categorical" else 1
            for kind, k in zip(kinds, n_categories, strict=True)
        ]
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int)
        self.input_width = int(sum(widths))
        # float64, cast to the log-densities' dtype where used (see _masked_sum).
        log_scale = np.asarray(log_scale, dtype="float64")
        # Encoded positions (and columns) of the one-number kinds.
        self.columns = {
            kind: [j for j, k in enumerate(kinds) if k == kind]
            for kind in ("gaussian", "heteroscedastic", "bernoulli", "mixture", "categorical")
        }
        self.positions = {kind: starts[cols] for kind, cols in self.columns.items()}
        self.log_scale = {kind: log_scale[cols] for kind, cols in self.columns.items()}
        self.category_blocks = [(int(starts[j]), widths[j]) for j in self.columns["categorical"]]
        n = {kind: len(cols) for kind, cols in self.columns.items()}
        self.n_gaussian = n["gaussian"]
        M = self.n_mixture_components
        offsets = np.cumsum(
            [
                0,
                n["gaussian"],
                2 * n["heteroscedastic"],
                n["bernoulli"],
                sum(w for _, w in self.category_blocks),
                3 * M * n["mixture"],
            ]
        )
        self.param_offsets = dict(
            zip(
                ("gaussian", "heteroscedastic", "bernoulli", "categorical", "mixture"),
                offsets[:-1],
                strict=True,
            )
        )
        self.param_width = int(offsets[-1])
        # Encoded positions in the order expected_x computes them; its inverse permutation
        # puts them back in column order (identity, and skipped, for a one-kind table).
        kind_order = np.concatenate(
            [
                self.positions["gaussian"],
                self.positions["heteroscedastic"],
                self.positions["bernoulli"],
            ]
            + [np.arange(s, s + w) for s, w in self.category_blocks]
            + [self.positions["mixture"]]
        ).astype(int)
        inverse = np.argsort(kind_order)
        self._to_column_order = (
            None if np.array_equal(inverse, np.arange(self.input_width)) else inverse
        )

    # -- model inputs (NumPy) ---------------------------------------------------------------
    def encode_rows(self, values, observed, dtype=np.float32):
        """Encoded rows and mask (float32, or ``dtype``) from one value per column (scaled
        units).

        ``values`` holds standardised numbers, 0/1 and category codes, with missing entries
        (``observed`` False) already 0. A categorical column becomes a one-hot block (all
        zeros when missing) whose mask entries all equal its column's.
        """
        if not self.category_blocks:
            return values.astype(dtype), observed.astype(dtype)
        n = len(values)
        x = np.zeros((n, self.input_width), dtype=dtype)
        mask = np.zeros((n, self.input_width), dtype=dtype)
        for kind in ("gaussian", "heteroscedastic", "bernoulli", "mixture"):
            x[:, self.positions[kind]] = values[:, self.columns[kind]]
            mask[:, self.positions[kind]] = observed[:, self.columns[kind]]
        rows = np.arange(n)
        for j, (start, width) in zip(
            self.columns["categorical"], self.category_blocks, strict=True
        ):
            seen = observed[:, j]
            code = values[seen, j].astype(int)
            x[rows[seen], start + code] = 1.0
            mask[:, start : start + width] = seen[:, None]
        return x, mask

    # -- decoder output layout ------------------------------------------------------------
    def initial_bias(self):
        """Initial bias of the decoder's output layer: mixture means spread apart."""
        bias = np.zeros(self.param_width, dtype="float32")
        n_mix, M = len(self.columns["mixture"]), self.n_mixture_components
        if n_mix:
            start = self.param_offsets["mixture"] + M * n_mix
            spread = np.linspace(-MIXTURE_INIT_SPREAD, MIXTURE_INIT_SPREAD, M)
            bias[start : start + M * n_mix] = np.repeat(spread, n_mix)
        return bias

    def _block(self, params, kind, index=0, size=None):
        n = len(self.columns[kind]) if size is None else size
        start = self.param_offsets[kind] + index * n
        return params[..., start : start + n]

    def floor(self, raw):
        """Log-variance var_floor + exp(raw): never below the floor (keras.ops)."""
        return ops.logaddexp(math.log(self.var_floor), raw)

    def _mixture_parts(self, params):
        """Per mixture column: log weights, means and log-variances, each (..., n, M)."""
        M, n = self.n_mixture_components, len(self.columns["mixture"])
        parts = [
            ops.stack([self._block(params, "mixture", part * M + m, n) for m in range(M)], -1)
            for part in range(3)
        ]
        return ops.log_softmax(parts[0], axis=-1), parts[1], self.floor(parts[2])

    # -- log-probabilities (keras.ops) ----------------------------------------------------
    def log_prob(self, x, params, mask, obs_log_var=None):
        """log p(x_observed | decoder params) per row, in the units of the user's X.

        ``x`` and ``mask`` are encoded rows (..., input_width), ``params`` the decoder
        output (..., param_width); ``obs_log_var`` holds the learned log-variances of the
        "gaussian" columns. Each observed column adds its log-density (continuous, minus
        its log scale) or log-probability (discrete).
        """
        total = 0.0
        if self.n_gaussian:
            mean = self._block(params, "gaussian")
            total += self._masked_sum(
                gaussian_log_prob(self._take(x, "gaussian"), mean, obs_log_var), mask, "gaussian"
            )
        if self.columns["heteroscedastic"]:
            mean = self._block(params, "heteroscedastic", 0)
            log_var = self.floor(self._block(params, "heteroscedastic", 1))
            log_p = gaussian_log_prob(self._take(x, "heteroscedastic"), mean, log_var)
            total += self._masked_sum(log_p, mask, "heteroscedastic")
        if self.columns["bernoulli"]:
            log_p = bernoulli_log_prob(self._take(x, "bernoulli"), self._block(params, "bernoulli"))
            total += self._masked_sum(log_p, mask, "bernoulli")
        offset = self.param_offsets["categorical"]
        for start, width in self.category_blocks:
            logits = params[..., offset : offset + width]
            offset += width
            # A missing category is an all-zero one-hot row, so it adds nothing.
            total += ops.sum(x[..., start : start + width] * ops.log_softmax(logits, -1), -1)
        if self.columns["mixture"]:
            log_w, means, log_vars = self._mixture_parts(params)
            x_mix = self._take(x, "mixture")[..., None]
            log_p = ops.logsumexp(log_w + gaussian_log_prob(x_mix, means, log_vars), axis=-1)
            total += self._masked_sum(log_p, mask, "mixture")
        return total

    def _masked_sum(self, log_p, mask, kind):
        # In log_p's dtype: float32 in the model (the same rounding as a float32 array),
        # float64 for the VQ-VAE's exact scores.
        log_scale = ops.cast(self.log_scale[kind], ops.dtype(log_p))
        return ops.sum((log_p - log_scale) * self._take(mask, kind), axis=-1)

    def _take(self, x, kind):
        positions = self.positions[kind]
        first = int(positions[0])
        if np.array_equal(positions, np.arange(first, first + len(positions))):
            return x[..., first : first + len(positions)]
        return ops.take(x, ops.convert_to_tensor(positions.astype("int32")), axis=-1)

    # -- expected values --------------------------------------------------------------------
    def expected_x(self, params):
        """E[x | decoder params] in the encoded coding (keras.ops), shape (..., input_width).

        Means of continuous columns (the mixture's weighted mean), probabilities of binary
        ones and one-hot probability vectors of categorical ones.
        """
        parts = []
        if self.n_gaussian:
            parts.append(self._block(params, "gaussian"))
        if self.columns["heteroscedastic"]:
            parts.append(self._block(params, "heteroscedastic", 0))
        if self.columns["bernoulli"]:
            parts.append(ops.sigmoid(self._block(params, "bernoulli")))
        offset = self.param_offsets["categorical"]
        for _, width in self.category_blocks:
            parts.append(ops.softmax(params[..., offset : offset + width], axis=-1))
            offset += width
        if self.columns["mixture"]:
            log_w, means, _ = self._mixture_parts(params)
            parts.append(ops.sum(ops.exp(log_w) * means, axis=-1))
        out = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        if self._to_column_order is not None:
            out = ops.take(out, ops.convert_to_tensor(self._to_column_order.astype("int32")), -1)
        return out

    def columns_from_encoded(self, encoded):
        """Encoded values (NumPy, (n, input_width)) to one value per column.

        Continuous and binary columns keep their value (a mean or a probability);
        a categorical column gets the code of its most probable category.
        """
        out = np.empty((len(encoded), self.n_columns))
        for kind in ("gaussian", "heteroscedastic", "bernoulli", "mixture"):
            out[:, self.columns[kind]] = encoded[:, self.positions[kind]]
        for j, (start, width) in zip(
            self.columns["categorical"], self.category_blocks, strict=True
        ):
            out[:, j] = np.argmax(encoded[:, start : start + width], axis=1)
        return out

    # -- sampling (NumPy) ---------------------------------------------------------------------
    def sample_columns(self, params, obs_log_var, rng):
        """One draw x ~ p(x | decoder params) per row, one value per column (scaled units).

        ``params`` is a NumPy array (n, param_width); categorical columns get a category
        code, binary ones 0 or 1, continuous ones a value with the observation noise.
        """
        n = len(params)
        out = np.empty((n, self.n_columns))
        if self.n_gaussian:
            mean = self._block(params, "gaussian")
            std = np.exp(0.5 * np.asarray(obs_log_var, dtype=np.float64))
            out[:, self.columns["gaussian"]] = mean + std * rng.standard_normal(mean.shape)
        if self.columns["heteroscedastic"]:
            mean = self._block(params, "heteroscedastic", 0)
            log_var = np.logaddexp(
                math.log(self.var_floor), self._block(params, "heteroscedastic", 1)
            )
            out[:, self.columns["heteroscedastic"]] = mean + np.exp(
                0.5 * log_var
            ) * rng.standard_normal(mean.shape)
        if self.columns["bernoulli"]:
            prob = _sigmoid(self._block(params, "bernoulli"))
            out[:, self.columns["bernoulli"]] = rng.uniform(size=prob.shape) < prob
        offset = self.param_offsets["categorical"]
        for j, (_, width) in zip(self.columns["categorical"], self.category_blocks, strict=True):
            out[:, j] = _categorical_draw(params[:, offset : offset + width], rng)
            offset += width
        if self.columns["mixture"]:
            M, n_mix = self.n_mixture_components, len(self.columns["mixture"])
            stacked = [
                np.stack([self._block(params, "mixture", p * M + m, n_mix) for m in range(M)], -1)
                for p in range(3)
            ]
            logits, means, raw = stacked
            component = _categorical_draw(logits.reshape(-1, M), rng).reshape(n, n_mix)
            pick = component[..., None].astype(int)
            mean = np.take_along_axis(means, pick, -1)[..., 0]
            log_var = np.logaddexp(
                math.log(self.var_floor), np.take_along_axis(raw, pick, -1)[..., 0]
            )
            noise = rng.standard_normal(mean.shape)
            out[:, self.columns["mixture"]] = mean + np.exp(0.5 * log_var) * noise
        return out


def _sigmoid(logits):
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # overflow-free


def _categorical_draw(logits, rng):
    """One category index per row, drawn with probabilities softmax(logits)."""
    logits = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    cumulative = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    u = rng.uniform(size=(len(logits), 1))
    return np.minimum((u > cumulative).sum(axis=1), logits.shape[1] - 1)
