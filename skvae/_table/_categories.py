"""The categories of a categorical column: fixed in fit, looked up afterwards.

A categorical column's categories are those of its pandas ``category`` dtype, or the
sorted distinct values seen in fit; afterwards each value becomes its index among them
(:mod:`skvae._table._codes` builds the coded matrix from these). A category is a label:
a str, bool or number. Values that cannot be one (a dict, a list, a tuple) are an error
that names the column. A text column with nearly one value per row is an identifier or
free text, which one category per value cannot model: :func:`looks_like_identifier` is
the rule, shared by the estimators (a warning) and the command line (an error).
"""

import numbers
import reprlib
import warnings

import numpy as np

from skvae._table._column_keys import plain_value
from skvae._table._dates import date_values, dates_error, is_date
from skvae._user_frame import user_stacklevel

# A text column looks like an identifier or free text when it has more distinct values
# than MAX_CATEGORIES, or more than MAX_DISTINCT_SHARE of its values distinct (and over
# MIN_DISTINCT_CHECKED of them, so that a small table's short list of labels is not one):
# each category is then seen about once, and its one-hot block models nothing.
MAX_CATEGORIES = 1000
MAX_DISTINCT_SHARE = 0.5
MIN_DISTINCT_CHECKED = 50


def is_missing_value(value):
    """Whether one cell holds a missing value: ``None``, ``np.nan``, ``pd.NA``, ``pd.NaT``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._categories import is_missing_value
    >>> [is_missing_value(v) for v in (None, np.nan, 0.0, "a")]
    [True, True, False, False]
    """
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError, ImportError):
        return False


def all_bool(column):
    """Whether a column's observed cells (one at least) are all True/False: a Bernoulli
    column, also where missing cells made pandas read it as objects.

    Examples
    --------
    >>> from skvae._table._categories import all_bool
    >>> all_bool([True, None, False]), all_bool([True, 1]), all_bool([None])
    (True, False, False)
    """
    values = [v for v in column if not is_missing_value(v)]
    return bool(values) and all(isinstance(v, (bool, np.bool_)) for v in values)


def looks_like_identifier(n_distinct, n_values):
    """Whether a text column with ``n_distinct`` distinct values among ``n_values``
    observed ones is an identifier or free text rather than categories.

    Examples
    --------
    >>> from skvae._table._categories import looks_like_identifier
    >>> looks_like_identifier(200, 200), looks_like_identifier(3, 200)
    (True, False)
    >>> looks_like_identifier(20, 20)  # a short table's labels: too few to tell
    False
    """
    return n_distinct > MAX_CATEGORIES or (
        n_distinct > MIN_DISTINCT_CHECKED and n_distinct > MAX_DISTINCT_SHARE * n_values
    )


def warn_if_identifier(column, name, n_distinct):
    """Warn (``UserWarning``) when the text column ``column`` (a pandas Series named
    ``name``, read as ``n_distinct`` categories) looks like an identifier or free text.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from skvae._table._categories import warn_if_identifier
    >>> ids = pd.Series([f"row-{i}" for i in range(60)])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_identifier(ids, "id", 60)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    column 'id' has 60 distinct values in 60 rows: it looks like an identifier ...
    """
    n_values = int(column.notna().sum())
    if looks_like_identifier(n_distinct, n_values):
        warnings.warn(
            f"column {name!r} has {n_distinct} distinct values in {n_values} rows: it looks "
            "like an identifier or free text, and each of its categories is seen about once, "
            "so the model learns nothing from it. Drop the column, or set "
            f"column_types={{{name!r}: 'categorical'}} to encode it anyway (which also "
            "silences this warning)",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def column_categories(column, name):
    """The categories of the column ``column`` (named ``name``), fixed in fit: its pandas
    categories, or its sorted distinct observed values.

    Raises
    ------
    ValueError
        If the column has no observed value, or holds values that cannot be categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._table._categories import column_categories
    >>> column_categories(pd.Series(["b", None, "a", "b"]), "c").tolist()
    ['a', 'b']
    >>> column_categories(pd.Series([{"x": 1}, {"x": 2}]), "b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: column 'b' holds dict values (such as {'x': 1}); skvae takes numbers or ...
    """
    dtype = column.dtype
    if str(dtype) == "category":
        return np.asarray(dtype.categories.to_numpy())
    values = [v for v in np.asarray(column, dtype=object) if not is_missing_value(v)]
    if not values:
        raise ValueError(f"column {name!r} has no observed value (all missing); drop it")
    for value in values:
        _check_label(value, name)
    texts = sum(isinstance(v, (str, np.str_)) for v in values)
    cats = None
    if texts in (0, len(values)):  # with numbers, np.asarray would turn them into text
        try:
            array = np.asarray(values)
            cats = np.unique(array) if _holds_exactly(array, values) else None
        except (TypeError, OverflowError):  # values NumPy cannot hold or order together
            pass
    if cats is None:
        # Values of several types, or ints past 2**53 with floats: each distinct value
        # (the first of equal ones, as np.unique keeps one) in Python's own order, which
        # compares an int and a float exactly, else by their text and then their type, so
        # that 1 and "1" come in one order whatever the rows' order and the hash seed.
        distinct = {}
        for value in values:
            distinct.setdefault(_key(value), value)
        try:
            ordered = sorted(distinct.values())
        except TypeError:
            ordered = sorted(distinct.values(), key=_order_key)
        cats = np.empty(len(ordered), dtype=object)
        cats[:] = ordered
    if cats.dtype.kind == "U":
        cats = cats.astype(object)  # plain Python str, as pandas holds them
    return cats


def category_codes(column, cats, name, handle_unknown):
    """Index of each value of ``column`` among the categories ``cats`` (NaN for missing).

    A category not seen in fit raises ``ValueError`` (which says how to declare every
    category before fit) or, with ``handle_unknown="ignore"``, becomes NaN (treated as
    missing).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._categories import category_codes
    >>> cats = np.array(["a", "b"], dtype=object)
    >>> category_codes(["b", None, "a"], cats, "c", "error")
    array([ 1., nan,  0.])
    >>> category_codes(["z"], cats, "c", "error")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: column 'c' has categories not seen during fit: ['z'] (fit saw ['a', 'b']). ...
    """
    values = np.asarray(column, dtype=object)
    lookup = {_key(c): i for i, c in enumerate(cats)}
    codes = np.full(len(values), np.nan)
    unknown = []
    for i, value in enumerate(values):
        if is_missing_value(value):
            continue
        _check_label(value, name)
        code = lookup.get(_key(value))
        if code is None:
            unknown.append(value)
        else:
            codes[i] = code
    if unknown and handle_unknown == "error":
        unknown = distinct_values(unknown)
        raise ValueError(
            f"column {name!r} has categories not seen during fit: "
            f"{shown_categories(unknown, limit=5)} (fit saw {shown_categories(cats)})"
            f"{type_hint(unknown, cats)}. To keep them, "
            "declare every category before fit, as a DataFrame column of a pandas "
            "CategoricalDtype: X[col].astype(pd.CategoricalDtype([...])); or set "
            "handle_unknown='ignore' to treat unseen categories as missing values (the "
            "model never learns them)."
        )
    return codes


def distinct_values(values):
    """Each distinct value of ``values`` once, by the categories' own equality (1, 1.0 and
    True are one), as a plain Python value, in the order the messages list them: by text,
    then by type (int before str).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._categories import distinct_values
    >>> distinct_values(["b", 2, "1", 1, np.int64(2)])
    [1, '1', 2, 'b']
    """
    distinct = {_key(value): plain_value(value) for value in values}
    return sorted(distinct.values(), key=_order_key)


def shown_categories(values, limit=10):
    """Categories (or values) as a message lists them: as Python writes them, so that the
    int 1001 and the str '1001' read apart, at most ``limit`` of them.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._categories import shown_categories
    >>> shown_categories(np.array([1001, 2002])), shown_categories(["a", "1", 1, 2], limit=2)
    ('[1001, 2002]', "['a', '1', ...]")
    """
    shown = [repr(plain_value(value)) for value in values[:limit]]
    return f"[{', '.join(shown + (['...'] if len(values) > limit else []))}]"


def type_hint(values, cats, fix="convert the column's values to {}, as in fit"):
    """For a message on the unseen ``values``: where one is written as a category of
    ``cats`` but has another type (the int 1001 against the str '1001', a column read as
    numbers once and as text once), the two and what to do (``fix``, which the category's
    type name completes); else "".

    Examples
    --------
    >>> from skvae._table._categories import type_hint
    >>> print(type_hint([1001], ["1001", "2002"]))  # doctest: +ELLIPSIS
    ; they differ from categories fit saw only by type (int 1001 against str '1001'): ...
    >>> type_hint(["z"], ["1001"])
    ''
    """
    known = {}
    for category in cats:
        known.setdefault(str(plain_value(category)), plain_value(category))
    for value in map(plain_value, values):
        category = known.get(str(value))
        if category is not None and type(category) is not type(value):
            kind = type(category).__name__
            return (
                f"; they differ from categories fit saw only by type ({type(value).__name__} "
                f"{value!r} against {kind} {category!r}): {fix.format(kind)}"
            )
    return ""


def _check_label(value, name):
    """A value that cannot be a category label (one without a hash, such as a dict or a
    list, or a tuple, which np.unique would split into its items) is an error, and so is
    a date or a duration (pandas leaves Timestamp, date and Timedelta objects in object
    columns), as a datetime64 column is: a date is no unordered category."""
    if is_date(value):
        raise dates_error(f"column {name!r}", date_values(value))
    try:
        hash(value)
        label = not isinstance(value, (tuple, frozenset))
    except TypeError:
        label = False
    if not label:
        raise ValueError(
            f"column {name!r} holds {type(value).__name__} values (such as "
            f"{reprlib.repr(value)}); skvae takes numbers or category labels (str, bool, "
            "int) in each column: convert the column to one of those, or drop it"
        )


def _holds_exactly(array, values):
    """Whether ``np.asarray(values)`` (``array``) holds each value exactly: a float array
    rounds the ints past 2**53 that it is given with floats (2**53 + 1 becomes 2**53)."""
    if array.dtype.kind not in "fc":
        return True
    held = array.tolist()
    return all(a == plain_value(b) for a, b in zip(held, values, strict=True))


def _order_key(value):
    """Sort key of categories of several types: their text, then their type's name (int
    before str), a total order where the text alone left 1 and "1" tied."""
    return str(value), type(plain_value(value)).__name__


def _key(value):
    """Dictionary key that matches 1, 1.0, np.int64(1) and True, and 'a' with np.str_('a').

    True is the number 1 here, as it is for Python's ``==`` and ``set()``, for ``np.unique``
    (which found the categories in fit) and for scikit-learn's OneHotEncoder: a column of
    True, 1, False and 0 has the two categories that they do, each value coded as its
    equal. Kept apart, True and 1 made fit refuse its own rows as "not seen during fit".
    A number is keyed by its exact value, as Python compares an int with a float: keyed
    by ``float(value)``, the ids 2**53 and 2**53 + 1 were one category.
    """
    value = plain_value(value)
    if isinstance(value, numbers.Number):
        return ("number", value)
    if isinstance(value, str):
        return ("str", value)
    return ("other", value)
