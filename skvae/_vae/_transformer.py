"""``VAETransformer``: the VAE as a scikit-learn transformer."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context

from skvae._persistence._registry import savable
from skvae._table._codes import is_frame
from skvae._vae._base import BaseVAE
from skvae._vae._docs import fill_doc
from skvae._vae._partial_fit import check_model_params_unchanged
from skvae._vae._pickling import state_restored_on_failure


@savable
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

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
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

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train on X for one pass of mini-batches, continuing from the current model.

        For data that do not fit in memory, or that arrive over time: call it once per
        chunk of rows (and repeat the chunks for more epochs). The first call on an
        unfitted estimator builds the model and fits the internal scaling (and the
        encoding of ``condition_on`` columns) on *that* chunk, so make the first chunk
        representative; later calls keep that scaling, the model and Adam's state.

        Each call runs one epoch of shuffled ``batch_size`` batches over X at the current
        ``learning_rate`` (``max_iter`` and ``early_stopping`` do not apply), appends one
        entry to ``history_``, updates ``kl_per_dimension_`` and ``active_units_``
        (without a :class:`PosteriorCollapseWarning`) from the latest calls' rows (at least
        1,000 rows or four chunks; older calls' moments, from older weights, fade), and
        updates what :meth:`sample` and :meth:`score_samples` keep of the training rows
        (the columns' quantiles and category shares, the codes of the aggregate
        posterior, the background) to cover the rows of every call so far, as one fit on
        all of them would. X is read into
        memory, also a slice of a :class:`numpy.memmap`. After :meth:`fit`
        it continues the fitted model; after unpickling, ``copy.deepcopy`` or
        :func:`skvae.load` it continues the weights with a fresh optimiser (Adam's state is
        not saved) and merges codes of the earlier rows drawn from the aggregate
        posterior's mixture (the codes are not saved): deterministic, but not the model the
        original would have become (:doc:`/saving`). A call that fails leaves the estimator
        as it was. Batch order is seeded by
        ``random_state`` and the epoch count, so the same calls give the same model.
        Between calls ``set_params`` may change ``learning_rate``, ``batch_size`` and
        ``verbose``; a parameter that built the model (``n_components``, the layers, the
        likelihood, ``beta``, ...) raises ``ValueError`` instead of being ignored: call
        :meth:`fit` to build a model with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training rows.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VAETransformer
        >>> X = np.random.default_rng(0).normal(size=(300, 4))
        >>> vae = VAETransformer(random_state=0)
        >>> for chunk in np.array_split(X, 3):
        ...     vae = vae.partial_fit(chunk)
        >>> vae.n_iter_, len(vae.history_["loss"])
        (3, 3)
        """
        if hasattr(self, "_model"):
            check_model_params_unchanged(
                getattr(self, "_model_params", None), self.get_params(deep=False)
            )
        # A slice of a memory map is one chunk, not a map to stream through: in memory.
        X = np.asarray(X) if isinstance(X, np.memmap) else X
        with state_restored_on_failure(self):
            return self._partial_fit(X)

    def _fit(self, X, **kwargs):
        super()._fit(X, **kwargs)
        # The parameters that built the model: partial_fit refuses to continue it under
        # others (skvae._vae._partial_fit).
        self._model_params = self.get_params(deep=False)
        return self

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
        Z = self._posterior_location(self._prediction_inputs(X))[:, : self.n_components_]
        return Z.astype(X.dtype)

    def inverse_transform(self, X, conditions=None):
        """Decoder mean E[x|z] for latent rows, in the units of the training X (a frame
        like it if fitted on one; float32 for a float32 array, else float64).

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
            training frame's columns and dtypes when fitted on one (with X's index when X
            is a pandas DataFrame).

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(n_components=3, max_iter=5, random_state=0).fit(X)
        >>> vae.inverse_transform(vae.transform(X[:2])).shape
        (2, 13)
        """
        decoded = self.decode(X, conditions)
        if is_frame(X) and is_frame(decoded):
            # Latents from set_output(transform="pandas") keep their rows' index, as the
            # scikit-learn transformers that return frames do.
            decoded.index = X.index
        return decoded

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
