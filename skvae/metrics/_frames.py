"""Checking the tables the metrics compare: arrays or DataFrames, and which columns are
categorical.

Shared by every metric of :mod:`skvae.metrics`, so that each one accepts the same inputs
and reports a mismatch between the real and synthetic tables in the same words.
"""

import numpy as np


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
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array; got shape {X.shape}")
    return X


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
    names, values = list(frames), list(frames.values())
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
