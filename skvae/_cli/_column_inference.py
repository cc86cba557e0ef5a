"""What ``skvae fit`` infers of a CSV file's columns: text columns (categories) and whole
numbers (the "integer" kind), as pandas and spreadsheets read them."""

from skvae._cli._errors import CLIError
from skvae._table._categories import looks_like_identifier

# A column whose values are numbers but for fewer than this share is a numeric column with
# typos, not categories: reading it stays an error that names the first bad cell.
MIN_TEXT_SHARE = 0.1


def whole_number_columns(frame, path, categorical=()):
    r"""Columns of ``frame`` (read from ``path``) that hold whole numbers, as pandas reads
    a complete column of them (int64), also when some cells are empty.

    pandas reads a column of integers with an empty cell as float64; such a column counts
    when the file says it holds integers: a Parquet integer type, or CSV cells written
    without a decimal point or exponent.

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
    cells = pd.read_csv(path, usecols=holes, dtype=str)
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
