"""Mixed precision: the ``dtype_policy`` parameter (float16 / bfloat16 layers)."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

import skvae
from skvae import VAEImputer, VAEOutlierDetector, VAETransformer

# mixed_float16 only in the slow run (pytest -m slow): TensorFlow's float16 kernels on CPU
# are emulated, and scoring 50 digits rows took 9.8 s against 0.23 s in bfloat16, which
# made this file the slowest of the default run (140 s). Its optimiser wrapping is checked
# in the default run on a small table (test_float16_trains_with_loss_scaling).
MIXED = ["mixed_bfloat16", pytest.param("mixed_float16", marks=pytest.mark.slow)]
FIT = {"n_components": 4, "max_iter": 20, "random_state": 0}
# Held-out score (mean log p(x), nats per row of 64 pixels, about -170) of a mixed fit
# minus the float32 fit's. Measured on this split for random_state 0..3 and both mixed
# policies: at most 0.28 nats apart (bfloat16 at most 0.22), while two float32 fits with
# different random_state differ by up to 2. 1.5 nats (under 1 %), 5x the largest measured
# gap, leaves room for other CPUs and library versions. It catches a broken low-precision
# path (non-finite or far-off scores), not a loss of a few tenths of a nat.
SCORE_TOLERANCE = 1.5


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return X[:1000], X[1000:]


@pytest.fixture(scope="module")
def float32_fit(digits):
    return VAETransformer(**FIT).fit(digits[0])


@pytest.fixture(scope="module", params=MIXED)
def mixed_fit(request, digits):
    policy_before = keras.config.dtype_policy().name
    vae = VAETransformer(dtype_policy=request.param, **FIT).fit(digits[0])
    return vae, policy_before


def test_mixed_fit_scores_close_to_float32(digits, float32_fit, mixed_fit):
    """A mixed-precision fit's held-out log-likelihood is finite, float64, and within
    SCORE_TOLERANCE nats per row of the float32 fit's."""
    vae, _ = mixed_fit
    scores = vae.score_samples(digits[1])
    assert scores.dtype == np.float64
    assert np.isfinite(scores).all()
    assert abs(scores.mean() - float32_fit.score(digits[1])) < SCORE_TOLERANCE
    assert vae.transform(digits[1][:5]).dtype == np.float64
    assert vae.sample(3, random_state=0).dtype == np.float64


def test_mixed_layers_compute_in_low_precision(mixed_fit):
    """Every Dense layer of the encoder and decoder computes in float16 or bfloat16 with
    float32 weights, and both networks output float32 (what the densities read)."""
    vae, _ = mixed_fit
    low = vae.dtype_policy.removeprefix("mixed_")
    for network in (vae.encoder_, vae.decoder_):
        dense = [layer for layer in network.layers if isinstance(layer, keras.layers.Dense)]
        assert len(dense) >= 3
        assert {layer.compute_dtype for layer in dense} == {low}
        assert {layer.variable_dtype for layer in dense} == {"float32"}
        outputs = network.outputs if isinstance(network.outputs, list) else [network.outputs]
        assert {keras.backend.standardize_dtype(out.dtype) for out in outputs} == {"float32"}
    assert all(w.dtype == np.float32 for w in vae._model.get_weights())


def test_float16_uses_loss_scaling(mixed_fit, float32_fit):
    """mixed_float16 trains with Keras's LossScaleOptimizer; the other policies with Adam."""
    vae, _ = mixed_fit
    expected = "LossScaleOptimizer" if vae.dtype_policy == "mixed_float16" else "Adam"
    assert type(vae._model.optimizer).__name__ == expected
    assert type(float32_fit._model.optimizer).__name__ == "Adam"


def test_float16_trains_with_loss_scaling():
    """A mixed_float16 fit wraps Adam in Keras's LossScaleOptimizer, computes its Dense
    layers in float16, scores finitely and leaves the global dtype policy at float32."""
    X = np.random.default_rng(2).normal(size=(200, 5))
    vae = VAETransformer(
        max_iter=2, hidden_layer_sizes=(16,), random_state=0, dtype_policy="mixed_float16"
    ).fit(X)
    assert type(vae._model.optimizer).__name__ == "LossScaleOptimizer"
    assert vae.encoder_.layers[1].compute_dtype == "float16"
    assert np.isfinite(vae.score_samples(X[:20])).all()
    assert keras.config.dtype_policy().name == "float32"


def test_global_dtype_policy_unchanged(mixed_fit):
    """Fitting with a mixed policy leaves Keras's global dtype policy as it was."""
    _, policy_before = mixed_fit
    assert policy_before == "float32"
    assert keras.config.dtype_policy().name == "float32"


def test_mixed_model_round_trips(digits, mixed_fit, tmp_path):
    """pickle and skvae.save/load give back the mixed model: same policy, identical
    transform and scores."""
    vae, _ = mixed_fit
    X = digits[1][:50]
    path = tmp_path / "mixed.skvae"
    skvae.save(vae, path)
    for restored in (pickle.loads(pickle.dumps(vae)), skvae.load(path)):
        assert restored.get_params() == vae.get_params()
        assert restored.encoder_.layers[1].compute_dtype == vae.encoder_.layers[1].compute_dtype
        np.testing.assert_array_equal(restored.transform(X), vae.transform(X))
        np.testing.assert_array_equal(restored.score_samples(X), vae.score_samples(X))


@pytest.mark.parametrize(
    "params",
    [{"posterior": "flow"}, {"n_components_lower": 2}, {"objective": "iwae"}],
    ids=["flow", "hierarchy", "iwae"],
)
def test_mixed_bfloat16_other_models_train(params):
    """The flow, the two-layer hierarchy and the IWAE objective train under
    mixed_bfloat16 to finite float64 scores; the hierarchy's extra networks are bfloat16."""
    X = np.random.default_rng(0).normal(size=(200, 5))
    vae = VAETransformer(
        max_iter=2,
        hidden_layer_sizes=(16,),
        random_state=0,
        dtype_policy="mixed_bfloat16",
        **params,
    ).fit(X)
    scores = vae.score_samples(X)
    assert scores.dtype == np.float64 and np.isfinite(scores).all()
    if "n_components_lower" in params:
        assert vae._model.lower_prior.layers[1].compute_dtype == "bfloat16"


def test_imputer_and_detector_take_dtype_policy():
    """VAEImputer and VAEOutlierDetector accept dtype_policy and build bfloat16 layers."""
    X = np.random.default_rng(1).normal(size=(120, 4))
    X_missing = X.copy()
    X_missing[::7, 1] = np.nan
    common = {"max_iter": 2, "hidden_layer_sizes": (8,), "random_state": 0}
    imputer = VAEImputer(dtype_policy="mixed_bfloat16", **common).fit(X_missing)
    detector = VAEOutlierDetector(dtype_policy="mixed_bfloat16", **common).fit(X)
    for estimator in (imputer, detector):
        assert estimator.get_params()["dtype_policy"] == "mixed_bfloat16"
        assert estimator.encoder_.layers[1].compute_dtype == "bfloat16"
    assert not np.isnan(imputer.transform(X_missing)).any()
    assert set(detector.predict(X)) <= {-1, 1}
