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
    """Under JAX, prediction runs through jax.jit functions shared by the architecture
    (skvae._nn._jax_graph) and gives the eager results to float32 precision, also after
    partial_fit changed the weights (the compiled functions read the current weights, not
    those at tracing)."""
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
            saved = graphs.compiled, graphs.shared_compiled
            graphs.compiled = graphs.shared_compiled = lambda method: method
            try:
                eager = outputs()
            finally:
                graphs.compiled, graphs.shared_compiled = saved
            return [float(np.max(np.abs(c - e) / (1 + np.abs(e)))) for c, e in zip(compiled, eager)]
        before = gaps()
        cached = sorted(method for _, method in graphs._SHARED_GRAPHS)
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


def test_jax_fits_reuse_compiled_steps_and_give_the_fresh_fit_bit_for_bit():
    """Under JAX, a second estimator of an architecture traces no training, validation or
    scoring step (it trains a pooled twin and scores through the shared jitted functions),
    and gives bit for bit the fit of an empty pool (its losses, weights, scores and codes),
    also on columns of other scales: the jitted steps read the columns' log scales as
    inputs, not as constants of their first fit."""
    pytest.importorskip("jax")
    script = textwrap.dedent(
        """
        import json, numpy as np
        from sklearn.datasets import load_wine
        from skvae import VAETransformer
        from skvae._nn._graphs import clear_shared_graphs
        from skvae._nn._model_pool import MODEL_POOL
        from skvae._vae._model import VAE
        X = load_wine(return_X_y=True)[0]
        traces = {"loss": 0, "score": 0}
        def counted(name, method):  # runs in Python only while JAX traces it
            def wrapper(*args, **kwargs):
                traces[name] += 1
                return method(*args, **kwargs)
            return wrapper
        VAE.compute_loss = counted("loss", VAE.compute_loss)
        VAE.importance_log_likelihood = counted("score", VAE.importance_log_likelihood)
        def fit(data, seed):
            vae = VAETransformer(n_components=2, max_iter=4, batch_size=64,
                                 random_state=seed).fit(data)
            history = [np.array(vae.history_[key]) for key in sorted(vae.history_)]
            scores = [vae.score_samples(data), vae.transform(data)]
            return [*scores, *history, *vae._model.get_weights()]
        fit(X, 0)
        first = dict(traces)
        traces.update(loss=0, score=0)
        pooled = fit(X * 1000 + 5, 1)
        later = dict(traces)
        MODEL_POOL.clear()
        clear_shared_graphs()
        fresh = fit(X * 1000 + 5, 1)
        print(json.dumps({
            "first": first,
            "later": later,
            "same": [bool(np.array_equal(a, b)) for a, b in zip(pooled, fresh, strict=True)],
            "score": float(np.mean(pooled[0])),
        }))
        """
    )
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"]["loss"] > 0 and result["first"]["score"] > 0  # the counters count
    assert result["later"] == {"loss": 0, "score": 0}
    assert all(result["same"]), result["same"]
    # In the units of X * 1000: about 13 * log(1000) = 90 nats below wine's own scale.
    assert -160 < result["score"] < -80
