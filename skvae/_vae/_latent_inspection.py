"""``LatentInspectionMixin``: a fitted VAE's latent side, row by row.

Encoding rows to latent points, decoding latent points to rows, the KL of each latent
dimension and the two terms of the ELBO; the shared posterior summaries the fit's
diagnostics and :meth:`transform` use.
"""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from skvae._nn._prediction import PREDICT_BATCH_ROWS, predict_in_batches
from skvae._vae._kl import gaussian_kl

# Rows x importance draws x features processed at once by score_samples: bounds the
# memory of scoring (never rows * draws * features for the whole of X).
SCORE_CHUNK_ELEMENTS = 2**22
SCORE_CHUNK_ROWS = 1024


class LatentInspectionMixin:
    """Latent-space methods shared by every VAE estimator.

    Examples
    --------
    >>> from skvae import VAEImputer
    >>> from skvae._vae._latent_inspection import LatentInspectionMixin
    >>> issubclass(VAEImputer, LatentInspectionMixin)
    True
    """

    def encode(self, X):
        """Deterministic latent point of each row: the posterior mean of q(z|x).

        With ``posterior="flow"`` it is the flow applied to the base Gaussian's mean; with
        ``n_components_lower`` the top layer's posterior mean (see
        :meth:`VAETransformer.transform`, which returns the same values in X's dtype).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Latent points, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAEOutlierDetector
        >>> X, _ = load_wine(return_X_y=True)
        >>> detector = VAEOutlierDetector(n_components=2, max_iter=3, random_state=0).fit(X)
        >>> detector.encode(X[:4]).shape
        (4, 2)
        """
        X = self._validate_rows(X)
        return self._posterior_location(self._prediction_inputs(X))[:, : self.n_components_]

    def decode(self, Z, conditions=None):
        """Decoder mean E[x|z] of latent rows, as rows of the training table.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            Latent points (for example the output of :meth:`encode`).
        conditions : array-like of shape (n_conditions,) or (n_samples, n_conditions), \
default=None
            Values of the ``condition_on`` columns to decode under (required, and only
            allowed, for a conditional model); one row is broadcast to all.

        Returns
        -------
        X_decoded : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Means of continuous columns (rounded and clipped to the training range for
            integer columns), probabilities of Bernoulli columns, the most probable
            category of categorical columns, and the condition columns (if any) holding
            ``conditions``; a DataFrame with the training frame's columns when fitted on
            one.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAEOutlierDetector
        >>> X, _ = load_wine(return_X_y=True)
        >>> detector = VAEOutlierDetector(n_components=2, max_iter=3, random_state=0).fit(X)
        >>> detector.decode(detector.encode(X[:2])).shape
        (2, 13)
        """
        check_is_fitted(self)
        Z = self._validate_latents(Z)
        C = self._check_conditions(conditions, len(Z))
        values = self._model.layout.columns_from_encoded(self._decode(Z, C))
        return self._to_output(self._assemble_codes(values, C))

    def to_numeric(self, X):
        """The rows of X as the numbers the model reads, one column per input column.

        Numbers stay as they are, booleans become 0/1, a categorical column holds the
        index of its category in ``categories_``, and NaN marks a missing entry (or an
        unseen category that ``handle_unknown="ignore"`` lets through). Plots and
        reports compare real and generated columns in this form.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows in the training table's format.

        Returns
        -------
        X_numeric : ndarray of shape (n_samples, `n_features_in_`)
            Float rows.

        Examples
        --------
        >>> import pandas as pd
        >>> from skvae import VAETransformer
        >>> frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "b", "a", "b"]})
        >>> vae = VAETransformer(n_components=1, max_iter=2, random_state=0).fit(frame)
        >>> vae.to_numeric(frame.iloc[:2])
        array([[0., 0.],
               [1., 1.]])
        """
        return self._validate_rows(X)

    def _validate_latents(self, Z):
        Z = check_array(Z, dtype=np.float32)
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"expected latent rows with n_components={self.n_components_} columns; "
                f"got {Z.shape[1]}"
            )
        return Z

    def kl_divergence(self, X):
        """KL(q(z|x) || p(z)) of each row, per latent dimension, in nats.

        The ELBO's KL term, before summing over dimensions. A dimension whose KL is near
        zero for every row carries no information about x (a collapsed unit).

        With ``posterior="gaussian"`` it is closed form. With ``posterior="flow"`` there is
        no closed form: each entry is the Monte Carlo average, over the
        ``n_importance_samples`` fixed draws of :meth:`score_samples`, of
        log q_0(z_0,i|x) - log|dz_K,i/dz_0,i| - log N(z_K,i; 0, 1); the flow's Jacobian is
        triangular, so these sum over i to the sampled KL of the whole posterior, but a
        single entry can be slightly negative. With ``n_components_lower`` the columns are
        the top layer's closed-form KL, then the lower layer's
        E_q(z|x)[KL(q(z1|x, z) || p(z1|z))] (closed form given z, averaged over the same
        fixed draws).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        kl : ndarray of shape (n_samples, n_components) or \
(n_samples, n_components + n_components_lower)
            KL per row and latent dimension, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> kl = vae.kl_divergence(X)
        >>> kl.shape, bool((kl >= 0).all())
        ((178, 2), True)
        """
        X = self._validate_rows(X)
        return self._kl_per_dimension(self._prediction_inputs(X))

    def elbo_terms(self, X):
        """The two terms of each row's ELBO: expected log-likelihood and KL, in nats.

        ``ELBO = expected_log_likelihood - kl`` is the bound that training maximises (for
        beta = 1); :meth:`score_samples` is a tighter, importance-weighted bound (on
        average: this KL is closed-form, while the importance weights sample it, so a
        single row's estimates can cross by Monte Carlo noise). The
        expectation E_q[log p(x|z)] uses the same ``n_importance_samples`` fixed draws as
        :meth:`score_samples`, in X's units; the KL is closed-form for the Gaussian
        posterior, and the row sum of :meth:`kl_divergence` (sampled with the same draws)
        for ``posterior="flow"`` and ``n_components_lower``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to evaluate.

        Returns
        -------
        expected_log_likelihood : ndarray of shape (n_samples,)
            E_q[log p(x|z)] per row.
        kl : ndarray of shape (n_samples,)
            KL(q(z|x) || p(z)) per row, summed over latent dimensions.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(max_iter=5, random_state=0).fit(X)
        >>> reconstruction, kl = vae.elbo_terms(X)
        >>> bool(np.mean(reconstruction - kl) <= vae.score(X))
        True
        """
        X = self._validate_rows(X)
        inputs = self._prediction_inputs(X)
        eps = self._importance_noise()
        expected = predict_in_batches(
            self._model.expected_log_likelihood, inputs, self._score_chunk_rows(len(eps)), eps
        )
        kl = self._kl_per_dimension(inputs).sum(axis=1)
        return expected.astype(np.float64), kl

    def _has_plain_posterior(self):
        return self.posterior == "gaussian" and self.n_components_lower is None

    def _kl_per_dimension(self, inputs):
        """KL per row and latent dimension for model inputs (see kl_divergence), float64."""
        if self._has_plain_posterior():
            z_mean, z_log_var = self._posterior_moments(inputs)
            return gaussian_kl(z_mean, np.exp(z_log_var))
        eps = self._importance_noise()
        return predict_in_batches(
            self._model.kl_per_dimension, inputs, self._score_chunk_rows(len(eps)), eps
        ).astype(np.float64)

    def _posterior_location(self, inputs):
        """Deterministic posterior point per row: mu; the flow of mu; for a hierarchy the
        top mean, then the lower layer's posterior mean given it. float64."""
        if self._has_plain_posterior():
            return self._posterior_moments(inputs)[0]
        return predict_in_batches(
            self._model.posterior_location, inputs, PREDICT_BATCH_ROWS
        ).astype(np.float64)

    def _posterior_moments(self, inputs, batch_rows=PREDICT_BATCH_ROWS):
        """Posterior means and log-variances of q(z|x, c) for model inputs, float64, in
        chunks of ``batch_rows`` rows."""
        moments = predict_in_batches(self._model.posterior_moments, inputs, batch_rows)
        return np.split(moments.astype(np.float64), 2, axis=1)

    def _score_chunk_rows(self, n_draws):
        # Fixed for a model (never dependent on len(X), so a row's score ignores the other
        # rows), a multiple of 64 so chunks tile evenly into CPU GEMM kernels, at most
        # SCORE_CHUNK_ROWS so scoring a handful of rows stays cheap.
        rows = SCORE_CHUNK_ELEMENTS // (n_draws * max(self.n_features_in_, self.n_components_))
        return min(SCORE_CHUNK_ROWS, max(64, rows - rows % 64))

    def _importance_noise(self):
        # Drawn from a seed fixed at fit time and shared by all rows, so scores are
        # deterministic and a row's score ignores the other rows. Row-major filling makes
        # the draws for K samples a prefix of those for more.
        rng = np.random.default_rng([self._seed, 1])
        shape = (self.n_importance_samples, self._posterior_noise_width())
        return rng.standard_normal(shape).astype(np.float32)

    def _posterior_noise_width(self):
        # A hierarchy draws [eps_top, eps_lower] per sample; the plain width is unchanged.
        return self.n_components_ + (self.n_components_lower or 0)
