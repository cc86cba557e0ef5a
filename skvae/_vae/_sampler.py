"""``SamplerMixin``: what ``sample`` draws from, fitted once, and the raw draws.

At fit time it stores, beside the networks, the aggregate posterior that z is drawn from,
the training marginals that unconditional draws are calibrated to
(``skvae._vae._marginals``, ``skvae._vae._category_shares``) and the background share
of ``score_samples`` (``skvae._vae._background``). At sample time it draws z, decodes it
and draws x ~ p(x | z), in two steps, so that calibration can adjust the decoder's
outputs in between.
"""

import numpy as np

from skvae._nn._prediction import to_numpy
from skvae._table._codes import category_counts
from skvae._vae._aggregate_posterior import (
    code_rows,
    component_shares_by_group,
    draw_from_aggregate_posterior,
    fit_aggregate_posterior,
)
from skvae._vae._category_shares import fit_category_shares
from skvae._vae._marginals import fit_marginal_quantiles
from skvae._vae._row_sources import InMemoryRows
from skvae._vae._stream_summaries import StreamSummariesMixin


class SamplerMixin(StreamSummariesMixin):
    """Fits what ``sample`` needs beyond the networks, and draws coded rows.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._sampler import SamplerMixin
    >>> issubclass(VAETransformer, SamplerMixin)
    True
    """

    def _fit_sampler(self, rows, continued=False):
        """Store what sample and score_samples need beyond the networks: the codes the
        aggregate posterior is fitted on, the training columns' quantiles and category
        shares (None for a memory-mapped X, whose rows are not at hand), and the
        background share of the score. ``continued`` (partial_fit): each is merged with
        what the earlier calls' rows left (``skvae._vae._stream_summaries``)."""
        earlier = self._earlier_summaries() if continued else None
        earlier_conditions = getattr(self, "_training_conditions", None) if continued else None
        # The mixture is fitted on first use (_aggregate_mixture): a search that never
        # samples does not pay for it (0.06 s of each digits fit, a third of the sampler).
        self._aggregate_posterior = None
        self._aggregate_codes = self._training_codes(rows)
        self._training_conditions = self._aggregate_code_groups = merged_groups = None
        if len(self.condition_columns_) and isinstance(rows, InMemoryRows):
            merged_groups = self._count_conditions(rows, earlier_conditions)
        self._background = self._fitted_background(rows.X)
        self._calibrations = {}  # sample's cache (skvae._vae._marginals)
        self._marginal_quantiles = self._category_shares = self._category_observed = None
        self._rows_seen = len(rows.X)
        if not continued:  # partial_fit's warning compares later chunks with these rows
            self._first_call_rows = len(rows.X)
        if isinstance(rows, InMemoryRows):
            # A later partial_fit call may bring other values to a constant column.
            X_data = self._split_columns(rows.X)[0]
            self._narrow_constants(X_data)
            # Both read one column at a time, in float64: no float64 copy of the whole X.
            numeric = rows.X[:, self._numeric_code_columns()]
            self._marginal_quantiles = fit_marginal_quantiles(numeric)
            self._category_shares = fit_category_shares(
                X_data,
                self._modelled_kinds(),
                category_counts(self.categories_, self._data_columns()),
            )
            self._category_observed = np.count_nonzero(~np.isnan(X_data), axis=0)
        if earlier is not None:
            self._merge_earlier_summaries(earlier, len(rows.X), merged_groups)

    def _count_conditions(self, rows, earlier):
        """Count the rows' distinct condition values, added to the earlier calls'
        ``earlier`` counts, and group the codes' rows by them. Counted over every row (a
        rare value keeps its share); the codes' groups index the distinct values (a
        pickle or file holds the mixture's shares per group instead).
        Returns the merged index of each earlier value (None without earlier counts)."""
        C = self._split_columns(rows.X)[1]
        values, groups, counts = np.unique(C, axis=0, return_inverse=True, return_counts=True)
        groups, merged_groups = groups.ravel(), None
        if earlier is not None:
            merged, where = np.unique(np.vstack([earlier[0], values]), axis=0, return_inverse=True)
            where = where.ravel()
            totals = np.zeros(len(merged), dtype=np.int64)
            np.add.at(totals, where, np.concatenate([earlier[1], counts]))
            values, counts, groups = merged, totals, where[len(earlier[0]) :][groups]
            merged_groups = where[: len(earlier[0])]
        self._training_conditions = (values, counts)
        self._aggregate_code_groups = groups[code_rows(len(rows.X), self._seed)]
        return merged_groups

    def _conditions_for_draw(self, conditions, n_rows, rng):
        """Coded conditions of ``n_rows`` generated rows: ``conditions`` as given (see
        ``_check_conditions``), or for a conditional model given none, rows of condition
        values drawn with their training shares (the generated table then has the training
        table's mix of conditions). An unconditional model draws nothing from ``rng``."""
        fitted = getattr(self, "_training_conditions", None)
        if conditions is None and fitted is None and len(self.condition_columns_):
            raise ValueError(
                f"this model is conditioned on {self.condition_on!r} but kept no training "
                "conditions to draw from (fitted on a memory-mapped X, or saved by an "
                "earlier skvae): pass conditions=, one value per condition column or one "
                "row of values per generated row"
            )
        if conditions is not None or fitted is None:
            return self._check_conditions(conditions, n_rows)
        values, counts = fitted
        return values[rng.choice(len(values), size=n_rows, p=counts / counts.sum())]

    def _component_shares_given(self, C, mixture):
        """Per row of coded conditions C, the aggregate posterior's component shares among
        the training rows with those conditions (None for an unconditional model, or one
        whose mixture has no shares); the mixture's weights for values not seen in fit."""
        shares = mixture.get("condition_shares")
        if shares is None or not C.shape[1]:
            return None
        values = self._training_conditions[0]
        distinct, inverse = np.unique(C, axis=0, return_inverse=True)
        known = {tuple(row): j for j, row in enumerate(values)}
        weights = mixture["weights"] / mixture["weights"].sum()
        per_distinct = np.array(
            [shares[known[tuple(row)]] if tuple(row) in known else weights for row in distinct]
        )
        return per_distinct[inverse.ravel()]

    def _sample_codes(self, n_samples, rng, C, latent="prior", logit_offsets=0.0):
        """Generated rows in the model's coding (see :meth:`sample`), under coded C, with
        ``logit_offsets`` added to the decoder's outputs."""
        params = self._decoded_draws(n_samples, rng, C, latent)
        return self._codes_from_params(params + logit_offsets, rng, C)

    def _decoded_draws(self, n_samples, rng, C, latent):
        """Decoder outputs for n_samples draws of z (from the prior or the aggregate
        posterior)."""
        # z from the prior; with a hierarchy, [z, eps_1] so that z1 ~ p(z1 | z) is drawn too.
        z = rng.standard_normal((n_samples, self._model.latent_noise_width))
        if latent == "aggregate":
            # A conditional model draws each row's component among those of the training
            # rows with its conditions: the latent codes of a class need not cover the
            # codes of all, and a code of another class decoded under this one's condition
            # blurs the relation between the condition and the row.
            mixture = self._aggregate_mixture()
            row_shares = self._component_shares_given(C, mixture)
            z[:, : self.n_components_] = draw_from_aggregate_posterior(
                mixture, n_samples, rng, row_shares
            )
        return self._decode(z, C, params=True)

    def _codes_from_params(self, params, rng, C):
        """One draw x ~ p(x | decoder outputs) per row, in the model's coding."""
        obs_log_var = self._model.obs_log_var()
        if obs_log_var is not None:
            obs_log_var = to_numpy(obs_log_var)
        X_scaled = self._model.layout.sample_columns(params, obs_log_var, rng)
        return self._assemble_codes(X_scaled, C)

    def _aggregate_mixture(self):
        """The aggregate posterior's mixture (skvae._vae._aggregate_posterior), fitted
        from the codes that fit kept on first call (sample, pickling or saving); None
        where there is none (a memory-mapped X, under 10 rows). The codes stay with the
        estimator (a later partial_fit merges them; a pickle or file holds the mixture,
        never the codes). The same seed gives the same mixture whenever it is fitted. Two
        threads may both fit it; they get the same mixture."""
        if getattr(self, "_aggregate_posterior", None) is None:
            codes = getattr(self, "_aggregate_codes", None)
            if codes is not None:
                mixture = fit_aggregate_posterior(codes, self._seed)
                groups = getattr(self, "_aggregate_code_groups", None)
                if mixture is not None and groups is not None:
                    n_groups = len(self._training_conditions[0])
                    shares = component_shares_by_group(mixture, codes, groups.ravel(), n_groups)
                    mixture["condition_shares"] = shares
                self._aggregate_posterior = mixture
        return getattr(self, "_aggregate_posterior", None)

    def _training_codes(self, rows):
        """Latent codes of the training rows the mixture is fitted on: one draw from
        q(z|x) per row (the posterior location for a flow or a hierarchy's top layer).
        None for a memory-mapped X, whose rows are not at hand."""
        if not isinstance(rows, InMemoryRows):
            return None
        inputs = rows.inputs_for(self._model_input)[code_rows(len(rows.X), self._seed)]
        if self._has_plain_posterior():
            z_mean, z_log_var = self._posterior_moments(inputs)
            eps = np.random.default_rng([self._seed, 7]).standard_normal(z_mean.shape)
            codes = z_mean + np.exp(0.5 * z_log_var) * eps
        else:
            codes = self._posterior_location(inputs)[:, : self.n_components_]
        return codes
