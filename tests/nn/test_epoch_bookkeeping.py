"""The cheaper per-epoch bookkeeping of the training loop (skvae._nn._epoch_metrics and
skvae._nn._callbacks.LossStallStopping) changes no number of a fit."""

import keras
import numpy as np
import pytest

from skvae import VAETransformer
from skvae._nn import _epoch_metrics
from skvae._nn._callbacks import LossStallStopping
from skvae._nn._epoch_metrics import CheapEpochMetrics
from tests.synthetic_data import two_factor_data


def test_a_fit_with_cheap_bookkeeping_is_bit_identical_to_keras_own(monkeypatch):
    """History, epochs run and weights are the same, bit for bit, whether the metrics are
    reset by one compiled call and read from the last call's logs, or by Keras's eager
    resets and reads (the stopping rule ends both fits at the same epoch)."""
    X = two_factor_data(n_rows=120, seed=3)
    params = dict(n_components=2, max_iter=400, tol=1e-2, random_state=0)
    fast = VAETransformer(**params).fit(X)
    monkeypatch.setattr(_epoch_metrics, "_fast_path", lambda model: False)
    plain = VAETransformer(**params).fit(X)
    assert fast.n_iter_ < 400  # the stopping rule ended the fit
    assert fast.n_iter_ == plain.n_iter_
    assert fast.history_ == plain.history_
    for a, b in zip(fast._model.get_weights(), plain._model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_reset_zeroes_the_trackers_that_a_new_compile_made():
    """After compile() replaces the loss tracker, reset_metrics resets the new one, not
    the variables captured by the first compiled reset."""

    class Model(CheapEpochMetrics, keras.Model):
        def __init__(self):
            super().__init__()
            self.tracker = keras.metrics.Mean(name="tracked")

    model = Model()
    model.compile(optimizer="adam")
    model.reset_metrics()
    model.compile(optimizer="adam")
    for metric in model.metrics:
        metric.update_state(np.array([5.0]))
    model.reset_metrics()
    assert [float(metric.count) for metric in model.metrics] == [0.0, 0.0]
    assert [float(metric.total) for metric in model.metrics] == [0.0, 0.0]


@pytest.mark.parametrize("min_delta", [0.0, 1e-3, 0.5])
def test_loss_stall_stopping_stops_where_keras_early_stopping_does(min_delta):
    """On the same losses (ties, steps just under and over min_delta, a late
    improvement), LossStallStopping and keras.callbacks.EarlyStopping stop at the same
    epoch with the same best value."""
    rng = np.random.default_rng(0)
    falling = 10 - np.cumsum(rng.uniform(0, 0.01, 40))
    tail = falling[-1] - np.array([0.0, 0.0, 0.0009, 0.0011, 0.0011, 0.0011, 0.0011, 0.7])
    losses = np.concatenate([falling, tail]).astype(np.float32)

    def run(stopper):
        stopper.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
        stopper.model.stop_training = False
        stopper.on_train_begin()
        for epoch, loss in enumerate(losses):
            stopper.on_epoch_end(epoch, {"loss": float(loss)})
            if stopper.model.stop_training:
                break
        return stopper.stopped_epoch, stopper.best, stopper.best_epoch

    settings = dict(monitor="loss", min_delta=min_delta, patience=3)
    ours = run(LossStallStopping(**settings))
    assert ours[0] > 0  # it stopped (at epoch 46, 42 and 3 for the three min_delta)
    assert ours == run(keras.callbacks.EarlyStopping(**settings))
