"""How skvae's costs grow: prediction throughput and memory, fit time vs rows and features.

Three tables, each row measured in a fresh subprocess so that its peak memory is its own:

1. ``transform``, ``score_samples`` (``n_importance_samples`` = 100, the default) and
   ``sample`` on many rows (1M by default) of 50 features, with a model of hidden layers
   (128, 128) and 8 latents: rows/s, and the extra peak resident memory of the call (peak
   RSS during the call minus RSS before it; Linux's VmHWM, reset before the call). The
   "rows x draws x features" column is what scoring would need if it materialised every
   importance draw of every row; the measured extra memory stays far below it because
   scoring runs in fixed-size chunks.
2. ``fit`` wall time vs number of rows (10k to 1M, 2 epochs): time per row-epoch should be
   flat (linear cost in rows).
3. ``fit`` wall time vs number of features (10 to 1000; 20k rows, 2 epochs).

Run:  python benchmarks/scaling.py            (about 15 minutes on 2 idle CPU cores)
      python benchmarks/scaling.py --quick    (100k-row prediction, curves to 100k; ~3 min)
      python benchmarks/scaling.py --predict-only   (the 1M-row prediction table alone)

Times include everything a user waits for (model building, tracing), so the smallest
sizes carry a fixed overhead of a few seconds. On a shared machine absolute times are
noisy; read the trends.
"""

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

HIDDEN = (128, 128)
N_LATENT = 8


def make_data(n_rows, n_features, seed=0):
    """Rows of a nonlinear 8-factor model, float64."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N_LATENT, n_features))
    X = np.empty((n_rows, n_features))
    for start in range(0, n_rows, 100_000):  # in blocks, to keep the generator's temporaries small
        z = rng.standard_normal((min(100_000, n_rows - start), N_LATENT))
        X[start : start + len(z)] = np.tanh(z @ W / 2) + 0.1 * rng.standard_normal(
            (len(z), n_features)
        )
    return X


def rss_mib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def child(task):
    """Run one measurement in this (fresh) process and print its result as JSON."""
    from skvae import VAETransformer

    kind, n_rows, n_features = task["kind"], task["rows"], task["features"]
    if kind == "fit":
        X = make_data(n_rows, n_features)
        vae = VAETransformer(
            n_components=N_LATENT,
            likelihood="gaussian",
            hidden_layer_sizes=HIDDEN,
            batch_size=256,
            max_iter=2,
            random_state=0,
        )
        t0 = time.perf_counter()
        vae.fit(X)
        print(json.dumps({"seconds": time.perf_counter() - t0}))
        return
    vae = VAETransformer(
        n_components=N_LATENT,
        likelihood="gaussian",
        hidden_layer_sizes=HIDDEN,
        batch_size=256,
        max_iter=2,
        random_state=0,
    ).fit(make_data(20_000, n_features))
    X = make_data(n_rows, n_features, seed=1) if kind != "sample" else None
    call = {
        "transform": lambda: vae.transform(X),
        "score_samples": lambda: vae.score_samples(X),
        "sample": lambda: vae.sample(n_rows, random_state=0),
    }[kind]
    vae.transform(make_data(10, n_features))  # warm-up: first-call tracing excluded
    vae.score_samples(make_data(10, n_features))
    before = rss_mib("VmRSS")
    reset_peak_rss()
    t0 = time.perf_counter()
    call()
    seconds = time.perf_counter() - t0
    print(
        json.dumps({"seconds": seconds, "extra_mib": rss_mib("VmHWM") - before, "base_mib": before})
    )


def measure(task):
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (~3 minutes)")
    parser.add_argument(
        "--predict-only", action="store_true", help="only the prediction table (~2 minutes)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(json.loads(args.child))

    n_predict = 100_000 if args.quick else 1_000_000
    n_features = 50
    print(
        f"Prediction on {n_predict:,} rows x {n_features} features, network "
        f"{n_features}-{'-'.join(map(str, HIDDEN))}-{N_LATENT}, 100 importance draws; "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}"
    )
    materialised = n_predict * 100 * n_features * 4 / 2**20
    x_mib = n_predict * n_features * 8 / 2**20
    print(
        f"{'method':<15} {'rows/s':>10} {'seconds':>8} {'extra peak MiB':>15} {'X MiB':>7} "
        f"{'rows x draws x features MiB':>28}"
    )
    for kind in ("transform", "score_samples", "sample"):
        r = measure({"kind": kind, "rows": n_predict, "features": n_features})
        print(
            f"{kind:<15} {n_predict / r['seconds']:>10,.0f} {r['seconds']:>8.1f} "
            f"{r['extra_mib']:>15,.0f} {x_mib if kind != 'sample' else 0:>7,.0f} "
            f"{materialised if kind == 'score_samples' else 0:>28,.0f}"
        )

    if args.predict_only:
        return None
    rows_grid = [10_000, 30_000, 100_000] + ([] if args.quick else [300_000, 1_000_000])
    print(f"\nfit (2 epochs, batch 256) vs rows, {n_features} features")
    print(f"{'rows':>10} {'seconds':>8} {'us per row-epoch':>17}")
    for n in rows_grid:
        r = measure({"kind": "fit", "rows": n, "features": n_features})
        print(f"{n:>10,} {r['seconds']:>8.1f} {1e6 * r['seconds'] / (2 * n):>17.1f}")

    features_grid = [10, 100, 1000] if args.quick else [10, 30, 100, 300, 1000]
    print("\nfit (2 epochs, batch 256) vs features, 20,000 rows")
    print(f"{'features':>10} {'seconds':>8} {'us per row-epoch':>17}")
    for d in features_grid:
        r = measure({"kind": "fit", "rows": 20_000, "features": d})
        print(f"{d:>10,} {r['seconds']:>8.1f} {1e6 * r['seconds'] / (2 * 20_000):>17.1f}")


if __name__ == "__main__":
    main()
