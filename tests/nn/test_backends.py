"""The model code is backend-agnostic: no direct backend imports, and it trains under JAX."""

import ast
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from sklearn.datasets import load_wine

import skvae
from skvae import VAETransformer

PACKAGE_DIR = pathlib.Path(skvae.__file__).parent


# TensorFlow-only modules, imported lazily and only when Keras runs on TensorFlow: the input
# pipeline (skvae._nn._trainer.shuffled_batches; other backends use a PyDataset), the graph
# compilation of prediction functions (skvae._nn._graphs; other backends run them eagerly) and
# the cap of TensorFlow's thread pools to OMP_NUM_THREADS (imported by skvae._nn._trainer).
TF_ONLY_MODULES = {"_tf_data.py", "_tf_graph.py", "_tf_threads.py"}
# The JAX-only twin of _tf_graph (jax.jit of prediction functions), imported only under JAX.
JAX_ONLY_MODULES = {"_jax_graph.py"}


def test_core_modules_import_no_backend_directly():
    """No skvae module imports tensorflow, jax or torch (only keras), except the TF-only
    input pipeline, which may import tensorflow alone."""
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        allowed = {"tensorflow"} if path.name in TF_ONLY_MODULES else set()
        allowed |= {"jax"} if path.name in JAX_ONLY_MODULES else set()
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"tensorflow", "jax", "torch"} - allowed
            ]
    assert offenders == []


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_trains_under_other_backends(backend):
    """Under KERAS_BACKEND=jax or torch the estimator fits reproducibly, warms up the KL
    over its 3 epochs, and scores the rows as the same fit under TensorFlow does (within a
    nat per row: the backends draw different random numbers, so the models differ a little;
    a lost normalising constant would cost 12 nats on wine's 13 columns), with no NumPy
    DeprecationWarning from reading the weights.

    JAX is in the test extra, so CI runs it; PyTorch is checked where it is installed.
    """
    pytest.importorskip(backend)
    script = textwrap.dedent(
        """
        import json, numpy as np, keras, warnings
        from sklearn.datasets import load_wine
        from skvae import VAETransformer
        # Keras's get_weights (early stopping's best weights) made NumPy 2 warn under JAX.
        warnings.filterwarnings("error", "__array__ implementation", DeprecationWarning)
        X = load_wine(return_X_y=True)[0]
        vae = VAETransformer(n_components=2, max_iter=6, batch_size=64, kl_warmup=3,
                             random_state=0).fit(X)
        again = VAETransformer(n_components=2, max_iter=6, batch_size=64, kl_warmup=3,
                               random_state=0).fit(X)
        VAETransformer(n_components=2, max_iter=3, early_stopping=True, random_state=0).fit(X)
        history = {k: np.array(v) for k, v in vae.history_.items()}
        print(json.dumps({
            "backend": keras.backend.backend(),
            "steps": float(keras.ops.convert_to_numpy(vae._model.train_steps.value)),
            "score": vae.score(X),
            "kl_weight": ((history["loss"] - history["reconstruction"]) / history["kl"]).tolist(),
            "same": bool(np.array_equal(vae.transform(X), again.transform(X))),
        }))
        """
    )
    env = dict(os.environ, KERAS_BACKEND=backend)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    assert result["steps"] == 6 * 3  # 178 rows in batches of 64: 3 steps per epoch
    weight = np.array(result["kl_weight"])  # the KL's weight in each epoch's loss
    assert 0 < weight[0] < weight[1] < weight[2] < 1
    np.testing.assert_allclose(weight[3:], 1.0, rtol=1e-4)
    assert result["same"]
    if keras.backend.backend() == "tensorflow":
        X = load_wine(return_X_y=True)[0]
        reference = VAETransformer(
            n_components=2, max_iter=6, batch_size=64, kl_warmup=3, random_state=0
        ).fit(X)
        assert abs(result["score"] - reference.score(X)) < 1.0


def test_jax_prediction_is_compiled_and_matches_eager_calls():
    """Under JAX, prediction runs through jax.jit (skvae._nn._jax_graph) and gives the eager
    results to float32 precision, also after partial_fit changed the weights (the compiled
    functions read the current weights, not those at tracing)."""
    pytest.importorskip("jax")
    script = textwrap.dedent(
        """
        import json, numpy as np
        from sklearn.datasets import load_wine
        import skvae._nn._graphs as graphs
        from skvae import VAETransformer
        X = load_wine(return_X_y=True)[0]
        vae = VAETransformer(n_components=2, max_iter=3, batch_size=64, n_importance_samples=20,
                             random_state=0).fit(X)
        Z = vae.transform(X)
        outputs = lambda: [vae.transform(X), vae.score_samples(X), vae.inverse_transform(Z)]
        def gaps():
            compiled = outputs()
            eager_compiled, graphs.compiled = graphs.compiled, lambda method: method
            try:
                eager = outputs()
            finally:
                graphs.compiled = eager_compiled
            return [float(np.max(np.abs(c - e) / (1 + np.abs(e)))) for c, e in zip(compiled, eager)]
        before = gaps()
        cached = sorted(vae._model.__dict__.get("_skvae_graphs", {}))
        Z_before = vae.transform(X)
        vae.partial_fit(X)
        print(json.dumps({
            "before": before,
            "after": gaps(),
            "cached": cached,
            "moved": float(np.max(np.abs(vae.transform(X) - Z_before))),
        }))
        """
    )
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"posterior_moments", "importance_log_likelihood", "decode_rows"} <= set(
        result["cached"]
    )
    assert max(result["before"]) < 1e-5
    assert result["moved"] > 1e-4  # partial_fit changed the weights ...
    assert max(result["after"]) < 1e-5  # ... and the compiled functions follow them
