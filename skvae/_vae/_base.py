"""``BaseVAE``: parameters, fitting, scoring and sampling shared by skvae's estimators.

Each public estimator (the transformer, the outlier detector) adds only its own face on
top of this class, so there is one training path and one scoring path.
"""

import contextlib
import copy
import functools
import random
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skvae._table._codes import CONTINUOUS_KINDS, KINDS, to_codes
from skvae._table._conditions import (
    encode_conditions,
    encoded_width,
    fit_condition_encoding,
    resolve_condition_columns,
)
from skvae._table._estimator_mixin import (
    HANDLE_UNKNOWN_DOC,
    TABLE_PARAMETER_CONSTRAINTS,
    TableEstimatorMixin,
    column_types_doc,
)
from skvae._vae._kl import gaussian_kl

# Keras dtype policies the networks can be built with (see the dtype_policy parameter).
DTYPE_POLICIES = {"float32", "mixed_float16", "mixed_bfloat16"}

ACTIVATIONS = {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", "leaky_relu"}

# Rows x importance draws x features processed at once by score_samples: bounds the
# memory of scoring (never rows * draws * features for the whole of X).
SCORE_CHUNK_ELEMENTS = 2**22
SCORE_CHUNK_ROWS = 1024
# Epochs of KL warm-up that kl_warmup="auto" gives a two-layer (hierarchical) model, at
# most a tenth of max_iter: without warm-up it collapsed entirely on two of three seeds of
# benchmarks/hierarchical.py, and warm-up raised its median held-out score on all three.
HIERARCHY_KL_WARMUP = 20

PREDICT_BATCH_ROWS = 512
# Rows whose model inputs prediction builds at a time (see LazyModelInputs).
PREDICT_BLOCK_ROWS = 8192
# Burda et al. (2015): a latent unit is active when Cov_x(E_q[z_i | x]) exceeds this.
ACTIVE_UNIT_THRESHOLD = 0.01


class PosteriorCollapseWarning(UserWarning):
    """Training ended with all or most latent units collapsed onto the prior."""


# numpydoc sections shared by every estimator built on BaseVAE; each class docstring
# includes them with ``%(parameters)s`` and ``%(attributes)s``.
PARAMETERS_DOC = (
    """    Parameters
    ----------
    n_components : int, default=2
        Dimension of the latent space.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the encoder's hidden layers; the decoder mirrors them. ``()`` makes
        encoder and decoder linear.
    activation : {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", \
"leaky_relu"}, default="relu"
        Activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "mixture", "student_t", "bernoulli"}, \
default="gaussian"
        Observation model p(x|z) of the numeric columns: any column kind but
        "categorical" (see ``column_types``). ``"gaussian"`` learns one
        variance per feature (the linear VAE is then factor analysis);
        ``"heteroscedastic"`` is Gaussian with a variance per feature that the decoder
        outputs for each z, so a pixel can be near-certain for one kind of row and noisy
        for another; ``"mixture"`` is, per feature, a mixture of ``n_mixture_components``
        Gaussians whose weights, means and variances the decoder outputs (skewed or
        multimodal columns keep their shape, and the density stays exact);
        ``"student_t"`` is a heavy-tailed Student-t whose location, scale and degrees of
        freedom the decoder outputs (outliers and rare extreme values cost little);
        ``"bernoulli"`` is for data in {0, 1} (values in [0, 1] are accepted, but then the
        log-likelihood is a cross-entropy, not a probability). In a DataFrame, boolean
        columns are Bernoulli and category, object and string columns categorical
        whatever this is; see ``column_types``.
"""
    + column_types_doc(KINDS)
    + """    n_mixture_components : int, default=3
        Gaussian components per "mixture" column.
"""
    + HANDLE_UNKNOWN_DOC
    + """    beta : float, default=1.0
        Weight of the KL term in the training objective (beta-VAE). ``beta > 1`` pushes
        towards the prior (more disentangled, blurrier); ``beta < 1`` favours reconstruction.
    kl_warmup : int or "auto", default="auto"
        Number of epochs over which the KL weight rises linearly from 0 to ``beta``
        (per optimisation step), a remedy for posterior collapse. ``"auto"`` is 0 (no
        warm-up) for the single-layer VAE and, with ``n_components_lower``,
        ``min(20, max_iter // 10)`` epochs: without warm-up the two-layer model can
        collapse entirely (see :doc:`hierarchical`).
    free_bits : float, default=0.0
        Nats per latent dimension below which the KL term is not pushed down (Kingma et
        al., 2016): each dimension's batch-mean KL enters the loss as
        ``max(KL_j, free_bits)``. 0 disables it.
    var_floor : float, default=1e-2
        Lower bound of the Gaussian observation variance, as a fraction of each feature's
        variance in the training data (a constant feature uses the smallest variance among
        the others). It keeps the density finite on constant or near-discrete columns.
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int, default=128
        Rows per mini-batch; clipped to the number of training rows.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their negative ELBO has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and restore the best weights.
        When False, training stops when the training loss stalls in the same way.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before training stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss (nats per row) that counts.
    objective : {"elbo", "iwae"}, default="elbo"
        Training objective: the ELBO, or the tighter K-sample importance-weighted bound
        (IWAE, Burda et al., 2015) with ``n_importance_train`` draws per row. With IWAE,
        ``beta`` and ``kl_warmup`` weight log p(z) - log q(z|x) inside each importance
        weight; ``free_bits`` has no IWAE counterpart and must stay 0.
    n_importance_train : int, default=8
        Draws per row for ``objective="iwae"`` (ignored for the ELBO). Training cost grows
        about linearly with it.
    n_importance_samples : int, default=100
        Draws from q(z|x) used by :meth:`score_samples` (1 gives the ELBO estimate).
    posterior : {"gaussian", "flow"}, default="gaussian"
        Family of the approximate posterior q(z|x). ``"gaussian"`` is the diagonal
        Gaussian N(mu(x), diag sigma(x)^2). ``"flow"`` pushes that Gaussian's draws
        through ``n_flows`` inverse autoregressive flow steps (Kingma et al., 2016), so
        q(z|x) can be skewed, curved or correlated; the KL term is then a one-sample Monte
        Carlo estimate, :meth:`transform` returns the flow applied to mu, and
        ``free_bits`` must be 0 (a flow's KL does not split into independent dimensions).
        See :doc:`flows`.
    n_flows : int, default=4
        Number of flow steps for ``posterior="flow"`` (ignored otherwise).
    n_components_lower : int or None, default=None
        Width of a second, lower stochastic layer z1 between the latent space z and the
        data (a two-layer hierarchical VAE with top-down inference, as in the Ladder VAE):
        p(z) = N(0, I), p(z1|z) Gaussian from a small network, p(x|z1, z). ``n_components``
        stays the top layer, the one :meth:`transform` returns and :meth:`sample` draws
        from the prior. None is the single-layer VAE. Not combinable with
        ``posterior="flow"``. See :doc:`hierarchical`.
    condition_on : list of int or str, default=None
        Columns of X to condition on (a conditional VAE): indices, or names when X is a
        DataFrame. They are inputs of the encoder and the decoder but are not modelled,
        so :meth:`score_samples` is log p(x | c) over the other columns, and
        :meth:`sample` (and ``VAETransformer.inverse_transform``) take ``conditions=``. Columns with
        integer values and at most 32 distinct values are one-hot encoded (an unseen
        value later is an error); others are standardised.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, the validation split and the
        reparameterisation noise. Pass an int for reproducible fits.
    verbose : int, default=0
        0 is silent; 1 or more prints one line per epoch.
    distribution : tf.distribute.Strategy or keras.distribution.Distribution, default=None
        Train data-parallel over several devices or machines: under TensorFlow a
        ``tf.distribute`` strategy (``MirroredStrategy`` for the GPUs of one machine,
        ``MultiWorkerMirroredStrategy`` for several machines), under JAX a
        ``keras.distribution`` object (``DataParallel``). The model is built and
        compiled inside its scope; ``batch_size`` is the global batch, split across the
        replicas. The strategy is a property of the running process: clones share it,
        and pickling or :func:`skvae.save` stores None in its place. See
        :doc:`/scale`.
    dtype_policy : {"float32", "mixed_float16", "mixed_bfloat16"}, default="float32"
        Precision of the networks' layers, named after Keras's dtype policies. The mixed
        policies compute the encoder's and decoder's layers in float16 or bfloat16 while
        keeping their weights in float32; the network outputs are cast to float32 before
        the likelihood, KL and flow terms, which stay in float32, and with
        ``"mixed_float16"`` the loss is scaled (Keras's ``LossScaleOptimizer``) so that
        small gradients do not underflow. Faster on GPUs with tensor cores (NVIDIA Volta
        and later for float16, Ampere and later for bfloat16), usually slower on CPUs.
        Keras's global dtype policy is never changed, and predictions are float64 as
        with ``"float32"``. See :doc:`/scale`.
"""
)

ATTRIBUTES_DOC = """    Attributes
    ----------
    encoder_ : keras.Model
        Maps scaled X to ``[z_mean, z_log_var]``.
    decoder_ : keras.Model
        Maps z to the decoder output in scaled units (means, or logits for Bernoulli).
    mean_, scale_ : ndarray of shape (n_modelled_features,)
        The internal standardisation ``(x - mean_) / scale_`` of the modelled (non-condition)
        columns (zeros and ones for Bernoulli and categorical columns).
    column_kinds_ : ndarray of shape (`n_features_in_`,), dtype=object
        The likelihood of each input column: "gaussian", "heteroscedastic", "mixture",
        "bernoulli" or "categorical" (for ``condition_on`` columns: how their values are
        read; they are not modelled).
    categories_ : list of ndarray or None
        For each input column, the categories of a categorical column (the order of its
        softmax), else None.
    condition_columns_ : ndarray of shape (n_conditions,), dtype=int
        Indices of the ``condition_on`` columns in X (empty when unconditional).
    condition_categories_ : list of ndarray or None
        For each condition column, its categories (one-hot encoded), or None for a
        standardised numeric condition.
    noise_variance_ : ndarray of shape (n_modelled_features,) or None
        Learned observation variance of each modelled "gaussian" column, in X's units (NaN
        for columns of other kinds); None when no column is "gaussian" (Bernoulli and
        categorical columns have none, and the heteroscedastic and mixture variances
        depend on z).
    kl_warmup_epochs_ : int
        The epochs of KL warm-up the fit used (``kl_warmup`` with "auto" resolved).
    history_ : dict of list of float
        Per-epoch ``loss`` (the training objective), ``reconstruction`` (-E_q[log p(x|z)]),
        ``kl`` and, with early stopping, ``val_loss`` (negative ELBO), ``val_reconstruction``
        and ``val_kl``; all in nats per row, in X's units.
    n_iter_ : int
        Number of epochs run.
    kl_per_dimension_ : ndarray of shape (n_components,) or \
(n_components + n_components_lower,)
        Mean KL(q(z|x) || p(z)) of each latent dimension over the training rows, in nats;
        near-zero entries are collapsed units. With ``posterior="flow"`` it is the Monte
        Carlo split of the KL over coordinates (see :meth:`kl_divergence`); with
        ``n_components_lower`` the top layer's dimensions come first, then the lower
        layer's KL(q(z1|x, z) || p(z1|z)).
    active_units_ : ndarray of shape (n_components,) or (n_components + n_components_lower,), \
dtype=bool
        Whether each latent unit is active: the variance of its posterior location over
        the training rows exceeds 0.01 (Burda et al., 2015). The location is the posterior
        mean, the flow applied to it for ``posterior="flow"``, and for a hierarchy the top
        mean followed by the lower layer's mean given it. A
        :class:`PosteriorCollapseWarning` is raised when fewer than half are active.
    n_active_units_ : int
        Number of active latent units.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.
"""


def fill_doc(cls):
    """Class decorator: put the shared parameter and attribute sections in the docstring."""
    cls.__doc__ = cls.__doc__.replace("    %(parameters)s\n", PARAMETERS_DOC).replace(
        "    %(attributes)s\n", ATTRIBUTES_DOC
    )
    return cls


class BaseVAE(TableEstimatorMixin, BaseEstimator):
    """Base class of skvae's estimators: a VAE fitted on X. Not for direct use."""

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(ACTIVATIONS)],
        "likelihood": [StrOptions(set(KINDS) - {"categorical"})],
        **TABLE_PARAMETER_CONSTRAINTS,
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "free_bits": [Interval(Real, 0, None, closed="left")],
        "var_floor": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "objective": [StrOptions({"elbo", "iwae"})],
        "n_importance_train": [Interval(Integral, 1, None, closed="left")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "posterior": [StrOptions({"gaussian", "flow"})],
        "n_flows": [Interval(Integral, 1, None, closed="left")],
        "n_components_lower": [Interval(Integral, 1, None, closed="left"), None],
        "condition_on": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "distribution": [None, HasMethods(["scope"])],
        "dtype_policy": [StrOptions(DTYPE_POLICIES)],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(64, 32),
        activation="relu",
        likelihood="gaussian",
        column_types=None,
        n_mixture_components=3,
        handle_unknown="error",
        beta=1.0,
        kl_warmup="auto",
        free_bits=0.0,
        var_floor=1e-2,
        learning_rate=1e-3,
        batch_size=128,
        max_iter=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        objective="elbo",
        n_importance_train=8,
        n_importance_samples=100,
        posterior="gaussian",
        n_flows=4,
        n_components_lower=None,
        condition_on=None,
        random_state=None,
        verbose=0,
        distribution=None,
        dtype_policy="float32",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.column_types = column_types
        self.n_mixture_components = n_mixture_components
        self.handle_unknown = handle_unknown
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.free_bits = free_bits
        self.var_floor = var_floor
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.objective = objective
        self.n_importance_train = n_importance_train
        self.n_importance_samples = n_importance_samples
        self.posterior = posterior
        self.n_flows = n_flows
        self.n_components_lower = n_components_lower
        self.condition_on = condition_on
        self.random_state = random_state
        self.verbose = verbose
        self.distribution = distribution
        self.dtype_policy = dtype_policy

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, callbacks=None):
        """Fit the VAE to X by maximising its training objective (ELBO or IWAE bound).

        If fitting fails (a diverging loss raises ``ValueError``) or is interrupted
        (``KeyboardInterrupt``), the estimator is left exactly as it was before the call:
        unfitted, or still holding its previous fitted model.

        Under TensorFlow, the first fit in a process (or the first load or unpickling of a
        fitted model, whichever comes first) sizes TensorFlow's intra- and inter-op thread
        pools to ``OMP_NUM_THREADS`` when that is set and the pools are
        not configured otherwise: joblib's workers (``GridSearchCV(n_jobs=k)``) set it to
        ``cpu_count // k``, so parallel fits share the cores instead of oversubscribing
        them. ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` or
        ``tf.config.threading`` settings are kept. See :doc:`/scale`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        callbacks : list of keras.callbacks.Callback, default=None
            Keras callbacks run during training, after skvae's own (the divergence guard
            and the early stopper), as in ``keras.Model.fit``. One that sets
            ``self.model.stop_training`` ends the fit cleanly: the estimator is fitted
            with the weights so far (the best epoch's, with ``early_stopping``). The
            model they see works on the internally scaled data.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VAETransformer
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> vae = VAETransformer(max_iter=3, random_state=0).fit(X)
        >>> vae.n_iter_
        3
        """
        # validate_data sets n_features_in_ before training can fail: restore the whole
        # previous state on any error, so a failed fit leaves no half-fitted estimator
        # (and a failed refit keeps the earlier model usable).
        with state_restored_on_failure(self):
            return self._fit(X, callbacks=callbacks)

    def _fit(self, X, param_overrides=None, callbacks=None):
        if isinstance(X, np.memmap):
            return self._fit_out_of_core(X, param_overrides, callbacks)
        X = self._validate_table(X, reset=True)
        layer_sizes = self._check_hidden_layer_sizes()
        self._check_objective()
        self._check_posterior_options()
        self.condition_columns_ = resolve_condition_columns(
            self.condition_on, X.shape[1], getattr(self, "feature_names_in_", None)
        )
        X_data, C = self._split_columns(X)
        self._check_likelihood_support(X_data)
        self._fit_scaling(X_data)
        self.condition_categories_, self._condition_mean, self._condition_scale = (
            fit_condition_encoding(C)
        )
        self._fit_dtype = X.dtype
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self._hierarchy = "ladder"  # n_components_lower's architecture (see skvae._vae._hierarchy)
        # Attributes set above are rolled back by fit() if training fails.
        layout = self._build_layout()
        inputs = self._model_input(X, layout)
        fitted = _training_module().train_vae(
            inputs,
            n_features=X_data.shape[1],
            n_conditions=encoded_width(self.condition_categories_),
            hidden_layer_sizes=layer_sizes,
            log_scale=np.log(self.scale_),
            seed=self._seed,
            params={**self._training_params(), **(param_overrides or {})},
            layout=layout,
            callbacks=callbacks or (),
        )
        self._set_fitted_model(fitted.model)
        self.history_ = fitted.history
        self.n_iter_ = len(fitted.history["loss"])
        # From the model inputs, not the public methods: those re-validate X, and X is
        # already a bare array here (a DataFrame's names would then trigger a warning).
        self._set_diagnostics(
            self._kl_per_dimension(inputs).mean(axis=0),
            self._posterior_location(inputs).var(axis=0),
            warn=(param_overrides or {}).get("warn", True),
        )
        return self

    def _set_diagnostics(self, kl_per_dimension, posterior_location_variance, warn=True):
        """Set the collapse diagnostics from training rows' KL and posterior spread."""
        self.kl_per_dimension_ = kl_per_dimension
        # Burda et al. (2015): unit i is active if Cov_x(E_q[z_i | x]) > 0.01.
        self.active_units_ = posterior_location_variance > ACTIVE_UNIT_THRESHOLD
        self.n_active_units_ = int(self.active_units_.sum())
        if warn and self.n_active_units_ < max(1, len(self.active_units_) / 2):
            warnings.warn(
                f"Posterior collapse: only {self.n_active_units_} of {len(self.active_units_)} "
                "latent units are active (variance of their posterior mean over the "
                f"training rows > {ACTIVE_UNIT_THRESHOLD}); the others carry no information "
                "about x. That is right when the data have fewer latent factors; if you "
                "expected more, try kl_warmup (e.g. 10 epochs), free_bits (e.g. 0.1 nats), "
                "a smaller beta, or fewer n_components.",
                PosteriorCollapseWarning,
                stacklevel=4,
            )

    def _check_objective(self):
        if self.objective == "iwae" and self.free_bits > 0:
            raise ValueError(
                f'free_bits={self.free_bits} has no meaning for objective="iwae" (the bound '
                'has no separate KL term); set free_bits=0 or use objective="elbo"'
            )

    def _fit_out_of_core(self, X, param_overrides=None, callbacks=None):
        """fit() on a memory-mapped X without loading it: statistics, batches and
        diagnostics each read X in bounded pieces (see skvae._nn._streaming)."""
        training = _training_module()  # imports Keras with global random state kept
        from skvae._nn import _streaming

        # Validating the first chunk sets n_features_in_ and checks dtype and shape;
        # the chunked passes below check every other row.
        first = np.asarray(X[: _streaming.CHUNK_ROWS])
        validate_data(self, first, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        self._fit_columns(first, as_frame=False)
        if "categorical" in self.column_kinds_:
            raise ValueError(
                "categorical columns (column_types) are not supported for a memory-mapped X: "
                "their categories would need a pass of their own; fit an in-memory array or "
                "DataFrame, or one-hot encode them in the memory map"
            )
        layer_sizes = self._check_hidden_layer_sizes()
        self._check_objective()
        self._check_posterior_options()
        self.condition_columns_ = resolve_condition_columns(self.condition_on, X.shape[1], None)
        data_columns = self._data_columns()
        kinds = np.asarray(self._modelled_kinds())
        continuous = np.isin(kinds, CONTINUOUS_KINDS)
        self.mean_, self.scale_ = np.zeros(len(data_columns)), np.ones(len(data_columns))
        if continuous.any():
            self.mean_[continuous], self.scale_[continuous] = _streaming.chunked_scaling(
                X, data_columns[continuous]
            )
        if (kinds == "bernoulli").any():
            _streaming.check_bernoulli_chunks(X, data_columns[kinds == "bernoulli"])
        # Only the condition columns (a few numbers per row) are read whole.
        self.condition_categories_, self._condition_mean, self._condition_scale = (
            fit_condition_encoding(np.asarray(X[:, self.condition_columns_], dtype=np.float64))
        )
        self._fit_dtype = first.dtype if first.dtype == np.float32 else np.dtype(np.float64)
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self._hierarchy = "ladder"  # n_components_lower's architecture (see skvae._vae._hierarchy)
        params = {**self._training_params(), **(param_overrides or {})}
        layout = self._build_layout()
        fitted = training.train_vae(
            None,
            n_features=len(data_columns),
            n_conditions=encoded_width(self.condition_categories_),
            hidden_layer_sizes=layer_sizes,
            log_scale=np.log(self.scale_),
            seed=self._seed,
            params=params,
            data=_streaming.memmap_training_data(
                X, functools.partial(self._model_input, layout=layout), self._seed, params
            ),
            layout=layout,
            callbacks=callbacks or (),
        )
        self._set_fitted_model(fitted.model)
        self.history_ = fitted.history
        self.n_iter_ = len(fitted.history["loss"])
        self._set_diagnostics(
            *_streaming.chunked_posterior_summary(
                X, self._kl_per_dimension, self._posterior_location, self._model_input
            ),
            warn=params.get("warn", True),
        )
        return self

    def _partial_fit(self, X):
        """One pass of seeded mini-batches over X, continuing the current model."""
        if not hasattr(self, "_model"):
            # First call: scaling, conditions and seed come from this X, as in fit.
            return self._fit(
                X, param_overrides={"max_iter": 1, "early_stopping": False, "warn": False}
            )
        X = self._validate_rows(X)
        inputs = self._model_input(X)
        # Seeded by the fit's seed and the epoch count: the same calls give the same model.
        seed = int(np.random.SeedSequence([self._seed, 5, self.n_iter_]).generate_state(1)[0] >> 1)
        history = _training_module().train_one_pass(
            self._model, inputs, seed, self._training_params()
        )
        self.history_ = {key: self.history_.get(key, []) + history[key] for key in history}
        self.n_iter_ += 1
        # One pass is too early to judge collapse: no warning, n_active_units_ is set.
        self._set_diagnostics(
            self._kl_per_dimension(inputs).mean(axis=0),
            self._posterior_location(inputs).var(axis=0),
            warn=False,
        )
        return self

    def _check_posterior_options(self):
        if self.posterior == "flow" and self.free_bits > 0:
            raise ValueError(
                f"free_bits={self.free_bits} needs a KL per latent dimension, which "
                'posterior="flow" does not have (its KL is a sampled whole); set free_bits=0 '
                'or use posterior="gaussian"'
            )
        if self.posterior == "flow" and self.n_components_lower is not None:
            raise ValueError(
                f'posterior="flow" cannot be combined with n_components_lower='
                f'{self.n_components_lower}; use one of them (posterior="gaussian" for a '
                "hierarchy, or n_components_lower=None for a flow)"
            )

    def _check_hidden_layer_sizes(self):
        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers (or () for a "
                f"linear VAE); got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    # -- the table hooks (skvae._table._estimator_mixin): condition columns are not modelled ----
    def _data_columns(self):
        return np.setdiff1d(np.arange(self.n_features_in_), self.condition_columns_)

    def _modelled_columns(self, X):
        return self._split_columns(X)[0]

    def _layout_mixture_components(self):
        return self.n_mixture_components

    def _split_columns(self, X):
        """(modelled columns, condition columns) of validated rows X."""
        data_columns = np.setdiff1d(np.arange(X.shape[1]), self.condition_columns_)
        return X[:, data_columns], X[:, self.condition_columns_]

    def _prediction_inputs(self, X):
        """Model inputs of validated rows X, built block by block as prediction reads them."""
        return LazyModelInputs(X, self._model_input)

    def _model_input(self, X, layout=None):
        """Model input rows [x encoded, c encoded, observed mask] (float32) for coded rows X.

        Continuous columns are standardised, categorical ones one-hot encoded. Missing
        entries of x become 0 (for a continuous column, its mean; for a categorical one, an
        all-zero block), which the encoder sees, and 0 in the mask (which removes them from
        the likelihood).
        """
        layout = self._model.layout if layout is None else layout
        X_data, C = self._split_columns(X)
        x, mask = self._encoded_rows(X_data, layout)
        return np.hstack([x, self._encode_conditions(C), mask])

    def _encode_conditions(self, C):
        if np.isnan(C).any():
            raise ValueError(
                "condition_on columns must not have missing values; got NaN in column(s) "
                f"{self.condition_columns_[np.isnan(C).any(axis=0)].tolist()}"
            )
        names = [
            self.feature_names_in_[j] if hasattr(self, "feature_names_in_") else f"column {j}"
            for j in self.condition_columns_
        ]
        return encode_conditions(
            C, self.condition_categories_, self._condition_mean, self._condition_scale, names
        )

    def _check_conditions(self, conditions, n_rows):
        """Raw condition values, shape (n_rows, n_condition_columns), for generation."""
        n_conditions = len(self.condition_columns_)
        if n_conditions == 0:
            if conditions is not None:
                raise ValueError("conditions were given, but this model has no condition_on")
            return np.zeros((n_rows, 0))
        if conditions is None:
            raise ValueError(
                f"this model is conditioned on {n_conditions} column(s) (condition_on="
                f"{self.condition_on!r}): pass conditions=, one value per condition column "
                "or one row of values per generated row"
            )
        C = np.asarray(conditions, dtype=object)
        if C.ndim == 1 and C.shape[0] == n_conditions:
            C = np.broadcast_to(C, (n_rows, n_conditions))
        if C.shape != (n_rows, n_conditions):
            raise ValueError(
                f"conditions must be finite with shape ({n_conditions},) or ({n_rows}, "
                f"{n_conditions}); got shape {np.shape(conditions)}"
            )
        # Categories (strings, say) become their codes, as in the training rows.
        columns = self.condition_columns_
        C = to_codes(
            C,
            [self._column_names()[j] for j in columns],
            [self.column_kinds_[j] for j in columns],
            [self.categories_[j] for j in columns],
        )
        if not np.all(np.isfinite(C)):
            raise ValueError(
                f"conditions must be finite with shape ({n_conditions},) or ({n_rows}, "
                f"{n_conditions}); got non-finite or missing values"
            )
        return C

    def _decode(self, Z, C, params=False):
        """Decoder outputs for latent rows Z under coded conditions C, float64.

        E[x | z, c] in the encoded coding, or (``params``) the raw parameters of p(x|z, c).
        """
        width = Z.shape[1]  # n_components, or wider with a hierarchy's lower-layer noise
        inputs = np.hstack([Z.astype(np.float32), self._encode_conditions(C)])
        return _predict_in_batches(
            self._model.decode_rows, inputs, PREDICT_BATCH_ROWS, width, params
        ).astype(np.float64)

    def _assemble_codes(self, X_data_scaled, C):
        """Coded rows in X's column order: modelled columns unscaled, then conditions."""
        rows = np.empty((len(X_data_scaled), self.n_features_in_))
        rows[:, self._data_columns()] = self._unscaled(X_data_scaled)
        rows[:, self.condition_columns_] = C
        return rows

    def _set_fitted_model(self, model):
        self._model = model
        self.kl_warmup_epochs_ = self._kl_warmup_epochs()
        self.encoder_ = model.encoder
        self.decoder_ = model.decoder
        gaussian = np.asarray(self._modelled_kinds()) == "gaussian"
        if gaussian.any():
            var_scaled = np.exp(_to_numpy(model.obs_log_var()).astype(np.float64))
            self.noise_variance_ = np.full(len(gaussian), np.nan)
            self.noise_variance_[gaussian] = var_scaled * self.scale_[gaussian] ** 2
        else:
            # Bernoulli and categorical columns have no variance parameter; the
            # heteroscedastic and mixture variances depend on z.
            self.noise_variance_ = None

    # -- the model's API, shared by every estimator ------------------------------------
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
        return self._posterior_location(self._prediction_inputs(X))[:, : self.n_components]

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
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"expected latent rows with n_components={self.n_components} columns; "
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
        expected = _predict_in_batches(
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
        return _predict_in_batches(
            self._model.kl_per_dimension, inputs, self._score_chunk_rows(len(eps)), eps
        ).astype(np.float64)

    def _posterior_location(self, inputs):
        """Deterministic posterior point per row: mu; the flow of mu; for a hierarchy the
        top mean, then the lower layer's posterior mean given it. float64."""
        if self._has_plain_posterior():
            return self._posterior_moments(inputs)[0]
        return _predict_in_batches(
            self._model.posterior_location, inputs, PREDICT_BATCH_ROWS
        ).astype(np.float64)

    def _posterior_moments(self, inputs):
        """Posterior means and log-variances of q(z|x, c) for model inputs, float64."""
        moments = _predict_in_batches(
            self._model.posterior_moments, inputs, PREDICT_BATCH_ROWS
        ).astype(np.float64)
        return np.split(moments, 2, axis=1)

    def _score_chunk_rows(self, n_draws):
        # Fixed for a model (never dependent on len(X), so a row's score ignores the other
        # rows), a multiple of 64 so chunks tile evenly into CPU GEMM kernels, at most
        # SCORE_CHUNK_ROWS so scoring a handful of rows stays cheap.
        rows = SCORE_CHUNK_ELEMENTS // (n_draws * max(self.n_features_in_, self.n_components))
        return min(SCORE_CHUNK_ROWS, max(64, rows - rows % 64))

    def sample(self, n_samples=1, random_state=None, conditions=None):
        """Draw new rows from the generative model: z ~ N(0, I), then x ~ p(x|z).

        The observation noise of p(x|z) is included (Gaussian noise with the learned
        variances, or Bernoulli draws), so samples have the spread of real data.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; None uses NumPy's global generator (as
            :meth:`sklearn.neighbors.KernelDensity.sample` does).
        conditions : array-like of shape (n_conditions,) or (n_samples, n_conditions), \
default=None
            Values of the ``condition_on`` columns to generate under (required, and only
            allowed, for a conditional model); one row is broadcast to all samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Generated rows, in the units and dtype of the training X; condition columns
            (if any) hold ``conditions``.

        Examples
        --------
        >>> from sklearn.datasets import load_wine
        >>> from skvae import VAETransformer
        >>> X, _ = load_wine(return_X_y=True)
        >>> vae = VAETransformer(max_iter=5, random_state=0).fit(X)
        >>> vae.sample(3, random_state=0).shape
        (3, 13)
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
        C = self._check_conditions(conditions, n_samples)
        return self._to_output(self._sample_codes(n_samples, check_random_state(random_state), C))

    def _sample_codes(self, n_samples, rng, C):
        """Generated rows in the model's coding (see :meth:`sample`), under coded C."""
        # z from the prior; with a hierarchy, [z, eps_1] so that z1 ~ p(z1 | z) is drawn too.
        z = rng.standard_normal((n_samples, self._model.latent_noise_width))
        params = self._decode(z, C, params=True)
        obs_log_var = self._model.obs_log_var()
        if obs_log_var is not None:
            obs_log_var = _to_numpy(obs_log_var)
        X_scaled = self._model.layout.sample_columns(params, obs_log_var, rng)
        return self._assemble_codes(X_scaled, C)

    def score_samples(self, X):
        """Log-likelihood log p(x) of each row, in nats, by importance sampling.

        Uses ``n_importance_samples`` draws z_k from q(z|x):
        ``log p(x) ~= log mean_k [p(x|z_k) p(z_k) / q(z_k|x)]``, a lower bound in
        expectation that tightens as the number of draws grows (with one draw it is the
        ELBO). The noise is fixed at fit time, so the same row always gets the same score,
        whatever else is in X. Includes all normalising constants and the log-Jacobian of
        the internal scaling, so it is a density in X's units.

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
        """Importance-sampled log p(x) for validated coded rows X (see score_samples)."""
        eps = self._importance_noise()
        scores = _predict_in_batches(
            self._model.importance_log_likelihood,
            self._prediction_inputs(X),
            self._score_chunk_rows(len(eps)),
            eps,
        ).astype(np.float64)
        # A row with no observed entry has log p(nothing) = 0 exactly; the importance
        # estimate of log E_q[p(z) / q(z|x)] = log 1 would only add noise. Read from X
        # itself: building the model inputs again just for their mask would double the work.
        scores[np.isnan(self._split_columns(X)[0]).all(axis=1)] = 0.0
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

    # -- helpers ------------------------------------------------------------------------
    def _kl_warmup_epochs(self):
        """``kl_warmup`` in epochs, with "auto" resolved (see the class docstring)."""
        if self.kl_warmup != "auto":
            return int(self.kl_warmup)
        if self.n_components_lower is None:
            return 0
        return min(HIERARCHY_KL_WARMUP, int(self.max_iter) // 10)

    def _training_params(self):
        """get_params() with the resolved ``kl_warmup`` and the hierarchy's architecture
        (the one the fitted model was built with; "ladder" for a new fit): what the
        training code reads."""
        return {
            **self.get_params(),
            "kl_warmup": self._kl_warmup_epochs(),
            "hierarchy": getattr(self, "_hierarchy", "ladder"),
        }

    def _importance_noise(self):
        # Drawn from a seed fixed at fit time and shared by all rows, so scores are
        # deterministic and a row's score ignores the other rows. Row-major filling makes
        # the draws for K samples a prefix of those for more.
        rng = np.random.default_rng([self._seed, 1])
        # A hierarchy draws [eps_top, eps_lower] per sample; the plain width is unchanged.
        width = self.n_components + (self.n_components_lower or 0)
        return rng.standard_normal((self.n_importance_samples, width)).astype(np.float32)

    def __sklearn_clone__(self):
        # scikit-learn's clone deep-copies every parameter; a distribution strategy owns
        # devices and cluster connections, so clones share the same one instead.
        if self.distribution is None:
            return super().__sklearn_clone__()
        without = copy.copy(self)
        without.distribution = None
        new = super(BaseVAE, without).__sklearn_clone__()
        new.distribution = self.distribution
        return new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN = missing, masked out of the likelihood
        return tags

    # -- pickling: weights as arrays, the Keras model rebuilt on load ---------------------
    def __getstate__(self):
        # A copy: on Python >= 3.11 the base __getstate__ may return the live __dict__,
        # and popping from it would strip the model from the estimator being pickled.
        state = dict(super().__getstate__())
        # A distribution strategy belongs to the running process (devices, cluster):
        # never stored; the restored estimator trains on one device unless given another.
        if state.get("distribution") is not None:
            state["distribution"] = None
        model = state.pop("_model", None)
        state.pop("encoder_", None)
        state.pop("decoder_", None)
        if model is not None:
            state["_model_weights"] = [np.asarray(w) for w in model.get_weights()]
        return state

    def __setstate__(self, state):
        state = dict(state)  # leave the caller's dict as it was
        # Pickles made before the distribution parameter existed train on one device.
        state.setdefault("distribution", None)
        # ... and those made before dtype_policy existed were trained in float32.
        state.setdefault("dtype_policy", "float32")
        # ... and hierarchical ones made before the ladder have the separate architecture.
        if state.get("n_components_lower") is not None and "_model_weights" in state:
            state.setdefault("_hierarchy", "separate")
        weights = state.pop("_model_weights", None)
        super().__setstate__(state)
        if weights is not None:
            model = _training_module().build_model(
                n_features=self.n_features_in_ - len(self.condition_columns_),
                n_conditions=encoded_width(self.condition_categories_),
                hidden_layer_sizes=self._check_hidden_layer_sizes(),
                log_scale=np.log(self.scale_),
                seed=self._seed,
                params=self._training_params(),
                steps_per_epoch=1,
                layout=self._build_layout(),
            )
            model.set_weights(weights)
            self._set_fitted_model(model)


@contextlib.contextmanager
def state_restored_on_failure(estimator):
    """Put the estimator's whole state back as it was if the block raises (or is interrupted).

    Fitting sets attributes step by step; on any error none of them must survive, so a
    failed fit leaves no half-fitted estimator and a failed refit keeps the earlier model.
    """
    previous_state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(previous_state)
        raise


def _training_module():
    """Import the Keras-backed training code on first use, leaving global RNGs untouched.

    Keras is imported lazily so ``import skvae`` stays light. Its first import pulls in
    ``rich``, which draws from Python's global ``random`` at import time; the state is
    restored so that fitting never changes global random state.
    """
    state = random.getstate()
    try:
        from skvae._nn import _trainer as _training
    finally:
        random.setstate(state)
    return _training


def _to_numpy(tensor):
    from keras import ops

    return ops.convert_to_numpy(tensor)


class LazyModelInputs:
    """Model inputs of coded rows X, built only for the rows asked for.

    Prediction slices its inputs block by block (see :func:`_predict_in_batches`), so the
    model inputs of all of X (about twice X's size in float32, plus temporaries) are never
    held at once.
    """

    def __init__(self, X, build):
        self.X, self.build = X, build

    def __len__(self):
        return len(self.X)

    def __getitem__(self, rows):
        return self.build(self.X[rows])


def _predict_in_batches(method, X, batch_rows, *args):
    """Apply a model method to fixed-size row chunks of X and stack the NumPy results.

    ``method(chunk, *args)`` is compiled once (see :func:`skvae._nn._graphs.compiled`).
    Every chunk has exactly ``batch_rows`` rows (the last is zero-padded): with one input
    shape the backend runs the same kernels (and one traced graph) for every call, so a
    row's float32 result does not depend on how many other rows came with it or where
    it sits among them. X is an array or a :class:`LazyModelInputs`, read in blocks of
    whole chunks (so the chunks are the same either way).
    """
    from skvae._nn._graphs import compiled

    if len(X) == 0:
        raise ValueError("Found array with 0 sample(s); at least 1 is required.")
    fn = compiled(method)
    n_rows = len(X)
    block_rows = batch_rows * max(1, PREDICT_BLOCK_ROWS // batch_rows)
    parts = []
    for block_start in range(0, n_rows, block_rows):
        block = X[block_start : block_start + block_rows]
        for start in range(0, len(block), batch_rows):
            chunk = block[start : start + batch_rows]
            n_real = len(chunk)
            if n_real < batch_rows:
                chunk = np.concatenate(
                    [chunk, np.zeros((batch_rows - n_real,) + chunk.shape[1:], chunk.dtype)]
                )
            parts.append(_to_numpy(fn(chunk, *args))[:n_real])
    return np.concatenate(parts, axis=0)
