"""Background share of score_samples: which weight and which tails (a measurement).

``score_samples`` reports log((1 - w) p_VAE(x) + w b(x)) with w = 0.01 and b a
multivariate Cauchy over the real-valued columns (skvae._vae._background). This script
shows what that choice does and what its alternatives would have done, on the splits of
``benchmarks/density.py``: each default ``VAETransformer`` is fitted once per split, its
held-out rows (and the probe row, moved 10 training standard deviations in one column)
are scored by the network alone, and the mixtures are formed afterwards from the same
scores, for w in {0, 0.001, 0.01, 0.05} and a background with 1 (the default), 3 or 10
degrees of freedom (the same location and scatter; a scatter scaled by (nu - 2) / nu for
nu > 2, so that its covariance is the shrunk correlation). It prints, per table and
setting, the mean, the median and the worst held-out row over all splits, and the mean
probe score, in nats per row. The real-valued tables of the suite only: the background's
discrete factors do not depend on nu.

Run: ``python benchmarks/background_share.py`` (about 5 minutes on 2 cores;
``--tables wine iris`` for a subset, ``--jobs 2`` fits two splits at once).
"""

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import gammaln

sys.path.insert(0, str(Path(__file__).parent))

TABLES = ["wine", "breast_cancer", "diabetes", "iris", "penguins", "fa_scales", "student_t"]
WEIGHTS = (0.0, 0.001, 0.01, 0.05)
DEGREES_OF_FREEDOM = (1, 3, 10)


def student_t_background(background, X, nu):
    """log b(x) of complete rows X under a multivariate Student-t with ``nu`` degrees of
    freedom and the background's location and scatter (nu = 1 is skvae's background)."""
    real = background["real"]
    U = (X[:, real] - background["mean"][real]) / background["scale"][real]
    scatter = background["scatter"] * ((nu - 2) / nu if nu > 2 else 1.0)
    cholesky = np.linalg.cholesky(scatter)
    squared = (solve_triangular(cholesky, U.T, lower=True) ** 2).sum(axis=0)
    k = U.shape[1]
    return (
        gammaln((nu + k) / 2)
        - gammaln(nu / 2)
        - 0.5 * k * np.log(nu * np.pi)
        - np.log(np.diag(cholesky)).sum()
        - 0.5 * (nu + k) * np.log1p(squared / nu)
        - np.log(background["scale"][real]).sum()
    )


def run_split(table, split_index):
    """{(nu, w): (held-out scores, probe score)} of one split."""
    import density

    from skvae._vae._background import background_log_density, with_background

    X, perturb_test = density.load_table(table)
    train, test = density.splits(X, density.N_SPLITS)[split_index]
    X_train, X_test = X[train], X[test]
    if perturb_test is None:
        probe = density._probe_row(X_test, X_train)
    else:
        X_test, index = perturb_test(X_test, X_train, np.random.default_rng(split_index))
        probe = X_test[index : index + 1]
    vae, _ = density.fit_skvae(X_train, split_index, {})
    rows = np.vstack([X_test, probe])
    background = vae._background
    # The default background reproduces skvae's own (a check of this script's formula).
    assert np.allclose(
        student_t_background(background, rows, 1), background_log_density(background, rows)
    )
    vae._background = None
    network = vae.score_samples(rows)
    results = {}
    for nu in DEGREES_OF_FREEDOM:
        b = student_t_background(background, rows, nu)
        for w in WEIGHTS:
            mixed = network if w == 0 else with_background(network, b, w)
            results[nu, w] = (mixed[:-1], mixed[-1])
    return results


def main(tables, jobs):
    import density

    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) if jobs > 1 else None
    futures = {
        (t, i): pool.submit(run_split, t, i) if pool else (t, i)
        for t in tables
        for i in range(density.N_SPLITS)
    }
    print("table          nu      w     mean   median     worst   10sd row")
    for table in tables:
        per_split = [
            futures[table, i].result() if pool else run_split(*futures[table, i])
            for i in range(density.N_SPLITS)
        ]
        for nu in DEGREES_OF_FREEDOM:
            for w in WEIGHTS:
                if w == 0 and nu != DEGREES_OF_FREEDOM[0]:
                    continue  # the network alone: one row per table
                scores = np.concatenate([split[nu, w][0] for split in per_split])
                probe = np.mean([split[nu, w][1] for split in per_split])
                print(
                    f"{table:14s} {'-' if w == 0 else nu:>2} {w:6.3f} {scores.mean():8.2f} "
                    f"{np.median(scores):8.2f} {scores.min():9.2f} {probe:10.2f}"
                )
    if pool:
        pool.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=TABLES, choices=TABLES, metavar="NAME")
    parser.add_argument("--jobs", type=int, default=1, help="splits fitted in parallel")
    args = parser.parse_args()
    main(args.tables, args.jobs)
