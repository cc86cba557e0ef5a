"""Per-feature standardisation done inside the estimator, with its log-Jacobian."""

import numpy as np

# A feature whose standard deviation is 0 or below this fraction of its mean's magnitude
# is treated as constant (the border pixels of load_digits are exactly 0 in every row).
CONSTANT_RTOL = 1e-8


def fit_feature_scaling(X):
    """Mean and scale per feature for x_scaled = (x - mean) / scale, ignoring NaN.

    Non-constant features are scaled by their standard deviation. A constant feature has
    no scale of its own, so it borrows the smallest standard deviation among the
    non-constant features, the finest spread seen in the data (1.0 when every feature is
    constant). Its observation-variance floor is then relative to that spread rather than
    zero: the density stays finite, and a held-out row that departs from the constant
    costs a large but finite number of nats.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,), float64
    """
    X = np.asarray(X, dtype=np.float64)
    unobserved = np.isnan(X).all(axis=0)
    if unobserved.any():
        raise ValueError(
            f"column(s) {np.flatnonzero(unobserved).tolist()} have no observed value (all "
            "NaN); drop them before fitting"
        )
    # Statistics of the observed entries only (NaN marks a missing value).
    return scaling_from_moments(np.nanmean(X, axis=0), np.nanstd(X, axis=0))


def scaling_from_moments(mean, std):
    """(mean, scale) from each feature's observed mean and standard deviation.

    The second half of :func:`fit_feature_scaling`, shared with the chunked statistics of
    out-of-core fitting (skvae._nn._streaming).
    """
    if not np.all(np.isfinite(std)):
        raise ValueError(
            f"column(s) {np.flatnonzero(~np.isfinite(std)).tolist()} are too large to "
            "standardise (their variance overflows float64); rescale X, e.g. divide by a "
            "power of ten"
        )
    # Relative to the mean only: a feature measured in tiny units (std 1e-12, say) still
    # varies, and must keep its own scale.
    constant = (std == 0) | (std <= CONSTANT_RTOL * np.abs(mean))
    fallback = np.min(std[~constant]) if np.any(~constant) else 1.0
    scale = np.where(constant, fallback, std)
    return mean, scale
