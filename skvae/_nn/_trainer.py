"""Train a Keras model of skvae: seeded batches, validation split, early stopping, the
user's callbacks, a distribution's scope, and a guard that turns a non-finite loss into a
clear error.

One loop for every estimator: :func:`train_model` takes a builder of the model (the VAE's,
see ``BaseVAE._fit``, or the VQ-VAE's, ``skvae._vqvae._training``), the batches and a
:class:`~skvae._nn._training_config.TrainingConfig`; nothing here knows which model it
trains. A model that defines ``reuse_key`` (the VAE) is trained through a pooled twin
whose training step is already compiled (see :mod:`skvae._nn._model_pool`).
"""

import contextlib
import math
from dataclasses import dataclass

import keras
import numpy as np

from skvae._nn._batches import ShuffledBatches
from skvae._nn._callbacks import (
    CompiledValidation,
    LossStallStopping,
    NonFiniteLossGuard,
    ReshuffleEachEpoch,
    RestoreBestOnStop,
)
from skvae._nn._distribution import is_tf_strategy, training_scope
from skvae._nn._model_pool import MODEL_POOL
from skvae._nn._prediction import to_numpy
from skvae._nn._progress import EpochProgressBar
from skvae._nn._user_callbacks import checked_callbacks, released_when_done

if keras.backend.backend() == "tensorflow":
    # Before skvae runs any TensorFlow op: size TensorFlow's thread pools from
    # OMP_NUM_THREADS, which joblib's workers set to cpu_count // n_jobs (see the module).
    from skvae._nn._tf_threads import cap_threads

    cap_threads()

# Steps run per call into the compiled training function. Per-step Python overhead
# dominates small tabular batches, so grouping steps is the cheapest speed-up there is.
MAX_STEPS_PER_EXECUTION = 32

# Under TensorFlow, in-memory batches come from a tf.data pipeline (skvae._nn._tf_data) that
# gathers them inside the graph: one Python call per epoch instead of one per batch, about
# 15% more rows per second (benchmarks/throughput.py). It yields exactly ShuffledBatches'
# batches, so both inputs give bit-identical fits (tests/vae/test_estimator.py checks it).
TF_DATA_PIPELINE = True


@dataclass
class FittedModel:
    """A trained model and its per-epoch history (lists of floats)."""

    model: object
    history: dict


def split_validation(X, fraction, rng):
    """Random (train, validation) split; the validation part gets ceil(fraction * n) rows."""
    n_val = math.ceil(fraction * len(X))
    if len(X) - n_val < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves no training rows out of {len(X)}; "
            "use more data, a smaller validation_fraction, or early_stopping=False"
        )
    order = rng.permutation(len(X))
    return X[np.sort(order[n_val:])], X[np.sort(order[:n_val])]


def shuffled_batches(X, batch_size, seed, repeat=False):
    """Seeded mini-batches of in-memory rows X for ``Model.fit``, reshuffled every epoch.

    Under TensorFlow an :class:`~skvae._nn._tf_data.EpochShuffledDataset` that gathers the
    batches inside the graph (no Python call per batch), elsewhere a
    :class:`ShuffledBatches`. Both yield the same batches, drawn from ``seed`` alone, never
    from a global generator, and both end each epoch with its last batch. ``repeat`` asks
    the TensorFlow pipeline to repeat its epochs with one iterator per fit (see
    ``EpochShuffledDataset``); the caller then makes sure that the steps per compiled call
    divide the steps per epoch.
    """
    if TF_DATA_PIPELINE and keras.backend.backend() == "tensorflow":
        from skvae._nn._tf_data import EpochShuffledDataset

        return EpochShuffledDataset(X, batch_size, [seed, 3], repeat)
    return ShuffledBatches(X, batch_size, seed=[seed, 3])


@dataclass
class TrainingData:
    """What ``Model.fit`` reads: training batches and (optionally) validation data."""

    batches: object  # knows its own length: Keras reads each epoch to its end
    validation_data: object = None

    @property
    def n_batches(self):
        """Batches per epoch."""
        return len(self.batches)

    @property
    def steps_per_epoch(self):
        """``steps_per_epoch`` for ``Model.fit`` (None: each epoch reads its data to the end)."""
        return getattr(self.batches, "steps_per_epoch", None)

    @property
    def keras_input(self):
        """What ``Model.fit`` iterates: the batches, or the dataset they order."""
        return getattr(self.batches, "dataset", self.batches)

    def callbacks(self):
        """Callbacks the batches need: each epoch's order drawn before Keras reads it."""
        return [ReshuffleEachEpoch(self.batches)] if hasattr(self.batches, "next_epoch") else []


def in_memory_data(X, seed, config):
    """Seeded batches of in-memory model inputs X, with the early-stopping split.

    ``config`` is a :class:`~skvae._nn._training_config.TrainingConfig`.
    """
    if config.early_stopping:
        X_train, X_val = split_validation(
            X, config.validation_fraction, np.random.default_rng([seed, 2])
        )
        validation_data = (X_val,)
    else:
        X_train, validation_data = X, None
    batch_size = min(config.batch_size, len(X_train))
    # When one compiled call runs a whole epoch, the epochs can repeat in one iterator. Not
    # under a strategy, which reads a batch ahead to build the model.
    n_batches = math.ceil(len(X_train) / batch_size)
    repeat = config.distribution is None and steps_per_execution(config, n_batches) == n_batches
    batches = shuffled_batches(X_train, batch_size, seed, repeat)
    return TrainingData(batches, validation_data)


def steps_per_execution(config, n_batches):
    """Training steps per compiled call: up to 32, one epoch's worth at most."""
    # Keras's PyTorch trainer runs one step per call only, and Keras 3.15's multi-step
    # loop fails under tf.distribute strategies (an unfed placeholder in its while loop).
    one_step = keras.backend.backend() == "torch" or is_tf_strategy(config.distribution)
    return 1 if one_step else min(n_batches, MAX_STEPS_PER_EXECUTION)


def compile_model(model, config, n_batches):
    """Attach a fresh Adam optimiser (loss-scaled for float16); group up to 32 steps per
    compiled call."""
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
    if config.dtype_policy == "mixed_float16":
        # float16 gradients of small losses underflow to zero: scale the loss up (and the
        # gradients back down), adjusting the scale as Keras's LossScaleOptimizer does.
        # compile() wraps the optimiser itself only for a model whose own policy is
        # mixed_float16; the VAE stays float32 (only its networks are mixed), so do it here
        # for every model.
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer=optimizer, steps_per_execution=steps_per_execution(config, n_batches))


def validation_batch_size(config):
    """Rows per chunk of validation rows: 8 batches, at most 8,192 rows."""
    return min(config.batch_size * 8, 8192)


def quiet_step_retracing():
    """Under TensorFlow, a block in which its "excessive retracing" warnings about Keras's
    training steps are dropped (each model's step is traced once, but TensorFlow counts
    the traces of every model's together; see ``skvae._nn._tf_graph``)."""
    if keras.backend.backend() != "tensorflow":
        return contextlib.nullcontext()
    from skvae._nn._tf_graph import quiet_keras_step_retracing

    return quiet_keras_step_retracing()


def run_fit(model, data, config, epochs, extra_callbacks=()):
    """``model.fit`` on ``data`` with the divergence guard; the history as lists of floats.

    Raises ValueError if the loss diverges.
    """
    guard = NonFiniteLossGuard()
    # verbose=1: one bar over the fit's epochs; 2 or more: Keras's two lines per epoch.
    progress = [EpochProgressBar(epochs)] if config.verbose == 1 else []
    validation_data, validation = data.validation_data, []
    in_memory = isinstance(validation_data, tuple)
    if in_memory and keras.backend.backend() == "tensorflow" and config.distribution is None:
        validation_data = None
        validation = [CompiledValidation(data.validation_data[0], validation_batch_size(config))]
    with quiet_step_retracing():
        history = model.fit(
            data.keras_input,
            epochs=epochs,
            steps_per_epoch=data.steps_per_epoch,
            validation_data=validation_data,
            validation_batch_size=validation_batch_size(config) if in_memory else None,
            callbacks=[*data.callbacks(), *validation, guard, *extra_callbacks, *progress],
            # The batches are already shuffled by their own generator; Keras's shuffle would
            # reorder them with Python's global `random`, breaking reproducibility.
            shuffle=False,
            verbose=2 if config.verbose >= 2 else 0,
        )
    if guard.failure is not None:
        raise ValueError(
            f"Training diverged: the {guard.failure}. Try a smaller learning_rate (got "
            f"{config.learning_rate}), check X for extreme values, or raise var_floor."
        )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def train_model(build, data, config, callbacks=()):
    """Build a model and train it on ``data``: the one training loop of skvae's models.

    The model is built, compiled and trained inside the scope of ``config.distribution``
    (if any), so that its variables are mirrored and its batches split across the
    replicas. Training stops after ``config.max_iter`` epochs, when the monitored loss
    (the validation loss with early stopping, which restores the best weights) stalls
    after ``config.warmup_epochs``, at a non-finite loss (an error), or when a callback
    sets ``model.stop_training`` (keeping the best weights with early stopping).

    Parameters
    ----------
    build : callable
        ``build(steps_per_epoch)`` returns a freshly initialised, uncompiled
        ``keras.Model`` whose ``compute_loss`` is its objective on batches ``(x,)``
        (the VAE counts its KL warm-up in steps).
    data : TrainingData
        Training batches and optional validation data (see :func:`in_memory_data` and
        ``skvae._nn._streaming.memmap_training_data``).
    config : TrainingConfig
        Optimiser, stopping and distribution settings
        (:class:`skvae._nn._training_config.TrainingConfig`).
    callbacks : keras.callbacks.Callback or sequence of them, default=()
        The user's callbacks, run after skvae's own (the divergence guard and the early
        stopper); detached from the model when training ends.

    Returns
    -------
    fitted : FittedModel
        The trained model and its history (per-epoch lists of floats).

    Raises
    ------
    ValueError
        If the loss becomes non-finite.

    Examples
    --------
    >>> import keras, numpy as np
    >>> from skvae._nn._trainer import in_memory_data, train_model
    >>> from skvae._nn._training_config import TrainingConfig
    >>> class Mean(keras.Model):  # the squared error of a learned constant
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.mu = self.add_weight(shape=(2,), initializer="zeros")
    ...     def call(self, x):
    ...         return self.mu
    ...     def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
    ...                      training=True):
    ...         return keras.ops.mean(keras.ops.square(x - y_pred))
    >>> config = TrainingConfig(max_iter=3, batch_size=4)
    >>> data = in_memory_data(np.ones((10, 2), dtype=np.float32), seed=0, config=config)
    >>> fitted = train_model(lambda steps_per_epoch: Mean(), data, config)
    >>> len(fitted.history["loss"])
    3
    """
    stopper = LossStallStopping(
        monitor="val_loss" if config.early_stopping else "loss",
        min_delta=config.tol,
        patience=config.n_iter_no_change,
        restore_best_weights=config.early_stopping,
        start_from_epoch=config.warmup_epochs,
    )
    user_callbacks = checked_callbacks(callbacks)
    callbacks = [stopper, *user_callbacks, RestoreBestOnStop(stopper)]
    with training_scope(config.distribution), released_when_done(user_callbacks):
        model = build(data.n_batches)
        key = pool_key(model, config, data.n_batches)
        if key is None:
            compile_model(model, config, data.n_batches)
            history = run_fit(model, data, config, config.max_iter, callbacks)
            _check_finite_weights(model, config)
            return FittedModel(model, history)
        twin = MODEL_POOL.take(key)
        if twin is None:
            twin = build(data.n_batches)
            compile_model(twin, config, data.n_batches)
            # Built here, eagerly: Keras would build it while tracing the first step, about
            # 0.5 s slower for a small network (more than a quarter of the trace).
            twin.optimizer.build(twin.trainable_variables)
        copy_state(model, twin, config.learning_rate)
        history = run_fit(twin, data, config, config.max_iter, callbacks)
        _check_finite_weights(twin, config)  # raised: the twin is dropped, as on a NaN loss
        # The trained state goes into the model built for this fit (the estimator's own);
        # the twin, with its compiled steps, waits for the next fit of this architecture.
        copy_state(twin, model, config.learning_rate)
        compile_model(model, config, data.n_batches)
        model.optimizer.build(model.trainable_variables)
        for source, target in zip(twin.optimizer.variables, model.optimizer.variables, strict=True):
            target.assign(source)
        MODEL_POOL.give_back(key, twin)
    return FittedModel(model=model, history=history)


def _check_finite_weights(model, config):
    """Raise the divergence error if a weight is not finite: each epoch's loss is computed
    before its steps, so a last step that overflowed shows only in the weights (the
    encoder then gave NaN variances, and the first error came from the KL of them). A
    reduction per variable, on the device: no copy of the weights to the host."""
    if not _all_finite(model.weights):
        raise ValueError(
            "Training diverged: the weights became non-finite in the last step. Try a "
            f"smaller learning_rate (got {config.learning_rate}), check X for extreme "
            "values, or raise var_floor."
        )


def _all_finite(variables):
    """Whether every float variable holds finite values, reduced per variable on the
    device (no copy to the host); integer ones, such as the step counter, always do."""
    return all(
        bool(keras.ops.all(keras.ops.isfinite(variable.value)))
        for variable in variables
        if "float" in str(variable.dtype)
    )


def pool_key(model, config, n_batches):
    """The key under which ``model``'s compiled training steps can be reused (see
    :mod:`skvae._nn._model_pool`), or None when they are not.

    Pooled: models that define ``reuse_key`` (the VAE), under TensorFlow (whose traced
    steps read every variable when they run) and JAX (whose jitted steps get the data
    variables with the non-trainable ones: ``PoolableModel.non_trainable_variables``), on
    one device and in float32 (a strategy's or a loss scale's state is not reset between
    fits). PyTorch's steps run eagerly: nothing to reuse.
    """
    poolable = (
        hasattr(model, "reuse_key")
        and keras.backend.backend() in ("tensorflow", "jax")
        and config.distribution is None
        and config.dtype_policy == "float32"
    )
    return (model.reuse_key(), steps_per_execution(config, n_batches)) if poolable else None


def copy_state(source, target, learning_rate):
    """Give ``target`` (a model of the same architecture) ``source``'s variables and data
    variables; reset ``target``'s optimiser, if it has one, to the state of a fresh one
    with this learning rate (zero moments and step count)."""
    pairs = zip(source.state_variables(), target.state_variables(), strict=True)
    for variable, target_variable in pairs:
        target_variable.assign(variable)
    optimizer = getattr(target, "optimizer", None)
    if optimizer is not None and optimizer.built:
        for variable in optimizer.variables:
            variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
        optimizer.learning_rate.assign(learning_rate)


def train_one_pass(model, X, seed, config):
    """One epoch of seeded mini-batches of model inputs X on an already built model.

    The model keeps its optimiser (and its state) when it has one, with its learning rate
    set to ``config.learning_rate``; a model rebuilt from saved weights gets a fresh one.
    On a diverging loss the weights and optimiser state are put back as they were and
    ValueError is raised.
    """
    batch_size = min(config.batch_size, len(X))
    data = TrainingData(shuffled_batches(X, batch_size, seed))
    with training_scope(config.distribution):
        if getattr(model, "optimizer", None) is None or not model.optimizer.built:
            compile_model(model, config, data.n_batches)
            model.optimizer.build(model.trainable_variables)
    # learning_rate may have been changed with set_params since the last call.
    model.optimizer.learning_rate.assign(config.learning_rate)
    weights = model.get_weights()
    optimizer_state = [to_numpy(v) for v in model.optimizer.variables]
    try:
        with training_scope(config.distribution):
            history = run_fit(model, data, config, 1)
        # The pass's losses are computed before each step: a last step that overflowed
        # shows only in the weights, which the next fit or prediction would turn into NaN,
        # or only in the optimiser's moments (a squared gradient of a row 1e30 out is inf
        # while the step it scales stays finite), which would make every later pass fail.
        if not _all_finite([*model.weights, *model.optimizer.variables]):
            raise ValueError(
                "Training diverged: the weights or the optimiser's state became non-finite in "
                "this pass. Check X for values far outside the range of the rows the model was "
                f"fitted on, or try a smaller learning_rate (got {config.learning_rate})."
            )
        return history
    except BaseException:
        model.set_weights(weights)
        for variable, value in zip(model.optimizer.variables, optimizer_state, strict=True):
            variable.assign(value)
        raise
