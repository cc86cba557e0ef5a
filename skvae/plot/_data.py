"""What the plots of skvae.plot show, without matplotlib: encodings, decodings, samples.

Everything here reads a fitted estimator through its public members only (the protocol in
skvae.plot's docstring). Real, decoded and sampled rows are compared as the estimator's
``to_numeric`` gives them (numbers, booleans as 0/1, a category as its index in
``categories_``); conditions go back to ``decode`` and ``sample`` in the user's values
(a category as its label), as those methods take them.
"""

import warnings
from inspect import signature

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from skvae.metrics import MAX_DISCRETE_VALUES, ks_statistic, total_variation

VAE_METHODS = ("encode", "decode", "to_numeric", "elbo_terms")


def check_not_pipeline(estimator, plot):
    """Refuse a Pipeline with what to pass instead: the plots read one skvae estimator's
    members, and ``check_is_fitted`` called a fitted Pipeline "not fitted yet"."""
    if isinstance(getattr(estimator, "steps", None), list):
        raise TypeError(
            f"{plot} draws one skvae estimator; got a {type(estimator).__name__}: pass its "
            "fitted skvae step (pipeline[-1]), and rows as that step takes them "
            "(pipeline[:-1].transform(X))"
        )


def check_vae(estimator, plot):
    """Check that ``estimator`` is fitted and offers what the VAE plots read (``VAE_METHODS``).

    A VQVAETransformer has no posterior, decoder means or ELBO; only :func:`loss_curves` and
    :func:`anomaly_scores` draw it.
    """
    check_not_pipeline(estimator, plot)
    check_is_fitted(estimator)
    missing = [name for name in VAE_METHODS if not callable(getattr(estimator, name, None))]
    if missing:
        raise TypeError(
            f"{plot} needs a VAE estimator (VAETransformer, VAEImputer or VAEOutlierDetector), "
            f"which offers {', '.join(VAE_METHODS)}; got a {type(estimator).__name__}, which "
            f"has no {', '.join(missing)}. For a VQVAETransformer, draw loss_curves and "
            "anomaly_scores only"
        )


def encode(estimator, X):
    """(posterior locations, rows of X as numbers) of X: ``encode(X)``, ``to_numeric(X)``."""
    check_is_fitted(estimator)
    return estimator.encode(X), estimator.to_numeric(X)


def decode(estimator, Z, conditions=None):
    """Decoder means of latent rows Z as full numeric rows (see :func:`as_numeric`).

    ``conditions`` are in the user's values (see :func:`conditions_of`); a categorical
    column holds its most probable category's index.
    """
    check_is_fitted(estimator)
    return as_numeric(estimator, estimator.decode(Z, conditions))


def as_numeric(estimator, table):
    """Rows the estimator generated (``decode``, ``sample``) as floats, via ``to_numeric``."""
    if (
        hasattr(table, "columns")
        and getattr(estimator, "feature_names_in_", None) is None
        and all(isinstance(label, str) for label in table.columns)
    ):
        # Fitted on a frame whose column labels are neither all strings nor ints, floats
        # or tuples (dates, say): the generated frame names its columns x0, x1, ..., and
        # to_numeric would warn about feature names it never saw. Positional labels carry
        # no names, so nothing to warn about. Ints and the like come back as they were
        # fitted, and to_numeric reads them by those labels.
        table = table.set_axis(range(table.shape[1]), axis=1)
    return estimator.to_numeric(table)


def data_columns(estimator):
    """Indices of the modelled (non-condition) columns."""
    return np.setdiff1d(np.arange(estimator.n_features_in_), estimator.condition_columns_)


def output_column_labels(estimator):
    """Column labels as the estimator's generated rows carry them: ``feature_names_in_``,
    else the columns of a decoded frame (the labels of a frame whose column labels are
    not all strings, such as ints), else x0, x1, ... for a model fitted on an array."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return list(names)
    placeholder = None
    if len(estimator.condition_columns_):
        # Any valid condition values: only the labels of the decoded frame are read.
        values = np.zeros((1, len(estimator.condition_columns_)))
        for k, j in enumerate(estimator.condition_columns_):
            seen = estimator.condition_categories_[k]
            if estimator.column_kinds_[j] != "categorical" and seen is not None:
                values[0, k] = seen[0]
        placeholder = condition_labels(estimator, values)[0]
    with warnings.catch_warnings():
        # The placeholder may be a declared category no training row had: no matter here.
        warnings.simplefilter("ignore", UserWarning)
        decoded = estimator.decode(np.zeros((1, estimator.n_components_)), placeholder)
    if hasattr(decoded, "columns") and len(decoded.columns) == estimator.n_features_in_:
        return list(decoded.columns)
    return [f"x{j}" for j in range(estimator.n_features_in_)]


def feature_names(estimator):
    """Column names as text (see :func:`output_column_labels`), for titles and ticks."""
    return [str(name) for name in output_column_labels(estimator)]


def standardised(estimator, rows):
    """Modelled columns of full rows as (x - mean_) / scale_, comparable across features."""
    return (rows[:, data_columns(estimator)] - estimator.mean_) / estimator.scale_


def heatmap_cells(estimator, rows):
    """(values, texts) of a heatmap of full numeric rows, modelled columns only.

    values: numeric and 0/1 columns as (x - mean_) / scale_ (0/1 columns stay 0 and 1);
    categorical columns NaN, off the colour scale, since a category's index is no
    position on it. texts: a categorical cell's category name ("" elsewhere).
    """
    columns = data_columns(estimator)
    values = standardised(estimator, rows)
    texts = np.full(values.shape, "", dtype=object)
    for k, j in enumerate(columns):
        if estimator.column_kinds_[j] == "categorical":
            observed = ~np.isnan(rows[:, j])
            names = estimator.categories_[j][rows[observed, j].astype(int)]
            texts[observed, k] = [str(name)[:8] for name in names]
            values[:, k] = np.nan
    return values, texts


def marginal_distance(real, sampled):
    """("TV", distance) when both samples are discrete on the real values, else ("KS", ...).

    skvae.metrics.marginal_distances picks total variation from the real column alone; a
    continuous likelihood samples values between the real ones (digit pixels are integers,
    samples are not), and the total variation is then 1 whatever the fit.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.plot._data import marginal_distance
    >>> marginal_distance(np.array([0.0, 1.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    ('TV', 0.25)
    >>> marginal_distance(np.array([0.0, 1.0]), np.array([0.5, 0.5]))[0]
    'KS'
    """
    values = np.unique(real)
    if len(values) <= MAX_DISCRETE_VALUES and np.isin(sampled, values).all():
        return "TV", total_variation(real, sampled)
    return "KS", ks_statistic(real, sampled)


def condition_labels(estimator, C):
    """Numeric condition values C (n, n_conditions) in the user's values: the index of a
    categorical column's category becomes the category (missing entries stay NaN)."""
    values = np.asarray(C, dtype=np.float64).astype(object)
    for k, j in enumerate(estimator.condition_columns_):
        if estimator.column_kinds_[j] == "categorical":
            observed = ~np.isnan(C[:, k])
            values[observed, k] = estimator.categories_[j][C[observed, k].astype(int)]
    return values


def conditions_of(estimator, rows):
    """Condition values of numeric rows in the user's values, or None when unconditional."""
    if not len(estimator.condition_columns_):
        return None
    return condition_labels(estimator, rows[:, estimator.condition_columns_])


def typical_conditions(estimator, X):
    """One row of condition values typical of X (user's values), or None when unconditional.

    Each condition column's median; where the model needs a value seen in fit (a one-hot
    encoded condition, or a category's index) and the median lies between two, the lower
    median, which is one of X's values.
    """
    columns = estimator.condition_columns_
    if not len(columns):
        return None
    rows = estimator.to_numeric(X)
    typical = np.empty((1, len(columns)))
    for k, j in enumerate(columns):
        values = np.sort(rows[:, j])
        median = np.median(values)
        seen = estimator.condition_categories_[k]
        if estimator.column_kinds_[j] == "categorical":
            seen = np.arange(len(estimator.categories_[j]))
        if seen is not None and not np.isin(median, seen):
            median = values[(len(values) - 1) // 2]
        typical[0, k] = median
    return condition_labels(estimator, typical)[0]


def real_and_sampled(estimator, X, n_samples, random_state):
    """Rows of X (NaN where missing) and as many rows sampled from the model (its own draws,
    not the calibrated marginals of ``sample``'s default), modelled columns only."""
    check_is_fitted(estimator)
    X = estimator.to_numeric(X)
    conditions = conditions_of(estimator, X)
    n = len(X) if n_samples is None else n_samples
    if conditions is not None and n != len(X):
        # Generate under the real rows' own conditions, so the marginals are comparable.
        rng = np.random.default_rng(0)
        conditions = conditions[rng.integers(len(X), size=n)]
    # The model's own draws: the calibrated marginals of sample()'s default match the
    # training rows by construction and would hide what the model gets wrong.
    own = {"marginals": "model"} if "marginals" in signature(estimator.sample).parameters else {}
    sampled = as_numeric(
        estimator, estimator.sample(n, random_state=random_state, conditions=conditions, **own)
    )
    columns = data_columns(estimator)
    real = X[:, columns].astype(np.float64)
    return real, sampled[:, columns].astype(np.float64), columns


def missing_labels(y):
    """The mask of the missing labels (None, NaN, ``pd.NA``) in y, or None if there are none."""
    missing = np.asarray(pd.isna(np.asarray(y)), dtype=bool)
    return missing if missing.any() else None


def label_groups(y):
    """(name, mask) of each group of labels y, sorted, with missing labels (None, NaN,
    ``pd.NA``) last as their own group named "missing".

    Examples
    --------
    >>> from skvae.plot._data import label_groups
    >>> [(name, mask.tolist()) for name, mask in label_groups(["b", None, "a", "b"])]
    [('a', [False, False, True, False]), ('b', [True, False, False, True]), \
('missing', [False, True, False, False])]
    """
    y = np.asarray(y)
    missing = missing_labels(y)
    if missing is None:
        missing = np.zeros(len(y), dtype=bool)
    observed = y[~missing]
    try:
        values = np.unique(observed)
    except TypeError:  # labels of several types (str and int): in the order of their text
        values = sorted(set(observed.tolist()), key=lambda value: (str(value), repr(value)))
    groups = [(str(value), ~missing & (y == value)) for value in values]
    if missing.any():
        groups.append(("missing", missing))
    return groups


def first_rows(X, n_rows):
    """The first ``n_rows`` rows of a table as it is: a pandas DataFrame, polars DataFrame
    or pyarrow Table stays one (with its column names and dtypes), anything else becomes
    an array.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.plot._data import first_rows
    >>> first_rows(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), 2)["x"].tolist()
    [1.0, 2.0]
    >>> first_rows([[1.0], [2.0], [3.0]], 1).tolist()
    [[1.0]]
    """
    if hasattr(X, "iloc"):
        return X.iloc[:n_rows]
    if hasattr(X, "schema") and hasattr(X, "slice"):  # polars DataFrame, pyarrow Table
        return X.slice(0, n_rows)
    return np.asarray(X)[:n_rows]
