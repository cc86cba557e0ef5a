"""Anomaly-detection benchmark: VAEOutlierDetector at its defaults, unsupervised.

The setting of issue 20, the usual one for outlier detection: nobody has a clean training
set, the rows to screen hold their outliers, and a detector is fitted on them and ranks
those same rows (transductive, like ``fit_predict``). For each table and contamination
rate, the training set is all the normal rows plus a random subsample of the anomalous
ones, so that anomalies are RATE of its rows (``round(RATE * n_normal / (1 - RATE))``, at
least 2); every detector is fitted on it and scores each of its rows. Seeds 0, 1 and 2
draw different anomaly subsamples (``np.random.default_rng(seed)``) and row orders.

Tables (data that ships with scikit-learn, or generated; nothing is downloaded):

* ``breast cancer``: the 357 benign tumours normal, malignant ones (of 212) anomalous;
* ``wine``: cultivars 1 and 2 normal (119 rows), cultivar 0 (of 59) anomalous;
* ``digits N``, N = 0, 3, 8: the other nine classes normal (about 1,620 rows of 64 pixel
  columns), class N (about 180 rows) anomalous; rates 1% and 5% only (10% would take every
  row of the class, and digits are the most expensive fits). At 5% the anomalies are a
  cluster half as frequent as each normal class, at 1% about a tenth;
* ``iris versicolor``: setosa and virginica normal (100 rows), versicolor anomalous. Setosa
  as the anomaly lies far from both other species in the petal measurements, a trivial case;
  versicolor lies between the two normal clusters, next to virginica, so a detector must
  model a two-cluster density rather than flag the extremes;
* ``manifold``: 1,000 normal rows on a nonlinear 3-D manifold in 10-D, ``tanh(z) @ W +
  0.1 * noise`` with z and the noise standard normal and W a fixed 3 x 10 Gaussian matrix;
  anomalies half global (uniform in the bounding box of the normal rows), half local (a
  normal row plus 0.6 * standard normal noise in every column);
* ``heavy tails``: 1,000 normal rows ``z @ W + 0.1 * e`` in 10-D, z (3-D) and e Student-t
  with 3 degrees of freedom, so that many normal rows have extreme values along the
  3-D subspace; anomalies ``z' @ W + r * u`` with z' standard normal (ordinary values), u a
  random unit vector orthogonal to the subspace and r uniform in [1, 2]: off the structure,
  but no larger than typical rows, so a detector that flags large values is punished.

The generated tables are drawn once (seed 0) with a pool of 400 anomalies to subsample.

``--tables unseen`` runs, instead, tasks on which no default was chosen (the same rates
and seeds): ``penguins Adelie``, ``penguins Chinstrap`` and ``penguins Gentoo``
(palmerpenguins' four measurements, the rows with none missing; the named species
anomalous, the other two normal), and ``wine cultivar 1`` and ``wine cultivar 2`` (the
named cultivar anomalous, the other two normal; the suite uses cultivar 0).

Detectors, at their defaults as a user calls them:

* ``VAE``: ``VAEOutlierDetector(random_state=0)``: ``contamination="auto"``,
  ``whiten="auto"`` (the real-valued columns on their principal axes, see
  :doc:`/density`) and ``trim="auto"`` (robust training: a second fit without the 10%
  least likely rows);
* ``VAE trim=0``: ``VAEOutlierDetector(trim=0, random_state=0)``, one fit on every row;
* ``VAE trim=0 whiten=False``: ``VAEOutlierDetector(trim=0, whiten=False,
  random_state=0)``, one fit, every column in its own coordinates (the defaults before
  2026-12-05);
* ``IsolationForest``: ``IsolationForest(random_state=0)`` after a ``StandardScaler``;
* ``LOF``: ``LocalOutlierFactor()`` (``novelty=False``, transductive) after a
  ``StandardScaler``, scored by ``-negative_outlier_factor_``;
* ``ECOD``: PyOD's ``ECOD()``, scored by ``decision_scores_`` (PyOD is a benchmark-only
  dependency: without it the row is skipped, with a message);
* ``PyOD VAE`` and ``PyOD AutoEncoder``: PyOD's deep detectors at their defaults, what
  a user who wants a neural-network detector without writing one picks:
  ``VAE(random_state=0, verbose=0)`` (30 epochs, encoder 128-64-32, 2 latent
  dimensions, dropout 0.2) and ``AutoEncoder(random_state=0, verbose=0)`` (10 epochs,
  layers 64-32, batch normalisation, dropout 0.2), both on standardised columns, scored
  by reconstruction error, flagging 10 % (``contamination=0.1``). They need
  PyTorch (``pip install torch``; the docs' numbers come from the environment of
  benchmarks/synthetic.py's SDV rows, which has it); without it their rows are skipped,
  with a message.

``--holes RATE`` makes each entry of the contaminated rows missing (NaN) with
probability RATE, independently (MCAR; the mask of seed s is drawn from
``np.random.default_rng([s, 1])``), the anomalies' entries as the normal rows'. The VAE
takes the rows with their holes (``whiten="auto"`` whitens them too: the correlation by
EM, each hole filled for training by a draw from its conditional) and scores a row with
holes by E[log p(x) | x_observed]. The other detectors need complete rows, so they get
the rows filled by
``IterativeImputer(random_state=0)`` (fitted on the same rows), as a user of them would
fill them.

``--screen-holes RATE`` screens rows with holes with detectors fitted on complete rows:
each detector is fitted on the complete contaminated rows, then scores and flags the same
rows with each entry missing with probability RATE (MCAR, the same masks as ``--holes``),
as a detector fitted on complete history screens incoming rows with holes. The VAEs score
them as they are (a whitened model integrates over the holes in its rotated columns);
IsolationForest, ``LOF`` (then ``novelty=True``) and ECOD score them filled by an
``IterativeImputer(random_state=0)`` fitted on the training rows, and an added row
``VAE (imputed)`` is the default VAE on those filled rows.

``--vae-params JSON`` adds a row ``VAE <JSON>``: ``VAEOutlierDetector(random_state=0,
**params)``, e.g. ``--vae-params '{"hidden_layer_sizes": [16, 16]}'`` (lists become
tuples).

Anomaly scores are oriented higher = more anomalous (``-score_samples`` for the VAEs and
IsolationForest). Reported, with anomalies as positives: the average precision (AP; a
random ranking scores the anomaly rate) and the AUROC (0.5 at random), per (table, rate)
as the mean over the seeds; then per detector over all (table, rate, seed) cells the mean,
median and worst AP and AUROC, the number of cells with the best AP (rounded to three
decimals; a tie counts for each) and the mean seconds per cell (fit, scoring and flags).
Last, the flags of ``fit_predict`` at each detector's default threshold (VAE, LOF and
IsolationForest ``contamination="auto"``, ECOD ``contamination=0.1``): per rate, the share
of rows flagged and the precision and recall of the flags (precision over the cells with
at least one flag). ``PosteriorCollapseWarning`` is silenced.

Run:  python benchmarks/anomaly_detection.py           (63 cells, 252 VAE fits: about
                                                        22 minutes on 2 busy cores)
      python benchmarks/anomaly_detection.py --quick   (seed 0, rate 5%, digit 0 only;
                                                        about 3 minutes)
      python benchmarks/anomaly_detection.py --detectors VAE "VAE trim=0" LOF
                                                       (only those rows)
      python benchmarks/anomaly_detection.py --tables unseen   (tasks no default was
                                                        chosen on; about 5 minutes)
      python benchmarks/anomaly_detection.py --holes 0.2 --detectors VAE IsolationForest
          LOF ECOD                                     (20% of the entries missing)
      python benchmarks/anomaly_detection.py --screen-holes 0.2 --tables unseen
                                                       (fitted on complete rows, screening
                                                        rows with 20% of entries missing)
"""

import argparse
import functools
import json
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEOutlierDetector  # noqa: E402

SEEDS = (0, 1, 2)
RATES = (0.01, 0.05, 0.10)
DIGITS_RATES = (0.01, 0.05)
ANOMALOUS_DIGITS = (0, 3, 8)
N_GENERATED, N_POOL, N_FEATURES = 1000, 400, 10


def manifold(seed=0):
    """Normal rows on a nonlinear 3-D manifold in 10-D; global and local anomalies."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, N_FEATURES))
    X_normal = np.tanh(rng.normal(size=(N_GENERATED, 3))) @ W
    X_normal += 0.1 * rng.normal(size=X_normal.shape)
    low, high = X_normal.min(axis=0), X_normal.max(axis=0)
    global_ = rng.uniform(low, high, size=(N_POOL // 2, N_FEATURES))
    local = X_normal[rng.choice(N_GENERATED, N_POOL // 2)]
    local = local + 0.6 * rng.normal(size=local.shape)
    return X_normal, np.vstack([global_, local])


def heavy_tails(seed=0):
    """Student-t rows near a 3-D subspace of 10-D; anomalies of ordinary size off it."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, N_FEATURES))
    X_normal = rng.standard_t(3, size=(N_GENERATED, 3)) @ W
    X_normal += 0.1 * rng.standard_t(3, size=X_normal.shape)
    # An orthonormal basis of the 7-D complement of W's row space.
    complement = np.linalg.svd(W, full_matrices=True)[2][3:]
    u = rng.normal(size=(N_POOL, N_FEATURES - 3)) @ complement
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = rng.uniform(1.0, 2.0, size=(N_POOL, 1))
    return X_normal, rng.normal(size=(N_POOL, 3)) @ W + r * u


def tables(quick=False):
    """Name -> (normal rows, anomalous rows, contamination rates)."""
    rates = (0.05,) if quick else RATES
    out = {}
    X, y = load_breast_cancer(return_X_y=True)  # y == 0 is malignant
    out["breast cancer"] = (X[y == 1], X[y == 0], rates)
    X, y = load_wine(return_X_y=True)
    out["wine"] = (X[y != 0], X[y == 0], rates)
    X, y = load_digits(return_X_y=True)
    for digit in ANOMALOUS_DIGITS[:1] if quick else ANOMALOUS_DIGITS:
        out[f"digits {digit}"] = (X[y != digit], X[y == digit], (0.05,) if quick else DIGITS_RATES)
    X, y = load_iris(return_X_y=True)
    out["iris versicolor"] = (X[y != 1], X[y == 1], rates)
    out["manifold"] = (*manifold(), rates)
    out["heavy tails"] = (*heavy_tails(), rates)
    return out


def unseen_tables():
    """Name -> (normal rows, anomalous rows, rates) for tasks no default was chosen on."""
    from palmerpenguins import load_penguins

    penguins = load_penguins()
    measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    penguins = penguins.dropna(subset=measurements)
    X = penguins[measurements].to_numpy(dtype=float)
    out = {}
    for species in ("Adelie", "Chinstrap", "Gentoo"):
        anomalous = (penguins["species"] == species).to_numpy()
        out[f"penguins {species}"] = (X[~anomalous], X[anomalous], RATES)
    X, y = load_wine(return_X_y=True)
    for cultivar in (1, 2):
        out[f"wine cultivar {cultivar}"] = (X[y != cultivar], X[y == cultivar], RATES)
    return out


def contaminated(X_normal, X_anomaly, rate, seed):
    """The normal rows plus a random subsample of anomalies, `rate` of the rows, shuffled."""
    rng = np.random.default_rng(seed)
    n_anomalies = max(2, round(rate * len(X_normal) / (1 - rate)))
    if n_anomalies > len(X_anomaly):
        raise ValueError(f"{n_anomalies} anomalies asked for, {len(X_anomaly)} available")
    picked = X_anomaly[rng.choice(len(X_anomaly), size=n_anomalies, replace=False)]
    X = np.vstack([X_normal, picked])
    y = np.r_[np.zeros(len(X_normal)), np.ones(n_anomalies)]
    order = rng.permutation(len(X))
    return X[order], y[order]


def punched(X, rate, seed):
    """X with each entry missing (NaN) with probability ``rate``, independently (MCAR)."""
    if not rate:
        return X
    holes = np.random.default_rng([seed, 1]).uniform(size=X.shape) < rate
    return np.where(holes, np.nan, X)


def imputed_first(X):
    """The holes of X filled, as a user of a detector that refuses NaN would fill them."""
    if not np.isnan(X).any():
        return X
    return IterativeImputer(random_state=0).fit_transform(X)


def imputed_with(X_fit, X_score):
    """The holes of the rows to screen filled by an imputer fitted on the training rows."""
    if not np.isnan(X_score).any():
        return X_score
    return IterativeImputer(random_state=0).fit(X_fit).transform(X_score)


# Each fit_* function fits a fresh detector and returns (anomaly scores, flagged rows):
# of X itself (fit_predict's setting) or, given X_score, of those rows (--screen-holes).


def fit_vae(estimator, impute=False):
    def run(X, X_score=None):
        model = clone(estimator)
        if X_score is None:
            labels = model.fit_predict(X)
            return -model.score_samples(X), labels == -1
        model.fit(X)
        X_score = imputed_with(X, X_score) if impute else X_score
        return -model.score_samples(X_score), model.predict(X_score) == -1

    return run


def fit_isolation_forest(X, X_score=None):
    X = imputed_first(X)
    model = make_pipeline(StandardScaler(), IsolationForest(random_state=0))
    if X_score is None:
        labels = model.fit_predict(X)
        return -model.score_samples(X), labels == -1
    X_score = imputed_with(X, X_score)
    model.fit(X)
    return -model.score_samples(X_score), model.predict(X_score) == -1


def fit_lof(X, X_score=None):
    X = imputed_first(X)
    if X_score is None:
        model = make_pipeline(StandardScaler(), LocalOutlierFactor())
        labels = model.fit_predict(X)
        return -model[-1].negative_outlier_factor_, labels == -1
    X_score = imputed_with(X, X_score)
    model = make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True)).fit(X)
    return -model.score_samples(X_score), model.predict(X_score) == -1


def fit_pyod(make_model):
    """A PyOD detector, ``make_model()``, fitted on the rows (filled first where they have
    holes): its training scores and flags, or those of the rows to score."""

    def run(X, X_score=None):
        X = imputed_first(X)
        model = make_model()
        model.fit(X)
        if X_score is None:
            return model.decision_scores_, model.labels_ == 1
        X_score = imputed_with(X, X_score)
        return model.decision_function(X_score), model.predict(X_score) == 1

    return run


def ecod():
    """PyOD's ``ECOD`` at its defaults."""
    from pyod.models.ecod import ECOD

    return ECOD()


@functools.cache
def pyod_deep_available():
    """Whether PyOD's PyTorch detectors can be imported (their rows are skipped
    otherwise). Called before any fit: it also imports PyTorch's compiler package, whose
    first import (by torch.optim, in their fit) loads Triton, which crashed the process
    (segmentation fault) once TensorFlow was loaded."""
    try:
        import pyod.models.auto_encoder  # noqa: F401
        import pyod.models.vae  # noqa: F401
        import torch._dynamo  # noqa: F401
    except ImportError:
        return False
    return True


def pyod_deep(name):
    """A maker of PyOD's ``VAE`` or ``AutoEncoder`` at its defaults (PyOD seeds PyTorch
    and NumPy from ``random_state``)."""

    def make():
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE

        return {"VAE": VAE, "AutoEncoder": AutoEncoder}[name](random_state=0, verbose=0)

    return make


def detectors(vae_params=None, screening=False):
    """Name -> function fitting a fresh detector on X: (anomaly scores, flagged rows)."""
    out = {
        "VAE": fit_vae(VAEOutlierDetector(random_state=0)),
        "VAE trim=0": fit_vae(VAEOutlierDetector(trim=0, random_state=0)),
        "VAE trim=0 whiten=False": fit_vae(
            VAEOutlierDetector(trim=0, whiten=False, random_state=0)
        ),
    }
    if vae_params:
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in vae_params.items()}
        name = "VAE " + json.dumps(vae_params, separators=(",", ":"))
        out[name] = fit_vae(VAEOutlierDetector(random_state=0, **params))
    if screening:
        out["VAE (imputed)"] = fit_vae(VAEOutlierDetector(random_state=0), impute=True)
    out |= {
        "IsolationForest": fit_isolation_forest,
        "LOF": fit_lof,
    }
    try:
        import pyod  # noqa: F401
    except ImportError:
        print("PyOD is not installed (pip install pyod): the ECOD row is skipped.\n")
    else:
        out["ECOD"] = fit_pyod(ecod)
    if pyod_deep_available():
        out["PyOD VAE"] = fit_pyod(pyod_deep("VAE"))
        out["PyOD AutoEncoder"] = fit_pyod(pyod_deep("AutoEncoder"))
    else:
        print(
            "PyOD's deep detectors need PyOD and PyTorch (pip install pyod torch): their "
            "rows are skipped.\n"
        )
    return out


def evaluate(X, y, fit, X_score=None):
    """AP, AUROC, share flagged, precision and recall of the flags, seconds."""
    start = time.perf_counter()
    scores, flagged = fit(X, X_score)
    seconds = time.perf_counter() - start
    hits = np.sum(flagged & (y == 1))
    return {
        "AP": average_precision_score(y, scores),
        "AUROC": roc_auc_score(y, scores),
        "flagged": flagged.mean(),
        "precision": hits / flagged.sum() if flagged.any() else np.nan,
        "recall": hits / y.sum(),
        "seconds": seconds,
    }


def print_metric(cells, names, metric, sizes):
    """One row per (table, rate): the metric's mean over the seeds, the best in bold."""
    print("| table | rate | rows | anomalies | " + " | ".join(names) + " |")
    print("|---|---|---|---|" + "---:|" * len(names))
    for (table_name, rate), runs in cells.items():
        means = {n: np.mean([run[n][metric] for run in runs]) for n in names}
        best = max(f"{v:.3f}" for v in means.values())
        text = [f"**{v:.3f}**" if f"{v:.3f}" == best else f"{v:.3f}" for v in means.values()]
        n_rows, n_anomalies = sizes[table_name, rate]
        print(
            f"| {table_name} | {rate:.0%} | {n_rows} | {n_anomalies} | " + " | ".join(text) + " |"
        )


def print_per_table(cells, names):
    """One row per table: AP and AUROC, means over its rates and seeds."""
    print("| table | " + " | ".join(f"{n} AP" for n in names) + " | ", end="")
    print(" | ".join(f"{n} AUROC" for n in names) + " |")
    print("|---|" + "---:|" * (2 * len(names)))
    for table_name in dict.fromkeys(t for t, _ in cells):
        runs = [run for (t, _), rs in cells.items() if t == table_name for run in rs]
        values = [np.mean([run[n][m] for run in runs]) for m in ("AP", "AUROC") for n in names]
        print(f"| {table_name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")


def print_summary(cells, names):
    runs = [run for rs in cells.values() for run in rs]
    print(
        "| detector | AP mean | AP median | AP worst | AUROC mean | AUROC median "
        "| AUROC worst | best AP | seconds |"
    )
    print("|---|" + "---:|" * 8)
    wins = dict.fromkeys(names, 0)
    for run in runs:
        best = max(f"{run[n]['AP']:.3f}" for n in names)
        for n in names:
            wins[n] += f"{run[n]['AP']:.3f}" == best
    for name in names:
        ap = np.array([run[name]["AP"] for run in runs])
        auroc = np.array([run[name]["AUROC"] for run in runs])
        seconds = np.mean([run[name]["seconds"] for run in runs])
        print(
            f"| {name} | {ap.mean():.3f} | {np.median(ap):.3f} | {ap.min():.3f} "
            f"| {auroc.mean():.3f} | {np.median(auroc):.3f} | {auroc.min():.3f} "
            f"| {wins[name]} / {len(runs)} | {seconds:.1f} |"
        )


def print_flags(cells, names):
    print("| detector | rate | flagged | precision | recall |")
    print("|---|---|---:|---:|---:|")
    for name in names:
        for rate in sorted({rate for _, rate in cells}):
            runs = [run[name] for (_, r), rs in cells.items() if r == rate for run in rs]
            flagged = np.mean([run["flagged"] for run in runs])
            precision = np.nanmean([run["precision"] for run in runs])
            recall = np.mean([run["recall"] for run in runs])
            print(f"| {name} | {rate:.0%} | {flagged:.3f} | {precision:.2f} | {recall:.2f} |")
    no_flags = {
        name: sum(np.isnan(run[name]["precision"]) for rs in cells.values() for run in rs)
        for name in names
    }
    if any(no_flags.values()):
        print(
            "\nCells with no row flagged (left out of the precision): "
            + ", ".join(f"{name} {count}" for name, count in no_flags.items() if count)
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="seed 0, rate 5%%, digit 0 only (about 3 minutes)"
    )
    parser.add_argument(
        "--detectors", nargs="+", metavar="NAME", help="only these rows (e.g. VAE LOF)"
    )
    parser.add_argument(
        "--tables",
        choices=["suite", "unseen"],
        default="suite",
        help="the suite (default), or tasks on which no default was chosen",
    )
    parser.add_argument(
        "--holes",
        type=float,
        default=0.0,
        metavar="RATE",
        help="make each entry missing with this probability (MCAR); the other detectors "
        "get the rows filled by IterativeImputer",
    )
    parser.add_argument(
        "--screen-holes",
        type=float,
        default=0.0,
        metavar="RATE",
        help="fit on the complete rows, then score the same rows with each entry missing "
        "with this probability; adds the row 'VAE (imputed)'",
    )
    parser.add_argument(
        "--vae-params",
        type=json.loads,
        metavar="JSON",
        help="add a row VAEOutlierDetector(random_state=0, **params)",
    )
    args = parser.parse_args(argv)
    if args.holes and args.screen_holes:
        parser.error("--holes and --screen-holes are two settings; choose one")
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    seeds = (0,) if args.quick else SEEDS
    fits = detectors(args.vae_params, screening=bool(args.screen_holes))
    if args.detectors:
        unknown = set(args.detectors) - set(fits)
        if unknown:
            parser.error(f"unknown detector(s) {sorted(unknown)}; choose among {list(fits)}")
        fits = {name: fit for name, fit in fits.items() if name in args.detectors}
    names = list(fits)
    start = time.perf_counter()
    cells, sizes = {}, {}
    chosen = unseen_tables() if args.tables == "unseen" else tables(args.quick)
    for table_name, (X_normal, X_anomaly, rates) in chosen.items():
        for rate in rates:
            for seed in seeds:
                X, y = contaminated(X_normal, X_anomaly, rate, seed)
                X = punched(X, args.holes, seed)
                X_score = punched(X, args.screen_holes, seed) if args.screen_holes else None
                sizes[table_name, rate] = (len(X), int(y.sum()))
                run = {name: evaluate(X, y, fit, X_score) for name, fit in fits.items()}
                cells.setdefault((table_name, rate), []).append(run)
                print(
                    f"{table_name} {rate:.0%} seed {seed}: "
                    + ", ".join(f"{n} {r['AP']:.3f}" for n, r in run.items())
                    + f" (AP; {time.perf_counter() - start:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    n_cells = sum(len(runs) for runs in cells.values())
    print(
        f"Average precision, anomalies positive, mean of {len(seeds)} seed(s); "
        "the best of each row in bold"
    )
    print_metric(cells, names, "AP", sizes)
    print(f"\nAUROC, mean of {len(seeds)} seed(s); the best of each row in bold")
    print_metric(cells, names, "AUROC", sizes)
    print("\nPer table, mean over its rates and seeds")
    print_per_table(cells, names)
    print(f"\nSummary over the {n_cells} (table, rate, seed) cells; seconds: mean per cell")
    print_summary(cells, names)
    print(
        "\nFlags of fit_predict at the default thresholds, per contamination rate, means "
        "over the cells: share of rows flagged, precision and recall of the flags"
    )
    print_flags(cells, names)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
