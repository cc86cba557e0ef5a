"""Metadata-routing requests (set_fit_request) survive pickle and skops as plain data."""

import pickle

import keras
import numpy as np
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from small_estimators import small_estimators

import skvae

ESTIMATORS = small_estimators(max_iter=3)
X = np.random.default_rng(0).normal(size=(60, 4))


class _EpochCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def _routed(name):
    with sklearn.config_context(enable_metadata_routing=True):
        return ESTIMATORS[name]().set_fit_request(callbacks=True)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_state_holds_the_requests_as_a_plain_dict(name):
    """__getstate__ holds {"fit": {"callbacks": True}}, not scikit-learn's MetadataRequest."""
    state = _routed(name).fit(X).__getstate__()
    assert "_metadata_request" not in state
    assert state["_metadata_requests"] == {"fit": {"callbacks": True}}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_routed_estimator_round_trips_through_skops(name):
    """A fitted estimator with a routing request loads with skops_trusted_types(), keeps the
    request and scores exactly as the original."""
    sio = pytest.importorskip("skops.io", reason="skops is in the test extra")
    estimator = _routed(name).fit(X)
    data = sio.dumps(estimator)
    restored = sio.loads(data, trusted=skvae.skops_trusted_types())
    with sklearn.config_context(enable_metadata_routing=True):
        assert restored.get_metadata_routing().fit.requests == {"callbacks": True}
    np.testing.assert_array_equal(restored.score_samples(X), estimator.score_samples(X))


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_unpickled_pipeline_routes_callbacks_to_the_step(name):
    """After pickling, a Pipeline still routes callbacks to its skvae step: the callback
    sees each of its max_iter=3 epochs."""
    pipeline = pickle.loads(pickle.dumps(make_pipeline(StandardScaler(), _routed(name))))
    counter = _EpochCounter()
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline.fit(X, callbacks=[counter])
    assert counter.epochs == 3
