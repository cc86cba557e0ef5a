"""Condition columns of a conditional VAE: which columns they are and how they are encoded.

A condition column is observed, never modelled: the encoder and the decoder both receive
it. Categorical columns (text, pandas categories; their category codes), and columns whose
training values are all integers with at most ``MAX_CATEGORIES`` distinct values (class
labels, counts of a few levels), are one-hot encoded; other columns are standardised.
"""

import warnings
from numbers import Integral

import numpy as np

from skvae._table._categories import shown_categories
from skvae._table._column_keys import labelled_position, plain_value
from skvae._user_frame import user_stacklevel

MAX_CATEGORIES = 32


def resolve_condition_columns(condition_on, n_features, feature_names):
    """Sorted column indices named by ``condition_on`` (ints, or names for DataFrames).

    ``feature_names``: a DataFrame's column labels (None for an array). String labels are
    names, and ints positions; labels that are not all strings (ints, tuples) are the only
    keys, never read as positions (see :mod:`skvae._table._column_keys`).

    Examples
    --------
    >>> from skvae._table._conditions import resolve_condition_columns
    >>> resolve_condition_columns([0], 4, [3, 1, 2, 0]).tolist()
    [3]
    >>> resolve_condition_columns(["b", -1], 3, ["a", "b", "c"]).tolist()
    [1, 2]
    """
    if condition_on is None:
        return np.array([], dtype=np.int64)
    labels = None
    if feature_names is not None and not all(isinstance(f, str) for f in feature_names):
        labels = list(feature_names)
    columns = []
    for column in condition_on:
        if labels is not None:
            columns.append(labelled_position("condition_on", column, labels))
        elif isinstance(column, str):
            if feature_names is None:
                raise ValueError(
                    f"condition_on names column {column!r}, but X has no column names; "
                    "pass a pandas DataFrame or give column indices"
                )
            matches = np.flatnonzero(np.asarray(feature_names) == column)
            if len(matches) == 0:
                raise ValueError(
                    f"condition_on names column {column!r}, which X does not have; "
                    f"columns are {list(feature_names)}"
                )
            columns.append(int(matches[0]))
        elif isinstance(column, Integral) and not isinstance(column, bool):
            if not -n_features <= column < n_features:
                raise ValueError(
                    f"condition_on has column index {column}, but X has {n_features} columns"
                )
            columns.append(int(column) % n_features)
        else:
            raise ValueError(f"condition_on must list column indices or names; got {column!r}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"condition_on names a column twice: {list(condition_on)!r}")
    if len(columns) == n_features:
        raise ValueError("condition_on names every column of X: none is left to model")
    return np.array(sorted(columns), dtype=np.int64)


def fit_condition_encoding(C, n_categories=None):
    """Per condition column: its sorted categories (one-hot) or None (standardised).

    ``n_categories`` (int per column, default none: 0 for each): the number of categories
    of a column of category codes (a categorical column's), 0 for other columns. A column
    of k categories one-hot encodes all its codes 0, ..., k - 1, whatever k is (a code is
    no quantity to standardise), also those that no row of ``C`` holds, as an ordinary
    categorical column keeps every category of its pandas dtype: a stream sorted by its
    label then meets only known codes.

    Returns ``categories`` (list of float64 arrays or None), and ``mean`` and ``scale``
    (float64 arrays, used by the standardised columns only).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._conditions import fit_condition_encoding
    >>> C = np.column_stack([np.arange(40.0), np.arange(40.0)])
    >>> categories, _, _ = fit_condition_encoding(C, n_categories=[0, 40])
    >>> categories[0], len(categories[1])
    (None, 40)
    >>> codes = np.zeros((5, 1))  # five rows of the first of three categories
    >>> fit_condition_encoding(codes, n_categories=[3])[0][0].tolist()
    [0.0, 1.0, 2.0]
    """
    counts = np.zeros(C.shape[1], dtype=np.int64) if n_categories is None else n_categories
    categories = []
    for values, count in zip(C.T, counts, strict=True):
        if count:
            categories.append(np.arange(count, dtype=np.float64))
            continue
        unique = np.unique(values)
        is_categorical = len(unique) <= MAX_CATEGORIES and np.all(unique == np.round(unique))
        categories.append(unique.astype(np.float64) if is_categorical else None)
    mean = C.mean(axis=0) if C.shape[1] else np.zeros(0)
    std = C.std(axis=0) if C.shape[1] else np.zeros(0)
    return categories, mean, np.where(std > 0, std, 1.0)


def encoded_width(categories):
    """Number of model inputs the encoded conditions take."""
    return sum(1 if cats is None else len(cats) for cats in categories)


def encode_conditions(C, categories, mean, scale, names, labels=None):
    """Encode raw condition values (n_rows, n_conditions) into float32 model inputs.

    ``labels`` (per column, default none): the categories of a categorical column, which
    its values in ``C`` index, or None; a message shows a value as its label.

    Raises ValueError for a value that the encoding has no category for, naming the
    column, the value, the values it has and what to do.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._conditions import encode_conditions
    >>> cats, names = [np.array([0.0, 1.0])], ["label"]
    >>> encode_conditions(np.array([[1.0]]), cats, [0.0], [1.0], names)
    array([[0., 1.]], dtype=float32)
    >>> labels = [np.array(["setosa", "versicolor", "virginica"], dtype=object)]
    >>> encode_conditions(np.array([[2.0]]), cats, [0.0], [1.0], names, labels)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: condition column 'label' has value 'virginica', not seen in fit; its values ...
    """
    labels = [None] * len(categories) if labels is None else labels
    parts = []
    for j, cats in enumerate(categories):
        values = C[:, j]
        if cats is None:
            parts.append(((values - mean[j]) / scale[j])[:, None])
            continue
        index = np.searchsorted(cats, values)
        index = np.minimum(index, len(cats) - 1)
        unknown = cats[index] != values
        if np.any(unknown):
            raise ValueError(_unseen_message(names[j], values[unknown][0], cats, labels[j]))
        parts.append(np.eye(len(cats))[index])
    if not parts:
        return np.zeros((len(C), 0), dtype=np.float32)
    return np.hstack(parts).astype(np.float32)


def _unseen_message(name, value, cats, labels):
    """The error for ``value`` of the condition column ``name``, whose encoding knows the
    values ``cats``: shown as the user wrote them, the category labels (``labels``, which
    the codes index) of a categorical column, not its codes."""
    if labels is None:  # one-hot numbers: whole numbers, as the user wrote them
        shown, known = f"{value:g}", shown_categories([int(c) for c in cats])
    else:
        # As Python writes them: the int 3 and the str '3' read apart.
        shown = repr(plain_value(labels[int(value)]))
        known = shown_categories([labels[int(c)] for c in cats])
    return (
        f"condition column {name!r} has value {shown}, not seen in fit; its values in fit "
        f"were {known}. Give one of those, or fit on rows that hold every value the "
        "column will take (the first partial_fit call fixes them), or declare them all as a "
        "DataFrame column of a pandas CategoricalDtype: X[col].astype(pd.CategoricalDtype([...]))"
    )


def warn_outside_training_range(outside, consequence):
    """Warn that given condition values lie outside their columns' training ranges.

    Shared by ``sample(conditions={...})`` and a ``condition_on`` model's array
    conditions, so that both say it in the same words.

    Parameters
    ----------
    outside : list of str
        One entry per column, such as ``"'mass' = 2e+04 (training range 2.7e+03 to
        6.3e+03)"``; nothing is said when empty.
    consequence : str
        What the draws do with such a value, completing "The model has seen no such rows,
        and ...".

    Examples
    --------
    >>> import warnings
    >>> from skvae._table._conditions import warn_outside_training_range
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_outside_training_range(["'x' = 9 (training range 0 to 1)"], "it guesses")
    >>> print(str(caught[0].message).replace(". ", "." + chr(10)))
    conditions give values outside the training range: 'x' = 9 (training range 0 to 1).
    The model has seen no such rows, and it guesses.
    """
    if outside:
        warnings.warn(
            f"conditions give values outside the training range: {', '.join(outside)}. "
            f"The model has seen no such rows, and {consequence}.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
