"""DataFrames of other libraries (polars, pyarrow) in and out, through pandas.

The table code works on pandas frames; a polars DataFrame or a pyarrow Table is converted
to pandas on the way in (their categorical, enum, string and boolean columns become pandas
category, object and bool columns, so the kinds are inferred from the dtypes the same way),
and frames the estimator returns are converted back to the library it was fitted on.
Neither library is imported unless such a frame is passed.
"""

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

    Examples
    --------
    >>> import pyarrow as pa
    >>> from skvae._table._frames import to_pandas
    >>> to_pandas(pa.table({"x": [1.0, 2.0]}))["x"].tolist()
    [1.0, 2.0]
    """
    return X.to_pandas()


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
