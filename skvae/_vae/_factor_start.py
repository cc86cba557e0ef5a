"""A linear Gaussian VAE starts from factor analysis instead of random weights.

With ``hidden_layer_sizes=()`` and Gaussian columns the VAE *is* factor analysis (see
docs/theory.rst, "The linear VAE is probabilistic PCA and factor analysis"): its ELBO's
maximum is FA's maximum-likelihood solution, with an exact diagonal posterior once the
latent space is rotated. Gradient descent from random weights gets there slowly (150
epochs left it 0.06 to 0.2 nats per row short of ``FactorAnalysis`` on held-out rows),
so the fit starts where FA's EM ends and only refines it: the decoder is FA's loadings and
noise variances, the encoder FA's exact posterior. ``GridSearchCV`` over ``n_components``
then ranks the candidates as it ranks FA's.

Rows with missing entries start from FA fitted by EM on the observed entries (with a weak
prior, see ``PRIOR_ROWS_PER_COLUMN``), and then only the encoder trains: its input has
the missing entries set to the column mean, so it cannot represent the exact posterior
of an incomplete row, and the bound it gives pulls the decoder away from the maximum
(pPCA data with 20% missing, held-out score in nats per row: -12.01 at EM's solution, as
for FA fitted on the complete rows; 150 epochs with the decoder training took it down to
-12.41, and with the encoder alone training it stays at -12.02).
"""

import numpy as np

from skvae._blas import one_blas_thread
from skvae._vae._missing_factor_analysis import (
    factor_analysis_of_complete_rows,
    factor_analysis_with_missing,
)

# Smallest variance above the floor that the raw variance weight can start at (log of it).
MIN_RAW_VARIANCE = 1e-6
# On rows with missing entries, EM's factors are shrunk towards uncorrelated standardised
# columns by a prior worth this many rows per column (see factor_analysis_with_missing).
# Chosen on benchmarks/imputation.py's four numeric tables: 0, 0.25, 0.5, 1 and 2 rows per
# column gave a mean RMSE of 0.635, 0.629, 0.632, 0.637 and 0.647 over their 12 cells
# (maximum likelihood overfits wine at 50% missing: 0.857 against 0.815).
PRIOR_ROWS_PER_COLUMN = 0.25


def starts_from_factor_analysis(params, kinds, n_conditions, X_data):
    """Whether a fit with these estimator ``params`` (``n_components`` resolved to an int)
    starts from factor analysis: a linear VAE with only "gaussian" columns, no condition
    column, one Gaussian latent layer, no distribution or mixed precision, at most as many
    latents as columns, and in-memory rows ``X_data`` (None for a memory map; missing
    entries are NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import VAETransformer
    >>> from skvae._vae._factor_start import starts_from_factor_analysis
    >>> vae = VAETransformer(hidden_layer_sizes=(), likelihood="gaussian")
    >>> params = {**vae.get_params(), "n_components": 2}  # as fit resolves "sqrt" for 3
    >>> starts_from_factor_analysis(params, ["gaussian"] * 3, 0, np.zeros((5, 3)))
    True
    >>> starts_from_factor_analysis(params, ["gaussian"] * 3, 0, None)
    False
    """
    return (
        tuple(params["hidden_layer_sizes"]) == ()
        and all(kind == "gaussian" for kind in kinds)
        and n_conditions == 0
        and params["posterior"] == "gaussian"
        and params["n_components_lower"] is None
        and params["distribution"] is None
        and params["dtype_policy"] == "float32"
        and X_data is not None
        and params["n_components"] <= X_data.shape[1]
    )


def factor_analysis_of_incomplete_rows(X_scaled, n_components, var_floor):
    """Factor analysis of standardised rows with NaN, by EM with the prior of
    ``PRIOR_ROWS_PER_COLUMN`` rows per column: the start of a VAE fitted on such rows, and
    the refits by which :mod:`skvae._vae._latent_mixture` chooses its size.

    Returns
    -------
    mean, components, noise_variance : ndarray
        As :func:`skvae._vae._missing_factor_analysis.factor_analysis_with_missing`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._factor_start import factor_analysis_of_incomplete_rows
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> X[::4, 1] = np.nan
    >>> [a.shape for a in factor_analysis_of_incomplete_rows(X, 2, 1e-2)]
    [(3,), (2, 3), (3,)]
    """
    with one_blas_thread():
        prior_rows = PRIOR_ROWS_PER_COLUMN * X_scaled.shape[1]
        return factor_analysis_with_missing(X_scaled, n_components, var_floor, prior_rows)[:3]


def padded_loadings(W, n_components):
    """Loadings W (at most one factor per row or column) with zero rows appended up to
    ``n_components``.

    Factor analysis returns at most one loading per training row (FactorAnalysis) or per
    column (EM); the factors beyond them get zero loadings, so they start unused, as the
    data allow, and the model keeps the latent dimension it was asked for.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._factor_start import padded_loadings
    >>> padded_loadings(np.ones((1, 3)), 2).tolist()
    [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """
    return np.vstack([W, np.zeros((n_components - len(W), W.shape[1]))])


def factor_analysis_start(X_scaled, n_components, var_floor):
    """Weights of a linear Gaussian VAE at factor analysis's solution for ``X_scaled``.

    FA's loadings W (k x p) and noise variances psi give the exact posterior
    N(S W psi^-1 (x - mu), S) with S = (I + W psi^-1 W^T)^-1. The loadings are rotated so
    that W psi^-1 W^T is diagonal: S is then diagonal too, and the VAE's diagonal Gaussian
    encoder can represent it exactly.

    Parameters
    ----------
    X_scaled : ndarray of shape (n_samples, n_features)
        Standardised training rows, NaN where an entry is missing. Complete rows are
        fitted by FactorAnalysis's fixed point run to convergence
        (:func:`skvae._vae._missing_factor_analysis.factor_analysis_of_complete_rows`);
        incomplete ones by EM
        (:func:`skvae._vae._missing_factor_analysis.factor_analysis_with_missing`),
        with the prior of ``PRIOR_ROWS_PER_COLUMN`` rows per column.
    n_components : int
        Latent dimension (at most n_features).
    var_floor : float
        The model's variance floor: the variance weight stores var - var_floor.

    Returns
    -------
    weights : dict
        ``z_mean`` ([kernel (p, k), bias (k,)]), ``z_log_var`` ([kernel, bias]),
        ``x_param`` ([kernel (k, p), bias (p,)]) and ``obs_raw_var`` ((p,)), float32.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._factor_start import factor_analysis_start
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 1)) @ rng.normal(size=(1, 4)) + 0.5 * rng.normal(size=(500, 4))
    >>> weights = factor_analysis_start((X - X.mean(0)) / X.std(0), 1, 0.01)
    >>> weights["z_mean"][0].shape, weights["x_param"][0].shape, weights["obs_raw_var"].shape
    ((4, 1), (1, 4), (4,))
    """
    with one_blas_thread():
        if len(X_scaled) < 2:
            # One row has no covariance to factor: unit noise and no loadings (sklearn's
            # FactorAnalysis would divide by its zero variance).
            mu, W, psi = X_scaled[0], np.zeros((0, X_scaled.shape[1])), np.ones(X_scaled.shape[1])
        elif np.isnan(X_scaled).any():
            mu, W, psi = factor_analysis_of_incomplete_rows(X_scaled, n_components, var_floor)
        else:
            prior_rows = PRIOR_ROWS_PER_COLUMN * X_scaled.shape[1]
            mu, W, psi = factor_analysis_of_complete_rows(
                X_scaled, n_components, var_floor, prior_rows
            )
        W = padded_loadings(W, n_components)
        precision_loadings = W / psi  # W psi^-1, (k, p)
        _, rotation = np.linalg.eigh(precision_loadings @ W.T)
        W = rotation.T @ W
        precision_loadings = W / psi
        posterior_variance = 1.0 / (1.0 + np.sum(precision_loadings * W, axis=1))  # diag of S
        mean_kernel = precision_loadings.T * posterior_variance  # (p, k): x -> S W psi^-1 x
        n_features = X_scaled.shape[1]
        raw_variance = np.log(np.maximum(psi - var_floor, MIN_RAW_VARIANCE))
        weights = {
            "z_mean": [mean_kernel, -mu @ mean_kernel],
            "z_log_var": [np.zeros((n_features, n_components)), np.log(posterior_variance)],
            "x_param": [W, mu],
            "obs_raw_var": raw_variance,
        }
        return {
            name: [np.asarray(w, np.float32) for w in value]
            if isinstance(value, list)
            else np.asarray(value, np.float32)
            for name, value in weights.items()
        }


def load_start(model, weights):
    """Put the weights of :func:`factor_analysis_start` into a freshly built linear VAE
    (a :class:`skvae._vae._model.VAE`)."""
    for network, layer in (
        (model.encoder, "z_mean"),
        (model.encoder, "z_log_var"),
        (model.decoder, "x_param"),
    ):
        network.get_layer(layer).set_weights(weights[layer])
    model.obs_raw_var.assign(weights["obs_raw_var"])
    return model
