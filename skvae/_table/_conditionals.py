"""Holes of standardised rows given their observed entries, under a centred Gaussian or
multivariate Student-t with a given precision matrix (the inverse of the correlation that
a whitened model was fitted on, skvae._table._whitening).

A whitened model rotates its real-valued columns together, so a hole in one of them leaves
the row without coordinates. These conditionals fill it: their means to encode such a row
(``transform``, ``kl_divergence``), draws to train on rows with holes, and draws with
their densities to integrate over the holes when scoring (skvae._vae._whitened_holes).
"""

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import gammaln
from scipy.stats import chi2 as chi2_distribution

from skvae._blas import one_blas_thread


def conditional_draws(S, precision, noise, uniforms=None, df=None):
    """Completions of standardised rows S (NaN where missing) from the conditional of a
    centred Gaussian (``df=None``) or multivariate Student-t with this precision matrix
    given each row's observed entries, and their log-densities.

    The Student-t's conditional is a Student-t with ``df + n_observed`` degrees of freedom
    whose scale, the Gaussian conditional's, widens with the observed part's Mahalanobis
    distance delta by ``(df + delta) / (df + n_observed)``: a row far from the training
    rows gets broad completions.

    Parameters
    ----------
    S : ndarray of shape (n_rows, d)
        Standardised rows with NaN in their holes.
    precision : ndarray of shape (d, d)
        The inverse of the scale matrix.
    noise : ndarray of shape (k, d) or (k, n_rows, d)
        Standard normal draws, shared by every row or one set per row (a row's j-th hole
        takes its j-th draw).
    uniforms : ndarray of shape (k,), optional
        Uniforms in (0, 1) shared by every row, turned into the chi-square draws of each
        row's degrees of freedom by inverse CDF (Student-t only).
    df : float or None, default=None
        Degrees of freedom of the joint Student-t; None for the Gaussian.

    Returns
    -------
    completions : ndarray of shape (k, n_rows, d)
        S with its holes filled, one filling per draw.
    log_density : ndarray of shape (k, n_rows)
        The log-density of each filling under the conditional, in standardised units (0
        for a row without holes).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._conditionals import conditional_draws
    >>> precision = np.linalg.inv([[1.0, 0.9], [0.9, 1.0]])
    >>> noise = np.random.default_rng(0).normal(size=(20000, 2))
    >>> filled, _ = conditional_draws(np.array([[2.0, np.nan]]), precision, noise)
    >>> round(float(np.mean(filled[:, 0, 1])), 1)  # the regression of x2 on x1
    1.8
    """
    with one_blas_thread():
        k, n_rows = len(noise), len(S)
        completions = np.repeat(S[None], k, axis=0)
        log_density = np.zeros((k, n_rows))
        holes = np.isnan(S)
        noise = np.broadcast_to(noise[:, None] if noise.ndim == 2 else noise, (k, *S.shape))
        patterns, pattern_of_row = np.unique(holes, axis=0, return_inverse=True)
        for p, missing in enumerate(patterns):
            n_missing, n_observed = int(missing.sum()), int((~missing).sum())
            if n_missing == 0:
                continue
            rows, observed = np.flatnonzero(pattern_of_row.ravel() == p), ~missing
            S_o = S[rows][:, observed]
            # Conditioning with a precision matrix P: mean -P_mm^-1 P_mo s_o, scale P_mm^-1 =
            # L^-T L^-1 with P_mm = L L^T, so that L^-T e has that covariance.
            P_mm, P_mo = precision[np.ix_(missing, missing)], precision[np.ix_(missing, observed)]
            mean = -np.linalg.solve(P_mm, P_mo @ S_o.T).T  # (rows, n_missing)
            cholesky = np.linalg.cholesky(P_mm)
            e = noise[:, rows, :n_missing]
            step = solve_triangular(cholesky.T, e.reshape(-1, n_missing).T, lower=False).T
            step = step.reshape(e.shape)
            log_det = np.sum(np.log(np.diag(cholesky)))  # -1/2 log|P_mm^-1|
            if df is None:
                completions[np.ix_(np.arange(k), rows, np.flatnonzero(missing))] = mean + step
                log_density[:, rows] = (
                    -n_missing / 2 * np.log(2 * np.pi) + log_det - np.sum(e**2, axis=2) / 2
                )
                continue
            # delta = s_o^T (P_oo - P_om P_mm^-1 P_mo) s_o, the Schur complement being
            # the inverse of the observed block of the scale matrix.
            delta = np.einsum("ij,jk,ik->i", S_o, precision[np.ix_(observed, observed)], S_o)
            delta += np.einsum("ij,ij->i", S_o @ P_mo.T, mean)
            conditional_df = df + n_observed
            widening = (df + np.maximum(delta, 0.0)) / conditional_df  # (rows,)
            chi2 = chi2_distribution.ppf(uniforms, conditional_df)[:, None]  # (k, 1)
            radial = np.sqrt(conditional_df / chi2 * widening[None])  # (k, rows)
            completions[np.ix_(np.arange(k), rows, np.flatnonzero(missing))] = (
                mean + step * radial[..., None]
            )
            squared = np.sum(e**2, axis=2) * conditional_df / chi2  # Mahalanobis over df
            log_density[:, rows] = (
                gammaln((conditional_df + n_missing) / 2)
                - gammaln(conditional_df / 2)
                - n_missing / 2 * np.log(conditional_df * np.pi)
                + log_det
                - n_missing / 2 * np.log(widening)[None]
                - (conditional_df + n_missing) / 2 * np.log1p(squared / conditional_df)
            )
        return completions, log_density


def conditional_means(S, precision):
    """Standardised rows S with their holes (NaN) filled by their conditional means given
    the observed entries, under a centred Gaussian (or Student-t) with this precision.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._conditionals import conditional_means
    >>> precision = np.linalg.inv([[1.0, 0.5], [0.5, 1.0]])
    >>> conditional_means(np.array([[2.0, np.nan], [np.nan, np.nan]]), precision).tolist()
    [[2.0, 1.0], [0.0, 0.0]]
    """
    with one_blas_thread():
        return conditional_draws(S, precision, np.zeros((1, S.shape[1])))[0][0]
