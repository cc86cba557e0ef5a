"""``VQVAETransformer``: a vector-quantised autoencoder (VQ-VAE) as a scikit-learn transformer."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skvae._nn._lazy import import_keras_module
from skvae._nn._prediction import PREDICT_BATCH_ROWS, predict_in_batches, to_numpy
from skvae._persistence._registry import savable
from skvae._table._codes import KINDS
from skvae._table._estimator_mixin import (
    HANDLE_UNKNOWN_DOC,
    TABLE_PARAMETER_CONSTRAINTS,
    TableEstimatorMixin,
    column_types_doc,
)
from skvae._vae._latent_inspection import SCORE_CHUNK_ELEMENTS
from skvae._vae._parameters import ACTIVATIONS
from skvae._vae._pickling import state_restored_on_failure

# A CodebookCollapseWarning is raised when the training rows use fewer codes than this
# fraction of the codes they could use (perplexity of the code usage), or a single code.
COLLAPSE_FRACTION = 0.1
# Column kinds the VQ-VAE models: every kind of the VAE's but "mixture".
VQ_KINDS = tuple(kind for kind in KINDS if kind != "mixture")


class CodebookCollapseWarning(UserWarning):
    """Training ended with most of the VQ-VAE's codebook unused (a collapsed codebook)."""


def _fill_doc(cls):
    """Class decorator: put the table parameters shared with the VAEs in the docstring."""
    doc = cls.__doc__.replace("    %(column_types)s\n", column_types_doc(VQ_KINDS))
    cls.__doc__ = doc.replace("    %(handle_unknown)s\n", HANDLE_UNKNOWN_DOC)
    return cls


@savable
@_fill_doc
class VQVAETransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, TableEstimatorMixin, BaseEstimator
):
    """Vector-quantised variational autoencoder (VQ-VAE) as a scikit-learn transformer.

    The encoder maps each row to ``n_latents`` vectors of dimension ``code_dim``; each is
    replaced by its nearest vector in a codebook of ``n_codes`` entries, and the decoder
    reconstructs the row from those codes (van den Oord et al., 2017). A row is thus
    summarised by ``n_latents`` integers, ``n_latents * log2(n_codes)`` bits. Training
    minimises ``-log p(x | codes) + commitment_cost * ||z_e - sg(e)||^2`` with Adam,
    passing gradients straight through the quantisation; the codebook follows the encoder
    outputs assigned to it by exponential moving averages with Laplace-smoothed counts
    (the paper's appendix; Razavi et al., 2019). The codebook is initialised from random
    encoder outputs of the first batch, and a code unused for ``dead_code_patience``
    optimisation steps is restarted at a random encoder output of the current batch.

    The generative model is p(x) = sum_t prior(t) p(x | decode(t)), where the prior is the
    empirical distribution of the code tuples t of the training rows (with
    ``n_latents=1``, the frequency of each code, ``code_usage_``). :meth:`sample` draws
    from it and :meth:`score_samples` evaluates it exactly, in nats in X's units. With
    several latents most training rows may get a tuple of their own, and the model then
    comes close to a kernel density of the reconstructions: expect training scores well
    above held-out ones.

    X may be a DataFrame mixing numeric, boolean and categorical columns, as for
    :class:`VAETransformer` (see :doc:`/tabular`): each column gets its likelihood
    (``column_kinds_``), categorical columns are one-hot encoded for the encoder and
    modelled by a softmax, and :meth:`inverse_transform` and :meth:`sample` return a
    DataFrame with the training frame's columns, dtypes and categories. Continuous
    columns are standardised internally, as in :class:`VAETransformer`. Missing values
    (NaN) are not supported.

    Parameters
    ----------
    n_codes : int, default=64
        Codebook size K.
    code_dim : int, default=8
        Dimension of each codebook vector.
    n_latents : int, default=1
        Codes per row. The transform of a row is ``n_latents`` code indices (or their
        ``n_latents * code_dim`` codebook vectors); all latents share one codebook.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", \
"leaky_relu"}, default="relu"
        Activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "bernoulli"}, default="gaussian"
        Observation model p(x | codes) of the numeric columns: Gaussian with one learned
        variance per feature, Gaussian with a variance per feature and code that the
        decoder outputs, or Bernoulli for data in {0, 1}. In a DataFrame, boolean columns
        are Bernoulli and category, object and string columns categorical whatever this
        is; see ``column_types``.
    %(column_types)s
    %(handle_unknown)s
    commitment_cost : float, default=0.25
        Weight beta of the commitment term ``||z_e - sg(e)||^2`` that keeps the encoder
        outputs near their codes.
    decay : float, default=0.99
        Decay of the exponential moving averages that update the codebook. Smaller is
        faster but noisier.
    dead_code_patience : int or None, default=50
        A code assigned no row for this many consecutive optimisation steps is restarted
        at a random encoder output of the current batch. None disables restarts.
    var_floor : float, default=1e-2
        Lower bound of the Gaussian observation variance, as a fraction of each feature's
        variance in the training data.
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int, default=128
        Rows per mini-batch; clipped to the number of training rows.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and restore the best weights
        (codebook included). When False, training stops when the training loss stalls.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before training stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss (nats per row) that counts.
    output : {"indices", "embeddings"}, default="indices"
        What :meth:`transform` returns and :meth:`inverse_transform` takes: integer code
        indices of shape (n, ``n_latents``), or the codebook vectors, shape
        (n, ``n_latents * code_dim``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, the validation split and the codebook
        (re)initialisation draws. Pass an int for reproducible fits.
    verbose : int, default=0
        0 is silent; 1 or more prints one line per epoch.

    Attributes
    ----------
    codebook_ : ndarray of shape (n_codes, code_dim)
        The fitted codebook, in the encoder's output space.
    code_usage_ : ndarray of shape (n_codes,)
        Fraction of the training rows' codes (rows times latents) that are each code.
    perplexity_ : float
        ``exp`` of the entropy of ``code_usage_``: the effective number of codes used
        (``n_codes`` when all are used equally, 1 when one code takes everything).
    prior_codes_ : ndarray of shape (n_tuples, n_latents), dtype=int64
        The distinct code tuples of the training rows, the support of the prior.
    prior_ : ndarray of shape (n_tuples,)
        Their frequencies among the training rows: the prior of :meth:`sample` and
        :meth:`score_samples`.
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        The internal standardisation ``(x - mean_) / scale_`` (zeros and ones for
        Bernoulli and categorical columns).
    column_kinds_ : ndarray of shape (`n_features_in_`,), dtype=object
        The likelihood of each input column: "gaussian", "heteroscedastic", "bernoulli"
        or "categorical".
    categories_ : list of ndarray or None
        For each input column, the categories of a categorical column (the order of its
        softmax), else None.
    encoder_ : keras.Model
        Maps encoded X (continuous columns scaled, categorical ones one-hot) to the
        unquantised outputs z_e, shape (n, n_latents * code_dim).
    decoder_ : keras.Model
        Maps flattened codebook vectors to the decoder output in scaled units.
    history_ : dict of list of float
        Per-epoch ``loss`` (the training objective), ``reconstruction``
        (-log p(x | codes), nats per row in X's units), ``commitment`` (the unweighted
        squared distance of z_e to its codes) and ``perplexity`` (of each batch's code
        usage, averaged over the epoch); with early stopping also the ``val_`` ones.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    VAETransformer : Continuous latent space with a Gaussian prior.
    sklearn.cluster.KMeans : With ``n_latents=1`` a VQ-VAE is a learned, non-linear
        relative of k-means with ``n_codes`` clusters.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skvae import VQVAETransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> vq = VQVAETransformer(n_codes=16, max_iter=5, random_state=0).fit(X)
    >>> codes = vq.transform(X[:3])
    >>> codes.shape, codes.dtype
    ((3, 1), dtype('int64'))
    >>> vq.inverse_transform(codes).shape
    (3, 64)
    >>> vq.sample(4, random_state=0).shape
    (4, 64)

    A DataFrame with numeric, boolean and categorical columns comes back as one:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({
    ...     "size": rng.normal(size=200),
    ...     "count": rng.poisson(3, size=200),
    ...     "flag": rng.uniform(size=200) < 0.3,
    ...     "color": pd.Categorical(rng.choice(["red", "blue"], size=200)),
    ... })
    >>> vq = VQVAETransformer(n_codes=8, max_iter=3, random_state=0).fit(frame)
    >>> vq.column_kinds_.tolist()
    ['gaussian', 'gaussian', 'bernoulli', 'categorical']
    >>> vq.sample(3, random_state=0).dtypes.astype(str).tolist()
    ['float64', 'int64', 'bool', 'category']
    """

    _parameter_constraints = {
        "n_codes": [Interval(Integral, 2, None, closed="left")],
        "code_dim": [Interval(Integral, 1, None, closed="left")],
        "n_latents": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(ACTIVATIONS)],
        "likelihood": [StrOptions({"gaussian", "heteroscedastic", "bernoulli"})],
        **TABLE_PARAMETER_CONSTRAINTS,
        "commitment_cost": [Interval(Real, 0, None, closed="left")],
        "decay": [Interval(Real, 0, 1, closed="neither")],
        "dead_code_patience": [Interval(Integral, 1, None, closed="left"), None],
        "var_floor": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "output": [StrOptions({"indices", "embeddings"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_codes=64,
        *,
        code_dim=8,
        n_latents=1,
        hidden_layer_sizes=(64, 32),
        activation="relu",
        likelihood="gaussian",
        column_types=None,
        handle_unknown="error",
        commitment_cost=0.25,
        decay=0.99,
        dead_code_patience=50,
        var_floor=1e-2,
        learning_rate=1e-3,
        batch_size=128,
        max_iter=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        output="indices",
        random_state=None,
        verbose=0,
    ):
        self.n_codes = n_codes
        self.code_dim = code_dim
        self.n_latents = n_latents
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.column_types = column_types
        self.handle_unknown = handle_unknown
        self.commitment_cost = commitment_cost
        self.decay = decay
        self.dead_code_patience = dead_code_patience
        self.var_floor = var_floor
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.output = output
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the encoder, codebook and decoder to X.

        If fitting fails (a diverging loss raises ``ValueError``) or is interrupted, the
        estimator is left exactly as it was before the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VQVAETransformer
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> vq = VQVAETransformer(n_codes=8, max_iter=3, random_state=0).fit(X)
        >>> vq.codebook_.shape, vq.n_iter_
        ((8, 8), 3)
        """
        with state_restored_on_failure(self):
            return self._fit(X)

    def _fit(self, X):
        X = self._validate_table(X, reset=True)
        layer_sizes = self._check_hidden_layer_sizes()
        self._check_likelihood_support(X)
        self._fit_scaling(X)
        self._fit_dtype = X.dtype
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        layout = self._build_layout()
        inputs = self._model_input(X, layout)
        fitted = _vq_training_module().train_vqvae(
            inputs,
            hidden_layer_sizes=layer_sizes,
            seed=self._seed,
            params=self.get_params(),
            layout=layout,
        )
        self._set_fitted_model(fitted.model)
        self.history_ = fitted.history
        self.n_iter_ = len(fitted.history["loss"])

        codes = self._codes(inputs)
        counts = np.bincount(codes.ravel(), minlength=self.n_codes)
        self.code_usage_ = counts / counts.sum()
        used = self.code_usage_[self.code_usage_ > 0]
        self.perplexity_ = float(np.exp(-np.sum(used * np.log(used))))
        self.prior_codes_, tuple_counts = np.unique(codes, axis=0, return_counts=True)
        self.prior_ = tuple_counts / tuple_counts.sum()
        self._cache_prior_decoding()

        reachable = min(self.n_codes, codes.size)
        if len(used) == 1 or self.perplexity_ < COLLAPSE_FRACTION * reachable:
            warnings.warn(
                f"Codebook collapse: the training rows use {len(used)} of {self.n_codes} "
                f"codes, with perplexity {self.perplexity_:.2f} (the effective number of "
                "codes). Try dead_code_patience (e.g. 20 steps), a smaller decay, a smaller "
                "n_codes, or more epochs.",
                CodebookCollapseWarning,
                stacklevel=3,
            )
        return self

    def _set_fitted_model(self, model):
        self._model = model
        self.encoder_ = model.encoder
        self.decoder_ = model.decoder
        self.codebook_ = np.array(model.codebook.numpy(), dtype=np.float64)
        obs_log_var = model.obs_log_var()
        # The learned log-variances of "gaussian" features (float64, scaled units).
        self._obs_log_var = (
            None if obs_log_var is None else to_numpy(obs_log_var).astype(np.float64)
        )

    def _cache_prior_decoding(self):
        # The decoder output of every code tuple in the prior's support, float64 in scaled
        # units, laid out as in skvae._nn._layout: sample() and score_samples() need no
        # network call after fit.
        self._prior_params = self._decoder_params(self.prior_codes_)

    def _check_hidden_layer_sizes(self):
        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers (or () for linear "
                f"encoder and decoder); got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    # -- the table (skvae._table._estimator_mixin): every column modelled, NaN refused ----------
    _missing_values_allowed = False
    _supported_kinds = VQ_KINDS

    # -- the model's helpers -------------------------------------------------------------
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
            Decoded rows in the training X's units and dtype: means of continuous columns
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
        return self.n_latents if self.output == "indices" else self.n_latents * self.code_dim

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
            Generated rows in the training X's units and dtype (a DataFrame with the
            training frame's columns, dtypes and categories when fitted on one).
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Indices are integers whatever the input dtype; embeddings follow X's dtype.
        tags.transformer_tags.preserves_dtype = (
            [] if self.output == "indices" else ["float64", "float32"]
        )
        return tags

    # -- pickling: weights as arrays, the Keras model rebuilt on load ---------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        model = state.pop("_model", None)
        state.pop("encoder_", None)
        state.pop("decoder_", None)
        state.pop("_obs_log_var", None)  # recomputed from the weights on load
        if model is not None:
            state["_model_weights"] = [np.asarray(w) for w in model.get_weights()]
        return state

    def __setstate__(self, state):
        from skvae._persistence._migrations import upgrade_vqvae_state

        # Pickles from an earlier skvae get the table parameters and attributes they lack,
        # and lose the prior decoding cached under its old names.
        state = upgrade_vqvae_state(dict(state))
        weights = state.pop("_model_weights", None)
        super().__setstate__(state)
        if weights is not None:
            model = _vq_training_module().build_vq_model(
                hidden_layer_sizes=self._check_hidden_layer_sizes(),
                seed=self._seed,
                params=self.get_params(),
                layout=self._build_layout(),
            )
            model.set_weights(weights)
            self._set_fitted_model(model)
            if "_prior_params" not in state:
                # Pickled before the VQ-VAE used ColumnLayout: the prior's decoded
                # parameters were cached under other names (dropped by the migration);
                # decode them anew.
                self._cache_prior_decoding()


def _vq_training_module():
    """The Keras-backed VQ-VAE training code, imported on first use.

    ``_training_module`` imports Keras with Python's global random state preserved (see
    there); once Keras is loaded, importing the VQ-VAE modules draws nothing.
    """
    return import_keras_module("skvae._vqvae._training")
