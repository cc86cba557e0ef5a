"""BLAS threads for skvae's small linear algebra: the library's default against one.

skvae runs its linear algebra outside the networks (the EM of factor analysis on
incomplete rows, the imputer's latent mixture, the aggregate posterior's Gaussian
mixture, whitening, the background share) with one BLAS thread (``skvae._blas``). This
script times the kernels those functions are made of, on the shapes they meet, with
the BLAS libraries' default thread count and with one thread, interleaved, and prints
the median of 5 rounds of each:

- ``mixture``: ``GaussianMixture(10, covariance_type="full")`` on 2000 codes of 23
  dimensions (the aggregate posterior of a 500-column table's ``n_components="sqrt"``);
- ``eigh``: 100 eigendecompositions of a 30 x 30 covariance (factor analysis's EM);
- ``stacked inverse``: 20 inverses of 569 stacked 30 x 30 precisions (the posterior
  covariances of breast cancer's rows);
- ``skvae first sample``: the first ``sample`` of a ``VAETransformer(max_iter=5)``
  fitted on 2000 x 500 generated rows, whose aggregate posterior is fitted then (with
  skvae's own single thread, whatever the setting: the row shows what is left).

``--load N`` runs N other processes that fit VAEs (``nice -n 19``) during the timing,
as a search with ``n_jobs`` or a test run with ``-n 2`` does.

Run:  python benchmarks/blas_threads.py            (about 2 minutes on 2 CPU cores)
      python benchmarks/blas_threads.py --load 1
"""

import argparse
import os
import subprocess
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

LOAD = """
import warnings; warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from skvae import VAETransformer
X = load_digits(return_X_y=True)[0]
while True:
    VAETransformer(max_iter=30, random_state=0).fit(X).score_samples(X)
"""


def kernels():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2000, 23))
    A = rng.normal(size=(200, 30))
    covariance = A.T @ A / 200
    B = rng.normal(size=(569, 30, 40))
    precisions = np.eye(30) + B @ np.swapaxes(B, 1, 2) / 40

    def mixture():
        GaussianMixture(10, covariance_type="full", reg_covar=1e-4, random_state=0).fit(codes)

    def eigh():
        for _ in range(100):
            np.linalg.eigh(covariance)

    def stacked_inverse():
        for _ in range(20):
            np.linalg.inv(precisions)

    return {"mixture": mixture, "eigh": eigh, "stacked inverse": stacked_inverse}


def first_sample():
    from skvae import VAETransformer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10)) @ rng.normal(size=(10, 500))
    X += 0.5 * rng.normal(size=X.shape)
    seeds = iter(range(100))

    def run():
        vae = VAETransformer(max_iter=5, random_state=next(seeds)).fit(X)
        start = time.perf_counter()
        vae.sample(10, random_state=0)
        return time.perf_counter() - start

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--load", type=int, default=0, help="other VAE-fitting processes")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    cases = kernels()
    cases["skvae first sample"] = first_sample()
    cases["skvae first sample"]()  # traces the graphs before the timing
    blas = [
        (i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"
    ]
    loads = [
        subprocess.Popen(
            ["nice", "-n", "19", sys.executable, "-c", LOAD],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(args.load)
    ]
    try:
        time.sleep(10 if loads else 0)  # the loads get going
        times = {name: {"default": [], "one": []} for name in cases}
        for r in range(args.rounds):
            for setting in ("default", "one") if r % 2 == 0 else ("one", "default"):
                with threadpool_limits(1 if setting == "one" else None, user_api="blas"):
                    for name, case in cases.items():
                        start = time.perf_counter()
                        seconds = case()
                        times[name][setting].append(seconds or time.perf_counter() - start)
    finally:
        for process in loads:
            process.kill()
    print(
        f"BLAS libraries (threads by default): {blas}; {args.load} loading process(es); "
        f"median of {args.rounds} rounds, seconds"
    )
    print("| kernel | default threads | one thread | default / one |")
    print("|---|---|---|---|")
    for name, by_setting in times.items():
        default, one = np.median(by_setting["default"]), np.median(by_setting["one"])
        print(f"| {name} | {default:.3f} | {one:.3f} | {default / one:.2f} |")


if __name__ == "__main__":
    main()
