"""Which columns count as constant when skvae standardises X, and what that does to the
density's units."""

import numpy as np
import pytest

from skvae import VAETransformer
from skvae._nn._streaming import chunked_scaling
from skvae._table._scaling import fit_feature_scaling


def test_a_column_of_tiny_spread_around_a_large_mean_keeps_its_own_scale():
    """A spread of 1e-9 around 1, 1e3 or 1e5 is a scale, not rounding: the column is not
    called constant (std <= 1e-8 |mean| gave it another column's scale, and so did
    scikit-learn's n eps |mean| at 1e5), in memory, with holes, or streamed in chunks."""
    rng = np.random.default_rng(0)
    noise = 1e-9 * rng.normal(size=300)
    for offset in [0.0, 1.0, 1e3, 1e5]:
        X = np.c_[rng.normal(size=300), offset + noise]
        holes = X.copy()
        holes[::7, 1] = np.nan
        # At 1e5 float64 holds the 1e-9 spread to two or three digits (ulp 1.5e-11), so
        # sums in another order give another third digit.
        for table in (X, holes):
            _, scale = fit_feature_scaling(table)
            np.testing.assert_allclose(scale[1], np.nanstd(table[:, 1]), rtol=1e-2)
        _, streamed = chunked_scaling(X, np.arange(2), chunk_rows=64)
        np.testing.assert_allclose(streamed[1], noise.std(), rtol=1e-2)


def test_rounding_level_spread_is_constant_and_borrows_the_finest_spread():
    """Copies of 0.1 (std 5e-16 after rounding) and of 1e6 are constant: they borrow the
    smallest standard deviation of the other columns, as exact zeros do."""
    rng = np.random.default_rng(1)
    X = np.c_[3.0 * rng.normal(size=500), 0.5 * rng.normal(size=500)]
    X = np.c_[X, np.full(500, 0.1), np.full(500, 1e6), np.zeros(500)]
    assert X.std(axis=0)[2] > 0  # the rounding the rule must absorb (fit's own sums)
    _, scale = fit_feature_scaling(X)
    np.testing.assert_array_equal(scale[2:], [X.std(axis=0)[1]] * 3)
    _, streamed = chunked_scaling(X, np.arange(5), chunk_rows=64)
    np.testing.assert_allclose(streamed[2:], X.std(axis=0)[1], rtol=1e-12)


def test_score_does_not_change_when_a_constant_is_added_to_a_tiny_column():
    """The held-out density of a table whose last column varies by 1e-9 is the same
    around 0 and around 1e5, as for a Gaussian mixture (it fell by 20 nats per row)."""
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(400, 3)), 1e-9 * rng.normal(size=400)]
    scores = []
    for offset in [0.0, 1e5]:
        shifted = X + [0.0, 0.0, 0.0, offset]
        vae = VAETransformer(max_iter=10, random_state=0).fit(shifted[:300])
        scores.append(vae.score(shifted[300:]))
    assert scores[0] > 10  # the 1e-9 spread's density: about -log(1e-9) - 1.4 = 19.3 nats
    np.testing.assert_allclose(scores[1], scores[0], atol=1e-3)


def test_columns_too_small_or_too_large_to_standardise_are_refused():
    """A column whose values differ by ~1e-170 (its variance underflows float64) is
    refused with the remedy, as one of ~1e300 is: it was taken for a constant column, and
    every row got the same code and score. 1e-150 still fits, as itself times 1e150 does
    up to the log-scale shift of each row's score."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    for factor, words in ((1e-170, "too small"), (1e300, "too large")):
        with pytest.raises(ValueError, match=rf"column\(s\) .*x0.* are {words} to standardise"):
            fit_feature_scaling(X * factor, ["x0", "x1", "x2"])
    tiny = VAETransformer(max_iter=2, random_state=0).fit(X * 1e-150)
    unit = VAETransformer(max_iter=2, random_state=0).fit(X)
    np.testing.assert_allclose(
        tiny.score_samples(X * 1e-150), unit.score_samples(X) + 3 * np.log(1e150), rtol=1e-6
    )
