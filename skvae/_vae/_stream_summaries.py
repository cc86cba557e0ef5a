"""What ``sample``, ``score_samples`` and the diagnostics keep of every ``partial_fit`` call.

``fit`` summarises its rows: quantiles, category shares and latent codes for ``sample``,
the background for ``score_samples``, moments for the collapse diagnostics. Summaries of
one chunk describe the chunk, not the data (after a stream sorted by a label ``sample``
drew the last chunk's label only; a one-row last chunk made every sampled row a copy of
it), so each call merges the earlier calls' summaries with its chunk's, weighted by the
rows each covers: exactly for counts and shares, by pooled moments for spreads (Chan,
Golub and LeVeque, 1979), for quantiles exactly where a column has at most 20 values
(value counts) and otherwise as a mixture of the two piecewise-linear distribution
functions (within a few level steps of 1/1000). The earlier codes are those
their encoder gave; a model saved by an earlier skvae (no counts) takes the chunk's.
"""

import warnings

import numpy as np

from skvae._table._codes import CONTINUOUS_KINDS
from skvae._table._discrete import is_discrete
from skvae._table._whitening import floored_covariance
from skvae._user_frame import user_stacklevel
from skvae._vae._aggregate_posterior import MAX_CODE_ROWS, draw_from_aggregate_posterior
from skvae._vae._marginals import merged_value_counts, quantiles_of_counts
from skvae._vae._posterior_moments import merged_posterior_moments, recent_moments


def rows_drawn(earlier, later, total):
    """The rows taken from two pools, ``earlier`` and ``later`` (rows available, rows they
    stand for), for at most ``total`` rows in which each has its share of the rows seen.

    Examples
    --------
    >>> from skvae._vae._stream_summaries import rows_drawn
    >>> rows_drawn((2000, 3000), (1, 1), 2000), rows_drawn((1000, 1000), (700, 1000), 2000)
    ((1999, 1), (700, 700))
    """
    (available_earlier, n_earlier), (available_later, n_later) = earlier, later
    share = n_later / (n_earlier + n_later)
    # As many rows as keep both shares: a pool with fewer rows than its share limits it.
    size = min(
        total,
        available_earlier / (1 - share) if share < 1 else np.inf,
        available_later / share if share > 0 else np.inf,
    )
    from_later = min(int(round(size * share)), available_later)
    return min(int(size) - from_later, available_earlier), from_later


def merged_codes(earlier, later, rng):
    """Latent codes standing for the rows of both pools, each in its share.

    ``earlier`` and ``later`` are ``(codes, groups, n_rows)``: codes (k, d), the index of
    each code's condition values (k,) or None (an unconditional model), and the rows the
    codes stand for. Returns (codes, groups), at most MAX_CODE_ROWS, as many as keep the
    shares (``groups`` None when the pools' are); ``rng`` draws which are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._stream_summaries import merged_codes
    >>> earlier = (np.zeros((100, 2)), None, 900)
    >>> later = (np.ones((100, 2)), None, 100)
    >>> codes, groups = merged_codes(earlier, later, np.random.default_rng(0))
    >>> len(codes), round(float(codes[:, 0].mean()), 1), groups
    (111, 0.1, None)
    """
    (codes_e, groups_e, n_e), (codes_l, groups_l, n_l) = earlier, later
    total = min(MAX_CODE_ROWS, len(codes_e) + len(codes_l))
    k_e, k_l = rows_drawn((len(codes_e), n_e), (len(codes_l), n_l), total)
    keep_e = np.sort(rng.choice(len(codes_e), size=k_e, replace=False))
    keep_l = np.sort(rng.choice(len(codes_l), size=k_l, replace=False))
    codes = np.vstack([codes_e[keep_e], codes_l[keep_l]])
    if groups_e is None or groups_l is None:
        return codes, None
    return codes, np.concatenate([groups_e[keep_e], groups_l[keep_l]])


def merged_quantiles(earlier, later):
    """The quantiles of the union of two sets of rows, from each set's (see
    ``skvae._vae._marginals.fit_marginal_quantiles``): its ``"quantiles"``, ``"discrete"``
    and ``"n_observed"`` (observed values per column). ``later`` where ``earlier`` kept no
    counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import fit_marginal_quantiles
    >>> from skvae._vae._stream_summaries import merged_quantiles
    >>> low = fit_marginal_quantiles(np.arange(0.0, 300.0)[:, None])
    >>> high = fit_marginal_quantiles(np.arange(300.0, 400.0)[:, None])
    >>> merged = merged_quantiles(low, high)
    >>> merged["quantiles"][[0, 500, 750, 1000], 0].round(1).tolist()
    [0.0, 199.3, 299.0, 399.0]
    >>> merged["n_observed"].tolist()
    [400]
    """
    if earlier is None or later is None or "n_observed" not in earlier:
        return later
    levels = np.linspace(0.0, 1.0, len(later["quantiles"]))
    merged = {key: value.copy() for key, value in later.items()}
    n_e, n_l = earlier["n_observed"], later["n_observed"]
    merged["n_observed"] = n_e + n_l
    for j in range(n_e.size):
        if n_e[j] == 0 or n_l[j] == 0:
            source = earlier if n_l[j] == 0 else later
            for key in set(source) - {"n_observed"}:
                merged[key][..., j] = source[key][..., j]
            continue
        values, counts = merged_value_counts(earlier, later, j)
        merged["distinct_values"][:, j], merged["distinct_counts"][:, j] = values, counts
        if counts.any():  # at most MAX_DISCRETE_VALUES values: exact, as one fit would be
            kept = counts > 0
            merged["discrete"][j] = is_discrete(np.count_nonzero(kept), n_e[j] + n_l[j])
            merged["quantiles"][:, j] = quantiles_of_counts(
                values[kept], counts[kept], merged["discrete"][j]
            )
            continue
        merged["discrete"][j] = False  # over 20 values, or an earlier skvae's continuous one
        q_e, q_l = earlier["quantiles"][:, j], later["quantiles"][:, j]
        grid = np.union1d(q_e, q_l)
        weights = np.array([n_e[j], n_l[j]], dtype=np.float64) / (n_e[j] + n_l[j])
        at = weights[0] * _cdf(q_e, grid, levels) + weights[1] * _cdf(q_l, grid, levels)
        below = weights[0] * _cdf(q_e, grid, levels, left=True)
        below += weights[1] * _cdf(q_l, grid, levels, left=True)
        merged["quantiles"][:, j] = _inverse_cdf(grid, at, below, levels)
    return merged


def _cdf(q, x, levels, left=False):
    """P(X <= x), or P(X < x) with ``left``, for X whose quantiles at ``levels`` are q
    (interpolated). At an atom (a value several levels share) the grid brackets it within
    a step: read in the middle, or the atom lost mass at every merge (0.5 to 0.455)."""
    index = np.searchsorted(q, x, side="left" if left else "right")
    inside = (index > 0) & (index < len(q))
    value = np.where(index >= len(q), 1.0, 0.0)
    i = index[inside]
    fraction = (x[inside] - q[i - 1]) / (q[i] - q[i - 1])
    value[inside] = levels[i - 1] + fraction * (levels[i] - levels[i - 1])
    step = levels[1] - levels[0]
    if left:  # an atom: x equals two grid values next to where it was found
        atom = inside & (q[np.minimum(index + 1, len(q) - 1)] == x) & (q[index % len(q)] == x)
        value[atom] -= step / 2
    else:
        atom = inside & (index >= 2) & (q[np.maximum(index - 2, 0)] == x) & (q[index - 1] == x)
        value[atom] += step / 2
    return value


def _inverse_cdf(grid, at, below, levels):
    """The smallest x with F(x) >= each level, for F linear between the points of
    ``grid`` (rising from ``at[i - 1]`` to ``below[i]``) and jumping to ``at[i]`` at
    each."""
    index = np.minimum(np.searchsorted(at, levels, side="left"), len(grid) - 1)
    values = grid[index].copy()
    rising = (index > 0) & (levels < below[index])
    i = index[rising]
    span = np.maximum(below[i] - at[i - 1], 1e-300)
    fraction = np.clip((levels[rising] - at[i - 1]) / span, 0.0, 1.0)
    values[rising] = grid[i - 1] + fraction * (grid[i] - grid[i - 1])
    return values


def merged_shares(earlier, later):
    """Per column, the category shares of the union of two sets of rows, from each
    set's ``(shares, n_observed)`` (shares: a list with an array or None per column);
    ``later`` where ``earlier`` kept no counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._stream_summaries import merged_shares
    >>> earlier = ([np.array([1.0, 0.0]), None], np.array([30, 30]))
    >>> later = ([np.array([0.0, 1.0]), None], np.array([10, 10]))
    >>> shares, n = merged_shares(earlier, later)
    >>> shares[0].tolist(), shares[1], n.tolist()
    ([0.75, 0.25], None, [40, 40])
    """
    (shares_e, n_e), (shares_l, n_l) = earlier, later
    if shares_e is None or shares_l is None or n_e is None:
        return later
    shares = []
    for j, (e, lat) in enumerate(zip(shares_e, shares_l, strict=True)):
        if e is None or lat is None:
            shares.append(lat if e is None else e)
        else:
            shares.append((n_e[j] * e + n_l[j] * lat) / (n_e[j] + n_l[j]))
    return shares, n_e + n_l


def merged_background(earlier, later):
    """The background (``skvae._vae._background``) of the union of two sets of rows:
    the category tables as a mixture of the two, weighted by each column's observed
    entries, and the scatter pooled from the two sets' complete rows (their spread about
    each set's mean, plus the spread between the means). ``later`` where ``earlier``
    kept no counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._background import fit_background
    >>> from skvae._vae._stream_summaries import merged_background
    >>> X = np.random.default_rng(0).normal(size=(4000, 1))
    >>> fit = lambda rows: fit_background(rows, ["student_t"], [0], np.zeros(1), np.ones(1))
    >>> halves = merged_background(fit(X[X[:, 0] < 0]), fit(X[X[:, 0] >= 0]))
    >>> round(float(halves["scatter"][0, 0]), 2), round(float(fit(X)["scatter"][0, 0]), 2)
    (1.0, 1.0)
    """
    if earlier is None or later is None or "n_complete" not in earlier:
        return later
    merged = dict(later)
    n_e, n_l = float(earlier["n_complete"]), float(later["n_complete"])
    if n_e + n_l > 0 and later["scatter"].size:
        w_e, w_l = n_e / (n_e + n_l), n_l / (n_e + n_l)
        mean = w_e * earlier["complete_mean"] + w_l * later["complete_mean"]
        between = (
            w_e
            * w_l
            * np.outer(
                earlier["complete_mean"] - later["complete_mean"],
                earlier["complete_mean"] - later["complete_mean"],
            )
        )
        scatter = w_e * earlier["scatter"] + w_l * later["scatter"] + between
        merged["scatter"] = floored_covariance(scatter)
        merged["complete_mean"] = mean
    merged["n_complete"] = np.asarray(n_e + n_l)
    o_e, o_l = earlier["n_observed"], later["n_observed"]
    with np.errstate(divide="ignore", invalid="ignore"):
        w_e = np.where(o_e + o_l > 0, o_e / (o_e + o_l), 0.0)[:, None]
        merged["log_probabilities"] = np.logaddexp(
            np.log(w_e) + earlier["log_probabilities"],
            np.log1p(-w_e) + later["log_probabilities"],
        )
    merged["n_observed"] = o_e + o_l
    return merged


# A chunk whose numeric column (of at least MIN_VALUES values) lies on average this many
# of the first call's standard deviations from its mean, or spreads this many times as
# wide, was not drawn from the rows the scaling was fitted on; nor one with more than
# OUTSIDE_SHARE of an integer column's values outside the first call's range, and 5 times
# the 2 / (n + 1) that a shuffled chunk has there after a first call of n rows.
FAR_FROM_FIRST_CALL, MIN_VALUES, OUTSIDE_SHARE = 5.0, 10, 0.01


class StreamSummariesMixin:
    """Keeps the summaries of the training rows mergeable, and merges those of the earlier
    ``partial_fit`` calls with a new chunk's (see the module docstring).

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._stream_summaries import StreamSummariesMixin
    >>> issubclass(VAETransformer, StreamSummariesMixin)
    True
    """

    def _earlier_summaries(self):
        """What the earlier calls' rows left for the sampler and the background; None
        for a model that kept no row count (saved by an earlier skvae)."""
        n_rows = getattr(self, "_rows_seen", None)
        if n_rows is None:
            return None
        return {
            "n_rows": n_rows,
            "codes": self._earlier_codes(),
            "quantiles": self._marginal_quantiles,
            "shares": (self._category_shares, getattr(self, "_category_observed", None)),
            "background": self._background,
        }

    def _earlier_codes(self):
        """(codes, groups) of the earlier calls' rows: the codes fit kept or, in a model
        restored from a pickle or file (which holds the mixture, not the codes), draws
        from the mixture, as many as the codes were, each with a condition row drawn with
        its training share and a component with that condition's shares; None where there
        is neither."""
        codes = getattr(self, "_aggregate_codes", None)
        if codes is not None:
            return codes, getattr(self, "_aggregate_code_groups", None)
        mixture = getattr(self, "_aggregate_posterior", None)
        if mixture is None:
            return None
        rng = np.random.default_rng([self._seed, 8, self.n_iter_])
        n_codes, groups, row_shares = min(MAX_CODE_ROWS, int(self._rows_seen)), None, None
        if mixture.get("condition_shares") is not None:
            counts = self._training_conditions[1]
            groups = rng.choice(len(counts), size=n_codes, p=counts / counts.sum())
            row_shares = mixture["condition_shares"][groups]
        return draw_from_aggregate_posterior(mixture, n_codes, rng, row_shares), groups

    def _merge_earlier_summaries(self, earlier, n_rows, merged_groups):
        """Merge the summaries of the earlier calls' rows into those just fitted on a
        chunk of ``n_rows`` rows. ``merged_groups``: the index, among the merged condition
        values, of each earlier condition row (None for an unconditional model)."""
        self._rows_seen = earlier["n_rows"] + n_rows
        self._marginal_quantiles = merged_quantiles(earlier["quantiles"], self._marginal_quantiles)
        self._category_shares, self._category_observed = merged_shares(
            earlier["shares"], (self._category_shares, self._category_observed)
        )
        self._background = merged_background(earlier["background"], self._background)
        if earlier["codes"] is None or self._aggregate_codes is None:
            return
        codes, groups = earlier["codes"]
        groups = None if groups is None or merged_groups is None else merged_groups[groups]
        rng = np.random.default_rng([self._seed, 9, self.n_iter_])
        self._aggregate_codes, self._aggregate_code_groups = merged_codes(
            (codes, groups, earlier["n_rows"]),
            (self._aggregate_codes, self._aggregate_code_groups, n_rows),
            rng,
        )

    def _fitted_posterior_summary(self, rows, to_inputs):
        """The collapse diagnostics' summary of the training rows (see ``_set_diagnostics``),
        whose moments are kept for ``partial_fit`` to merge with (rows in memory)."""
        moments = getattr(rows, "posterior_moments", None)
        if moments is None:
            self._location_moments = None
            return rows.posterior_summary(self._posterior_diagnostics, to_inputs)
        self._location_moments = moments(self._posterior_diagnostics, to_inputs)
        return self._location_moments[1], self._location_moments[3]

    def _streamed_posterior_summary(self, rows):
        """The same summary over the rows of the latest calls and this chunk: a chunk of
        one row has no spread of its own, and made every latent unit look inactive. Each
        call's moments were computed under that call's weights, so the earlier calls
        count for the latest rows only (:func:`recent_moments`): after many passes over
        the chunks, all rows of every call made the units of a collapsed model look
        active."""
        later = rows.posterior_moments(self._posterior_diagnostics, None)
        earlier = getattr(self, "_location_moments", None)
        self._location_moments = merged_posterior_moments(
            None if earlier is None else recent_moments(earlier, later[0]), later
        )
        return self._location_moments[1], self._location_moments[3]

    def _check_later_chunk(self, X):
        """Refuse a later chunk of coded rows X whose modelled columns hold no observed
        value (its pass would train the KL term alone, pulling the model towards the prior
        with nothing to fit; the first call refuses it as fit does), and warn if it lies
        far from the first call's rows."""
        if np.isnan(self._split_columns(X)[0]).all():
            raise ValueError(
                f"partial_fit got a chunk of {len(X)} row(s) with no observed value (all "
                "missing): nothing to train on; drop such chunks before calling partial_fit"
            )
        self._warn_if_unlike_first_call(X)

    def _warn_if_unlike_first_call(self, X):
        """Warn when the numeric columns of a later chunk of coded rows X lie far from
        the first call's rows: its scaling and integer ranges, which the model keeps, do
        not cover them, and the model cannot represent them well."""
        kinds = np.asarray(self._modelled_kinds())
        X_data = self._split_columns(X)[0]
        far, n_first = [], getattr(self, "_first_call_rows", 0)
        for j in np.flatnonzero(np.isin(kinds, CONTINUOUS_KINDS)):
            x = (X_data[:, j] - self.mean_[j]) / self.scale_[j]
            x = x[~np.isnan(x)]
            if x.size < MIN_VALUES:
                continue
            low, high = self._integer_bounds[j] if self._integer_bounds is not None else (0, 0)
            share = np.mean((x < low) | (x > high)) if kinds[j] == "integer" else 0.0
            outside = share > max(OUTSIDE_SHARE, 10 / (n_first + 1))
            if outside or max(abs(x.mean()), x.std()) > FAR_FROM_FIRST_CALL:
                far.append(j)
        if far:
            names = np.asarray(self._column_names()).astype(object)[self._data_columns()]
            shown = ", ".join(repr(names[j]) for j in far[:5])
            shown += f" and {len(far) - 5} more" if len(far) > 5 else ""
            warnings.warn(
                f"partial_fit: column(s) {shown} of this chunk lie far from the rows of the "
                "first call, whose scaling and integer ranges the model keeps, so it cannot "
                "represent them well; make the first chunk representative (shuffle the rows "
                "before splitting them into chunks) or call fit on all rows",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
