"""``VAETransformer``: the VAE as a scikit-learn transformer."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from skvae._base import BaseVAE, fill_doc


@fill_doc
class VAETransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseVAE):
    """Variational autoencoder as a scikit-learn transformer.

    The model is a latent-variable density p(x) = integral of p(x|z) p(z) dz with prior
    p(z) = N(0, I), a decoder network for p(x|z) and an encoder network for the
    diagonal-Gaussian approximate posterior q(z|x). Training maximises the evidence lower
    bound ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)) with Adam on mini-batches, using the
    reparameterisation z = mu + sigma * eps. With ``hidden_layer_sizes=()`` it is a linear
    VAE, whose optimum is probabilistic PCA / factor analysis.

    For the Gaussian likelihoods the features are standardised internally (a constant
    feature borrows the smallest spread of the others); every log-likelihood the estimator
    reports includes the log-Jacobian of that scaling, so it is a density in X's units,
    comparable with :meth:`sklearn.decomposition.PCA.score_samples`.

    %(parameters)s
    %(attributes)s
    See Also
    --------
    sklearn.decomposition.PCA : Linear, closed-form counterpart (probabilistic PCA).
    sklearn.decomposition.FactorAnalysis : Linear Gaussian model with per-feature noise.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skvae import VAETransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VAETransformer(n_components=2, max_iter=5, random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape
    (3, 2)
    >>> vae.sample(4, random_state=0).shape
    (4, 64)
    >>> bool(vae.score(X) > vae.set_params(n_importance_samples=1).score(X) - 5)
    True
    """

    def transform(self, X):
        """Posterior mean E_q[z|x] of each row (deterministic).

        With ``posterior="flow"`` it is the flow applied to the base Gaussian's mean
        (eps = 0), a deterministic high-density point of q(z|x) rather than its Monte Carlo
        mean (which, for a posterior split over two modes, can fall between them). With
        ``n_components_lower`` it is the top layer's posterior mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Latent means, in X's floating dtype.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> Z = VAETransformer(n_components=2, max_iter=5, random_state=0).fit_transform(X)
        >>> Z.shape
        (178, 2)
        """
        X = self._validate_rows(X)
        inputs = self._model_input(X)
        Z = self._posterior_location(inputs)[:, : self.n_components]
        return Z.astype(X.dtype)

    def inverse_transform(self, X, conditions=None):
        """Decoder mean E[x|z] for latent rows, in the units and dtype of the training X.

        With ``n_components_lower`` the rows are top-layer latents z and are decoded at
        the lower layer's conditional mean E[z1|z].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent vectors (for example the output of :meth:`transform`).
        conditions : array-like of shape (n_conditions,) or (n_samples, n_conditions), \
default=None
            Values of the ``condition_on`` columns to decode under (required, and only
            allowed, for a conditional model); one row is broadcast to all.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Decoded rows: means of continuous columns (rounded and clipped to the training
            range for integer columns), probabilities of Bernoulli columns (True/False
            at 0.5 for boolean ones), the most probable category of categorical columns,
            and the condition columns (if any) holding ``conditions``. A DataFrame with the
            training frame's columns and dtypes when fitted on one.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(n_components=3, max_iter=5, random_state=0).fit(X)
        >>> vae.inverse_transform(vae.transform(X[:2])).shape
        (2, 13)
        """
        check_is_fitted(self)
        Z = self._validate_latents(X)
        C = self._check_conditions(conditions, len(Z))
        values = self._model.layout.columns_from_encoded(self._decode(Z, C))
        return self._to_output(self._assemble_codes(values, C))

    def _validate_latents(self, Z):
        Z = check_array(Z, dtype=np.float32)
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects latent rows with n_components={self.n_components} "
                f"columns; got {Z.shape[1]}"
            )
        return Z

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
