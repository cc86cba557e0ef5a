"""Files of the command line: tables in (CSV or Parquet), tables out, models in.

Errors a user can fix (a missing file, column or number, a model of the wrong kind) are
raised as :class:`CLIError`, whose message names the file, column or value at fault.
"""

import os
import tempfile

# The estimators the command line fits and applies: --estimator's choices, by class name.
ESTIMATORS = {
    "transformer": "VAETransformer",
    "detector": "VAEOutlierDetector",
    "imputer": "VAEImputer",
}


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit status 1.

    Examples
    --------
    >>> from skvae._cli._io import CLIError
    >>> try:
    ...     raise CLIError("data.csv: no such file")
    ... except CLIError as error:
    ...     print(error)
    data.csv: no such file
    """


def read_table(path, columns=None, categorical=()):
    """A DataFrame from a CSV or Parquet file, NaN for empty cells.

    Columns named in ``categorical`` keep their values (as categories); every other column
    must hold numbers, so a typo in a numeric column is an error naming the cell rather
    than a new category.

    Parameters
    ----------
    path : str
        A ``.parquet`` file, or a CSV file (any other name), with a header row.
    columns : list of str, default=None
        The columns to keep, in this order; None keeps all.
    categorical : collection of str, default=()
        Columns read as categories; missing cells become None.

    Returns
    -------
    frame : pandas.DataFrame
        Float columns, and object columns for the categorical ones.

    Raises
    ------
    CLIError
        If the file is missing, unreadable or empty, lacks a named column, or a numeric
        column holds something other than a number.

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
        else:
            frame = pd.read_csv(path)
    except ImportError as error:
        raise CLIError(f"{path}: reading Parquet needs pyarrow ({error})") from error
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CLIError(f"{path}: not a readable table ({error})") from error
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CLIError(f"{path}: no column(s) {missing}; the file has {list(frame.columns)}")
        frame = frame[columns]
    for name in frame.columns:
        if name in categorical:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if bad.any():
            row = int(bad.idxmax())
            raise CLIError(
                f"{path}: column {name!r}, row {row + 1}: {frame[name][row]!r} is not a number "
                "(name the column in --categorical if it holds categories)"
            )
        frame[name] = values.astype(float)
    if frame.empty:
        raise CLIError(f"{path}: the table has no rows")
    return frame


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
    skvae._cli._io.CLIError: ... needs a model fitted with `skvae fit --estimator detector`
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
