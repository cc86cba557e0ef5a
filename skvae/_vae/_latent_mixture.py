"""A Gaussian-mixture prior over the latents of a linear Gaussian VAE, for imputation.

A linear Gaussian VAE, x = b + z W + e with e ~ N(0, diag(psi)), has one Gaussian
cluster of rows: with z ~ N(0, I) it is factor analysis. Tables whose rows form groups
(wine's cultivars, iris's species) are better described with the prior replaced by a
mixture, p(z) = sum_k pi_k N(z; m_k, S_k), the decoder unchanged: x is then a mixture of
Gaussians whose components share the loadings W (a mixture of common factor analysers;
Baek, McLachlan and Flack, 2010). The fill of a missing entry becomes the responsibility-
weighted average of each component's exact conditional mean.

With the decoder fixed, the mixture is fitted by EM in z. Under component k write
z = m_k + u L_k^T with S_k = L_k L_k^T and u ~ N(0, I): the row is factor analysis with
intercept b + m_k W and loadings L_k^T W, so each component's posterior of z given a
row's observed entries, and the likelihood of those entries, are closed-form
(:func:`skvae._vae._missing_factor_analysis.factor_posterior`). The M-step sets pi_k,
m_k and S_k to the responsibility-weighted moments of those posteriors.

The number of components is chosen by cross-validating the fill itself: a tenth of the
observed entries is hidden, the decoder refitted by EM and a mixture of each candidate
size fitted on what is left; the size whose fill of the hidden entries has the smallest
squared error wins (two such draws).
"""

import numpy as np
from scipy.special import logsumexp
from sklearn.cluster import KMeans

from skvae._blas import one_blas_thread
from skvae._vae._factor_start import factor_analysis_of_incomplete_rows
from skvae._vae._linear_gaussian import CHUNK_ROWS, conditional_draw, conditional_mean
from skvae._vae._missing_factor_analysis import factor_posterior

# EM stops when the mean log-likelihood per row rises by less than this (nats), or after
# MAX_ITER iterations. Latent directions that the loadings barely use move slowly under
# EM without changing the fill: on breast cancer (30 latents, 20% missing) 1e-3 stops
# after 70 to 90 iterations (3 to 6 s), 1e-4 after 280 to 300 (12 to 19 s); on the
# imputation benchmark's iris and wine cells (3 masks each) the fill's mean RMSE was
# 0.626 with 1e-3 and 100 iterations, 0.632 with 1e-5 and 300, at 4 times the time.
TOLERANCE = 1e-3
MAX_ITER = 100
# Added to every component's covariance, so that a component that takes few rows stays
# a proper Gaussian.
COVARIANCE_FLOOR = 1e-6
# The mixture (and the choice of its size) is fitted on a random subset of the rows: at
# most MAX_ROWS, and at most COST_BUDGET / n_components**3, since every EM iteration costs
# a latent-by-latent solve per row and component (breast cancer's 569 rows and 30 latents,
# 1.5e7, take 3 to 6 s per mixture). Where that leaves fewer than MIN_ROWS rows (more than
# about 50 latents) the standard prior is kept.
MAX_ROWS = 5000
COST_BUDGET = 2e7
MIN_ROWS = 200
# "auto" tries 1 to MAX_COMPONENTS components, keeping at least MIN_ROWS_PER_COMPONENT
# rows per component. With 10 rows per component the search, whose two draws hide a few
# dozen entries of a small table, chose 2 to 4 components on tables of 38 to 72 rows
# where one filled better; on the 15 small tables of ``benchmarks/imputation.py --small``
# 40 lowered the mean RMSE from 0.800 to 0.791 and the worst from 1.281 to 1.251 (better
# in 17 cells, worse in 7, danish_data's three among them), and left the suite's cells
# unchanged. Twenty draws (at least 600 hidden entries) with 10 rows: mean 0.793.
MAX_COMPONENTS = 4
MIN_ROWS_PER_COMPONENT = 40
# The cross-validation of the size hides this share of the observed entries, HIDE_DRAWS
# times.
HIDE_FRACTION = 0.1
HIDE_DRAWS = 2


def standard_prior(n_components):
    """The standard normal prior as a one-component mixture: weights, means, covariances.

    Examples
    --------
    >>> from skvae._vae._latent_mixture import standard_prior
    >>> weights, means, covariances = standard_prior(2)
    >>> weights.tolist(), means.tolist(), covariances.tolist()
    ([1.0], [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 1.0]]])
    """
    return np.ones(1), np.zeros((1, n_components)), np.eye(n_components)[None]


def _component_models(intercept, W, means, covariances):
    """Each component as factor analysis in u: intercept b + m W, loadings L^T W, and L."""
    choleskys = np.linalg.cholesky(covariances)
    return [(intercept + m @ W, L.T @ W, L) for m, L in zip(means, choleskys, strict=True)]


def _component_posteriors(X, intercept, W, noise_var, weights, means, covariances):
    """Per component k: log pi_k + log p(x_o | k) (n,), and z's posterior mean (n, q) and
    covariance (n, q, q) given the observed entries under that component."""
    observed = ~np.isnan(X)
    out = []
    models = _component_models(intercept, W, means, covariances)
    for (b_k, W_k, L_k), m_k, weight in zip(models, means, weights, strict=True):
        u_mean, u_cov, log_lik = factor_posterior(X, observed, b_k, W_k, noise_var)
        out.append((log_lik + np.log(weight), m_k + u_mean @ L_k.T, L_k @ u_cov @ L_k.T))
    return out


def responsibilities(X, intercept, W, noise_var, weights, means, covariances):
    """p(component | observed entries) for every row, and the rows' log-likelihoods.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows in the model's (scaled) units, NaN where missing.
    intercept : ndarray of shape (n_features,)
        The decoder's intercept b.
    W : ndarray of shape (n_components, n_features)
        The decoder's loadings.
    noise_var : ndarray of shape (n_features,)
        The observation noise variances psi.
    weights, means, covariances : ndarray
        The latent mixture: shapes (K,), (K, n_components) and
        (K, n_components, n_components).

    Returns
    -------
    resp : ndarray of shape (n_samples, K)
    log_likelihood : ndarray of shape (n_samples,)
        log p(x_observed) under the mixture.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._latent_mixture import responsibilities
    >>> means, covariances = np.array([[-3.0], [3.0]]), np.full((2, 1, 1), 0.1)
    >>> resp, _ = responsibilities(np.array([[-3.0, np.nan], [np.nan, -3.0]]), np.zeros(2),
    ...                            np.array([[1.0, -1.0]]), np.full(2, 0.1), np.full(2, 0.5),
    ...                            means, covariances)
    >>> resp.round(3).tolist()  # x1 = -x0: the second row is in the second component
    [[1.0, 0.0], [0.0, 1.0]]
    """
    with one_blas_thread():
        log_joint = np.empty((len(X), len(weights)))
        for start in range(0, len(X), CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            parts = _component_posteriors(
                X[rows], intercept, W, noise_var, weights, means, covariances
            )
            log_joint[rows] = np.stack([part[0] for part in parts], axis=1)
        log_likelihood = logsumexp(log_joint, axis=1)
        return np.exp(log_joint - log_likelihood[:, None]), log_likelihood


def fit_latent_mixture(X, intercept, W, noise_var, n_clusters, seed):
    """EM for a ``n_clusters``-component Gaussian mixture prior over z, the decoder fixed.

    Parameters
    ----------
    X, intercept, W, noise_var
        As in :func:`responsibilities`.
    n_clusters : int
        Number of mixture components; 1 returns the standard normal prior, under which
        the decoder was fitted.
    seed : int
        Seeds the k-means start (on the rows' posterior means under the standard prior).

    Returns
    -------
    weights : ndarray of shape (n_clusters,)
    means : ndarray of shape (n_clusters, n_components)
    covariances : ndarray of shape (n_clusters, n_components, n_components)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._latent_mixture import fit_latent_mixture
    >>> rng = np.random.default_rng(0)
    >>> z = np.r_[rng.normal(-2, 0.3, 300), rng.normal(2, 0.3, 100)][:, None]
    >>> X = z @ [[1.0, -1.0]] + 0.1 * rng.normal(size=(400, 2))
    >>> weights, means, covariances = fit_latent_mixture(
    ...     X, np.zeros(2), np.array([[1.0, -1.0]]), np.full(2, 0.01), 2, seed=0)
    >>> order = np.argsort(means[:, 0])
    >>> weights[order].round(2).tolist(), means[order, 0].round(1).tolist()
    ([0.75, 0.25], [-2.0, 2.0])
    """
    with one_blas_thread():
        q = len(W)
        if n_clusters == 1:
            return standard_prior(q)
        X = np.asarray(X, dtype=np.float64)
        n_samples = len(X)
        observed = ~np.isnan(X)
        z_start = factor_posterior(X, observed, intercept, W, noise_var)[0]
        labels = KMeans(n_clusters, n_init=4, random_state=seed).fit_predict(z_start)
        resp = np.eye(n_clusters)[labels]
        # Every component starts as the standard prior, so the first M-step takes the moments
        # of the standard prior's posteriors, weighted by the k-means labels.
        weights = np.full(n_clusters, 1.0 / n_clusters)
        means = np.zeros((n_clusters, q))
        covariances = np.repeat(np.eye(q)[None], n_clusters, axis=0)
        previous = -np.inf
        for _ in range(MAX_ITER):
            totals = np.zeros(n_clusters)
            sums = np.zeros((n_clusters, q))
            squares = np.zeros((n_clusters, q, q))
            log_likelihood = 0.0
            for start in range(0, n_samples, CHUNK_ROWS):
                rows = slice(start, start + CHUNK_ROWS)
                parts = _component_posteriors(
                    X[rows], intercept, W, noise_var, weights, means, covariances
                )
                log_joint = np.stack([part[0] for part in parts], axis=1)
                row_log_lik = logsumexp(log_joint, axis=1)
                log_likelihood += row_log_lik.sum()
                if np.isfinite(previous):  # the k-means labels stand in for the first E-step
                    resp[rows] = np.exp(log_joint - row_log_lik[:, None])
                for k, (_, z_mean, z_cov) in enumerate(parts):
                    r = resp[rows, k]
                    totals[k] += r.sum()
                    sums[k] += r @ z_mean
                    squares[k] += np.einsum("n,ni,nj->ij", r, z_mean, z_mean) + np.einsum(
                        "n,nij->ij", r, z_cov
                    )
            log_likelihood /= n_samples
            if np.isfinite(previous) and log_likelihood - previous < TOLERANCE:
                break
            previous = log_likelihood
            # M-step: the responsibility-weighted moments of z's posteriors.
            totals = np.maximum(totals, 1e-10)
            weights = totals / totals.sum()
            means = sums / totals[:, None]
            covariances = squares / totals[:, None, None] - np.einsum("ki,kj->kij", means, means)
            covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
            covariances += COVARIANCE_FLOOR * np.eye(q)
        return weights, means, covariances


def mixture_conditional_mean(X, intercept, W, noise_var, weights, means, covariances):
    """E[x | observed entries] under the latent mixture: each component's exact
    conditional mean, weighted by its responsibility.

    Parameters
    ----------
    X, intercept, W, noise_var, weights, means, covariances
        As in :func:`responsibilities`.

    Returns
    -------
    expected : ndarray of shape (n_samples, n_features)
        X with each missing entry replaced by its conditional mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._latent_mixture import mixture_conditional_mean, standard_prior
    >>> W = np.array([[1.0, -1.0]])
    >>> mixture_conditional_mean(np.array([[2.0, np.nan]]), np.zeros(2), W,
    ...                          np.full(2, 1e-6), *standard_prior(1)).round(3)
    array([[ 2., -2.]])
    """
    with one_blas_thread():
        if len(weights) == 1:  # one component: the linear Gaussian model's own fill
            b, W_1, _ = _component_models(intercept, W, means, covariances)[0]
            return conditional_mean(X, b, W_1, noise_var)
        resp, _ = responsibilities(X, intercept, W, noise_var, weights, means, covariances)
        expected = np.zeros_like(X, dtype=np.float64)
        for k, (b_k, W_k, _) in enumerate(_component_models(intercept, W, means, covariances)):
            expected += resp[:, k : k + 1] * conditional_mean(X, b_k, W_k, noise_var)
        return expected


def mixture_conditional_draw(X, intercept, W, noise_var, weights, means, covariances, rng):
    """One exact draw of the missing entries from p(x_missing | x_observed) under the
    latent mixture: a component by its responsibility, then that component's draw.

    Parameters
    ----------
    X, intercept, W, noise_var, weights, means, covariances
        As in :func:`responsibilities`.
    rng : numpy.random.RandomState
        Source of the draws.

    Returns
    -------
    completed : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._latent_mixture import mixture_conditional_draw
    >>> means, covariances = np.array([[-3.0], [3.0]]), np.full((2, 1, 1), 0.01)
    >>> draws = mixture_conditional_draw(
    ...     np.full((1000, 2), np.nan), np.zeros(2), np.array([[1.0, -1.0]]), np.full(2, 0.01),
    ...     np.array([0.25, 0.75]), means, covariances, np.random.RandomState(0))
    >>> round(float(np.mean(draws[:, 0] > 0)), 2)  # the second component's share
    0.75
    """
    with one_blas_thread():
        if len(weights) == 1:  # one component: the draws of the linear Gaussian model itself
            b, W_1, _ = _component_models(intercept, W, means, covariances)[0]
            return conditional_draw(X, b, W_1, noise_var, rng)
        resp, _ = responsibilities(X, intercept, W, noise_var, weights, means, covariances)
        chosen = (rng.uniform(size=(len(X), 1)) > np.cumsum(resp, axis=1)).sum(axis=1)
        chosen = np.minimum(chosen, len(weights) - 1)
        completed = np.array(X, dtype=np.float64)
        for k, (b_k, W_k, _) in enumerate(_component_models(intercept, W, means, covariances)):
            rows = chosen == k
            if rows.any():
                completed[rows] = conditional_draw(X[rows], b_k, W_k, noise_var, rng)
        return completed


def choose_n_clusters(X, n_components, var_floor, seed):
    """The number of mixture components whose fill of hidden entries is best.

    Hides ``HIDE_FRACTION`` of the observed entries (``HIDE_DRAWS`` times), fits factor
    analysis by EM to the rest (as the start of a VAE on incomplete rows,
    :func:`skvae._vae._factor_start.factor_analysis_of_incomplete_rows`), then a latent
    mixture of each size from 1 to ``MAX_COMPONENTS`` (at most one per
    ``MIN_ROWS_PER_COMPONENT`` rows), and returns the size with the smallest mean squared
    error of the conditional mean on the hidden entries (the smallest size on ties).
    Sizes are tried in increasing order, and the search stops at the first size that
    fills worse than the one before: on tables without groups one extra mixture is
    fitted per draw, not three.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Scaled rows, NaN where missing.
    n_components : int
        The latent dimension.
    var_floor : float
        Smallest noise variance.
    seed : int
        Seeds the hidden entries and the mixtures' starts.

    Returns
    -------
    n_clusters : int

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._latent_mixture import choose_n_clusters
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[-2.0, 2.0, 0.0], [2.0, 2.0, -2.0], [0.0, -2.0, 2.0]])
    >>> X = centres[rng.integers(3, size=300)] + 0.3 * rng.normal(size=(300, 3))
    >>> choose_n_clusters(X, 3, 1e-2, seed=0) >= 3  # three groups need three or more
    True
    """
    with one_blas_thread():
        rng = np.random.default_rng(seed)
        largest = max(1, min(MAX_COMPONENTS, len(X) // MIN_ROWS_PER_COMPONENT))
        if largest == 1:  # under 80 rows: nothing to choose, no refits to pay for
            return 1
        observed = ~np.isnan(X)
        draws = []
        for _ in range(HIDE_DRAWS):
            hidden = observed & (rng.uniform(size=X.shape) < HIDE_FRACTION)
            # Every column keeps an observed entry: EM needs one.
            hidden[:, (observed & ~hidden).sum(axis=0) == 0] = False
            if hidden.any():
                X_hidden = np.where(hidden, np.nan, X)
                fit = factor_analysis_of_incomplete_rows(X_hidden, n_components, var_floor)
                draws.append((hidden, X_hidden, fit))
        best_size, best_error = 1, np.inf
        for size in range(1, largest + 1 if draws else 1):
            error = 0.0
            for hidden, X_hidden, (mean, W, noise_var) in draws:
                mixture = fit_latent_mixture(X_hidden, mean, W, noise_var, size, seed)
                filled = mixture_conditional_mean(X_hidden, mean, W, noise_var, *mixture)
                error += np.mean((filled[hidden] - X[hidden]) ** 2)
            if error >= best_error:
                break
            best_size, best_error = size, error
        return best_size


def rows_for_mixture(n_samples, n_components, seed):
    """Indices of the rows, drawn at random, that the mixture is fitted on: at most
    ``MAX_ROWS`` and ``COST_BUDGET / n_components**3``; empty where that budget is below
    ``MIN_ROWS`` (more than about 46 latent dimensions), however few rows there are.

    Examples
    --------
    >>> from skvae._vae._latent_mixture import rows_for_mixture
    >>> sizes = [(100, 4), (10**6, 4), (10**6, 30), (10**6, 64), (60, 64)]  # (rows, latents)
    >>> [len(rows_for_mixture(n, q, seed=0)) for n, q in sizes]
    [100, 5000, 740, 0, 0]
    """
    n_rows = int(min(MAX_ROWS, COST_BUDGET / n_components**3))
    # The budget, not the table, decides: the EM's iterations and the size search make
    # many q x q solves per row, so 60 rows at q = 64 took 25 s of a 27 s fit.
    if n_rows < MIN_ROWS:
        return np.arange(0)
    if n_samples <= n_rows:
        return np.arange(n_samples)
    return np.sort(np.random.default_rng(seed).choice(n_samples, n_rows, replace=False))
