"""``BaseVAE``: the one fit template of skvae's VAE estimators.

Each public estimator (the transformer, the outlier detector, the imputer) adds only its
own face on top of this class, so there is one training path and one scoring path. Fitting
follows one template, in the spirit of scikit-learn's ``BaseMixture``: validate and code
the rows and fit the column statistics (in memory, or chunk by chunk for a memory-mapped
X), describe the network in a :class:`skvae._nn._config.NetworkConfig`, hand it and a row
source (:mod:`skvae._vae._row_sources`) to the trainer, then compute the diagnostics.
"""

import dataclasses
import functools
import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from skvae._nn._config import NetworkConfig
from skvae._nn._lazy import import_keras_module
from skvae._nn._training_config import TrainingConfig
from skvae._table._codes import CONTINUOUS_KINDS, category_counts
from skvae._table._conditions import (
    encoded_width,
    fit_condition_encoding,
    resolve_condition_columns,
)
from skvae._table._estimator_mixin import TableEstimatorMixin
from skvae._user_frame import user_stacklevel
from skvae._vae._density import DensityMixin
from skvae._vae._factor_start import (
    factor_analysis_start,
    load_start,
    starts_from_factor_analysis,
)
from skvae._vae._imputation import noise_variance
from skvae._vae._latent_inspection import LatentInspectionMixin
from skvae._vae._model_inputs import ModelInputsMixin
from skvae._vae._parameters import VAEParameters
from skvae._vae._pickling import PicklingMixin, build_vae, state_restored_on_failure
from skvae._vae._row_sources import InMemoryRows, MemmapRows
from skvae._vae._whitened_holes import WhitenedHolesMixin

# Burda et al. (2015): a latent unit is active when Cov_x(E_q[z_i | x]) exceeds this.
ACTIVE_UNIT_THRESHOLD = 0.01


class PosteriorCollapseWarning(UserWarning):
    """Training ended with all or most latent units collapsed onto the prior.

    ``fit`` warns when fewer than half of the latent units are active (the variance of
    their posterior mean over the training rows above 0.01, as in Burda et al., 2015),
    or, with ``n_components="auto"`` (more units than the data need, by design), when
    none is and the columns are not whitened; the message suggests those of
    ``kl_warmup``, ``free_bits``, a smaller ``beta`` and fewer ``n_components`` that the
    estimator's parameters allow (``free_bits`` is refused by ``objective="iwae"`` and
    ``posterior="flow"``). Filter it as any warning.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skvae import PosteriorCollapseWarning, VAETransformer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))  # no structure to encode
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     vae = VAETransformer(n_components=2, max_iter=20, random_state=0).fit(X)
    >>> any(issubclass(w.category, PosteriorCollapseWarning) for w in caught)
    True
    >>> vae.n_active_units_
    0
    """


def warn_if_collapsed(n_active, n_units, params, whitened=False):
    """Warn if only ``n_active`` of the ``n_units`` latent units are active (from fit):
    fewer than half, or, with ``n_components="auto"`` (more units than the data need, by
    design), none on columns not ``whitened``. The message names the remedies that the
    estimator's parameters ``params`` (``get_params()``) allow.

    On whitened columns no active unit is no collapse: the model is then a Gaussian
    with the columns' full covariance (the default outlier detector's on wine, breast
    cancer and diabetes).

    Examples
    --------
    >>> import warnings
    >>> from skvae._vae._base import warn_if_collapsed
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_collapsed(0, 2, {"objective": "iwae", "posterior": "gaussian",
    ...                              "beta": 1.0, "n_components": 2})
    >>> "free_bits" in str(caught[0].message)  # refused with the IWAE objective
    False
    >>> warn_if_collapsed(1, 3, {"beta": 1.0, "n_components": "auto"})  # no warning
    """
    if params["n_components"] == "auto":
        if n_active or whitened:
            return
    elif n_active >= max(1, n_units / 2):
        return
    remedies = ["kl_warmup (e.g. 10 epochs)"]
    # free_bits needs a KL per latent dimension in the loss: the IWAE bound and a flow's
    # sampled KL have none, and both refuse it.
    if params.get("objective") != "iwae" and params.get("posterior") != "flow":
        remedies.append("free_bits (e.g. 0.1 nats)")
    remedies.append(f"a smaller beta (got {params['beta']})")
    if params["n_components"] != "auto" and n_units > 1:
        remedies.append("fewer n_components")
    if params["n_components"] == "auto":  # no unit is active (see above)
        situation = (
            f"Posterior collapse: none of the {n_units} latent units is active (variance "
            f"of its posterior mean over the training rows > {ACTIVE_UNIT_THRESHOLD}): "
            "the model treats the columns as independent. That is right when they are; "
        )
    else:
        situation = (
            f"Posterior collapse: only {n_active} of {n_units} latent units are active "
            f"(variance of their posterior mean over the training rows > "
            f"{ACTIVE_UNIT_THRESHOLD}); the others carry no information about x. That is "
            "right when the data have fewer latent factors; "
        )
    warnings.warn(
        f"{situation}if you expected more, try {', '.join(remedies[:-1])} or {remedies[-1]}.",
        PosteriorCollapseWarning,
        stacklevel=user_stacklevel(),
    )


def history_with_pass(history, n_epochs, added):
    """``history`` (lists of ``n_epochs`` floats) with one epoch's ``added`` values: NaN
    for a key either lacks (a ``partial_fit`` pass has no validation loss), so that every
    list keeps one entry per epoch.

    Examples
    --------
    >>> from skvae._vae._base import history_with_pass
    >>> history_with_pass({"loss": [3.0], "val_loss": [2.5]}, 1, {"loss": [2.0]})
    {'loss': [3.0, 2.0], 'val_loss': [2.5, nan]}
    """
    keys = dict.fromkeys([*history, *added])
    return {key: history.get(key, [np.nan] * n_epochs) + added.get(key, [np.nan]) for key in keys}


class BaseVAE(
    ModelInputsMixin,
    LatentInspectionMixin,
    WhitenedHolesMixin,
    DensityMixin,
    PicklingMixin,
    TableEstimatorMixin,
    VAEParameters,
):
    """Base class of skvae's VAE estimators: a VAE fitted on X. Not for direct use.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._base import BaseVAE
    >>> issubclass(VAETransformer, BaseVAE)
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, callbacks=None):
        """Fit the VAE to X by maximising its training objective (ELBO or IWAE bound).

        If fitting fails (a diverging loss raises ``ValueError``) or is interrupted
        (``KeyboardInterrupt``), the estimator is left exactly as it was before the call:
        unfitted, or still holding its previous fitted model.

        Under TensorFlow a fit reuses the compiled step of an earlier fit of the same
        architecture in the process (``GridSearchCV``'s folds, say), with bit-identical
        results. The first fit, load or unpickling in a process sizes TensorFlow's thread
        pools to ``OMP_NUM_THREADS`` when that is set and they are not configured otherwise:
        joblib's workers (``GridSearchCV(n_jobs=k)``) set it to ``cpu_count // k``, so
        parallel fits share the cores. See :doc:`/scale`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        callbacks : keras.callbacks.Callback or list of them, default=None
            Keras callbacks run during training, after skvae's own (the divergence guard and the
            early stopper), as in ``keras.Model.fit``. One that sets ``self.model.stop_training``
            ends the fit cleanly: the estimator is fitted with the weights so far (the best epoch's,
            with ``early_stopping``). They see a model of the internally scaled data (under
            TensorFlow a pooled twin, :doc:`/scale`); a ModelCheckpoint saves weights only.

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

    def _fit(self, X, overrides=None, callbacks=None, train_rows=None):
        """The fit template: prepare the rows, train, set the fitted attributes (training
        on the in-memory rows ``train_rows`` of X only, when given; see _prepare_rows)."""
        self._check_hidden_layer_sizes()
        self._check_objective()
        self._check_posterior_options()
        trainer = import_keras_module("skvae._nn._trainer")  # Keras, global RNGs kept
        memmap = isinstance(X, np.memmap)
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        rows = self._prepare_memmap(X) if memmap else self._prepare_rows(X, train_rows)
        self.n_components_ = self._n_components_for(len(self._modelled_kinds()))
        self._hierarchy = "ladder"  # n_components_lower's architecture (skvae._vae._hierarchy)
        self.batch_size_ = self._batch_size_for(len(rows.X))
        self.max_iter_ = self._max_iter_for(len(rows.X))
        # Attributes set above are rolled back by fit() if training fails.
        params = {**self._training_params(), **(overrides or {})}
        # The loss rises while the KL weight warms up: progress is judged only afterwards.
        training = TrainingConfig.from_params(params, warmup_epochs=params["kl_warmup"])
        layout = self._build_layout()
        start, self._train_decoder = self._factor_analysis_start(rows)
        config = self._network_config(layout)
        to_inputs = functools.partial(self._model_input, layout=layout)

        def build(steps):
            model = build_vae(dataclasses.replace(config, steps_per_epoch=steps))
            return model if start is None else load_start(model, start)

        data = rows.training_data(to_inputs, self._seed, training)
        fitted = trainer.train_model(build, data, training, callbacks or ())
        self._set_fitted_model(fitted.model)
        self.history_, self.n_iter_ = fitted.history, len(fitted.history["loss"])
        self._set_diagnostics(
            *self._fitted_posterior_summary(rows, to_inputs),
            warn=params.get("warn", True),
        )
        self._fit_sampler(rows)
        return self

    def _factor_analysis_start(self, rows):
        """FA's start of a linear Gaussian VAE, or None; whether its decoder trains."""
        X_data = self._split_columns(rows.X)[0] if isinstance(rows, InMemoryRows) else None
        kinds, n_conditions = self._modelled_kinds(), len(self.condition_columns_)
        params = {**self.get_params(), "n_components": self.n_components_}
        # Factor analysis's diagonal noise lives in the columns' own coordinates.
        whitened = self.whitening_ is not None
        if whitened or not starts_from_factor_analysis(params, kinds, n_conditions, X_data):
            return None, True
        X_scaled = (X_data - self.mean_) / self.scale_
        start = factor_analysis_start(X_scaled, self.n_components_, self.var_floor)
        return start, not np.isnan(X_scaled).any()

    def _prepare_rows(self, X, train_rows=None):
        """Validate in-memory X, fit the column kinds and condition encoding on every row,
        the scaling on ``train_rows`` (all when None): the rows it returns to train on."""
        X = self._validate_table(X, reset=True)
        labels = self._column_schema.get("labels") or getattr(self, "feature_names_in_", None)
        self.condition_columns_ = resolve_condition_columns(self.condition_on, X.shape[1], labels)
        X_data, C = self._split_columns(X)
        self._check_training_columns(X_data)
        # Every category of a categorical condition column (> 0 of them), also unseen ones.
        counts = category_counts(self.categories_, self.condition_columns_)
        self.condition_categories_, self._condition_mean, self._condition_scale = (
            fit_condition_encoding(C, n_categories=counts)
        )
        X = X if train_rows is None else X[train_rows]
        self._fit_scaling(self._split_columns(X)[0])
        self._fit_dtype = X.dtype.name  # a name, so the state holds no NumPy type (skops)
        return InMemoryRows(X, self._filled_for_training(X))

    def _prepare_memmap(self, X):
        """The same for a memory-mapped X, without loading it: statistics and checks each
        read X in bounded pieces (see skvae._nn._streaming)."""
        streaming = import_keras_module("skvae._nn._streaming")
        # Validating the first chunk sets n_features_in_ and checks dtype and shape;
        # the chunked passes below check every other row.
        first = np.asarray(X[: streaming.CHUNK_ROWS])
        validate_data(self, first, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        self._fit_columns(first, as_frame=False)
        if "categorical" in self.column_kinds_:
            raise ValueError(
                "categorical columns (column_types) are not supported for a memory-mapped X: "
                "their categories would need a pass of their own; fit an in-memory array or "
                "DataFrame, or one-hot encode them in the memory map"
            )
        if "integer" in self.column_kinds_:
            raise ValueError(
                "integer columns (likelihood or column_types 'integer') are not supported for "
                "a memory-mapped X: their whole-number check and range would need a pass of "
                "their own; fit an in-memory array or DataFrame, or use a continuous kind"
            )
        self.condition_columns_ = resolve_condition_columns(self.condition_on, X.shape[1], None)
        data_columns = self._data_columns()
        kinds = np.asarray(self._modelled_kinds())
        continuous = np.isin(kinds, CONTINUOUS_KINDS)
        self.mean_, self.scale_ = np.zeros(len(data_columns)), np.ones(len(data_columns))
        if continuous.any():
            self.mean_[continuous], self.scale_[continuous] = streaming.chunked_scaling(
                X, data_columns[continuous]
            )
        self._fit_whitening_in_chunks(X, data_columns, streaming.chunked_correlation)
        if (kinds == "bernoulli").any():
            streaming.check_bernoulli_chunks(X, data_columns[kinds == "bernoulli"])
        # Only the condition columns (a few numbers per row) are read whole.
        self.condition_categories_, self._condition_mean, self._condition_scale = (
            fit_condition_encoding(np.asarray(X[:, self.condition_columns_], dtype=np.float64))
        )
        self._fit_dtype = "float32" if first.dtype == np.float32 else "float64"
        return MemmapRows(X)

    def _partial_fit(self, X):
        """One pass of seeded mini-batches over X, continuing the current model."""
        if not hasattr(self, "_model"):
            # First call: scaling, conditions and seed come from this X, as in fit.
            return self._fit(X, overrides={"max_iter": 1, "early_stopping": False, "warn": False})
        rows = InMemoryRows(self._validate_rows(X))
        self._check_later_chunk(rows.X)
        inputs = rows.inputs_for(self._model_input)
        # Seeded by the fit's seed and the epoch count: the same calls give the same model.
        seed = int(np.random.SeedSequence([self._seed, 5, self.n_iter_]).generate_state(1)[0] >> 1)
        history = import_keras_module("skvae._nn._trainer").train_one_pass(
            self._model, inputs, seed, TrainingConfig.from_params(self._training_params())
        )
        self.history_ = history_with_pass(self.history_, self.n_iter_, history)
        self.n_iter_ += 1
        # One pass is too early to judge collapse: no warning, n_active_units_ is set.
        self._set_diagnostics(*self._streamed_posterior_summary(rows), warn=False)
        self._fit_sampler(rows, continued=True)
        return self

    def _network_config(self, layout):
        """The :class:`NetworkConfig` of this estimator's model, for the fitted columns."""
        replicas = import_keras_module("skvae._nn._distribution").n_replicas(self.distribution)
        if self.n_components_lower and replicas > 1:
            raise ValueError(
                "n_components_lower (a hierarchical VAE) cannot be trained with a "
                f"distribution over {replicas} replicas yet; use distribution=None"
            )
        return NetworkConfig(
            layout=layout,
            n_components=self.n_components_,
            hidden_layer_sizes=self._check_hidden_layer_sizes(),
            activation=self.activation,
            seed=self._seed,
            n_conditions=encoded_width(self.condition_categories_),
            beta=self.beta,
            free_bits=self.free_bits,
            kl_warmup_epochs=self._kl_warmup_epochs(),
            objective=self.objective,
            n_importance_train=self.n_importance_train,
            posterior=self.posterior,
            n_flows=self.n_flows,
            n_components_lower=self.n_components_lower,
            hierarchy=getattr(self, "_hierarchy", "ladder"),
            train_decoder=getattr(self, "_train_decoder", True),
            dtype_policy=self.dtype_policy,
            n_replicas=replicas,
        )

    def _set_diagnostics(self, kl_per_dimension, posterior_location_variance, warn=True):
        """Set the collapse diagnostics from training rows' KL and posterior spread."""
        self.kl_per_dimension_ = kl_per_dimension
        # Burda et al. (2015): unit i is active if Cov_x(E_q[z_i | x]) > 0.01.
        self.active_units_ = posterior_location_variance > ACTIVE_UNIT_THRESHOLD
        self.n_active_units_ = int(self.active_units_.sum())
        if warn:
            n_units, whitened = len(self.active_units_), self.whitening_ is not None
            warn_if_collapsed(self.n_active_units_, n_units, self.get_params(), whitened)

    def _set_fitted_model(self, model):
        self._model = model
        self.kl_warmup_epochs_ = self._kl_warmup_epochs()
        self.encoder_ = model.encoder
        self.decoder_ = model.decoder
        self.noise_variance_ = noise_variance(
            model, self._modelled_kinds(), self.scale_, self.whitened_features_
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN = missing, masked out; whiten=True needs complete rows ("auto" falls back).
        tags.input_tags.allow_nan = isinstance(self.whiten, str) or not self.whiten
        # input_tags.categorical stays False: to scikit-learn it means X of int category codes.
        return tags
