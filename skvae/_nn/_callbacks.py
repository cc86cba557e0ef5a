"""The Keras callbacks of skvae's training loop (:mod:`skvae._nn._trainer`).

Each does one job around ``keras.Model.fit``: draw each epoch's batch order, compute the
validation loss in one compiled call, stop when the loss stalls (without an eager op per
epoch), stop at a non-finite loss, keep the best weights when another callback stops
training.
"""

import math

import keras
import numpy as np


class LossStallStopping(keras.callbacks.EarlyStopping):
    """``keras.callbacks.EarlyStopping`` for a loss (``mode="min"``), compared in NumPy.

    Keras compares each epoch's loss with the best so far by ``keras.ops.less``: two
    tensor conversions and an eager op per epoch (0.3 ms, a few percent of a small
    table's epoch). This compares the same float32 values with NumPy, so it stops at the
    same epoch.

    Examples
    --------
    >>> from skvae._nn._callbacks import LossStallStopping
    >>> stopper = LossStallStopping(monitor="loss", min_delta=0.5)
    >>> stopper._set_monitor_op()
    >>> bool(stopper._is_improvement(9.0, 10.0)), bool(stopper._is_improvement(9.8, 10.0))
    (True, False)
    """

    def __init__(self, **kwargs):
        super().__init__(mode="min", **kwargs)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        # min_delta is negative here (mode "min"); ops.less would cast both to float32.
        return np.float32(monitor_value - self.min_delta) < np.float32(reference_value)


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


class CompiledValidation(keras.callbacks.Callback):
    """The validation loss and metrics after each epoch, from one compiled graph.

    What ``Model.fit(validation_data=...)`` reports as ``val_loss`` and ``val_<metric>``,
    from the model's own ``test_step`` run on the same chunks of rows; but Keras's
    ``evaluate`` creates a dataset iterator, a progress logger and callbacks for every
    epoch, about 35 ms an epoch (as much as the training steps of a small table). Put
    before the callbacks that read the logs (the divergence guard, the early stopper,
    ``History``). TensorFlow only (its ``test_step`` takes the batch alone).
    """

    def __init__(self, X, batch_size):
        super().__init__()
        self.X, self.batch_size = X, int(batch_size)

    def on_epoch_end(self, epoch, logs=None):
        from skvae._nn._graphs import compiled

        step = compiled(self.model.test_step, any_rows=True)
        for metric in self.model.metrics:
            metric.reset_state()
        for start in range(0, len(self.X), self.batch_size):
            results = step((self.X[start : start + self.batch_size],))
        if logs is not None:
            logs.update({f"val_{name}": float(value) for name, value in results.items()})


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


class ReshuffleEachEpoch(keras.callbacks.Callback):
    """Draws the next epoch's order of an EpochShuffledDataset when the epoch begins.

    Keras runs ``on_epoch_begin`` before it creates the epoch's iterator over the dataset,
    so every epoch reads the order drawn for it.
    """

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.next_epoch()
