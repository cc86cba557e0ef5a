"""Which column of a DataFrame a user's key names, in ``column_types``, ``condition_on``
and ``sample(conditions=...)``, when the frame's column labels are not all strings.

Such labels (the ints of ``pd.DataFrame(array)``, floats, a MultiIndex's tuples) come back
on the estimator's frames, so they are the columns' names: a key is matched against them
and never read as a position. An int that is the label of another column (labels
``[3, 1, 2, 0]``, key ``0``) would otherwise fix or retype the wrong column without a
word. Where the labels are all strings an int cannot be a label, and positions name
columns as for a NumPy array, which has no labels (the callers handle those cases).
"""

import numpy as np

# Messages list at most this many columns.
SHOWN_COLUMNS = 10


def column_names(n_features, feature_names, labels):
    """The columns' names as messages and the table code use them (str): the feature
    names, else the text of the frame's ``labels`` (when distinct), else x0, x1, ...

    Examples
    --------
    >>> from skvae._table._column_keys import column_names
    >>> column_names(2, None, [("a", 1), 3]), column_names(2, None, None)
    (["('a', 1)", '3'], ['x0', 'x1'])
    """
    if feature_names is not None:
        return [str(name) for name in feature_names]
    if labels is not None and len({str(label) for label in labels}) == len(labels):
        return [str(label) for label in labels]
    return [f"x{j}" for j in range(n_features)]


def label_position(key, labels):
    """Position of the column whose label equals ``key`` (a bool only equals a bool, and
    NumPy scalars their Python values), or None when no single column has it.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._column_keys import label_position
    >>> label_position(0, [3, 1, 2, 0]), label_position(np.int64(3), [3, 1, 2, 0])
    (3, 0)
    >>> label_position(("b", 2), [("a", 1), ("b", 2)]), label_position(7, [3, 1])
    (1, None)
    """
    matches = [j for j, label in enumerate(labels) if _same_label(key, label)]
    return matches[0] if len(matches) == 1 else None


def labelled_position(what, key, labels):
    """Position of the column labelled ``key`` (see :func:`label_position`); a key that is
    no label is the error of :func:`unknown_label_error`, for the parameter ``what``.

    Examples
    --------
    >>> from skvae._table._column_keys import labelled_position
    >>> labelled_position("condition_on", 0, [3, 1, 2, 0])
    3
    >>> labelled_position("conditions", 7, [3, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: conditions names a column 7, which is not one of X's column labels [3, 1]; ...
    """
    position = label_position(key, labels)
    if position is None:
        raise unknown_label_error(what, key, labels)
    return position


def shown_columns(labels):
    """The labels as a list for a message (the first ``SHOWN_COLUMNS``, then "...").

    Examples
    --------
    >>> from skvae._table._column_keys import shown_columns
    >>> shown_columns(range(12))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '...']
    """
    labels = list(labels)
    return labels if len(labels) <= SHOWN_COLUMNS else labels[:SHOWN_COLUMNS] + ["..."]


def unknown_label_error(what, key, labels):
    """The ``ValueError`` for a key of ``what`` that is not one of the frame's labels.

    Examples
    --------
    >>> from skvae._table._column_keys import unknown_label_error
    >>> print(unknown_label_error("column_types", 0, [10, 20]))  # doctest: +ELLIPSIS
    column_types names a column 0, which is not one of X's column labels [10, 20]; ...
    """
    hint = ""
    if isinstance(key, int | np.integer) and not isinstance(key, bool | np.bool_):
        if 0 <= key < len(labels):
            hint = f" (the column at position {key} is labelled {labels[key]!r})"
    return ValueError(
        f"{what} names a column {key!r}, which is not one of X's column labels "
        f"{shown_columns(labels)}; a DataFrame's columns are named by their labels, not by "
        f"position{hint}: name the column by its label"
    )


def plain_value(value):
    """``value`` with NumPy scalars (also inside tuples) as Python values, as a message
    shows them (``3``, not ``np.int64(3)``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._column_keys import plain_value
    >>> plain_value(np.int64(3)), plain_value((np.str_("a"), 1.5))
    (3, ('a', 1.5))
    """
    if isinstance(value, tuple):
        return tuple(plain_value(item) for item in value)
    return value.item() if isinstance(value, np.generic) else value


def _same_label(key, label):
    key, label = plain_value(key), plain_value(label)
    if isinstance(key, tuple) or isinstance(label, tuple):
        return (
            isinstance(key, tuple)
            and isinstance(label, tuple)
            and len(key) == len(label)
            and all(_same_label(a, b) for a, b in zip(key, label, strict=True))
        )
    # True == 1 in Python; a bool key names a bool label only.
    if isinstance(key, bool) != isinstance(label, bool):
        return False
    try:
        return bool(key == label)
    except (TypeError, ValueError):  # an array key: no label
        return False
