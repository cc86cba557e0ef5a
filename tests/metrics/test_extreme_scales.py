"""skvae.metrics give the same numbers for values near 1e300 or 1e-300 as for the same
rows in ordinary units: the statistics do not depend on a column's scale, and squaring
values that large (or small) must not overflow (or underflow) on the way."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from skvae.metrics import (
    association_difference,
    associations,
    correlation_difference,
    correlation_ratio,
    distance_to_closest_record,
    membership_inference_auc,
    tstr_accuracy,
)

SCALES = [1e-300, 1e-200, 1e200, 1e300]


@pytest.fixture(scope="module")
def tables():
    """Correlated train, synthetic and holdout rows of three columns."""
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(3, 3))
    return [rng.normal(size=(n, 3)) @ mix for n in (100, 80, 60)]


@pytest.mark.parametrize("scale", SCALES)
def test_correlation_difference_does_not_depend_on_the_scale(tables, scale):
    """correlation_difference of rows times 1e±200/300 equals that of the rows (it was 0.0
    at 1e200: the squares overflowed), for arrays, arrays with holes, and frames."""
    real, synthetic, _ = tables
    expected = correlation_difference(real, synthetic)
    assert expected == pytest.approx(0.1398, abs=1e-4)
    assert correlation_difference(real * scale, synthetic * scale) == pytest.approx(expected)
    holes = real.copy()
    holes[::7, 1] = np.nan
    assert correlation_difference(holes * scale, synthetic * scale) == pytest.approx(
        correlation_difference(holes, synthetic)
    )
    frames = [pd.DataFrame(X * scale, columns=list("abc")) for X in (real, synthetic)]
    assert correlation_difference(*frames) == pytest.approx(expected)


def test_a_power_of_two_scale_gives_the_same_bits(tables):
    """Scaling by a power of two changes no bit of a correlation difference."""
    real, synthetic, _ = tables
    assert correlation_difference(real * 2.0**900, synthetic * 2.0**-900) == (
        correlation_difference(real, synthetic)
    )


@pytest.mark.parametrize("scale", SCALES)
def test_correlation_ratio_and_associations_do_not_depend_on_the_scale(scale):
    """eta of values times 1e±200/300 equals eta of the values (it was 1.0 at 1e200), in
    correlation_ratio, associations and association_difference."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=100)
    categories = np.where(values + rng.normal(size=100) > 0, "p", "q")
    expected = correlation_ratio(categories, values)
    assert expected == pytest.approx(0.6204, abs=1e-4)
    assert correlation_ratio(categories, values * scale) == pytest.approx(expected)
    frame = pd.DataFrame({"x": values * scale, "c": categories})
    assert associations(frame)[("x", "c")] == pytest.approx(expected)
    shuffled = frame.assign(c=categories[::-1])
    plain = pd.DataFrame({"x": values, "c": categories})
    assert association_difference(frame, shuffled) == pytest.approx(
        association_difference(plain, plain.assign(c=categories[::-1]))
    )


@pytest.mark.parametrize("scale", SCALES)
def test_privacy_distances_do_not_depend_on_the_scale(tables, scale):
    """Distances to the closest record are in training standard deviations, so rows times
    1e±200/300 give the same distances and the same attack AUC (they were all 0.0)."""
    train, synthetic, holdout = tables
    expected = distance_to_closest_record(train, synthetic, holdout)
    scaled = distance_to_closest_record(train * scale, synthetic * scale, holdout * scale)
    np.testing.assert_allclose(scaled["synthetic_distances"], expected["synthetic_distances"])
    np.testing.assert_allclose(scaled["holdout_distances"], expected["holdout_distances"])
    assert expected["synthetic_median"] > 0.1
    assert membership_inference_auc(
        train * scale, holdout * scale, synthetic * scale, random_state=0
    ) == pytest.approx(membership_inference_auc(train, holdout, synthetic, random_state=0))


def test_one_extreme_training_row_is_measured_not_lost(tables):
    """A training row at -1e300 makes the training standard deviation huge, so the other
    rows are close in those units: the distances shrink as 1/1e300 but keep their ratios,
    as with a row at -1e12 (they were all exactly 0.0, and the AUC 0.5)."""
    train, synthetic, holdout = tables
    results = {}
    for far in (1e12, 1e300):
        extreme = train.copy()
        extreme[0] = -far
        result = distance_to_closest_record(extreme, synthetic, holdout)
        auc = membership_inference_auc(extreme, holdout, synthetic, random_state=0)
        results[far] = (result["synthetic_distances"] * far, result["ratio"], auc)
    np.testing.assert_allclose(results[1e300][0], results[1e12][0], rtol=1e-6)
    assert results[1e300][0].min() > 0.1
    assert results[1e300][1] == pytest.approx(results[1e12][1])
    assert results[1e300][2] == results[1e12][2]


def test_distances_too_large_for_float64_are_an_error(tables):
    """A synthetic value 1e600 training standard deviations out has no float64 distance:
    a ValueError names the table and the column."""
    train, synthetic, holdout = tables
    far = synthetic.copy()
    far[:, 1] *= 1e300  # the training values are near 1e-300
    with pytest.raises(ValueError, match="synthetic has values in column 1 too many training"):
        distance_to_closest_record(train * 1e-300, far, holdout * 1e-300)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_tstr_accuracy_does_not_depend_on_the_scale(scale):
    """The default TSTR classifiers give the same accuracies on iris times 1e±300 as on
    iris (1e300 raised "Input X contains NaN"; 1e-300 scored 1/3: every column looked
    constant), for arrays and for frames."""
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=list("abcd")).assign(big=np.where(y > 0, "y", "n"))
    for rows in (X, frame):
        scaled = rows * scale if rows is X else rows.assign(**{c: rows[c] * scale for c in "abcd"})
        expected = tstr_accuracy(rows[::2], y[::2], rows[::3], y[::3], rows[1::2], y[1::2])
        assert expected["train_on_real"] > 0.9
        got = tstr_accuracy(scaled[::2], y[::2], scaled[::3], y[::3], scaled[1::2], y[1::2])
        assert got == expected
