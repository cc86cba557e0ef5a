"""Imputation benchmark: VAEImputer against scikit-learn's imputers.

Numeric tables: on data that ships with scikit-learn (wine, breast cancer, diabetes), 20%
of the cells are removed completely at random; each imputer is fitted on the incomplete
table and fills it. Reported: RMSE over the removed cells, with every column in units of
its own standard deviation (so each column counts equally), mean over 3 random masks.

Mixed table: wine as a DataFrame with 12 float columns, ``magnesium`` as an integer column
(nullable ``Int64``), a boolean ``strong`` (alcohol above the median, nullable
``boolean``) and the cultivar ``cultivar`` as a categorical column; 20% of the cells of
every column removed completely at random. Reported: RMSE over the numeric holes
(column-standardised, integer column included), accuracy over the boolean holes and over
the category holes. ``VAEImputer`` takes the frame as it is. scikit-learn's imputers need
numbers, so they get an encoding: numeric columns standardised with their observed mean
and standard deviation (so that KNN's distance weighs every column alike), the boolean as
0/1, the cultivar one-hot (three indicator columns, all NaN where the cultivar is
missing) or, for a second IterativeImputer row, dummy-coded (the first indicator dropped:
with all three, each indicator is an exact linear function of the other two, and the
round-robin regressions stay stuck at the initial mean fill, i.e. at the most frequent
cultivar). Their output is decoded back: numbers unstandardised (the integer column
rounded), the boolean thresholded at 0.5, the cultivar as the argmax of the filled
indicators (the dropped one taken as 1 minus the others). SimpleImputer fills numeric
columns with the mean, and the boolean and the cultivar with their most frequent value.

Run:  python benchmarks/imputation.py           (both tables, several minutes on 2 cores)
      python benchmarks/imputation.py --mixed   (the mixed table only, about a minute)
"""

import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEImputer  # noqa: E402

MISSING_FRACTION = 0.2
SEEDS = (0, 1, 2)


def imputers(n_features):
    return {
        "SimpleImputer(mean)": SimpleImputer(strategy="mean"),
        "KNNImputer": KNNImputer(),
        "IterativeImputer": IterativeImputer(max_iter=20, random_state=0),
        # The imputer's defaults (linear, MIWAE training and imputation), with as many
        # latent dimensions as columns and small batches for these few hundred rows.
        "VAEImputer": VAEImputer(
            n_components=n_features, likelihood="gaussian", batch_size=32, random_state=0
        ),
    }


def masked_copy(X, seed):
    X_missing = X.copy()
    mask = np.random.default_rng(seed).uniform(size=X.shape) < MISSING_FRACTION
    X_missing[mask] = np.nan
    return X_missing, mask


def run(datasets):
    table = {}
    for name, X in datasets.items():
        scale = X.std(axis=0)
        errors, seconds = {}, {}
        for seed in SEEDS:
            X_missing, mask = masked_copy(X, seed)
            for imputer_name, imputer in imputers(X.shape[1]).items():
                start = time.perf_counter()
                filled = imputer.fit_transform(X_missing)
                seconds.setdefault(imputer_name, []).append(time.perf_counter() - start)
                residual = ((filled - X) / scale)[mask]
                errors.setdefault(imputer_name, []).append(np.sqrt(np.mean(residual**2)))
        table[name] = {k: (np.mean(v), np.mean(seconds[k])) for k, v in errors.items()}
    return table


def mixed_wine():
    """Wine as a mixed frame: floats, an integer, a boolean and a categorical column."""
    data = load_wine(as_frame=True)
    frame = data.data.astype(np.float64)
    frame["magnesium"] = frame["magnesium"].round().astype("Int64")
    frame["strong"] = (frame["alcohol"] > frame["alcohol"].median()).astype("boolean")
    frame["cultivar"] = pd.Categorical(np.asarray(data.target_names)[data.target])
    return frame


def masked_frame(frame, seed):
    holes = frame.copy()
    mask = np.random.default_rng(seed).uniform(size=frame.shape) < MISSING_FRACTION
    for j, column in enumerate(frame.columns):
        holes.loc[mask[:, j], column] = None  # NaN, pd.NA or a missing category
    return holes, mask


class EncodedImputer:
    """A scikit-learn imputer run on the documented numeric encoding of the mixed frame."""

    def __init__(self, imputer, drop_first=False):
        self.imputer, self.drop_first = imputer, drop_first

    def fit_transform(self, holes):
        numeric = [c for c in holes.columns if c not in ("strong", "cultivar")]
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
            if column in ("strong", "cultivar"):
                out[column] = holes[column].fillna(holes[column].mode()[0])
            else:
                mean = holes[column].astype(np.float64).mean()
                if str(holes[column].dtype) == "Int64":
                    mean = round(mean)
                out[column] = holes[column].fillna(mean)
        return out


def mixed_imputers(n_features):
    return {
        "SimpleImputer(mean / most frequent)": SimpleFrameImputer(),
        "KNNImputer (one-hot)": EncodedImputer(KNNImputer()),
        "IterativeImputer (one-hot)": EncodedImputer(IterativeImputer(max_iter=20, random_state=0)),
        "IterativeImputer (dummy-coded)": EncodedImputer(
            IterativeImputer(max_iter=20, random_state=0), drop_first=True
        ),
        "VAEImputer (frame as is)": imputers(n_features)["VAEImputer"],
    }


def run_mixed(frame):
    numeric = [c for c in frame.columns if c not in ("strong", "cultivar")]
    truth = {c: frame[c].to_numpy(dtype=np.float64) for c in numeric}
    scale = {c: truth[c].std() for c in numeric}
    results = {}
    for seed in SEEDS:
        holes, mask = masked_frame(frame, seed)
        for name, imputer in mixed_imputers(frame.shape[1]).items():
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
            for column in ("strong", "cultivar"):
                hole = mask[:, frame.columns.get_loc(column)]
                hit = (
                    filled[column].to_numpy(dtype=object)[hole]
                    == frame[column].to_numpy(dtype=object)[hole]
                )
                row[column].append(np.mean(hit))
            row["s"].append(seconds)
    return {name: {k: float(np.mean(v)) for k, v in row.items()} for name, row in results.items()}


def print_mixed(table, frame):
    print(
        f"\nMixed wine frame ({frame.shape[1]} columns: 12 float, 1 Int64, 1 boolean, "
        f"1 categorical), {MISSING_FRACTION:.0%} MCAR cells per column, mean of "
        f"{len(SEEDS)} masks"
    )
    print("| imputer | numeric RMSE (std units) | boolean accuracy | category accuracy | s |")
    print("|---|---|---|---|---|")
    for name, row in table.items():
        print(
            f"| {name} | {row['rmse']:.3f} | {row['strong']:.3f} | {row['cultivar']:.3f} "
            f"| {row['s']:.1f} |"
        )


def main():
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    start = time.perf_counter()
    frame = mixed_wine()
    if "--mixed" in sys.argv[1:]:
        print_mixed(run_mixed(frame), frame)
        print(f"total {time.perf_counter() - start:.0f} s")
        return 0
    datasets = {
        "wine": load_wine().data,
        "breast_cancer": load_breast_cancer().data,
        "diabetes": load_diabetes(scaled=False).data,
    }
    table = run(datasets)
    names = list(next(iter(table.values())))
    print(
        f"RMSE on {MISSING_FRACTION:.0%} MCAR cells (column-standardised), mean of "
        f"{len(SEEDS)} masks; fit+transform seconds in brackets"
    )
    print("| imputer | " + " | ".join(table) + " |")
    print("|---|" + "---|" * len(table))
    for imputer_name in names:
        cells = [
            f"{table[d][imputer_name][0]:.3f} ({table[d][imputer_name][1]:.1f}s)" for d in table
        ]
        print(f"| {imputer_name} | " + " | ".join(cells) + " |")
    print_mixed(run_mixed(frame), frame)
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
