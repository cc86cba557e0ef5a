"""Per-column distances between the marginals of real and synthetic rows.

The Kolmogorov-Smirnov statistic for continuous columns and the total-variation distance
for discrete and categorical ones, and :func:`marginal_distances`, which picks one of them
for each column.
"""

import numpy as np

from skvae.metrics._frames import as_2d_float, check_frames, is_categorical

# A numeric column with at most this many distinct values is compared as discrete (total
# variation) rather than continuous (Kolmogorov-Smirnov).
MAX_DISCRETE_VALUES = 20


def ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs.

    Parameters
    ----------
    a, b : array-like of shape (n,) and (m,)
        Samples of one numeric column.

    Returns
    -------
    statistic : float
        In [0, 1]; 0 when the empirical distributions coincide.

    Examples
    --------
    >>> from skvae.metrics import ks_statistic
    >>> ks_statistic([1, 2, 3, 4], [1, 2, 3, 4])
    0.0
    >>> ks_statistic([0, 0, 0], [1, 1, 1])
    1.0
    """
    a, b = np.sort(np.asarray(a, float)), np.sort(np.asarray(b, float))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def total_variation(a, b):
    """Total-variation distance between the value frequencies of two discrete samples.

    Parameters
    ----------
    a, b : array-like of shape (n,) and (m,)
        Samples of one discrete column: numbers, strings, booleans or other categories.

    Returns
    -------
    distance : float
        Half the L1 distance between the two frequency tables, in [0, 1].

    Examples
    --------
    >>> from skvae.metrics import total_variation
    >>> total_variation([0, 0, 1, 1], [0, 1, 1, 1])
    0.25
    >>> total_variation(["a", "b", "b", "c"], ["b", "b", "c", "c"])
    0.25
    """
    a, b = np.asarray(a), np.asarray(b)
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
    return (
        len(np.unique(real)) <= MAX_DISCRETE_VALUES
        and len(np.unique(synthetic)) <= MAX_DISCRETE_VALUES
    )


def marginal_distances(real, synthetic):
    """Per-column distance between real and synthetic marginals.

    Categorical columns of DataFrames (dtype ``category``, ``object``, string or boolean)
    and numeric columns with at most 20 distinct values in both ``real`` and
    ``synthetic`` are compared as discrete (total variation distance), the other numeric
    columns as continuous (Kolmogorov-Smirnov statistic, which handles ties, so a
    continuous synthetic column is fairly compared with an integer-valued real one).
    Missing values in frames are left out.

    Parameters
    ----------
    real, synthetic : array-like or DataFrame of shape (n, n_features) and (m, n_features)
        Real and synthetic rows: two arrays, or two DataFrames with the same columns
        (``synthetic``'s columns are matched to ``real``'s by name).

    Returns
    -------
    distances : ndarray of shape (n_features,)
        One distance in [0, 1] per column, in ``real``'s column order (lower is better).

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
            if len(r) == 0 or len(s) == 0:
                raise ValueError(
                    f"column {name!r} has no observed value in "
                    f"{'real' if len(r) == 0 else 'synthetic'}; drop it from both frames"
                )
            if categorical or _both_discrete(r, s):
                distances.append(total_variation(r, s))
            else:
                distances.append(ks_statistic(r, s))
        return np.array(distances)
    real, synthetic = as_2d_float(real, "real"), as_2d_float(synthetic, "synthetic")
    if real.shape[1] != synthetic.shape[1]:
        raise ValueError(
            f"real and synthetic must have the same columns; got {real.shape[1]} and "
            f"{synthetic.shape[1]}"
        )
    return np.array(
        [
            total_variation(r, s) if _both_discrete(r, s) else ks_statistic(r, s)
            for r, s in zip(real.T, synthetic.T, strict=True)
        ]
    )


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
