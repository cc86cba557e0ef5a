"""The ``column_types`` parameter: which column each entry names, and its kind."""

import numbers

from skvae._table._column_keys import labelled_position


def resolve_column_types(column_types, names, kinds, labels=None):
    """``{column position: kind}`` from ``column_types`` (keys: column names or positions
    in X, whose columns are ``names``; values: one of ``kinds``).

    ``labels``: a DataFrame's column labels where they are not all strings (ints, tuples);
    the keys are then those labels, never positions (see :mod:`skvae._table._column_keys`).

    Raises ``ValueError`` for a key that names no column, a kind not in ``kinds``, and a
    column named twice (by its name and by its position) with two kinds.

    Examples
    --------
    >>> from skvae._table._column_types import resolve_column_types
    >>> resolve_column_types({"b": "categorical", 0: "gaussian"}, ["a", "b"],
    ...                      ["gaussian", "categorical"])
    {1: 'categorical', 0: 'gaussian'}
    >>> resolve_column_types({"a": "categorical", 0: "gaussian"}, ["a", "b"],
    ...                      ["gaussian", "categorical"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: column_types names column 'a' twice, as 'a' ('categorical') and as 0 ...
    >>> resolve_column_types({0: "categorical"}, ["3", "0"], ["categorical"], labels=[3, 0])
    {1: 'categorical'}
    """
    if column_types is None:
        return {}
    if not isinstance(column_types, dict):
        raise ValueError(
            "column_types must be a dict mapping column names (or positions) to one of "
            f"{list(kinds)}; got {type(column_types).__name__}"
        )
    overrides, keys = {}, {}
    shown = names if labels is None else labels  # the columns as the user names them
    for key, kind in column_types.items():
        if labels is not None:
            j = labelled_position("column_types", key, labels)
        elif isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if not 0 <= key < len(names):
                raise ValueError(
                    f"column_types has column position {key}, but X has {len(names)} columns"
                )
            j = int(key)
        elif key in names:
            j = names.index(key)
        else:
            raise ValueError(
                f"column_types names column {key!r}, which is not in X; X's columns are "
                f"{list(names)}"
            )
        if kind not in kinds:
            raise ValueError(f"column_types[{key!r}] must be one of {list(kinds)}; got {kind!r}")
        if j in overrides and overrides[j] != kind:
            # Which kind the column would get would depend on the dict's order.
            raise ValueError(
                f"column_types names column {shown[j]!r} twice, as {keys[j]!r} "
                f"({overrides[j]!r}) and as {key!r} ({kind!r}); give each column one kind"
            )
        overrides[j], keys[j] = kind, key
    return overrides
