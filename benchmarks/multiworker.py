"""Two-worker ``MultiWorkerMirroredStrategy`` training on localhost, against one process.

Starts two worker processes, each with its own ``TF_CONFIG`` naming both (on free local
ports), each fitting ``VAETransformer(distribution=MultiWorkerMirroredStrategy())`` on the
same data, the way a cluster job would; then fits the same estimator in one process with
no strategy. Prints each run's per-epoch loss, the number of optimiser steps and the
held-out score: the workers should agree exactly (they hold one mirrored model) and reach
the single-process loss within noise.

With Keras 3.15 and TensorFlow 2.21 this needs two workarounds for Keras bugs, both in
``skvae._nn._distribution.ReplicaAwareModel`` (Keras averages the first batch over the workers
to build the model, and averages scalar logs with ``axis=0``; both fail across workers).
If a worker fails, the script prints its error. tests/nn/test_distribution.py runs it.

Run:  python benchmarks/multiworker.py      (about 1 minute on 2 CPU cores)
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    distributed = sys.argv[1] == "distributed"
    strategy = tf.distribute.MultiWorkerMirroredStrategy() if distributed else None
    from skvae import VAETransformer

    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 12))
    X = rng.normal(size=(3000, 3)) @ W + 0.3 * rng.normal(size=(3000, 12))
    X_test = rng.normal(size=(1000, 3)) @ W + 0.3 * rng.normal(size=(1000, 12))
    vae = VAETransformer(n_components=3, hidden_layer_sizes=(32,), batch_size=100,
                         likelihood="gaussian", max_iter=10, random_state=0,
                         distribution=strategy).fit(X)
    print(json.dumps({"loss": vae.history_["loss"],
                      "steps": int(vae._model.optimizer.iterations.numpy()),
                      "score": vae.score(X_test)}))
    """
)


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run_all():
    ports = [free_port(), free_port()]
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    base_env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    base_env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    workers = []
    for index in range(2):
        tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**base_env, "TF_CONFIG": json.dumps(tf_config)}
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, "distributed"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = {}
    for index, worker in enumerate(workers):
        out, err = worker.communicate(timeout=900)
        if worker.returncode != 0:
            last = [line for line in err.splitlines() if "Error" in line]
            results[f"worker {index}"] = {"error": last[-1] if last else err[-500:]}
        else:
            results[f"worker {index}"] = json.loads(out.strip().splitlines()[-1])
    single = subprocess.run(
        [sys.executable, "-c", WORKER, "single"],
        env=base_env,
        capture_output=True,
        text=True,
        check=True,
    )
    results["single process"] = json.loads(single.stdout.strip().splitlines()[-1])
    return results


def main():
    results = run_all()
    print("MultiWorkerMirroredStrategy, 2 workers on localhost, vs one process (10 epochs)")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<15} FAILED: {r['error'][:300]}")
            continue
        losses = " ".join(f"{v:.3f}" for v in r["loss"])
        print(f"{name:<15} steps {r['steps']:>4}  held-out score {r['score']:8.3f}  loss {losses}")


if __name__ == "__main__":
    main()
