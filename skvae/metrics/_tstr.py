"""Train on synthetic, test on real (TSTR): how useful synthetic rows are for a classifier."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from skvae._table._categories import is_missing_value
from skvae.metrics._frames import (
    as_pandas,
    check_frame_columns,
    check_frames,
    is_categorical,
    is_frame,
)
from skvae.metrics._samples import scale_columns


def _as_text(X):
    """Categorical columns as strings, so that OneHotEncoder sees one comparable type
    whatever the dtype (category, bool, pd.NA): a value by what it equals, True, 1 and 1.0
    as "1" (a synthetic 0/1 float column for a real boolean one, as the other metrics read
    it: by their text "True" and "1.0" no real test row matched a synthetic category, and
    the classifier trained on synthetic rows guessed), every missing value as "nan"."""
    return np.frompyfunc(_category_text, 1, 1)(np.asarray(X, dtype=object)).astype(str)


def _category_text(value):
    if is_missing_value(value):
        return "nan"
    if isinstance(value, (bool, np.bool_, numbers.Integral)):
        return str(int(value))
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))
    return str(value)


def frame_classifier(frame):
    """The default TSTR classifier for a DataFrame: one-hot categories, scaled numbers.

    Categorical columns (``category``, ``object``, string, boolean) are one-hot encoded
    with ``handle_unknown="ignore"`` (a category the training rows never showed encodes as
    all zeros; a missing value is a category of its own); numeric columns are
    mean-imputed and standardised (brought near 1 by a power of two first, so that values
    near 1e300 or 1e-300 neither overflow nor underflow); a logistic regression classifies.

    Parameters
    ----------
    frame : DataFrame
        Rows whose column dtypes decide the encoding (a polars DataFrame or a pyarrow
        Table is read as its pandas conversion).

    Returns
    -------
    estimator : Pipeline
        Unfitted classifier.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame (for arrays, the default of
        :func:`tstr_accuracy` scales and classifies the columns as numbers), or has a
        repeated column name.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae.metrics import frame_classifier
    >>> X = pd.DataFrame({"size": [1.0, 2.0, 8.0, 9.0], "color": ["r", "r", "b", "b"]})
    >>> frame_classifier(X).fit(X, [0, 0, 1, 1]).predict(X).tolist()
    [0, 0, 1, 1]
    """
    frame = as_pandas(frame)
    if not is_frame(frame):
        raise ValueError(
            "frame_classifier needs a pandas DataFrame whose dtypes say which columns are "
            f"categorical; got {type(frame).__name__}. For numeric arrays use "
            "make_pipeline(StandardScaler(), LogisticRegression())."
        )
    check_frame_columns(frame, "frame")
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
            ("numbers", make_pipeline(*_number_scaling(SimpleImputer())), numeric),
        ]
    )
    # NumPy output whatever sklearn.set_config(transform_output=...) says: the one-hot
    # encoding is sparse, which pandas output refuses.
    return make_pipeline(encoder, LogisticRegression(max_iter=2000)).set_output(transform="default")


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
        regression (brought near 1 by a power of two per column first, so that values near
        1e300 or 1e-300 do not overflow); for DataFrames, :func:`frame_classifier` (categorical
        columns one-hot encoded). The three tables must be all arrays or all DataFrames
        with the same columns (matched by name).

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
    for name, y in (
        ("real_train", y_real_train),
        ("synthetic", y_synthetic),
        ("real_test", y_real_test),
    ):
        labels = _labels(y).ravel()  # (n, 1) labels and one-column frames too
        missing = _missing_labels(labels)
        if missing.any():
            raise ValueError(
                f"the labels of {name} have {int(missing.sum())} missing value(s); "
                "a classifier needs a label on every row: drop those rows first"
            )
        if name != "real_test" and _n_classes(labels) < 2:
            raise ValueError(
                f"the labels of {name} hold {sorted(set(labels.tolist()), key=str)}, one "
                "class or none, and a classifier needs two: with synthetic rows, draw more of "
                "them, or draw the label with its training shares (condition_on=[label]; "
                "see docs/synthetic_data.rst)"
            )
    if estimator is None:
        if frames:
            estimator = frame_classifier(real_train)
        else:
            estimator = make_pipeline(*_number_scaling(), LogisticRegression(max_iter=2000))
            estimator.set_output(transform="default")
    on_real = clone(estimator).fit(real_train, _labels(y_real_train))
    on_synthetic = clone(estimator).fit(synthetic, _labels(y_synthetic))
    y_test = _labels(y_real_test)
    return {
        "train_on_real": float(on_real.score(real_test, y_test)),
        "train_on_synthetic": float(on_synthetic.score(real_test, y_test)),
    }


def _number_scaling(*steps):
    """Standardisation whatever the units: StandardScaler squares the values, which
    overflows near 1e155 and underflows near 1e-155, so they are first brought near 1."""
    return [PowerOfTwoScaler(), *steps, StandardScaler()]


class PowerOfTwoScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Multiplies each column by the power of two that puts its largest training |value|
    in [0.5, 1): exact, and safe for values near 1e300 or 1e-300, where StandardScaler
    overflows and MaxAbsScaler counts a column below 2e-15 as constant. NaN passes through.

    Examples
    --------
    >>> from skvae.metrics._tstr import PowerOfTwoScaler
    >>> PowerOfTwoScaler().fit([[3e-300], [-1e-300]]).transform([[3e-300], [6e-300]]).round(3)
    array([[0.502],
           [1.005]])
    """

    def fit(self, X, y=None):
        """Learn each column's power of two from the training rows ``X``."""
        self.exponents_ = scale_columns(self._check(X, reset=True))[1]
        return self

    def transform(self, X):
        """``X`` with each column multiplied by its learnt power of two."""
        check_is_fitted(self)
        return np.ldexp(self._check(X, reset=False), -self.exponents_)

    def _check(self, X, reset):
        # validate_data records n_features_in_, which get_feature_names_out (and so
        # set_output) needs.
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")


def _n_classes(labels):
    """Distinct labels (compared as text where they mix types np.unique cannot order)."""
    try:
        return len(np.unique(labels))
    except TypeError:
        return len(np.unique(labels.astype(str)))


def _missing_labels(labels):
    """Which labels are missing (None, NaN, pd.NA, NaT): one vectorised test for numbers,
    one per label only for an object array (2 million labels took 1.5 s that way)."""
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind != "O":
        return np.zeros(labels.shape, dtype=bool)
    return np.fromiter((is_missing_value(v) for v in labels), bool, count=labels.size)


def _labels(y):
    """Labels as a plain array: a pandas (categorical) Series becomes its values, so that
    real and synthetic labels compare by value whatever their dtypes."""
    return np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
