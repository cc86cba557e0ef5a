"""Column kinds of a table, and the float "codes" matrix the model works on.

A user's table (a pandas DataFrame with float, int, bool, categorical and string columns, or
a NumPy array) becomes a float64 matrix with one column per input column: numeric values
as they are, booleans as 0/1, categories as their index in the categories seen in fit, and
NaN wherever a value is missing (NaN, None or ``pd.NA``). Generated or decoded rows go the
other way, back to the training frame's columns, dtypes and category sets.

Kinds (the likelihood of each column) are the observation models of
:mod:`skvae._nn.observations`, one module each (names read without importing Keras):

``"gaussian"``, ``"heteroscedastic"``, ``"mixture"``, ``"student_t"``, ...
    Continuous: a density in the column's units.
``"integer"``
    Whole numbers, standardised like the continuous kinds but with a probability per value
    (a discretised density); the kind of a DataFrame's integer columns, unless the
    estimator keeps those at its ``likelihood``. Generated values of integer columns
    (this kind, or an integer dtype) are rounded and clipped to the range seen in fit.
``"bernoulli"``
    Binary: values in [0, 1] (booleans, 0/1 flags).
``"categorical"``
    A softmax over the column's categories (pandas categories, or the distinct values of
    an object/string column, or of a numeric column set to this kind).
"""

import numpy as np

from skvae._nn.observations import continuous_kinds, kind_names
from skvae._table._categories import (
    all_bool,
    category_codes,
    column_categories,
    is_missing_value,
    shown_categories,
    type_hint,
    warn_if_identifier,
)
from skvae._table._column_keys import plain_value
from skvae._table._column_types import resolve_column_types
from skvae._table._dates import check_not_dates, dates_error
from skvae._table._dtypes import (
    as_training_dtype,
    check_exact_in_float64,
    dtype_name,
    holds_decimals,
    is_integer_dtype,
)
from skvae._table._frames import integer_column_labels

# Every kind, continuous ones (standardised, with the scaling's log-Jacobian) first.
CONTINUOUS_KINDS = continuous_kinds()
KINDS = kind_names()


def is_frame(X):
    """Whether X is a pandas DataFrame (without importing pandas when it is not)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def fit_columns(X, names, default_kind, column_types, integer_kind="integer"):
    """Kinds, categories and output dtypes of the columns of X, fixed at fit time.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_columns)
        Training table (a validated float array when it is not a DataFrame).
    names : list of str
        Column names, for messages and for ``column_types`` keys.
    default_kind : str
        Kind of columns that are neither boolean nor categorical nor overridden: the
        estimator's ``likelihood``.
    column_types : dict or None
        Overrides: column name (or integer position) to kind; the label, never the
        position, for a frame whose labels are not all strings (ints, tuples).
    integer_kind : str or None, default="integer"
        Kind of a DataFrame's integer-dtype columns (None: ``default_kind``).

    Returns
    -------
    kinds : list of str
    categories : list of ndarray or None
        Categories of each categorical column (sorted distinct values, or the pandas
        categories), None for other kinds.
    schema : list of dict
        Per column: ``dtype`` (the training dtype's name, for frames), ``ordered`` (pandas
        categoricals), ``low``/``high`` (integer columns' range), ``bools`` (object True/False),
        ``categories`` (the levels of a pandas category column of booleans).

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._codes import fit_columns
    >>> frame = pd.DataFrame({"n": [0, 3, 1], "x": [0.5, 1.0, 2.0], "ok": [True, False, True]})
    >>> kinds, categories, schema = fit_columns(frame, ["n", "x", "ok"], "student_t", None)
    >>> kinds, schema[0]
    (['integer', 'student_t', 'bernoulli'], {'dtype': 'int64', 'low': 0.0, 'high': 3.0})
    """
    labels = integer_column_labels(X) if is_frame(X) else None  # ints, tuples: names
    overrides = resolve_column_types(column_types, names, KINDS, labels)
    kinds, categories, schema = [], [], []
    for j, name in enumerate(names):
        column = X.iloc[:, j] if is_frame(X) else X[:, j]
        kind = overrides.get(j) or _inferred_kind(column, default_kind, integer_kind)
        entry = {"dtype": dtype_name(column.dtype)}
        if kind != "categorical" and is_frame(X) and holds_decimals(column):
            entry["dtype"] = "float64"  # modelled, and returned, as floats: see _inferred_kind
        if kind == "categorical":
            cats = column_categories(column, name)
            if j not in overrides and str(column.dtype) != "category":
                # Text read as categories without being asked: check it is not an ID.
                warn_if_identifier(column, name, len(cats))
            entry["ordered"] = bool(getattr(column.dtype, "ordered", False) or False)
        else:
            cats = None
            values = _numeric_values(column, name, kind)
            observed = values[~np.isnan(values)]
            if (is_integer_dtype(column.dtype) or kind == "integer") and observed.size:
                entry["low"], entry["high"] = float(observed.min()), float(observed.max())
                check_exact_in_float64(column, name, observed)
            if kind == "bernoulli" and getattr(column.dtype, "kind", "") == "O":
                entry["bools"] = all_bool(column)  # read_csv's True/False with blanks
                if entry["bools"] and str(column.dtype) == "category":
                    # A category dtype of booleans comes back as that dtype, its levels kept.
                    entry["categories"] = [bool(c) for c in column.cat.categories]
                    entry["ordered"] = bool(column.cat.ordered)
        kinds.append(kind)
        categories.append(cats)
        schema.append(entry)
    return kinds, categories, schema


def to_codes(X, names, kinds, categories, handle_unknown="error"):
    """Float64 matrix of X's values in the model's coding: numbers, 0/1, category indices.

    Missing values become NaN. A category not seen in fit raises ``ValueError`` or, with
    ``handle_unknown="ignore"``, becomes NaN (treated as missing).
    """
    codes = np.empty((len(X), len(names)), dtype=np.float64)
    for j, (name, kind, cats) in enumerate(zip(names, kinds, categories, strict=True)):
        column = X.iloc[:, j] if is_frame(X) else X[:, j]
        if kind == "categorical":
            codes[:, j] = category_codes(column, cats, name, handle_unknown)
        else:
            codes[:, j] = _numeric_values(column, name, kind)
    return codes


def category_counts(categories, columns):
    """Number of categories of each of ``columns`` (0 for a column that is not
    categorical), from the fitted ``categories_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._codes import category_counts
    >>> category_counts([None, np.array(["a", "b", "c"])], [0, 1])
    [0, 3]
    """
    return [0 if categories[j] is None else len(categories[j]) for j in columns]


def discrete_value_counts(X_data, kinds, n_categories):
    """Training counts of the values of each 0/1 and categorical coded column.

    Parameters
    ----------
    X_data : ndarray of shape (n_samples, n_columns)
        Coded modelled columns (category codes 0, 1, ...; 0/1 values, or shares in
        [0, 1]; NaN where missing).
    kinds : sequence of str
        The column kinds.
    n_categories : sequence of int
        Number of categories per column (0 for a column that is not categorical).

    Returns
    -------
    counts : list
        Per column: ``[n - sum, sum]`` over the observed entries of a ``"bernoulli"``
        column, the count of each category of a ``"categorical"`` one (zeros for a column
        with no observed entry), None for the other kinds.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._codes import discrete_value_counts
    >>> X = np.array([[0.0, 1.0, 0.2], [2.0, 0.0, 0.1], [2.0, np.nan, 0.3]])
    >>> counts = discrete_value_counts(X, ["categorical", "bernoulli", "gaussian"], [3, 0, 0])
    >>> [None if c is None else c.tolist() for c in counts]
    [[1, 0, 2], [1.0, 1.0], None]
    """
    counts = [None] * len(kinds)
    for j, kind in enumerate(kinds):
        if kind not in ("bernoulli", "categorical"):
            continue
        values = X_data[:, j][~np.isnan(X_data[:, j])].astype(np.float64)  # sums in float64
        if kind == "bernoulli":  # a share in [0, 1] per row: its mean is P(1)
            counts[j] = np.array([len(values) - values.sum(), values.sum()])
        else:
            counts[j] = np.bincount(values.astype(int), minlength=n_categories[j])
    return counts


def condition_codes(X, names, kinds, categories):
    """:func:`to_codes` for the values that ``sample(conditions=...)`` fixes: a category
    not seen in fit is an error that names the column, the value and the known categories
    (``handle_unknown`` is a scoring option; it has no meaning for a value to generate with).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._codes import condition_codes
    >>> cats = [np.array(["x", "y"], dtype=object)]
    >>> condition_codes(np.array([["y"]], dtype=object), ["c"], ["categorical"], cats)
    array([[1.]])
    >>> condition_codes(np.array([["z"]], dtype=object), ["c"], ["categorical"], cats)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: conditions give column 'c' the category 'z', not seen in fit; its ...
    """
    X = np.array(X.to_numpy(dtype=object) if is_frame(X) else X, dtype=object)
    missing = np.vectorize(is_missing_value, otypes=[bool])(X) if X.size else X.astype(bool)
    X[missing] = np.nan  # pd.NA, None: NaN, which the callers report as missing
    for j, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        for value in X[~missing[:, j], j] if kind != "categorical" else ():
            # Text is refused even where it parses ("0.5"): a number column takes numbers.
            try:
                number = not isinstance(value, str | bytes) and float(value) is not None
            except (TypeError, ValueError):
                number = False
            if not number:
                wanted = "True or False (1 or 0)" if kind == "bernoulli" else "a number"
                raise ValueError(
                    f"conditions give column {name!r} the value {value!r}, but the column "
                    f"is {'two-valued' if kind == 'bernoulli' else 'numeric'} (kind "
                    f"{kind!r}); give {wanted}"
                )
    codes = to_codes(X, names, kinds, categories, handle_unknown="ignore")
    for j, (name, kind, cats) in enumerate(zip(names, kinds, categories, strict=True)):
        unseen = X[np.isnan(codes[:, j]) & ~missing[:, j], j] if kind == "categorical" else []
        if len(unseen):
            raise ValueError(
                f"conditions give column {name!r} the category {plain_value(unseen[0])!r}, "
                f"not seen in fit; its categories are {shown_categories(cats)}"
                f"{type_hint(unseen[:1], cats, fix='give the category as {}')}"
            )
    return codes


def needs_decoding(kinds, column_schema):
    """Whether coded rows need :func:`from_codes` to be the user's table (``column_schema``:
    ``{"as_frame": ..., "columns": [...]}``): for a frame, categories, and "integer" columns,
    rounded and clipped to their training range also in an array.

    Examples
    --------
    >>> from skvae._table._codes import needs_decoding
    >>> needs_decoding(["integer"], {"as_frame": False, "columns": [{"low": 0.0, "high": 9.0}]})
    True
    """
    if column_schema["as_frame"]:
        return True
    return any(
        kind == "categorical" or (kind == "integer" and "low" in entry)
        for kind, entry in zip(kinds, column_schema["columns"], strict=True)
    )


def from_codes(values, names, kinds, categories, schema, as_frame, observed=None):
    """Rows in the model's coding (float, shape (n, n_columns)) back to the user's table.

    Category codes become the categories, booleans become bool, integer columns are
    rounded and clipped to their training range, and the result has the training frame's
    columns and dtypes (``as_frame``) or is a float ndarray. Entries that ``observed``
    (a boolean mask like ``values``) marks are the user's own values: rounded, never
    clipped, so an imputer returns an observed 50 as 50 where training saw 0 to 9.
    """
    columns = []
    for j, (kind, cats, entry) in enumerate(zip(kinds, categories, schema, strict=True)):
        column = values[:, j]
        if kind == "categorical":
            index = np.clip(np.rint(np.nan_to_num(column)), 0, len(cats) - 1).astype(int)
            column = cats[index]
        elif "low" in entry:
            column = np.rint(column)
            clipped = np.clip(column, entry["low"], entry["high"])
            column = clipped if observed is None else np.where(observed[:, j], column, clipped)
        columns.append(column)
    if not as_frame:
        return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    import pandas as pd

    data = {}
    for name, column, kind, cats, entry in zip(
        names, columns, kinds, categories, schema, strict=True
    ):
        data[name] = as_training_dtype(column, kind, cats, entry)
    return pd.DataFrame(data, columns=list(names))


def _inferred_kind(column, default_kind, integer_kind):
    dtype = column.dtype
    name = str(dtype)
    if getattr(dtype, "kind", "") == "b":  # bool, boolean, bool[pyarrow]
        return "bernoulli"
    if name.startswith(("period", "interval")):  # dates and ranges: not text categories
        return _unmodelled(column)
    if name != "category" and holds_decimals(column):
        # Decimals (SQL NUMERIC: prices, amounts) are numbers, read as float64 as floats
        # are; kept as objects they were categories, one per price.
        return default_kind
    if name == "category" or name.startswith("string") or getattr(dtype, "kind", "") in "OSU":
        if getattr(dtype, "kind", "") == "O" and all_bool(column):
            return "bernoulli"
        return "categorical"
    if is_integer_dtype(dtype) and integer_kind is not None:
        return integer_kind
    if getattr(dtype, "kind", "") in "iuf":
        return default_kind
    return _unmodelled(column)


def _unmodelled(column):
    # datetime64, timedelta64, date32[pyarrow]; period[M] (months, quarters: kind "O").
    if getattr(column.dtype, "kind", "") in "mM" or str(column.dtype).startswith("period"):
        raise dates_error(f"column {column.name!r}", f"dtype {column.dtype}")
    raise ValueError(
        f"column {column.name!r} has dtype {column.dtype}, which skvae cannot model; convert "
        "it to a number, a bool or a category first"
    )


def check_array_rows(X, fitted_on_frame):
    """:func:`skvae._table._dates.check_not_dates`, and for a model fitted on a DataFrame,
    a clear error for an array or Series holding text, which ``check_array`` fails to turn
    into numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._codes import check_array_rows
    >>> try:
    ...     check_array_rows(np.array([[1.5, "hi"]], dtype=object), fitted_on_frame=True)
    ... except ValueError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    X is an array that holds text, but the model was fitted on a DataFrame: ...
    """
    check_not_dates(X)
    if not hasattr(X, "__array__"):  # lists: check_array's errors
        return
    values = np.asarray(X)
    if values.dtype.names is not None:
        raise ValueError(
            f"X is a NumPy structured array (fields {list(values.dtype.names)}); pass "
            "pd.DataFrame(X), whose columns are the fields, or a plain 2-D array"
        )
    if values.dtype.kind not in "OUS" or values.size == 0:
        return
    if values.dtype.kind in "US" or any(isinstance(v, str) for v in values.ravel()):
        shape = "x".join(str(n) for n in values.shape)
        if not fitted_on_frame:
            try:  # text that spells numbers is read as them, as scikit-learn reads it
                values.astype(np.float64)
                return
            except (TypeError, ValueError):
                pass
            raise ValueError(
                f"X is an array of shape {shape} that holds text; text is read only as the "
                "categories of a DataFrame's columns: fit (and then transform) DataFrames to "
                "model a text column, or pass numbers"
            )
        raise ValueError(
            f"X is an array that holds text, but the model was fitted on a DataFrame: pass "
            f"the rows as a DataFrame with the training columns (got an array of shape "
            f"{shape}; for one row of a frame df, df.iloc[[i]] rather than df.iloc[i])"
        )


def _numeric_values(column, name, kind):
    """Float64 values of a non-categorical column, NaN for missing."""
    if hasattr(column, "name") and getattr(column.dtype, "kind", "") == "c":  # not its real part
        _unmodelled(column)
    try:
        if hasattr(column, "to_numpy"):
            if str(column.dtype) == "boolean" or column.dtype == object:
                column = column.astype(object).where(~column.isna(), np.nan)
            column = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"column {name!r} has kind {kind!r} but holds values that are not numbers; set "
            f"column_types={{{name!r}: 'categorical'}} to model it as categories"
        ) from None
