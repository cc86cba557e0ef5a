"""VQVAETransformer on mixed tables: DataFrames with numeric, integer, boolean and
categorical columns, through the table handling it shares with the VAEs."""

import io
import json
import pickle
import warnings
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, log_softmax, logsumexp
from scipy.stats import norm
from sklearn.datasets import load_wine
from synthetic_data import mixed_frame

from skvae import CodebookCollapseWarning, VQVAETransformer, load, save

# score_samples computes in float64 where the backend has it; JAX, by default, has not.
EXACT_TOLERANCE = 1e-9 if keras.backend.backend() != "jax" else 1e-6
FAST = dict(hidden_layer_sizes=(16,), batch_size=64, learning_rate=3e-3, random_state=0)


def vq_mixed_frame(n=300, seed=0):
    """Columns of every kind the VQ-VAE models, "num" on a scale of its own (10 + 3 z)."""
    return mixed_frame(n, seed, num_mean=10.0, num_scale=3.0, num_noise=0.3)


@pytest.fixture(scope="module")
def mixed():
    frame = vq_mixed_frame()
    vq = VQVAETransformer(n_codes=8, code_dim=3, max_iter=20, **FAST).fit(frame)
    return frame, vq


def _decoder_params(vq, codes):
    """The fitted decoder's output for code indices (one latent), float64, by hand."""
    z = vq.codebook_[codes].astype(np.float32)
    return keras.ops.convert_to_numpy(vq.decoder_(z)).astype(np.float64)


def _hand_log_p(vq, frame, params):
    """log p(row | code) for every row and code of a "num, count, flag, color, name" model,
    from decoder parameters laid out [gaussian means | bernoulli logit | category logits].

    Unknown categories (not in the fitted categories) add nothing: their column is left out.
    """
    gaussian = [0, 1]  # num and count (an int64 column is Gaussian in X's units)
    var = vq.var_floor + np.exp(vq._model.obs_raw_var.numpy().astype(np.float64))
    mean = vq.mean_[gaussian] + vq.scale_[gaussian] * params[:, :2]  # (codes, 2)
    std = vq.scale_[gaussian] * np.sqrt(var)
    x = frame[["num", "count"]].to_numpy(dtype=float)
    log_p = norm.logpdf(x[:, None, :], mean[None], std).sum(axis=2)
    flag = frame["flag"].to_numpy()[:, None]
    p_flag = expit(params[None, :, 2])
    log_p += np.where(flag, np.log(p_flag), np.log1p(-p_flag))
    offset = 3
    for column in ("color", "name"):
        categories = list(vq.categories_[list(frame.columns).index(column)])
        log_probs = log_softmax(params[:, offset : offset + len(categories)], axis=1)
        for i, value in enumerate(frame[column]):
            if value in categories:
                log_p[i] += log_probs[:, categories.index(value)]
        offset += len(categories)
    assert offset == params.shape[1]
    return log_p


# -- numeric arrays: as before ----------------------------------------------------------------
@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the values were recorded with TensorFlow's random streams and kernels",
)
def test_numeric_fit_matches_values_recorded_before_table_support():
    """A numeric fit gives the codes, scores and draws that the numeric-only VQ-VAE gave.

    Recorded with the estimator as it was before it took mixed tables (commit f8e1616,
    TensorFlow backend, on CPU): the shared table code must not change numeric fits.
    """
    X = load_wine().data
    vq = VQVAETransformer(
        n_codes=8, code_dim=3, n_latents=2, hidden_layer_sizes=(8,), max_iter=3, random_state=0
    ).fit(X)
    assert vq.column_kinds_.tolist() == ["gaussian"] * 13
    assert vq.transform(X[::20]).tolist() == [
        [7, 3], [7, 3], [7, 3], [2, 0], [2, 0], [5, 3], [6, 0], [3, 0], [6, 0],
    ]  # fmt: skip
    np.testing.assert_allclose(
        vq.score_samples(X[:4]),
        [-24.628000903073374, -21.952104829079733, -22.196563669885887, -27.80300815217164],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        vq.sample(2, random_state=0)[:, :3],
        [[13.518134573375217, 5.4529025020267365, 2.869841645841185],
         [13.003076938161144, 4.733648540035706, 2.2876120942045266]],
        rtol=1e-6,
    )  # fmt: skip
    np.testing.assert_allclose(
        vq.inverse_transform([[0, 1]])[0, :3],
        [12.432379728449666, 2.725807720004042, 2.4923116496863447],
        rtol=1e-6,
    )
    # Pure NumPy statistics: exact.
    np.testing.assert_array_equal(
        vq.scale_[:3], [0.809542914528517, 1.1140036269797895, 0.2735722944264325]
    )
    assert isinstance(vq.sample(2, random_state=0), np.ndarray)


# -- mixed frames -----------------------------------------------------------------------------
def test_kinds_categories_and_scaling_follow_the_frame(mixed):
    """Kinds come from the dtypes, and only continuous columns are standardised."""
    frame, vq = mixed
    assert vq.column_kinds_.tolist() == [
        "gaussian", "gaussian", "bernoulli", "categorical", "categorical",
    ]  # fmt: skip
    assert vq.categories_[3].tolist() == ["blue", "green", "red", "violet"]
    assert vq.categories_[4].tolist() == ["a", "b"]
    assert vq.categories_[0] is None
    np.testing.assert_allclose(vq.mean_[:2], frame[["num", "count"]].mean(), rtol=1e-12)
    np.testing.assert_allclose(vq.scale_[:2], frame[["num", "count"]].std(ddof=0), rtol=1e-12)
    np.testing.assert_array_equal(vq.mean_[2:], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(vq.scale_[2:], [1.0, 1.0, 1.0])
    # One-hot blocks: the encoder reads 2 + 1 + 4 + 2 inputs.
    assert vq.encoder_.input_shape == (None, 9)
    assert vq.transform(frame).shape == (len(frame), 1)


def test_score_samples_is_the_exact_mixture_over_codes_by_hand(mixed):
    """score_samples = log sum_k prior_k p(row | decode(k)), computed here with NumPy:
    Gaussian densities in X's units, log P(flag) and log P(category) from the decoder."""
    frame, vq = mixed
    rows = frame.head(25)
    k = vq.prior_codes_[:, 0]
    log_p = _hand_log_p(vq, rows, _decoder_params(vq, k))
    expected = logsumexp(log_p + np.log(vq.prior_), axis=1)
    np.testing.assert_allclose(vq.score_samples(rows), expected, rtol=1e-5)
    assert vq.score(rows) == pytest.approx(expected.mean(), rel=1e-5)


def test_discrete_columns_give_probabilities_that_sum_to_one():
    """With only boolean and categorical columns, exp(score) over all 2 x 3 rows sums to 1."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "flag": rng.uniform(size=400) < 0.3,
            "fruit": rng.choice(["apple", "kiwi", "pear"], p=[0.6, 0.3, 0.1], size=400),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CodebookCollapseWarning)  # 6 distinct rows
        vq = VQVAETransformer(n_codes=4, code_dim=2, max_iter=30, **FAST).fit(frame)
    grid = pd.DataFrame(
        {"flag": [False, True] * 3, "fruit": ["apple"] * 2 + ["kiwi"] * 2 + ["pear"] * 2}
    )
    probabilities = np.exp(vq.score_samples(grid))
    assert probabilities.sum() == pytest.approx(1.0, abs=EXACT_TOLERANCE)
    # And they follow the data: the most frequent row is the most probable.
    assert probabilities.argmax() == 0  # (False, "apple"): 0.7 * 0.6 of the rows


def test_inverse_transform_decodes_each_kind_by_hand(mixed):
    """Decoded rows: Gaussian means in X's units (integers rounded, clipped to the training
    range), flag at probability 0.5, and each categorical column's most probable category."""
    frame, vq = mixed
    codes = np.arange(vq.n_codes)
    params = _decoder_params(vq, codes)
    decoded = vq.inverse_transform(codes[:, None])
    assert isinstance(decoded, pd.DataFrame)
    assert decoded.dtypes.to_dict() == frame.dtypes.to_dict()
    np.testing.assert_allclose(decoded["num"], vq.mean_[0] + vq.scale_[0] * params[:, 0], 1e-5)
    count = np.clip(np.rint(vq.mean_[1] + vq.scale_[1] * params[:, 1]), 0, frame["count"].max())
    np.testing.assert_array_equal(decoded["count"], count)
    np.testing.assert_array_equal(decoded["flag"], params[:, 2] >= 0.0)
    colors = np.array(["blue", "green", "red", "violet"])[params[:, 3:7].argmax(axis=1)]
    np.testing.assert_array_equal(decoded["color"].astype(str), colors)
    np.testing.assert_array_equal(decoded["name"], np.array(["a", "b"])[params[:, 7:9].argmax(1)])
    assert list(decoded["color"].cat.categories) == ["blue", "green", "red", "violet"]


def test_sample_returns_the_frame_with_the_model_frequencies(mixed):
    """Samples are frames like the training one, and a categorical column's frequencies
    match the model's marginal sum_k prior_k softmax(logits_k)."""
    frame, vq = mixed
    synthetic, codes = vq.sample(4000, random_state=0, return_codes=True)
    assert list(synthetic.columns) == list(frame.columns)
    assert synthetic.dtypes.to_dict() == frame.dtypes.to_dict()
    assert set(synthetic["name"]) <= {"a", "b"}
    assert synthetic["count"].between(frame["count"].min(), frame["count"].max()).all()
    params = _decoder_params(vq, vq.prior_codes_[:, 0])
    marginal = vq.prior_ @ np.exp(log_softmax(params[:, 3:7], axis=1))
    drawn = synthetic["color"].value_counts(normalize=True).reindex(vq.categories_[3])
    # 4000 draws: binomial standard errors are at most 0.008.
    np.testing.assert_allclose(drawn.to_numpy(), marginal, atol=0.035)
    again, codes_again = vq.sample(4000, random_state=0, return_codes=True)
    pd.testing.assert_frame_equal(again, synthetic)
    np.testing.assert_array_equal(codes_again, codes)


def test_unknown_category_errors_or_is_left_out(mixed):
    """An unseen category raises, or with handle_unknown="ignore" its column is left out of
    the score (exactly: the hand computation without it) and its one-hot block is zero."""
    frame, vq = mixed
    rows = frame.head(3).copy()
    rows["name"] = pd.Series(["zzz", "a", "zzz"], dtype=object)
    with pytest.raises(ValueError, match="column 'name' has categories not seen during fit"):
        vq.score_samples(rows)
    with pytest.raises(ValueError, match="column 'name' has categories not seen during fit"):
        vq.transform(rows)
    ignoring = pickle.loads(pickle.dumps(vq)).set_params(handle_unknown="ignore")
    log_p = _hand_log_p(ignoring, rows, _decoder_params(vq, vq.prior_codes_[:, 0]))
    expected = logsumexp(log_p + np.log(vq.prior_), axis=1)
    np.testing.assert_allclose(ignoring.score_samples(rows), expected, rtol=1e-5)
    assert ignoring.score_samples(rows)[1] == vq.score_samples(rows.iloc[[1]])[0]
    # transform: the encoder reads an all-zero "name" block, and the code is the nearest one.
    encoded = ignoring._model_input(ignoring._validate_rows(rows))
    np.testing.assert_array_equal(encoded[[0, 2], 7:9], 0.0)
    np.testing.assert_array_equal(encoded[1, 7:9], [1.0, 0.0])
    z_e = keras.ops.convert_to_numpy(vq.encoder_(encoded))
    nearest = ((z_e[:, None, :] - vq.codebook_[None]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(ignoring.transform(rows)[:, 0], nearest)


@pytest.mark.parametrize("column, value", [("num", np.nan), ("name", None), ("color", None)])
def test_missing_values_are_refused_with_the_ways_out(mixed, column, value):
    """NaN or None in any column is refused at fit and transform with skvae's ways out
    (scikit-learn's message recommended HistGradientBoosting), also in an array."""
    frame, vq = mixed
    holes = frame.head(40).copy()
    holes.loc[3, column] = value
    message = r"does not accept missing values \(X contains NaN\); fill them first"
    with pytest.raises(ValueError, match=message):
        vq.transform(holes)
    unfitted = VQVAETransformer(n_codes=4, max_iter=1)
    with pytest.raises(ValueError, match=message):
        unfitted.fit(holes)
    with pytest.raises(ValueError, match=message):
        unfitted.fit(np.where(np.eye(5, 3) > 0, np.nan, 1.0))
    assert not hasattr(unfitted, "n_features_in_")  # a failed fit leaves nothing behind


def test_column_types_override_and_refuse_mixture():
    """column_types sets kinds by name or position; "mixture" (which needs several
    components per column) is refused with a clear error."""
    frame = vq_mixed_frame(120)
    vq = VQVAETransformer(
        n_codes=4, max_iter=2, column_types={"count": "categorical", 0: "heteroscedastic"}, **FAST
    ).fit(frame)
    assert vq.column_kinds_[:2].tolist() == ["heteroscedastic", "categorical"]
    assert vq.categories_[1].tolist() == sorted(frame["count"].unique())
    assert vq.sample(20, random_state=0)["count"].isin(frame["count"].unique()).all()
    with pytest.raises(ValueError, match="'num' has kind 'mixture', which VQVAETransformer"):
        VQVAETransformer(column_types={"num": "mixture"}).fit(frame)
    # NumPy in, NumPy out, with a categorical column's values back as its categories.
    X = np.column_stack([frame["num"], frame["count"]])
    vq = VQVAETransformer(n_codes=4, max_iter=2, column_types={1: "categorical"}, **FAST).fit(X)
    out = vq.sample(30, random_state=0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert set(out[:, 1]) <= set(frame["count"].astype(float))


# -- persistence ----------------------------------------------------------------------------
def test_save_load_and_pickle_keep_a_mixed_model(mixed, tmp_path):
    """A mixed-frame VQ-VAE survives skvae.save/load and pickle with identical outputs."""
    frame, vq = mixed
    save(vq, tmp_path / "mixed-vq.skvae")
    codes = vq.transform(frame)
    for restored in (load(tmp_path / "mixed-vq.skvae"), pickle.loads(pickle.dumps(vq))):
        assert restored.get_params() == vq.get_params()
        assert restored.column_kinds_.tolist() == vq.column_kinds_.tolist()
        np.testing.assert_array_equal(restored.transform(frame), codes)
        np.testing.assert_array_equal(restored.score_samples(frame), vq.score_samples(frame))
        pd.testing.assert_frame_equal(
            restored.inverse_transform(codes[:30]), vq.inverse_transform(codes[:30])
        )
        pd.testing.assert_frame_equal(
            restored.sample(20, random_state=0), vq.sample(20, random_state=0)
        )


def _without_table_state(state):
    table = {"column_types", "handle_unknown", "column_kinds_", "categories_", "_column_schema"}
    return {key: value for key, value in state.items() if key not in table}


@pytest.mark.parametrize("as_frame", [False, True])
def test_pickle_from_before_mixed_tables_still_works(as_frame):
    """A VQ-VAE pickled before the table parameters and attributes existed unpickles with
    their defaults and gives the same outputs (arrays, as it did, even for a frame)."""
    X = load_wine(as_frame=as_frame).data
    vq = VQVAETransformer(
        n_codes=8, n_latents=2, hidden_layer_sizes=(8,), max_iter=3, random_state=0
    )
    vq.fit(X)
    restored = VQVAETransformer.__new__(VQVAETransformer)
    restored.__setstate__(_without_table_state(vq.__getstate__()))
    assert restored.get_params() == vq.get_params()
    assert restored.column_types is None and restored.handle_unknown == "error"
    assert restored.column_kinds_.tolist() == ["gaussian"] * 13
    assert restored.categories_ == [None] * 13
    np.testing.assert_array_equal(restored.transform(X), vq.transform(X))
    np.testing.assert_array_equal(restored.score_samples(X), vq.score_samples(X))
    old_sample = restored.sample(5, random_state=0)
    assert isinstance(old_sample, np.ndarray)
    np.testing.assert_array_equal(old_sample, np.asarray(vq.sample(5, random_state=0)))
    np.testing.assert_array_equal(
        restored.inverse_transform([[0, 1]]), np.asarray(vq.inverse_transform([[0, 1]]))
    )


def test_file_from_before_mixed_tables_still_loads(tmp_path):
    """A VQ-VAE file without the table parameters and attributes loads, with the same
    outputs."""
    X = load_wine().data
    vq = VQVAETransformer(n_codes=8, hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    save(vq, tmp_path / "vq.skvae")
    with zipfile.ZipFile(tmp_path / "vq.skvae") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        arrays = archive.read("arrays.npz")
    items = manifest["state"]["items"]
    manifest["state"]["items"] = _without_table_state(items)
    assert len(manifest["state"]["items"]) == len(items) - 5
    del manifest["state_sha256"]  # files from then recorded no checksum of the state
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("arrays.npz", arrays)
    (tmp_path / "old.skvae").write_bytes(buffer.getvalue())
    restored = load(tmp_path / "old.skvae")
    assert restored.get_params() == vq.get_params()
    np.testing.assert_array_equal(restored.score_samples(X), vq.score_samples(X))
    np.testing.assert_array_equal(restored.sample(5, random_state=0), vq.sample(5, random_state=0))
