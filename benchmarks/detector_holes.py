"""Rows with holes under ``VAEOutlierDetector``: do they rank with complete rows?

Protocol: palmerpenguins as it ships (344 rows, 8 columns: ``species``, ``island`` and
``sex`` categorical, ``year`` an integer; 11 rows have holes: 9 miss ``sex``, 2 miss
``sex`` and all four measurements), one ``VAEOutlierDetector(random_state=0)`` fitted on
all of it (defaults), which then scores its own rows. Printed: the mean score of the
complete rows, of the rows missing ``sex`` only and of the rows missing the
measurements, and for each of the latter how many of the 344 rows score lower; then a
row the data never show, a Gentoo penguin (the first one) moved to the island Dream
with its four measurements missing: its score, the share of the table's rows scoring
lower, and whether the detector flags it (its threshold ``offset_`` is printed too).

A detector that scored log p(x_observed) would put rows with holes at the top (the
more they miss, the more normal); one that scores E[log p(x) | x_observed] keeps them
among the complete rows. docs/anomaly_detection.rst (section "Rows with missing values")
has the numbers before and after.

Run:  python benchmarks/detector_holes.py          (about 15 s on 2 CPU cores)
"""

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from palmerpenguins import load_penguins  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEOutlierDetector  # noqa: E402

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def main():
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    penguins = load_penguins()
    detector = VAEOutlierDetector(random_state=0).fit(penguins)
    scores = detector.score_samples(penguins)
    holes = penguins.isna()
    groups = {
        "complete rows": ~holes.any(axis=1),
        "rows missing sex only": holes["sex"] & ~holes[MEASUREMENTS].any(axis=1),
        "rows missing the measurements": holes[MEASUREMENTS].all(axis=1),
    }
    print("| rows | count | mean score |")
    print("|---|---:|---:|")
    for name, rows in groups.items():
        print(f"| {name} | {rows.sum()} | {scores[rows.to_numpy()].mean():.2f} |")
    for score in scores[groups["rows missing the measurements"].to_numpy()]:
        print(f"row missing the measurements: {score:.2f}, {np.sum(scores < score)} rows lower")
    unseen = penguins[penguins["species"] == "Gentoo"].iloc[[0]].copy()
    unseen["island"] = "Dream"
    unseen[MEASUREMENTS] = np.nan
    score = detector.score_samples(unseen)[0]
    print(
        f"Gentoo on Dream, measurements missing: {score:.2f}; {np.mean(scores < score):.1%} "
        f"of the rows score lower; offset_ {detector.offset_:.2f}; flagged: "
        f"{bool(detector.predict(unseen)[0] == -1)}"
    )


if __name__ == "__main__":
    main()
