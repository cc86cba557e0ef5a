"""``DensityMixin``: a fitted VAE as a density: sampling and log p(x), importance-sampled
(in closed form for a linear-Gaussian model, skvae._vae._exact_density)."""

from collections.abc import Mapping
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae._nn._prediction import predict_in_batches, summary_batch_rows
from skvae._vae._background import BackgroundMixin
from skvae._vae._defensive_draws import DefensiveDrawsMixin
from skvae._vae._exact_density import LinearGaussianMixin
from skvae._vae._kl import gaussian_kl
from skvae._vae._marginals import MarginalsMixin
from skvae._vae._sampler import SamplerMixin
from skvae._vae._value_conditions import ValueConditionsMixin

LATENT_SOURCES = ("auto", "aggregate", "prior")
MARGINAL_SOURCES = ("auto", "data", "model")


class DensityMixin(
    ValueConditionsMixin,
    MarginalsMixin,
    SamplerMixin,
    BackgroundMixin,
    LinearGaussianMixin,
    DefensiveDrawsMixin,
):
    """``sample``, ``score_samples`` and ``score`` of every VAE estimator.

    Examples
    --------
    >>> from skvae import VAEOutlierDetector
    >>> from skvae._vae._density import DensityMixin
    >>> issubclass(VAEOutlierDetector, DensityMixin)
    True
    """

    def sample(
        self, n_samples=1, random_state=None, conditions=None, latent="auto", marginals="auto"
    ):
        """Draw new rows from the generative model: z, then x ~ p(x|z).

        z comes from the aggregate posterior: a Gaussian mixture fitted on latent codes
        of (up to 2000) training rows that fit keeps (fitted at the first ``sample``,
        pickling or saving; a pickle or file holds no codes), which avoids the regions of the
        prior N(0, I) where no training row's code lies (see :doc:`/synthetic_data`,
        :doc:`/conditional`; ``latent="prior"``: from N(0, I)). The observation noise of
        p(x|z) is included (Gaussian noise with the learned variances, or Bernoulli
        draws), so samples have the spread of real data. Numeric columns are then mapped
        onto the training marginals, keeping the model's ranks, and categories drawn
        with their training shares (see ``marginals``), also under ``conditions``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; None uses NumPy's global generator (as
            :meth:`sklearn.neighbors.KernelDensity.sample` does).
        conditions : dict, or array-like of shape (n_conditions,) or (n_samples, \
n_conditions), default=None
            A dict ``{column: value}`` (a column's name, or its position for an array)
            fixes those columns of every row, for a model without ``condition_on``: the
            other columns are drawn from p(x_rest | x_given) of the generator that
            ``latent`` and ``marginals`` describe, by sampling-importance-resampling over
            latent draws from q(z | x_given) and from z's own distribution, as
            :class:`VAEImputer` fills holes (a warning says when the values are so unlikely
            that few draws carry the weight): with the defaults, distributed as the
            unconditional draws that hold the values. For a conditional model, the values of the
            ``condition_on`` columns: one row is broadcast to all samples; None draws
            them with their training shares (:ref:`label-conditional`).
        latent : {"auto", "aggregate", "prior"}, default="auto"
            Where z comes from: the aggregate posterior (for a hierarchy, its top layer;
            the lower layer is drawn given it as usual) or the prior N(0, I). ``"auto"`` is
            the aggregate posterior, or the prior for a model that has none (fitted on a
            memory-mapped X or on under 10 rows, or saved by skvae 0.1). Under conditions
            given as a dict, a model with a flow or a hierarchy draws from the prior.
        marginals : {"auto", "data", "model"}, default="auto"
            ``"data"``: in each numeric (continuous-kind) column, a value x becomes
            ``Q(F(x))``, with F the model's own marginal CDF of the column (estimated from
            a draw of 8192 rows of the same sampler, fixed for the model) and Q the
            training column's quantile function (1001 levels, stored at fit time; a step
            function through the seen values for a column with at most 20 distinct
            values): the column takes the training marginal (its atoms, skew and range)
            while every row keeps its rank, and with it the dependence the model learned.
            In each 0/1 and categorical column the decoder's logits get one offset per
            category, the same for every row, chosen on a draw of 32768 rows so that the
            categories come out with their training shares: every row's odds between two
            categories move by the same factor, so the rows that favour a category
            still do. The rows are then no longer draws from p(x) itself; under
            ``conditions``, they are this calibrated generator's given the conditions
            (:ref:`value-conditions`). ``"model"``: the model's draws as they are.
            ``"auto"`` is ``"data"`` for a model that stored the quantiles and shares
            (fitted on in-memory rows), else ``"model"``.

        Returns
        -------
        X_new : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Generated rows, complete, in the units of the training X: a frame like the
            training frame if fitted on one, else float32 for a float32 X and float64
            for any other array (arrays are float input, see :doc:`/tabular`); condition
            columns hold ``conditions``.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(max_iter=5, random_state=0).fit(X)
        >>> vae.sample(3, random_state=0).shape
        (3, 13)
        >>> vae.sample(3, random_state=0, latent="prior").shape
        (3, 13)
        >>> vae.sample(3, random_state=0, marginals="model").shape   # no calibration
        (3, 13)
        >>> vae.sample(3, random_state=0, conditions={0: 13.5})[:, 0].tolist()
        [13.5, 13.5, 13.5]
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
        if latent not in LATENT_SOURCES:
            raise ValueError(f"latent must be 'auto', 'aggregate' or 'prior'; got {latent!r}")
        if marginals not in MARGINAL_SOURCES:
            raise ValueError(f"marginals must be 'auto', 'data' or 'model'; got {marginals!r}")
        calibrate = marginals != "model" and self._can_calibrate(marginals)
        has_aggregate = self._aggregate_mixture() is not None
        if latent == "aggregate" and not has_aggregate:
            raise ValueError(
                "latent='aggregate' needs the aggregate posterior that fit stores, and this "
                "model has none (fitted on a memory-mapped X or on fewer than 10 rows, or "
                "saved by an earlier skvae): refit it on in-memory rows, or sample with "
                "latent='prior'"
            )
        rng = check_random_state(random_state)
        if isinstance(conditions, Mapping):
            latent = self._latent_given_values(latent, has_aggregate)
            return self._to_output(
                self._sample_given_values(n_samples, rng, conditions, latent, calibrate)
            )
        C = self._conditions_for_draw(conditions, n_samples, rng)
        if latent == "auto":
            latent = "aggregate" if has_aggregate else "prior"
        if calibrate:
            return self._to_output(self._calibrated_draw(n_samples, rng, C, latent))
        return self._to_output(self._sample_codes(n_samples, rng, C, latent))

    def _posterior_diagnostics(self, inputs):
        """KL per row and latent dimension, and the deterministic posterior point per row,
        for model inputs (float64): what the fit's collapse diagnostics summarise. For the
        plain Gaussian posterior both come from one pass of the encoder: after a fit on
        many rows that pass costs about as much as an epoch, so it is not run twice, and
        it reads many rows in larger chunks (see summary_batch_rows)."""
        if self._has_plain_posterior():
            z_mean, z_log_var = self._posterior_moments(inputs, summary_batch_rows(len(inputs)))
            return gaussian_kl(z_mean, np.exp(z_log_var)), z_mean
        return self._kl_per_dimension(inputs), self._posterior_location(inputs)

    def score_samples(self, X):
        """Log-likelihood log p(x) of each row, in nats, by importance sampling.

        Uses ``n_importance_samples`` draws z_k from q(z|x):
        ``log p(x) ~= log mean_k [p(x|z_k) p(z_k) / q(z_k|x)]``, a lower bound in
        expectation that tightens as the number of draws grows (with one draw it is the
        ELBO). The noise is fixed at fit time, so the same row always gets the same score,
        whatever else is in X. A linear-Gaussian model (a linear decoder, every modelled
        column "gaussian", the default posterior, one latent layer, not whitened: the
        default :class:`~skvae.VAEImputer`) is factor analysis, and is scored exactly in
        closed form instead (with the imputer's latent mixture prior), complete rows and
        rows with holes alike. Includes all normalising constants and the log-Jacobian of
        the internal scaling, so it is a density in X's units. A row with missing
        entries (NaN) gets the density of its observed entries, log p(x_observed), with
        half its draws from the prior N(0, I) (a defensive mixture with q, for the
        default Gaussian posterior: q(z|x_observed) alone is too narrow a proposal);
        :class:`~skvae.VAEOutlierDetector` scores it by E[log p(x) | x_observed] instead,
        so that it ranks with complete rows.

        Except for :class:`~skvae.VAEOutlierDetector`, which scores by the VAE alone, the
        density is a defensive mixture: 0.99 of the VAE's and 0.01 of a broad background
        fitted to the training rows in closed form (a multivariate Cauchy over the
        real-valued columns with their shrunk correlation, the training shares of
        categories). A row the VAE explains loses at most 0.01 nats; a row it did not
        expect costs polynomially, not exponentially, in its distance, so no held-out row
        decides ``score``. ``sample`` draws from the VAE's part.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            log p(x) per row, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(max_iter=5, random_state=0).fit(X)
        >>> vae.score_samples(X[:4]).shape
        (4,)
        """
        return self._score_rows(self._validate_rows(X))

    def _score_rows(self, X):
        """log p(x) for validated coded rows X (see score_samples): in closed form for a
        linear-Gaussian model, else importance-sampled."""
        scores = self._exact_log_likelihood(X)
        if scores is None:
            scores = self._sampled_log_likelihood(X)
        X_data = self._split_columns(X)[0]
        scores = self._with_background_share(X_data, scores)
        # A row with no observed entry has log p(nothing) = 0 exactly; the importance
        # estimate of log E_q[p(z) / q(z|x)] = log 1 would only add noise. Read from X
        # itself: building the model inputs again just for their mask would double the work.
        scores[np.isnan(X_data).all(axis=1)] = 0.0
        return scores

    def _sampled_log_likelihood(self, X):
        """The VAE's importance-sampled log p(x) of validated coded rows X (no background):
        from q(z | x), or for rows with holes from the defensive mixture of q and the prior
        (a Gaussian q or a hierarchy; see skvae._vae._defensive_draws)."""
        # A flow's q has no density at a prior draw short of inverting it: q alone there.
        holes = np.isnan(self._split_columns(X)[0]).any(axis=1)
        holes &= self._mixes_defensively()
        scores = np.empty(len(X))
        if holes.any():
            scores[holes] = self._defensive_log_likelihood(X[holes])
        if not holes.all():
            eps = self._importance_noise()
            scores[~holes] = predict_in_batches(
                self._model.importance_log_likelihood,
                self._prediction_inputs(X[~holes]),
                self._score_chunk_rows(len(eps)),
                eps,
                progress=self.verbose >= 1,
            )
        return scores

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of X (see :meth:`score_samples`).

        Higher is better, so ``GridSearchCV`` with no ``scoring`` selects by held-out
        likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean log p(x) in nats per row.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(max_iter=5, random_state=0).fit(X)
        >>> isinstance(vae.score(X), float)
        True
        """
        return float(np.mean(self.score_samples(X)))
