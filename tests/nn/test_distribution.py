"""Data-parallel training with the ``distribution`` parameter (TensorFlow strategies)."""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

import skvae
from skvae import VAETransformer

# TensorFlow's logical devices must be configured before it initialises, so the
# MirroredStrategy run happens in a fresh interpreter.
MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from skvae import VAETransformer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3)) @ rng.normal(size=(3, 12)) + 0.3 * rng.normal(size=(1200, 12))
    settings = dict(n_components=3, hidden_layer_sizes=(32,), batch_size=100, max_iter=8,
                    kl_warmup=2, random_state=0)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    mirrored = VAETransformer(distribution=strategy, **settings).fit(X)
    single = VAETransformer(**settings).fit(X)
    print(json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "mirrored": mirrored.history_,
        "single": single.history_,
        "steps": float(mirrored._model.train_steps.numpy()),
        "score_mirrored": mirrored.score(X),
        "score_single": single.score(X),
    }))
    """
)


@pytest.fixture(scope="module")
def mirrored_run():
    import json

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # shares a 15 s fresh-process run; pytest -m slow
def test_mirrored_strategy_matches_a_single_device_fit(mirrored_run):
    """MirroredStrategy over 2 CPU replicas reaches the single-device loss within noise."""
    assert mirrored_run["replicas"] == 2
    mirrored, single = mirrored_run["mirrored"], mirrored_run["single"]
    # Both started near the same loss and improved by the same amount.
    assert mirrored["loss"][-1] < mirrored["loss"][0] - 1.0
    assert abs(mirrored["loss"][-1] - single["loss"][-1]) < 0.1 * abs(single["loss"][-1])
    assert abs(mirrored_run["score_mirrored"] - mirrored_run["score_single"]) < 1.0


@pytest.mark.slow  # shares a 15 s fresh-process run; pytest -m slow
def test_mirrored_history_is_in_nats_per_row(mirrored_run):
    """Under the strategy, history_'s loss is still reconstruction + KL per row (not x2)."""
    h = mirrored_run["mirrored"]
    # After the 2 warm-up epochs the KL weight is 1, so loss = reconstruction + kl.
    np.testing.assert_allclose(h["loss"][-1], h["reconstruction"][-1] + h["kl"][-1], rtol=1e-3)


@pytest.mark.slow  # shares a 15 s fresh-process run; pytest -m slow
def test_mirrored_step_counter_counts_global_steps(mirrored_run):
    """The KL warm-up step counter advances once per global batch, not once per replica."""
    assert mirrored_run["steps"] == 8 * 12  # 8 epochs of 1200 / 100 batches


@pytest.mark.slow  # python benchmarks/multiworker.py runs the same experiment and prints it
def test_two_multiworker_processes_reach_the_single_process_loss():
    """Two MultiWorkerMirroredStrategy workers on localhost agree and match one process.

    Runs benchmarks/multiworker.py's experiment: two worker processes with their own
    TF_CONFIG fit the same estimator on the same data, as a cluster job would, and one
    process fits it with no strategy (10 epochs of 30 batches each).
    """
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from multiworker import run_all

    results = run_all()
    workers = [results["worker 0"], results["worker 1"]]
    single = results["single process"]
    assert all("error" not in w for w in workers), workers
    # One mirrored model: both workers log the same (all-reduced) losses and scores.
    assert workers[0]["loss"] == workers[1]["loss"]
    assert workers[0]["score"] == pytest.approx(workers[1]["score"], abs=1e-6)
    assert workers[0]["steps"] == single["steps"] == 300
    # Same optimisation within noise (measured 15.70 against 15.65 nats after 10 epochs,
    # after starting at 19.0), and the same held-out score (-15.23 against -15.21).
    assert workers[0]["loss"][-1] < workers[0]["loss"][0] - 3.0
    assert workers[0]["loss"][-1] == pytest.approx(single["loss"][-1], rel=0.02)
    assert workers[0]["score"] == pytest.approx(single["score"], abs=0.3)


JAX_DATA_PARALLEL_SCRIPT = textwrap.dedent(
    """
    import json, os
    os.environ["KERAS_BACKEND"] = "jax"
    # Two CPU devices for XLA, set before JAX starts.
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import keras
    import numpy as np
    from skvae import VAETransformer

    devices = keras.distribution.list_devices()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3)) @ rng.normal(size=(3, 12)) + 0.3 * rng.normal(size=(1200, 12))
    settings = dict(n_components=3, hidden_layer_sizes=(32,), batch_size=100, max_iter=8,
                    random_state=0)
    distribution = keras.distribution.DataParallel(devices=devices)
    parallel = VAETransformer(distribution=distribution, **settings).fit(X)
    single = VAETransformer(**settings).fit(X)
    print(json.dumps({"devices": len(devices), "parallel": parallel.history_["loss"],
                      "single": single.history_["loss"], "score_parallel": parallel.score(X),
                      "score_single": single.score(X)}))
    """
)


@pytest.mark.slow  # a fresh JAX process over two devices; run with pytest -m slow
def test_jax_data_parallel_over_two_devices_matches_one_device():
    """Under JAX, keras.distribution.DataParallel over 2 CPU devices trains the same model.

    Data parallelism splits each batch across the devices and averages the gradients,
    so the losses agree with a single-device fit up to float32 summation order.
    """
    import json

    pytest.importorskip("jax")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", JAX_DATA_PARALLEL_SCRIPT], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    run = json.loads(out.stdout.strip().splitlines()[-1])
    assert run["devices"] == 2
    assert run["parallel"][-1] < run["parallel"][0] - 1.0
    np.testing.assert_allclose(run["parallel"], run["single"], rtol=1e-5)
    assert run["score_parallel"] == pytest.approx(run["score_single"], abs=1e-4)


class FakeStrategy:
    """Stands in for a strategy: it has scope() and refuses to be copied."""

    def scope(self):
        raise AssertionError("not used by these tests")

    def __deepcopy__(self, memo):
        raise TypeError("a strategy cannot be copied")

    def __reduce__(self):
        raise TypeError("a strategy cannot be pickled")


def test_clone_shares_the_distribution_and_copies_the_rest():
    """clone() keeps the same strategy object (not a deep copy) and clones the others."""
    strategy = FakeStrategy()
    vae = VAETransformer(n_components=3, distribution=strategy).set_output(transform="pandas")
    copy = clone(vae)
    assert copy.distribution is strategy
    assert copy.get_params()["n_components"] == 3
    assert copy._sklearn_output_config == vae._sklearn_output_config
    assert vae.distribution is strategy  # the original is untouched


def test_pickling_drops_the_distribution(tmp_path):
    """A pickled or saved estimator stores distribution=None (a strategy belongs to its
    process), also among the parameters the model was built with, so that the restored
    estimator pickles, saves and continues with partial_fit."""
    X = np.random.default_rng(0).normal(size=(60, 3))
    vae = VAETransformer(max_iter=2, hidden_layer_sizes=(4,), random_state=0).fit(X)
    # As if it had been fitted under one: fit records the parameters it built the model with.
    vae.distribution = FakeStrategy()
    vae._model_params = {**vae._model_params, "distribution": vae.distribution}
    restored = pickle.loads(pickle.dumps(vae))
    skvae.save(vae, tmp_path / "vae.skvae")
    loaded = skvae.load(tmp_path / "vae.skvae")
    for copy in (restored, loaded):
        assert copy.distribution is None and copy._model_params["distribution"] is None
        np.testing.assert_array_equal(copy.transform(X), vae.transform(X))
        assert copy.partial_fit(X).n_iter_ == vae.n_iter_ + 1
    assert vae._model_params["distribution"] is vae.distribution  # the original is untouched


def test_state_saved_before_the_distribution_parameter_still_loads():
    """A pickled state without 'distribution' (older skvae) restores with None."""
    X = np.random.default_rng(0).normal(size=(60, 3))
    vae = VAETransformer(max_iter=2, hidden_layer_sizes=(4,), random_state=0).fit(X)
    state = vae.__getstate__()
    del state["distribution"]
    restored = VAETransformer.__new__(VAETransformer)
    restored.__setstate__(state)
    assert restored.distribution is None
    np.testing.assert_array_equal(restored.transform(X), vae.transform(X))
