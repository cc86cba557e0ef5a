"""Files of the command line: tables in (CSV or Parquet), tables out, models in.

Errors a user can fix (a missing file, column or number, a model of the wrong kind) are
raised as :class:`CLIError`, whose message names the file, column or value at fault.
"""

import os
import re
import shlex
import tempfile

from skvae._cli._column_inference import (
    check_no_empty_columns,
    drop_row_index,
    inferred_categorical,
    warn_integer_identifiers,
    whole_number_columns,
)
from skvae._cli._errors import CLIError
from skvae._table._categories import all_bool
from skvae._table._codes import fit_columns

# The estimators the command line fits and applies: --estimator's choices, by class name.
ESTIMATORS = {
    "transformer": "VAETransformer",
    "detector": "VAEOutlierDetector",
    "imputer": "VAEImputer",
}


# What an error about a cell that is not a number suggests, unless told otherwise; {marker}
# is the cell, quoted for a shell. A marker first: --categorical would make a column of
# numbers with a few '?' cells categories.
CATEGORICAL_HINT = (
    "if it marks a missing value, pass --na-values {marker}; name the column in "
    "--categorical if it holds categories"
)
# The same for a fitted model's table, whose column kinds only a new fit changes.
APPLY_HINT = (
    "if it marks a missing value, pass --na-values {marker}; if the column holds "
    "categories, refit the model with the column in --categorical"
)
# A cell of digits with commas: thousands separators or decimal commas, not a marker.
SEPARATOR_HINT = (
    "it looks like a number written with thousands separators or a decimal comma: save "
    "the file with plain numbers (1250.5, not 1,250.5 or 1250,5)"
)


def read_table(
    path,
    columns=None,
    categorical=(),
    infer=False,
    numeric=(),
    hint=CATEGORICAL_HINT,
    na_values=None,
):
    """A DataFrame from a CSV or Parquet file, NaN for empty cells.

    Columns named in ``categorical`` keep their values (as categories). Without ``infer``
    every other column must hold numbers, so a typo in a numeric column is an error naming
    the cell rather than a new category. With ``infer`` (what ``skvae fit`` does), a column
    whose values are not all numbers is read as categories too, as pandas and spreadsheets
    would, unless it is named in ``numeric`` (then a non-number is the error above), and a
    column of True/False stays boolean (a Bernoulli column); a text column with too many
    distinct values (an identifier or free text) is an error, as is a column with no value.
    With ``infer`` and no ``columns``, the row index ``DataFrame.to_csv()`` writes is left
    out (:func:`drop_row_index`); a column of distinct consecutive integers gets a warning.

    Parameters
    ----------
    path : str
        A ``.parquet`` file, or a CSV file (any other name), with a header row.
    columns : list of str, default=None
        The columns to keep, in this order; None keeps all.
    categorical : collection of str, default=()
        Columns read as categories; missing cells become None.
    infer : bool, default=False
        Read text columns as categories and True/False columns as booleans.
    numeric : collection of str, default=()
        With ``infer``, columns that must hold numbers all the same.
    hint : str, default=CATEGORICAL_HINT
        What the error about a cell that is not a number suggests.
    na_values : list of str, default=None
        Cells that mark a missing value (``--na-values``), besides empty cells and pandas'
        usual markers: pandas' ``na_values`` for a CSV file, text cells for Parquet.

    Returns
    -------
    frame : pandas.DataFrame
        Float columns, object columns for the categorical ones and, with ``infer``,
        boolean columns and integer ones for whole numbers (``int64``, or ``Int64`` with
        empty cells; see :func:`whole_number_columns`).

    Raises
    ------
    CLIError
        If the file is missing, unreadable or empty, names a column twice in its header,
        lacks a named column, or a numeric column holds something other than a number;
        with ``infer``, if a column has no value or is a text identifier.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from skvae._cli._io import read_table
    >>> path = os.path.join(tempfile.mkdtemp(), "colors.csv")
    >>> pd.DataFrame({"x": [1, None], "color": ["red", "blue"]}).to_csv(path, index=False)
    >>> read_table(path, categorical=["color"])
         x color
    0  1.0   red
    1  NaN  blue
    """
    import pandas as pd

    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    try:
        if path.endswith(".parquet"):
            frame = pd.read_parquet(path)
            header = frame.columns
            # Parquet holds real missing values; a marker can only be a text cell.
            text = frame.select_dtypes(include=["object", "string"]).columns if na_values else []
            for name in text:
                frame[name] = frame[name].mask(frame[name].isin(na_values))
        else:
            # Columns named as categories keep the file's text (a code 02139, not 2139).
            as_text = {name: str for name in categorical}
            frame = pd.read_csv(path, na_values=na_values, dtype=as_text or None)
            frame = _blanks_and_markers_missing(frame, na_values)
            # pandas renames a repeated header (a, a -> a, a.1): the header row, read raw.
            header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
            header = pd.Index(header.iloc[0])
    except ImportError as error:
        raise CLIError(f"{path}: reading Parquet needs pyarrow ({error})") from error
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CLIError(f"{path}: not a readable table ({error})") from error
    if repeated := list(dict.fromkeys(header[header.duplicated() & (header != "")])):
        raise CLIError(f"{path}: the header repeats column(s) {repeated}; name each column once")
    if len(frame.columns) == 1 and any(sep in str(frame.columns[0]) for sep in ";\t|"):
        # A semicolon-separated file (a spreadsheet's export in many locales) read as one
        # column of fragments would otherwise be fitted, or called an identifier.
        raise CLIError(
            f"{path}: read as one column named {str(frame.columns[0])[:60]!r}; skvae reads "
            "comma-separated files: save it with commas (and decimal points) or as Parquet"
        )
    if infer and not columns:
        frame = drop_row_index(frame, header, path)
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CLIError(f"{path}: no column(s) {missing}; the file has {list(frame.columns)}")
        frame = frame[columns]
    if infer:
        check_no_empty_columns(frame, path)
        if not columns:  # columns named in --columns are the user's choice
            warn_integer_identifiers(frame, path, categorical)
        categorical = list(categorical) + inferred_categorical(frame, path, categorical, numeric)
    whole = whole_number_columns(frame, path, categorical, na_values) if infer else set()
    for name in frame.columns:
        if infer and all_bool(frame[name]):
            # True/False (a Bernoulli column), empty cells as pandas' NA, as in Python.
            frame[name] = frame[name].astype("boolean" if frame[name].isna().any() else bool)
            continue
        if name in categorical:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if bad.any():
            row = int(bad.idxmax())
            cell = frame[name][row]
            if re.fullmatch(r"[-+]?[\d.,]*\d,\d[\d.,]*%?", str(cell)):
                advice = SEPARATOR_HINT
            else:
                # Markers match cells stripped of spaces (_blanks_and_markers_missing).
                advice = hint.replace("{marker}", shlex.quote(str(cell).strip()))
            raise CLIError(
                f"{path}: column {name!r}, row {row + 1}: {cell!r} is not a number ({advice})"
            )
        infinite = values.abs() == float("inf")  # "inf", or a number beyond float64's range
        if infinite.any():
            row = int(infinite.idxmax())
            raise CLIError(
                f"{path}: column {name!r}, row {row + 1}: {str(frame[name][row])!r} is "
                "infinite or too large for a number; replace it with a finite value, or leave "
                "the cell empty to mark it missing"
            )
        if name in whole:
            # Whole numbers stay integers ("integer" kind); holes need the nullable dtype.
            frame[name] = values.astype("Int64" if values.isna().any() else "int64")
        else:
            frame[name] = values.astype(float)
    if frame.empty:
        raise CLIError(f"{path}: the table has no rows")
    return frame


def read_raw_table(path):
    """Every column of a CSV or Parquet file as the file holds it: a CSV's cells as their
    text (empty cells as empty text), a Parquet file's columns with their types.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvae._cli._io import read_raw_table
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write(chr(10).join(["id,x", "007,1.5", "008,", ""]))
    >>> read_raw_table(path)["id"].tolist(), read_raw_table(path)["x"].tolist()
    (['007', '008'], ['1.5', ''])
    """
    import pandas as pd

    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    # pandas names an empty header "Unnamed: 0" (the row index to_csv writes): keep it empty.
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    frame.columns = [
        "" if raw == "" else name for raw, name in zip(header.iloc[0], frame.columns, strict=True)
    ]
    return frame


def _blanks_and_markers_missing(frame, na_values):
    """``frame`` with text cells stripped of surrounding spaces, and those that are then
    empty or one of the ``na_values`` markers missing: pandas matches a marker to the raw
    cell, so a cell of spaces, or a marker padded with them (" n.a. "), was neither a
    value nor missing."""
    markers = set(na_values or ())
    for name in frame.select_dtypes(include=["object", "string"]).columns:
        # Text cells only (an object column of True/False keeps its bools), and only to
        # decide what is missing: other text keeps its spaces, the categories a model
        # fitted on this file knows (' red' of a file written with ", ").
        text = frame[name].map(lambda cell: cell.strip() if isinstance(cell, str) else cell)
        frame[name] = frame[name].mask((text == "") | text.isin(markers))
    return frame


# Estimators that keep a table's integer columns at their likelihood rather than the
# "integer" kind (VAEImputer: its exact linear-Gaussian fill; see docs/tabular.rst).
KEEPS_INTEGER_COLUMNS = frozenset({"imputer"})


def describe_columns(frame, likelihood, column_types=None, integer_kind="integer"):
    """The table of columns and the kind each will be modelled with, one line per column.

    The kinds come from :func:`skvae._table._codes.fit_columns`, the rule the fit itself
    applies to the same ``likelihood`` and ``column_types``; ``integer_kind`` is the kind
    of integer columns (None: ``likelihood``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._cli._io import describe_columns
    >>> frame = pd.DataFrame({"x": [1.0], "n": [3], "color": ["red"], "ok": [True]})
    >>> print(describe_columns(frame.astype({"color": object}), "gaussian"))
    column  kind
    x       gaussian
    n       integer
    color   categorical (1 category)
    ok      bernoulli (True/False)
    """
    names = [str(name) for name in frame.columns]
    kinds, categories, _ = fit_columns(frame, names, likelihood, column_types, integer_kind)
    rows = [("column", "kind")]
    for name, kind, cats in zip(names, kinds, categories, strict=True):
        if kind == "categorical":
            n = len(cats)
            kind = f"categorical ({n} categor{'y' if n == 1 else 'ies'})"
        elif kind == "bernoulli":
            kind = "bernoulli (True/False)"
        rows.append((name, kind))
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{kind}".rstrip() for name, kind in rows)


def check_output_path(path):
    """Raise :class:`CLIError` unless a file can be written at ``path``: its directory
    exists and is writable. Checked before a command reads or fits anything, so a typo in
    ``-o`` does not cost a whole fit.

    Examples
    --------
    >>> from skvae._cli._io import CLIError, check_output_path
    >>> try:
    ...     check_output_path("/no/such/directory/m.skvae")
    ... except CLIError as error:
    ...     print(error)
    cannot write /no/such/directory/m.skvae: directory /no/such/directory does not exist
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise CLIError(f"cannot write {path}: directory {directory} is not writable")
    if os.path.isdir(path):
        raise CLIError(f"cannot write {path}: it is a directory; name a file")


def write_table(frame, path):
    """Write a DataFrame atomically: a temporary file beside ``path``, then a rename.

    A failure part-way (a full disk, Ctrl-C) therefore never leaves a partial ``path``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; its index is not written.
    path : str
        A ``.parquet`` file, or a CSV file (any other name).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from skvae._cli._io import write_table
    >>> path = os.path.join(tempfile.mkdtemp(), "out.csv")
    >>> write_table(pd.DataFrame({"label": [1, -1]}), path)
    >>> open(path).read().split()
    ['label', '1', '-1']
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".skvae-", suffix=".tmp")
    os.close(handle)
    # mkstemp makes the file private (0600); give it the permissions of a normal new file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        if path.endswith(".parquet"):
            frame.to_parquet(temporary, index=False)
        else:
            frame.to_csv(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_model(path, kind=None):
    """The estimator in a model file written by :func:`skvae.save`, checked for the CLI.

    Parameters
    ----------
    path : str
        The model file.
    kind : {"transformer", "detector", "imputer"}, default=None
        The kind of estimator the command needs (a key of ``ESTIMATORS``); None accepts
        any that the command line handles.

    Returns
    -------
    model : estimator
        The fitted estimator.

    Raises
    ------
    CLIError
        If the file is missing or not a model file, or holds an estimator that the command
        line does not handle or that is not of ``kind``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import skvae
    >>> from skvae._cli._io import load_model
    >>> path = os.path.join(tempfile.mkdtemp(), "m.skvae")
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> skvae.save(skvae.VAETransformer(max_iter=1, random_state=0).fit(X), path)
    >>> type(load_model(path, "transformer")).__name__
    'VAETransformer'
    >>> load_model(path, "detector")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skvae._cli._errors.CLIError: ... needs a model fitted with `skvae fit --estimator detector`
    """
    import skvae

    if not os.path.exists(path):
        raise CLIError(f"{path}: no such model file")
    try:
        model = skvae.load(path)
    except ValueError as error:
        raise CLIError(str(error)) from error
    if type(model).__name__ not in ESTIMATORS.values():
        raise CLIError(
            f"{path} holds a {type(model).__name__}, which the command-line tool does not "
            "handle; use it from Python (skvae.load)"
        )
    if kind is not None and type(model).__name__ != ESTIMATORS[kind]:
        raise CLIError(
            f"{path} holds a {type(model).__name__}; this command needs a model fitted with "
            f"`skvae fit --estimator {kind}`"
        )
    return model
