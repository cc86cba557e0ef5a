"""Imputation benchmark: VAEImputer at its defaults against the imputers a user would pick.

The question a user asks before picking ``VAEImputer``: does it, called as a new user
calls it (``VAEImputer(random_state=0)``, no hand-picked settings), fill holes better than
scikit-learn's imputers, under which kinds of missingness, at what cost, and are its
multiple imputations calibrated? Every imputer is fitted on the incomplete table and fills
it (``fit_transform``), all of them on exactly the same holes in the same run.

Tables: scikit-learn's ``load_iris`` (150 x 4), ``load_wine`` (178 x 13),
``load_breast_cancer`` (569 x 30) and ``load_diabetes(scaled=False)`` (442 x 10, X only),
and a mixed frame made from wine: its 12 other measurements as floats, ``magnesium`` as an
integer column (nullable ``Int64``), a boolean ``strong`` (alcohol above the median,
nullable ``boolean``) and the cultivar as a categorical column (15 columns).

Missingness, three kinds, each with the masks of seeds 0, 1 and 2 (one uniform draw u per
cell from ``np.random.default_rng(seed)``):

* ``MCAR 20%`` and ``MCAR 50%``: a cell is removed when u < 0.2 (0.5), completely at
  random (the 20% holes of a seed are a subset of its 50% holes);
* ``MAR``: the driver, the column with the largest mean absolute correlation with the
  others (on the complete table; for the mixed frame among the 13 measurements: iris's
  petal length, wine's flavanoids, breast cancer's mean concavity, diabetes's s4), is
  never removed; a cell of any other column is removed when u < 0.4 in rows where the
  driver is above its median and when u < 0.1 in the others (25% of those columns' cells,
  18% to 25% of all cells). Which cells are missing depends on observed values only, and
  the holes are concentrated in rows with a high driver, so the observed part of a column
  correlated with the driver is a biased sample of it.

Imputers (the mixed frame's encodings below):

* ``SimpleImputer``: the column mean;
* ``KNNImputer``: the defaults (5 neighbours), on columns standardised with their observed
  mean and standard deviation (so that no column's units dominate the distance) and
  unstandardised afterwards;
* ``IterativeImputer``: ``IterativeImputer(max_iter=20, random_state=0)``, round-robin
  ``BayesianRidge`` regressions;
* ``missForest``: ``IterativeImputer(estimator=ExtraTreesRegressor(n_estimators=100,
  max_features="sqrt", random_state=0), max_iter=10, random_state=0)``, the recipe of the
  R package missForest (100 trees, sqrt(p) candidate columns per split, 10 rounds) with
  scikit-learn's extremely randomised trees;
* ``VAEImputer``: ``VAEImputer(random_state=0)``, its defaults;
* with ``--previous``, a labelled extra row ``VAEImputer, previous defaults``:
  ``VAEImputer(n_components=2, batch_size=min(128, max(32, n_rows // 4)),
  random_state=0)``, the defaults before ``n_components="auto"`` and the imputer's own
  ``batch_size="auto"`` rule. It is not counted in the wins.

Reported for every (table, missingness) cell: the RMSE over the removed cells, every
column in units of its standard deviation in the complete table (so each column counts
equally), mean over the 3 masks; the best in bold. Then, per imputer, the mean, the
median and the worst (largest) of these RMSEs over all cells, the number of cells it wins
(lowest RMSE at three decimals; a tie counts for each) and its mean fit+transform seconds
per mask. For the mixed frame the RMSE is over its 13 numeric columns (the integer column
rounded) and a separate table adds the accuracy over the boolean holes and over the
cultivar holes. ``VAEImputer`` takes the frame as it is. scikit-learn's imputers need
numbers, so they get an encoding: numeric columns standardised with their observed mean
and standard deviation, the boolean as 0/1, the cultivar one-hot (three indicator
columns, all NaN where the cultivar is missing) or, for ``IterativeImputer``, dummy-coded
(the first indicator dropped: with all three, each indicator is an exact linear function
of the other two, and the round-robin regressions stay stuck at the initial mean fill,
i.e. at the most frequent cultivar; the mixed table shows that row too). Their output is
decoded back: numbers unstandardised (the integer column rounded), the boolean
thresholded at 0.5, the cultivar as the argmax of the filled indicators (the dropped one
taken as 1 minus the others). ``SimpleImputer`` fills numeric columns with the mean, and
the boolean and the cultivar with their most frequent value.

Multiple imputation (numeric tables, the mask of seed 0): ``N_DRAWS = 50`` completed
copies per cell, from the fitted default ``VAEImputer``'s ``multiple_imputations(X,
n_imputations=50, random_state=0)``, each copy under parameters refitted to a
table simulated from the model (its default ``parameter_uncertainty=True``), and under the
fitted parameters (``parameter_uncertainty=False``, the row ``VAEImputer, fixed
parameters``) and, as the baseline, from 50 fits of
``IterativeImputer(sample_posterior=True, max_iter=10, random_state=k)``, k = 0..49 (each
fit the last state of an independent chain, as in MICE). Per hole, the 5th to 95th
percentile of its 50 draws is a 90% interval; reported: the share of the held-out true
values inside their interval (about 0.90 when the draws are calibrated) and the mean
interval width in column standard deviations (a wider interval covers more for free).

New rows (``--new-rows``): the other way imputers are used, fitted once on complete
rows and then filling the holes of new rows. Per seed (0, 1, 2) each numeric table is
split 70/30 (``train_test_split(random_state=seed)``); every imputer is fitted on the
complete 70% and fills the 30% under the three kinds of missingness above (the masks
drawn on the held-out rows, the MAR driver's median taken there). ``KNNImputer`` is
standardised with the training rows' mean and deviation. Fitted on complete rows,
``IterativeImputer`` (BayesianRidge and missForest's trees alike) stops after one round
(``n_iter_`` is 1: nothing changes between rounds without holes), and ``transform`` then
runs that single round from the mean fill, so two more rows give the user's stronger
choice: ``IterativeImputer, fitted with the new rows`` and ``missForest, fitted with the
new rows`` (``fit_transform`` on the training rows stacked on the new rows with holes,
transductively, as the main table fits). RMSE as above, mean over the 3 seeds; seconds
are one fit plus one ``transform`` (transductive rows: one ``fit_transform``).

Run:  python benchmarks/imputation.py           (everything, about 25 min on 2 cores:
                                                 missForest's fits are a third of it)
      python benchmarks/imputation.py --previous  (adds the previous defaults' row)
      python benchmarks/imputation.py --quick   (seed 0's masks only and 20 draws, about a
                                                 third of the time)
      python benchmarks/imputation.py --mixed   (the mixed frame only, about 3 min)
      python benchmarks/imputation.py --coverage  (the coverage table only, about 8 min)
      python benchmarks/imputation.py --new-rows  (fitted on complete rows, filling new
                                                 rows; about 10 min)
      python benchmarks/imputation.py --unseen --quick
                                                (statsmodels' seven bundled tables that no
                                                 default was chosen on, numeric columns as in
                                                 benchmarks/density.py; seed 0's masks; no
                                                 coverage; needs statsmodels; about 5 min)
      python benchmarks/imputation.py --small   (statsmodels' 15 tables of 16 to 301 rows
                                                 of benchmarks/density.py --tables small; all
                                                 3 seeds' masks; no coverage; about 6 min)
"""

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_wine,
)
from sklearn.ensemble import ExtraTreesRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEImputer  # noqa: E402

SEEDS = (0, 1, 2)
N_DRAWS = 50
MISSINGNESS = ("MCAR 20%", "MCAR 50%", "MAR")
MCAR_FRACTION = {"MCAR 20%": 0.2, "MCAR 50%": 0.5}
MAR_FRACTION_HIGH, MAR_FRACTION_LOW = 0.4, 0.1  # driver above / not above its median
MIXED = "wine (mixed frame)"
PREVIOUS = "VAEImputer, previous defaults"
FIXED = "VAEImputer, fixed parameters"
CATEGORICAL = ("strong", "cultivar")


def numeric_tables():
    return {
        "iris": load_iris().data,
        "wine": load_wine().data,
        "breast cancer": load_breast_cancer().data,
        "diabetes": load_diabetes(scaled=False).data,
    }


def mar_driver(values):
    """The column with the largest mean absolute correlation with the other columns."""
    correlation = np.abs(np.corrcoef(values, rowvar=False))
    np.fill_diagonal(correlation, 0.0)
    return int(correlation.sum(axis=0).argmax())


def make_mask(missingness, shape, driver, seed):
    """Boolean mask of the cells to remove; ``driver`` is ``(values, column index)`` of
    the MAR driver column (unused for MCAR)."""
    u = np.random.default_rng(seed).uniform(size=shape)
    if missingness in MCAR_FRACTION:
        return u < MCAR_FRACTION[missingness]
    values, driver = driver
    high = values > np.median(values)
    mask = u < np.where(high, MAR_FRACTION_HIGH, MAR_FRACTION_LOW)[:, None]
    mask[:, driver] = False
    return mask


class Standardised:
    """An imputer run on columns standardised with their observed mean and std."""

    def __init__(self, imputer):
        self.imputer = imputer

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def fit(self, X):
        self.mean, self.std = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        self.imputer.fit((X - self.mean) / self.std)
        return self

    def transform(self, X):
        return self.imputer.transform((X - self.mean) / self.std) * self.std + self.mean


def missforest():
    return IterativeImputer(
        estimator=ExtraTreesRegressor(n_estimators=100, max_features="sqrt", random_state=0),
        max_iter=10,
        random_state=0,
    )


def imputers(n_rows, previous=False):
    models = {
        "SimpleImputer": SimpleImputer(strategy="mean"),
        "KNNImputer": Standardised(KNNImputer()),
        "IterativeImputer": IterativeImputer(max_iter=20, random_state=0),
        "missForest": missforest(),
        "VAEImputer": VAEImputer(random_state=0),
    }
    if previous:
        batch_size = min(128, max(32, n_rows // 4))
        models[PREVIOUS] = VAEImputer(n_components=2, batch_size=batch_size, random_state=0)
    return models


# The rows of the imputers fitted with the new rows: {row label: imputer in imputers()}.
TRANSDUCTIVE = {
    "IterativeImputer, fitted with the new rows": "IterativeImputer",
    "missForest, fitted with the new rows": "missForest",
}


def run_new_rows(X, seeds):
    """{missingness: {imputer: (RMSE, seconds)}} for imputers fitted on complete training
    rows and filling held-out rows with holes (see the module docstring)."""
    from sklearn.model_selection import train_test_split

    scale, driver = X.std(axis=0), mar_driver(X)
    results = {m: {} for m in MISSINGNESS}
    for seed in seeds:
        train, test = train_test_split(X, test_size=0.3, random_state=seed)
        masks = {m: make_mask(m, test.shape, (test[:, driver], driver), seed) for m in MISSINGNESS}
        inductive = imputers(len(train))
        for name, imputer in inductive.items():
            start = time.perf_counter()
            imputer.fit(train)
            fit_seconds = time.perf_counter() - start
            for missingness, mask in masks.items():
                start = time.perf_counter()
                filled = imputer.transform(np.where(mask, np.nan, test))
                seconds = fit_seconds + time.perf_counter() - start
                results[missingness].setdefault(name, []).append(
                    (rmse(filled, test, mask, scale), seconds)
                )
        for name, base in TRANSDUCTIVE.items():
            for missingness, mask in masks.items():
                imputer = imputers(len(train) + len(test))[base]
                start = time.perf_counter()
                stacked = np.vstack([train, np.where(mask, np.nan, test)])
                filled = imputer.fit_transform(stacked)[len(train) :]
                results[missingness].setdefault(name, []).append(
                    (rmse(filled, test, mask, scale), time.perf_counter() - start)
                )
    return {
        m: {name: tuple(np.mean(values, axis=0)) for name, values in row.items()}
        for m, row in results.items()
    }


def rmse(filled, X, mask, scale):
    return float(np.sqrt(np.mean((((filled - X) / scale)[mask]) ** 2)))


def interval_coverage(draws, X, mask, scale):
    """Share of the true values in the 5-95 percentile interval of their draws, and the
    mean width of those intervals in column standard deviations."""
    low, high = np.percentile(draws, [5, 95], axis=0)
    inside = (X >= low) & (X <= high)
    return float(np.mean(inside[mask])), float(np.mean(((high - low) / scale)[mask]))


def unseen_tables():
    """statsmodels' bundled tables that no default of skvae was chosen on (the numeric
    columns of benchmarks/density.py's UNSEEN_TABLES), without their constant columns."""
    from density import TABLES, UNSEEN_TABLES

    tables = {name: TABLES[name]() for name in UNSEEN_TABLES}
    return {name: X[:, X.std(axis=0) > 0] for name, X in tables.items()}


def small_tables():
    """statsmodels' small bundled tables (16 to 301 rows) that no default of skvae was
    chosen on (benchmarks/density.py's SMALL_TABLES), without their constant columns."""
    from density import SMALL_TABLES, TABLES

    tables = {name: TABLES[name]() for name in SMALL_TABLES}
    return {name: X[:, X.std(axis=0) > 0] for name, X in tables.items()}


def run_numeric(X, seeds, n_draws, previous, with_coverage=True, only=None):
    """{missingness: {imputer: (RMSE, seconds)}} and {missingness: {method: coverage}};
    ``only``: the names of the imputers to fit (all when None)."""
    scale = X.std(axis=0)
    driver = mar_driver(X)
    table, coverage = {}, {}
    for missingness in MISSINGNESS:
        errors, seconds = {}, {}
        for seed in seeds:
            mask = make_mask(missingness, X.shape, (X[:, driver], driver), seed)
            X_missing = np.where(mask, np.nan, X)
            for name, imputer in imputers(X.shape[0], previous).items():
                if only is not None and name not in only:
                    continue
                start = time.perf_counter()
                filled = imputer.fit_transform(X_missing)
                seconds.setdefault(name, []).append(time.perf_counter() - start)
                errors.setdefault(name, []).append(rmse(filled, X, mask, scale))
                if with_coverage and seed == seeds[0] and name == "VAEImputer":
                    coverage[missingness] = {
                        label: interval_coverage(
                            imputer.multiple_imputations(
                                X_missing,
                                n_imputations=n_draws,
                                random_state=0,
                                parameter_uncertainty=refit,
                            ),
                            X,
                            mask,
                            scale,
                        )
                        for label, refit in (("VAEImputer", True), (FIXED, False))
                    }
            if with_coverage and seed == seeds[0]:
                draws = np.stack(
                    [
                        IterativeImputer(
                            sample_posterior=True, max_iter=10, random_state=k
                        ).fit_transform(X_missing)
                        for k in range(n_draws)
                    ]
                )
                coverage[missingness]["IterativeImputer"] = interval_coverage(draws, X, mask, scale)
        table[missingness] = {
            name: (float(np.mean(errors[name])), float(np.mean(seconds[name]))) for name in errors
        }
    return table, coverage


def mixed_wine():
    """Wine as a mixed frame: floats, an integer, a boolean and a categorical column."""
    data = load_wine(as_frame=True)
    frame = data.data.astype(np.float64)
    frame["magnesium"] = frame["magnesium"].round().astype("Int64")
    frame["strong"] = (frame["alcohol"] > frame["alcohol"].median()).astype("boolean")
    frame["cultivar"] = pd.Categorical(np.asarray(data.target_names)[data.target])
    return frame


def masked_frame(frame, mask):
    holes = frame.copy()
    for j, column in enumerate(frame.columns):
        holes.loc[mask[:, j], column] = None  # NaN, pd.NA or a missing category
    return holes


class EncodedImputer:
    """A scikit-learn imputer run on the documented numeric encoding of the mixed frame."""

    def __init__(self, imputer, drop_first=False):
        self.imputer, self.drop_first = imputer, drop_first

    def fit_transform(self, holes):
        numeric = [c for c in holes.columns if c not in CATEGORICAL]
        values = np.column_stack(
            [holes[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in numeric]
        )
        mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
        strong = holes["strong"].to_numpy(dtype=np.float64, na_value=np.nan)
        cultivar = holes["cultivar"]
        categories = list(cultivar.cat.categories)
        one_hot = np.column_stack(
            [np.where(cultivar.isna(), np.nan, cultivar == c) for c in categories]
        )
        n_before = len(numeric) + 1  # standardised numbers, then the boolean
        if self.drop_first:
            one_hot = one_hot[:, 1:]
        filled = self.imputer.fit_transform(
            np.column_stack([(values - mean) / std, strong, one_hot])
        )
        if self.drop_first:  # the dropped indicator is 1 minus the others
            dummies = filled[:, n_before:]
            filled = np.column_stack([filled[:, :n_before], 1.0 - dummies.sum(axis=1), dummies])
        out = holes.copy()
        for j, column in enumerate(numeric):
            column_values = filled[:, j] * std[j] + mean[j]
            if str(holes[column].dtype) == "Int64":
                column_values = np.rint(column_values)
            out[column] = pd.Series(column_values, index=holes.index).astype(holes[column].dtype)
        out["strong"] = pd.array(filled[:, len(numeric)] >= 0.5, dtype="boolean")
        index = filled[:, len(numeric) + 1 :].argmax(axis=1)
        out["cultivar"] = pd.Categorical(np.asarray(categories)[index], categories=categories)
        return out


class SimpleFrameImputer:
    """Mean for numeric columns, most frequent value for the boolean and the category."""

    def fit_transform(self, holes):
        out = holes.copy()
        for column in holes.columns:
            if column in CATEGORICAL:
                out[column] = holes[column].fillna(holes[column].mode()[0])
            else:
                mean = holes[column].astype(np.float64).mean()
                if str(holes[column].dtype) == "Int64":
                    mean = round(mean)
                out[column] = holes[column].fillna(mean)
        return out


# The mixed frame's imputers; the second item names the row of the numeric tables that
# each one stands for in the per-cell and summary tables (None: the mixed table only).
def mixed_imputers(n_rows, previous=False):
    rows = [
        ("SimpleImputer (mean / most frequent)", "SimpleImputer", SimpleFrameImputer()),
        ("KNNImputer (one-hot)", "KNNImputer", EncodedImputer(KNNImputer())),
        (
            "IterativeImputer (one-hot)",
            None,
            EncodedImputer(IterativeImputer(max_iter=20, random_state=0)),
        ),
        (
            "IterativeImputer (dummy-coded)",
            "IterativeImputer",
            EncodedImputer(IterativeImputer(max_iter=20, random_state=0), drop_first=True),
        ),
        ("missForest (one-hot)", "missForest", EncodedImputer(missforest())),
    ]
    rows += [
        (f"{name} (frame as is)", name, imputer)
        for name, imputer in imputers(n_rows, previous).items()
        if name.startswith("VAEImputer")
    ]
    return rows


def run_mixed(frame, seeds, previous):
    """{missingness: {imputer: {"rmse", "strong", "cultivar", "s"}}}, and the names of
    the numeric tables' rows."""
    numeric = [c for c in frame.columns if c not in CATEGORICAL]
    truth = {c: frame[c].to_numpy(dtype=np.float64) for c in numeric}
    scale = {c: truth[c].std() for c in numeric}
    measurements = np.column_stack([truth[c] for c in numeric])
    driver = mar_driver(measurements)
    names = {}
    table = {}
    for missingness in MISSINGNESS:
        results = {}
        for seed in seeds:
            mask = make_mask(missingness, frame.shape, (measurements[:, driver], driver), seed)
            holes = masked_frame(frame, mask)
            for name, numeric_name, imputer in mixed_imputers(frame.shape[0], previous):
                names[name] = numeric_name
                start = time.perf_counter()
                filled = imputer.fit_transform(holes)
                seconds = time.perf_counter() - start
                if filled.isna().any().any():
                    raise RuntimeError(f"{name} left holes")
                residuals = np.concatenate(
                    [
                        ((filled[c].to_numpy(dtype=np.float64) - truth[c]) / scale[c])[
                            mask[:, frame.columns.get_loc(c)]
                        ]
                        for c in numeric
                    ]
                )
                row = results.setdefault(name, {"rmse": [], "strong": [], "cultivar": [], "s": []})
                row["rmse"].append(np.sqrt(np.mean(residuals**2)))
                for column in CATEGORICAL:
                    hole = mask[:, frame.columns.get_loc(column)]
                    hit = (
                        filled[column].to_numpy(dtype=object)[hole]
                        == frame[column].to_numpy(dtype=object)[hole]
                    )
                    row[column].append(np.mean(hit))
                row["s"].append(seconds)
        table[missingness] = {
            name: {k: float(np.mean(v)) for k, v in row.items()} for name, row in results.items()
        }
    return table, names


def bold_best(values, candidates):
    """Values as strings at three decimals, the lowest among ``candidates`` in bold."""
    text = {name: f"{value:.3f}" for name, value in values.items()}
    best = min(text[name] for name in candidates)
    return {n: f"**{t}**" if n in candidates and t == best else t for n, t in text.items()}


def print_cells(cells, names):
    print("| table | missingness | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for (table_name, missingness), row in cells.items():
        text = bold_best({n: row[n][0] for n in names}, [n for n in names if n != PREVIOUS])
        print(f"| {table_name} | {missingness} | " + " | ".join(text[n] for n in names) + " |")


def print_summary(cells, names):
    print("| imputer | mean | median | worst | wins | seconds per fit |")
    print("|---|---|---|---|---|---|")
    contenders = [n for n in names if n != PREVIOUS]
    wins = dict.fromkeys(names, 0)
    for row in cells.values():
        best = min(f"{row[n][0]:.3f}" for n in contenders)
        for n in contenders:
            wins[n] += f"{row[n][0]:.3f}" == best
    for name in names:
        errors = np.array([row[name][0] for row in cells.values()])
        seconds = np.mean([row[name][1] for row in cells.values()])
        print(
            f"| {name} | {errors.mean():.3f} | {np.median(errors):.3f} | {errors.max():.3f} "
            f"| {wins[name] if name in contenders else '-'} | {seconds:.1f} |"
        )


def print_coverage_header(n_draws):
    print(
        f"\nCoverage of the 90% intervals (5th-95th percentile of {n_draws} draws) of "
        "the held-out values, seed 0's mask; width: mean in column standard deviations"
    )


def print_coverage(coverage):
    methods = ("VAEImputer", FIXED, "IterativeImputer")
    print(
        "| table | missingness | "
        + " | ".join(f"{method} coverage | width" for method in methods)
        + " |"
    )
    print("|---|---|" + "---|---|" * len(methods))
    for (table_name, missingness), row in coverage.items():
        cells = " | ".join(f"{row[m][0]:.3f} | {row[m][1]:.2f}" for m in methods)
        print(f"| {table_name} | {missingness} | {cells} |")
    shares = np.array([[row[m][0] for m in methods] for row in coverage.values()])
    gaps = np.abs(shares - 0.9)
    for label, values in (("mean", shares.mean(axis=0)), ("median", np.median(shares, axis=0))):
        print(f"| {label} | | " + " | ".join(f"{v:.3f} | " for v in values) + "|")
    print(
        "| worst distance from 0.90 | | "
        + " | ".join(f"{v:.3f} | " for v in gaps.max(axis=0))
        + "|"
    )


def print_mixed(table, frame, n_masks):
    print(
        f"\nMixed wine frame ({frame.shape[1]} columns: 12 float, 1 Int64, 1 boolean, "
        f"1 categorical), mean of {n_masks} masks; numeric RMSE in column standard "
        "deviations, accuracies over the boolean and the cultivar holes, fit+transform "
        "seconds per mask"
    )
    print("| missingness | imputer | numeric RMSE | boolean accuracy | cultivar accuracy | s |")
    print("|---|---|---|---|---|---|")
    for missingness, rows in table.items():
        for name, row in rows.items():
            print(
                f"| {missingness} | {name} | {row['rmse']:.3f} | {row['strong']:.3f} "
                f"| {row['cultivar']:.3f} | {row['s']:.1f} |"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seed 0's masks, 20 draws")
    parser.add_argument("--mixed", action="store_true", help="the mixed frame only")
    parser.add_argument(
        "--previous", action="store_true", help="add the previous defaults' VAEImputer row"
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="the multiple imputations' coverage only (seed 0's masks, 50 draws, no RMSE "
        "table, no mixed frame)",
    )
    parser.add_argument(
        "--unseen",
        action="store_true",
        help="statsmodels' tables that no default was chosen on instead (no coverage, no "
        "mixed frame)",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="statsmodels' small tables (16 to 301 rows) that no default was chosen on "
        "instead (no coverage, no mixed frame)",
    )
    parser.add_argument(
        "--new-rows",
        action="store_true",
        help="imputers fitted on complete rows, filling held-out rows (numeric tables only)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    warnings.simplefilter("ignore", ConvergenceWarning)
    seeds, n_draws = ((0,), 20) if args.quick else (SEEDS, N_DRAWS)
    if args.coverage:
        seeds = (0,)
    start = time.perf_counter()
    cells, coverage = {}, {}
    if args.new_rows:
        for table_name, X in numeric_tables().items():
            for missingness, row in run_new_rows(X, seeds).items():
                cells[table_name, missingness] = row
            print(f"{table_name} done, {time.perf_counter() - start:.0f} s", file=sys.stderr)
        names = list(next(iter(cells.values())))
        print(
            "New rows: RMSE over the removed cells of held-out rows (column standard "
            f"deviations), imputers fitted on complete training rows, mean of {len(seeds)} "
            "splits; the best of each row in bold"
        )
        print_cells(cells, names)
        print(f"\nSummary over the {len(cells)} (table, missingness) cells")
        print_summary(cells, names)
        print(f"\ntotal {time.perf_counter() - start:.0f} s")
        return 0
    if not args.mixed:
        other = args.unseen or args.small
        tables = unseen_tables() if args.unseen else small_tables() if args.small else None
        tables = tables or numeric_tables()
        for table_name, X in tables.items():
            table, table_coverage = run_numeric(
                X,
                seeds,
                n_draws,
                args.previous,
                with_coverage=not other,
                only=("VAEImputer",) if args.coverage else None,
            )
            for missingness in MISSINGNESS:
                cells[table_name, missingness] = table[missingness]
                if not other:
                    coverage[table_name, missingness] = table_coverage[missingness]
            print(f"{table_name} done, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    mixed = None
    if args.coverage:
        print_coverage_header(n_draws)
        print_coverage(coverage)
        print(f"\ntotal {time.perf_counter() - start:.0f} s")
        return 0
    if not (args.unseen or args.small):
        frame = mixed_wine()
        mixed, mixed_names = run_mixed(frame, seeds, args.previous)
        for missingness, rows in mixed.items():
            cells[MIXED, missingness] = {
                numeric_name: (rows[name]["rmse"], rows[name]["s"])
                for name, numeric_name in mixed_names.items()
                if numeric_name is not None
            }
    names = list(next(iter(cells.values())))
    print(
        f"RMSE over the removed cells (column standard deviations), mean of {len(seeds)} "
        "masks; the best of each row in bold"
    )
    print_cells(cells, names)
    print(f"\nSummary over the {len(cells)} (table, missingness) cells")
    print_summary(cells, names)
    if coverage:
        print_coverage_header(n_draws)
        print_coverage(coverage)
    if mixed is not None:
        print_mixed(mixed, frame, len(seeds))
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
