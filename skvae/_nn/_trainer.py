"""Train a Keras model: seeded batches, validation split, early stopping,
and a guard that turns a non-finite loss into a clear error."""

import math
from dataclasses import dataclass

import keras
import numpy as np

from skvae._nn._batches import ShuffledBatches
from skvae._nn._distribution import is_tf_strategy, training_scope

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
# batches, so both inputs give bit-identical fits (tests/test_estimator.py checks it).
TF_DATA_PIPELINE = True


@dataclass
class FittedModel:
    """A trained model and its per-epoch history (lists of floats)."""

    model: object
    history: dict


class RestoreBestOnStop(keras.callbacks.Callback):
    """Keeps the best weights so far when another callback ends training early.

    A user's callback (the command line's Ctrl-C handler, say) may set
    ``model.stop_training``; with early stopping, the weights of the best validation epoch
    (held by ``stopper``) are then restored, as an early stop would. Without early
    stopping, or when ``stopper`` itself stopped (it restores on its own), nothing changes.
    """

    def __init__(self, stopper):
        super().__init__()
        self.stopper = stopper

    def on_train_end(self, logs=None):
        best = getattr(self.stopper, "best_weights", None)
        stopped_by_other = self.model.stop_training and not self.stopper.stopped_epoch
        if stopped_by_other and best is not None:
            self.model.set_weights(best)


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and remembers where it happened."""

    def __init__(self):
        super().__init__()
        self.failure = None

    def _check(self, logs, where):
        for name, value in (logs or {}).items():
            if self.failure is None and not math.isfinite(float(value)):
                self.failure = f"{name} became {float(value)} {where}"
                self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, f"at batch {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"in epoch {epoch + 1}")


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


def shuffled_batches(X, batch_size, seed):
    """Seeded mini-batches of in-memory rows X for ``Model.fit``, reshuffled every epoch.

    Under TensorFlow a ``tf.data`` pipeline that gathers the batches inside the graph (one
    Python call per epoch, not per batch), elsewhere a :class:`ShuffledBatches`. Both
    yield the same batches, drawn from ``seed`` alone, never from a global generator, and
    both end each epoch with its last batch.
    """
    if TF_DATA_PIPELINE and keras.backend.backend() == "tensorflow":
        from skvae._nn._tf_data import shuffled_dataset

        return shuffled_dataset(X, batch_size, [seed, 3])
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


def in_memory_data(X, seed, params):
    """Seeded batches of in-memory model inputs X, with the early-stopping split."""
    if params["early_stopping"]:
        X_train, X_val = split_validation(
            X, params["validation_fraction"], np.random.default_rng([seed, 2])
        )
        validation_data = (X_val,)
    else:
        X_train, validation_data = X, None
    batch_size = min(params["batch_size"], len(X_train))
    batches = shuffled_batches(X_train, batch_size, seed)
    return TrainingData(batches, validation_data)


def compile_model(model, params, n_batches):
    """Attach a fresh Adam optimiser (loss-scaled for float16); group up to 32 steps per
    compiled call."""
    # Keras's PyTorch trainer runs one step per call only, and Keras 3.15's multi-step
    # loop fails under tf.distribute strategies (an unfed placeholder in its while loop).
    one_step = keras.backend.backend() == "torch" or is_tf_strategy(params.get("distribution"))
    optimizer = keras.optimizers.Adam(learning_rate=params["learning_rate"])
    if params.get("dtype_policy") == "mixed_float16":
        # float16 gradients of small losses underflow to zero: scale the loss up (and the
        # gradients back down), adjusting the scale as Keras's LossScaleOptimizer does.
        # compile() wraps the optimiser itself only for a model whose own policy is
        # mixed_float16; the VAE stays float32 (only its networks are mixed), so do it here.
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(
        optimizer=optimizer,
        steps_per_execution=1 if one_step else min(n_batches, MAX_STEPS_PER_EXECUTION),
    )


def run_fit(model, data, params, epochs, extra_callbacks=()):
    """``model.fit`` on ``data`` with the divergence guard; the history as lists of floats.

    Raises ValueError if the loss diverges.
    """
    guard = NonFiniteLossGuard()
    history = model.fit(
        data.batches,
        epochs=epochs,
        validation_data=data.validation_data,
        validation_batch_size=(
            min(params["batch_size"] * 8, 8192) if isinstance(data.validation_data, tuple) else None
        ),
        callbacks=[guard, *extra_callbacks],
        # The batches are already shuffled by their own generator; Keras's shuffle would
        # reorder them with Python's global `random`, breaking reproducibility.
        shuffle=False,
        verbose=2 if params["verbose"] else 0,
    )
    if guard.failure is not None:
        raise ValueError(
            f"Training diverged: the {guard.failure}. Try a smaller learning_rate (got "
            f"{params['learning_rate']}), check X for extreme values, or raise var_floor."
        )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def train_model(build, data, params, callbacks=()):
    """Build a model and train it on ``data``; the one training loop of skvae's models.

    ``build(steps_per_epoch)`` returns a freshly initialised Keras model whose
    ``compute_loss`` is its objective; it is called inside the distribution's scope (if
    ``params["distribution"]`` has one), so that its variables are mirrored and its
    batches split across the replicas. ``data`` is a :class:`TrainingData`; ``params``
    the estimator's training parameters (learning_rate, max_iter, early_stopping, tol,
    n_iter_no_change, verbose, distribution, dtype_policy and the resolved kl_warmup,
    epochs before early stopping judges progress); ``callbacks`` the user's Keras
    callbacks, run after skvae's own. Raises ValueError if the loss diverges.
    """
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss" if params["early_stopping"] else "loss",
        min_delta=params["tol"],
        patience=params["n_iter_no_change"],
        restore_best_weights=params["early_stopping"],
        # The loss rises while the KL weight warms up; judge progress only afterwards.
        start_from_epoch=params.get("kl_warmup", 0),
    )
    with training_scope(params.get("distribution")):
        model = build(data.n_batches)
        compile_model(model, params, data.n_batches)
        history = run_fit(
            model,
            data,
            params,
            params["max_iter"],
            [stopper, *callbacks, RestoreBestOnStop(stopper)],
        )
    return FittedModel(model=model, history=history)


def train_one_pass(model, X, seed, params):
    """One epoch of seeded mini-batches of model inputs X on an already built model.

    The model keeps its optimiser (and its state) when it has one, with its learning rate
    set to ``params["learning_rate"]``; a model rebuilt from saved weights gets a fresh
    one. On a diverging loss the weights and optimiser state are put back as they were
    and ValueError is raised.
    """
    batch_size = min(params["batch_size"], len(X))
    data = TrainingData(shuffled_batches(X, batch_size, seed))
    with training_scope(params.get("distribution")):
        if getattr(model, "optimizer", None) is None or not model.optimizer.built:
            compile_model(model, params, data.n_batches)
            model.optimizer.build(model.trainable_variables)
    # learning_rate may have been changed with set_params since the last call.
    model.optimizer.learning_rate.assign(params["learning_rate"])
    weights = model.get_weights()
    ops = keras.ops
    optimizer_state = [
        ops.convert_to_numpy(ops.convert_to_tensor(v)) for v in model.optimizer.variables
    ]
    try:
        with training_scope(params.get("distribution")):
            return run_fit(model, data, params, 1)
    except BaseException:
        model.set_weights(weights)
        for variable, value in zip(model.optimizer.variables, optimizer_state, strict=True):
            variable.assign(value)
        raise
