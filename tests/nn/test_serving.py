"""The fitted encoder and decoder are plain Keras models: exported with keras.Model.export,
they serve from a TensorFlow SavedModel in a process that never imports skvae."""

import subprocess
import sys

import keras
import numpy as np
import pytest
from sklearn.datasets import load_wine

from skvae import VAETransformer

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="SavedModel export needs TensorFlow"
)

SERVE = """
import sys
import numpy as np
import tensorflow as tf
assert "skvae" not in sys.modules
served = tf.saved_model.load(sys.argv[1])
rows = np.load(sys.argv[2])
out = served.serve(tf.constant(rows))
out = out if isinstance(out, (list, tuple)) else [out]
np.save(sys.argv[3], np.concatenate([np.asarray(o) for o in out], axis=1))
"""


@pytest.mark.slow  # 16 s (exports, then a fresh TensorFlow process); run with pytest -m slow
def test_exported_encoder_and_decoder_serve_without_skvae(tmp_path):
    """encoder_ on scaled rows gives the posterior means of transform(); decoder_ on those
    means gives inverse_transform()'s rows once unscaled; both unchanged after export."""
    X, _ = load_wine(return_X_y=True)
    # Gaussian columns: the decoder then outputs the means alone (a Student-t decoder, the
    # default, outputs location, scale and degrees of freedom per column).
    vae = VAETransformer(
        n_components=2, hidden_layer_sizes=(8,), likelihood="gaussian", max_iter=3, random_state=0
    )
    vae.fit(X)
    scaled = ((X[:10] - vae.mean_) / vae.scale_).astype("float32")
    z_mean = np.asarray(vae.encoder_(scaled)[0])
    np.testing.assert_allclose(z_mean, vae.transform(X[:10]), rtol=1e-5, atol=1e-5)
    decoded = np.asarray(vae.decoder_(z_mean)) * vae.scale_ + vae.mean_
    np.testing.assert_allclose(decoded, vae.inverse_transform(z_mean), rtol=1e-5, atol=1e-4)

    for name, network, rows, expected in [
        ("encoder", vae.encoder_, scaled, np.hstack([np.asarray(o) for o in vae.encoder_(scaled)])),
        ("decoder", vae.decoder_, z_mean.astype("float32"), np.asarray(vae.decoder_(z_mean))),
    ]:
        network.export(str(tmp_path / name), verbose=False)
        np.save(tmp_path / f"{name}_in.npy", rows)
        subprocess.run(
            [
                sys.executable,
                "-c",
                SERVE,
                str(tmp_path / name),
                str(tmp_path / f"{name}_in.npy"),
                str(tmp_path / f"{name}_out.npy"),
            ],
            check=True,
            capture_output=True,
        )
        served = np.load(tmp_path / f"{name}_out.npy")
        np.testing.assert_allclose(served, expected, rtol=1e-5, atol=1e-6)
