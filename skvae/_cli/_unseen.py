"""Categories a new table holds that the model did not see in fit, in the command line's
words: the estimators' own error advises ``handle_unknown='ignore'``, a Python parameter."""

import numpy as np

from skvae._cli._errors import CLIError
from skvae._table._categories import (
    category_codes,
    distinct_values,
    shown_categories,
    type_hint,
)


def check_known_categories(model, frame, path):
    """Raise :class:`CLIError` if a categorical column of ``frame`` holds a value that
    ``model`` did not see in fit, unless the model was fitted with ``--handle-unknown
    ignore`` (then such a value is a missing cell).

    The values are matched by the estimators' own rule
    (:func:`skvae._table._categories.category_codes`); the message names the column, the
    values, the first row holding one, the categories the model knows, and what the
    command-line user can do.

    Parameters
    ----------
    model : estimator
        A fitted estimator with ``categories_`` and ``handle_unknown``.
    frame : pandas.DataFrame
        The table, with the model's columns.
    path : str
        The file it was read from, for the message.

    Raises
    ------
    CLIError
        If a categorical column holds a category not seen in fit.

    Examples
    --------
    >>> import pandas as pd
    >>> import skvae
    >>> from skvae._cli._unseen import check_known_categories
    >>> train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "island": ["Biscoe", "Dream"] * 2})
    >>> model = skvae.VAETransformer(max_iter=1, random_state=0).fit(train)
    >>> new = pd.DataFrame({"x": [1.0, 2.0], "island": ["Dream", "Anvers"]})
    >>> check_known_categories(model, new, "new.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skvae._cli._errors.CLIError: new.csv: column 'island' holds ['Anvers'] (first in row 2), ...
    >>> check_known_categories(model.set_params(handle_unknown="ignore"), new, "new.csv")
    """
    if getattr(model, "handle_unknown", "error") == "ignore":
        return
    for name, categories in zip(model.feature_names_in_, model.categories_, strict=True):
        if categories is None or name not in frame.columns:
            continue
        column = frame[name]
        codes = category_codes(column.to_numpy(dtype=object), categories, name, "ignore")
        unseen = np.isnan(codes) & column.notna().to_numpy()
        if not unseen.any():
            continue
        # As Python writes them, as the estimators' own error does: the int 7 and the text
        # '7' read apart.
        values = distinct_values(column[unseen])
        shown = shown_categories(values, limit=5)
        row = int(np.argmax(unseen)) + 1
        raise CLIError(
            f"{path}: column {name!r} holds {shown} (first in row {row}), which the model did "
            f"not see in fit; it knows {shown_categories(categories)}"
            f"{type_hint(values, categories)}. Replace such cells with "
            "a known category or leave them empty (a missing value), or refit with `skvae fit "
            "--handle-unknown ignore` to read unseen categories as missing values"
        )
