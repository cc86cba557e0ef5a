"""The VQ-VAE estimator's generative model: the empirical prior over the training rows'
code tuples, ``sample`` and the exact ``score_samples``.

A mixin of :class:`~skvae._vqvae._transformer.VQVAETransformer`, which sets the fitted
model and the table attributes it reads.
"""

from numbers import Integral

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae._nn._prediction import to_numpy
from skvae._vae._latent_inspection import SCORE_CHUNK_ELEMENTS


class PriorMixin:
    """The prior over code tuples, and ``sample``, ``score_samples`` and ``score``.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VQVAETransformer
    >>> from skvae._vqvae._generative import PriorMixin
    >>> X, _ = load_wine(return_X_y=True)
    >>> vq = VQVAETransformer(n_codes=8, max_iter=2, random_state=0).fit(X)
    >>> isinstance(vq, PriorMixin), float(vq.prior_.sum())
    (True, 1.0)
    """

    def _set_prior(self, codes):
        """Code usage, perplexity and prior of the training rows' code tuples ``codes``
        (n, n_latents), with the decoder output of every tuple of the prior."""
        counts = np.bincount(codes.ravel(), minlength=self.n_codes)
        self.code_usage_ = counts / counts.sum()
        used = self.code_usage_[self.code_usage_ > 0]
        self.perplexity_ = float(np.exp(-np.sum(used * np.log(used))))
        self.prior_codes_, tuple_counts = np.unique(codes, axis=0, return_counts=True)
        self.prior_ = tuple_counts / tuple_counts.sum()
        self._cache_prior_decoding()

    def _cache_prior_decoding(self):
        # The decoder output of every code tuple in the prior's support, float64 in scaled
        # units, laid out as in skvae._nn._layout: sample() and score_samples() need no
        # network call after fit.
        self._prior_params = self._decoder_params(self.prior_codes_)

    # -- the generative model ---------------------------------------------------------------
    def sample(self, n_samples=1, random_state=None, return_codes=False):
        """Draw rows: a code tuple from the fitted prior, then x ~ p(x | codes).

        The prior is the empirical distribution of the training rows' code tuples
        (``prior_codes_``, ``prior_``). Gaussian observation noise (or Bernoulli draws) is
        included, as in :meth:`VAETransformer.sample`.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; None uses NumPy's global generator.
        return_codes : bool, default=False
            Also return the drawn code indices.

        Returns
        -------
        X_new : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Generated rows in the training X's units (a DataFrame with the training
            frame's columns, dtypes and categories when fitted on one; for an array,
            float32 for a float32 X, else float64: arrays are float input).
        codes : ndarray of shape (n_samples, n_latents), dtype=int64
            The code tuple of each row (only with ``return_codes=True``).

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VQVAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vq = VQVAETransformer(n_codes=8, max_iter=5, random_state=0).fit(X)
        >>> X_new, codes = vq.sample(3, random_state=0, return_codes=True)
        >>> X_new.shape, codes.shape
        ((3, 13), (3, 1))
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
        rng = check_random_state(random_state)
        picks = rng.choice(len(self.prior_), size=n_samples, p=self.prior_)
        layout = self._model.layout
        X_new = self._to_output(
            self._unscaled(layout.sample_columns(self._prior_params[picks], self._obs_log_var, rng))
        )
        if return_codes:
            return X_new, self.prior_codes_[picks].copy()
        return X_new

    def score_samples(self, X):
        """Exact log-likelihood log p(x) of each row under the fitted model, in nats.

        ``log p(x) = log sum_t prior(t) p(x | decode(t))`` over the code tuples t of the
        prior (``prior_codes_``), computed with the VAE's per-feature log-densities in
        float64 (float32 under JAX, which has no float64 by default), with all
        normalising constants and the log-Jacobian of the internal scaling, so it is a
        density in X's units, comparable with :meth:`VAETransformer.score_samples` and
        :meth:`sklearn.decomposition.PCA.score_samples`. A categorical column adds the
        log-probability of its category, a Bernoulli column that of its value; an unseen
        category that ``handle_unknown="ignore"`` lets through is left out (its column
        is marginalised, exactly). The cost grows with the number of tuples (at most
        ``n_codes`` for one latent).

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
        >>> from skvae import VQVAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vq = VQVAETransformer(n_codes=8, max_iter=5, random_state=0).fit(X)
        >>> vq.score_samples(X[:4]).shape
        (4,)
        """
        check_is_fitted(self)
        layout = self._model.layout
        # Encoded in float64 (one-hot blocks for categories), with the mask of observed
        # entries: an ignored unknown category is an all-zero block that adds nothing.
        x_all, mask_all = self._encoded_rows(self._validate_rows(X), layout, dtype=np.float64)
        log_prior = np.log(self.prior_)
        n_tuples, n_params = self._prior_params.shape
        rows = max(1, SCORE_CHUNK_ELEMENTS // (n_tuples * n_params))
        scores = np.empty(len(x_all))
        for start in range(0, len(x_all), rows):
            x = x_all[start : start + rows, None, :]
            mask = mask_all[start : start + rows, None, :]
            # log p(x | decode(t)) for every row and tuple t, in X's units: the VAE's
            # log-densities, here on float64 arrays (float32 where the backend has no
            # float64, as JAX by default).
            log_p = layout.log_prob(x, self._prior_params[None], mask, self._obs_log_var)
            scores[start : start + rows] = logsumexp(to_numpy(log_p) + log_prior, axis=1)
        return scores

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of X (see :meth:`score_samples`).

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
        >>> from skvae import VQVAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vq = VQVAETransformer(n_codes=8, max_iter=5, random_state=0).fit(X)
        >>> isinstance(vq.score(X), float)
        True
        """
        return float(np.mean(self.score_samples(X)))
