"""Dependence between columns: how well synthetic rows reproduce it.

Pearson correlations of the numeric columns (:func:`correlation_difference`), and the
associations of the pairs that involve a categorical column: Cramér's V between two
categorical columns, the correlation ratio between a categorical and a numeric one
(:func:`associations`, :func:`association_difference`).
"""

import numpy as np

from skvae.metrics._frames import (
    as_pandas,
    check_frame_columns,
    check_frames,
    float_tables,
    is_categorical,
    is_frame,
    numeric_matrix,
    reject_infinite,
    reject_unobserved,
)
from skvae.metrics._samples import as_numbers, as_sample, missing_mask, scale_columns


def correlation_difference(real, synthetic):
    """Mean absolute difference between the Pearson correlation matrices (off-diagonal).

    Each pair of columns is correlated over the rows where both are observed (missing
    values are NaN in arrays; NaN, None and ``pd.NA`` in frames). For DataFrames, only the
    numeric columns enter; pairs involving categorical or boolean columns are measured by
    :func:`association_difference`.

    Parameters
    ----------
    real, synthetic : array-like or DataFrame of shape (n, n_features) and (m, n_features)
        Real and synthetic rows, two arrays or two DataFrames with the same columns
        (polars DataFrames and pyarrow Tables are converted to pandas); constant columns
        count as uncorrelated.

    Returns
    -------
    difference : float
        In [0, 2]; 0 when every pairwise correlation is reproduced (also when there are
        fewer than two numeric columns).

    Raises
    ------
    ValueError
        If the columns differ, or a numeric column holds an infinite value or no observed
        value.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import correlation_difference
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(1000, 1))
    >>> real = np.hstack([z, z + 0.1 * rng.normal(size=(1000, 1))])
    >>> round(correlation_difference(real, rng.normal(size=(1000, 2))), 1)
    1.0
    >>> holes = real.copy()
    >>> holes[::10, 0] = np.nan
    >>> round(correlation_difference(holes, real), 3)
    0.0
    """
    names = ["real", "synthetic"]
    (real, synthetic), frames = check_frames({"real": real, "synthetic": synthetic})
    if frames:
        numeric = [name for name in real.columns if not is_categorical(real[name])]
        if len(numeric) < 2:
            return 0.0
        import pandas as pd  # present: the arguments are DataFrames

        matrices = [
            numeric_matrix(frame[numeric], names, name)
            for name, frame in zip(names, (real, synthetic), strict=True)
        ]
        for name, X in zip(names, matrices, strict=True):
            reject_infinite(X, name, numeric)
            reject_unobserved(X, names, name, numeric)
        # pandas' corr() uses, for each pair, the rows where both columns are observed.
        correlations = [
            np.nan_to_num(pd.DataFrame(scale_columns(X)[0]).corr().to_numpy()) for X in matrices
        ]
    else:
        real, synthetic = float_tables({"real": real, "synthetic": synthetic})
        if real.shape[1] < 2:
            return 0.0
        for name, X in zip(names, (real, synthetic), strict=True):
            reject_infinite(X, name, list(range(X.shape[1])))
            reject_unobserved(X, names, name, list(range(X.shape[1])))
        correlations = [_pairwise_correlations(scale_columns(X)[0]) for X in (real, synthetic)]
    off_diagonal = ~np.eye(len(correlations[0]), dtype=bool)
    return float(np.abs(correlations[0] - correlations[1])[off_diagonal].mean())


def _pairwise_correlations(X):
    """Pearson correlations of X's columns, each pair over the rows where both are observed
    (as pandas' ``DataFrame.corr``); 0 for a pair where either column is constant."""
    complete = ~np.isnan(X).any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if complete.all():  # on X itself: a copy's memory layout may change the last bits
            return np.nan_to_num(np.corrcoef(X, rowvar=False))
        C = np.eye(X.shape[1])
        if complete.sum() >= 2:
            C[np.ix_(complete, complete)] = np.nan_to_num(np.corrcoef(X[:, complete], rowvar=False))
    columns, observed = np.asfortranarray(X), np.asfortranarray(~np.isnan(X))
    for i, j in zip(*np.triu_indices(X.shape[1], k=1), strict=True):
        if complete[i] and complete[j]:
            continue
        both = observed[:, i] & observed[:, j]
        x, y = columns[both, i], columns[both, j]
        if len(x) < 2 or x.min() == x.max() or y.min() == y.max():
            C[i, j] = C[j, i] = 0.0
            continue
        x, y = x - x.mean(), y - y.mean()
        C[i, j] = C[j, i] = np.clip(x @ y / np.sqrt((x @ x) * (y @ y)), -1.0, 1.0)
    return C


def cramers_v(a, b):
    """Cramér's V between two categorical samples: association from their contingency table.

    With n pairs, the table of counts ``n_ij`` of (a = i, b = j), the counts expected
    under independence ``e_ij = n_i. n_.j / n`` and Pearson's chi-square statistic
    ``chi2 = sum_ij (n_ij - e_ij)^2 / e_ij`` (no continuity correction),

    V = sqrt(chi2 / (n (min(r, c) - 1))),

    where r and c are the numbers of distinct values of a and b. V is 0 for independent
    frequencies (and, by convention, when either sample is constant) and 1 when each value
    of one determines the value of the other.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Paired values of two categorical columns. A pair with a missing value (NaN,
        None, ``pd.NA``) is left out.

    Returns
    -------
    v : float
        In [0, 1]; 0 when no pair is complete.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is not 1-D (a scalar or a table), or they differ in length.

    Examples
    --------
    >>> from skvae.metrics import cramers_v
    >>> cramers_v(["x", "x", "y", "y"], ["p", "p", "q", "q"])
    1.0
    >>> cramers_v(["x", "x", "y", "y"], ["p", "q", "p", "q"])
    0.0
    >>> round(cramers_v(["x", "x", "x", "y", "y", "y"], ["p", "p", "q", "q", "q", "q"]), 4)
    0.7071
    """
    a, b = as_sample(a, "a"), as_sample(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must be paired samples; got {len(a)} and {len(b)}")
    complete = ~(missing_mask(a) | missing_mask(b))
    a_codes, n_a = _codes(a[complete])
    b_codes, n_b = _codes(b[complete])
    if min(n_a, n_b) < 2:
        return 0.0
    table = np.zeros((n_a, n_b))
    np.add.at(table, (a_codes, b_codes), 1.0)
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(min(1.0, np.sqrt(chi2 / (n * (min(n_a, n_b) - 1)))))


def correlation_ratio(categories, values):
    """Correlation ratio eta: how much of a numeric column's variance its categories explain.

    With groups g given by ``categories``, group sizes n_g, group means m_g and the overall
    mean m of ``values``,

    eta^2 = sum_g n_g (m_g - m)^2 / sum_i (values_i - m)^2,

    the between-group share of the variance. eta is 0 when every group has the same mean
    (or ``values`` is constant) and 1 when the category determines the value; for two
    categories it equals the absolute point-biserial (Pearson) correlation.

    Parameters
    ----------
    categories : array-like of shape (n,)
        Values of a categorical column.
    values : array-like of shape (n,)
        The paired values of a numeric column. A pair with a missing value (NaN, None,
        ``pd.NA``) in either is left out.

    Returns
    -------
    eta : float
        In [0, 1]; 0 when no pair is complete.

    Raises
    ------
    ValueError
        If ``categories`` or ``values`` is not 1-D (a scalar or a table), or ``values``
        holds a value that is not a real number, or an infinite value in a complete pair.

    Examples
    --------
    >>> from skvae.metrics import correlation_ratio
    >>> correlation_ratio(["a", "a", "b", "b"], [1.0, 1.0, 3.0, 3.0])
    1.0
    >>> correlation_ratio(["a", "a", "b", "b"], [1.0, 3.0, 1.0, 3.0])
    0.0
    >>> correlation_ratio(["a", "a", "b", "b"], [0.0, 2.0, 2.0, 4.0])
    0.7071067811865476
    >>> round(correlation_ratio(["a", "a", "b", "b", None], [0.0, 2.0, 2.0, float("nan"), 9.0]), 4)
    0.5
    """
    categories = as_sample(categories, "categories")
    values = as_numbers(values, "values")
    if len(categories) != len(values):
        raise ValueError(
            f"categories and values must be paired samples; got {len(categories)} and {len(values)}"
        )
    complete = ~(missing_mask(categories) | np.isnan(values))
    codes, n_groups = _codes(categories[complete])
    values = values[complete]
    if np.isinf(values).any():
        raise ValueError(
            "values has infinite values; replace them with finite numbers, or with NaN to "
            "leave their pairs out"
        )
    if len(values) == 0:
        return 0.0
    # Scaled by a power of two first (exact, and eta does not depend on the scale), so
    # that the squares of values near 1e200 do not overflow.
    values = scale_columns(values[:, None])[0][:, 0]
    centred = values - values.mean()
    total = float(np.sum(centred**2))
    if total == 0.0:
        return 0.0
    sizes = np.bincount(codes, minlength=n_groups)
    means = np.bincount(codes, weights=centred, minlength=n_groups) / np.maximum(sizes, 1)
    return float(min(1.0, np.sqrt(np.sum(sizes * means**2) / total)))


def _codes(values):
    """Integer codes 0..k-1 of a sample's distinct values (any hashable values)."""
    lookup = {}
    codes = np.array([lookup.setdefault(v, len(lookup)) for v in values.tolist()])
    return codes.astype(np.intp), len(lookup)


def associations(frame):
    """Associations of every pair of columns of a frame that involves a categorical column.

    Categorical-categorical pairs get Cramér's V (:func:`cramers_v`), categorical-numeric
    pairs the correlation ratio (:func:`correlation_ratio`), each over the rows where both
    columns are observed. Numeric-numeric pairs are left to :func:`correlation_difference`.

    Parameters
    ----------
    frame : DataFrame
        Table with categorical (``category``, ``object``, string, boolean) columns; a
        polars DataFrame or pyarrow Table is converted to pandas.

    Returns
    -------
    associations : dict
        ``{(column_a, column_b): value in [0, 1]}``, pairs in column order.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame, or a numeric column paired with a categorical
        one holds an infinite value.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import associations
    >>> frame = pd.DataFrame({"size": [1.0, 1.0, 3.0, 3.0], "color": ["r", "r", "b", "b"],
    ...                       "flag": [True, False, True, False]})
    >>> associations(frame)
    {('size', 'color'): 1.0, ('size', 'flag'): 0.0, ('color', 'flag'): 0.0}
    """
    frame = as_pandas(frame)
    if not is_frame(frame):
        raise ValueError(
            "associations needs a pandas DataFrame whose dtypes say which columns are "
            f"categorical; got {type(frame).__name__}. For numeric arrays use "
            "correlation_difference."
        )
    check_frame_columns(frame, "frame")
    return _associations(frame, {name: is_categorical(frame[name]) for name in frame.columns})


def _associations(frame, categorical, name="frame"):
    """associations(frame) with the categorical columns given (by the real frame's dtypes,
    so that a synthetic frame with, say, 0/1 floats for a boolean is measured alike);
    ``name`` names the frame in the error for an infinite value."""
    names = list(frame.columns)
    result = {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if not (categorical[a] or categorical[b]):
                continue
            both = frame[[a, b]].dropna()
            if len(both) == 0:
                result[(a, b)] = 0.0
            elif categorical[a] and categorical[b]:
                result[(a, b)] = cramers_v(
                    both[a].astype(object).to_numpy(), both[b].astype(object).to_numpy()
                )
            else:
                cat, num = (a, b) if categorical[a] else (b, a)
                values = both[num].to_numpy(dtype=np.float64)
                reject_infinite(values[:, None], name, [num])
                result[(a, b)] = correlation_ratio(both[cat].astype(object).to_numpy(), values)
    return result


def association_difference(real, synthetic):
    """Mean absolute difference of the associations that involve categorical columns.

    For every pair of columns of which at least one is categorical, the association is
    Cramér's V (two categorical columns) or the correlation ratio eta (a categorical and a
    numeric column), see :func:`associations`; this is the mean over those pairs of
    ``|association(real) - association(synthetic)|``. It complements
    :func:`correlation_difference`, which covers the numeric pairs.

    Parameters
    ----------
    real, synthetic : DataFrame of shape (n, n_features) and (m, n_features)
        Real and synthetic rows with the same columns (polars DataFrames and pyarrow
        Tables are converted to pandas).

    Returns
    -------
    difference : float
        In [0, 1]; 0 when every association is reproduced, and when no pair involves a
        categorical column.

    Raises
    ------
    ValueError
        If the arguments are not DataFrames, their columns differ, a column has no
        observed value, or a numeric column paired with a categorical one holds an
        infinite value.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import association_difference
    >>> real = pd.DataFrame({"size": [1.0, 1.0, 3.0, 3.0], "color": ["r", "r", "b", "b"]})
    >>> shuffled = pd.DataFrame({"size": [1.0, 3.0, 1.0, 3.0], "color": ["r", "r", "b", "b"]})
    >>> association_difference(real, real), association_difference(real, shuffled)
    (0.0, 1.0)
    """
    real, synthetic = as_pandas(real), as_pandas(synthetic)
    if not (is_frame(real) and is_frame(synthetic)):
        raise ValueError(
            "association_difference compares categorical columns, which need pandas "
            f"DataFrames; got {type(real).__name__} and {type(synthetic).__name__}. For "
            "numeric arrays use correlation_difference."
        )
    (real, synthetic), _ = check_frames({"real": real, "synthetic": synthetic})
    for name, frame in (("real", real), ("synthetic", synthetic)):
        missing = np.where(frame.isna().to_numpy(), np.nan, 0.0)
        reject_unobserved(missing, ["real", "synthetic"], name, list(frame.columns))
    categorical = {name: is_categorical(real[name]) for name in real.columns}
    real_assoc = _associations(real, categorical, "real")
    synthetic_assoc = _associations(synthetic, categorical, "synthetic")
    if not real_assoc:
        return 0.0
    return float(np.mean([abs(real_assoc[k] - synthetic_assoc[k]) for k in real_assoc]))
