"""Per-feature standardisation done inside the estimator, with its log-Jacobian."""

import numpy as np

# Rounding error of one float64 operation, relative: a feature whose spread is within the
# rounding error of summing its values is constant (see constant_features).
EPS = np.finfo(np.float64).eps


def fit_feature_scaling(X, names=None):
    """Mean and scale per feature for x_scaled = (x - mean) / scale, ignoring NaN.

    Non-constant features are scaled by their standard deviation. A constant feature has
    no scale of its own, so it borrows the smallest standard deviation among the
    non-constant features, the finest spread seen in the data (1.0 when every feature is
    constant). Its observation-variance floor is then relative to that spread rather than
    zero: the density stays finite, and a held-out row that departs from the constant
    costs a large but finite number of nats.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The features; NaN marks a missing value.
    names : sequence of length n_features, default=None
        How errors name the features, as the user knows them: a DataFrame's column names,
        or the positions of the features in the user's X. None names them by their
        positions in X here.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,), float64

    Raises
    ------
    ValueError
        If a feature has no observed value, or a variance that overflows float64.
    """
    X = np.asarray(X, dtype=np.float64)
    missing = np.isnan(X)
    if not missing.any():
        # The same sums, bit for bit, as nanmean and nanstd, without their two copies of X
        # (on 100,000 x 50 rows they took up to 0.7 s of a fit after other work, when each
        # copy's fresh memory is slow to fault in).
        return scaling_from_moments(X.mean(axis=0), X.std(axis=0), len(X), names)
    check_observed(missing.all(axis=0), names)
    # Statistics of the observed entries only (NaN marks a missing value).
    count = (~missing).sum(axis=0)
    return scaling_from_moments(np.nanmean(X, axis=0), np.nanstd(X, axis=0), count, names)


def fit_column_scaling(X, continuous, names):
    """(mean, scale) of every column of X: :func:`fit_feature_scaling` for the
    ``continuous`` ones, 0 and 1 for the others (0/1 and category codes stay as they are).
    ``names`` name the columns in errors.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._scaling import fit_column_scaling
    >>> X = np.array([[1.0, 0.0], [3.0, 1.0]])
    >>> [a.tolist() for a in fit_column_scaling(X, np.array([True, False]), ["x", "flag"])]
    [[2.0, 0.0], [1.0, 1.0]]
    """
    names = np.asarray(names, dtype=object)
    mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    if continuous.any():
        # X itself when every column is continuous: a boolean-mask copy of a C-ordered
        # array is F-ordered, and NumPy's column sums then round otherwise.
        columns = X if continuous.all() else X[:, continuous]
        mean[continuous], scale[continuous] = fit_feature_scaling(columns, names[continuous])
    return mean, scale


def observed_log_scale(X, scale):
    """Each row's log-Jacobian of the standardisation (x - mean) / scale, over its observed
    entries (missing ones, NaN, add nothing): what a density in scaled units subtracts to
    be a density in X's units.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._scaling import observed_log_scale
    >>> observed_log_scale(np.array([[1.0, 2.0], [np.nan, 2.0]]), np.array([np.e, 1.0])).tolist()
    [1.0, 0.0]
    """
    return np.where(np.isnan(X), 0.0, np.log(scale)).sum(axis=1)


def feature_labels(mask, names=None):
    """The names (positions when ``names`` is None) of the features where ``mask`` holds,
    as a list of plain Python values for an error message."""
    mask = np.asarray(mask, dtype=bool)
    if names is None:
        return np.flatnonzero(mask).tolist()
    return np.asarray(names, dtype=object)[mask].tolist()


def check_observed(unobserved, names=None):
    """Raise the error for features with no observed value (``unobserved`` marks them),
    naming them as :func:`feature_labels` does."""
    if np.any(unobserved):
        raise ValueError(
            f"column(s) {feature_labels(unobserved, names)} have no observed value (all "
            "NaN); drop them, or fill in some of their values, before fitting"
        )


def constant_features(mean, std, count):
    """Which features are constant: a standard deviation of 0, or one within the rounding
    error of computing it from ``count`` float64 values around ``mean`` (scikit-learn's
    rule for :class:`~sklearn.preprocessing.StandardScaler`: var <= n eps var + (n eps
    mean)^2). A feature that varies by more keeps its own scale, however small its spread
    is next to its mean: a density in X's units must not change when a constant is added
    to a column (a column 1 + 1e-9 N(0, 1) was called constant, and scored 18 nats per row
    lower than the same column around 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._scaling import constant_features
    >>> X = np.c_[np.full(300, 0.1), 1.0 + 1e-9 * np.random.default_rng(0).normal(size=300)]
    >>> std = X.std(axis=0)  # the mean of 300 values 0.1 is rounded: std 5e-16, not 0
    >>> constant_features(X.mean(axis=0), std, len(X)).tolist()
    [True, False]
    """
    var = np.square(std)
    return (std == 0) | (var <= count * EPS * var + np.square(count * EPS * mean))


def scaling_from_moments(mean, std, count, names=None):
    """(mean, scale) from each feature's observed mean, standard deviation and number of
    observed values.

    The second half of :func:`fit_feature_scaling`, shared with the chunked statistics of
    out-of-core fitting (skvae._nn._streaming); ``names`` as there.
    """
    if not np.all(np.isfinite(std)):
        raise ValueError(
            f"column(s) {feature_labels(~np.isfinite(std), names)} are too large to "
            "standardise (their variance overflows float64); rescale X, e.g. divide by a "
            "power of ten"
        )
    constant = constant_features(mean, std, count)
    fallback = np.min(std[~constant]) if np.any(~constant) else 1.0
    scale = np.where(constant, fallback, std)
    return mean, scale
