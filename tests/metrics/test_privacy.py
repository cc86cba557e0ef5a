"""skvae.metrics privacy checks: copies are caught, fresh rows pass, and the distance space
treats numeric, categorical and missing values as documented."""

import numpy as np
import pandas as pd
import pytest

from skvae.metrics import distance_to_closest_record, membership_inference_auc


def _normal_tables(seed, n=300, d=4):
    """Training, holdout and fresh synthetic rows: three draws from one distribution."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=(n, d))


def test_exact_copies_are_caught():
    """Synthetic rows that copy training rows give DCR ratio 0, every row closer than the
    holdout, and a membership-inference AUC of 1."""
    train, holdout, _ = _normal_tables(0)
    result = distance_to_closest_record(train, train[::2], holdout)
    assert result["synthetic_median"] == 0.0
    assert result["ratio"] == 0.0
    assert result["share_closer"] == 1.0
    assert np.all(result["synthetic_distances"] == 0.0)
    assert membership_inference_auc(train, holdout, train, random_state=0) == 1.0


def test_copies_are_caught_when_holdout_rows_repeat_training_rows():
    """When 10 % of the holdout rows repeat a training row (the holdout's 5 % quantile is
    0), copies of training rows score share_closer 0.05 / 0.1 = 0.5, not 0 as a strict
    count gave, and rows drawn as the holdout was score 0.05."""
    rng = np.random.default_rng(0)
    train = rng.normal(size=(1000, 3))

    def like_holdout(n):  # fresh rows, and a tenth that repeat training rows
        return np.r_[rng.normal(size=(n - n // 10, 3)), train[rng.choice(1000, n // 10)]]

    holdout = like_holdout(500)
    copies = distance_to_closest_record(train, train, holdout)
    assert copies["share_closer"] == pytest.approx(0.5)
    assert distance_to_closest_record(train, like_holdout(2000), holdout)[
        "share_closer"
    ] == pytest.approx(0.05)


def test_copies_through_float32_rounding_count_as_copies():
    """Copies of training rows rounded to float32 (a network's output; off by about 1e-7
    of their values) are copies: distance 0, share_closer 0.5 where a tenth of the holdout
    repeats training rows and a ratio of 1.0 where over half does (before: share 0.0 and
    ratio inf, both "safe"); rows off by 1e-3 standard deviations are not copies."""
    rng = np.random.default_rng(0)
    train = rng.normal(size=(1000, 3)) * 1000 + 12345.0
    rounded = train.astype(np.float32).astype(np.float64)
    holdout = np.r_[rng.normal(size=(450, 3)) * 1000 + 12345.0, train[:50]]
    result = distance_to_closest_record(train, rounded, holdout)
    assert 0 < np.abs(rounded - train).max() and result["synthetic_median"] == 0.0
    assert result["share_closer"] == pytest.approx(0.5)
    mostly_repeats = np.r_[holdout[:100], train[100:500]]
    assert distance_to_closest_record(train, rounded, mostly_repeats)["ratio"] == 1.0
    nudged = distance_to_closest_record(train, train + 1.0, mostly_repeats)
    assert nudged["synthetic_median"] > 0 and nudged["ratio"] == np.inf


def test_exact_copies_are_at_distance_zero_in_many_dimensions():
    """Copies are at distance exactly 0 also with 40 columns, where the neighbour search is
    brute force and its distances carry rounding noise."""
    rng = np.random.default_rng(1)
    train, holdout = rng.normal(size=(200, 40)), rng.normal(size=(200, 40))
    result = distance_to_closest_record(train, train, holdout)
    assert result["synthetic_distances"].max() == 0.0
    assert membership_inference_auc(train, holdout, train) == 1.0


def test_fresh_draws_pass():
    """Synthetic rows drawn afresh from the training distribution give a DCR ratio near 1,
    about 5% of rows below the holdout's 5th percentile, and an AUC near 0.5."""
    for seed in range(3):
        train, holdout, fresh = _normal_tables(seed)
        result = distance_to_closest_record(train, fresh, holdout)
        # Over 200 seeds of these sizes the ratio had sd 0.04 and the AUC sd 0.023.
        assert 0.85 < result["ratio"] < 1.15
        assert result["share_closer"] < 0.15
        assert abs(membership_inference_auc(train, holdout, fresh, random_state=0) - 0.5) < 0.1


def test_near_copies_show_partial_leakage():
    """Training rows plus small noise land between the two extremes: ratio well below 1,
    AUC well above 0.5 but below 1."""
    train, holdout, _ = _normal_tables(2)
    noise = np.random.default_rng(3).normal(scale=0.2, size=train.shape)
    result = distance_to_closest_record(train, train + noise, holdout)
    auc = membership_inference_auc(train, holdout, train + noise)
    assert 0.4 < result["ratio"] < 0.8
    assert 0.75 < auc < 0.95


def test_distances_are_in_training_standard_deviations():
    """A numeric column counts in units of its training standard deviation, so rescaling a
    column changes no distance, and a constant training column is divided by 1."""
    train = np.array([[0.0, 5.0], [2.0, 5.0]])  # std 1 and a constant column
    synthetic = np.array([[1.0, 5.0], [0.0, 8.0]])
    holdout = np.array([[4.0, 5.0]])
    result = distance_to_closest_record(train, synthetic, holdout)
    np.testing.assert_allclose(result["synthetic_distances"], [1.0, 3.0])
    np.testing.assert_allclose(result["holdout_distances"], [2.0])
    assert result["ratio"] == pytest.approx(1.0)  # median of [1, 3] over 2
    scale = np.array([1000.0, 1.0])
    rescaled = distance_to_closest_record(train * scale, synthetic * scale, holdout * scale)
    np.testing.assert_allclose(rescaled["synthetic_distances"], [1.0, 3.0])


def test_mixed_frame_categories_and_missing_values():
    """On a mixed frame a category mismatch counts one unit, a missing number adds nothing
    (mean-filled), and a missing category differs from every category by one unit."""
    train = pd.DataFrame(
        {"size": [0.0, 2.0], "color": pd.Categorical(["red", "blue"]), "ok": [True, False]}
    )
    synthetic = pd.DataFrame(
        {
            "ok": [True, True, False, True],  # columns matched by name, not position
            "size": [0.0, np.nan, 2.0, 0.0],
            "color": pd.Categorical(["blue", "red", None, "red"]),
        }
    )
    holdout = train.iloc[::-1].reset_index(drop=True)
    result = distance_to_closest_record(train, synthetic, holdout)
    # Row 0: colour wrong (1 unit). Row 1: size missing = mean 1.0, one std from both rows.
    # Row 2: colour missing (1 unit). Row 3: a copy of the first training row.
    np.testing.assert_allclose(result["synthetic_distances"], [1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(result["holdout_distances"], [0.0, 0.0])
    # The holdout repeats the training rows (median 0): the documented ratio is inf when the
    # synthetic median is above 0, and 1 when it is 0 too.
    assert result["ratio"] == np.inf
    assert distance_to_closest_record(train, holdout, holdout)["ratio"] == 1.0


def test_mixed_frame_membership_inference():
    """On a mixed frame with string and categorical columns, copies give AUC 1 and fresh
    draws an AUC near 0.5."""
    rng = np.random.default_rng(4)

    def draw(n):
        return pd.DataFrame(
            {
                "age": rng.normal(40, 12, size=n),
                "job": rng.choice(["a", "b", "c", "d"], size=n).astype(object),
                "city": pd.Categorical(rng.choice(["x", "y", "z"], size=n)),
                "income": rng.lognormal(10, 1, size=n),
            }
        )

    train, holdout, fresh = draw(300), draw(400), draw(300)
    assert membership_inference_auc(train, holdout, train, random_state=0) == 1.0
    assert abs(membership_inference_auc(train, holdout, fresh, random_state=0) - 0.5) < 0.1
    assert 0.85 < distance_to_closest_record(train, fresh, holdout)["ratio"] < 1.15


def test_membership_inference_subsamples_reproducibly():
    """With more holdout rows than training rows the AUC depends only on random_state, and
    equal sizes need no random state at all."""
    train, holdout, fresh = _normal_tables(5)
    big_holdout = np.vstack([holdout, holdout + 0.5])
    a = membership_inference_auc(train, big_holdout, fresh, random_state=1)
    assert a == membership_inference_auc(train, big_holdout, fresh, random_state=1)
    assert a != membership_inference_auc(train, big_holdout, fresh, random_state=2)
    assert membership_inference_auc(train, holdout, fresh, random_state=1) == (
        membership_inference_auc(train, holdout, fresh, random_state=2)
    )


def test_invalid_input_messages():
    """Mismatched columns, empty tables, mixed kinds, infinite values and a bad quantile
    raise errors that name the argument, what was received and what to do."""
    train, holdout, fresh = _normal_tables(0, n=20)
    with pytest.raises(
        ValueError, match="train and synthetic must have the same columns; got 4 and 3"
    ):
        distance_to_closest_record(train, fresh[:, :3], holdout)
    with pytest.raises(
        ValueError, match="train and holdout must have the same columns; got 4 and 5"
    ):
        membership_inference_auc(train, np.hstack([holdout, holdout[:, :1]]), fresh)
    with pytest.raises(
        ValueError, match=r"holdout must be a non-empty 2-D array; got shape \(0, 4\)"
    ):
        distance_to_closest_record(train, fresh, holdout[:0])
    frame = pd.DataFrame(train, columns=list("abcd"))
    with pytest.raises(
        ValueError, match=r"synthetic must have the same columns as train.*lacks \['d'\]"
    ):
        distance_to_closest_record(frame, frame[["a", "b", "c"]], frame)
    with pytest.raises(
        ValueError, match=r"holdout must be a non-empty DataFrame; got shape \(0, 4\)"
    ):
        membership_inference_auc(frame, frame.iloc[:0], frame)
    with pytest.raises(ValueError, match="all as pandas DataFrames or all as arrays"):
        distance_to_closest_record(frame, fresh, holdout)
    with pytest.raises(ValueError, match="synthetic has infinite values in column 2"):
        infinite = fresh.copy()
        infinite[3, 2] = -np.inf
        distance_to_closest_record(train, infinite, holdout)
    text = frame.assign(b=["x"] * 20)
    with pytest.raises(ValueError, match="column 'b' is numeric in train but holds values"):
        distance_to_closest_record(frame, text, frame)
    with pytest.raises(ValueError, match="quantile must be strictly between 0 and 1; got 5"):
        distance_to_closest_record(train, fresh, holdout, quantile=5)
