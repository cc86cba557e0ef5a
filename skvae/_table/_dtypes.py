"""A table column's training dtype: its name in a fitted model, and columns put back in it.

A fitted model keeps each column's dtype by name (a saved model holds no pandas type).
``str(dtype)`` does not always name the dtype it came from: ``string[python]`` and
``string[pyarrow]`` both print as "string", which reads back as pandas' default string
storage, and pandas' ``ArrowDtype(pa.string())`` prints as "string[pyarrow]", which reads
back as a ``StringDtype``. :func:`dtype_name` gives a name that reads back as the same
dtype (:func:`training_dtype`), so that ``sample``, ``inverse_transform`` and the imputer
return each column in its training dtype.
"""

import numpy as np

# Prefix of the names of pandas ArrowDtypes whose own name reads back as another dtype.
ARROW_PREFIX = "arrow:"


def dtype_name(dtype):
    """A name of ``dtype`` that :func:`training_dtype` turns back into ``dtype``.

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa
    >>> from skvae._table._dtypes import dtype_name
    >>> dtype_name(pd.StringDtype("python")), dtype_name(pd.ArrowDtype(pa.string()))
    ('string[python]', 'arrow:string')
    >>> dtype_name(pd.ArrowDtype(pa.bool_())), dtype_name(pd.api.types.pandas_dtype("int8"))
    ('bool[pyarrow]', 'int8')
    """
    import pandas as pd

    if isinstance(dtype, pd.StringDtype):
        # "string" holds pd.NA for missing, "str" (pandas 3's default) NaN.
        na_value = getattr(dtype, "na_value", pd.NA)
        return f"{'string' if na_value is pd.NA else 'str'}[{dtype.storage}]"
    name = str(dtype)
    if isinstance(dtype, pd.ArrowDtype) and _read(name) != dtype:
        return ARROW_PREFIX + str(dtype.pyarrow_dtype)
    return name


def training_dtype(name):
    """The dtype that :func:`dtype_name` named ``name``, or the name itself where pandas
    reads it (every name a model saved before such names existed).

    Examples
    --------
    >>> from skvae._table._dtypes import training_dtype
    >>> training_dtype("str[python]"), training_dtype("arrow:string"), training_dtype("int8")
    (<StringDtype(storage='python', na_value=nan)>, string[pyarrow], 'int8')
    """
    import pandas as pd

    if name.startswith(ARROW_PREFIX):
        import pyarrow

        try:
            return pd.ArrowDtype(pyarrow.type_for_alias(name[len(ARROW_PREFIX) :]))
        except (ValueError, KeyError):
            # An Arrow type with no alias (a dictionary-encoded category from read_parquet,
            # a decimal): the column comes back as objects or floats (as_training_dtype).
            return None
    for text, na_value in (("str", np.nan), ("string", pd.NA)):
        for storage in ("python", "pyarrow"):
            if name == f"{text}[{storage}]":
                return pd.StringDtype(storage, na_value=na_value)
    return name


def as_training_dtype(column, kind, cats, entry):
    """A decoded column (categories, or floats: 0/1 shares, numbers) as a pandas column of
    the training dtype that the schema ``entry`` holds (see ``fit_columns``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._dtypes import as_training_dtype
    >>> as_training_dtype(np.array([0.2, 0.9]), "bernoulli", None, {"dtype": "bool[pyarrow]"})
    0    False
    1     True
    dtype: bool[pyarrow]
    """
    import pandas as pd

    name = entry["dtype"]
    dtype = training_dtype(name)
    if dtype is None:
        return pd.Series(column, dtype=object if kind == "categorical" else np.float64)
    if kind == "categorical":
        if name == "category":
            return pd.Categorical(column, categories=cats, ordered=entry.get("ordered", False))
        try:  # object, str, string[python], ...: the training column's own dtype
            return pd.Series(column, dtype=object).astype(dtype)
        except (TypeError, ValueError):
            return pd.Series(column, dtype=object)
    if _is_boolean(dtype):  # bool, boolean, bool[pyarrow]: a share of 0.3 is False
        return pd.Series(np.asarray(column, dtype=np.float64) >= 0.5, dtype=dtype)
    if entry.get("bools"):  # True/False, not 0/1 or probabilities
        bools = np.asarray(column, dtype=np.float64) >= 0.5
        if name == "category":
            # A level the training column lacked (a draw of False from an all-True column)
            # is added rather than turned into NaN.
            levels = entry.get("categories", [False, True])
            levels = levels + [v for v in (False, True) if v not in levels and v in bools]
            return pd.Categorical(bools, categories=levels, ordered=entry.get("ordered", False))
        return pd.Series(bools).astype(object)
    return pd.Series(column).astype(dtype)


def holds_booleans(entry):
    """Whether a training column, by its schema ``entry``, comes back as True and False
    (a bool, boolean or bool[pyarrow] dtype, or an object or category column of True and
    False, as :func:`as_training_dtype` decodes them): it takes no other value.

    Examples
    --------
    >>> from skvae._table._dtypes import holds_booleans
    >>> [holds_booleans(e) for e in ({"dtype": "bool"}, {"dtype": "object", "bools": True},
    ...                              {"dtype": "float64"})]
    [True, True, False]
    """
    dtype = training_dtype(entry["dtype"]) if "dtype" in entry else None
    return bool(entry.get("bools")) or (dtype is not None and _is_boolean(dtype))


def _read(name):
    """The dtype pandas reads from ``name``, or None."""
    import pandas as pd

    try:
        return pd.api.types.pandas_dtype(name)
    except (TypeError, ValueError, NotImplementedError):
        # NotImplementedError: an ArrowDtype name with parameters ("decimal128(10, 2)[pyarrow]").
        return None


def _is_boolean(dtype):
    read = _read(dtype) if isinstance(dtype, str) else dtype
    return getattr(read, "kind", "") == "b"


def holds_decimals(column):
    """Whether a pandas column holds decimal numbers: an Arrow decimal dtype (pandas'
    ``ArrowDtype``), or objects that are all ``decimal.Decimal`` (pyarrow's and polars'
    decimal columns as pandas reads them, and SQL NUMERIC as ``pandas.read_sql`` does).

    Examples
    --------
    >>> import decimal
    >>> import pandas as pd
    >>> from skvae._table._dtypes import holds_decimals
    >>> prices = pd.Series([decimal.Decimal("9.99"), None, decimal.Decimal("4.50")])
    >>> holds_decimals(prices), holds_decimals(pd.Series(["9.99"])), holds_decimals(prices[1:2])
    (True, False, False)
    """
    import decimal

    dtype = column.dtype
    arrow = getattr(dtype, "pyarrow_dtype", None)
    if arrow is not None:
        import pyarrow

        return pyarrow.types.is_decimal(arrow)
    if getattr(dtype, "kind", "") != "O" or str(dtype) == "category":
        return False  # a category dtype of decimals: categories, as the user made them
    observed = column.dropna()
    return len(observed) > 0 and all(isinstance(v, decimal.Decimal) for v in observed)


def is_integer_dtype(dtype):
    """Whether ``dtype`` holds whole numbers: NumPy's signed and unsigned integers, also
    as pandas' nullable and Arrow dtypes (their ``kind``), not bool.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._dtypes import is_integer_dtype
    >>> is_integer_dtype(pd.Series([1], dtype="UInt8").dtype), is_integer_dtype(bool)
    (True, False)
    """
    return getattr(dtype, "kind", None) in ("i", "u")


def check_exact_in_float64(column, name, observed):
    """Refuse an integer-dtype column that float64, in which every column is modelled,
    does not hold exactly: beyond 2**53 in magnitude its values would be rounded, also
    the observed ones an imputer returns, and near the dtype's limits wrap around when
    cast back. Checked on the integers themselves (2**53 + 1 reads as 2**53 in float);
    ``observed`` is the column's observed values as floats.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skvae._table._dtypes import check_exact_in_float64
    >>> ids = pd.Series([2**53 + 1, 7], dtype="int64")
    >>> check_exact_in_float64(ids, "id", ids.to_numpy(float))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: column 'id' holds whole numbers as large as 9007199254740993 in magnitude...
    """
    if not is_integer_dtype(column.dtype) or not len(observed):
        return
    if np.abs(observed).max() < 2.0**52:
        return
    dtype = getattr(column.dtype, "numpy_dtype", column.dtype)  # nullable, Arrow: NumPy's
    values = np.asarray(column.dropna() if hasattr(column, "dropna") else column, dtype=dtype)
    too_large = values > 2**53
    if dtype.kind == "i":
        too_large |= values < -(2**53)
    if too_large.any():
        largest = max(abs(int(v)) for v in values[too_large])
        raise ValueError(
            f"column {name!r} holds whole numbers as large as {largest} in magnitude, "
            "beyond 2**53, the largest that float64 (in which skvae models every column) "
            "holds exactly; drop it if it is an identifier, or convert it to float (its "
            "values then round)"
        )
