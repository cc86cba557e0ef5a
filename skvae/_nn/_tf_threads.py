"""TensorFlow-only: cap TensorFlow's thread pools to the process's OpenMP thread limit.

NumPy's BLAS, scikit-learn's OpenMP code and PyTorch all size their thread pools from
``OMP_NUM_THREADS``; TensorFlow does not, and starts one intra-op and one inter-op thread
per core. joblib's process workers (``GridSearchCV(n_jobs=k)``, ``cross_validate``)
set ``OMP_NUM_THREADS`` to ``cpu_count // k`` in each worker precisely so that k workers
share the cores instead of each using all of them; without this module k TensorFlow fits
would run k times as many compute threads as there are cores.

:func:`cap_threads` runs once, when skvae's training code is first imported (before
skvae runs any TensorFlow op, so before TensorFlow sizes its pools). It never overrides
an explicit TensorFlow setting: a ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS``
environment variable, or a value already set with ``tf.config.threading``. Once
TensorFlow's runtime has started (the process ran a TensorFlow op before), the pools can
no longer change and nothing is done.
"""

import os

import tensorflow as tf

THREAD_LIMIT_VARIABLE = "OMP_NUM_THREADS"


def thread_limit(environ=None):
    """The positive integer in ``OMP_NUM_THREADS``, or None when unset or not one."""
    value = (os.environ if environ is None else environ).get(THREAD_LIMIT_VARIABLE, "")
    try:
        limit = int(value.strip())
    except ValueError:
        return None
    return limit if limit >= 1 else None


def cap_threads():
    """Set TensorFlow's intra- and inter-op pool sizes to the OpenMP thread limit.

    Each pool is left alone when the user configured it (environment variable or
    ``tf.config.threading``) or when TensorFlow's runtime has already started.

    Returns
    -------
    capped : dict
        The pools set, ``{"intra_op": n, "inter_op": n}`` or a subset (empty when none).
    """
    limit = thread_limit()
    if limit is None:
        return {}
    threading = tf.config.threading
    pools = {
        "intra_op": (
            "TF_NUM_INTRAOP_THREADS",
            threading.get_intra_op_parallelism_threads,
            threading.set_intra_op_parallelism_threads,
        ),
        "inter_op": (
            "TF_NUM_INTEROP_THREADS",
            threading.get_inter_op_parallelism_threads,
            threading.set_inter_op_parallelism_threads,
        ),
    }
    capped = {}
    for pool, (variable, get, set_) in pools.items():
        if os.environ.get(variable) or get() != 0:
            continue  # the user's own setting
        try:
            set_(limit)
        except RuntimeError:
            return capped  # the runtime already started: its pools are fixed
        capped[pool] = limit
    return capped
