"""What sample, score_samples and the diagnostics keep of the rows of every partial_fit call."""

import warnings

import numpy as np
import pandas as pd
import pytest

import skvae
from skvae import VAETransformer
from skvae._vae._background import fit_background
from skvae._vae._marginals import fit_marginal_quantiles
from skvae._vae._stream_summaries import (
    merged_background,
    merged_posterior_moments,
    merged_quantiles,
    merged_shares,
)

SMALL = dict(n_components=2, hidden_layer_sizes=(16,), batch_size=64, random_state=0)


def _level_error(quantiles, values):
    """How far, in levels, each quantile is from the right one for the sorted values."""
    levels = np.linspace(0.0, 1.0, len(quantiles))
    at_or_below = np.searchsorted(values, quantiles, side="right") / len(values)
    below = np.searchsorted(values, quantiles, side="left") / len(values)
    return np.maximum(0.0, np.maximum(below - levels, levels - at_or_below)).max()


@pytest.mark.parametrize("kind", ["normal", "atoms", "integers", "sorted"])
def test_merged_quantiles_match_the_quantiles_of_all_rows_to_a_level_step(kind):
    """Quantiles merged over uneven chunks (one of a single row) are within three level
    steps of those of all the rows, and an integer column stays discrete, on its values."""
    rng = np.random.default_rng(0)
    X = {
        "normal": rng.normal(size=(3000, 2)),
        "atoms": np.where(rng.random((3000, 2)) < 0.6, 1.0, rng.lognormal(size=(3000, 2))),
        "integers": rng.integers(0, 5, (3000, 2)).astype(float),
        "sorted": np.sort(rng.normal(size=(3000, 2)), axis=0),
    }[kind]
    merged = fit_marginal_quantiles(X[:1000])
    for chunk in (X[1000:2500], X[2500:2993], X[2993:2999], X[2999:]):
        merged = merged_quantiles(merged, fit_marginal_quantiles(chunk))
    whole = fit_marginal_quantiles(X)
    for j in range(2):
        assert _level_error(merged["quantiles"][:, j], np.sort(X[:, j])) <= 0.003
    assert merged["discrete"].tolist() == whole["discrete"].tolist()
    assert merged["n_observed"].tolist() == [3000, 3000]
    if kind == "integers":
        assert set(np.unique(merged["quantiles"])) == {0.0, 1.0, 2.0, 3.0, 4.0}


def test_columns_of_few_values_merge_exactly_from_chunks_too_small_to_tell():
    """Columns of 17 and 2 values streamed in 7-row chunks, too few rows for any chunk to
    call them discrete, end discrete, with the quantiles and value counts one fit on all
    the rows gives, bit for bit (they stayed continuous: merged by interpolation)."""
    rng = np.random.default_rng(7)
    X = np.column_stack(
        [rng.integers(0, 17, 700), rng.choice([0.5, 2.0], 700), rng.normal(size=700)]
    )
    X[rng.random(X.shape) < 0.1] = np.nan
    merged = fit_marginal_quantiles(X[:7])
    for start in range(7, 700, 7):
        merged = merged_quantiles(merged, fit_marginal_quantiles(X[start : start + 7]))
    whole = fit_marginal_quantiles(X)
    assert merged["discrete"].tolist() == whole["discrete"].tolist() == [True, True, False]
    for key in ("n_observed", "distinct_values", "distinct_counts"):
        np.testing.assert_array_equal(merged[key], whole[key])
    np.testing.assert_array_equal(merged["quantiles"][:, :2], whole["quantiles"][:, :2])
    # The continuous column merges by interpolation: 7-row chunks' piecewise-linear
    # distribution functions put their extremes at levels 0 and 1, 0.041 of a level off
    # here after 99 merges (0.003 with the chunks of hundreds of rows above).
    assert _level_error(merged["quantiles"][:, 2], np.sort(X[~np.isnan(X[:, 2]), 2])) < 0.05


def test_a_summary_saved_without_value_counts_keeps_a_discrete_column_discrete():
    """A model saved before summaries kept value counts: partial_fit reads a discrete
    column's counts off its quantiles, so the merge stays discrete on the column's values
    with shares within a level step (the merge made it continuous: 1.5 % of drawn counts
    were fractions), and a continuous column merges as before."""
    rng = np.random.default_rng(9)
    X = np.column_stack([rng.integers(0, 6, 3000), rng.normal(size=3000)]).astype(float)
    old = fit_marginal_quantiles(X[:2000])
    for key in ("distinct_values", "distinct_counts"):
        del old[key]
    merged = merged_quantiles(old, fit_marginal_quantiles(X[2000:]))
    whole = fit_marginal_quantiles(X)
    assert merged["discrete"].tolist() == whole["discrete"].tolist() == [True, False]
    assert set(np.unique(merged["quantiles"][:, 0])) == set(range(6))
    assert merged["distinct_counts"][:6, 0].sum() == 3000
    assert _level_error(merged["quantiles"][:, 0], np.sort(X[:, 0])) <= 0.002
    assert _level_error(merged["quantiles"][:, 1], np.sort(X[:, 1])) <= 0.003


def test_a_stream_of_small_chunks_samples_only_the_values_of_a_discrete_column():
    """partial_fit in 10-row chunks of a 0..16 pixel-like column: sample draws only its
    values (0.83 of digits' sampled values were whole numbers after 50-row chunks)."""
    rng = np.random.default_rng(8)
    z = rng.normal(size=400)
    X = np.column_stack([np.clip(np.round(8 + 4 * z), 0, 16), z + rng.normal(size=400)])
    vae = VAETransformer(**SMALL)
    for start in range(0, 400, 10):
        vae.partial_fit(X[start : start + 10])
    sampled = vae.sample(300, random_state=0)[:, 0]
    assert set(np.unique(sampled)) <= set(np.unique(X[:, 0]))
    assert len(np.unique(sampled)) >= 8


def test_merged_shares_and_background_are_those_of_all_rows():
    """Category shares merge exactly; the background's category table matches the one
    fitted on all rows up to its pseudo-counts, and its pooled scatter (spread within and
    between the chunks' means) the one fitted on all rows."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4000, 1))
    X = np.column_stack([z[:, 0], z[:, 0] + 0.5 * rng.normal(size=4000), (z[:, 0] > 0.5) * 1.0])
    X = X[np.argsort(X[:, 0])]  # sorted: the chunks differ
    shares = merged_shares(
        ([None, None, np.array([1.0, 0.0])], np.array([3000, 3000, 3000])),
        ([None, None, np.array([0.2, 0.8])], np.array([1000, 1000, 1000])),
    )
    assert shares[0][2].tolist() == pytest.approx([0.8, 0.2])
    kinds, counts = ["student_t", "student_t", "categorical"], [0, 0, 2]

    def fit(rows):
        return fit_background(rows, kinds, counts, X.mean(axis=0), X.std(axis=0))

    merged = merged_background(fit(X[:3000]), fit(X[3000:]))
    whole = fit(X)
    assert merged["scatter"] == pytest.approx(whole["scatter"], abs=0.01)
    assert np.exp(merged["log_probabilities"][2]) == pytest.approx(
        np.exp(whole["log_probabilities"][2]), abs=1e-3
    )
    assert int(merged["n_complete"]) == 4000


def test_merged_posterior_moments_are_the_pooled_moments():
    """The pooled mean and variance of two sets equal those of their union."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(50, 3)), rng.normal(loc=2.0, size=(7, 3))
    both = np.vstack([a, b])
    n, kl, mean, var = merged_posterior_moments(
        (50, a.mean(0), a.mean(0), a.var(0)), (7, b.mean(0), b.mean(0), b.var(0))
    )
    assert n == 57
    assert kl == pytest.approx(both.mean(0)) and mean == pytest.approx(both.mean(0))
    assert var == pytest.approx(both.var(0))


@pytest.fixture(scope="module")
def sorted_frame():
    """Wine as a frame with a label, sorted by it: a stream whose chunks differ. The
    label's categories are declared, so that a chunk may hold a label the first did not."""
    from sklearn.datasets import load_wine

    data = load_wine(as_frame=True)
    frame = data.frame.drop(columns="target").iloc[:, [0, 1, 10, 12]]
    frame["label"] = pd.Categorical(np.array(["a", "b", "c"])[data.target])
    return frame.sort_values("label", kind="stable").reset_index(drop=True)


def test_sample_after_a_sorted_stream_follows_every_chunk_not_the_last(sorted_frame):
    """After partial_fit over chunks sorted by a label, sample draws every label in its
    share of the data and the numeric columns' range: before, only the last chunk's label
    (100 % "c") and its range came out, as the summaries were refitted on each chunk."""
    vae = VAETransformer(**SMALL)
    chunks = np.array_split(np.arange(len(sorted_frame)), 6)
    for _ in range(3):
        for rows in chunks:
            vae.partial_fit(sorted_frame.iloc[rows])
    drawn = vae.sample(3000, random_state=0)
    data_shares = sorted_frame["label"].value_counts(normalize=True)
    drawn_shares = drawn["label"].value_counts(normalize=True)
    assert drawn_shares.reindex(data_shares.index).to_numpy() == pytest.approx(
        data_shares.to_numpy(), abs=0.03
    )
    proline = sorted_frame["proline"]
    assert drawn["proline"].min() < proline.quantile(0.05)
    assert drawn["proline"].max() > proline.quantile(0.95)
    assert drawn["proline"].mean() == pytest.approx(proline.mean(), rel=0.05)


def test_a_one_row_last_chunk_is_not_what_sample_copies(sorted_frame):
    """A chunked reader's one-row remainder as the last call: sample used to return that
    training row over and over; now its draws spread as the data do, and the collapse
    diagnostics are those of every row (the row alone had no spread: no active unit)."""
    X = sorted_frame.drop(columns="label").to_numpy()
    rng = np.random.default_rng(0)
    X = X[rng.permutation(len(X))]
    with_remainder, without = VAETransformer(**SMALL), VAETransformer(**SMALL)
    for _ in range(3):
        with_remainder.partial_fit(X[:-1])
        with_remainder.partial_fit(X[-1:])
        without.partial_fit(X[:-1])
    drawn = with_remainder.sample(500, random_state=0)
    assert len(np.unique(drawn, axis=0)) == 500
    assert drawn.std(axis=0) == pytest.approx(X.std(axis=0), rel=0.3)
    assert with_remainder.n_active_units_ == without.n_active_units_ > 0


def test_summaries_merge_across_sampling_and_saving_mid_stream(sorted_frame, tmp_path):
    """The merge goes on after sample (the earlier codes then come from the fitted
    mixture) and after save and load: the labels still come out in their data shares."""
    vae = VAETransformer(**SMALL)
    halves = np.array_split(np.arange(len(sorted_frame)), 2)
    for _ in range(3):
        vae.partial_fit(sorted_frame.iloc[halves[0]])
        vae.sample(5, random_state=0)
        skvae.save(vae, tmp_path / "mid.skvae")
        vae = skvae.load(tmp_path / "mid.skvae")
        vae.partial_fit(sorted_frame.iloc[halves[1]])
    drawn = vae.sample(3000, random_state=0)["label"].value_counts(normalize=True)
    data = sorted_frame["label"].value_counts(normalize=True)
    assert drawn.reindex(data.index).to_numpy() == pytest.approx(data.to_numpy(), abs=0.04)


def test_partial_fit_reads_a_slice_of_a_memory_map_as_a_chunk(sorted_frame, tmp_path):
    """A slice of a np.memmap is a chunk like any array: a categorical column_types
    works on it (it raised "not supported for a memory-mapped X"), with the same model as
    the same chunks in memory."""
    codes = sorted_frame.assign(label=sorted_frame["label"].cat.codes).sample(
        frac=1.0, random_state=0
    )
    np.save(tmp_path / "X.npy", codes.to_numpy(dtype=np.float64))
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    params = dict(SMALL, column_types={4: "categorical"})
    from_map, in_memory = VAETransformer(**params), VAETransformer(**params)
    for rows in np.array_split(np.arange(len(mapped)), 3):
        from_map.partial_fit(mapped[rows[0] : rows[-1] + 1])
        in_memory.partial_fit(np.array(mapped[rows[0] : rows[-1] + 1]))
    X = codes.to_numpy(dtype=np.float64)
    assert from_map.transform(X) == pytest.approx(in_memory.transform(X))
    assert from_map.sample(50, random_state=0) == pytest.approx(
        in_memory.sample(50, random_state=0)
    )


def test_a_single_fit_keeps_its_summaries(sorted_frame):
    """A partial_fit after fit, on the same rows again, leaves the sampled label shares
    where fit's were: the merge weighs both calls' rows alike."""
    vae = VAETransformer(**SMALL).fit(sorted_frame)
    shares = pd.Series(vae.sample(4000, random_state=0)["label"]).value_counts(normalize=True)
    vae.partial_fit(sorted_frame)
    again = pd.Series(vae.sample(4000, random_state=0)["label"]).value_counts(normalize=True)
    assert again.sort_index().to_numpy() == pytest.approx(shares.sort_index().to_numpy(), abs=0.03)


def test_a_chunk_far_from_the_first_calls_rows_is_warned_about():
    """partial_fit warns, naming the column, when a chunk's integer column leaves the
    range the first call fixed or a numeric column lies far from its scaling (a column
    constant in the first chunk); chunks of the same rows, shuffled, draw no warning."""
    rng = np.random.default_rng(0)
    n = 1200
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "visits": rng.poisson(2 + np.arange(n) / 100),  # counts that grow over time
            "level": np.r_[np.zeros(400), 1000 + rng.normal(size=n - 400)],
        }
    )
    chunks = np.array_split(np.arange(n), 3)
    vae = VAETransformer(**SMALL).partial_fit(frame.iloc[chunks[0]])
    with pytest.warns(UserWarning, match=r"^partial_fit: column\(s\) 'visits', 'level' of this"):
        vae.partial_fit(frame.iloc[chunks[2]])
    shuffled = frame.sample(frac=1.0, random_state=0)
    vae = VAETransformer(**SMALL).partial_fit(shuffled.iloc[chunks[0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for rows in chunks[1:]:
            vae.partial_fit(shuffled.iloc[rows])


def test_a_conditional_stream_sorted_by_its_declared_label(sorted_frame):
    """condition_on a label whose categories are declared: a stream sorted by it trains
    (a later chunk's label was refused as not seen in fit), and sample draws every label
    in its share of all the rows. (How well the model learns each label's rows from
    sorted chunks is another matter: shuffle chunks where possible, see docs/scale.rst.)"""
    vae = VAETransformer(**SMALL, condition_on=["label"])
    for _ in range(4):
        for rows in np.array_split(np.arange(len(sorted_frame)), 3):
            vae.partial_fit(sorted_frame.iloc[rows])
    drawn = vae.sample(3000, random_state=0)
    data = sorted_frame["label"].value_counts(normalize=True)
    shares = drawn["label"].value_counts(normalize=True).reindex(data.index)
    assert shares.to_numpy() == pytest.approx(data.to_numpy(), abs=0.03)


def test_a_subsampled_background_weighs_by_the_rows_it_stands_for():
    """fit fits the background to every k-th row of a large X (at most 20,000): its counts
    stand for all rows, so a later 10,000-row chunk weighs a fifth against 40,000 fitted
    rows, not a third against the 20,000 subsampled ones."""
    rng = np.random.default_rng(3)
    flag = pd.Categorical(np.repeat(["a", "b"], [40_000, 10_000]), categories=["a", "b"])
    X = pd.DataFrame({"x": rng.normal(size=50_000), "flag": flag})
    vae = VAETransformer(**dict(SMALL, max_iter=1, early_stopping=False)).fit(X[:40_000])
    vae.partial_fit(X[40_000:])
    shares = np.exp(vae._background["log_probabilities"][1, :2])
    assert shares == pytest.approx([0.8, 0.2], abs=0.002)


def test_atoms_keep_their_mass_over_many_merges():
    """200 merges of 100-row chunks: a 0 in half the rows keeps its half of the levels
    (it fell to 0.455, half a level step lost at every merge) and an integer column's
    values keep their shares (0 in 0.162 of the levels, against 0.204 for one fit)."""
    rng = np.random.default_rng(4)
    X = np.column_stack(
        [
            np.where(rng.random(20_000) < 0.5, 0.0, rng.lognormal(size=20_000)),
            rng.integers(0, 5, 20_000).astype(float),
        ]
    )
    merged = fit_marginal_quantiles(X[:100])
    for start in range(100, 20_000, 100):
        merged = merged_quantiles(merged, fit_marginal_quantiles(X[start : start + 100]))
    whole = fit_marginal_quantiles(X)
    at_zero = (merged["quantiles"] == 0).mean(axis=0)
    assert at_zero == pytest.approx((whole["quantiles"] == 0).mean(axis=0), abs=0.01)


def test_conditional_stream_continues_after_sample_pickling_and_loading(tmp_path):
    """A conditional model's partial_fit after sample, pickle or skvae.load: it crashed
    (a Generator has no random_sample); pickling or sampling mid-stream leaves the
    stream's result as it was; after loading, the earlier codes (drawn from the stored
    mixture) keep their share against a later chunk of as many rows."""
    import pickle

    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "x": np.r_[rng.normal(-3, 1, 150), rng.normal(3, 1, 150)],
            "y": rng.normal(size=300),
            "g": pd.Categorical(np.repeat(["a", "b"], 150)),
        }
    )

    def stream(interrupt):
        vae = VAETransformer(**SMALL, condition_on=["g"])
        vae.partial_fit(frame[:150])
        interrupt(vae)
        vae.partial_fit(frame[150:])
        return vae.sample(200, random_state=0)

    plain = stream(lambda vae: None)
    pd.testing.assert_frame_equal(stream(lambda vae: vae.sample(5, random_state=1)), plain)
    pd.testing.assert_frame_equal(stream(lambda vae: pickle.dumps(vae)), plain)
    vae = VAETransformer(**SMALL, condition_on=["g"]).partial_fit(frame[:150])
    vae.sample(5, random_state=1)
    skvae.save(vae, tmp_path / "mid.skvae")
    loaded = skvae.load(tmp_path / "mid.skvae").partial_fit(frame[150:])
    assert loaded.sample(400, random_state=0)["g"].value_counts(normalize=True)[
        "a"
    ] == pytest.approx(0.5, abs=0.05)


def test_shuffled_integer_chunks_after_a_small_first_call_do_not_warn():
    """A shuffled integer column in 50-row chunks: a later chunk often holds a value past
    the first call's range (about 2 / 51 of its rows), which warned on most calls."""
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"n": rng.poisson(3, 1000), "x": rng.normal(size=1000)})
    vae = VAETransformer(**SMALL).partial_fit(frame[:50])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for start in range(50, 1000, 50):
            vae.partial_fit(frame[start : start + 50])


def test_collapse_diagnostics_after_many_passes_describe_the_current_model():
    """After 15 passes over 4 chunks of a model that collapses as it trains (beta=6),
    active_units_ and kl_per_dimension_ are those of the current model on the rows (the
    moments of each call's own weights fade): pooling every call's moments kept units of
    the early model active, with several times the current KL."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2)) @ rng.normal(size=(2, 6)) + 0.1 * rng.normal(size=(400, 6))
    vae = VAETransformer(
        n_components=4, beta=6.0, hidden_layer_sizes=(16,), learning_rate=5e-3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(15):
            for chunk in np.array_split(X, 4):
                vae.partial_fit(chunk)
    current_active = vae.transform(X).var(axis=0) > 0.01
    np.testing.assert_array_equal(vae.active_units_, current_active)
    np.testing.assert_allclose(vae.kl_per_dimension_, vae.kl_divergence(X).mean(axis=0), atol=2e-3)
