"""Per-column distances between the marginals of real and synthetic rows.

The Kolmogorov-Smirnov statistic for continuous columns and the total-variation distance
for discrete and categorical ones, and :func:`marginal_distances`, which picks one of them
for each column.
"""

import numbers

import numpy as np

from skvae.metrics._frames import check_frames, float_tables, is_categorical
from skvae.metrics._samples import as_numbers, as_sample, missing_mask

# A numeric column with at most this many distinct values is compared as discrete (total
# variation) rather than continuous (Kolmogorov-Smirnov).
MAX_DISCRETE_VALUES = 20


def ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs.

    Missing values (NaN, None) are left out of each sample; infinite values count as
    values beyond every finite one.

    Parameters
    ----------
    a, b : array-like of shape (n,) and (m,)
        Samples of one numeric column (1-D: compare tables with
        :func:`marginal_distances`, which takes them column by column).

    Returns
    -------
    statistic : float
        In [0, 1]; 0 when the empirical distributions coincide.

    Raises
    ------
    ValueError
        If a sample is not 1-D (a scalar or a table), holds values that are not real
        numbers (complex ones included), or has no observed value (it is empty or all
        missing).
    TypeError
        If a sample is a scipy.sparse matrix.

    Examples
    --------
    >>> from skvae.metrics import ks_statistic
    >>> ks_statistic([1, 2, 3, 4], [1, 2, 3, 4])
    0.0
    >>> ks_statistic([0, 0, 0], [1, 1, 1])
    1.0
    >>> ks_statistic([1, 2, 3, float("nan")], [1, 2, 3])
    0.0
    """
    a = np.sort(_observed_numbers(a, "a"))
    b = np.sort(_observed_numbers(b, "b"))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _observed_numbers(values, name):
    values = as_numbers(values, name)
    return _nonempty(values[~np.isnan(values)], name)


def _nonempty(values, name):
    if len(values) == 0:
        raise ValueError(f"{name} has no observed value (it is empty or all missing)")
    return values


def total_variation(a, b):
    """Total-variation distance between the value frequencies of two discrete samples.

    Missing values (NaN, None, ``pd.NA``) are left out of each sample.

    Parameters
    ----------
    a, b : array-like of shape (n,) and (m,)
        Samples of one discrete column: numbers, strings, booleans or other categories.

    Returns
    -------
    distance : float
        Half the L1 distance between the two frequency tables, in [0, 1].

    Raises
    ------
    ValueError
        If a sample is not 1-D (a scalar or a table), or has no observed value (it is
        empty or all missing).
    TypeError
        If a sample is a scipy.sparse matrix.

    Examples
    --------
    >>> from skvae.metrics import total_variation
    >>> total_variation([0, 0, 1, 1], [0, 1, 1, 1])
    0.25
    >>> total_variation(["a", "b", "b", "c"], ["b", "b", "c", "c"])
    0.25
    >>> total_variation(["a", "b", None], ["a", "b"])
    0.0
    """
    a, b = as_sample(a, "a"), as_sample(b, "b")
    a = _nonempty(a[~missing_mask(a)], "a")
    b = _nonempty(b[~missing_mask(b)], "b")
    if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        values = np.union1d(a, b)
        freq_a = np.array([np.mean(a == v) for v in values])
        freq_b = np.array([np.mean(b == v) for v in values])
        return float(0.5 * np.abs(freq_a - freq_b).sum())
    # Categories (strings, objects, mixed types): count by value with a dictionary, which
    # needs no ordering of the values.
    freq_a, freq_b = _frequencies(a), _frequencies(b)
    values = set(freq_a) | set(freq_b)
    return float(0.5 * sum(abs(freq_a.get(v, 0.0) - freq_b.get(v, 0.0)) for v in values))


def _frequencies(values):
    counts = {}
    for value in values.tolist():
        counts[value] = counts.get(value, 0) + 1
    return {value: count / len(values) for value, count in counts.items()}


def _both_discrete(real, synthetic):
    """Whether real has at most MAX_DISCRETE_VALUES values and synthetic only those: a
    synthetic value the real column never holds (a 0/1 flag drawn as 0.3) makes the
    comparison KS's, however many such values there are (with TV up to 20 of them gave
    1.0 and 21 gave KS's 0.54)."""
    values = np.unique(real)
    return len(values) <= MAX_DISCRETE_VALUES and bool(np.isin(synthetic, values).all())


def marginal_distances(real, synthetic):
    """Per-column distance between real and synthetic marginals.

    Categorical columns of DataFrames (dtype ``category``, ``object``, string or boolean)
    and numeric columns with at most 20 distinct values in ``real`` and only those in
    ``synthetic`` are compared as discrete (total variation distance), the other numeric
    columns as continuous (Kolmogorov-Smirnov statistic, which handles ties, so a
    continuous synthetic column is fairly compared with an integer-valued real one).
    Missing values (NaN in arrays; NaN, None and ``pd.NA`` in frames) are left out of
    each column.

    Parameters
    ----------
    real, synthetic : array-like or DataFrame of shape (n, n_features) and (m, n_features)
        Real and synthetic rows: two arrays, or two DataFrames with the same columns
        (``synthetic``'s columns are matched to ``real``'s by name; polars DataFrames and
        pyarrow Tables are converted to pandas).

    Returns
    -------
    distances : ndarray of shape (n_features,)
        One distance in [0, 1] per column, in ``real``'s column order (lower is better).

    Raises
    ------
    ValueError
        If the columns differ, a column has no observed value in either table, or a
        column holds numbers in one frame and values that are not numbers in the other.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skvae.metrics import marginal_distances
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(500, 2))
    >>> marginal_distances(real, real + [0.0, 3.0]).round(1)
    array([0. , 0.9])
    >>> real = pd.DataFrame({"size": [1.0, 2, 3, 4], "color": ["red", "red", "blue", "blue"]})
    >>> fake = pd.DataFrame({"size": [1.0, 2, 3, 4], "color": ["red", "blue", "blue", "blue"]})
    >>> marginal_distances(real, fake)
    array([0.  , 0.25])
    """
    (real, synthetic), frames = check_frames({"real": real, "synthetic": synthetic})
    if frames:
        distances = []
        for name in real.columns:
            categorical = is_categorical(real[name])
            r = _observed(real[name], categorical)
            s = _observed(synthetic[name], categorical)
            _check_observed(name, r, s, "frames")
            if categorical:
                _check_kinds(name, r, s, real[name].dtype, synthetic[name].dtype)
            distances.append(_distance(r, s, categorical))
        return np.array(distances)
    real, synthetic = float_tables({"real": real, "synthetic": synthetic})
    distances = []
    for index, (r, s) in enumerate(zip(real.T, synthetic.T, strict=True)):
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        _check_observed(index, r, s, "arrays")
        distances.append(_distance(r, s, False))
    return np.array(distances)


def _distance(real, synthetic, categorical):
    """The distance of one column's observed values: TV if discrete, else KS."""
    if categorical or _both_discrete(real, synthetic):
        return total_variation(real, synthetic)
    return ks_statistic(real, synthetic)


def _check_observed(name, real, synthetic, tables):
    if len(real) == 0 or len(synthetic) == 0:
        raise ValueError(
            f"column {name!r} has no observed value in "
            f"{'real' if len(real) == 0 else 'synthetic'}; drop it from both {tables}"
        )


def _check_kinds(name, real, synthetic, real_dtype, synthetic_dtype):
    """A ValueError when a categorical column holds only numbers in one frame and no number
    in the other: no value could match, so the distance would be 1 whatever the rows."""
    kinds = [_number_kind(real), _number_kind(synthetic)]
    if sorted(kinds) == ["no numbers", "only numbers"]:
        raise ValueError(
            f"column {name!r} holds {kinds[0]} in real (dtype {real_dtype}) but "
            f"{kinds[1]} in synthetic (dtype {synthetic_dtype}); give both frames the same "
            "dtypes"
        )


def _number_kind(values):
    is_number = [isinstance(v, numbers.Number | np.bool_) for v in set(values.tolist())]
    if all(is_number):
        return "only numbers"
    return "no numbers" if not any(is_number) else "numbers and other values"


def _observed(column, categorical):
    """Non-missing values of a frame column: an object array (categorical) or floats."""
    column = column[~column.isna()]
    if categorical:
        return column.astype(object).to_numpy()
    try:
        return column.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"column {column.name!r} is numeric in real but holds values that are not "
            f"numbers in synthetic (dtype {column.dtype}); give both frames the same dtypes"
        ) from None
