"""The VQ-VAE estimator's codebook side: model inputs, quantisation (``transform``) and
decoding (``inverse_transform``) with the fitted Keras model.

A mixin of :class:`~skvae._vqvae._transformer.VQVAETransformer`, which sets ``_model``
(:class:`skvae._vqvae._model.VQVAE`) and the table attributes it reads.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from skvae._nn._prediction import PREDICT_BATCH_ROWS, predict_in_batches, to_numpy


class CodebookMixin:
    """``transform``, ``inverse_transform`` and the helpers that build and run the VQ-VAE.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VQVAETransformer
    >>> from skvae._vqvae._codebook import CodebookMixin
    >>> X, _ = load_wine(return_X_y=True)
    >>> vq = VQVAETransformer(n_codes=8, max_iter=2, random_state=0).fit(X)
    >>> isinstance(vq, CodebookMixin), vq.codebook_.shape
    (True, (8, 8))
    """

    # -- the model's helpers -------------------------------------------------------------
    def _set_fitted_model(self, model):
        """Keep the fitted Keras model, and the arrays read from it once: the codebook and
        the observation log-variances."""
        self._model = model
        self.encoder_ = model.encoder
        self.decoder_ = model.decoder
        self.codebook_ = np.array(model.codebook.numpy(), dtype=np.float64)
        obs_log_var = model.obs_log_var()
        # The learned log-variances of "gaussian" features (float64, scaled units).
        self._obs_log_var = (
            None if obs_log_var is None else to_numpy(obs_log_var).astype(np.float64)
        )

    def _check_hidden_layer_sizes(self):
        """``hidden_layer_sizes`` as a tuple of int, checked (scikit-learn's constraints
        accept any tuple or list)."""
        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers (or () for linear "
                f"encoder and decoder); got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    def _whitens(self):
        """The table hook of skvae._table._whitening: the VQ-VAE models every column in
        its own coordinates (its decoder outputs are per column)."""
        return False

    def _model_input(self, X, layout=None):
        """Encoded float32 rows for the model from coded rows X: continuous columns
        standardised (and clipped so float32 stays finite), categorical ones one-hot (an
        all-zero block for an unknown category that ``handle_unknown`` ignores)."""
        return self._encoded_rows(X, self._model.layout if layout is None else layout)[0]

    def _codes(self, inputs):
        """Code indices (n, n_latents), int64, of encoded model inputs."""
        return predict_in_batches(self._model.encode_codes, inputs, PREDICT_BATCH_ROWS).astype(
            np.int64
        )

    def _decoder_params(self, codes):
        """Decoder output (float64, scaled units) for code tuples."""
        return self._decode_vectors(self.codebook_[codes].reshape(len(codes), -1))

    def _decode_vectors(self, z):
        """Decoder output (float64, scaled units) for flattened codebook vectors."""
        return predict_in_batches(
            self._model.decoder_params, z.astype(np.float32), PREDICT_BATCH_ROWS
        ).astype(np.float64)

    # -- transformer API --------------------------------------------------------------------
    def transform(self, X):
        """Quantise each row: its nearest code per latent, as indices or codebook vectors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_latents) or (n_samples, n_latents * code_dim)
            With ``output="indices"``, int64 code indices; with ``output="embeddings"``,
            the chosen codebook vectors (latent after latent), in X's floating dtype.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VQVAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vq = VQVAETransformer(n_codes=8, n_latents=2, max_iter=5, random_state=0)
        >>> vq.fit_transform(X).shape
        (178, 2)
        >>> vq.set_params(output="embeddings").transform(X).shape
        (178, 16)
        """
        X = self._validate_rows(X)
        codes = self._codes(self._model_input(X))
        if self.output == "indices":
            return codes
        return self.codebook_[codes].reshape(len(codes), -1).astype(X.dtype)

    def inverse_transform(self, X):
        """Decode code indices or codebook vectors (per ``output``) to rows in X's units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_latents) or (n_samples, n_latents * code_dim)
            Integer code indices in ``[0, n_codes)`` (``output="indices"``), or latent
            vectors (``output="embeddings"``), decoded as given, without re-quantising.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Decoded rows in the training X's units (float32 for a float32 array, else
            float64; arrays are float input): means of continuous columns
            (rounded and clipped to the training range for integer columns),
            probabilities of Bernoulli columns (True/False at 0.5 for boolean ones), the
            most probable category of categorical columns. A DataFrame with the training
            frame's columns and dtypes when fitted on one.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VQVAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vq = VQVAETransformer(n_codes=8, max_iter=5, random_state=0).fit(X)
        >>> vq.inverse_transform([[0], [7]]).shape
        (2, 13)
        """
        check_is_fitted(self)
        if self.output == "indices":
            codes = self._validate_codes(X)
            z = self.codebook_[codes].reshape(len(codes), -1)
        else:
            z = check_array(X, dtype=np.float64)
            width = self.n_latents * self.code_dim
            if z.shape[1] != width:
                raise ValueError(
                    f"inverse_transform expects codebook vectors with n_latents * code_dim = "
                    f"{width} columns (output='embeddings'); got {z.shape[1]}"
                )
        # E[x | codes] from the float64 parameters: means, Bernoulli probabilities and
        # category probabilities (the most probable one per categorical column).
        layout = self._model.layout
        expected = to_numpy(layout.expected_x(self._decode_vectors(z)))
        return self._to_output(self._unscaled(layout.columns_from_encoded(expected)))

    def _validate_codes(self, codes):
        raw = check_array(codes, dtype=None)
        if raw.shape[1] != self.n_latents or raw.dtype.kind not in "iuf":
            raise ValueError(
                f"inverse_transform expects integer code indices with n_latents="
                f"{self.n_latents} columns (output='indices'); got an array of shape "
                f"{raw.shape} and dtype {raw.dtype}"
            )
        values = raw.astype(np.float64)
        if np.any(values != np.round(values)) or values.min() < 0 or values.max() >= self.n_codes:
            raise ValueError(
                f"code indices must be integers in [0, {self.n_codes}); got values from "
                f"{values.min():g} to {values.max():g}"
                + (" including non-integers" if np.any(values != np.round(values)) else "")
            )
        return values.astype(np.int64)

    @property
    def _n_features_out(self):
        # NotFittedError is an AttributeError: get_feature_names_out's check then says
        # that the estimator is not fitted.
        check_is_fitted(self)
        return self.n_latents if self.output == "indices" else self.n_latents * self.code_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Indices are integers whatever the input dtype; embeddings follow X's dtype.
        tags.transformer_tags.preserves_dtype = (
            [] if self.output == "indices" else ["float64", "float32"]
        )
        return tags
