"""How faithful synthetic rows are to real ones: marginals, dependence, and utility.

Four views a user judges ``sample()`` by: per-column marginal distances (the two-sample
Kolmogorov-Smirnov statistic for continuous columns, total-variation distance for discrete
and categorical ones), the difference of the Pearson correlation matrices of the numeric
columns, the difference of the associations that involve categorical columns (Cramér's V
and the correlation ratio), and "train on synthetic, test on real" (TSTR) accuracy of a
classifier against training on real rows.

Every function takes NumPy arrays (all columns numeric) or two pandas DataFrames with the
same columns, which may mix numeric, boolean, categorical and string columns. In a frame,
a column is *categorical* when its dtype is ``category``, ``object``, a string dtype or a
boolean dtype, and *numeric* otherwise; missing values (NaN, None, ``pd.NA``) are left out
of each statistic.
"""

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

# A numeric column with at most this many distinct values is compared as discrete (total
# variation) rather than continuous (Kolmogorov-Smirnov).
MAX_DISCRETE_VALUES = 20


def _as_2d_float(X, name):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array; got shape {X.shape}")
    return X


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _is_categorical(column):
    """Whether a DataFrame column holds categories (compared by value frequencies)."""
    dtype = column.dtype
    name = str(dtype)
    kind = getattr(dtype, "kind", None)
    return (
        name in ("category", "bool", "boolean")
        or name.startswith("string")
        or (kind is not None and kind in ("O", "S", "U", "b"))
    )


def _check_frames(frames):
    """Both (all) NumPy, or all DataFrames with the same columns; frames reordered alike.

    ``frames`` maps argument names to values; the first one fixes the column order.
    Returns the values (frames reindexed to the first frame's column order) and whether
    they are frames.
    """
    names, values = list(frames), list(frames.values())
    is_frame = [_is_frame(v) for v in values]
    if not any(is_frame):
        return values, False
    if not all(is_frame):
        kinds = ", ".join(
            f"{n}: {'DataFrame' if f else type(v).__name__}"
            for n, v, f in zip(names, values, is_frame, strict=True)
        )
        raise ValueError(
            f"pass {', '.join(names)} all as pandas DataFrames or all as arrays; got {kinds}. "
            "Synthetic rows from a model fitted on a DataFrame are a DataFrame already."
        )
    reference = list(values[0].columns)
    out = [values[0]]
    for name, frame in zip(names[1:], values[1:], strict=True):
        columns = list(frame.columns)
        missing = [c for c in reference if c not in columns]
        extra = [c for c in columns if c not in reference]
        if missing or extra or len(columns) != len(reference):
            problems = [f"lacks {missing}"] if missing else []
            problems += [f"has extra {extra}"] if extra else []
            problems = problems or ["repeats a column name"]
            raise ValueError(
                f"{name} must have the same columns as {names[0]} (matched by name); "
                f"{name} {' and '.join(problems)}. {names[0]}'s columns are {reference}"
            )
        out.append(frame[reference])
    for name, frame in zip(names, out, strict=True):
        if len(frame) == 0 or len(reference) == 0:
            raise ValueError(f"{name} must be a non-empty DataFrame; got shape {frame.shape}")
    return out, True


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


def _numeric_matrix(frame):
    """Float64 values of numeric frame columns, NaN where missing (nullable dtypes too)."""
    return np.column_stack(
        [frame[name].to_numpy(dtype=np.float64, na_value=np.nan) for name in frame.columns]
    )


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
    (real, synthetic), frames = _check_frames({"real": real, "synthetic": synthetic})
    if frames:
        distances = []
        for name in real.columns:
            categorical = _is_categorical(real[name])
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
    real, synthetic = _as_2d_float(real, "real"), _as_2d_float(synthetic, "synthetic")
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


def correlation_difference(real, synthetic):
    """Mean absolute difference between the Pearson correlation matrices (off-diagonal).

    For DataFrames, only the numeric columns enter (each pair over the rows where both are
    observed); pairs involving categorical or boolean columns are measured by
    :func:`association_difference`.

    Parameters
    ----------
    real, synthetic : array-like or DataFrame of shape (n, n_features) and (m, n_features)
        Real and synthetic rows; constant columns count as uncorrelated.

    Returns
    -------
    difference : float
        In [0, 2]; 0 when every pairwise correlation is reproduced (also when there are
        fewer than two numeric columns).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import correlation_difference
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(1000, 1))
    >>> real = np.hstack([z, z + 0.1 * rng.normal(size=(1000, 1))])
    >>> round(correlation_difference(real, rng.normal(size=(1000, 2))), 1)
    1.0
    """
    (real, synthetic), frames = _check_frames({"real": real, "synthetic": synthetic})
    if frames:
        numeric = [name for name in real.columns if not _is_categorical(real[name])]
        if len(numeric) < 2:
            return 0.0
        import pandas as pd  # present: the arguments are DataFrames

        # pandas' corr() uses, for each pair, the rows where both columns are observed.
        correlations = [
            np.nan_to_num(pd.DataFrame(_numeric_matrix(frame[numeric])).corr().to_numpy())
            for frame in (real, synthetic)
        ]
        off_diagonal = ~np.eye(len(numeric), dtype=bool)
        return float(np.abs(correlations[0] - correlations[1])[off_diagonal].mean())
    real, synthetic = _as_2d_float(real, "real"), _as_2d_float(synthetic, "synthetic")
    n = real.shape[1]
    if n < 2:
        return 0.0
    off_diagonal = ~np.eye(n, dtype=bool)

    def correlations(X):
        with np.errstate(invalid="ignore", divide="ignore"):
            C = np.corrcoef(X, rowvar=False)
        return np.nan_to_num(C)

    return float(np.abs(correlations(real) - correlations(synthetic))[off_diagonal].mean())


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
        Paired values of two categorical columns, without missing values.

    Returns
    -------
    v : float
        In [0, 1].

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
    a_codes, n_a = _codes(a)
    b_codes, n_b = _codes(b)
    if len(a_codes) != len(b_codes):
        raise ValueError(f"a and b must be paired samples; got {len(a_codes)} and {len(b_codes)}")
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
        Values of a categorical column, without missing values.
    values : array-like of shape (n,)
        The paired values of a numeric column.

    Returns
    -------
    eta : float
        In [0, 1].

    Examples
    --------
    >>> from skvae.metrics import correlation_ratio
    >>> correlation_ratio(["a", "a", "b", "b"], [1.0, 1.0, 3.0, 3.0])
    1.0
    >>> correlation_ratio(["a", "a", "b", "b"], [1.0, 3.0, 1.0, 3.0])
    0.0
    >>> correlation_ratio(["a", "a", "b", "b"], [0.0, 2.0, 2.0, 4.0])
    0.7071067811865476
    """
    codes, n_groups = _codes(categories)
    values = np.asarray(values, dtype=np.float64)
    if len(codes) != len(values):
        raise ValueError(
            f"categories and values must be paired samples; got {len(codes)} and {len(values)}"
        )
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
    codes = np.array([lookup.setdefault(v, len(lookup)) for v in np.asarray(values).tolist()])
    return codes.astype(np.intp), len(lookup)


def associations(frame):
    """Associations of every pair of columns of a frame that involves a categorical column.

    Categorical-categorical pairs get Cramér's V (:func:`cramers_v`), categorical-numeric
    pairs the correlation ratio (:func:`correlation_ratio`), each over the rows where both
    columns are observed. Numeric-numeric pairs are left to :func:`correlation_difference`.

    Parameters
    ----------
    frame : DataFrame
        Table with categorical (``category``, ``object``, string, boolean) columns.

    Returns
    -------
    associations : dict
        ``{(column_a, column_b): value in [0, 1]}``, pairs in column order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import associations
    >>> frame = pd.DataFrame({"size": [1.0, 1.0, 3.0, 3.0], "color": ["r", "r", "b", "b"],
    ...                       "flag": [True, False, True, False]})
    >>> associations(frame)
    {('size', 'color'): 1.0, ('size', 'flag'): 0.0, ('color', 'flag'): 0.0}
    """
    if not _is_frame(frame):
        raise ValueError(
            "associations needs a pandas DataFrame whose dtypes say which columns are "
            f"categorical; got {type(frame).__name__}. For numeric arrays use "
            "correlation_difference."
        )
    return _associations(frame, {name: _is_categorical(frame[name]) for name in frame.columns})


def _associations(frame, categorical):
    """associations(frame) with the categorical columns given (by the real frame's dtypes,
    so that a synthetic frame with, say, 0/1 floats for a boolean is measured alike)."""
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
                result[(a, b)] = correlation_ratio(
                    both[cat].astype(object).to_numpy(), both[num].to_numpy(dtype=np.float64)
                )
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
        Real and synthetic rows with the same columns.

    Returns
    -------
    difference : float
        In [0, 1]; 0 when every association is reproduced, and when no pair involves a
        categorical column.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import association_difference
    >>> real = pd.DataFrame({"size": [1.0, 1.0, 3.0, 3.0], "color": ["r", "r", "b", "b"]})
    >>> shuffled = pd.DataFrame({"size": [1.0, 3.0, 1.0, 3.0], "color": ["r", "r", "b", "b"]})
    >>> association_difference(real, real), association_difference(real, shuffled)
    (0.0, 1.0)
    """
    if not (_is_frame(real) and _is_frame(synthetic)):
        raise ValueError(
            "association_difference compares categorical columns, which need pandas "
            f"DataFrames; got {type(real).__name__} and {type(synthetic).__name__}. For "
            "numeric arrays use correlation_difference."
        )
    (real, synthetic), _ = _check_frames({"real": real, "synthetic": synthetic})
    categorical = {name: _is_categorical(real[name]) for name in real.columns}
    real_assoc = _associations(real, categorical)
    synthetic_assoc = _associations(synthetic, categorical)
    if not real_assoc:
        return 0.0
    return float(np.mean([abs(real_assoc[k] - synthetic_assoc[k]) for k in real_assoc]))


def _as_text(X):
    """Categorical columns as strings (missing values become the category "nan"), so that
    OneHotEncoder sees one comparable type whatever the dtype (category, bool, pd.NA)."""
    return np.asarray(X.astype(object).astype(str))


def frame_classifier(frame):
    """The default TSTR classifier for a DataFrame: one-hot categories, scaled numbers.

    Categorical columns (``category``, ``object``, string, boolean) are one-hot encoded
    with ``handle_unknown="ignore"`` (a category the training rows never showed encodes as
    all zeros; a missing value is a category of its own); numeric columns are
    mean-imputed and standardised; a logistic regression classifies.

    Parameters
    ----------
    frame : DataFrame
        Rows whose column dtypes decide the encoding.

    Returns
    -------
    estimator : Pipeline
        Unfitted classifier.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import frame_classifier
    >>> X = pd.DataFrame({"size": [1.0, 2.0, 8.0, 9.0], "color": ["r", "r", "b", "b"]})
    >>> frame_classifier(X).fit(X, [0, 0, 1, 1]).predict(X).tolist()
    [0, 0, 1, 1]
    """
    categorical = [name for name in frame.columns if _is_categorical(frame[name])]
    numeric = [name for name in frame.columns if name not in categorical]
    encoder = ColumnTransformer(
        [
            (
                "categories",
                make_pipeline(
                    FunctionTransformer(_as_text), OneHotEncoder(handle_unknown="ignore")
                ),
                categorical,
            ),
            ("numbers", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
        ]
    )
    return make_pipeline(encoder, LogisticRegression(max_iter=2000))


def tstr_accuracy(
    real_train, y_real_train, synthetic, y_synthetic, real_test, y_real_test, estimator=None
):
    """Train on synthetic, test on real: accuracy against training on real rows.

    Parameters
    ----------
    real_train, y_real_train : array-like or DataFrame, and array-like
        Real training rows and labels (for the train-on-real baseline).
    synthetic, y_synthetic : array-like or DataFrame, and array-like
        Synthetic rows and their labels.
    real_test, y_real_test : array-like or DataFrame, and array-like
        Held-out real rows and labels both classifiers are scored on.
    estimator : classifier, default=None
        Unfitted scikit-learn classifier; default: for arrays, standardised logistic
        regression; for DataFrames, :func:`frame_classifier` (categorical columns one-hot
        encoded). The three tables must be all arrays or all DataFrames with the same
        columns (matched by name).

    Returns
    -------
    scores : dict
        ``{"train_on_real": accuracy, "train_on_synthetic": accuracy}``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvae.metrics import tstr_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> scores = tstr_accuracy(X[::2], y[::2], X[::2], y[::2], X[1::2], y[1::2])
    >>> scores["train_on_real"] == scores["train_on_synthetic"]
    True
    """
    tables, frames = _check_frames(
        {"real_train": real_train, "synthetic": synthetic, "real_test": real_test}
    )
    real_train, synthetic, real_test = tables
    for name, X, y in (
        ("real_train", real_train, y_real_train),
        ("synthetic", synthetic, y_synthetic),
        ("real_test", real_test, y_real_test),
    ):
        if len(X) != len(y):
            raise ValueError(
                f"{name} has {len(X)} rows but its labels have {len(y)}; pass one label per row"
            )
    if estimator is None:
        if frames:
            estimator = frame_classifier(real_train)
        else:
            estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    on_real = clone(estimator).fit(real_train, _labels(y_real_train))
    on_synthetic = clone(estimator).fit(synthetic, _labels(y_synthetic))
    y_test = _labels(y_real_test)
    return {
        "train_on_real": float(on_real.score(real_test, y_test)),
        "train_on_synthetic": float(on_synthetic.score(real_test, y_test)),
    }


def _labels(y):
    """Labels as a plain array: a pandas (categorical) Series becomes its values, so that
    real and synthetic labels compare by value whatever their dtypes."""
    return np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
