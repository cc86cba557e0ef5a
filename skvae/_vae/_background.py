"""The background share of a VAE's density: a defensive mixture for ``score_samples``.

A VAE puts its mass near what it has seen, and a held-out row that its decoder did not
expect (a combination of values no training row had, a value far outside a column's
range) can cost it hundreds of nats, far more than a full-covariance Gaussian fitted to
the same rows would charge. One such row decides a table's mean log-likelihood, so
``score`` and ``GridSearchCV`` become a lottery. ``score_samples`` therefore reports the
density of the mixture

    p(x) = (1 - w) p_VAE(x) + w p_background(x),    w = BACKGROUND_WEIGHT = 0.01,

with a broad background fitted in closed form to the training rows: a multivariate Cauchy
(Student-t with one degree of freedom) over the real-valued columns, located at their
means with the Ledoit-Wolf-shrunk correlation of the standardised columns as its scatter,
times independent factors for the other columns (a Cauchy over the integers, discretised
exactly, for ``"integer"`` columns; smoothed training frequencies for 0/1 and categorical
columns). It is a proper density in X's units (a probability for the discrete columns, as
the VAE's own terms are), so the mixture is too, and missing entries are marginalised out
of both parts. The share costs the rows the VAE explains at most ``-log(0.99)``, 0.01 nats,
and caps what an unexpected row costs at ``log(0.01)`` plus its background density, which
falls polynomially with its distance, not exponentially. Defensive mixtures of this kind
are Hesterberg's (1995) safeguard for importance sampling against a proposal whose tails
are too light. ``sample`` draws from the VAE's part: the background is a safeguard of the
score, not a source of rows.
"""

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import gammaln

from skvae._blas import one_blas_thread
from skvae._table._codes import CONTINUOUS_KINDS, category_counts, discrete_value_counts
from skvae._table._scaling import observed_log_scale
from skvae._table._whitening import floored_covariance

BACKGROUND_WEIGHT = 0.01
# The estimators fit it to at most this many training rows (every k-th row of a larger X):
# a 50 x 50 correlation matrix is settled long before, and a memory map is read once.
MAX_BACKGROUND_ROWS = 20_000
# Pseudo-count added to every category's training count (Jeffreys' prior for two).
CATEGORY_PSEUDO_COUNT = 0.5


def fit_background(X_data, kinds, n_categories, mean, scale):
    """The background density's parameters, fitted to the modelled coded training rows.

    Parameters
    ----------
    X_data : ndarray of shape (n_samples, n_columns)
        Coded training rows of the modelled columns (NaN where missing).
    kinds : sequence of str
        Each column's kind (``"student_t"``, ``"integer"``, ``"bernoulli"``, ...).
    n_categories : sequence of int
        Each column's number of categories (0 for a column that is not categorical).
    mean, scale : ndarray of shape (n_columns,)
        The estimator's standardisation of the columns (``mean_``, ``scale_``).

    Returns
    -------
    background : dict
        Arrays only, so that the model file stores it as it stores the scaling.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._background import fit_background
    >>> X = np.column_stack([np.arange(6.0), [0, 1, 1, 1, 2, 2]])
    >>> bg = fit_background(X, ["student_t", "categorical"], [0, 3], X.mean(0), X.std(0))
    >>> bg["scatter"].shape, np.exp(bg["log_probabilities"][1, :3]).round(3).tolist()
    ((1, 1), [0.2, 0.467, 0.333])
    """
    with one_blas_thread():
        kinds = np.asarray(kinds, dtype=str)
        X = np.asarray(X_data, dtype=np.float64)
        real = np.isin(kinds, CONTINUOUS_KINDS) & (kinds != "integer")
        U = (X[:, real] - mean[real]) / scale[real]
        complete = U[~np.isnan(U).any(axis=1)]
        scatter = _shrunk_scatter(complete, int(real.sum()))
        width = max([2, *n_categories])  # a 0/1 column has two
        log_probabilities = np.full((len(kinds), width), np.nan)
        for j, counts in enumerate(discrete_value_counts(X, kinds, n_categories)):
            if counts is not None:
                counts = counts + CATEGORY_PSEUDO_COUNT
                log_probabilities[j, : len(counts)] = np.log(counts / counts.sum())
        return {
            "real": real,
            "integer": kinds == "integer",
            "mean": np.asarray(mean, dtype=np.float64),
            "scale": np.asarray(scale, dtype=np.float64),
            "scatter": scatter,
            "log_probabilities": log_probabilities,
            "kinds": np.array([{"bernoulli": 1, "categorical": 2}.get(k, 0) for k in kinds]),
            # What partial_fit merges the backgrounds of its calls with
            # (skvae._vae._stream_summaries): the complete rows and their mean, each column's
            # observed entries.
            "n_complete": np.asarray(len(complete)),
            "complete_mean": complete.mean(axis=0) if len(complete) else np.zeros(U.shape[1]),
            "n_observed": np.count_nonzero(~np.isnan(X), axis=0),
        }


def _shrunk_scatter(U, width):
    """Ledoit-Wolf-shrunk covariance of the complete standardised rows U, its eigenvalues
    floored (the identity when fewer than two rows are complete)."""
    from sklearn.covariance import ledoit_wolf

    if width == 0:
        return np.zeros((0, 0))
    if len(U) < 2:
        return np.eye(width)
    # Whitening's floor (standardised units): a direction with no spread in training (a
    # constant column, two copies of one column) stays broad.
    return floored_covariance(np.atleast_2d(ledoit_wolf(U)[0]))


def background_log_density(background, X_data):
    """log p_background(x) of each coded row of the modelled columns, the missing
    entries marginalised out (a row with none observed scores 0).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import cauchy
    >>> from skvae._vae._background import background_log_density, fit_background
    >>> X = np.random.default_rng(0).normal(size=(500, 1))
    >>> bg = fit_background(X, ["student_t"], [0], np.zeros(1), np.ones(1))
    >>> s = float(np.sqrt(bg["scatter"][0, 0]))
    >>> rows = np.array([[0.5], [np.nan]])
    >>> got = background_log_density(bg, rows)
    >>> bool(np.isclose(got[0], cauchy(scale=s).logpdf(0.5))), float(got[1])
    (True, 0.0)
    """
    with one_blas_thread():
        X = np.asarray(X_data, dtype=np.float64)
        mean, scale = background["mean"], background["scale"]
        log_density = _multivariate_cauchy(
            (X[:, background["real"]] - mean[background["real"]]) / scale[background["real"]],
            background["scatter"],
        ) - observed_log_scale(X[:, background["real"]], scale[background["real"]])
        for j in np.flatnonzero(background["integer"]):
            log_density += _discretised_cauchy(X[:, j], mean[j], scale[j])
        for j in np.flatnonzero(background["kinds"]):
            x, table = X[:, j], background["log_probabilities"][j]
            observed = ~np.isnan(x)
            if background["kinds"][j] == 1:  # Bernoulli: x log P(1) + (1 - x) log P(0)
                terms = x * table[1] + (1 - x) * table[0]
            else:
                terms = table[np.where(observed, x, 0).astype(int)]
            log_density += np.where(observed, terms, 0.0)
        return log_density


def with_background(vae_log_density, background_log_density, weight=BACKGROUND_WEIGHT):
    """log((1 - weight) exp(a) + weight exp(b)), per row, without overflow.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._background import with_background
    >>> with_background(np.array([0.0, -1000.0]), np.array([0.0, -30.0])).round(3).tolist()
    [0.0, -34.605]
    """
    return np.logaddexp(
        np.log1p(-weight) + vae_log_density, np.log(weight) + background_log_density
    )


def _multivariate_cauchy(U, scatter):
    """Log-density of a multivariate Cauchy (scatter ``scatter``, centred at 0) at the
    observed entries of each row of U: rows are grouped by their pattern of missing
    entries, and each group is scored under the marginal of its observed columns (a
    Cauchy again, with the scatter's sub-matrix)."""
    log_density = np.zeros(len(U))
    if U.shape[1] == 0:
        return log_density
    observed = ~np.isnan(U)
    patterns, group = np.unique(observed, axis=0, return_inverse=True)
    for g, pattern in enumerate(patterns):
        k = int(pattern.sum())
        if k == 0:
            continue
        rows = np.flatnonzero(group.ravel() == g)
        cholesky = np.linalg.cholesky(scatter[np.ix_(pattern, pattern)])
        whitened = solve_triangular(cholesky, U[np.ix_(rows, pattern)].T, lower=True)
        log_density[rows] = (
            gammaln((1 + k) / 2)
            - gammaln(0.5)
            - 0.5 * k * np.log(np.pi)
            - np.log(np.diag(cholesky)).sum()
            - 0.5 * (1 + k) * log1p_squared_norm(whitened)
        )
    return log_density


def log1p_squared_norm(W):
    """log(1 + ||w||^2) of each column w of W, finite for columns whose squared norm
    overflows float64 (entries beyond 1e154, which the background still scores).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._background import log1p_squared_norm
    >>> log1p_squared_norm(np.array([[3.0, 1e300], [4.0, 0.0]])).round(2).tolist()
    [3.26, 1381.55]
    """
    with np.errstate(over="ignore"):
        squared_norm = (W**2).sum(axis=0)
    out = np.log1p(squared_norm)
    huge = ~np.isfinite(squared_norm)
    if huge.any():
        # ||w||^2 = m^2 ||w / m||^2 with m the largest |entry|: no overflow.
        largest = np.abs(W[:, huge]).max(axis=0)
        scaled = ((W[:, huge] / largest) ** 2).sum(axis=0)
        out[huge] = np.logaddexp(0.0, 2 * np.log(largest) + np.log(scaled))
    return out


def _discretised_cauchy(x, location, scale):
    """log P(x) of whole numbers x under a Cauchy rounded to the nearest integer:
    F(x + 1/2) - F(x - 1/2) = [arctan(u + h) - arctan(u - h)] / pi with u = (x - loc)
    / scale and h = 1 / (2 scale), computed as atan2(2h, 1 + u^2 - h^2) / pi, which has
    no cancellation far in the tails. Missing entries contribute 0."""
    u, half = (x - location) / scale, 0.5 / scale
    with np.errstate(invalid="ignore"):
        log_p = np.log(np.arctan2(2 * half, 1 + u * u - half * half) / np.pi)
    return np.where(np.isnan(x), 0.0, log_p)


class BackgroundMixin:
    """Fits the background share of ``score_samples`` and mixes it into the VAE's scores,
    for every VAE estimator that sets ``_scores_with_background`` (not the detector).

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._background import BackgroundMixin
    >>> issubclass(VAETransformer, BackgroundMixin), VAETransformer._scores_with_background
    (True, True)
    """

    _scores_with_background = True

    def _fitted_background(self, X):
        """The background fitted to every k-th coded training row of X (at most
        MAX_BACKGROUND_ROWS: a memory map is read once, not loaded); None for an
        estimator that scores without it."""
        if not self._scores_with_background:
            return None
        n_rows = len(X)
        X = np.asarray(X[:: -(-n_rows // MAX_BACKGROUND_ROWS)], dtype=np.float64)
        background = fit_background(
            self._split_columns(X)[0],
            self._modelled_kinds(),
            category_counts(self.categories_, self._data_columns()),
            self.mean_,
            self.scale_,
        )
        # The counts partial_fit weighs the merge by stand for every row, not the subsample.
        for key in ("n_complete", "n_observed"):
            background[key] = background[key] * (n_rows / max(len(X), 1))
        return background

    def _with_background_share(self, X_data, vae_scores):
        """The mixture's log p(x) of the modelled columns X_data of validated coded rows,
        from the VAE's. A model saved before the background existed has none, and scores
        as it did."""
        background = getattr(self, "_background", None)
        if background is None:
            return vae_scores
        return with_background(vae_scores, background_log_density(background, X_data))
