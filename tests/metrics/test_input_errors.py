"""skvae.metrics refuse inputs they cannot measure with an error that says what was passed
and what is needed: repeated column names, scipy.sparse matrices, tables where one column
is expected, scalars, complex numbers, and columns with no observed value."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skvae.metrics import (
    association_difference,
    associations,
    correlation_difference,
    correlation_ratio,
    cramers_v,
    distance_to_closest_record,
    frame_classifier,
    ks_statistic,
    marginal_distances,
    membership_inference_auc,
    total_variation,
    tstr_accuracy,
)

RNG = np.random.default_rng(0)
A, B, H = RNG.normal(size=(100, 3)), RNG.normal(size=(80, 3)), RNG.normal(size=(60, 3))
VALUES = RNG.normal(size=100)
LABELS = np.where(VALUES > 0, "p", "q")


def _tables(function, *tables):
    """Call a table metric with its required tables (and labels for tstr_accuracy)."""
    if function is tstr_accuracy:
        real, synthetic = tables
        y_real, y_synthetic = np.arange(real.shape[0]) % 2, np.arange(synthetic.shape[0]) % 2
        return function(real, y_real, synthetic, y_synthetic, real, y_real)
    if function in (distance_to_closest_record, membership_inference_auc):
        return function(*tables, tables[1])
    return function(*tables)


TABLE_METRICS = [
    marginal_distances,
    correlation_difference,
    association_difference,
    distance_to_closest_record,
    membership_inference_auc,
    tstr_accuracy,
]


@pytest.mark.parametrize("function", TABLE_METRICS, ids=lambda f: f.__name__)
def test_repeated_column_names_are_refused_by_name(function):
    """Frames with two columns named 'a' get a ValueError naming 'a' (it was an
    AttributeError: 'DataFrame' object has no attribute 'dtype')."""
    real = pd.DataFrame(A, columns=list("aab")).assign(c=LABELS)
    synthetic = pd.DataFrame(B, columns=list("aab")).assign(c=LABELS[:80])
    with pytest.raises(ValueError, match=r"^\w+ has more than one column named 'a'; give each"):
        _tables(function, real, synthetic)


def test_repeated_column_names_in_one_frame_functions():
    """associations and frame_classifier name the repeated column too."""
    frame = pd.DataFrame({"x": VALUES, "y": VALUES, "c": LABELS}).set_axis(list("xxc"), axis=1)
    for function in (associations, frame_classifier):
        with pytest.raises(ValueError, match="frame has more than one column named 'x'"):
            function(frame)


@pytest.mark.parametrize("function", TABLE_METRICS, ids=lambda f: f.__name__)
def test_sparse_tables_are_refused(function):
    """A scipy.sparse matrix is a TypeError that suggests .toarray() (it was "setting an
    array element with a sequence"); association_difference asks for DataFrames."""
    if function is association_difference:
        with pytest.raises(ValueError, match="need pandas DataFrames; got csr_matrix"):
            function(sp.csr_matrix(A), sp.csr_matrix(B))
        return
    message = r"^\w+ is a scipy.sparse csr_matrix; the metrics need dense rows: pass \w+.toarray"
    with pytest.raises(TypeError, match=message):
        _tables(function, sp.csr_matrix(A), sp.csr_matrix(B))


def test_one_column_functions_refuse_tables_scalars_and_sparse():
    """ks_statistic, total_variation, cramers_v and correlation_ratio take 1-D samples: a
    table (it was pooled by ks_statistic, an IndexError or 'unhashable type' elsewhere),
    a scalar (ks_statistic(2.0, 3.0) returned 1.0) and a sparse column are refused."""
    two_columns = np.c_[VALUES, VALUES + 100]
    one_column = LABELS[:, None]
    cases = [
        (ks_statistic, (two_columns, two_columns), "a", r"an array of shape \(100, 2\)"),
        (ks_statistic, (2.0, 3.0), "a", "the scalar 2.0"),
        (total_variation, (one_column, LABELS), "a", r"an array of shape \(100, 1\)"),
        (total_variation, ("p", "q"), "a", "the scalar 'p'"),
        (cramers_v, (LABELS, one_column), "b", r"an array of shape \(100, 1\)"),
        (correlation_ratio, (one_column, VALUES), "categories", r"an array of shape \(100, 1\)"),
        (correlation_ratio, (LABELS, VALUES[:, None]), "values", r"an array of shape \(100, 1\)"),
    ]
    for function, args, name, got in cases:
        message = rf"^{name} must be a 1-D sample \(the values of one column\); got {got}\."
        with pytest.raises(ValueError, match=message):
            function(*args)
    with pytest.raises(TypeError, match="a is a scipy.sparse csr_matrix"):
        ks_statistic(sp.csr_matrix(VALUES[None, :]), VALUES)
    assert ks_statistic(VALUES, VALUES + 100) == 1.0  # one column each: still fine


def test_frame_classifier_refuses_an_array():
    """frame_classifier(ndarray) says it needs a DataFrame (it was an AttributeError)."""
    with pytest.raises(
        ValueError, match="frame_classifier needs a pandas DataFrame .*; got ndarray"
    ):
        frame_classifier(np.c_[VALUES, VALUES])


def test_complex_numbers_are_refused_not_truncated():
    """Complex values are a ValueError giving the dtype, for arrays, frame columns and 1-D
    samples (they were cut to their real part with a ComplexWarning)."""
    message = "has dtype complex128, which the metrics cannot compare"
    with pytest.raises(ValueError, match=f"real {message}"):
        marginal_distances(A + 5j, B)
    with pytest.raises(ValueError, match=f"synthetic {message}"):
        correlation_difference(A, B + 1j * B)
    real = pd.DataFrame(A, columns=list("abc"))
    with pytest.raises(ValueError, match=f"column 'b' of synthetic {message}"):
        distance_to_closest_record(real, real.assign(b=real.b + 1j), real)
    with pytest.raises(ValueError, match=f"column 'x' of frame {message}"):
        associations(pd.DataFrame({"x": VALUES + 1j, "c": LABELS}))
    with pytest.raises(ValueError, match=f"b {message}"):
        ks_statistic(VALUES, VALUES + 1j)
    with pytest.raises(ValueError, match=f"values {message}"):
        correlation_ratio(LABELS, VALUES + 1j)


def test_columns_with_no_observed_value_are_refused_as_marginal_distances_does():
    """A column that is all missing is a ValueError naming the column and table in every
    table metric (correlation_difference returned 0.0, the DCR median 0.0, the attack AUC
    0.5), as marginal_distances already did."""
    missing = A.copy()
    missing[:, 1] = np.nan
    with pytest.raises(ValueError, match="column 1 has no observed value in real; drop it"):
        marginal_distances(missing, B)
    with pytest.raises(ValueError, match="column 1 has no observed value in real; drop it"):
        correlation_difference(missing, B)
    with pytest.raises(ValueError, match="column 1 has no observed value in synthetic"):
        correlation_difference(A, np.where(np.isnan(missing[:80]), np.nan, B))
    with pytest.raises(ValueError, match="column 1 has no observed value in train; drop it"):
        distance_to_closest_record(missing, B, H)
    with pytest.raises(ValueError, match="column 1 has no observed value in holdout"):
        membership_inference_auc(A, missing, B)
    frame = pd.DataFrame({"x": VALUES, "c": LABELS})
    empty = frame.assign(c=None)
    with pytest.raises(ValueError, match="column 'c' has no observed value in synthetic"):
        association_difference(frame, empty)
    with pytest.raises(ValueError, match="column 'c' has no observed value in synthetic"):
        distance_to_closest_record(frame, empty, frame)
    # A partly observed column is fine: its pairs use the rows where both are observed.
    some = missing.copy()
    some[:50, 1] = A[:50, 1]
    off_diagonal = ~np.eye(3, dtype=bool)
    pandas = np.abs(pd.DataFrame(some).corr() - pd.DataFrame(B).corr()).to_numpy()
    assert correlation_difference(some, B) == pytest.approx(pandas[off_diagonal].mean())


def test_tstr_labels_with_holes_or_one_class_get_errors_that_say_which_and_what_to_do():
    """A missing label, or synthetic labels of a single class (a rare class not drawn),
    name the argument and the way out, instead of scikit-learn's "Input contains NaN" or
    "needs samples of at least 2 classes" from inside the classifier."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"labels of real_train have 20 missing value\(s\)"):
        tstr_accuracy(X, pd.array([1, pd.NA] * 20, dtype="Int64"), X, y, X, y)
    with pytest.raises(ValueError, match=r"labels of synthetic hold \[0\], one class or none"):
        tstr_accuracy(X, y, X, np.zeros(40, dtype=int), X, y)
    with pytest.raises(ValueError, match=r"labels of synthetic hold \[0\], one class"):
        tstr_accuracy(X, y, X, pd.DataFrame({"label": np.zeros(40, dtype=int)}), X, y)
    labels = np.where(y == 1, "yes", None)
    with pytest.raises(ValueError, match=r"labels of real_test have \d+ missing"):
        tstr_accuracy(X, y, X, y, X, labels)
