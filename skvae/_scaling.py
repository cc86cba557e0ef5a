"""Per-feature standardisation done inside the estimator, with its log-Jacobian."""

import numpy as np

# A feature whose standard deviation is below this fraction of its typical magnitude is
# treated as constant (the border pixels of load_digits are exactly 0 in every row).
CONSTANT_RTOL = 1e-8


def fit_feature_scaling(X):
    """Mean and scale per feature for x_scaled = (x - mean) / scale.

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
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    constant = std <= CONSTANT_RTOL * np.maximum(1.0, np.abs(mean))
    fallback = np.min(std[~constant]) if np.any(~constant) else 1.0
    scale = np.where(constant, fallback, std)
    return mean, scale
