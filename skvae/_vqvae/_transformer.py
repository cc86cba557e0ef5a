"""``VQVAETransformer``: a vector-quantised autoencoder (VQ-VAE) as a scikit-learn transformer.

The estimator is assembled from mixins: its parameters are documented and constrained in
:mod:`skvae._vqvae._parameters`, ``transform`` and ``inverse_transform`` come from
:mod:`skvae._vqvae._codebook`, the prior, ``sample`` and ``score_samples`` from
:mod:`skvae._vqvae._generative`; fitting and pickling are here.
"""

import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state

from skvae._nn._lazy import import_keras_module
from skvae._persistence._migrations import upgrade_vqvae_state
from skvae._persistence._registry import savable
from skvae._persistence._routing import STATE_KEY as ROUTING_KEY
from skvae._persistence._routing import requests_of, restore_requests
from skvae._table._estimator_mixin import (
    HANDLE_UNKNOWN_DOC,
    TableEstimatorMixin,
    column_types_doc,
)
from skvae._user_frame import user_stacklevel
from skvae._vae._pickling import state_restored_on_failure, weights_in_place_of_model
from skvae._vqvae._codebook import CodebookMixin
from skvae._vqvae._generative import PriorMixin
from skvae._vqvae._parameters import (
    ATTRIBUTES_DOC,
    PARAMETER_CONSTRAINTS,
    PARAMETERS_DOC,
    VQ_KINDS,
)

# A CodebookCollapseWarning is raised when the training rows use fewer codes than this
# fraction of the codes they could use (perplexity of the code usage), or a single code.
COLLAPSE_FRACTION = 0.1


class CodebookCollapseWarning(UserWarning):
    """Training ended with most of the VQ-VAE's codebook unused (a collapsed codebook).

    ``fit`` warns when the training rows use a single code, or when the perplexity of the
    code usage (the effective number of codes) is below a tenth of the codes they could
    use; the message suggests ``dead_code_patience``, a smaller ``decay``, a smaller
    ``n_codes`` or more epochs. Filter it as any warning.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skvae import CodebookCollapseWarning, VQVAETransformer
    >>> X = np.tile([[1.0, 2.0, 3.0]], (100, 1))  # one row repeated: one code suffices
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     vq = VQVAETransformer(n_codes=8, max_iter=3, random_state=0).fit(X)
    >>> any(issubclass(w.category, CodebookCollapseWarning) for w in caught)
    True
    >>> int(np.count_nonzero(vq.code_usage_))
    1
    """


def _warn_if_collapsed(code_usage, perplexity, reachable, dead_code_patience=None):
    """Warn (CodebookCollapseWarning) when the training rows use a single code, or fewer
    than COLLAPSE_FRACTION of the codes they could reach (``reachable`` code slots: the
    distinct training rows times the latents, when fewer than the codes: equal rows get
    equal codes, so 6 distinct rows can use 6 codes of 64, and do not collapse)."""
    n_codes = len(code_usage)
    n_used = int(np.count_nonzero(code_usage))
    if n_used == 1 or perplexity < COLLAPSE_FRACTION * min(n_codes, reachable):
        restarts = (
            "dead_code_patience (e.g. 20 steps)"
            if dead_code_patience is None
            else f"a smaller dead_code_patience (it is {dead_code_patience} steps)"
        )
        warnings.warn(
            f"Codebook collapse: the training rows use {n_used} of {n_codes} "
            f"codes, with perplexity {perplexity:.2f} (the effective number of "
            f"codes). Try {restarts}, a smaller decay, a smaller n_codes, or more epochs.",
            CodebookCollapseWarning,
            stacklevel=user_stacklevel(),
        )


def _fill_doc(cls):
    """Class decorator: put the parameter and attribute entries (skvae._vqvae._parameters),
    with the table parameters shared with the VAEs, in the docstring."""
    doc = cls.__doc__.replace("    %(parameters)s\n", PARAMETERS_DOC)
    doc = doc.replace("    %(attributes)s\n", ATTRIBUTES_DOC)
    doc = doc.replace("    %(column_types)s\n", column_types_doc(VQ_KINDS))
    cls.__doc__ = doc.replace("    %(handle_unknown)s\n", HANDLE_UNKNOWN_DOC)
    return cls


class _RefusesMissingValues:
    """NaN refused with skvae's ways out (scikit-learn's message, from ``validate_data``,
    recommends HistGradientBoosting), for a table estimator whose model has no holes.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import VQVAETransformer
    >>> VQVAETransformer(max_iter=1).fit([[1.0, np.nan], [2.0, 3.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: VQVAETransformer does not accept missing values (X contains NaN); fill ...
    """

    def _validate_table(self, X, reset):
        try:
            return super()._validate_table(X, reset)
        except ValueError as error:
            if "contains NaN" not in str(error):
                raise
            raise ValueError(
                f"{type(self).__name__} does not accept missing values (X contains NaN); "
                "fill them first (VAEImputer fills them from a VAE), or use VAETransformer, "
                "whose likelihood leaves them out"
            ) from None


@savable
@_fill_doc
class VQVAETransformer(
    CodebookMixin,
    PriorMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _RefusesMissingValues,
    TableEstimatorMixin,
    BaseEstimator,
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
    %(parameters)s

    Attributes
    ----------
    %(attributes)s

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

    _parameter_constraints = PARAMETER_CONSTRAINTS

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

    # Defined here so that scikit-learn's set_output wraps it (it wraps only a class's own).
    transform = CodebookMixin.transform

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, callbacks=None):
        """Fit the encoder, codebook and decoder to X.

        If fitting fails (a diverging loss raises ``ValueError``) or is interrupted, the
        estimator is left exactly as it was before the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        callbacks : keras.callbacks.Callback or list of them, default=None
            Keras callbacks run during training, after skvae's own (the divergence guard
            and the early stopper), as in ``keras.Model.fit``. One that sets
            ``self.model.stop_training`` ends the fit cleanly: the estimator is fitted
            with the weights so far (the best epoch's, codebook included, with
            ``early_stopping``). The model they see works on the encoded data
            (continuous columns standardised, categorical ones one-hot).

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

        Keras callbacks see the epochs as they end:

        >>> import keras
        >>> logs = []
        >>> log = keras.callbacks.LambdaCallback(on_epoch_end=lambda i, epoch: logs.append(epoch))
        >>> vq = VQVAETransformer(n_codes=8, max_iter=3).fit(X, callbacks=[log])
        >>> len(logs)
        3
        """
        with state_restored_on_failure(self):
            return self._fit(X, callbacks=callbacks)

    def _fit(self, X, callbacks=None):
        X = self._validate_table(X, reset=True)
        layer_sizes = self._check_hidden_layer_sizes()
        self._check_likelihood_support(X)
        self._fit_scaling(X)
        self._fit_dtype = X.dtype.name  # a name, so the state holds no NumPy type (skops)
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        layout = self._build_layout()
        inputs = self._model_input(X, layout)
        fitted = _vq_training_module().train_vqvae(
            inputs,
            hidden_layer_sizes=layer_sizes,
            seed=self._seed,
            params=self.get_params(),
            layout=layout,
            callbacks=callbacks or (),
        )
        self._set_fitted_model(fitted.model)
        self.history_ = fitted.history
        self.n_iter_ = len(fitted.history["loss"])

        codes = self._codes(inputs)
        self._set_prior(codes)
        distinct_rows = len(np.unique(inputs, axis=0))
        reachable = distinct_rows * codes.shape[1]
        _warn_if_collapsed(self.code_usage_, self.perplexity_, reachable, self.dead_code_patience)
        return self

    # -- the table (skvae._table._estimator_mixin): every column modelled, NaN refused ----------
    _missing_values_allowed = False
    _supported_kinds = VQ_KINDS
    # A DataFrame's integer columns keep ``likelihood``, as in skvae 0.1: the discretised
    # "integer" kind is measured for the VAE's density only (docs/density.rst); it is
    # available here through column_types.
    _integer_dtype_kind = None

    # -- pickling: weights as arrays, the Keras model rebuilt on load ---------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_obs_log_var", None)  # recomputed from the weights on load
        # Routing requests as a plain dict: a MetadataRequest refers back to its estimator.
        return weights_in_place_of_model(requests_of(state))

    def __setstate__(self, state):
        # Pickles from an earlier skvae get the table parameters and attributes they lack,
        # and lose the prior decoding cached under its old names.
        state = upgrade_vqvae_state(dict(state))
        weights, requests = state.pop("_model_weights", None), state.pop(ROUTING_KEY, None)
        super().__setstate__(state)
        restore_requests(self, requests)
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

    ``import_keras_module`` imports Keras with Python's global random state preserved (see
    there); once Keras is loaded, importing the VQ-VAE modules draws nothing.
    """
    return import_keras_module("skvae._vqvae._training")
