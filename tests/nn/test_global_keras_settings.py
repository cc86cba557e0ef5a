"""Keras's global settings are the user's: a global dtype policy or floatx changes nothing
in skvae's models, and the Keras callbacks that cannot work say so before training."""

import keras
import numpy as np
import pytest
from sklearn.datasets import load_iris

from skvae import VAETransformer, VQVAETransformer
from skvae._nn._model_pool import MODEL_POOL

X = load_iris().data

ESTIMATORS = {
    "vae": lambda: VAETransformer(max_iter=3, random_state=0),
    "flow": lambda: VAETransformer(posterior="flow", n_flows=2, max_iter=3, random_state=0),
    "hierarchical": lambda: VAETransformer(n_components_lower=2, max_iter=3, random_state=0),
    "vqvae": lambda: VQVAETransformer(n_codes=8, max_iter=3, random_state=0),
}


@pytest.fixture
def restore_keras_globals():
    """Put Keras's floatx and global dtype policy back after the test."""
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    yield
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(policy)


def _fresh_fit_outputs(make):
    """transform and score_samples of a fit that builds its model anew (no pooled twin,
    which was built under other settings and would hide what the settings do)."""
    MODEL_POOL.clear()
    estimator = make().fit(X)
    return estimator.transform(X), estimator.score_samples(X)


_DEFAULT_OUTPUTS = {}  # name: the outputs under Keras's default settings, fitted once


def _default_outputs(name):
    if name not in _DEFAULT_OUTPUTS:
        _DEFAULT_OUTPUTS[name] = _fresh_fit_outputs(ESTIMATORS[name])
    return _DEFAULT_OUTPUTS[name]


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize(
    "setting",
    [
        lambda: keras.config.set_dtype_policy("mixed_float16"),
        lambda: keras.config.set_dtype_policy("mixed_bfloat16"),
        lambda: keras.config.set_floatx("float64"),
    ],
    ids=["mixed_float16", "mixed_bfloat16", "floatx_float64"],
)
def test_a_global_keras_setting_leaves_the_fit_bit_for_bit_as_it_was(
    name, setting, restore_keras_globals
):
    """Under a global mixed policy a float32 fit diverged (float16) or drifted (bfloat16),
    the VQ-VAE could not be fitted, and under floatx float64 TensorFlow refused to mix
    float32 and float64; now every fit gives the default settings' numbers exactly."""
    expected = _default_outputs(name)
    setting()
    got = _fresh_fit_outputs(ESTIMATORS[name])
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_of_whole_models_is_refused_before_training(tmp_path):
    """ModelCheckpoint's default saves a whole .keras model, which skvae's internal model
    cannot be (Keras's error told users to implement get_config on it); the weights-only
    form works, and so does a subclass with its own _save_model."""
    vae = VAETransformer(max_iter=2, random_state=0)
    whole = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="loss")
    with pytest.raises(ValueError, match="save_weights_only=True"):
        vae.fit(X, callbacks=[whole])
    assert not hasattr(vae, "encoder_")  # nothing was fitted
    path = tmp_path / "m.weights.h5"
    weights = keras.callbacks.ModelCheckpoint(str(path), monitor="loss", save_weights_only=True)
    vae.fit(X, callbacks=weights)
    assert path.exists()

    class OwnSave(keras.callbacks.ModelCheckpoint):  # decides itself what it saves
        def _save_model(self, epoch, batch, logs):
            self.model.save_weights(str(tmp_path / "own.weights.h5"))

    vae.fit(X, callbacks=[OwnSave(str(tmp_path / "unused.keras"), monitor="loss")])
    assert (tmp_path / "own.weights.h5").exists()
