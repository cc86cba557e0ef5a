"""One column's values as the 1-D metrics take them, and columns scaled for squaring.

The checks that turn a scalar, a table, a scipy.sparse matrix or complex numbers into an
error that says what was passed, shared by the functions of :mod:`skvae.metrics` that
compare one column (:func:`~skvae.metrics.ks_statistic`, :func:`~skvae.metrics.cramers_v`,
...), and :func:`scale_columns`, which lets the metrics square values near 1e300.
"""

import numpy as np
from scipy import sparse

from skvae._table._categories import is_missing_value


def as_sample(values, name="values"):
    """A 1-D sample as an array: NumPy's dtype for numbers, objects for anything else.

    A list mixing strings and NaN stays objects rather than becoming strings ("nan"). A
    scalar or a table (2-D) is a ValueError, a scipy.sparse matrix a TypeError.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics._samples import as_sample
    >>> as_sample([1, 2]).dtype, as_sample(["a", np.nan]).tolist()
    (dtype('int64'), ['a', nan])
    >>> as_sample([[1], [2]], "a")
    Traceback (most recent call last):
    ...
    ValueError: a must be a 1-D sample (the values of one column); got an array of shape \
(2, 1). Pass one column, say X[:, 0]
    """
    reject_sparse(values, name)
    try:
        array = np.asarray(values)
        got = f"the scalar {values!r}" if array.ndim == 0 else f"an array of shape {array.shape}"
    except ValueError:  # sequences of different lengths
        array, got = None, "sequences of different lengths"
    if array is None or array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sample (the values of one column); got {got}. Pass one "
            "column, say X[:, 0]"
        )
    if array.dtype.kind in "US" and not isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=object)
    return array


def as_numbers(values, name):
    """A 1-D numeric sample as float64, NaN where missing (None and ``pd.NA`` too).

    Examples
    --------
    >>> from skvae.metrics._samples import as_numbers
    >>> as_numbers([1, None], "a").tolist()
    [1.0, nan]
    >>> as_numbers([1j, 2], "a")
    Traceback (most recent call last):
    ...
    ValueError: a has dtype complex128, which the metrics cannot compare; convert it to real \
numbers first (say, np.real or np.abs of complex values)
    """
    sample = as_sample(values, name)
    if sample.dtype.kind in "cmM":
        raise ValueError(
            f"{name} has dtype {sample.dtype}, which the metrics cannot compare; convert it to "
            "real numbers first (say, np.real or np.abs of complex values)"
        )
    if sample.dtype == object:
        sample = np.where(missing_mask(sample), np.nan, sample)
    try:
        return sample.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold numbers; {error}") from None


def reject_sparse(X, name):
    """A TypeError for a scipy.sparse matrix, which the metrics need as dense rows.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from skvae.metrics._samples import reject_sparse
    >>> reject_sparse(sp.eye(2, format="csr"), "real")
    Traceback (most recent call last):
    ...
    TypeError: real is a scipy.sparse csr_matrix; the metrics need dense rows: pass \
real.toarray()
    """
    if sparse.issparse(X):
        raise TypeError(
            f"{name} is a scipy.sparse {type(X).__name__}; the metrics need dense rows: pass "
            f"{name}.toarray()"
        )


def scale_columns(X):
    """``X`` with each column multiplied by the power of two that puts its largest finite
    absolute value in [0.5, 1): exact in floating point, so correlations and standardised
    values are unchanged, and squares of values near 1e300 or 1e-300 neither overflow nor
    underflow. Each column's exponent is returned too, to scale other tables alike.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics._samples import scale_columns
    >>> scaled, exponents = scale_columns(np.array([[3e300, 1.0], [-1e300, np.nan]]))
    >>> scaled.round(3).tolist(), exponents.tolist()
    ([[0.56, 0.5], [-0.187, nan]], [999, 1])
    """
    largest = np.fmax.reduce(np.abs(X), axis=0)
    _, exponents = np.frexp(np.nan_to_num(largest, nan=0.0))
    return np.ldexp(X, -exponents), exponents


def missing_mask(sample):
    """Which values of a 1-D array (see :func:`as_sample`) are missing.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics._samples import missing_mask
    >>> missing_mask(np.array([1.0, np.nan])).tolist(), missing_mask(np.array(["a", None])).tolist()
    ([False, True], [False, True])
    """
    kind = sample.dtype.kind
    if kind in "fc":
        return np.isnan(sample)
    if kind in "mM":
        return np.isnat(sample)
    if kind == "O":
        return np.fromiter((is_missing_value(v) for v in sample.tolist()), bool, count=len(sample))
    return np.zeros(len(sample), dtype=bool)
