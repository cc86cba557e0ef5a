"""sample()'s marginals="auto": numeric columns mapped onto the training marginals."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from skvae import VAETransformer
from skvae._vae._marginals import calibrate_marginals, fit_marginal_quantiles


@pytest.fixture(scope="module")
def fitted():
    # Columns a Gaussian or Student-t decoder cannot reproduce: a skewed one, a spike
    # (exactly 1.0 in 97% of the rows), a two-valued float column, and a plain one that
    # depends on the same factor as the skewed one.
    rng = np.random.default_rng(0)
    n = 800
    z = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "income": np.exp(1 + 0.8 * z + 0.3 * rng.normal(size=n)),
            "flat": np.where(rng.uniform(size=n) < 0.97, 1.0, rng.uniform(0, 5, size=n)),
            "flag": np.where(z + rng.normal(size=n) > 0, 0.05, -0.04),
            "score": z + 0.5 * rng.normal(size=n),
        }
    )
    return VAETransformer(max_iter=60, random_state=0).fit(frame), frame


def ks(frame, synthetic, column):
    return ks_2samp(frame[column], synthetic[column], method="asymp").statistic


def test_calibrated_columns_take_the_training_marginals(fitted):
    """With the default marginals, each column's KS statistic against the training rows
    is at the level of sampling noise, also where the model's own draws are far off."""
    vae, frame = fitted
    calibrated = vae.sample(len(frame), random_state=1)
    model = vae.sample(len(frame), random_state=1, marginals="model")
    for column in frame:
        assert ks(frame, calibrated, column) < 0.07, column
    # The spike and the flag are what the decoder misses: blurred into a continuum.
    assert ks(frame, model, "flat") > 0.3
    assert ks(frame, model, "flag") > 0.15


def test_atoms_and_discrete_values_are_reproduced(fitted):
    """The spike keeps its share of exact 1.0s, the two-valued column takes only its two
    values, and no value leaves the training range."""
    vae, frame = fitted
    synthetic = vae.sample(2000, random_state=2)
    assert np.mean(synthetic["flat"] == 1.0) == pytest.approx(0.97, abs=0.02)
    assert set(synthetic["flag"]) == {0.05, -0.04}
    assert np.mean(synthetic["flag"] == 0.05) == pytest.approx(
        np.mean(frame["flag"] == 0.05), abs=0.05
    )
    for column in frame:
        assert synthetic[column].min() >= frame[column].min()
        assert synthetic[column].max() <= frame[column].max()


def test_calibration_keeps_the_model_ranks(fitted):
    """The map is monotone per column: a row keeps its rank, so rank correlations of
    the model's draws survive it (same seed, same draws before the map)."""
    vae, _ = fitted
    calibrated = vae.sample(1000, random_state=3)
    model = vae.sample(1000, random_state=3, marginals="model")
    for column in ("income", "score"):
        order = np.argsort(model[column].to_numpy(), kind="stable")
        assert np.all(np.diff(calibrated[column].to_numpy()[order]) >= 0)
    spearman = lambda rows: rows[["income", "score"]].corr(method="spearman").iloc[0, 1]  # noqa: E731
    assert spearman(calibrated) == pytest.approx(spearman(model), abs=1e-3)


def test_calibrated_sampling_is_reproducible_and_survives_pickling(fitted):
    """The same random_state gives the same rows, also from an unpickled copy."""
    vae, _ = fitted
    first = vae.sample(50, random_state=4)
    pd.testing.assert_frame_equal(first, vae.sample(50, random_state=4))
    restored = pickle.loads(pickle.dumps(vae))
    pd.testing.assert_frame_equal(first, restored.sample(50, random_state=4))


def test_marginals_errors_say_what_to_do(fitted):
    """A bad marginals value, and "data" where it cannot apply, get clear errors."""
    vae, _ = fitted
    with pytest.raises(ValueError, match="marginals must be 'auto', 'data' or 'model'; got 'x'"):
        vae.sample(2, marginals="x")
    older = pickle.loads(pickle.dumps(vae))
    older._marginal_quantiles = None  # as a model saved before the calibration
    with pytest.raises(ValueError, match="stored no training marginals"):
        older.sample(2, marginals="data")
    # "auto" falls back to the model's own draws there.
    pd.testing.assert_frame_equal(
        older.sample(5, random_state=0), vae.sample(5, random_state=0, marginals="model")
    )


def test_conditional_draws_take_the_training_marginals_too(fitted):
    """Value-conditioned draws come from the calibrated model too: a two-valued column
    takes only its two training values and a positive one stays positive (the model's
    own draws blur both), while the given value is held exactly and the skewed column
    still follows the given score (a higher score, a higher income)."""
    vae, frame = fitted
    given = vae.sample(400, random_state=5, conditions={"score": 1.5})
    pd.testing.assert_frame_equal(
        given, vae.sample(400, random_state=5, conditions={"score": 1.5}, marginals="data")
    )
    model_draws = vae.sample(400, random_state=5, conditions={"score": 1.5}, marginals="model")
    assert set(given["flag"]) <= {0.05, -0.04} and model_draws["flag"].nunique() > 2
    assert (given["score"] == 1.5).all() and given["income"].min() >= frame["income"].min()
    low = vae.sample(400, random_state=5, conditions={"score": -1.5})
    assert given["income"].median() > 2 * low["income"].median()


def test_quantile_map_of_a_small_continuous_column_interpolates():
    """A column of few rows is continuous (interpolated), one with repeated values is
    discrete (only its values); a column with no observed value is left alone."""
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.normal(size=40), rng.choice([1.0, 2.0, 5.0], size=40), np.full(40, np.nan)]
    )
    marginals = fit_marginal_quantiles(X)
    assert marginals["discrete"].tolist() == [False, True, False]
    reference = np.sort(rng.normal(size=(8192, 3)), axis=0)
    values = calibrate_marginals(rng.normal(size=(500, 3)), reference, marginals)
    assert len(np.unique(values[:, 0])) > 100
    assert set(values[:, 1]) <= {1.0, 2.0, 5.0}
    assert len(np.unique(values[:, 2])) == 500  # the input, unchanged


def test_stored_quantiles_equal_numpys_bit_for_bit():
    """The quantiles read off sorted values by index equal np.quantile's ("linear" for a
    continuous column, "inverted_cdf" for a discrete one), missing values left out."""
    rng = np.random.default_rng(1)
    for n in (1, 2, 7, 500, 1198):
        X = np.column_stack(
            [
                rng.normal(size=n),
                rng.exponential(size=n) * 1e3,
                rng.integers(0, 4, size=n).astype(float),
            ]
        )
        X[rng.uniform(size=X.shape) < 0.1] = np.nan
        marginals = fit_marginal_quantiles(X)
        levels = np.linspace(0.0, 1.0, 1001)
        for j in range(3):
            observed = X[~np.isnan(X[:, j]), j]
            if observed.size == 0:
                assert np.isnan(marginals["quantiles"][:, j]).all()
                continue
            method = "inverted_cdf" if marginals["discrete"][j] else "linear"
            expected = np.quantile(observed, levels, method=method)
            np.testing.assert_array_equal(marginals["quantiles"][:, j], expected)
