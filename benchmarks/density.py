"""Density benchmark: held-out log-likelihood of skvae against classical density models.

The question a user asks before picking skvae as a density model: does it give held-out
rows a higher log-likelihood than the models one would use instead, and does it avoid
their catastrophic rows? Every model is fitted on the training part of a split and scores
the held-out rows with ``score_samples``: log p(x) in nats per row, in X's own units (no
rescaling, no dequantisation: X as given, so integer-valued columns are scored as
densities too), all models on exactly the same rows.

Tables (float64, no missing values; the generated ones with fixed seeds, 2000 rows):

* real: scikit-learn's ``load_digits`` (1797 x 64, integer pixels 0..16, three pixels
  constant), ``load_wine`` (178 x 13), ``load_breast_cancer`` (569 x 30),
  ``load_diabetes`` (442 x 10, X only), ``load_iris`` (150 x 4) and palmerpenguins'
  ``load_penguins()`` (342 x 5: bill length and depth, flipper length, body mass, year;
  rows with a missing value dropped; skipped with a note when palmerpenguins is not
  installed: ``pip install -e ".[bench]"``);
* ``fa_scales``: factor-analysis data, 10 features from 3 latent factors, loadings
  N(0, 1), noise standard deviation uniform(0.2, 1) per feature, then feature j
  multiplied by ``np.geomspace(0.1, 20, 10)[j]`` (scales over two orders of magnitude);
* ``student_t``: 8 correlated Student-t columns with 3 degrees of freedom (a Gaussian with
  the covariance of a 3-factor model divided by sqrt(chi2_3 / 3), one draw per row);
* ``counts``: 10 Poisson columns with rates exp(0.5 + 0.7 W z), z from 2 latent N(0, 1)
  factors, W N(0, 1), stored as float;
* ``lognormal``: 8 columns exp(g), g Gaussian with unit variances and the correlations of
  a 3-factor model (strongly right-skewed columns);
* ``near_constant``: 12 columns of 3-factor data plus 3 columns that are 0 in 99% of the
  rows and an integer in 1..10 otherwise (15 columns);
* ``constant_in_train``: 8 columns of factor data plus a ninth column that is exactly 0
  in every row of the table; after each split, ONE randomly chosen held-out row gets the
  value 10 x the median training standard deviation of the other 8 columns in that
  column (the table's ``perturb_test(X_test, X_train, rng)`` hook). A model that gives the
  training-constant column a near-zero variance pays for it on that row: its score
  decides the worst row, and here the "10sd row" column is that row's score.

Tables no default was chosen on, run only when asked (``--tables unseen``, or by name;
``pip install statsmodels``): statsmodels' bundled ``macrodata`` (203 x 12, without year
and quarter), ``star98`` (303 x 22), ``grunfeld`` (220 x 3, without year), ``anes96``
(944 x 11), ``modechoice`` (840 x 8, without the individual's id), ``fair`` and
``randhie`` (2,000 of their 6,366 and 20,190 rows, a fixed subsample; 9 and 10 columns);
numeric columns, rows with a missing value dropped. ``--tables small`` runs fifteen more
of statsmodels' bundled tables, small ones (16 to 301 rows, 2 to 12 columns), the same
way: ``statecrime``, ``engel``, ``ccard``, ``elnino`` (without the year), ``copper``
(without the time index), ``longley`` (without the year), ``stackloss``, ``strikes``,
``heart``, ``scotland``, ``cpunish``, ``committee``, ``spector``, ``cancer`` and
``danish_data``. On such tables the Gaussian mixture's rule of two training rows per free
parameter can leave no candidate; it then fits one spherical Gaussian.

Splits: ``ShuffleSplit(n_splits=5, test_size=0.25, random_state=0)`` (``--splits K``).

Models, each fitted on the training rows of each split:

* ``skvae``: ``VAETransformer(random_state=split_index, **SKVAE_DEFAULTS)``, the
  defaults with no tuning (``SKVAE_DEFAULTS = {}``); ``--skvae-params '{"n_components":
  8}'`` (JSON) is merged into it. ``--variants flow hierarchical iwae`` adds models
  ``skvae[flow]`` etc., each the defaults updated with ``SKVAE_VARIANTS[name]``;
  ``--variant-params '{"flow": {"n_flows": 8}, "wide": {"n_components": 16}}'`` updates
  or adds variants (then name them in ``--variants``), so experiments need no code change.
  The main settings in effect are printed first: the defaults are those of the skvae
  that is imported, so the skvae rows move when its defaults change.
* ``PCA``: probabilistic PCA, ``n_components`` chosen by ``GridSearchCV(PCA(),
  {"n_components": grid}, cv=5)`` on the training rows (scored by ``PCA.score``, the mean
  log-likelihood); grid: every value 1..n_features-1 for up to 30 features, else 15
  values evenly spread over 1..min(n_features-1, 60).
* ``FA``: the same with ``FactorAnalysis()`` and the same grid.
* ``GMM``: ``GaussianMixture(random_state=0, n_init=1)`` (default ``reg_covar``) with the
  lowest BIC on the training rows over n_components 1..20 x covariance_type full, tied,
  diag, spherical. A candidate with fewer than 2 training rows per free parameter is
  not fitted (without this rule BIC picked 18 full-covariance components for wine's 133
  training rows, near-singular components that scored held-out rows down to -24,000
  nats); on digits this leaves only diag and spherical mixtures (one full covariance
  alone has 2,080 parameters, for 1,347 training rows). A candidate that fails to fit is
  skipped.
* ``KDE``: ``KernelDensity`` (Gaussian kernel) on standardised columns (a
  ``StandardScaler`` fitted on the training rows; constant columns keep scale 1), the
  bandwidth (in standard deviations) chosen by ``GridSearchCV(KernelDensity(),
  {"bandwidth": np.logspace(-1.5, 0.5, 15)}, cv=5)``. Its scores are brought back to X's
  units by the change of variables z = (x - mean) / scale: log p(x) = log p(z) - sum_j
  log scale_j, the same log-Jacobian added to every row.

Fit times include the cross-validation or BIC search. The classical models run with one
BLAS thread (``threadpoolctl``): on these small matrices OpenBLAS's threads only cost
time, and on a busy 2-core machine they made FactorAnalysis fits 100 times slower. A
model that raises, or returns a non-finite score, counts as -inf on that split (the
reason is printed once); the others go on.

Report per table and model: ``mean`` (over all held-out rows of all splits, nats per
row) with ``sd`` (standard deviation of the per-split means), ``median`` (over the same
rows), ``worst`` (the lowest held-out row over all splits), ``10sd row`` (mean over
splits of the score of one probe row: the first held-out row with its first non-constant
column -- the first column, except on digits where pixel 0 is always 0 -- set to the
training mean + 10 training standard deviations of that column), ``fit s`` (mean
seconds per split) and ``chosen`` (the hyperparameters the search picked, per split;
for skvae the epochs trained).
The final summary gives, per table and skvae model, the best classical model by mean,
skvae's mean minus it, skvae's worst row against the best worst row among the classical
models, and which targets are met: (a) skvae's mean above the best classical mean on
tables of 500 rows or more, within 0.5 nats per row of it on the smaller ones; (b)
skvae's worst row at least the best classical worst row. ``--rst`` prints the summary
also as an RST ``list-table`` for the docs.

Run:  python benchmarks/density.py --jobs 2
(every table, 5 splits, 5 models: roughly 20 minutes of 2 CPU cores, judged from 1- and
2-split runs of every table; each skvae fit takes 6 to 25 seconds, the classical searches
of one split up to 20 seconds (digits, breast_cancer's 29 FactorAnalysis sizes).
``--tables iris wine ...`` and ``--models PCA FA GMM KDE skvae`` restrict the run (the
classical models alone: about 3 minutes for every table at 2 splits); ``--jobs N`` fits
the splits in N parallel processes, the results do not depend on it; ``--quick`` uses 2
splits. The classical searches are kept whole under ``--quick``: on digits, the widest
table, they take about 20 seconds per split, so there is nothing to gain by cutting them.
``--dequantise`` adds uniform noise in [0, 1) (drawn once, seed 0) to every non-constant
column whose values are all integers -- digits' pixels, penguins' year, mass and flipper
length, the counts, near_constant's rare columns -- before splitting, as is usual for
densities of discrete data: a continuous density can otherwise put narrow spikes on the
integers (GaussianMixture does on counts and penguins), and every model is then scored on
continuous values, a lower bound on the log-probability of the integer rows.)
``--dequantise --variants integer`` adds ``skvae[integer]``: the same defaults, fitted on
the whole numbers with those columns given the "integer" kind (a discretised logistic:
a probability per value) and scored on the held-out rows floored back to whole numbers.
Its log P(x) is the log-density of x + U(0, 1) under its piecewise-constant density, so
it compares like with like with the classical densities of the dequantised rows.
"""

import argparse
import json
import logging
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from multiprocessing import get_context

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

SKVAE_DEFAULTS = {}
SKVAE_VARIANTS = {
    "flow": dict(posterior="flow"),
    "hierarchical": dict(n_components_lower=8),
    "iwae": dict(objective="iwae"),
    "whiten": dict(whiten=True),
    # Only with --dequantise: the all-integer columns given as whole numbers with the
    # "integer" kind (a probability per value), the others as they are.
    "integer": dict(integer_columns=True),
}
CLASSICAL = ("PCA", "FA", "GMM", "KDE")
BASE_MODELS = ("skvae", *CLASSICAL)
N_SPLITS = 5
TEST_SIZE = 0.25
N_GENERATED = 2000
# Rows from which target (a) asks skvae to beat the best classical mean outright.
LARGE_TABLE = 500
SMALL_TABLE_SLACK = 0.5
GMM_COMPONENTS = tuple(range(1, 21))
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
BANDWIDTHS = np.logspace(-1.5, 0.5, 15)


# --------------------------------------------------------------------------------------
# Tables: each returns X (float64, no NaN), or (X, perturb_test) for a table whose
# held-out rows are modified after splitting.


def _sklearn(loader):
    def load():
        return np.asarray(loader(return_X_y=True)[0], dtype=np.float64)

    load.__doc__ = f"scikit-learn's {loader.__name__}, X only."
    return load


def penguins():
    """palmerpenguins' numeric columns, rows with a missing value dropped."""
    from palmerpenguins import load_penguins

    columns = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
    return load_penguins()[columns].dropna().to_numpy(dtype=np.float64)


def _factor_data(rng, n, n_features, n_factors):
    """Factor-analysis rows: N(0, 1) loadings and factors, noise sd uniform(0.2, 1)."""
    loadings = rng.normal(size=(n_features, n_factors))
    noise_sd = rng.uniform(0.2, 1.0, size=n_features)
    z = rng.normal(size=(n, n_factors))
    return z @ loadings.T + rng.normal(size=(n, n_features)) * noise_sd


def _factor_covariance(rng, n_features, n_factors):
    loadings = rng.normal(size=(n_features, n_factors))
    return loadings @ loadings.T + np.diag(rng.uniform(0.2, 1.0, size=n_features) ** 2)


def fa_scales():
    """3-factor data, 10 features, feature j times geomspace(0.1, 20, 10)[j]."""
    rng = np.random.default_rng(1)
    return _factor_data(rng, N_GENERATED, 10, 3) * np.geomspace(0.1, 20, 10)


def student_t():
    """8 correlated Student-t columns (3 degrees of freedom, 3-factor covariance)."""
    rng = np.random.default_rng(2)
    covariance = _factor_covariance(rng, 8, 3)
    gaussian = rng.multivariate_normal(np.zeros(8), covariance, size=N_GENERATED)
    return gaussian / np.sqrt(rng.chisquare(3, size=(N_GENERATED, 1)) / 3)


def counts():
    """10 Poisson columns, rates exp(0.5 + 0.7 W z) from 2 latent factors."""
    rng = np.random.default_rng(3)
    loadings = rng.normal(size=(10, 2))
    z = rng.normal(size=(N_GENERATED, 2))
    return rng.poisson(np.exp(0.5 + 0.7 * z @ loadings.T)).astype(np.float64)


def lognormal():
    """exp of 8 correlated unit-variance Gaussian columns (3-factor correlations)."""
    rng = np.random.default_rng(4)
    covariance = _factor_covariance(rng, 8, 3)
    sd = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(sd, sd)
    return np.exp(rng.multivariate_normal(np.zeros(8), correlation, size=N_GENERATED))


def near_constant():
    """12 columns of 3-factor data plus 3 columns: 0 in 99% of rows, else 1..10."""
    rng = np.random.default_rng(5)
    factors = _factor_data(rng, N_GENERATED, 12, 3)
    rare = rng.integers(1, 11, size=(N_GENERATED, 3)) * (rng.uniform(size=(N_GENERATED, 3)) < 0.01)
    return np.hstack([factors, rare.astype(np.float64)])


def constant_in_train():
    """8 columns of factor data plus a column of zeros; see ``perturb_test``."""
    rng = np.random.default_rng(6)
    X = np.hstack([_factor_data(rng, N_GENERATED, 8, 3), np.zeros((N_GENERATED, 1))])

    def perturb_test(X_test, X_train, rng):
        """One random held-out row gets 10 x the other columns' median training sd in the
        last (all-zero) column; returns the new held-out rows and that row's index."""
        X_test = X_test.copy()
        row = int(rng.integers(len(X_test)))
        X_test[row, -1] = 10 * np.median(X_train[:, :-1].std(axis=0))
        return X_test, row

    return X, perturb_test


def _real_tables():
    from sklearn import datasets

    names = ("digits", "wine", "breast_cancer", "diabetes", "iris")
    return {name: _sklearn(getattr(datasets, f"load_{name}")) for name in names}


TABLES = {
    **_real_tables(),
    "penguins": penguins,
    "fa_scales": fa_scales,
    "student_t": student_t,
    "counts": counts,
    "lognormal": lognormal,
    "near_constant": near_constant,
    "constant_in_train": constant_in_train,
}


# Tables that no default of skvae was chosen on (statsmodels' bundled data sets, numeric
# columns, rows with a missing value dropped, at most N_GENERATED rows): the check of a
# default on data it was not tuned to. Run with --tables unseen.
UNSEEN_TABLES = {
    "macrodata": ("macrodata", ["year", "quarter"]),
    "star98": ("star98", []),
    "grunfeld": ("grunfeld", ["year"]),
    "anes96": ("anes96", []),
    "modechoice": ("modechoice", ["individual"]),
    "fair": ("fair", []),
    "randhie": ("randhie", []),
}
# Small tables, none used to choose a default either (--tables small): the defaults'
# check where a table has tens of rows.
SMALL_TABLES = {
    "statecrime": ("statecrime", []),
    "engel": ("engel", []),
    "ccard": ("ccard", []),
    "elnino": ("elnino", ["YEAR"]),
    "copper": ("copper", ["TIME"]),
    "longley": ("longley", ["YEAR"]),
    "stackloss": ("stackloss", []),
    "strikes": ("strikes", []),
    "heart": ("heart", []),
    "scotland": ("scotland", []),
    "cpunish": ("cpunish", []),
    "committee": ("committee", []),
    "spector": ("spector", []),
    "cancer": ("cancer", []),
    "danish_data": ("danish_data", []),
}


def _statsmodels(dataset, dropped):
    def load():
        from statsmodels import datasets

        frame = getattr(datasets, dataset).load_pandas().data
        X = frame.drop(columns=dropped).select_dtypes("number").dropna().to_numpy(np.float64)
        if len(X) > N_GENERATED:  # a fixed subsample, the same in every run
            X = X[np.random.default_rng(0).choice(len(X), N_GENERATED, replace=False)]
        return X

    load.__doc__ = f"statsmodels' {dataset}, numeric columns but {dropped}."
    return load


TABLES.update(
    {name: _statsmodels(*spec) for name, spec in {**UNSEEN_TABLES, **SMALL_TABLES}.items()}
)


def load_table(name):
    """(X, perturb_test or None) of the table ``name``."""
    loaded = TABLES[name]()
    X, perturb_test = loaded if isinstance(loaded, tuple) else (loaded, None)
    X = np.asarray(X, dtype=np.float64)
    assert X.ndim == 2 and np.isfinite(X).all(), name
    return X, perturb_test


def dequantised(X):
    """(X with U(0, 1) noise (seed 0) on every non-constant column whose values are all
    integers, the mask of those columns)."""
    integer = np.all(X == np.round(X), axis=0) & (np.ptp(X, axis=0) > 0)
    noise = np.random.default_rng(0).uniform(size=X.shape)
    return X + noise * integer, integer


def splits(X, n_splits):
    from sklearn.model_selection import ShuffleSplit

    cv = ShuffleSplit(n_splits=n_splits, test_size=TEST_SIZE, random_state=0)
    return list(cv.split(X))


# --------------------------------------------------------------------------------------
# Models: each fits on X_train and returns (object with score_samples, chosen settings).


def _grid(n_features):
    """n_components grid of the PCA and FA searches."""
    if n_features <= 30:
        return list(range(1, n_features))
    return sorted({int(k) for k in np.linspace(1, min(n_features - 1, 60), 15).round()})


def _cv_search(estimator, name, values, X_train):
    from sklearn.model_selection import GridSearchCV

    with warnings.catch_warnings():
        # Candidates whose fold scores are -inf or NaN (a constant column) just rank last.
        warnings.simplefilter("ignore")
        search = GridSearchCV(estimator, {name: values}, cv=5).fit(X_train)
    return search.best_estimator_, search.best_params_[name]


def fit_pca(X_train):
    from sklearn.decomposition import PCA

    model, k = _cv_search(PCA(), "n_components", _grid(X_train.shape[1]), X_train)
    return model, f"k={k}"


def fit_fa(X_train):
    from sklearn.decomposition import FactorAnalysis

    model, k = _cv_search(FactorAnalysis(), "n_components", _grid(X_train.shape[1]), X_train)
    return model, f"k={k}"


def _gmm_parameters(k, covariance_type, p):
    """Free parameters of a k-component GaussianMixture on p columns."""
    covariance = {"full": k * p * (p + 1) // 2, "tied": p * (p + 1) // 2, "diag": k * p}
    return covariance.get(covariance_type, k) + k * p + k - 1


def fit_gmm(X_train):
    from sklearn.mixture import GaussianMixture

    best, best_bic = None, np.inf
    for covariance_type in COVARIANCE_TYPES:
        for k in GMM_COMPONENTS:
            if len(X_train) < 2 * _gmm_parameters(k, covariance_type, X_train.shape[1]):
                continue  # fewer than 2 rows per free parameter
            gmm = GaussianMixture(k, covariance_type=covariance_type, n_init=1, random_state=0)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # ConvergenceWarning
                    bic = gmm.fit(X_train).bic(X_train)
            except (ValueError, np.linalg.LinAlgError):  # ill-defined covariance
                continue
            if np.isfinite(bic) and bic < best_bic:
                best, best_bic = gmm, bic
    if best is None:  # too few rows for any candidate (a table of a dozen rows)
        best = GaussianMixture(1, covariance_type="spherical", random_state=0).fit(X_train)
    return best, f"{best.covariance_type[:4]} {best.n_components}"


class StandardisedKDE:
    """A fitted KernelDensity on standardised columns, scoring in X's units."""

    def __init__(self, scaler, kde):
        self.scaler, self.kde = scaler, kde
        # log |dz/dx| of z = (x - mean) / scale, the same for every row.
        self.log_jacobian = -float(np.sum(np.log(scaler.scale_)))

    def score_samples(self, X):
        return self.kde.score_samples(self.scaler.transform(X)) + self.log_jacobian


def fit_kde(X_train):
    from sklearn.neighbors import KernelDensity
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)  # a constant column gets scale_ 1
    kde, h = _cv_search(KernelDensity(), "bandwidth", BANDWIDTHS, scaler.transform(X_train))
    return StandardisedKDE(scaler, kde), f"h={h:.2g}"


class IntegerRows:
    """A VAE fitted on whole numbers, scored on dequantised rows: the integer columns are
    floored back to the integers (x + U(0, 1) floors to x), so ``score_samples`` gives
    log P(x), which is the log-density of x + U(0, 1) under the model's piecewise-constant
    density: like with like against the classical densities of the dequantised rows."""

    def __init__(self, vae, integer):
        self.vae, self.integer = vae, integer

    def whole(self, X):
        return np.where(self.integer, np.floor(X), X)

    def score_samples(self, X):
        return self.vae.score_samples(self.whole(X))


def fit_skvae(X_train, split_index, settings, integer=None):
    from skvae import PosteriorCollapseWarning, VAETransformer

    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # tf.function retracing notes
    settings = dict(settings)
    as_integers = settings.pop("integer_columns", False) and integer is not None
    if as_integers:
        settings["column_types"] = {int(j): "integer" for j in np.flatnonzero(integer)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        vae = VAETransformer(random_state=split_index, **settings)
        if as_integers:
            model = IntegerRows(vae, integer)
            vae.fit(model.whole(X_train))
        else:
            model = vae.fit(X_train)
    return model, f"{vae.n_iter_} ep"


CLASSICAL_FITS = {"PCA": fit_pca, "FA": fit_fa, "GMM": fit_gmm, "KDE": fit_kde}


# --------------------------------------------------------------------------------------
# One split of one table.


def _probe_row(X_test, X_train):
    """The first held-out row with its first non-constant column at mean + 10 sd."""
    sd = X_train.std(axis=0)
    column = int(np.flatnonzero(sd > 0)[0])
    row = X_test[:1].copy()
    row[0, column] = X_train[:, column].mean() + 10 * sd[column]
    return row


def _fit_and_score(name, settings, split_index, X_train, X_test, probe, integer=None):
    """(held-out scores, probe row's score, fit seconds, chosen); ``probe`` is a row, or
    the index of the held-out row that ``perturb_test`` changed; ``integer`` masks the
    dequantised integer columns (None when not dequantised)."""
    start = time.perf_counter()
    if settings is None:
        model, chosen = CLASSICAL_FITS[name](X_train)
    else:
        model, chosen = fit_skvae(X_train, split_index, settings, integer)
    seconds = time.perf_counter() - start
    with np.errstate(all="ignore"):
        scores = np.asarray(model.score_samples(X_test), dtype=np.float64)
        if isinstance(probe, int):
            probe_score = scores[probe]
        else:
            probe_score = np.asarray(model.score_samples(probe), dtype=np.float64)[0]
    return scores, float(probe_score), seconds, chosen


def run_split(table, split_index, n_splits, models, dequantise=False):
    """Fit and score ``models`` ({name: skvae settings or None for a classical model}) on
    one split; {name: (held-out scores, 10sd-row score, fit seconds, chosen, error)}."""
    from threadpoolctl import threadpool_limits

    X, perturb_test = load_table(table)
    X, integer = dequantised(X) if dequantise else (X, None)
    train, test = splits(X, n_splits)[split_index]
    X_train, X_test = X[train], X[test]
    if perturb_test is None:
        probe = _probe_row(X_test, X_train)
    else:
        X_test, probe = perturb_test(X_test, X_train, np.random.default_rng(split_index))
    results = {}
    for name, settings in models.items():
        # The classical models get one BLAS thread: on these small matrices OpenBLAS's
        # threads only cost time (FactorAnalysis fits 100 times slower on a busy 2-core
        # machine). skvae's TensorFlow keeps its own thread pools.
        limit = threadpool_limits(1, user_api="blas") if settings is None else nullcontext()
        start = time.perf_counter()
        try:
            with limit:
                scores, probe_score, seconds, chosen = _fit_and_score(
                    name, settings, split_index, X_train, X_test, probe, integer
                )
            error = None
            if not np.isfinite(scores).all() or not np.isfinite(probe_score):
                error = f"non-finite scores ({np.sum(~np.isfinite(scores))} held-out rows)"
            scores = np.where(np.isfinite(scores), scores, -np.inf)
            probe_score = probe_score if np.isfinite(probe_score) else -np.inf
        except Exception as exc:  # a failed model counts as -inf on this split
            seconds = time.perf_counter() - start
            scores, probe_score, chosen = np.full(len(X_test), -np.inf), -np.inf, "failed"
            error = f"{type(exc).__name__}: {exc}"
        results[name] = (scores, probe_score, seconds, chosen, error)
    return results


# --------------------------------------------------------------------------------------
# Report.


def summarise(per_split):
    """Per model: dict of mean, sd, median, worst, probe, seconds, chosen, errors."""
    summary = {}
    for name in per_split[0]:
        scores = [split[name][0] for split in per_split]
        pooled = np.concatenate(scores)
        split_means = np.array([s.mean() for s in scores])
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(split_means).all() and len(split_means) > 1
            sd = float(np.std(split_means)) if finite else np.nan
        chosen = [split[name][3] for split in per_split]
        summary[name] = dict(
            mean=float(pooled.mean()),
            sd=sd,
            median=float(np.median(pooled)),
            worst=float(pooled.min()),
            probe=float(np.mean([split[name][1] for split in per_split])),
            seconds=float(np.mean([split[name][2] for split in per_split])),
            chosen=" / ".join(chosen) if len(set(chosen)) > 1 else chosen[0],
            errors={split[name][4] for split in per_split} - {None},
        )
    return summary


def _number(value, width, digits=2):
    if np.isnan(value):
        return f"{'n/a':>{width}}"
    if np.isinf(value):
        return f"{'-inf' if value < 0 else 'inf':>{width}}"
    if abs(value) >= 1e7:
        return f"{value:>{width}.3g}"
    return f"{value:>{width}.{digits}f}"


def print_table(table, shape, n_test, n_splits, summary):
    print(
        f"\n{table}: {shape[0]} rows x {shape[1]} columns, {n_splits} split(s) of "
        f"{n_test} held-out rows; log p(x), nats per row"
    )
    print(
        f"{'model':<20} {'mean':>10} {'sd':>7} {'median':>10} {'worst':>11} "
        f"{'10sd row':>11} {'fit s':>7}  chosen"
    )
    for name, s in summary.items():
        print(
            f"{name:<20} {_number(s['mean'], 10)} {_number(s['sd'], 7)} "
            f"{_number(s['median'], 10)} {_number(s['worst'], 11)} "
            f"{_number(s['probe'], 11)} {s['seconds']:>7.1f}  {s['chosen']}",
            flush=True,
        )


def target_rows(results):
    """Summary rows: (table, skvae model, best classical, its mean, skvae - best,
    skvae worst, best classical worst, target a, target b); None where not computable."""
    rows = []
    for table, (n_rows, summary) in results.items():
        classical = {k: v for k, v in summary.items() if k in CLASSICAL}
        skvae_models = [k for k in summary if k.startswith("skvae")] or [None]
        best = max(classical, key=lambda k: classical[k]["mean"]) if classical else None
        best_worst = max((v["worst"] for v in classical.values()), default=None)
        for model in skvae_models:
            if model is None or best is None:
                rows.append((table, model, best, best and classical[best]["mean"]) + (None,) * 5)
                continue
            mean, worst = summary[model]["mean"], summary[model]["worst"]
            best_mean = classical[best]["mean"]
            with np.errstate(invalid="ignore"):
                difference = mean - best_mean
            if n_rows >= LARGE_TABLE:
                target_a = bool(mean > best_mean)
            else:
                target_a = bool(mean >= best_mean - SMALL_TABLE_SLACK)
            target_b = bool(worst >= best_worst)
            rows.append(
                (table, model, best, best_mean, difference, worst, best_worst, target_a, target_b)
            )
    return rows


def _cell(value, width=10):
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, bool):
        return f"{'yes' if value else 'NO':>{width}}"
    if isinstance(value, str):
        return f"{value:>{width}}"
    return _number(value, width)


def print_summary(rows, rst=False):
    print(
        "\nsummary: skvae against the best classical model by mean (nats per row); targets "
        f"(a) mean above the best (within {SMALL_TABLE_SLACK} on tables under {LARGE_TABLE} "
        "rows), (b) worst row at least the best classical worst row"
    )
    header = (
        f"{'table':<18} {'skvae model':<20} {'best':>5} {'its mean':>10} {'skvae-best':>10} "
        f"{'skvae worst':>11} {'best worst':>11} {'(a)':>4} {'(b)':>4}"
    )
    print(header)
    for table, model, best, best_mean, diff, worst, best_worst, a, b in rows:
        print(
            f"{table:<18} {model or '-':<20} {best or '-':>5} {_cell(best_mean)} "
            f"{_cell(diff)} {_cell(worst, 11)} {_cell(best_worst, 11)} "
            f"{_cell(a, 4)} {_cell(b, 4)}"
        )
    judged = [row for row in rows if row[7] is not None]
    if judged:
        print(
            f"targets met: (a) {sum(row[7] for row in judged)}/{len(judged)}, "
            f"(b) {sum(row[8] for row in judged)}/{len(judged)}"
        )
    if rst:
        print_rst(rows)


def print_rst(rows):
    def text(value):
        if value is None:
            return "-"
        return value if isinstance(value, str) else _cell(value, 0).strip()

    print("\n.. list-table:: Held-out log-likelihood, nats per row (benchmarks/density.py)")
    print("   :header-rows: 1\n")
    columns = (
        "Table",
        "skvae model",
        "Best classical",
        "Its mean",
        "skvae - best",
        "skvae worst row",
        "Best classical worst row",
        "(a)",
        "(b)",
    )
    for row in [columns, *rows]:
        cells = [text(value) for value in row]
        print(f"   * - {cells[0]}")
        for cell in cells[1:]:
            print(f"     - {cell}")


# --------------------------------------------------------------------------------------


def model_settings(models, variants, skvae_params, variant_params):
    """{model name: skvae settings, or None for a classical model}, in report order."""
    defaults = {**SKVAE_DEFAULTS, **skvae_params}
    all_variants = {**SKVAE_VARIANTS}
    for name, params in variant_params.items():
        all_variants[name] = {**all_variants.get(name, {}), **params}
    settings = {}
    if "skvae" in models:
        settings["skvae"] = defaults
    for variant in variants:
        if variant not in all_variants:
            raise SystemExit(f"unknown variant {variant!r}: known {sorted(all_variants)}")
        settings[f"skvae[{variant}]"] = {**defaults, **all_variants[variant]}
    for name in CLASSICAL:
        if name in models:
            settings[name] = None
    return settings


def _key(settings):
    """The main settings in effect (the defaults come from the installed skvae)."""
    from skvae import VAETransformer

    settings = {k: v for k, v in settings.items() if k != "integer_columns"}
    params = VAETransformer(**settings).get_params()
    names = ("n_components", "likelihood", "hidden_layer_sizes", "max_iter", "objective")
    return ", ".join(f"{name}={params[name]!r}" for name in names)


def run(tables, models, n_splits=N_SPLITS, jobs=1, rst=False, dequantise=False):
    available = []
    for table in tables:
        try:
            load_table(table)
        except ImportError as exc:
            print(f"skipping {table}: {exc} (pip install -e '.[bench]')")
            continue
        available.append(table)
    for name, settings in models.items():
        if settings is not None:
            print(f"{name}: VAETransformer(random_state=split, **{settings}); {_key(settings)}")
    start = time.perf_counter()
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) if jobs > 1 else None
    try:
        futures = {}
        for table in available:
            for i in range(n_splits):
                args = (table, i, n_splits, models, dequantise)
                futures[table, i] = pool.submit(run_split, *args) if pool else args
        results = {}
        for table in available:
            X, _ = load_table(table)
            per_split = [
                futures[table, i].result() if pool else run_split(*futures[table, i])
                for i in range(n_splits)
            ]
            summary = summarise(per_split)
            n_test = len(splits(X, n_splits)[0][1])
            print_table(table, X.shape, n_test, n_splits, summary)
            for name, s in summary.items():
                for error in sorted(s["errors"]):
                    print(f"  {name} failed or non-finite on some split: {error}")
            results[table] = (len(X), summary)
    finally:
        if pool:
            pool.shutdown()
    print_summary(target_rows(results), rst)
    print(f"\ntotal wall time {time.perf_counter() - start:.0f} s")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    suite = [name for name in TABLES if name not in {**UNSEEN_TABLES, **SMALL_TABLES}]
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=[*TABLES, "unseen", "small"],
        default=suite,
        metavar="NAME",
        help=f"default: all of {suite}; 'unseen': {list(UNSEEN_TABLES)}; 'small': "
        f"{list(SMALL_TABLES)} (statsmodels)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=BASE_MODELS,
        default=list(BASE_MODELS),
        metavar="NAME",
        help=f"default: all of {list(BASE_MODELS)}",
    )
    parser.add_argument("--splits", type=int, default=None, help=f"default {N_SPLITS}")
    parser.add_argument("--jobs", type=int, default=1, help="splits fitted in parallel")
    parser.add_argument(
        "--variants", nargs="+", default=[], metavar="NAME", help=f"of {list(SKVAE_VARIANTS)}"
    )
    parser.add_argument(
        "--skvae-params", type=json.loads, default={}, help="JSON merged into SKVAE_DEFAULTS"
    )
    parser.add_argument(
        "--variant-params",
        type=json.loads,
        default={},
        help='JSON {"variant": {...}} updating or adding SKVAE_VARIANTS',
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 splits instead of 5 (the classical searches stay whole)",
    )
    parser.add_argument("--rst", action="store_true", help="also print the summary as RST")
    parser.add_argument(
        "--dequantise",
        action="store_true",
        help="add U(0, 1) noise (seed 0) to every non-constant all-integer column first",
    )
    args = parser.parse_args()
    for group, names in [("unseen", UNSEEN_TABLES), ("small", SMALL_TABLES)]:
        if group in args.tables:
            args.tables = [t for t in args.tables if t != group] + list(names)
    n_splits = args.splits or (2 if args.quick else N_SPLITS)
    settings = model_settings(args.models, args.variants, args.skvae_params, args.variant_params)
    if args.dequantise:
        print("dequantised: every non-constant all-integer column + U(0, 1) (seed 0)")
    elif "integer" in args.variants:
        raise SystemExit("the integer variant compares like with like only with --dequantise")
    run(args.tables, settings, n_splits, args.jobs, args.rst, args.dequantise)
