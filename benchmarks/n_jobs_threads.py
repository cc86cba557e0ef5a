"""GridSearchCV(n_jobs=2) over skvae: TensorFlow's thread pools in the workers, and wall time.

joblib's process workers set ``OMP_NUM_THREADS`` to ``cpu_count // n_jobs``; skvae caps
TensorFlow's intra- and inter-op pools to it (``skvae._nn._tf_threads``). This script runs
the same search with the cap ("capped") and without it ("uncapped": the parent exports
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` = cpu_count, an explicit
setting that skvae leaves alone, which is what TensorFlow uses by default), each in a fresh
process, alternating, and reports the wall time of each search and the pool sizes and
thread counts seen inside a worker.

Run:  python benchmarks/n_jobs_threads.py [--rounds 2] [--rows 2000]
"""

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CHILD = r"""
import json, os, sys, time
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV
from skvae import VAETransformer

def worker_threads():
    from skvae._nn import _trainer as _training  # noqa: F401  (what a fit imports first)
    import tensorflow as tf
    tf.constant(1.0) + 1.0  # start the runtime
    return {
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "process_threads": len(os.listdir("/proc/self/task")),
    }

rows = int(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.normal(size=(rows, 8)) @ rng.normal(size=(8, 30)) + 0.3 * rng.normal(size=(rows, 30))
search = GridSearchCV(
    VAETransformer(max_iter=20, batch_size=64, random_state=0),
    {"n_components": [2, 4], "hidden_layer_sizes": [(64, 32), (128, 64)]},
    cv=2,
    n_jobs=2,
)
start = time.perf_counter()
search.fit(X)
wall = time.perf_counter() - start
# The same loky executor (reused by joblib) reports what its workers run with.
seen = Parallel(n_jobs=2)(delayed(worker_threads)() for _ in range(2))
print(json.dumps({"wall_s": wall, "workers": seen}))
"""


def run(capped, rows):
    env = dict(os.environ)
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        env.pop(name, None)
    if not capped:
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(os.cpu_count())
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"GridSearchCV(n_jobs=2), 4 candidates x 2 folds, {args.rows} rows x 30 features, "
        f"20 epochs; {os.cpu_count()} CPU(s), load average {load:.1f} at the start"
    )
    for r in range(args.rounds):
        for capped in (True, False):
            result = run(capped, args.rows)
            label = "capped  " if capped else "uncapped"
            worker = result["workers"][0]
            print(f"round {r + 1} {label} wall {result['wall_s']:6.1f} s  worker: {worker}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
