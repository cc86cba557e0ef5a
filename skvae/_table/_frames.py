"""DataFrames of other libraries (polars, pyarrow) in and out, through pandas.

The table code works on pandas frames; a polars DataFrame or a pyarrow Table is converted
to pandas on the way in (their categorical, enum, string and boolean columns become pandas
category, object and bool columns, so the kinds are inferred from the dtypes the same way),
and frames the estimator returns are converted back to the library it was fitted on.
Neither library is imported unless such a frame is passed.
"""

import numpy as np

LIBRARIES = ("polars", "pyarrow")


def frame_library(X):
    """ "polars" for a polars DataFrame, "pyarrow" for a pyarrow Table, else None.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._frames import frame_library
    >>> frame_library(pd.DataFrame({"x": [1.0]})) is None
    True
    """
    library = type(X).__module__.split(".")[0]
    if library in LIBRARIES and hasattr(X, "to_pandas") and hasattr(X, "schema"):
        return library
    return None


def enum_columns(X):
    """Names of a polars DataFrame's ``Enum`` columns (pandas has no Enum: they come back
    as categories, see :func:`from_pandas`).

    Examples
    --------
    >>> import polars as pl
    >>> from skvae._table._frames import enum_columns
    >>> enum_columns(pl.DataFrame({"s": pl.Series(["a"]).cast(pl.Enum(["a", "b"]))}))
    ['s']
    """
    import polars

    return [name for name, dtype in X.schema.items() if isinstance(dtype, polars.Enum)]


def to_pandas(X):
    """A polars DataFrame or pyarrow Table as a pandas DataFrame (categoricals kept).

    An integer column with nulls becomes a nullable pandas integer column (``Int64``, ...)
    rather than float64, so that it keeps its integer kind and dtype.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from skvae._table._frames import to_pandas
    >>> frame = to_pandas(pa.table({"x": [1.0, 2.0], "n": pa.array([3, None])}))
    >>> frame["x"].tolist(), str(frame["n"].dtype)
    ([1.0, 2.0], 'Int64')
    """
    import pandas as pd
    import pyarrow

    frame = X.to_pandas()
    table = X if isinstance(X, pyarrow.Table) else X.to_arrow()
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pyarrow.types.is_integer(column.type) and column.null_count:
            # "int32" -> "Int32", "uint8" -> "UInt8": pandas' nullable integer dtypes.
            name_of_dtype = str(column.type).replace("uint", "UInt").replace("int", "Int")
            dtype = pd.api.types.pandas_dtype(name_of_dtype)
            frame[name] = column.to_pandas(types_mapper={column.type: dtype}.get)
    return frame


def from_pandas(frame, library, enums=()):
    """A pandas DataFrame as a frame of ``library`` ("polars" or "pyarrow"); the polars
    columns named in ``enums`` become ``Enum`` columns of their pandas categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._frames import from_pandas
    >>> type(from_pandas(pd.DataFrame({"x": [1.0]}), "pyarrow")).__name__
    'Table'
    """
    if library == "polars":
        import polars

        out = polars.from_pandas(frame)
        return out.cast({name: polars.Enum(list(frame[name].cat.categories)) for name in enums})
    import pyarrow

    return pyarrow.Table.from_pandas(frame, preserve_index=False)


def float_dtype_of(frame):
    """The float dtype of a pandas frame's coded rows: float32 when every column is
    float32, as :func:`sklearn.utils.check_array` keeps such a table, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skvae._table._frames import float_dtype_of
    >>> float_dtype_of(pd.DataFrame({"a": np.ones(2, np.float32)})).__name__
    'float32'
    >>> float_dtype_of(pd.DataFrame({"a": np.ones(2, np.float32), "b": ["x", "y"]})).__name__
    'float64'
    """
    if len(frame.columns) and all(str(dtype) == "float32" for dtype in frame.dtypes):
        return np.float32
    return np.float64


def integer_column_labels(frame):
    """A pandas frame's column labels if scikit-learn does not take them as feature names
    (not all strings: the ints of ``pd.read_csv(header=None)`` or ``pd.DataFrame(array)``,
    floats, bools, a MultiIndex's tuples), as plain Python values, so that frames come back
    with them; else None (string labels, which ``feature_names_in_`` holds, and labels of
    other types, such as dates, which come back as x0, x1, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._frames import integer_column_labels
    >>> integer_column_labels(pd.DataFrame([[1.0, 2.0]]))
    [0, 1]
    >>> integer_column_labels(pd.DataFrame([[1.0, 2.0]], columns=[("a", 1), ("a", 2)]))
    [('a', 1), ('a', 2)]
    >>> integer_column_labels(pd.DataFrame({"a": [1.0]})) is None
    True
    """
    labels = list(frame.columns)
    if not labels or all(isinstance(label, str) for label in labels):
        return None
    plain = [_plain_label(label) for label in labels]
    return None if any(label is None for label in plain) else plain


def _plain_label(label):
    """``label`` as a bool, int, float, str or a tuple of them (NumPy scalars converted),
    which a saved model can hold; None for any other label."""
    if isinstance(label, tuple):
        items = [_plain_label(item) for item in label]
        return None if any(item is None for item in items) else tuple(items)
    if isinstance(label, np.generic):
        label = label.item()
    return label if isinstance(label, bool | int | float | str) else None


def check_unique_labels(frame):
    """Refuse a pandas frame that names a column twice: its columns are read by name.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._frames import check_unique_labels
    >>> check_unique_labels(pd.DataFrame([[1.0, 2.0, 3.0]], columns=["a", "a", "b"]))
    Traceback (most recent call last):
    ...
    ValueError: X names column 'a' twice (columns 0 and 1); give each column its own name
    """
    duplicated = frame.columns.duplicated()
    if duplicated.any():
        second = int(np.flatnonzero(duplicated)[0])
        label = frame.columns[second]
        first = next(i for i, other in enumerate(frame.columns) if _same_label(other, label))
        raise ValueError(
            f"X names column {_plain_label(label)!r} twice (columns {first} and {second}); "
            "give each column its own name"
        )


def _same_label(a, b):
    """Label equality of a fit and a later frame: of the same type (True is not 1, 1.0 is
    not 1) and equal, NaN equal to NaN."""
    a, b = _plain_label(a), _plain_label(b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same_label, a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


def check_fitted_labels(frame, fitted_labels):
    """Refuse a pandas frame whose non-string column labels (see
    :func:`integer_column_labels`; string labels are scikit-learn's feature names, which
    ``validate_data`` checks) are not the ones fit saw, in the same order, and a frame
    of string labels where fit saw non-string ones: its columns would otherwise be read
    by position, whatever they hold.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._frames import check_fitted_labels
    >>> check_fitted_labels(pd.DataFrame([[1.0, 2.0]]), [0, 1])
    >>> check_fitted_labels(pd.DataFrame([[1.0, 2.0]], columns=[1, 0]), [0, 1])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X's column labels [1, 0] are not those fit saw, [0, 1]; give the columns ...
    >>> check_fitted_labels(pd.DataFrame([[1.0, 2.0]], columns=["a", "b"]), [0, 1])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X's column labels ['a', 'b'] are not those fit saw, [0, 1]; give the ...
    """
    if fitted_labels is None:
        return
    labels = integer_column_labels(frame)
    if labels is None:
        names = list(frame.columns)
        if not (names and all(isinstance(name, str) for name in names)):
            return
        labels = names  # feature names where fit saw none: never the fitted labels
    fitted_labels = list(fitted_labels)
    same = len(labels) == len(fitted_labels) and all(map(_same_label, labels, fitted_labels))
    if not same:
        shown, fitted = (_shown(list_) for list_ in (labels, fitted_labels))
        raise ValueError(
            f"X's column labels {shown} are not those fit saw, {fitted}; give the columns "
            "fit saw, in the same order"
        )


def _shown(labels):
    """At most ten labels, for a message."""
    return str(labels[:10])[:-1] + ", ...]" if len(labels) > 10 else str(labels)
