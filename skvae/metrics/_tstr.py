"""Train on synthetic, test on real (TSTR): how useful synthetic rows are for a classifier."""

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from skvae.metrics._frames import as_pandas, check_frames, is_categorical


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
        Rows whose column dtypes decide the encoding (a polars DataFrame or a pyarrow
        Table is read as its pandas conversion).

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
    frame = as_pandas(frame)
    categorical = [name for name in frame.columns if is_categorical(frame[name])]
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
    tables, frames = check_frames(
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
