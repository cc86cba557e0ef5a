"""Columns named by a DataFrame's labels where they are not all strings (ints, tuples):
in ``column_types``, ``condition_on`` and ``sample(conditions=...)``, and in messages."""

import numpy as np
import pandas as pd
import pytest

from skvae import VAETransformer

FAST = dict(max_iter=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")


@pytest.fixture(scope="module")
def shuffled():
    """A frame whose int labels are in another order than the positions: 3, 1, 2, 0."""
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame(
        {
            0: rng.normal(size=n),
            1: rng.normal(size=n) + 100,
            2: rng.poisson(3, n),
            3: rng.normal(size=n) - 100,
        }
    )
    return frame[[3, 1, 2, 0]]


def test_conditions_name_columns_by_their_int_labels(shuffled):
    """conditions={0: 42.0} fixes the column labelled 0 (at position 3), not the column
    at position 0 (labelled 3), which it fixed before."""
    vae = VAETransformer(**FAST).fit(shuffled)
    with pytest.warns(UserWarning, match="outside the training range"):
        rows = vae.sample(5, conditions={0: 42.0}, random_state=0)
    assert list(rows.columns) == [3, 1, 2, 0]
    assert rows[0].tolist() == [42.0] * 5
    assert (rows[3] < -90).all()  # the column labelled 3 is drawn, near -100


def test_column_types_and_condition_on_name_columns_by_their_int_labels(shuffled):
    """column_types={3: ...} retypes the column labelled 3 and condition_on=[0] makes the
    column labelled 0 the condition (both took the int as a position)."""
    typed = VAETransformer(column_types={3: "gaussian", 2: "student_t"}, **FAST).fit(shuffled)
    kinds = dict(zip(shuffled.columns, typed.column_kinds_, strict=True))
    assert kinds == {3: "gaussian", 1: "student_t", 2: "student_t", 0: "student_t"}
    conditioned = VAETransformer(condition_on=[0], **FAST).fit(shuffled)
    assert conditioned.condition_columns_.tolist() == [3]
    rows = conditioned.sample(3, conditions=[0.5], random_state=0)
    assert rows[0].tolist() == [0.5] * 3 and (rows[3] < -90).all()


def test_a_key_that_is_no_label_is_an_error_naming_the_labels():
    """With labels [10, 20], the key 0 is not read as a position: conditions, column_types
    and condition_on raise an error listing the labels (it listed x0, x1 before)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({10: rng.normal(size=60), 20: rng.normal(size=60)})
    vae = VAETransformer(**FAST).fit(frame)
    message = r"a column 0, which is not one of X's column labels \[10, 20\].*labelled 10"
    with pytest.raises(ValueError, match="conditions names " + message):
        vae.sample(2, conditions={0: 1.0})
    with pytest.raises(ValueError, match="column_types names " + message):
        VAETransformer(column_types={0: "gaussian"}, **FAST).fit(frame)
    with pytest.raises(ValueError, match="condition_on names " + message):
        VAETransformer(condition_on=[0], **FAST).fit(frame)
    assert (vae.sample(3, conditions={20: 1.0}, random_state=0)[20] == 1.0).all()


@pytest.mark.parametrize("multi", [True, False], ids=["MultiIndex", "tuples"])
def test_tuple_labels_name_their_columns(multi):
    """A MultiIndex's tuples, or tuple labels, name columns in conditions, column_types
    and condition_on (each was refused, listing x0, x1, ...)."""
    rng = np.random.default_rng(0)
    labels = [("a", 1), ("a", 2), ("b", 2)]
    frame = pd.DataFrame(
        {"x": rng.normal(size=80), "y": rng.normal(size=80), "s": rng.choice(["hi", "lo"], 80)}
    )
    frame.columns = (
        pd.MultiIndex.from_tuples(labels) if multi else pd.Index(labels, tupleize_cols=False)
    )
    vae = VAETransformer(column_types={("a", 2): "gaussian"}, **FAST).fit(frame)
    assert vae.column_kinds_.tolist() == ["student_t", "gaussian", "categorical"]
    rows = vae.sample(4, conditions={("b", 2): "hi"}, random_state=0)
    assert rows[("b", 2)].tolist() == ["hi"] * 4
    conditioned = VAETransformer(condition_on=[("b", 2)], **FAST).fit(frame)
    assert conditioned.condition_columns_.tolist() == [2]
    assert conditioned.sample(2, conditions=["lo"], random_state=0)[("b", 2)].tolist() == [
        "lo",
        "lo",
    ]


def test_messages_name_columns_by_their_labels(shuffled):
    """Errors about one column name it by its label: the all-missing column labelled 3
    (position 0) is [3], not [0]; an unseen category is in column '2', not 'x2'."""
    holes = shuffled.astype(float)
    holes[3] = np.nan
    with pytest.raises(ValueError, match=r"column\(s\) \[3\] have no observed value"):
        VAETransformer(**FAST).fit(holes)
    texts = shuffled.assign(**{}).astype({2: str})
    vae = VAETransformer(**FAST).fit(texts)
    unseen = texts.iloc[:2].copy()
    unseen[2] = "new"
    with pytest.raises(ValueError, match="column '2' has categories not seen during fit"):
        vae.transform(unseen)
    # whiten=True's holes and a condition column's NaN, by label too (position 0 is 3).
    gap = shuffled.astype(float)
    gap.iloc[5, 0] = gap.iloc[6, 3] = np.nan
    with pytest.raises(ValueError, match=r"got NaN in column\(s\) \[3, 0\]\. Impute"):
        VAETransformer(whiten=True, **FAST).fit(gap)
    with pytest.raises(ValueError, match=r"must not have missing values; got NaN .* \[3\]"):
        VAETransformer(condition_on=[3], **FAST).fit(gap)


def test_string_labels_and_arrays_still_take_positions():
    """Frames with string labels and NumPy arrays keep naming columns by position too."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    frame = pd.DataFrame(X, columns=["a", "b"])
    for data in (X, frame):
        vae = VAETransformer(column_types={0: "gaussian"}, condition_on=[1], **FAST).fit(data)
        assert vae.column_kinds_[0] == "gaussian" and vae.condition_columns_.tolist() == [1]
        drawn = np.asarray(VAETransformer(**FAST).fit(data).sample(2, conditions={1: 0.5}))
        assert drawn[:, 1].tolist() == [0.5, 0.5]


def test_a_frame_with_other_labels_or_order_is_refused(shuffled):
    """A frame labelled by ints is read by label: the same columns in another order, or a
    renamed column, are an error naming both label lists (they were read by position: a
    reordered frame scored -27.7 instead of -11.4 nats per row, silently); the labels fit
    saw, in their order, still work."""
    vae = VAETransformer(**FAST).fit(shuffled)
    expected = vae.score_samples(shuffled)
    with pytest.raises(ValueError, match=r"labels \[0, 1, 2, 3\] are not those fit saw, \[3,"):
        vae.score_samples(shuffled[[0, 1, 2, 3]])
    with pytest.raises(ValueError, match=r"labels \[3, 1, 2, 99\] are not those fit saw"):
        vae.transform(shuffled.rename(columns={0: 99}))
    np.testing.assert_array_equal(vae.score_samples(shuffled.copy()), expected)
    # Labels equal in Python but of another type are other labels: 3.0 is not 3.
    with pytest.raises(ValueError, match=r"labels \[3.0, 1.0, 2.0, 0.0\] are not those"):
        vae.transform(shuffled.set_axis([3.0, 1.0, 2.0, 0.0], axis=1))


def test_a_frame_with_string_labels_is_refused_where_fit_saw_ints(shuffled):
    """A frame labelled by strings, given to a model fitted on int labels, is an error
    naming both lists (it was read by position, with scikit-learn's warning only); an
    array is still read by position, as scikit-learn reads it."""
    vae = VAETransformer(**FAST).fit(shuffled)
    named = shuffled.set_axis(["d", "b", "c", "a"], axis=1)
    with pytest.raises(ValueError, match=r"labels \['d', 'b', 'c', 'a'\] are not those fit"):
        vae.score_samples(named)
    np.testing.assert_array_equal(
        vae.score_samples(shuffled.to_numpy()), vae.score_samples(shuffled)
    )


def test_a_nan_label_is_the_same_label_after_fit():
    """A frame with a NaN column label transforms as fitted (NaN != NaN in Python, and the
    label check refused the frame it was fitted on)."""
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=[np.nan, 1.0, 2])
    vae = VAETransformer(**FAST).fit(frame)
    assert np.isfinite(vae.score_samples(frame)).all()


def test_a_frame_that_names_a_column_twice_is_refused():
    """Duplicate column names are skvae's error naming the label and its positions (they
    raised narwhals' DuplicateError from inside scikit-learn)."""
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 3)), columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"names column 'a' twice \(columns 0 and 2\)"):
        VAETransformer(**FAST).fit(frame)
    with pytest.raises(ValueError, match=r"names column nan twice \(columns 1 and 2\)"):
        VAETransformer(**FAST).fit(frame.set_axis(["a", np.nan, np.nan], axis=1))
