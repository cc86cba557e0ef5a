"""What ``skvae fit`` infers of a CSV file's columns: text columns (categories) and whole
numbers (the "integer" kind), as pandas and spreadsheets read them; and the columns that
are not data (pandas' row index, empty columns, integer identifiers)."""

from skvae._cli._errors import CLIError
from skvae._table._categories import looks_like_identifier

# A column whose values are numbers but for fewer than this share is a numeric column with
# typos, not categories: reading it stays an error that names the first bad cell.
MIN_TEXT_SHARE = 0.1


def whole_number_columns(frame, path, categorical=(), na_values=None):
    r"""Columns of ``frame`` (read from ``path``) that hold whole numbers, as pandas reads
    a complete column of them (int64), also when some cells are empty.

    pandas reads a column of integers with an empty cell as float64; such a column counts
    when the file says it holds integers: a Parquet integer type, or CSV cells written
    without a decimal point or exponent (``na_values``: the markers of a missing cell, as
    the file was read with).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from skvae._cli._column_inference import whole_number_columns
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as file:
    ...     _ = file.write("n,x,m\n1,1.0,3\n,2.0,4\n")
    >>> sorted(whole_number_columns(pd.read_csv(path), path))
    ['m', 'n']
    """
    import pandas as pd

    whole = {
        name
        for name in frame.columns
        if name not in categorical and pd.api.types.is_integer_dtype(frame[name].dtype)
    }
    holes = [
        name
        for name in frame.columns
        if name not in categorical
        and frame[name].dtype == float
        and frame[name].isna().any()
        and frame[name].notna().any()
        and bool((frame[name].dropna() % 1 == 0).all())
    ]
    if not holes:
        return whole
    if path.endswith(".parquet"):
        import pyarrow
        import pyarrow.parquet

        schema = pyarrow.parquet.read_schema(path)
        return whole | {n for n in holes if pyarrow.types.is_integer(schema.field(n).type)}
    cells = pd.read_csv(path, usecols=holes, dtype=str, na_values=na_values)
    return whole | {n for n in holes if not cells[n].str.contains(r"[.eE]", na=False).any()}


def inferred_categorical(frame, path, categorical=(), numeric=()):
    """Columns of ``frame`` that hold text, to be read as categories.

    A column counts as text when at least a tenth of its values are not numbers (fewer
    are typos in a numeric column, which reading then reports); columns named in
    ``categorical`` or ``numeric`` are the user's to decide, and boolean columns are
    Bernoulli columns, not categories.

    Raises
    ------
    CLIError
        If a text column has more than 1000 distinct values, or more than half of its
        rows distinct (over 50 values): an identifier or free text, not categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._cli._column_inference import inferred_categorical
    >>> frame = pd.DataFrame({"x": ["1", "2.5"], "color": ["red", "blue"], "ok": [True, False]})
    >>> inferred_categorical(frame, "data.csv")
    ['color']
    """
    import pandas as pd

    text = []
    for name in frame.columns:
        if name in categorical or name in numeric or frame[name].dtype == bool:
            continue
        values = frame[name].dropna()
        not_numbers = pd.to_numeric(values, errors="coerce").isna().sum()
        if not_numbers == 0 or not_numbers < MIN_TEXT_SHARE * len(values):
            continue
        _refuse_dates(values, name, path)
        distinct = values.nunique()
        # The rule the estimators warn by (skvae._table._categories); the command line
        # stops instead, before a fit, and --categorical is the way to insist.
        if looks_like_identifier(distinct, len(values)):
            raise CLIError(
                f"{path}: column {name!r} has {distinct} distinct text values in "
                f"{len(values)} rows: it looks like an identifier or free text, which one "
                "category per value cannot model; leave it out with --columns, or name it in "
                "--categorical to encode it anyway"
            )
        text.append(name)
    return text


def _refuse_dates(values, name, path):
    """A CLIError for a text column whose every value is an ISO 8601 date or time: read
    as categories, its synthetic rows could only repeat training dates, and with many
    distinct dates it was called an identifier. The estimators refuse date dtypes alike
    (skvae._table._dates)."""
    import pandas as pd

    if not values.astype(str).str.match(r"\d{4}-\d{2}").all():
        return
    # utc=True: timestamps with several UTC offsets (isoformat() across a change of
    # summer time) raised "Mixed timezones detected" despite errors="coerce".
    if pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True).isna().any():
        return
    raise CLIError(
        f"{path}: column {name!r} holds dates (such as {values.iloc[0]!r}), which skvae "
        "cannot model: dates are neither quantities nor unordered categories. Convert them "
        "to numbers first (say, days since a start date, or the year and day of year as "
        "columns), leave the column out with --columns, or name it in --categorical to "
        "read each date as a category"
    )


def drop_row_index(frame, header, path):
    """``frame`` without its first column if that is the row index ``DataFrame.to_csv()``
    writes by default, with a warning that says so and how to keep it.

    That column has an empty header (pandas names it ``Unnamed: 0``) and increasing whole
    numbers from 0 or more: 0 to n-1, or fewer of them for a frame whose rows were
    filtered. Fitted, it would spend the model on row numbers.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from skvae._cli._column_inference import drop_row_index
    >>> frame = pd.DataFrame({"Unnamed: 0": [0, 1, 2], "x": [0.5, 1.5, 2.5]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     list(drop_row_index(frame, ["", "x"], "data.csv").columns)
    ['x']
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    data.csv: the first column has no header and holds the row numbers 0..2 that
    DataFrame.to_csv() writes by default; it is left out of the model (to keep it, name it in
    --columns as 'Unnamed: 0')
    """
    import pandas as pd

    if frame.shape[1] < 2 or frame.empty or str(header[0]) not in ("", "Unnamed: 0"):
        return frame
    name = frame.columns[0]
    values = frame[name]
    if not pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        return frame
    if values.iloc[0] < 0 or not (values.diff().iloc[1:] > 0).all():
        return frame
    import warnings

    warnings.warn(
        f"{path}: the first column has no header and holds the row numbers "
        f"{values.iloc[0]}..{values.iloc[-1]} that DataFrame.to_csv() writes by default; it "
        f"is left out of the model (to keep it, name it in --columns as {str(name)!r})",
        UserWarning,
        stacklevel=2,
    )
    return frame.drop(columns=name)


def check_no_empty_columns(frame, path):
    """Raise :class:`CLIError` if a column of ``frame`` has no value at all, naming
    ``--columns`` (and the columns to keep, when they fit on a line). An empty header over
    empty cells is a comma at the end of every line, which the message says.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._cli._column_inference import check_no_empty_columns
    >>> frame = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"], "Unnamed: 2": [None, None]})
    >>> check_no_empty_columns(frame, "t.csv")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    skvae._cli._errors.CLIError: t.csv: column(s) ['Unnamed: 2'] have no header and no
    values (a comma at the end of every line?); leave them out with --columns a,b
    """
    if frame.empty:
        return
    empty = [name for name in frame.columns if frame[name].isna().all()]
    if not empty:
        return
    # pandas' name for an empty header: the file's rows end with a separator.
    unnamed = all(str(name).startswith("Unnamed: ") for name in empty)
    what = "no header and no values (a comma at the end of every line?)" if unnamed else "no values"
    keep = ",".join(str(name) for name in frame.columns if name not in empty)
    how = f"--columns {keep}" if len(keep) <= 80 else "--columns, naming the columns to keep"
    raise CLIError(f"{path}: column(s) {empty} have {what}; leave them out with {how}")


def warn_integer_identifiers(frame, path, categorical=()):
    """Warn about each integer column of ``frame`` whose values are distinct consecutive
    whole numbers over more than 50 rows (1..n, or 1001..1000+n in any order): a row
    number or an identifier, which the model would fit as data.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from skvae._cli._column_inference import warn_integer_identifiers
    >>> frame = pd.DataFrame({"id": range(101, 161), "x": [0.5] * 60})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_integer_identifiers(frame, "data.csv")
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    data.csv: column 'id' holds 60 distinct consecutive whole numbers (101..160): a row
    number or identifier? The model fits it as data; leave it out with --columns if so
    """
    import warnings

    import pandas as pd

    for name in frame.columns:
        values = frame[name]
        integer = pd.api.types.is_integer_dtype(values.dtype)
        if name in categorical or not integer or pd.api.types.is_bool_dtype(values.dtype):
            continue
        n, low, high = len(values), values.min(), values.max()
        # Over 50 rows, as the rule for text identifiers: a short table may count 1..n.
        if n > 50 and values.notna().all() and high - low == n - 1 and values.is_unique:
            warnings.warn(
                f"{path}: column {name!r} holds {n} distinct consecutive whole numbers "
                f"({low}..{high}): a row number or identifier? The model fits it as data; "
                "leave it out with --columns if so",
                UserWarning,
                stacklevel=2,
            )
