"""Peak memory of ``fit`` on a memory-mapped X bigger than what it may hold at once.

Writes ``--rows`` x 50 float32 rows to a ``.npy`` file (in blocks), then fits a
``VAETransformer`` on ``np.load(path, mmap_mode="r")`` for one epoch in a fresh process
and reports:

- the peak of the process's *anonymous* resident memory (RssAnon: memory the process
  allocated itself: Python, NumPy, TensorFlow, the model), sampled every 20 ms, minus its
  value before the fit;
- the peak total RSS (VmHWM), which also counts the pages of the mapped file that the
  kernel keeps cached while they are mapped; those are file cache, shared and dropped
  under memory pressure, not memory the fit needs.

The aim is an anonymous peak within a small multiple of one chunk (65,536 rows, 26 MB in
float64), whatever the size of X.

Run:  python benchmarks/out_of_core.py                   (1M rows, a 191 MiB file)
      python benchmarks/out_of_core.py --rows 10000000    (a 2 GB file; one epoch is long)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

N_FEATURES = 50


def status_mib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def write_data(path, n_rows, seed=0):
    """A (n_rows, 50) float32 .npy file of an 8-factor model, written block by block."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((8, N_FEATURES))
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_rows, N_FEATURES))
    for start in range(0, n_rows, 200_000):
        z = rng.standard_normal((min(200_000, n_rows - start), 8))
        X[start : start + len(z)] = np.tanh(z @ W / 2) + 0.1 * rng.standard_normal(
            (len(z), N_FEATURES)
        )
    X.flush()
    del X


def child(path):
    from skvae import VAETransformer

    X = np.load(path, mmap_mode="r")
    vae = VAETransformer(
        n_components=8,
        likelihood="gaussian",
        hidden_layer_sizes=(128, 128),
        batch_size=256,
        max_iter=1,
        random_state=0,
    )
    # Import Keras and build a throw-away model first, so the baseline includes them.
    VAETransformer(max_iter=1, hidden_layer_sizes=(128, 128), random_state=0).fit(
        np.asarray(X[:512])
    )
    base_anon = status_mib("RssAnon")
    peak = {"anon": base_anon}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["anon"] = max(peak["anon"], status_mib("RssAnon"))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    vae.fit(X)
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "base_anon_mib": base_anon,
                "peak_anon_extra_mib": peak["anon"] - base_anon,
                "peak_rss_mib": status_mib("VmHWM"),
                "loss": vae.history_["loss"][-1],
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        write_data(path, args.rows)
        out = subprocess.run(
            [sys.executable, __file__, "--child", path], capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-3000:])
        r = json.loads(out.stdout.strip().splitlines()[-1])
    file_mib = args.rows * N_FEATURES * 4 / 2**20
    chunk_mib = 65536 * N_FEATURES * 8 / 2**20
    print(
        f"fit(np.load(..., mmap_mode='r')) on {args.rows:,} x {N_FEATURES} float32 "
        f"({file_mib:,.0f} MiB file), 1 epoch, batch 256, network 50-128-128-8; "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  fit time                          {r['seconds']:>8.1f} s "
        f"({args.rows / r['seconds']:,.0f} rows/s incl. statistics and diagnostics passes)"
    )
    print(
        f"  extra anonymous memory at peak    {r['peak_anon_extra_mib']:>8.0f} MiB "
        f"(one chunk = {chunk_mib:.0f} MiB; X = {file_mib:,.0f} MiB)"
    )
    print(f"  peak RSS incl. mapped file cache  {r['peak_rss_mib']:>8.0f} MiB")
    print(f"  final training loss               {r['loss']:>8.2f} nats/row")


if __name__ == "__main__":
    main()
