"""Synthetic-data benchmark: VAETransformer at its defaults against what a user would pick.

The question a user asks before generating a table with skvae: called as a new user calls
it, ``VAETransformer(random_state=0).fit(train).sample(len(train), random_state=0)`` on a
DataFrame of numeric, integer, boolean and categorical columns, are its rows as faithful,
as useful and as private as those of a Gaussian copula, the usual first choice? All
contenders get the same training rows of the same split in the same run.

Tables (a categorical column, the label below, in every one):

* ``breast cancer``: ``load_breast_cancer(as_frame=True)``, 30 measurements and the
  target as a categorical ``diagnosis`` (malignant / benign); 569 x 31;
* ``wine``: ``load_wine(as_frame=True)``, 13 measurements and a categorical ``cultivar``;
  178 x 14;
* ``penguins``: palmerpenguins' ``load_penguins()``, the 11 rows with a missing value
  dropped; ``species``, ``island`` and ``sex`` categorical, the four measurements floats,
  ``year`` (2007-2009) an integer column; 333 x 8, label ``species``;
* ``iris``: ``load_iris(as_frame=True)``, 4 measurements and a categorical ``species``;
  150 x 5;
* ``diabetes``: ``load_diabetes(as_frame=True)`` (scaled features), the regression target
  replaced by a categorical ``progression`` ("low" at or below its median, "high" above),
  the label; 442 x 11;
* ``mixed``: generated, 2000 rows from two latent normals z1, z2: ``income`` (lognormal,
  skewed), ``age`` (integer, 18-90), ``visits`` (Poisson counts), ``score`` (normal),
  ``flat`` (near-constant: 1.0 in 97% of the rows, uniform on 0-5 in the others),
  ``member`` (boolean) and ``segment`` (4 levels, decided by noisy z1, z2, the label);
  2000 x 7.

Protocol, for each seed s (0, 1, 2; ``--quick``: 0 only): the table is split 70/30 into
training and test rows (``train_test_split(random_state=s)``, stratified by the label).
Each contender gets the training rows and returns as many synthetic rows, five times
(``--draws``), with random states s, s + 1000, ..., s + 4000; its measures are the means
over the five synthetic tables (one draw's TSTR gap moved by up to 0.03 between draws of
one fitted model on diabetes's 133 test rows):

* ``skvae``: ``VAETransformer(random_state=s).fit(train).sample(len(train),
  random_state=s)``, all defaults (for s = 0 the first draw is exactly the call above):
  z from the aggregate posterior, a Gaussian mixture fitted on the training rows' codes,
  the numeric columns mapped onto the training marginals and the 0/1 and categorical
  columns' logits tilted to the training shares (``marginals="auto"``);
* ``skvae (marginals='model')``: the same fitted model, ``sample(len(train),
  random_state=s, marginals="model")``, its draws as they are (the default before the
  marginal calibration);
* ``Gaussian copula``: :func:`gaussian_copula` below, what SDV's ``GaussianCopula`` does
  with empirical marginals;
* ``TVAE (SDV)`` and ``GaussianCopula (SDV)``: SDV's ``TVAESynthesizer`` (CTGAN's TVAE:
  300 epochs, mode-specific normalisation of numeric columns by a Bayesian Gaussian
  mixture each) and ``GaussianCopulaSynthesizer`` (parametric marginals, beta by
  default), at their defaults with the metadata SDV detects from the training frame;
  the global NumPy, Python and PyTorch generators seeded with s before the fit, and the
  five tables drawn one after another from SDV's own sampling seed (which
  ``reset_sampling`` fixes; SDV's sampling does not read the global generators). Only
  where ``import sdv`` works: SDV needs PyTorch and (SDV 2.0) pandas < 3, so it is
  installed in its own environment that sees this one's packages::

      python -m venv --system-site-packages .venv-sdv
      .venv-sdv/bin/pip install sdv
      .venv-sdv/bin/python benchmarks/synthetic.py
* ``skvae (condition_on=label)`` (only with ``--label-conditional``):
  ``VAETransformer(random_state=s, condition_on=[label]).fit(train).sample(len(train),
  random_state=s)``, a conditional VAE whose ``sample`` draws each row's label with its
  training share, then the row under it (calibrated as ``skvae``'s);
* ``independent``: each training column permuted separately: exact marginals, no
  dependence (a bound);
* ``real half``: the training rows split in two halves (stratified); every measure is
  taken as if half A were the training rows and half B the synthetic ones: what fresh
  real rows score (sampling noise; a reference, not a generator).

Measures (:mod:`skvae.metrics`), synthetic rows against the training rows:

* ``KS``: the worst numeric column's two-sample Kolmogorov-Smirnov statistic
  (:func:`~skvae.metrics.ks_statistic`, which handles ties); ``TV``: the worst
  categorical or boolean column's total-variation distance, from
  :func:`~skvae.metrics.marginal_distances`. That function also compares a numeric
  column by TV when both samples have at most 20 distinct values, which depends on the
  sample (a half of iris's training rows has at most 20 values of a 0.1-cm measurement,
  a VAE's floats never do), so here every numeric column is compared by KS and every
  contender by the same statistic. The worst columns' names are printed too. In the
  ``real half`` row the label's TV is near 0 by construction (stratified halves);
* ``corr``: :func:`~skvae.metrics.correlation_difference` (numeric columns);
  ``assoc``: :func:`~skvae.metrics.association_difference` (pairs with a categorical
  column);
* TSTR: ``HistGradientBoostingClassifier(categorical_features="from_dtype",
  random_state=s)`` predicts the label from the other columns, trained on the synthetic
  rows (their own labels) and on the real training rows; ROC AUC on the test rows
  (one-vs-rest, macro, for more than two classes). ``TSTR gap`` = AUC trained on real -
  AUC trained on synthetic;
* privacy, with the test rows as holdout: ``DCR ratio``, the ``"ratio"`` of
  :func:`~skvae.metrics.distance_to_closest_record` (median distance of synthetic rows to
  the training rows over that of holdout rows; about 1: no closer than fresh rows),
  and ``MIA AUC``, :func:`~skvae.metrics.membership_inference_auc` (0.5: no leak);
* ``s``: seconds to fit and draw one synthetic table.

Targets (issue 20): worst KS < 0.05, worst TV < 0.03, correlation difference < 0.03,
TSTR gap < 0.02, DCR ratio >= 1. Marginal distances between two finite samples never
reach 0: printed with the targets is the *noise floor*, the worst KS and TV that a perfect
generator would show, ``len(train)`` rows drawn from the population the training rows
came from, against the training rows, simulated (per continuous numeric column two
uniform samples, KS being distribution-free; per numeric column with at most 20 values
and per categorical one, two samples drawn with the training frequencies; the worst
column, mean of 200 draws). A generator that reproduces the training rows' own marginals
instead of the population's (the copula, whose quantile functions are the training
rows') lands below it, at about 1/sqrt(2) of it, and copying each column (independent) at
0: below the floor, a lower distance says "closer to the training sample", not "closer
to the population". The ``real half`` row shows the same noise for half as many rows on
each side (about sqrt(2) above the floor).

Printed: per table, each contender's measures (means over the seeds and draws; the worst
columns named are those of the first draw); then per contender
the mean, median and worst over the tables of each measure (for the MIA AUC the one
furthest from 0.5), and how many tables meet each target.

Run:  python benchmarks/synthetic.py           (3 seeds; 3.5 min on 2 cores shared with
                                                other jobs, see docs/synthetic_data.rst;
                                                about 6 min alone with the SDV rows)
      python benchmarks/synthetic.py --quick   (seed 0 only; under 2 min)
      python benchmarks/synthetic.py --skvae-params '{"whiten": true}'
                                               (the VAE with other settings)
      python benchmarks/synthetic.py --tables unseen
                                               (statsmodels' anes96, fair, modechoice,
                                                grunfeld and randhie, on which no default
                                                was chosen: see unseen_tables)
      python benchmarks/synthetic.py --label-conditional
                                               (adds the VAE conditioned on the label)
"""

import argparse
import functools
import json
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.special import ndtr, ndtri  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_wine,
)
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skvae import VAETransformer  # noqa: E402
from skvae.metrics import (  # noqa: E402
    MAX_DISCRETE_VALUES,
    association_difference,
    correlation_difference,
    distance_to_closest_record,
    ks_statistic,
    marginal_distances,
    membership_inference_auc,
    total_variation,
)

SEEDS = (0, 1, 2)
N_FLOOR_DRAWS = 200
VAE, MODEL, COPULA, INDEPENDENT, HALF = (
    "skvae",
    "skvae (marginals='model')",
    "Gaussian copula",
    "independent",
    "real half",
)
# SDV's synthesizers at their defaults, where SDV can be imported (it needs PyTorch and,
# at SDV 2.0, pandas < 3: install it in a separate environment, see the module docstring).
SDV_TVAE, SDV_COPULA = "TVAE (SDV)", "GaussianCopula (SDV)"
# --label-conditional: the VAE conditioned on the label column (a conditional VAE), its
# draws' labels drawn with their training shares by sample() itself.
CONDITIONAL = "skvae (condition_on=label)"
MEASURES = ("KS", "TV", "corr", "assoc", "TSTR gap", "DCR ratio", "MIA AUC")
# measure: (target, "<" or ">="); MIA has none (about 0.5 is good).
TARGETS = {"KS": (0.05, "<"), "TV": (0.03, "<"), "corr": (0.03, "<"), "TSTR gap": (0.02, "<")}
TARGETS["DCR ratio"] = (1.0, ">=")
HIGHER_IS_BETTER = {"DCR ratio", "TRTR AUC", "TSTR AUC"}
# The numeric results of measure(), averaged over a generator's draws.
MEASURED = ("KS", "TV", "corr", "assoc", "TRTR AUC", "TSTR AUC", "TSTR gap", "DCR ratio")
MEASURED += ("MIA AUC",)
# Synthetic tables drawn per generator, table and seed (--draws): a single draw's TSTR gap
# moved by up to 0.03 between draws of one fitted model on the 133 test rows of diabetes.
DRAWS = 5


# --------------------------------------------------------------------------- tables


def _with_category(data, name, labels):
    frame = data.data.copy()
    frame[name] = pd.Categorical(np.asarray(labels)[data.target], categories=list(labels))
    return frame


def penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna().reset_index(drop=True)
    for name in ("species", "island", "sex"):
        frame[name] = frame[name].astype(str).astype("category")
    return frame


def diabetes():
    data = load_diabetes(as_frame=True)
    frame = data.data.copy()
    high = data.target.to_numpy() > np.median(data.target)
    frame["progression"] = pd.Categorical(np.where(high, "high", "low"), categories=["low", "high"])
    return frame


def mixed(n=2000, seed=0):
    """A generated table with the column kinds real tables mix (see the docstring)."""
    rng = np.random.default_rng(seed)
    z1, z2 = rng.normal(size=(2, n))
    flat = np.where(rng.uniform(size=n) < 0.97, 1.0, rng.uniform(0, 5, size=n))
    quadrant = 2 * (z1 + 0.5 * rng.normal(size=n) > 0) + (z2 + 0.5 * rng.normal(size=n) > 0)
    return pd.DataFrame(
        {
            "income": np.exp(10 + 0.8 * z1 + 0.3 * rng.normal(size=n)),
            "age": np.clip(np.round(45 + 12 * (0.6 * z1 + 0.8 * z2)), 18, 90).astype(np.int64),
            "visits": rng.poisson(np.exp(0.7 + 0.5 * z2)).astype(np.int64),
            "score": 0.5 * z1 - 0.5 * z2 + 0.5 * rng.normal(size=n),
            "flat": flat,
            "member": rng.uniform(size=n) < 1 / (1 + np.exp(-1.5 * z1)),
            "segment": pd.Categorical(np.array(["a", "b", "c", "d"])[quadrant]),
        }
    )


def tables():
    """{name: (frame, label column)}."""
    cancer, wine = load_breast_cancer(as_frame=True), load_wine(as_frame=True)
    iris = load_iris(as_frame=True)
    return {
        "breast cancer": (_with_category(cancer, "diagnosis", cancer.target_names), "diagnosis"),
        "wine": (_with_category(wine, "cultivar", wine.target_names), "cultivar"),
        "penguins": (penguins(), "species"),
        "iris": (_with_category(iris, "species", iris.target_names), "species"),
        "diabetes": (diabetes(), "progression"),
        "mixed": (mixed(), "segment"),
    }


def _statsmodels(name):
    from statsmodels import datasets

    return getattr(datasets, name).load_pandas().data


def _subsample(frame, n=2000):
    """A fixed subsample of ``n`` rows (the same in every run), or the frame."""
    if len(frame) <= n:
        return frame.reset_index(drop=True)
    rows = np.sort(np.random.default_rng(0).choice(len(frame), n, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def _integers(frame, names):
    return frame.astype({name: np.int64 for name in names})


def _labelled(values, names):
    """A categorical column of ``names[int(value)]``, every name a level."""
    return pd.Categorical(np.asarray(names)[np.asarray(values, dtype=int)], categories=names)


def unseen_tables():
    """{name: (frame, label column)} of statsmodels' bundled tables, on which no default
    of skvae was chosen (``--tables unseen``): the check of the defaults on tables they
    were not tuned to. Whole-number columns become int64, codes become categories."""
    anes = _integers(_statsmodels("anes96"), ["TVnews", "selfLR", "ClinLR", "DoleLR", "age"])
    anes = _integers(anes, ["educ", "income"])
    anes["PID"] = _labelled(anes["PID"], ["SD", "WD", "ID", "I", "IR", "WR", "SR"])
    anes["vote"] = _labelled(anes["vote"], ["Clinton", "Dole"])
    fair = _subsample(_statsmodels("fair"))
    fair["affair"] = _labelled(fair.pop("affairs") > 0, ["no", "yes"])
    fair = _integers(fair, ["rate_marriage", "religious"])
    for name in ("occupation", "occupation_husb"):
        fair[name] = _labelled(fair[name] - 1, ["1", "2", "3", "4", "5", "6"])
    mode = _statsmodels("modechoice").drop(columns="individual")
    mode["mode"] = _labelled(mode["mode"] - 1, ["air", "train", "bus", "car"])
    mode["choice"] = _labelled(mode["choice"], ["no", "yes"])
    mode = _integers(mode, ["ttme", "invc", "invt", "gc", "hinc", "psize"])
    grunfeld = _integers(_statsmodels("grunfeld"), ["year"])
    grunfeld["firm"] = grunfeld["firm"].astype(str).astype("category")
    rand = _subsample(_statsmodels("randhie"))
    rand["visited"] = _labelled(rand.pop("mdvis") > 0, ["no", "yes"])
    rand = rand.astype({name: bool for name in ("idp", "hlthg", "hlthf", "hlthp")})
    return {
        "anes96": (anes, "vote"),
        "fair": (fair, "affair"),
        "modechoice": (mode, "choice"),
        "grunfeld": (grunfeld, "firm"),
        "randhie": (rand, "visited"),
    }


# --------------------------------------------------------------------------- contenders


def _is_category(column):
    return isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == bool


def gaussian_copula(train, n_samples, random_state=0):
    """A Gaussian copula synthesiser with empirical marginals, as SDV's GaussianCopula.

    Every column becomes a standard normal score: a numeric column through its empirical
    CDF, a categorical or boolean one through SDV's "uniform encoder" (each category owns
    an interval of [0, 1] as wide as its frequency, categories in their dtype's order, a
    row's value drawn uniformly inside its category's interval); ties of a numeric column
    are spread the same way (a value owns the interval of its CDF jump), so every score
    column is exactly N(0, 1) before ``ndtri``. A multivariate normal with the scores'
    correlation matrix is sampled and each coordinate mapped back through ``ndtr`` and the
    column's empirical quantile function (linear interpolation between the sorted
    training values, rounded for integer columns) or category intervals. The ordinal
    encoding puts the categories on one axis in an arbitrary order, so only the part of a
    multi-level category's dependence that is monotone along that order is kept.
    """
    rng = np.random.default_rng(random_state)
    n = len(train)
    scores, decoders = [], {}
    for name in train.columns:
        column = train[name]
        if _is_category(column):
            levels = column.cat.categories if column.dtype != bool else pd.Index([False, True])
            codes = pd.Categorical(column, categories=levels).codes
            upper = np.cumsum(np.bincount(codes, minlength=len(levels))) / n
            lower = upper - np.bincount(codes, minlength=len(levels)) / n
            u = lower[codes] + rng.uniform(size=n) * (upper - lower)[codes]
            decoders[name] = ("category", levels, upper)
        else:
            values = column.to_numpy(dtype=np.float64)
            below = np.searchsorted(np.sort(values), values, side="left") / n
            at = np.searchsorted(np.sort(values), values, side="right") / n
            u = below + rng.uniform(size=n) * (at - below)
            decoders[name] = ("number", np.sort(values), column.dtype)
        scores.append(ndtri(np.clip(u, 0.5 / n, 1 - 0.5 / n)))
    correlation = np.corrcoef(np.column_stack(scores), rowvar=False)
    u = ndtr(rng.multivariate_normal(np.zeros(len(scores)), correlation, size=n_samples))
    out = {}
    for j, name in enumerate(train.columns):
        kind, first, second = decoders[name]
        if kind == "category":
            codes = np.minimum(np.searchsorted(second, u[:, j], side="right"), len(first) - 1)
            out[name] = pd.Categorical.from_codes(codes, categories=first)
            if train[name].dtype == bool:
                out[name] = np.asarray(first)[codes].astype(bool)
        else:
            values = np.quantile(first, u[:, j])
            if np.issubdtype(second, np.integer):
                values = np.round(values).astype(second)
            out[name] = values
    return pd.DataFrame(out, columns=train.columns)


@functools.cache
def sdv_available():
    """Whether SDV can be imported (its rows are skipped otherwise). Called before any fit:
    it also imports PyTorch's compiler package, whose first import (by torch.optim, in
    TVAE's fit) loads Triton, which crashed the process (segmentation fault) once
    TensorFlow was loaded."""
    try:
        import sdv  # noqa: F401
        import torch._dynamo  # noqa: F401
    except ImportError:
        return False
    return True


def sdv_synthesizer(kind, train, random_state=0):
    """SDV's ``TVAESynthesizer`` (CTGAN's TVAE) or ``GaussianCopulaSynthesizer`` at its
    defaults, fitted on the training rows, as a user calls it: metadata detected from the
    frame. SDV refuses pandas' category dtype, so categorical columns go in as objects
    (:func:`like` restores the dtype of the rows it draws). Its training draws from the
    global NumPy, Python and PyTorch generators, so they are seeded first (the other
    contenders do not read them)."""
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

    objects = {c: object for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)}
    data = {"table": train.astype(objects)}
    seed_globals(random_state)
    metadata = Metadata.detect_from_dataframes(data)
    synthesizer = {"tvae": TVAESynthesizer, "copula": GaussianCopulaSynthesizer}[kind](metadata)
    synthesizer.fit(data)
    return synthesizer


def seed_globals(random_state):
    """Seed the global generators SDV reads (NumPy's, Python's, PyTorch's)."""
    import random

    import torch

    np.random.seed(random_state)  # noqa: NPY002 (SDV reads the global generator)
    random.seed(random_state)
    torch.manual_seed(random_state)


def sdv_samples(synthesizer, n_samples, n_draws):
    """``n_draws`` tables of ``n_samples`` rows drawn from a fitted SDV synthesizer, one
    after another from SDV's own sampling seed (``reset_sampling`` sets it to a fixed
    value; the global generators do not reach its sampling, so seeding them would draw
    the same table ``n_draws`` times)."""
    synthesizer.reset_sampling()
    tables = [synthesizer.sample(n_samples) for _ in range(n_draws)]
    return [rows["table"] if isinstance(rows, dict) else rows for rows in tables]


def independent(train, random_state=0):
    """Each column permuted separately: the training marginals exactly, no dependence."""
    rng = np.random.default_rng(random_state)
    return pd.DataFrame(
        {name: train[name].to_numpy()[rng.permutation(len(train))] for name in train.columns}
    ).astype(train.dtypes.to_dict())


def like(synthetic, train):
    """Synthetic rows with the training rows' column order and categorical dtypes (so the
    classifier sees the same categories); other dtypes are left as generated."""
    synthetic = synthetic[list(train.columns)].reset_index(drop=True)
    for name in train.columns:
        if isinstance(train[name].dtype, pd.CategoricalDtype):
            synthetic[name] = synthetic[name].astype(train[name].dtype)
    return synthetic


# --------------------------------------------------------------------------- measures


def _numeric(column):
    return not (_is_category(column) or column.dtype == object)


def tstr_auc(rows, test, label, seed):
    """ROC AUC on the test rows of a gradient-boosted classifier trained on ``rows``."""
    classes = list(test[label].cat.categories)
    y = rows[label].astype(object).to_numpy()
    X, X_test = rows.drop(columns=label), test.drop(columns=label)
    if len(set(y)) < 2:
        return 0.5  # a single synthetic class: the classifier can only guess
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    # One OpenMP thread: on shared, busy cores the boosting's threads wait on each other
    # and a fit that takes a second alone took 50.
    with threadpool_limits(1, user_api="openmp"):
        proba = model.fit(X, y).predict_proba(X_test)
    full = np.zeros((len(test), len(classes)))
    for j, value in enumerate(model.classes_):
        full[:, classes.index(value)] = proba[:, j]
    y_test = test[label].astype(object).to_numpy()
    if len(classes) == 2:
        return float(roc_auc_score(y_test == classes[1], full[:, 1]))
    return float(roc_auc_score(y_test, full, multi_class="ovr", labels=classes))


def measure(train, synthetic, test, label, seed):
    """The measures of one synthetic table, and the names of its worst KS and TV columns."""
    numeric = np.array([_numeric(train[c]) for c in train.columns])
    # marginal_distances compares a numeric column by TV when both samples have at most
    # MAX_DISCRETE_VALUES values, which depends on the sample (half of iris's training
    # rows have <= 20 values of a 0.1-cm measurement, a VAE's floats never do); pinned here
    # to KS for every numeric column (it handles ties), so all rows use one statistic.
    distances = marginal_distances(train, synthetic)
    distances[numeric] = [
        ks_statistic(train[c].to_numpy(np.float64), synthetic[c].to_numpy(np.float64))
        for c in train.columns[numeric]
    ]
    worst = {}
    for kind, chosen in (("KS", numeric), ("TV", ~numeric)):
        if chosen.any():
            j = np.flatnonzero(chosen)[np.argmax(distances[chosen])]
            worst[kind], worst[f"{kind} column"] = float(distances[j]), train.columns[j]
        else:
            worst[kind], worst[f"{kind} column"] = np.nan, "-"
    trtr = tstr_auc(train, test, label, seed)
    tstr = tstr_auc(synthetic, test, label, seed)
    return {
        **worst,
        "corr": correlation_difference(train, synthetic),
        "assoc": association_difference(train, synthetic),
        "TRTR AUC": trtr,
        "TSTR AUC": tstr,
        "TSTR gap": trtr - tstr,
        "DCR ratio": distance_to_closest_record(train, synthetic, test)["ratio"],
        "MIA AUC": membership_inference_auc(train, test, synthetic, random_state=seed),
    }


def noise_floor(train, seed=0):
    """Mean worst KS and worst TV of a perfect generator: len(train) fresh rows against
    len(train) training rows, simulated column by column (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = len(train)
    columns = {"KS": [], "TV": []}
    for name in train.columns:
        column = train[name]
        frequencies = column.astype(object).value_counts(normalize=True).to_numpy()
        if not _numeric(column):
            columns["TV"].append(frequencies)
        elif column.nunique() <= MAX_DISCRETE_VALUES:
            # A discrete numeric column: KS of draws from its training frequencies (ties
            # lower the KS noise below that of a continuous column).
            columns["KS"].append(frequencies)
        else:
            columns["KS"].append(None)  # continuous: KS is distribution-free, use uniforms

    def draw(p):
        return rng.uniform(size=n) if p is None else rng.choice(len(p), n, p=p)

    floor = {}
    for kind, statistic in (("KS", ks_statistic), ("TV", total_variation)):
        worst = [
            max(statistic(draw(p), draw(p)) for p in columns[kind])
            for _ in range(N_FLOOR_DRAWS if columns[kind] else 0)
        ]
        floor[kind] = float(np.mean(worst)) if worst else np.nan
    return floor["KS"], floor["TV"]


# --------------------------------------------------------------------------- running


def run_table(frame, label, seed, notes, skvae_params=None, n_draws=DRAWS, label_conditional=False):
    """{contender: measures (+ "s")} for one table and seed (``skvae_params`` update the
    VAE's defaults; ``label_conditional`` adds the VAE conditioned on the label, which
    ``sample`` draws with its training shares): each generator's measures are the means
    over ``n_draws`` synthetic tables, drawn with random states s, s + 1000, ...; its worst
    columns are those of the first draw, and its seconds those of fitting and drawing one
    table (the mean draw)."""
    train, test = train_test_split(frame, test_size=0.3, random_state=seed, stratify=frame[label])
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    states = [seed + 1000 * d for d in range(n_draws)]
    draws = {}

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = VAETransformer(random_state=seed, **(skvae_params or {})).fit(train)
        fitted = time.perf_counter()
        draws[VAE] = [model.sample(len(train), random_state=r) for r in states]
        sampled = time.perf_counter()
        draws[MODEL] = [model.sample(len(train), random_state=r, marginals="model") for r in states]
        seconds = {
            VAE: fitted - start + (sampled - fitted) / n_draws,
            MODEL: fitted - start + (time.perf_counter() - sampled) / n_draws,
        }
    for w in caught:
        notes.add(f"{w.category.__name__}: {str(w.message).splitlines()[0][:150]}")
    mismatched = {
        c: (str(train[c].dtype), str(draws[VAE][0][c].dtype))
        for c in train.columns
        if str(train[c].dtype) != str(draws[VAE][0][c].dtype)
    }
    if mismatched:
        notes.add(f"sample() dtypes differ from the training frame's: {mismatched}")

    if label_conditional:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            params = {"random_state": seed, "condition_on": [label], **(skvae_params or {})}
            conditional = VAETransformer(**params).fit(train)
            fitted = time.perf_counter()
            draws[CONDITIONAL] = [conditional.sample(len(train), random_state=r) for r in states]
        seconds[CONDITIONAL] = fitted - start + (time.perf_counter() - fitted) / n_draws
        for w in caught:
            notes.add(f"{w.category.__name__}: {str(w.message).splitlines()[0][:150]}")

    start = time.perf_counter()
    draws[COPULA] = [gaussian_copula(train, len(train), r) for r in states]
    seconds[COPULA] = (time.perf_counter() - start) / n_draws
    if sdv_available():
        for name, kind in ((SDV_TVAE, "tvae"), (SDV_COPULA, "copula")):
            start = time.perf_counter()
            synthesizer = sdv_synthesizer(kind, train, seed)
            fitted = time.perf_counter()
            draws[name] = sdv_samples(synthesizer, len(train), n_draws)
            seconds[name] = fitted - start + (time.perf_counter() - fitted) / n_draws
    start = time.perf_counter()
    draws[INDEPENDENT] = [independent(train, r) for r in states]
    seconds[INDEPENDENT] = (time.perf_counter() - start) / n_draws
    results = {}
    for name, tables_drawn in draws.items():
        measured = [measure(train, like(rows, train), test, label, seed) for rows in tables_drawn]
        results[name] = {
            **measured[0],
            **{m: float(np.mean([r[m] for r in measured])) for m in MEASURED},
            "s": seconds[name],
        }

    half_a, half_b = train_test_split(
        train, test_size=0.5, random_state=seed, stratify=train[label]
    )
    half_a, half_b = half_a.reset_index(drop=True), half_b.reset_index(drop=True)
    results[HALF] = {**measure(half_a, half_b, test, label, seed), "s": np.nan}
    return results


def fmt(value, digits=3):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if np.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def target_text(name):
    if name not in TARGETS:
        return "-"
    value, sign = TARGETS[name]
    return f"{sign} {value:g}"


def meets(name, value):
    value_target, sign = TARGETS[name]
    return value >= value_target if sign == ">=" else value < value_target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seed 0 only")
    parser.add_argument(
        "--draws",
        type=int,
        default=DRAWS,
        help=f"synthetic tables per generator, table and seed (default {DRAWS})",
    )
    parser.add_argument(
        "--skvae-params",
        type=json.loads,
        default={},
        metavar="JSON",
        help="VAETransformer parameters over its defaults, e.g. '{\"whiten\": true}'",
    )
    parser.add_argument(
        "--tables",
        choices=["suite", "unseen"],
        default="suite",
        help="the tables the defaults were chosen on (default), or statsmodels' tables "
        "that no default was chosen on",
    )
    parser.add_argument(
        "--label-conditional",
        action="store_true",
        help="add the VAE conditioned on the label column (condition_on=[label]), whose "
        "sample() draws the labels with their training shares",
    )
    args = parser.parse_args(argv)
    if args.skvae_params:
        print(f"VAETransformer parameters over the defaults: {args.skvae_params}")
    seeds = SEEDS[:1] if args.quick else SEEDS
    contenders = [VAE, MODEL] + [CONDITIONAL] * args.label_conditional
    contenders += [COPULA, INDEPENDENT, HALF]
    if sdv_available():
        after_copula = contenders.index(COPULA) + 1
        contenders[after_copula:after_copula] = [SDV_TVAE, SDV_COPULA]
    else:
        print("SDV is not installed (see the module docstring): its rows are skipped.\n")
    columns = ("KS", "TV", "corr", "assoc", "TRTR AUC", "TSTR AUC", "TSTR gap")
    columns += ("DCR ratio", "MIA AUC", "s")
    print(f"seeds {list(seeds)}, {args.draws} synthetic table(s) per generator and seed\n")

    started = time.perf_counter()
    notes, per_table, floors = set(), {}, {}
    chosen = unseen_tables() if args.tables == "unseen" else tables()
    for table, (frame, label) in chosen.items():
        table_start = time.perf_counter()
        runs = [
            run_table(
                frame, label, seed, notes, args.skvae_params, args.draws, args.label_conditional
            )
            for seed in seeds
        ]
        per_table[table] = {
            c: {m: float(np.mean([r[c][m] for r in runs])) for m in columns} for c in contenders
        }
        for c in contenders:  # the worst column most often, and in how many seeds
            for kind in ("KS column", "TV column"):
                names = pd.Series([r[c][kind] for r in runs]).value_counts()
                per_table[table][c][kind] = f"{names.index[0]} ({names.iloc[0]}/{len(runs)})"
        train = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame[label])[0]
        n_train, floors[table] = len(train), noise_floor(train)
        shape = f"{frame.shape[0]} x {frame.shape[1]}, {n_train} training rows, label {label!r}"
        print(f"### {table} ({shape}; {time.perf_counter() - table_start:.0f} s)\n")
        print(
            f"noise floor (perfect generator, {n_train} vs {n_train} rows): worst KS "
            f"{fmt(floors[table][0])}, worst TV {fmt(floors[table][1])}\n"
        )
        rows = []
        for c in contenders:
            row = per_table[table][c]
            rows.append(
                [c]
                + [fmt(row[m], 1 if m == "s" else 3) for m in columns]
                + [row["KS column"], row["TV column"]]
            )
        rows.append(["target"] + [target_text(m) for m in columns] + ["", ""])
        header = ("contender",) + columns + ("worst KS column", "worst TV column")
        print(markdown(header, rows) + "\n", flush=True)

    print("### Summary over the tables (per-table means over the seeds)\n")
    floor_ks = [f[0] for f in floors.values()]
    floor_tv = [f[1] for f in floors.values()]
    print(
        f"noise floor over the tables: worst KS {fmt(min(floor_ks))}-{fmt(max(floor_ks))}, "
        f"worst TV {fmt(min(floor_tv))}-{fmt(max(floor_tv))}\n"
    )
    rows = []
    for c in contenders:
        values = {m: np.array([per_table[t][c][m] for t in per_table]) for m in MEASURES}
        rows.append([c, "mean"] + [fmt(float(np.mean(values[m]))) for m in MEASURES])
        rows.append(["", "median"] + [fmt(float(np.median(values[m]))) for m in MEASURES])
        worst = [
            float(np.min(values[m]) if m in HIGHER_IS_BETTER else np.max(values[m]))
            if m != "MIA AUC"
            else float(values[m][np.argmax(np.abs(values[m] - 0.5))])
            for m in MEASURES
        ]
        rows.append(["", "worst"] + [fmt(w) for w in worst])
        met = [
            f"{sum(meets(m, v) for v in values[m])}/{len(values[m])}" if m in TARGETS else "-"
            for m in MEASURES
        ]
        rows.append(["", "tables meeting target"] + met)
    rows.append(["target", ""] + [target_text(m) for m in MEASURES])
    rows.append(
        ["noise floor", "mean"]
        + [fmt(float(np.mean(floor_ks))), fmt(float(np.mean(floor_tv)))]
        + ["-"] * (len(MEASURES) - 2)
    )
    print(markdown(("contender", "over tables") + MEASURES, rows) + "\n")
    if notes:
        print("Notes from fit/sample:")
        for note in sorted(notes):
            print(f"- {note}")
    print(f"\nTotal time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
