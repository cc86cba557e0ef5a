"""Rows generated with some columns fixed: ``sample(n, conditions={"column": value})``.

A model without ``condition_on`` still defines p(x_rest | x_given) for any subset of its
columns, as it does for the holes of an incomplete row. The given values form one row whose
other entries are missing; latent points are drawn from a proposal and resampled in
proportion to their importance weights p(x_given | z) p(z) / proposal(z)
(sampling-importance-resampling), and the other columns are drawn from p(x | z). The given
columns hold exactly the given values, so every generated row meets the condition.

The proposal is the encoder's q(z | x_given) where the posterior is a plain Gaussian, in a
defensive mixture with the prior (Hesterberg 1995): half the draws from each, weighted by
the mixture's density. The encoder never saw rows with most entries missing, and for a
value shared by many rows (a category of half the table) its q(z | x_given) is much
narrower than p(z | x_given): alone, it gave the rows of penguins' island "Biscoe" body
masses 0.78 times as spread as the real ones, from a few dozen effective draws. Under
the mixture a weight is at most 2 p(x_given | z), so a common value cannot fall back on a
few draws, while a rare one still gets draws where q(z | x_given) puts them. A hierarchy
mixes its q with the prior in the model (``Ladder.defensive_draws``); a flow keeps
q(z | x_given) alone (its density at a prior draw would need the flow inverted).
"""

import numbers
import reprlib
import warnings

import numpy as np

from skvae._nn._prediction import predict_in_batches
from skvae._table._codes import condition_codes
from skvae._table._column_keys import labelled_position, plain_value
from skvae._table._conditions import warn_outside_training_range
from skvae._table._dtypes import holds_booleans
from skvae._user_frame import user_stacklevel
from skvae._vae._aggregate_posterior import aggregate_log_density, draw_from_aggregate_posterior
from skvae._vae._calibrated_conditions import CalibratedConditionsMixin
from skvae._vae._category_shares import tilted_log_prob_shift
from skvae._vae._defensive_draws import (
    IMPORTANCE_DRAW_HEAD,
    log_density_over_defensive,
    log_prior_over_defensive,
    self_normalised_weights,
    with_prior_draws,
)
from skvae._vae._exact_density import observation_log_var

# The proposal draws come in chunks of this many (one compiled shape), about 20 per
# generated row, between 1 and 25 chunks.
DRAW_CHUNK = 4096
DRAWS_PER_ROW = 20
MAX_DRAW_CHUNKS = 25
# Fewer effective draws than this mean that the given values are unlikely under the model.
LOW_EFFECTIVE_DRAWS = 50


def _one_value(value, name):
    """The single value that conditions give column ``name``; a list or array is an error."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    collection = isinstance(value, (list, tuple, set, frozenset, dict))
    if collection or np.ndim(value) > 0:
        # An array or a Series is shown on one line, as a list.
        shown = value if collection else np.asarray(value).tolist()
        raise ValueError(
            f"conditions give column {name!r} a {type(value).__name__} of values, "
            f"{reprlib.repr(shown)}; each condition takes one value per column. To generate "
            "rows for several values, sample each value separately and concatenate the rows "
            "(e.g. with pd.concat)"
        )
    return value


class ValueConditionsMixin(CalibratedConditionsMixin):
    """Generation under given column values for the VAE estimators (see module docstring).

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._value_conditions import ValueConditionsMixin
    >>> issubclass(VAETransformer, ValueConditionsMixin)
    True
    """

    def _sample_given_values(self, n_samples, rng, conditions, latent="prior", calibrate=False):
        """Coded rows meeting ``conditions`` (a dict), drawn from p(x_rest | x_given) of
        the model whose z comes from ``latent`` ("prior" or "aggregate"); with
        ``calibrate``, of that model with the training marginals (see _model_space_row)."""
        if len(self.condition_columns_):
            raise ValueError(
                "conditions as a dict of column values are for models without condition_on; "
                f"this model is conditioned on {self.condition_on!r}: pass the values of "
                "those columns as an array, conditions=[...]"
            )
        if self.whitening_ is not None:
            raise ValueError(
                "conditions as column values need the columns' own coordinates, and this "
                f"model whitened its real-valued columns (whiten={self.whiten!r}); fit with "
                "whiten=False to generate rows under given column values"
            )
        row, given = self._coded_value_row(conditions, calibrate)
        if getattr(self, "_fit_dtype", None) == "float32":
            # The training values, and the quantiles and atoms read from them, are float32
            # numbers: 0.3 given is the rating stored as 0.30000001.
            row = row.astype(np.float32).astype(np.float64)
        # As sample's unconditional rows from the same latent are drawn: the decoder's
        # logits tilted, the numeric columns mapped onto the training marginals.
        sorted_reference, logit_offsets = self._calibration(latent) if calibrate else (None, 0)
        model_row, atoms = self._model_space_row(row, given, sorted_reference)
        inputs = self._prediction_inputs(model_row)
        log_weights, params = self._weighted_draws(inputs, n_samples, rng, latent)
        if np.ndim(logit_offsets):  # a model saved before the tilt has none (0)
            data = self._data_columns().tolist()
            log_weights = log_weights + tilted_log_prob_shift(
                params, self._model.layout, logit_offsets, {data.index(j): row[0, j] for j in given}
            )
        no_draw_gives_them = False
        if len(atoms):
            hits = self._hits_atoms(params + logit_offsets, row, atoms, sorted_reference, rng)
            # No draw that gives the values: the draws unweighted, and the warning below.
            no_draw_gives_them = not hits.any()
            if no_draw_gives_them:
                log_weights = np.zeros_like(log_weights)
            else:
                log_weights = np.where(hits, log_weights, -np.inf)
        weights = self_normalised_weights(log_weights)
        effective = 0.0 if no_draw_gives_them else 1.0 / np.sum(weights**2)
        if effective < LOW_EFFECTIVE_DRAWS:
            warnings.warn(
                f"The given values {conditions!r} are unlikely under the model: the "
                f"{n_samples} rows come from about {effective:.0f} effective latent draws "
                f"(of {len(weights)}), so they vary less than real rows with these values "
                "would. Check the values against the training data.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        chosen = rng.choice(len(weights), size=n_samples, p=weights)
        filled = self._model.layout.sample_columns(
            params[chosen] + logit_offsets, observation_log_var(self._model), rng
        )
        codes = self._calibrated_numeric(
            self._assemble_codes(filled, np.zeros((n_samples, 0))), sorted_reference
        )
        codes[:, given] = row[0, given]
        return codes

    def _latent_given_values(self, latent, has_aggregate):
        """Where z comes from under conditions given as a dict ("prior" or "aggregate").
        Weighting draws by the aggregate posterior's density needs the plain Gaussian
        q(z | x) (see _weighted_draws): a flow or a hierarchy uses the prior."""
        plain = bool(self._model.latents.closed_form_kl)
        if latent == "aggregate" and not plain:
            raise ValueError(
                "latent='aggregate' with conditions given as a dict needs a plain Gaussian "
                "posterior; this model has a flow or a hierarchy, whose rows under given "
                "values come from the prior: leave latent='auto'"
            )
        if latent == "auto":
            return "aggregate" if has_aggregate and plain else "prior"
        return latent

    def _weighted_draws(self, inputs, n_samples, rng, latent):
        """Latent draws for the one-row ``inputs``: their log importance weights for
        p(z | x_given) under z's distribution ``latent``, and their decoder outputs."""
        n_chunks = int(np.clip(-(-DRAWS_PER_ROW * n_samples // DRAW_CHUNK), 1, MAX_DRAW_CHUNKS))
        noise = rng.standard_normal((n_chunks * DRAW_CHUNK, self._posterior_noise_width()))
        # Only one layer of the plain Gaussian q(z | x) under p(z) = N(0, I) has a closed-form
        # KL (skvae._vae._latents): a flow or a hierarchy does not.
        defensive = bool(self._model.latents.closed_form_kl)
        if defensive:
            # The second half of the draws come from z's own distribution: the noise that
            # q(z | x_given) turns into them.
            mean, log_var = self._posterior_moments(inputs)
            if latent == "aggregate":
                half = len(noise) // 2
                noise[half:] = draw_from_aggregate_posterior(
                    self._aggregate_mixture(), len(noise) - half, rng
                )
            noise = with_prior_draws(noise, mean, log_var)
        method = self._model.importance_draws
        if not defensive and self._mixes_defensively():
            # A hierarchy mixes q with the prior in the model (Ladder.defensive_draws).
            method = self._model.defensive_importance_draws
        draws = np.concatenate(
            [
                predict_in_batches(method, inputs, 1, chunk)[0]
                for chunk in np.split(noise.astype(np.float32), n_chunks)
            ]
        ).astype(np.float64)
        params = draws[:, IMPORTANCE_DRAW_HEAD + self._model.layout.input_width :]
        if not defensive:
            return draws[:, 0], params
        if latent == "aggregate":
            z = mean + np.exp(0.5 * log_var) * noise
            log_density = aggregate_log_density(self._aggregate_mixture(), z)
            return draws[:, 1] + log_density_over_defensive(log_density, noise, log_var), params
        return draws[:, 1] + log_prior_over_defensive(noise, mean, log_var), params

    def _coded_value_row(self, conditions, calibrate=False):
        """One coded row holding the given values (NaN elsewhere), and their positions."""
        names = self._column_names()
        if not conditions:
            raise ValueError("conditions is an empty dict; give at least one column's value")
        row = np.full((1, len(names)), np.nan, dtype=object)
        is_given = np.zeros(len(names), dtype=bool)
        labels = self._column_schema.get("labels")  # a frame's int or tuple labels
        for key, value in conditions.items():
            position = self._column_position(key, names, labels)
            if is_given[position]:
                raise ValueError(
                    f"conditions names column {(labels or names)[position]!r} twice (as "
                    f"{key!r} and by another key); give each column once"
                )
            row[0, position], is_given[position] = _one_value(value, names[position]), True
        given = np.flatnonzero(is_given)
        codes = condition_codes(row, names, self.column_kinds_, self.categories_)
        missing = [names[j] for j in given if not np.isfinite(codes[0, j])]
        if missing:
            raise ValueError(
                f"conditions must give a finite value for each column; got a missing or "
                f"infinite value for {missing}"
            )
        # The values a model can score (0/1 columns in [0, 1], whole numbers for integer
        # columns), which score_samples checks too.
        self._check_held_in_training(codes[0], given, names)
        self._check_likelihood_support(codes[:, self._data_columns()], fitted=True)
        self._check_in_output_range(codes[0], given, names)
        self._warn_outside_training_range(codes[0], given, names, calibrate)
        return codes, given

    def _warn_outside_training_range(self, values, given, names, calibrate):
        """Warn about given numeric values beyond the range of their column's training
        values. With the training marginals (``calibrate``) such a value conditions the
        draws as the nearest end of the range does (the quantile map holds every
        generated value in the range); without them, the weights of the draws cannot
        tell: far out, a Student-t column's density is almost flat in z, so such a value
        barely moves the latent draws, and the rows come out close to unconditional ones
        (penguins given a body mass of 20,000 g: 20% Gentoo, against 36%
        unconditionally and 98% at 6,000 g)."""
        quantiles = getattr(self, "_marginal_quantiles", None)
        if quantiles is None:  # a memory-mapped fit keeps no training range
            return
        numeric = self._numeric_code_columns().tolist()
        low, high = quantiles["quantiles"][0], quantiles["quantiles"][-1]
        outside = [
            f"{names[j]!r} = {values[j]:g} (training range {low[k]:g} to {high[k]:g})"
            for j in given
            if j in numeric and not low[k := numeric.index(j)] <= values[j] <= high[k]
        ]
        consequence = (
            "the other columns are drawn as for the nearest end of the range"
            if calibrate
            else "a far value tells it little about the others: the generated rows "
            "may look much like unconditional ones"
        )
        warn_outside_training_range(outside, consequence)

    def _check_held_in_training(self, values, given, names):
        """A boolean column takes True or False, an integer one a whole number, and a
        category or boolean value must be one that training rows held: the draws have no
        rows of it to follow, and came out a blend of the others (a flag given 0.5 came
        out True, its other columns halfway between the two groups'; a category the dtype
        declares but no row took, too)."""
        shares = getattr(self, "_category_shares", None)  # None: a memory-mapped fit
        data = self._data_columns().tolist()
        for j in given:
            kind, value = self.column_kinds_[j], values[j]
            is_bool = holds_booleans(self._column_schema["columns"][j])
            if kind == "bernoulli" and is_bool and value not in (0.0, 1.0):
                raise ValueError(
                    f"conditions give the boolean column {names[j]!r} the value {value:g}; "
                    "give True or False"
                )
            if kind == "integer" and value % 1:  # not the fit's advice on column_types
                raise ValueError(
                    f"conditions give the integer column {names[j]!r} the value {float(value)!r}, "
                    "but generated rows hold whole numbers in it; give a whole number"
                )
            share = shares[data.index(j)] if shares is not None and j in data else None
            if kind not in ("bernoulli", "categorical") or share is None or value % 1:
                continue
            if 0 <= value < len(share) and share[int(value)] == 0:
                shown = bool(value) if kind == "bernoulli" else self.categories_[j][int(value)]
                raise ValueError(
                    f"conditions give column {names[j]!r} the value {plain_value(shown)!r}, "
                    "which no training row holds: the model has no rows of it to draw; give "
                    "a value seen in fit"
                )

    def _check_in_output_range(self, values, given, names):
        """Generated integer columns are kept in their training range (as their dtype's
        values): a given value outside it could not be held exactly, so it is an error."""
        for j in given:
            entry = self._column_schema["columns"][j]
            if "low" in entry and not entry["low"] <= values[j] <= entry["high"]:
                raise ValueError(
                    f"conditions give column {names[j]!r} the value {values[j]:g}, outside the "
                    f"range of its training values ({entry['low']:g} to {entry['high']:g}), "
                    "in which generated rows keep an integer column; give a value in it"
                )

    def _column_position(self, key, names, labels):
        """Position of the column that ``key`` names: by label for a frame whose labels
        are not all strings (see skvae._table._column_keys), else by name or position."""
        if labels is not None:
            return labelled_position("conditions", key, labels)
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if 0 <= key < len(names):
                return int(key)
        elif str(key) in names:
            return names.index(str(key))
        shown = names if len(names) <= 10 else names[:10] + ["..."]
        raise ValueError(
            f"conditions names a column {key!r} that the model does not have; its columns "
            f"are {shown} (or their positions 0 to {len(names) - 1})"
        )
