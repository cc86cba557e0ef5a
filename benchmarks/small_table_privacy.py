"""Synthetic rows of small tables: how close to the training rows, calibrated or not.

``sample()`` maps each numeric column onto the training column's quantile function
(``marginals="auto"``, see docs/synthetic_data.rst). With tens of training rows that
function is the training values joined by straight lines, and a draw lands in the gap
between two neighbouring training values with the same probability 1 / (n - 1) for every
gap, where a fresh real value lands in a wide gap more often than in a narrow one: the
calibrated draws sit nearer the training values than fresh real rows do. This script
measures it on the 15 statsmodels tables of 16 to 301 rows that no default was chosen on
(``benchmarks/density.py --tables small``): per table and split (70 % of the rows to fit
``VAETransformer(random_state=seed)``, 30 % as the holdout), 2,000 rows drawn with
``marginals="auto"`` (the default) and with ``marginals="model"`` (the model's own
draws), and for each the DCR ratio and ``share_closer`` of
:func:`skvae.metrics.distance_to_closest_record` (a ratio below 1: synthetic rows closer
to the training rows than the holdout rows are) and the mean KS / TV distance of each
column to the holdout rows (:func:`skvae.metrics.marginal_distances`; fidelity to rows
the model did not see).

Run: ``python benchmarks/small_table_privacy.py`` (4 splits per table, about 15 minutes
on 2 cores; ``--splits 2`` halves it, ``--tables heart engel`` for a subset).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

N_DRAWS = 2000


def measure(X, seed):
    """{marginals: (DCR ratio, share_closer, mean KS/TV to the holdout)} for one split."""
    from sklearn.model_selection import train_test_split

    from skvae import PosteriorCollapseWarning, VAETransformer
    from skvae.metrics import distance_to_closest_record, marginal_distances

    train, holdout = train_test_split(X, test_size=0.3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        vae = VAETransformer(random_state=seed).fit(train)
    result = {}
    for marginals in ("auto", "model"):
        synthetic = vae.sample(N_DRAWS, random_state=seed, marginals=marginals)
        dcr = distance_to_closest_record(train, synthetic, holdout)
        fidelity = marginal_distances(holdout, synthetic).mean()
        result[marginals] = (dcr["ratio"], dcr["share_closer"], fidelity)
    return result


def main(argv=None):
    from density import SMALL_TABLES, TABLES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=4, help="splits per table (default 4)")
    parser.add_argument("--tables", nargs="+", choices=list(SMALL_TABLES), default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(
        "table (rows x cols) | marginals | DCR ratio mean (worst) | share_closer | "
        f"KS/TV to holdout | mean over {args.splits} splits"
    )
    summary = {"auto": [], "model": []}
    for name in args.tables or SMALL_TABLES:
        X = TABLES[name]()
        splits = [measure(X, seed) for seed in range(args.splits)]
        for marginals in ("auto", "model"):
            values = np.array([split[marginals] for split in splits])
            summary[marginals].append(values.mean(axis=0))
            print(
                f"{name} ({X.shape[0]} x {X.shape[1]}) | {marginals} | "
                f"{values[:, 0].mean():.2f} ({values[:, 0].min():.2f}) | "
                f"{values[:, 1].mean():.3f} | {values[:, 2].mean():.3f}",
                flush=True,
            )
    for marginals, rows in summary.items():
        rows = np.array(rows)
        print(
            f"over the tables, {marginals}: DCR ratio mean {rows[:, 0].mean():.2f}, median "
            f"{np.median(rows[:, 0]):.2f}, worst {rows[:, 0].min():.2f}, below 1 on "
            f"{int((rows[:, 0] < 1).sum())} of {len(rows)}; KS/TV to holdout mean "
            f"{rows[:, 2].mean():.3f}"
        )
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
