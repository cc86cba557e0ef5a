"""Exact conditional means of a linear-Gaussian model (factor analysis) with missing entries.

A VAE with a linear decoder and Gaussian noise, x = b + z W + e with z ~ N(0, I) and
e ~ N(0, diag(psi)), is factor analysis: given the observed entries x_o of a row, the
posterior of z is Gaussian in closed form,

    Cov[z | x_o]^-1 = I + W_o diag(1 / psi_o) W_o^T,
    E[z | x_o]      = Cov[z | x_o] W_o diag(1 / psi_o) (x_o - b_o),

and E[x_m | x_o] = b_m + E[z | x_o] W_m. The imputer uses this instead of importance
sampling whenever its model has that form: it is the same quantity, without Monte Carlo
error, and without depending on how well the encoder guesses the posterior of a row with
holes.
"""

import numpy as np

# Rows per batch of the stacked (rows x latent x latent) solves.
CHUNK_ROWS = 1024


def conditional_mean(x, intercept, W, noise_var):
    """E[x | observed entries] under x = intercept + z W + N(0, diag(noise_var)), z ~ N(0, I).

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
        Rows with NaN where an entry is missing.
    intercept : ndarray of shape (n_samples, n_features) or (n_features,)
        The mean of x at z = 0 (per row when it depends on conditions).
    W : ndarray of shape (n_components, n_features)
        Loadings: the change of the mean per unit of each latent dimension.
    noise_var : ndarray of shape (n_features,)
        Variance of each feature's noise; positive.

    Returns
    -------
    expected : ndarray of shape (n_samples, n_features)
        x with each missing entry replaced by its conditional mean given the row's
        observed entries (a row with none observed gets the intercept).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._linear_gaussian import conditional_mean
    >>> W = np.array([[1.0, -1.0]])          # x1 = -x0, up to noise
    >>> x = np.array([[2.0, np.nan]])
    >>> conditional_mean(x, np.zeros(2), W, np.array([1e-6, 1e-6])).round(3)
    array([[ 2., -2.]])
    """
    x = np.asarray(x, dtype=np.float64)
    intercept = np.broadcast_to(np.asarray(intercept, dtype=np.float64), x.shape)
    W = np.asarray(W, dtype=np.float64)
    precision_weights = 1.0 / np.asarray(noise_var, dtype=np.float64)
    expected = x.copy()
    for start in range(0, len(x), CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        observed = ~np.isnan(x[rows])
        weights = observed * precision_weights  # 1 / psi on observed entries, else 0
        residual = np.where(observed, x[rows] - intercept[rows], 0.0)
        # Posterior precision and (precision times mean) of z for every row at once.
        precision = np.eye(len(W)) + np.einsum("dp,np,ep->nde", W, weights, W)
        shift = np.einsum("dp,np->nd", W, weights * residual)
        z_mean = np.linalg.solve(precision, shift[..., None])[..., 0]
        fill = intercept[rows] + z_mean @ W
        expected[rows] = np.where(observed, x[rows], fill)
    return expected
