"""Few training rows per column: does ``VAEOutlierDetector``'s threshold hold on new rows?

Protocol: generated tables of n training rows and p columns from a 3-factor model
(loadings N(0, 1), factors N(0, 1), noise sd 0.5), with no anomaly among the training
rows; 200 new rows drawn the same way and 20 anomalies (rows of the same model plus
N(0, 2^2) noise in every column, off the factors' plane). For each (n, p) and seeds 0 to
2, each detector is fitted on the n rows at its defaults (``contamination="auto"``
where it has one) and reports:

- ``flagged``: the share of the 200 new normal rows that ``predict`` flags (-1), against
  the share of its own training rows (``train``): a threshold that holds flags about as
  many of both;
- ``AP``: the average precision of ``-score_samples`` at ranking the 20 anomalies among
  the 220 new rows (0.09 for a random ranking).

Contenders: ``VAEOutlierDetector(random_state=0)`` (defaults, ``whiten="auto"``), the same
with ``whiten=False``, ``IsolationForest(random_state=0)`` and
``LocalOutlierFactor(novelty=True)``. The table gives the mean over the seeds, then the
mean, median and worst over all cells (worst: the largest flagged share, the smallest
AP). docs/anomaly_detection.rst (section "Few rows per column") has the numbers.

Run:  python benchmarks/detector_few_rows.py          (about 3 minutes on 2 CPU cores)
"""

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.metrics import average_precision_score  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEOutlierDetector  # noqa: E402

SHAPES = [(30, 60), (60, 40), (40, 20), (60, 20), (100, 20), (60, 10), (200, 10)]
SEEDS = [0, 1, 2]
DETECTORS = {
    "VAE": lambda: VAEOutlierDetector(random_state=0),
    "VAE whiten=False": lambda: VAEOutlierDetector(whiten=False, random_state=0),
    "IsolationForest": lambda: IsolationForest(random_state=0),
    "LOF": lambda: LocalOutlierFactor(novelty=True),
}


def task(n, p, seed):
    """(training rows, new rows, labels of the new rows: 1 for the 20 anomalies)."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(3, p))

    def draw(m):
        return rng.normal(size=(m, 3)) @ loadings + rng.normal(0, 0.5, (m, p))

    train, normal = draw(n), draw(200)
    anomalies = draw(20) + rng.normal(0, 2.0, (20, p))
    return train, np.vstack([normal, anomalies]), np.r_[np.zeros(200), np.ones(20)]


def main():
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    cells = {name: [] for name in DETECTORS}
    print("| rows x columns | detector | train flagged | new rows flagged | AP |")
    print("|---|---|---:|---:|---:|")
    for n, p in SHAPES:
        per_seed = {name: [] for name in DETECTORS}
        for seed in SEEDS:
            train, new, labels = task(n, p, seed)
            for name, make in DETECTORS.items():
                detector = make().fit(train)
                normal = new[labels == 0]
                per_seed[name].append(
                    (
                        np.mean(detector.predict(train) == -1),
                        np.mean(detector.predict(normal) == -1),
                        average_precision_score(labels, -detector.score_samples(new)),
                    )
                )
        for name, values in per_seed.items():
            train_share, new_share, ap = np.mean(values, axis=0)
            cells[name].append((new_share, ap))
            print(f"| {n} x {p} | {name} | {train_share:.2f} | {new_share:.2f} | {ap:.3f} |")
    print()
    print("| detector | flagged mean | median | worst | AP mean | median | worst |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in cells.items():
        flagged, ap = np.array(values).T
        print(
            f"| {name} | {flagged.mean():.2f} | {np.median(flagged):.2f} | {flagged.max():.2f} "
            f"| {ap.mean():.3f} | {np.median(ap):.3f} | {ap.min():.3f} |"
        )


if __name__ == "__main__":
    main()
