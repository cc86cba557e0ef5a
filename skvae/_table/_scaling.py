"""Per-feature standardisation done inside the estimator, with its log-Jacobian."""

import numpy as np


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
        If a feature has no observed value, or a variance that overflows float64, or
        one that underflows it (a standard deviation below about 1.5e-154) while its
        values differ.
    """
    X = np.asarray(X, dtype=np.float64)
    missing = np.isnan(X)
    if not missing.any():
        # The same sums, bit for bit, as nanmean and nanstd, without their two copies of X
        # (on 100,000 x 50 rows they took up to 0.7 s of a fit after other work, when each
        # copy's fresh memory is slow to fault in).
        moments = X.mean(axis=0), X.std(axis=0)
        return scaling_from_moments(*moments, X.min(axis=0), X.max(axis=0), names)
    check_observed(missing.all(axis=0), names)
    # Statistics of the observed entries only (NaN marks a missing value; fmin and fmax
    # skip it).
    moments = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
    return scaling_from_moments(*moments, np.fmin.reduce(X), np.fmax.reduce(X), names)


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


def constant_features(std, low, high):
    """Which features are constant: every observed value the same (``low == high``, the
    smallest and largest), or a standard deviation of 0.

    Equality, not a small spread: the standard deviation of a constant column is the
    rounding error of its mean (5e-16 for 300 values 0.1), and a tolerance on it large
    enough for that (scikit-learn's StandardScaler rule, about n eps |mean|, or a fixed
    1e-8 |mean|) also took for constant a column that varies by 1e-9 around 1 or 1e5 and
    gave it another column's scale: its score then fell by 18 to 20 nats per row when the
    offset was added, where a density in X's units does not move.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._scaling import constant_features
    >>> X = np.c_[np.full(300, 0.1), 1e5 + 1e-9 * np.random.default_rng(0).normal(size=300)]
    >>> X.std(axis=0)[0] > 0  # the mean of 300 values 0.1 is rounded
    np.True_
    >>> constant_features(X.std(axis=0), X.min(axis=0), X.max(axis=0)).tolist()
    [True, False]
    """
    return (low == high) | (std == 0)


def scaling_from_moments(mean, std, low, high, names=None):
    """(mean, scale) from each feature's observed mean, standard deviation, smallest and
    largest value.

    The second half of :func:`fit_feature_scaling`, shared with the chunked statistics of
    out-of-core fitting (skvae._nn._streaming); ``names`` as there.
    """
    if not np.all(np.isfinite(std)):
        raise ValueError(
            f"column(s) {feature_labels(~np.isfinite(std), names)} are too large to "
            "standardise (their variance overflows float64); rescale X, e.g. divide by a "
            "power of ten"
        )
    # A standard deviation below ~1.5e-154 of values that differ: their variance
    # underflows float64 (to 0 below ~1e-162, which took them for a constant column: one
    # code for every row).
    tiny = (low != high) & (std**2 < np.finfo(np.float64).tiny)
    if np.any(tiny):
        raise ValueError(
            f"column(s) {feature_labels(tiny, names)} are too small to standardise (their "
            "variance underflows float64); rescale X, e.g. multiply by a power of ten"
        )
    constant = constant_features(std, low, high)
    fallback = np.min(std[~constant]) if np.any(~constant) else 1.0
    scale = np.where(constant, fallback, std)
    return mean, scale
