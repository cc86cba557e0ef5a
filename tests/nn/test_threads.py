"""TensorFlow's thread pools follow OMP_NUM_THREADS, as joblib's process workers set it."""

import os

import joblib
import keras
import pytest

if keras.backend.backend() != "tensorflow":
    pytest.skip("TensorFlow's thread pools", allow_module_level=True)

import tensorflow as tf  # noqa: E402

from skvae._nn import _tf_threads  # noqa: E402


class FakeThreading:
    """Stands in for tf.config.threading: pool sizes, and whether the runtime started."""

    def __init__(self, intra=0, inter=0, started=False):
        self.pools = {"intra": intra, "inter": inter}
        self.started = started

    def _setter(self, pool):
        def set_(n):
            if self.started:
                raise RuntimeError("cannot be modified after initialization")
            self.pools[pool] = n

        return set_

    def install(self, monkeypatch):
        for pool in ("intra", "inter"):
            name = f"{pool}_op_parallelism_threads"
            monkeypatch.setattr(tf.config.threading, f"get_{name}", lambda p=pool: self.pools[p])
            monkeypatch.setattr(tf.config.threading, f"set_{name}", self._setter(pool))
        return self


@pytest.mark.parametrize(
    "env, fake, expected, pools",
    [
        ({"OMP_NUM_THREADS": "3"}, {}, {"intra_op": 3, "inter_op": 3}, (3, 3)),
        ({}, {}, {}, (0, 0)),
        ({"OMP_NUM_THREADS": "zero"}, {}, {}, (0, 0)),
        ({"OMP_NUM_THREADS": "3", "TF_NUM_INTRAOP_THREADS": "2"}, {}, {"inter_op": 3}, (0, 3)),
        ({"OMP_NUM_THREADS": "3"}, {"intra": 5}, {"inter_op": 3}, (5, 3)),
        ({"OMP_NUM_THREADS": "3"}, {"started": True}, {}, (0, 0)),
    ],
    ids=["capped", "no-limit", "invalid-limit", "user-env", "user-config", "runtime-started"],
)
def test_cap_threads_respects_user_settings(monkeypatch, env, fake, expected, pools):
    """cap_threads sets both pools to OMP_NUM_THREADS, except a pool the user set (by
    environment variable or tf.config.threading), and nothing once TensorFlow started
    or without a valid limit."""
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    threading = FakeThreading(**fake).install(monkeypatch)
    assert _tf_threads.cap_threads() == expected
    assert (threading.pools["intra"], threading.pools["inter"]) == pools


def _worker_pools():
    """In a worker: import skvae's training code (what a fit does first), run an op."""
    from skvae._nn import _trainer as _training  # noqa: F401

    tf.constant(1.0) + 1.0
    threading = tf.config.threading
    return (
        os.environ.get("OMP_NUM_THREADS"),
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    )


@pytest.mark.skipif(
    bool(os.environ.get("TF_NUM_INTRAOP_THREADS") or os.environ.get("TF_NUM_INTEROP_THREADS")),
    reason="an explicit TensorFlow thread setting is passed on to the workers and kept",
)
@pytest.mark.slow  # python benchmarks/n_jobs_threads.py prints the pool sizes in a worker
def test_joblib_worker_caps_tensorflow_threads():
    """In a loky worker of Parallel(n_jobs=2), TensorFlow's intra- and inter-op pools are
    capped to the worker's OMP_NUM_THREADS (cpu_count // 2 unless the parent set it)."""
    limit = int(os.environ.get("OMP_NUM_THREADS") or max(joblib.cpu_count() // 2, 1))
    # A fresh executor: workers reused from an earlier test may have run TensorFlow ops
    # before importing skvae, when the pools can no longer be sized.
    with joblib.parallel_config(backend="loky"):
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor(max_workers=2, kill_workers=True).shutdown(wait=True)
        results = joblib.Parallel(n_jobs=2)(joblib.delayed(_worker_pools)() for _ in range(2))
    assert results == [(str(limit), limit, limit)] * 2


@pytest.mark.parametrize("limit", ["3", None])
def test_tf_data_pipeline_threads_follow_the_thread_limit(monkeypatch, limit):
    """The training pipeline's private tf.data pool is OMP_NUM_THREADS wide when that is
    set (as in a joblib worker), and left to tf.data's default (one per core) when not."""
    import numpy as np

    from skvae._nn._tf_data import EpochShuffledDataset

    if limit is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", limit)
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    threading = EpochShuffledDataset(X, batch_size=4, seed=0).dataset.options().threading
    expected = None if limit is None else int(limit)
    assert threading.private_threadpool_size == expected
    assert threading.max_intra_op_parallelism == expected


@pytest.mark.parametrize("repeat", [False, True])
def test_tf_data_pipeline_runs_without_autotuning_and_reads_every_row_once(repeat):
    """The training pipeline turns tf.data's autotuning off (freeing its iterator at the
    end of a fit waited for the tuning thread, ~0.45 s in about half of the fits; see
    benchmarks/model_selection.py) and an epoch still reads every row once."""
    import numpy as np

    from skvae._nn._tf_data import EpochShuffledDataset

    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    batches = EpochShuffledDataset(X, batch_size=4, seed=0, repeat=repeat)
    assert batches.dataset.options().autotune.enabled is False
    batches.next_epoch()
    epoch = [x.numpy() for (x,) in batches.dataset.take(len(batches))]
    assert [len(x) for x in epoch] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(epoch)[:, 0]), X[:, 0])
