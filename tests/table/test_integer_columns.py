"""Whole-number columns: the discretised "integer" kind, a probability per value."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvae import VAEImputer, VAETransformer, VQVAETransformer

FAST = dict(n_components=1, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def poisson():
    """A fitted VAE on one Poisson(3) count column of a DataFrame, and fresh counts."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"count": rng.poisson(3.0, size=600)})
    held_out = pd.DataFrame({"count": rng.poisson(3.0, size=4000)})
    return VAETransformer(**FAST).fit(train), held_out


def test_integer_dtype_columns_get_the_integer_kind_and_probabilities_sum_to_one(poisson):
    """An int64 column is "integer": exp(score_samples) over every whole number sums to 1
    (a probability mass function), unlike a density on the same values."""
    vae, _ = poisson
    assert vae.column_kinds_.tolist() == ["integer"]
    values = pd.DataFrame({"count": np.arange(-30, 80)})
    total = np.exp(vae.score_samples(values)).sum()
    # Importance sampling estimates each p(x) with a little noise: 1% of slack.
    assert total == pytest.approx(1.0, abs=0.01)


def test_held_out_log_probability_approaches_the_true_poisson_entropy(poisson):
    """The mean held-out log P(x) is within 0.08 nats of the best possible, -H(Poisson(3)),
    and never above it by more than the importance-sampling noise."""
    vae, held_out = poisson
    best = -stats.poisson(3.0).entropy()  # -1.932 nats
    assert best - 0.08 < vae.score(held_out) < best + 0.02


def test_probabilities_are_censored_at_the_training_range(poisson):
    """Counts are never negative: the training range [low, high] holds all of the
    logistic share's mass (a value below or above it keeps only the Cauchy share, at least
    0.1% of the mass, so it costs a finite price), and the lowest value, 0, gains the mass
    that would lie below it: its probability is above the uncensored model's."""
    vae, held_out = poisson
    low, high = held_out["count"].min(), vae._column_schema["columns"][0]["high"]
    assert low == 0
    values = pd.DataFrame({"count": np.arange(-30, 80)})
    p = np.exp(vae.score_samples(values))
    outside = p[values["count"] < 0].sum() + p[values["count"] > high].sum()
    assert outside < 0.01
    assert np.all(np.isfinite(np.log(p)))
    # The same weights as a model saved before the censoring (no bounds in its state).
    state = vae.__getstate__()
    del state["_integer_bounds"]
    uncensored = VAETransformer.__new__(VAETransformer)
    uncensored.__setstate__(state)
    zero = pd.DataFrame({"count": [0]})
    assert vae.score_samples(zero)[0] > uncensored.score_samples(zero)[0] + 0.05


def test_a_model_fitted_before_the_floor_in_units_keeps_its_floor(poisson):
    """The same weights as a model saved before the scale floor was in X's units (no flag
    in its state) keep the floor they were trained with, var_floor of the column's
    variance (0.1 standard deviations), and score as they did; a new fit floors at 0.1
    of a unit, and its state says so."""
    vae, held_out = poisson
    state = vae.__getstate__()
    assert state.pop("_integer_floor_in_units") is True
    before = VAETransformer.__new__(VAETransformer)
    before.__setstate__(state)
    scale = vae.scale_[0]
    assert scale > 1  # the counts spread over more than a unit: the floors differ
    raw = np.full((1, 1), -60.0)
    floors = [
        np.exp(0.5 * model._model.layout.observations[0].floor_numpy(raw))[0, 0] * scale
        for model in (vae, before)
    ]
    np.testing.assert_allclose(floors, [0.1, 0.1 * scale], rtol=1e-5)
    assert not np.array_equal(vae.score_samples(held_out), before.score_samples(held_out))


def test_integer_columns_within_a_unit_keep_the_densities_floor_bit_for_bit():
    """Where no integer column spreads over more than a unit (a year of three values), the
    floor in units is the densities' floor, computed in the same graph: the scores are
    those of the same weights under the old floor, bit for bit."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=200)
    frame = pd.DataFrame(
        {"x": z, "year": np.clip(np.round(z * 0.7), -1, 1).astype(np.int64) + 2008}
    )
    vae = VAETransformer(max_iter=5, random_state=0).fit(frame)
    assert vae.column_kinds_[1] == "integer" and vae.scale_[1] < 1
    state = vae.__getstate__()
    del state["_integer_floor_in_units"]
    before = VAETransformer.__new__(VAETransformer)
    before.__setstate__(state)
    np.testing.assert_array_equal(vae.score_samples(frame), before.score_samples(frame))


def test_the_log_probability_is_the_mixture_mass_of_the_bin_in_the_users_units():
    """With a column scale of 5, P(x) = (1 - w) L(x) + w C(x), the logistic and Cauchy
    masses of [x - 1/2, x + 1/2] in X's units: the layout's term, in scaled units, has no
    log-Jacobian. Checked at the smallest and at an even tail weight."""
    from keras import ops

    from skvae._nn._layout import ColumnLayout
    from skvae._nn.observations.continuous.integer import MIN_TAIL_WEIGHT

    scale, centre = 5.0, 10.0
    layout = ColumnLayout(["integer"], [0], 1, np.log([scale]), 0.01)
    counts = np.array([[3.0], [10.0], [31.0], [900.0]])
    loc, log_var = 0.2, np.log(0.3**2)  # scaled units
    # In X's units both laws have location centre + scale * loc and scale scale * s, the
    # squared scale floored at var_floor in X's units (0.01 / scale**2 in scaled units).
    location, width = centre + scale * loc, np.sqrt((scale * 0.3) ** 2 + 0.01)
    for raw, weight in ((-40.0, MIN_TAIL_WEIGHT), (0.0, 0.5 + 0.5 * MIN_TAIL_WEIGHT)):
        params = np.tile([[loc, log_var, raw]], (4, 1)).astype("float32")
        mask = np.ones((4, 1), dtype="float32")
        log_p = ops.convert_to_numpy(layout.log_prob((counts - centre) / scale, params, mask))
        masses = [
            law.sf(counts[:, 0] - 0.5) - law.sf(counts[:, 0] + 0.5)
            for law in (stats.logistic(location, width), stats.cauchy(location, width))
        ]
        expected = np.log((1 - weight) * masses[0] + weight * masses[1])
        np.testing.assert_allclose(log_p, expected, rtol=2e-4)


def test_the_scale_floor_is_var_floor_in_the_users_units_between_its_bounds():
    """The squared scale's floor is var_floor in X's units (a tenth of a unit for 0.01)
    where that is below var_floor of the column's variance: a column of spread 25 can put
    a row on one value (its floor was 2.5 units, which put 0.10 of the mass on it); a
    column of spread 0.5 keeps the densities' floor and one of spread 1e6 a floor of
    0.001 standard deviations. The NumPy floor (sampling) and the tensor one agree."""
    from keras import ops

    from skvae._nn._layout import ColumnLayout

    spreads = np.array([25.0, 0.5, 1e6])
    layout = ColumnLayout(["integer"] * 3, [0, 0, 0], 1, np.log(spreads), 0.01)
    (observation,) = layout.observations
    raw = np.full((1, 3), -60.0)
    floored = np.exp(0.5 * observation.floor_numpy(raw))[0] * spreads  # X's units
    np.testing.assert_allclose(floored, [0.1, 0.05, 1000.0], rtol=1e-6)
    tensor = ops.convert_to_numpy(observation.floor(raw.astype("float32")))
    np.testing.assert_allclose(tensor, observation.floor_numpy(raw), rtol=1e-5)
    # A row on its value, at the floor: the logistic of scale 0.1 unit puts 0.987 of its
    # mass on the bin (the column of spread 25; 0.10 at the old floor of 2.5 units), that
    # of 0.05 unit 0.9999 (the column of spread 0.5).
    (two,) = ColumnLayout(["integer"] * 2, [0, 0], 1, np.log(spreads[:2]), 0.01).observations
    params = np.array([[0.0, 0.0, -60.0, -60.0, -40.0, -40.0]], "float32")
    log_p = two.log_prob_terms(np.zeros((1, 2)), params, np.ones((1, 2)), None)[0]
    assert float(ops.convert_to_numpy(log_p)[0]) > np.log(0.987) + np.log(0.999)


def test_a_column_spanning_a_hundred_million_units_fits_and_scores_as_its_density():
    """An int64 column with a range of 1e8 (amounts in cents), whose one-unit bins are
    narrower than float32's spacing in scaled units, fits (it diverged: both edges of a
    bin rounded to one number, and the bin's mass to 0) and gets log P(x) finite, within
    the log of the unit bin of a continuous density of the same values: about
    log(1 / (range)) per row for uniform values."""
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"a": rng.normal(size=n), "cents": rng.integers(0, 10**8, n)})
    vae = VAETransformer(max_iter=30, random_state=0).fit(frame[:300])
    assert vae.column_kinds_[1] == "integer"
    scores = vae.score_samples(frame[300:])
    assert np.all(np.isfinite(scores))
    # N(0, 1) and uniform on [0, 1e8): -1.42 - 18.42 = -19.84 nats per row at best.
    best = -0.5 * np.log(2 * np.pi * np.e) - np.log(1e8)
    assert best - 1.5 < scores.mean() < best + 0.3
    draws = vae.sample(200, random_state=0)["cents"]
    assert draws.dtype == np.int64 and draws.between(0, 10**8).all()


def test_bin_masses_of_bins_narrower_than_float32_spacing_are_width_times_density():
    """In float32, a bin 1e-7 wide at x = 1.3 has edges that round to one number: its
    logistic and Cauchy log-masses are still log(width x density) at the centre."""
    from keras import ops

    from skvae._nn.observations.continuous.integer import (
        discretized_cauchy_log_prob,
        discretized_logistic_log_prob,
    )

    x, loc, half_width = np.float32(1.3), np.float32(0.2), np.float32(5e-8)
    log_var = np.float32(np.log(0.25))
    for function, law in (
        (discretized_logistic_log_prob, stats.logistic(0.2, 0.5)),
        (discretized_cauchy_log_prob, stats.cauchy(0.2, 0.5)),
    ):
        log_p = float(ops.convert_to_numpy(function(x, loc, log_var, half_width)))
        expected = np.log(2 * 5e-8) + law.logpdf(1.3)
        assert log_p == pytest.approx(expected, abs=1e-3)


# NumPy 2 warned that a TensorFlow variable's __array__ takes no copy keyword when sample()
# read the column's scale with keras.ops.convert_to_numpy: no such warning from skvae.
@pytest.mark.filterwarnings("error:__array__ implementation:DeprecationWarning")
def test_samples_and_decoded_values_are_whole_numbers_with_the_data_mean(poisson):
    """Draws of an integer column are whole numbers in the training range, with about the
    training mean, and come back as int64, with no NumPy DeprecationWarning."""
    vae, held_out = poisson
    synthetic = vae.sample(3000, random_state=0)
    assert synthetic["count"].dtype == np.int64
    assert synthetic["count"].min() >= 0
    assert synthetic["count"].mean() == pytest.approx(3.0, abs=0.2)
    decoded = vae.inverse_transform(vae.transform(held_out[:50]))
    assert np.array_equal(decoded["count"], np.round(decoded["count"]))


def test_column_types_makes_a_float_column_integer_and_rejects_fractions():
    """column_types={"x": "integer"} models a float column of whole numbers as integers;
    a fraction in such a column is a clear error, in fit and when scoring."""
    rng = np.random.default_rng(0)
    X = rng.poisson(4.0, size=(300, 2)).astype(float)
    vae = VAETransformer(column_types={0: "integer"}, max_iter=3, **FAST).fit(X)
    assert vae.column_kinds_.tolist() == ["integer", "student_t"]
    # A fitted model says so, and that changing the kind means refitting.
    fitted_kind = r"column 'x0' was fitted with kind 'integer'.*holds 2\.5.*or refit with a"
    with pytest.raises(ValueError, match=fitted_kind):
        vae.score_samples([[2.5, 1.0]])
    bad = X.copy()
    bad[7, 0] = 0.25
    with pytest.raises(ValueError, match="round it, or give it a continuous kind"):
        VAETransformer(column_types={0: "integer"}, max_iter=3, **FAST).fit(bad)


def test_an_integer_column_of_an_array_comes_back_whole_and_in_its_training_range():
    """An "integer" column of a NumPy array (column_types) comes back rounded and clipped
    to its training range from every method that returns rows, as a frame's does: it used
    to come back as fractions outside the range (-5.8 to 16.6 for counts in 0..10)."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.poisson(3.0, 300), rng.normal(size=300)]).astype(float)
    low, high = X[:, 0].min(), X[:, 0].max()
    params = dict(n_components=1, max_iter=20, random_state=0)
    vae = VAETransformer(column_types={0: "integer"}, **params).fit(X)
    holes = X.copy()
    holes[::4, 0] = np.nan
    imputer = VAEImputer(column_types={0: "integer"}, **params).fit(holes)
    outputs = {
        "model draws": vae.sample(2000, random_state=0, marginals="model"),
        "draws given a value": vae.sample(500, random_state=0, conditions={1: 0.5}),
        "inverse_transform": vae.inverse_transform(vae.transform(X)),
        "imputer fills": imputer.transform(holes),
    }
    for name, rows in outputs.items():
        counts = rows[:, 0]
        assert rows.dtype == np.float64, name
        assert np.array_equal(counts, np.round(counts)), name
        assert counts.min() >= low and counts.max() <= high, name
    # The continuous column is untouched, and an int64 array's columns (a continuous
    # kind) are not rounded.
    assert not np.array_equal(outputs["model draws"][:, 1], np.round(outputs["model draws"][:, 1]))
    counts = VAETransformer(**params).fit(X[:, :1].astype(np.int64))
    decoded = counts.inverse_transform(counts.transform(X[:5, :1]))
    assert not np.array_equal(decoded, np.round(decoded))


def test_imputer_and_vqvae_keep_integer_columns_at_their_likelihood():
    """VAEImputer (its exact linear-Gaussian fill) and VQVAETransformer keep a DataFrame's
    integer columns at ``likelihood``; filled integers are still whole numbers."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    frame = pd.DataFrame(
        {"n": np.round(5 + 2 * z).astype(int), "x": z + 0.1 * rng.normal(size=200)}
    )
    holes = frame.astype({"n": "Int64"})
    holes.loc[:9, "n"] = pd.NA
    imputer = VAEImputer(max_iter=20, random_state=0).fit(holes)
    assert imputer.column_kinds_.tolist() == ["gaussian", "gaussian"]
    filled = imputer.transform(holes)
    assert np.array_equal(filled["n"][:10], np.round(filled["n"][:10]))
    vq = VQVAETransformer(n_codes=4, max_iter=2, random_state=0).fit(frame)
    assert vq.column_kinds_.tolist() == ["gaussian", "gaussian"]


def test_memory_mapped_integer_columns_are_refused_with_a_reason(tmp_path):
    """A memory-mapped X cannot check whole numbers without its own pass: a clear error."""
    path = tmp_path / "x.npy"
    np.save(path, np.arange(40.0).reshape(20, 2))
    X = np.load(path, mmap_mode="r")
    with pytest.raises(ValueError, match="integer columns .* memory-mapped X"):
        VAETransformer(likelihood="integer", max_iter=1, **FAST).fit(X)


@pytest.mark.parametrize("dtype", ["int64", "uint64", "UInt64"])
def test_integer_columns_beyond_what_float64_holds_exactly_are_refused(dtype):
    """An integer-dtype column with values beyond 2**53 in magnitude (identifiers, values
    near the dtype's limits) is refused at fit with the reason and the ways out: modelled
    in float64, its observed values came back from VAEImputer rounded, and near 2**63 as
    -2**63 (uint64: 0, or pandas' cast error for UInt64). 2**53 - 1 still fits."""
    rng = np.random.default_rng(0)
    numpy_dtype = np.dtype(dtype.lower())
    near_top = np.iinfo(numpy_dtype).max - rng.integers(0, 3, 40).astype(numpy_dtype)
    frame = pd.DataFrame({"a": rng.normal(size=40), "d": pd.array(near_top, dtype=dtype)})
    for estimator in (VAEImputer, VAETransformer):
        with pytest.raises(
            ValueError,
            match=r"column .d. holds whole numbers as large as [0-9]+ in magnitude, beyond 2",
        ):
            estimator(max_iter=1, random_state=0).fit(frame)
    frame["d"] = (2**53 - 1 - rng.integers(0, 3, 40)).astype(np.int64)
    filled = VAEImputer(max_iter=1, random_state=0).fit_transform(frame)
    assert (filled["d"] == frame["d"]).all()
