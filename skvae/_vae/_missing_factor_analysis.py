"""Factor analysis fitted by EM on rows with missing entries.

scikit-learn's :class:`~sklearn.decomposition.FactorAnalysis` needs complete rows. With
holes, the EM algorithm treats the missing entries as latent too (Ghahramani and Hinton,
1996): given a row's observed entries x_o, the factors z have the Gaussian posterior

    Cov[z | x_o]^-1 = I + W_o diag(1 / psi_o) W_o^T,
    E[z | x_o]      = Cov[z | x_o] W_o diag(1 / psi_o) (x_o - mu_o),

and a missing entry j is mu_j + w_j^T z + e_j. Each EM iteration treats the missing
entries as the latent variables (z integrated out): the E-step takes the expected mean
and covariance S of the completed rows under the current model, and the M-step is factor
analysis of S, by the fixed point that scikit-learn's
:class:`~sklearn.decomposition.FactorAnalysis` iterates (an SVD of the noise-scaled
data, here an eigendecomposition of the noise-scaled S). Each iteration raises the
log-likelihood of the observed entries (plus the log-density of an optional prior), which
the loop monitors; it converges at the rate set by the share of missing information, not
at the slow rate of EM in the factors (an EM in z and the holes took 11 s on breast
cancer with 20% missing and 30 factors and stopped 0.03 nats per row short; this one
takes 0.7 s to within 0.001).
"""

import numpy as np

from skvae._blas import one_blas_thread
from skvae._vae._linear_gaussian import posterior_of_rows

# EM stops when the mean log-likelihood per row rises by less than this (nats) and
# Aitken's estimate of what is left to gain is below it too, or after MAX_ITER
# iterations, or SLOW_MAX_ITER iterations after the first gain below it: on heavy-tailed
# columns (Cauchy, 2000 x 30, half missing, 30 factors) EM went on for 382 to 687
# iterations (37 to 76 s) after a first small gain at the fifth; a column observed in
# 14 of 200 rows needed 86 after it.
TOLERANCE = 1e-4
MAX_ITER = 1000
SLOW_MAX_ITER = 100
# The M-step's factor analysis of S stops when its log-likelihood per row moves less, or
# after INNER_MAX_ITER iterations: each of them raises the expected log-likelihood, so a
# partial M-step still raises the likelihood (generalised EM), and the E-step that
# follows is worth more than the M-step's last digits (breast cancer, 20% missing: 0.7 s
# to within 0.001 nats per row of the maximum, against 4.9 s with 1000 iterations).
INNER_TOLERANCE = 1e-9
INNER_MAX_ITER = 20
# Complete rows need no E-step: the fixed point runs on their covariance until it moves
# less than INNER_TOLERANCE, or for at most this many steps (a few milliseconds each).
COMPLETE_MAX_ITER = 10000


def factor_posterior(X, observed, mean, W, noise_var):
    """The factors' posterior mean and covariance for every row, and the log-likelihood of
    each row's observed entries, under x = mean + z W + N(0, diag(noise_var)) with
    z ~ N(0, I). Shared by the EM here and the latent mixture of
    :mod:`skvae._vae._latent_mixture`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._missing_factor_analysis import factor_posterior
    >>> X = np.array([[2.0, np.nan]])
    >>> z_mean, z_cov, log_lik = factor_posterior(
    ...     X, ~np.isnan(X), np.zeros(2), np.array([[1.0, -1.0]]), np.ones(2))
    >>> z_mean.tolist(), z_cov.tolist(), round(float(log_lik[0]), 4)  # x0 ~ N(0, 2)
    ([[1.0]], [[[0.5]]], -2.2655)
    """
    with one_blas_thread():
        precision_weights = 1.0 / noise_var
        _, precision, z_mean, shift = posterior_of_rows(X, mean, W, precision_weights)
        residual = np.where(observed, X - mean, 0.0)
        # log N(x_o; mu_o, W_o^T W_o + psi_o) by the matrix determinant lemma and Woodbury.
        cholesky = np.linalg.cholesky(precision)
        log_det = 2 * np.log(np.diagonal(cholesky, axis1=1, axis2=2)).sum(axis=1) + (
            observed * np.log(noise_var)
        ).sum(axis=1)
        quadratic = (observed * precision_weights * residual**2).sum(axis=1) - (shift * z_mean).sum(
            axis=1
        )
        log_likelihood = -0.5 * (observed.sum(axis=1) * np.log(2 * np.pi) + log_det + quadratic)
        return z_mean, np.linalg.inv(precision), log_likelihood


def _factor_analysis_of_covariance(S, n_components, noise_var, var_floor, max_iter=INNER_MAX_ITER):
    """Loadings and noise variances for the sample covariance S, from the starting
    ``noise_var``, by at most ``max_iter`` steps of scikit-learn's FactorAnalysis
    iteration towards its maximum likelihood, with the eigendecomposition of S scaled by
    the noise in place of an SVD of the data."""
    previous = -np.inf
    for _ in range(max_iter):
        scale = np.sqrt(noise_var)
        eigenvalues, eigenvectors = np.linalg.eigh(S / np.outer(scale, scale))
        eigenvalues = eigenvalues[::-1][:n_components]
        eigenvectors = eigenvectors[:, ::-1][:, :n_components]
        W = (np.sqrt(np.maximum(eigenvalues - 1.0, 0.0)) * eigenvectors).T * scale
        # -log-likelihood per row (up to constants): log|C| + tr(C^-1 S), with
        # C = psi^1/2 (V diag(max(l, 1)) V^T + I - V V^T) psi^1/2.
        kept = np.maximum(eigenvalues, 1.0)
        log_likelihood = -0.5 * (
            np.sum(np.log(noise_var))
            + np.sum(np.log(kept))
            + np.trace(S / np.outer(scale, scale))
            - np.sum(eigenvalues * (1.0 - 1.0 / kept))
        )
        noise_var = np.maximum(np.diag(S) - np.sum(W**2, axis=0), var_floor)
        if log_likelihood - previous < INNER_TOLERANCE:
            break
        previous = log_likelihood
    return W, noise_var


def factor_analysis_of_complete_rows(X, n_components, var_floor, prior_rows=0.0):
    """Maximum-likelihood factor analysis of complete rows: the fixed point of
    scikit-learn's :class:`~sklearn.decomposition.FactorAnalysis` iterated on their
    covariance until it converges.

    scikit-learn's own fit, with as many factors as columns, can stop far from that
    maximum (its randomised SVD and its tolerance on the total log-likelihood): two
    columns 0.99 correlated kept noise variances of 0.5 instead of 0.02, and a VAE that
    starts there needs hundreds of epochs to recover (a fill that should be -1 was -0.68
    after 20 and -0.99 after 500).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Complete rows.
    n_components : int
        Number of factors.
    var_floor : float
        Smallest noise variance of a column.
    prior_rows : float, default=0.0
        As in :func:`factor_analysis_with_missing`: the covariance is shrunk to
        (n S + prior_rows I) / (n + prior_rows) first; 0 is maximum likelihood.

    Returns
    -------
    mean, components, noise_variance : ndarray
        As :func:`factor_analysis_with_missing`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._missing_factor_analysis import factor_analysis_of_complete_rows
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(2000, 1))
    >>> X = np.c_[z, -z + 0.1 * rng.normal(size=(2000, 1)), rng.normal(size=(2000, 1))]
    >>> mean, W, psi = factor_analysis_of_complete_rows(X, 1, 1e-4)
    >>> psi.round(3)  # the related columns' noise, and the third column's whole variance
    array([0.005, 0.005, 0.979])
    >>> mean, W, psi = factor_analysis_of_complete_rows(X, 3, 1e-4)  # as many as columns
    >>> bool(np.abs(W.T @ W + np.diag(psi) - np.cov(X.T, bias=True)).max() < 1e-6)
    True
    >>> from sklearn.decomposition import FactorAnalysis  # stops 0.25 away from it
    >>> fa = FactorAnalysis(3, random_state=0).fit(X)
    >>> float(np.abs(fa.get_covariance() - np.cov(X.T, bias=True)).max().round(2))
    0.25
    """
    with one_blas_thread():
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        covariance = _shrunk(np.atleast_2d(np.cov(X, rowvar=False, bias=True)), len(X), prior_rows)
        noise_var = np.maximum(0.5 * np.diag(covariance), var_floor)
        W, noise_var = _factor_analysis_of_covariance(
            covariance, n_components, noise_var, var_floor, max_iter=COMPLETE_MAX_ITER
        )
        return mean, W, noise_var


def remaining_gain(gain, previous_gain):
    """Aitken's estimate of what EM has still to gain when successive gains shrink by the
    ratio r = gain / previous_gain: gain r / (1 - r); infinite while they do not shrink,
    0 once the objective stops rising (a last step can lose a rounding error).

    Examples
    --------
    >>> from skvae._vae._missing_factor_analysis import remaining_gain
    >>> remaining_gain(1e-4, 2e-4)  # halving gains: as much again is left
    0.0001
    >>> round(remaining_gain(0.99e-4, 1e-4), 6)  # 1 % less per step: 99 gains of 1e-4 left
    0.009801
    >>> remaining_gain(-1e-12, 1e-4)
    0.0
    """
    if gain <= 0.0:
        return 0.0
    ratio = gain / previous_gain if previous_gain > 0 else np.inf
    return gain * ratio / (1.0 - ratio) if ratio < 1.0 else np.inf


def _shrunk(S, n_samples, prior_rows):
    """The covariance S of ``n_samples`` rows shrunk towards the identity by a conjugate
    prior worth ``prior_rows`` rows: (n S + prior_rows I) / (n + prior_rows)."""
    return (n_samples * S + prior_rows * np.eye(len(S))) / (n_samples + prior_rows)


def _log_prior(W, noise_var, prior_rows, n_samples):
    """The prior's log-density per row, up to a constant: ``prior_rows`` pseudo-rows of
    identity covariance, -prior_rows / 2 (log|C| + tr(C^-1)) with C = W^T W + diag(psi)."""
    if not prior_rows:
        return 0.0
    covariance = W.T @ W + np.diag(noise_var)
    _, log_det = np.linalg.slogdet(covariance)
    return -0.5 * prior_rows * (log_det + np.trace(np.linalg.inv(covariance))) / n_samples


def factor_analysis_with_missing(
    X, n_components, var_floor, prior_rows=0.0, max_iter=MAX_ITER, tol=TOLERANCE
):
    """Factor analysis of rows with NaN for missing entries, by EM: maximum likelihood,
    or maximum a posteriori with ``prior_rows`` pseudo-rows of identity covariance.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows with NaN where an entry is missing; every column has an observed entry.
    n_components : int
        Number of factors.
    var_floor : float
        Smallest noise variance of a column.
    prior_rows : float, default=0.0
        Weight of a conjugate prior that shrinks the covariance towards the identity
        (for standardised columns: towards uncorrelated columns of unit variance), in
        rows: each M-step fits the factors to (n S + prior_rows I) / (n + prior_rows)
        instead of the expected covariance S of the n completed rows. 0 is maximum
        likelihood.
    max_iter : int, default=1000
        Most EM iterations.
    tol : float, default=1e-4
        Stop when the mean log-likelihood of the observed entries (plus the prior's
        log-density per row) rises by less (nats per row) and Aitken's estimate of the
        rise still to come is below ``tol`` too, or ``SLOW_MAX_ITER`` (100) iterations
        after the first rise below ``tol``.

    Returns
    -------
    mean : ndarray of shape (n_features,)
    components : ndarray of shape (n_components, n_features)
        Loadings W: x = mean + z W + e with z ~ N(0, I).
    noise_variance : ndarray of shape (n_features,)
        The variances of e (at least ``var_floor``).
    log_likelihood : float
        Mean log-likelihood of the rows' observed entries at the returned parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._missing_factor_analysis import factor_analysis_with_missing
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 1)) @ [[1.0, 2.0, -1.0]] + 0.1 * rng.normal(size=(2000, 3))
    >>> X[rng.uniform(size=X.shape) < 0.3] = np.nan
    >>> mean, W, psi, _ = factor_analysis_with_missing(X, 1, 1e-4)
    >>> np.abs(W / W[0, 0]).round(1)  # the loadings' ratios, up to the sign
    array([[1., 2., 1.]])
    >>> psi.round(2)
    array([0.01, 0.01, 0.01])
    """
    with one_blas_thread():
        X = np.asarray(X, dtype=np.float64)
        observed = ~np.isnan(X)
        missing = ~observed
        mean = np.nanmean(X, axis=0)
        # Start from the mean-filled rows: their mean, and half of each column's variance as
        # noise (the M-step then fits the factors). (A start from each pair of columns'
        # covariance over the rows observing both moved wine's fills away from the truth:
        # RMSE 0.76 against 0.72 at 20% missing, 0.81 against 0.77 at 50%.)
        filled = np.where(observed, X, mean)
        noise_var = np.maximum(0.5 * np.var(filled, axis=0), var_floor)
        # atleast_2d: np.cov of a single column is a scalar.
        covariance = np.atleast_2d(np.cov(filled, rowvar=False, bias=True))
        W, noise_var = _factor_analysis_of_covariance(
            covariance, n_components, noise_var, var_floor
        )
        previous = -np.inf
        previous_gain = np.inf
        slow_iterations = 0
        n_samples = len(X)
        for _ in range(max_iter):
            z_mean, z_cov, row_log_likelihood = factor_posterior(X, observed, mean, W, noise_var)
            log_likelihood = float(row_log_likelihood.mean())
            objective = log_likelihood + _log_prior(W, noise_var, prior_rows, n_samples)
            gain = objective - previous
            # A small gain alone does not mean convergence: a column observed in a few rows
            # converges at the slow rate of its missing information (14 of 200 rows: each
            # iteration closes a few per cent of the way, and a fill's slope stopped at
            # 0.79 of the truth's); EM goes on while Aitken's estimate of the gain left
            # is above tol.
            slow_iterations += bool(slow_iterations) or gain < tol  # since the first
            if gain < tol and (
                remaining_gain(gain, previous_gain) < tol or slow_iterations > SLOW_MAX_ITER
            ):
                break
            previous, previous_gain = objective, gain
            # E-step: each row completed by E[x_m | x_o], and the covariance of x_m given x_o,
            # W_m^T Cov[z | x_o] W_m + diag(psi_m), which the completed rows' scatter lacks.
            completed = np.where(observed, X, mean + z_mean @ W)
            mean = completed.mean(axis=0)
            centred = completed - mean
            missing_cov = np.einsum("kp,nkq->npq", W, z_cov @ W, optimize=True)
            S = (
                centred.T @ centred
                + np.einsum("np,npq,nq->pq", missing, missing_cov, missing, optimize=True)
                + np.diag((missing * noise_var).sum(axis=0))
            ) / n_samples
            # M-step: factor analysis of the expected covariance, shrunk by the prior.
            S = _shrunk(S, n_samples, prior_rows)
            W, noise_var = _factor_analysis_of_covariance(S, n_components, noise_var, var_floor)
        else:
            _, _, row_log_likelihood = factor_posterior(X, observed, mean, W, noise_var)
            log_likelihood = float(row_log_likelihood.mean())
        return mean, W, noise_var, log_likelihood
