"""skvae.metrics on missing, infinite and mismatched values, and on polars and pyarrow
frames: arrays and frames of every library give the same numbers."""

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from scipy.stats import ks_2samp

from skvae.metrics import (
    association_difference,
    associations,
    correlation_difference,
    correlation_ratio,
    cramers_v,
    distance_to_closest_record,
    ks_statistic,
    marginal_distances,
    total_variation,
    tstr_accuracy,
)


def _correlated_with_holes():
    """Three columns (the first two correlated), and a copy with 10% of column 0 and one
    cell of column 1 missing."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(1000, 1))
    full = np.hstack([z, z + 0.1 * rng.normal(size=(1000, 1)), rng.normal(size=(1000, 1))])
    holes = full.copy()
    holes[::10, 0] = np.nan
    holes[0, 1] = np.nan
    return full, holes


def test_arrays_leave_missing_values_out_as_frames_do():
    """Arrays with NaN give the frame results: per-column KS of the observed values and
    pairwise-complete correlations; an exact copy, holes included, gives 0."""
    full, holes = _correlated_with_holes()
    as_arrays = marginal_distances(holes, full)
    np.testing.assert_array_equal(
        as_arrays, marginal_distances(pd.DataFrame(holes), pd.DataFrame(full))
    )
    # Column 0 keeps 900 of 1000 values: KS of those against all 1000, not the 0.1 that
    # counting the 100 NaN as values above every number gave.
    assert as_arrays[0] == pytest.approx(
        ks_2samp(holes[~np.isnan(holes[:, 0]), 0], full[:, 0]).statistic
    )
    assert 0.005 < as_arrays[0] < 0.02
    assert as_arrays[2] == 0.0
    np.testing.assert_array_equal(marginal_distances(holes, holes), [0.0, 0.0, 0.0])

    frames = correlation_difference(pd.DataFrame(holes), pd.DataFrame(full))
    assert correlation_difference(holes, full) == pytest.approx(frames, rel=1e-12)
    assert correlation_difference(holes, full) < 0.005  # it was 0.366 with NaN rows kept
    assert correlation_difference(holes, holes) == 0.0


def test_ks_statistic_and_total_variation_ignore_missing_values():
    """NaN (and None, pd.NA in categories) are left out of each sample."""
    assert ks_statistic([1, 2, 3, np.nan], [1, 2, 3]) == 0.0
    assert ks_statistic([0.0, np.nan, np.nan], [1.0]) == 1.0
    assert ks_statistic([1.0, 2.0, np.nan], [2.0, 3.0, 4.0, np.nan]) == pytest.approx(2 / 3)
    assert total_variation([0.0, 1.0, np.nan], [0.0, 1.0]) == 0.0
    assert total_variation(["a", "b", None, np.nan], ["a", "b"]) == 0.0
    assert total_variation(["a", "b", pd.NA], ["a", "a"]) == 0.5
    # Infinite values are values: above (or below) every finite one.
    assert ks_statistic([1.0, np.inf], [1.0, 2.0]) == 0.5
    assert total_variation([1.0, np.inf], [1.0, np.inf]) == 0.0


def test_empty_or_all_missing_samples_raise():
    """A sample or column with no observed value raises a ValueError naming it, as a frame
    column with no observed value does."""
    with pytest.raises(ValueError, match="^a has no observed value"):
        ks_statistic([], [1.0])
    with pytest.raises(ValueError, match="^b has no observed value"):
        ks_statistic([1.0], [np.nan, np.nan])
    with pytest.raises(ValueError, match="^a has no observed value"):
        total_variation([None], ["x"])
    real = np.array([[1.0, 2.0], [3.0, 4.0]])
    fake = np.array([[1.0, np.nan], [3.0, np.nan]])
    with pytest.raises(
        ValueError, match="^column 1 has no observed value in synthetic; drop it from both arrays"
    ):
        marginal_distances(real, fake)
    with pytest.raises(
        ValueError, match="^column 1 has no observed value in synthetic; drop it from both frames"
    ):
        marginal_distances(pd.DataFrame(real), pd.DataFrame(fake))


def test_infinite_values_raise_where_a_correlation_needs_a_number():
    """correlation_difference (arrays and frames), correlation_ratio and the associations
    raise on +-inf, naming the table and column, instead of a made-up correlation."""
    full, _ = _correlated_with_holes()
    infinite = full.copy()
    infinite[5, 2] = -np.inf
    with pytest.raises(ValueError, match="^synthetic has infinite values in column 2; replace"):
        correlation_difference(full, infinite)
    with pytest.raises(ValueError, match="^real has infinite values in column 'c'; replace"):
        correlation_difference(
            pd.DataFrame(infinite, columns=list("abc")), pd.DataFrame(full, columns=list("abc"))
        )
    with pytest.raises(ValueError, match="^values has infinite values"):
        correlation_ratio(["a", "b"], [1.0, np.inf])
    frame = pd.DataFrame({"size": [1.0, np.inf, 2.0], "color": ["r", "b", "b"]})
    with pytest.raises(ValueError, match="^frame has infinite values in column 'size'"):
        associations(frame)
    with pytest.raises(ValueError, match="^synthetic has infinite values in column 'size'"):
        association_difference(frame.replace(np.inf, 3.0), frame)
    # An infinite value in a lone numeric column enters no correlation: no error.
    assert correlation_difference(infinite[:, 2:], full[:, 2:]) == 0.0


def test_correlation_ratio_and_cramers_v_leave_out_incomplete_pairs():
    """A pair with a missing value in either sample is left out: the result equals that of
    the complete pairs, not the 1.0 that min(1, nan) gave."""
    categories = ["a", "a", "b", "b", "b", None]
    values = [1.0, np.nan, 1.0, 3.0, 2.0, 7.0]
    # Complete pairs: a -> [1], b -> [1, 3, 2] around the mean 7/4: between-group sum of
    # squares 0.5625 + 3 * 0.0625 = 0.75, total 0.5625 * 2 + 1.5625 + 0.0625 = 2.75.
    eta = correlation_ratio(categories, values)
    assert eta == correlation_ratio(["a", "b", "b", "b"], [1.0, 1.0, 3.0, 2.0])
    assert eta == pytest.approx(np.sqrt(0.75 / 2.75))
    assert correlation_ratio(np.array([0.0, np.nan, 1.0]), [1.0, 5.0, 3.0]) == 1.0
    assert correlation_ratio([None, "a"], [1.0, np.nan]) == 0.0  # no complete pair
    a, b = ["x", "x", "y", "y", None, np.nan], ["p", "p", "q", "q", "p", "q"]
    # Complete pairs: a determines b, V = 1. As a category of its own, a's missing value
    # (with b p and q) made the table [[2, 0], [0, 2], [1, 1]]: chi2 = 4, V = sqrt(2/3).
    assert cramers_v(a, b) == 1.0
    assert cramers_v(["x", None], [None, "p"]) == 0.0


def test_correlation_difference_needs_the_same_number_of_columns():
    """Arrays with different column counts raise marginal_distances' error, not numpy's
    broadcast error."""
    with pytest.raises(
        ValueError, match="^real and synthetic must have the same columns; got 3 and 2"
    ):
        correlation_difference(np.ones((5, 3)), np.ones((5, 2)))
    with pytest.raises(
        ValueError, match="^real and synthetic must have the same columns; got 1 and 2"
    ):
        correlation_difference(np.ones((5, 1)), np.ones((5, 2)))


def test_strings_against_numbers_raise_in_both_directions():
    """A column of strings in one frame and numbers in the other raises, whichever is the
    real frame (a string real column against int synthetic gave a silent 1.0)."""
    strings = pd.DataFrame({"city": ["a", "b", "a"]})
    numbers = pd.DataFrame({"city": [1, 2, 1]})
    with pytest.raises(
        ValueError,
        match="column 'city' holds no numbers in real .* give both frames the same dtypes",
    ):
        marginal_distances(strings, numbers)
    with pytest.raises(
        ValueError, match="column 'city' is numeric in real .* give both frames the same dtypes"
    ):
        marginal_distances(numbers, strings)
    # Kinds still follow real's dtypes where values can match: booleans against 0/1 floats.
    flags = pd.DataFrame({"city": [True, False, True]})
    np.testing.assert_array_equal(marginal_distances(flags, flags.astype(float)), [0.0])


def _polars_tables():
    """A mixed polars frame with nulls and a synthetic one with its columns reordered."""
    rng = np.random.default_rng(1)
    n = 60
    size = rng.normal(size=n)
    real = pl.DataFrame(
        {
            "size": size,
            "weight": 2 * size + rng.normal(size=n),
            "count": pl.Series(rng.integers(0, 4, n).tolist()).cast(pl.Int64),
            "city": rng.choice(["paris", "rome", "oslo"], n).tolist(),
            "kind": pl.Series(rng.choice(["u", "v"], n).tolist()).cast(pl.Categorical),
            "flag": (size > 0).tolist(),
        }
    ).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(None)
        .otherwise(pl.col("weight"))
        .alias("weight"),
        pl.when(pl.int_range(pl.len()) % 9 == 0).then(None).otherwise(pl.col("city")).alias("city"),
    )
    synthetic = real.sample(fraction=1.0, shuffle=True, seed=0).with_columns(
        pl.col("size") + 0.3, pl.col("city").reverse()
    )
    return real, synthetic.select(list(reversed(synthetic.columns)))


def test_polars_and_pyarrow_frames_give_the_pandas_results():
    """polars DataFrames and pyarrow Tables are matched by column name and read as pandas:
    every metric gives what it gives on the same frames converted by pandas."""
    real, synthetic = _polars_tables()
    real_pd, synthetic_pd = real.to_pandas(), synthetic.to_pandas()
    distances = marginal_distances(real, synthetic)
    np.testing.assert_array_equal(distances, marginal_distances(real_pd, synthetic_pd))
    assert distances[0] > 0.1 and distances[2] == 0.0  # size shifted, counts only reordered
    assert correlation_difference(real, synthetic) == correlation_difference(real_pd, synthetic_pd)
    assert association_difference(real, synthetic) == association_difference(real_pd, synthetic_pd)
    assert associations(real) == associations(real_pd)
    dcr, dcr_pd = (
        distance_to_closest_record(r, s, r)["synthetic_median"]
        for r, s in ((real, synthetic), (real_pd, synthetic_pd))
    )
    assert dcr == dcr_pd > 0
    labels = real["flag"].to_numpy()
    features = ["size", "weight", "count", "city", "kind"]
    assert tstr_accuracy(
        real.select(features),
        labels,
        synthetic.select(features),
        labels,
        real.select(features),
        labels,
    ) == tstr_accuracy(
        real_pd[features], labels, synthetic_pd[features], labels, real_pd[features], labels
    )
    # Reordered columns of the same rows are the same table, not other columns.
    np.testing.assert_array_equal(marginal_distances(real, real.select(real.columns[::-1])), 0.0)
    table = real.to_arrow()
    np.testing.assert_array_equal(marginal_distances(table, synthetic.to_arrow()), distances)
    assert isinstance(table, pa.Table)
    with pytest.raises(ValueError, match="all as pandas DataFrames or all as arrays"):
        marginal_distances(real, real_pd.to_numpy())


@pytest.mark.parametrize("output", ["pandas", "polars"])
def test_tstr_accuracy_ignores_the_global_transform_output(output):
    """tstr_accuracy gives the same scores, with no warning, under
    sklearn.set_config(transform_output="pandas" or "polars"): its classifiers keep NumPy
    output (the sparse one-hot encoding of a frame's categories refused pandas output)."""
    import warnings

    import sklearn

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"size": rng.normal(size=200), "color": pd.Categorical(rng.choice(["r", "b"], 200))}
    )
    y = (frame["size"] + (frame["color"] == "r") > 0.5).to_numpy()
    args = (frame[::2], y[::2], frame[1::4], y[1::4], frame[3::4], y[3::4])
    arrays = (frame[["size"]].to_numpy(),) * 3
    array_args = (arrays[0][::2], y[::2], arrays[0][1::4], y[1::4], arrays[0][3::4], y[3::4])
    expected = tstr_accuracy(*args), tstr_accuracy(*array_args)
    with sklearn.config_context(transform_output=output), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (tstr_accuracy(*args), tstr_accuracy(*array_args)) == expected
    assert expected[0]["train_on_real"] > 0.8


def test_tstr_reads_a_synthetic_category_by_value_whatever_its_dtype():
    """Synthetic rows equal to the real ones but with a boolean flag as 0.0/1.0, or an
    int category as floats, train as well as the real rows (accuracy 1.0 where the flag
    is the label; before: 0.555, the text "1.0" matching no real "True"), as the other
    metrics read them; missing values of any kind are one category."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    real = pd.DataFrame({"b": y.astype(bool), "z": rng.normal(size=200)})
    for synthetic in (real.assign(b=y.astype(float)), real.assign(b=pd.Categorical(y))):
        scores = tstr_accuracy(real, y, synthetic, y, real, y)
        assert scores == {"train_on_real": 1.0, "train_on_synthetic": 1.0}
    coded = pd.DataFrame({"k": pd.Categorical(y + 1), "z": real["z"]})
    scores = tstr_accuracy(coded, y, coded.assign(k=(y + 1).astype(float)), y, coded, y)
    assert scores["train_on_synthetic"] == 1.0
    holes = pd.DataFrame({"k": pd.array(np.where(y == 1, None, "a"), dtype=object)})
    other = holes.assign(k=pd.array(np.where(y == 1, pd.NA, "a"), dtype="string"))
    assert tstr_accuracy(holes, y, other, y, holes, y)["train_on_synthetic"] == 1.0
