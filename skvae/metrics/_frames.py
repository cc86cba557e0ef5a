"""Checking the tables the metrics compare: arrays or DataFrames, which columns are
categorical, and which values are missing.

Shared by every metric of :mod:`skvae.metrics`, so that each one accepts the same inputs
and reports a mismatch between the real and synthetic tables in the same words. polars
DataFrames and pyarrow Tables are converted to pandas on the way in.
"""

import numpy as np

from skvae._table._frames import frame_library, to_pandas
from skvae.metrics._samples import reject_sparse


def as_2d_float(X, name):
    """``X`` as a non-empty 2-D float64 array, or a ValueError naming the argument.

    Parameters
    ----------
    X : array-like
        Rows of numbers.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    X : ndarray of shape (n, n_features)

    Examples
    --------
    >>> from skvae.metrics._frames import as_2d_float
    >>> as_2d_float([[1, 2], [3, 4]], "real").dtype
    dtype('float64')
    >>> as_2d_float([1, 2], "real")
    Traceback (most recent call last):
    ...
    ValueError: real must be a non-empty 2-D array; got shape (2,)
    """
    reject_sparse(X, name)
    try:
        X = np.asarray(X)
        if X.dtype.kind not in "cmM":
            X = X.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must hold numbers when given as an array ({error}); pass DataFrames to "
            "compare categorical columns"
        ) from None
    if X.dtype.kind in "cmM":
        raise ValueError(
            f"{name} has dtype {X.dtype}, which the metrics cannot compare; convert it to real "
            "numbers first (say, np.real or np.abs of complex values)"
        )
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array; got shape {X.shape}")
    return X


def float_tables(tables):
    """Tables given as arrays: 2-D float64 arrays with as many columns as the first one.

    Parameters
    ----------
    tables : dict
        Maps argument names to array-likes; the first one fixes the number of columns.

    Returns
    -------
    arrays : list of ndarray
        The tables in the same order.

    Examples
    --------
    >>> from skvae.metrics._frames import float_tables
    >>> [X.shape for X in float_tables({"real": [[1, 2]], "synthetic": [[3, 4], [5, 6]]})]
    [(1, 2), (2, 2)]
    >>> float_tables({"real": [[1, 2, 3]], "synthetic": [[1, 2]]})
    Traceback (most recent call last):
    ...
    ValueError: real and synthetic must have the same columns; got 3 and 2. Pass the same \
columns in the same order
    """
    names = list(tables)
    arrays = [as_2d_float(X, name) for name, X in tables.items()]
    for name, X in zip(names[1:], arrays[1:], strict=True):
        if X.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"{names[0]} and {name} must have the same columns; got "
                f"{arrays[0].shape[1]} and {X.shape[1]}. Pass the same columns in the "
                "same order"
            )
    return arrays


def reject_infinite(X, name, columns):
    """Raise a ValueError naming the first column of ``X`` that holds an infinite value.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        Float values, NaN where missing.
    name : str
        The table's argument name, for the message.
    columns : list
        The column labels, for the message.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics._frames import reject_infinite
    >>> reject_infinite(np.array([[1.0, np.nan]]), "real", ["a", "b"])  # NaN is missing
    >>> reject_infinite(np.array([[1.0, -np.inf]]), "real", ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: real has infinite values in column 'b'; replace them with finite numbers, \
or with NaN to count them as missing
    """
    infinite = np.isinf(X).any(axis=0)
    if infinite.any():
        raise ValueError(
            f"{name} has infinite values in column {columns[int(np.argmax(infinite))]!r}; "
            "replace them with finite numbers, or with NaN to count them as missing"
        )


def numeric_matrix(frame, names, name):
    """Float64 values of a frame's numeric columns, NaN where missing (nullable dtypes too).

    Parameters
    ----------
    frame : DataFrame
        The columns that are numeric in the first table, ``names[0]``.
    names : list of str
        The argument names of all the tables compared, for the message.
    name : str
        The argument name of ``frame``.

    Returns
    -------
    X : ndarray of shape (n, n_columns)

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics._frames import numeric_matrix
    >>> frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    >>> numeric_matrix(frame, ["real", "synthetic"], "real").tolist()
    [[1.0], [nan]]
    """
    columns = []
    for column in frame.columns:
        try:
            columns.append(frame[column].to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            tables = "both frames" if len(names) == 2 else "all tables"
            raise ValueError(
                f"column {column!r} is numeric in {names[0]} but holds values that are not "
                f"numbers in {name} (dtype {frame[column].dtype}); give {tables} the same dtypes"
            ) from None
    return np.column_stack(columns)


def reject_unobserved(X, names, name, columns):
    """A ValueError naming the first column of ``X`` (table ``name``, one of ``names``)
    that has no observed value, as :func:`~skvae.metrics.marginal_distances` raises.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics._frames import reject_unobserved
    >>> reject_unobserved(np.array([[1.0, np.nan]]), ["real", "synthetic"], "real", ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: column 'b' has no observed value in real; drop it from both tables
    """
    empty = np.isnan(X).all(axis=0)
    if empty.any():
        raise ValueError(
            f"column {columns[int(np.argmax(empty))]!r} has no observed value in {name}; drop "
            f"it from {'both' if len(names) == 2 else 'all'} tables"
        )


def as_pandas(X):
    """``X`` as a pandas DataFrame if it is a polars DataFrame or a pyarrow Table, else ``X``.

    Their string, categorical and boolean columns become pandas columns that
    :func:`is_categorical` counts as categorical, as for a frame fitted on pandas.

    Examples
    --------
    >>> import polars as pl
    >>> from skvae.metrics._frames import as_pandas, is_categorical
    >>> frame = as_pandas(pl.DataFrame({"size": [1.0], "color": ["red"]}))
    >>> type(frame).__module__.split(".")[0], [is_categorical(frame[c]) for c in frame]
    ('pandas', [False, True])
    """
    return to_pandas(X) if frame_library(X) is not None else X


def is_frame(X):
    """Whether ``X`` is a pandas DataFrame (checked by duck typing, so pandas stays optional).

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics._frames import is_frame
    >>> is_frame(pd.DataFrame({"a": [1]})), is_frame([[1]])
    (True, False)
    """
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def is_categorical(column):
    """Whether a DataFrame column holds categories (compared by value frequencies).

    Parameters
    ----------
    column : Series
        One column of a DataFrame.

    Returns
    -------
    bool
        True for dtypes ``category``, ``object``, string and boolean.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics._frames import is_categorical
    >>> frame = pd.DataFrame({"size": [1.0], "color": ["red"], "flag": [True]})
    >>> [is_categorical(frame[name]) for name in frame.columns]
    [False, True, True]
    """
    dtype = column.dtype
    name = str(dtype)
    kind = getattr(dtype, "kind", None)
    return (
        name in ("category", "bool", "boolean")
        or name.startswith("string")
        or (kind is not None and kind in ("O", "S", "U", "b"))
    )


def check_frames(frames):
    """Both (all) NumPy, or all DataFrames with the same columns; frames reordered alike.

    polars DataFrames and pyarrow Tables count as DataFrames: they are converted to pandas.

    Parameters
    ----------
    frames : dict
        Maps argument names to values; the first one fixes the column order.

    Returns
    -------
    values : list
        The values, frames reindexed to the first frame's column order.
    frames : bool
        Whether they are DataFrames.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics._frames import check_frames
    >>> real = pd.DataFrame({"a": [1], "b": [2]})
    >>> (_, synthetic), frames = check_frames({"real": real, "synthetic": real[["b", "a"]]})
    >>> list(synthetic.columns), frames
    (['a', 'b'], True)
    """
    for name, value in frames.items():
        reject_sparse(value, name)
    names, values = list(frames), [as_pandas(v) for v in frames.values()]
    frame_flags = [is_frame(v) for v in values]
    if not any(frame_flags):
        return values, False
    if not all(frame_flags):
        kinds = ", ".join(
            f"{n}: {'DataFrame' if f else type(v).__name__}"
            for n, v, f in zip(names, values, frame_flags, strict=True)
        )
        raise ValueError(
            f"pass {', '.join(names)} all as pandas DataFrames or all as arrays; got {kinds}. "
            "Synthetic rows from a model fitted on a DataFrame are a DataFrame already."
        )
    for name, frame in zip(names, values, strict=True):
        check_frame_columns(frame, name)
    reference = list(values[0].columns)
    out = [values[0]]
    for name, frame in zip(names[1:], values[1:], strict=True):
        columns = list(frame.columns)
        missing = [c for c in reference if c not in columns]
        extra = [c for c in columns if c not in reference]
        if missing or extra or len(columns) != len(reference):
            problems = [f"lacks {missing}"] if missing else []
            problems += [f"has extra {extra}"] if extra else []
            problems = problems or ["repeats a column name"]
            raise ValueError(
                f"{name} must have the same columns as {names[0]} (matched by name); "
                f"{name} {' and '.join(problems)}. {names[0]}'s columns are {reference}"
            )
        out.append(frame[reference])
    for name, frame in zip(names, out, strict=True):
        if len(frame) == 0 or len(reference) == 0:
            raise ValueError(f"{name} must be a non-empty DataFrame; got shape {frame.shape}")
    return out, True


def check_frame_columns(frame, name):
    """A ValueError for a DataFrame with a repeated column name, or a column of complex
    numbers, dates or durations, which no metric compares.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics._frames import check_frame_columns
    >>> check_frame_columns(pd.DataFrame([[1, 2]], columns=["a", "a"]), "real")
    Traceback (most recent call last):
    ...
    ValueError: real has more than one column named 'a'; give each column a unique name \
(the metrics match columns by name)
    """
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise ValueError(
            f"{name} has more than one column named {repeated[0]!r}; give each column a "
            "unique name (the metrics match columns by name)"
        )
    for column, dtype in frame.dtypes.items():
        if getattr(dtype, "kind", "O") in ("c", "m", "M"):
            raise ValueError(
                f"column {column!r} of {name} has dtype {dtype}, which the metrics cannot "
                "compare; convert it to real numbers or categories first"
            )
