"""DataFrames of every kind: polars (Categorical, Enum, String, Boolean), pyarrow tables and
pandas' nullable dtypes are read with the kinds their dtypes say, and what comes back is a
frame of the same library."""

import numpy as np
import pandas as pd
import pytest

from skvae import VAETransformer, VQVAETransformer

pl = pytest.importorskip("polars", reason="polars is in the test extra")
pa = pytest.importorskip("pyarrow", reason="pyarrow is in the test extra")

SMALL = dict(n_components=1, hidden_layer_sizes=(8,), max_iter=3, random_state=0)


def _columns(n=300):
    rng = np.random.default_rng(0)
    z = rng.normal(size=n)
    return z, {
        "x": z + 0.1 * rng.normal(size=n),
        "color": np.where(z > 0.5, "red", np.where(z < -0.5, "blue", "green")),
        "flag": z > 0,
    }


def test_polars_frame_round_trip():
    """Categorical, Enum and String columns are categorical, Boolean is Bernoulli; scores
    equal those of the same table as pandas; sample, inverse_transform and set_output give
    polars frames."""
    z, columns = _columns()
    frame = pl.DataFrame(
        {
            "x": columns["x"],
            "color": pl.Series(columns["color"]).cast(pl.Categorical),
            "size": pl.Series(np.where(z > 1, "big", "small")).cast(pl.Enum(["big", "small"])),
            "name": np.where(z > 0, "a", "b"),
            "flag": columns["flag"],
        }
    )
    vae = VAETransformer(**SMALL).fit(frame)
    assert vae.column_kinds_.tolist() == [
        "student_t",
        "categorical",
        "categorical",
        "categorical",
        "bernoulli",
    ]
    as_pandas = VAETransformer(**SMALL).fit(frame.to_pandas())
    np.testing.assert_array_equal(
        vae.score_samples(frame[:20]), as_pandas.score_samples(frame.to_pandas()[:20])
    )
    sampled = vae.sample(50, random_state=0)
    assert isinstance(sampled, pl.DataFrame) and sampled.columns == frame.columns
    assert sampled["flag"].dtype == pl.Boolean
    assert set(sampled["color"].cast(pl.String)) <= {"red", "green", "blue"}
    assert sampled["size"].dtype == pl.Enum(["big", "small"])
    decoded = vae.inverse_transform(vae.transform(frame[:5]))
    assert isinstance(decoded, pl.DataFrame) and decoded.shape == (5, 5)
    out = vae.set_output(transform="polars").transform(frame[:5])
    assert isinstance(out, pl.DataFrame) and out.columns == ["vaetransformer0"]


def test_pyarrow_table_round_trip():
    """A pyarrow Table with a dictionary (categorical) column fits as the same table in
    pandas does (equal scores); samples are a Table."""
    _, columns = _columns()
    table = pa.table({"x": columns["x"], "color": pa.array(columns["color"]).dictionary_encode()})
    vae = VAETransformer(**SMALL).fit(table)
    assert vae.column_kinds_.tolist() == ["student_t", "categorical"]
    sampled = vae.sample(10, random_state=0)
    assert isinstance(sampled, pa.Table) and sampled.column_names == ["x", "color"]
    assert set(sampled.column("color").to_pylist()) <= {"red", "green", "blue"}
    as_pandas = VAETransformer(**SMALL).fit(table.to_pandas())
    np.testing.assert_array_equal(
        vae.score_samples(table), as_pandas.score_samples(table.to_pandas())
    )


def test_integer_columns_with_nulls_stay_integer_in_polars_and_pyarrow():
    """A polars Int16 or pyarrow int32 column with nulls is an "integer" column (not a
    float one), scores as pandas' nullable Int16 does (its hole masked), and is sampled in
    its own dtype."""
    z, columns = _columns()
    counts = np.round(2 * z + 5).astype(int).tolist()
    counts[3] = None
    frame = pl.DataFrame({"x": columns["x"], "n": counts}, schema={"x": pl.Float64, "n": pl.Int16})
    table = pa.table({"x": columns["x"], "n": pa.array(counts, type=pa.int32())})
    nullable = pd.DataFrame({"x": columns["x"], "n": pd.array(counts, dtype="Int16")})
    expected = VAETransformer(**SMALL).fit(nullable).score_samples(nullable[:10])
    for data, dtype_of_n in (
        (frame, lambda out: out.schema["n"]),
        (table, lambda out: out.schema.field("n").type),
    ):
        vae = VAETransformer(**SMALL).fit(data)
        assert vae.column_kinds_.tolist() == ["student_t", "integer"]
        np.testing.assert_array_equal(vae.score_samples(data[:10]), expected)
        sampled = vae.sample(20, random_state=0)
        assert dtype_of_n(sampled) == dtype_of_n(data)


def test_vqvae_takes_polars_frames():
    """The VQ-VAE shares the table code: a polars frame in, a polars frame sampled."""
    _, columns = _columns()
    frame = pl.DataFrame(
        {"x": columns["x"], "color": pl.Series(columns["color"]).cast(pl.Categorical)}
    )
    vq = VQVAETransformer(n_codes=4, hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    assert isinstance(vq.fit(frame).sample(5, random_state=0), pl.DataFrame)


def test_pandas_nullable_dtypes():
    """Nullable Int64 and boolean columns, with missing entries, are integer and Bernoulli;
    the missing entries are masked out (integrated: a row scores higher without a discrete
    entry than with any value of it) and the dtypes come back."""
    _, columns = _columns()
    frame = pd.DataFrame(
        {
            "count": pd.array(np.round(columns["x"] * 3).astype(int), dtype="Int64"),
            "flag": pd.array(columns["flag"], dtype="boolean"),
            "color": pd.array(columns["color"], dtype="string"),
        }
    )
    frame.loc[3, "count"] = pd.NA
    frame.loc[4, "flag"] = pd.NA
    vae = VAETransformer(**SMALL).fit(frame)
    assert vae.column_kinds_.tolist() == ["integer", "bernoulli", "categorical"]
    scores = vae.score_samples(frame[:10])
    assert np.isfinite(scores).all()
    filled = frame[:10].copy()
    filled.loc[3, "count"], filled.loc[4, "flag"] = 0, True
    with_values = vae.score_samples(filled)
    assert scores[3] > with_values[3] and scores[4] > with_values[4]
    np.testing.assert_array_equal(np.delete(scores, [3, 4]), np.delete(with_values, [3, 4]))
    sampled = vae.sample(20, random_state=0)
    assert str(sampled["count"].dtype) == "Int64" and str(sampled["flag"].dtype) == "boolean"


def test_read_csv_true_false_columns_with_blanks_come_back_as_true_false(tmp_path):
    """A column of True/False with empty cells, which pandas.read_csv reads as object, is
    a 0/1 column that sample, inverse_transform and VAEImputer return as True/False (they
    returned 0.0/1.0, probabilities and fractional fills), also after save and load."""
    import io

    import skvae
    from skvae import VAEImputer

    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=n)
    smoker = np.where(rng.random(n) < 0.1, None, x + 0.3 * rng.normal(size=n) > 0)
    text = pd.DataFrame({"x": x, "smoker": smoker}).to_csv(index=False)
    frame = pd.read_csv(io.StringIO(text))
    assert frame["smoker"].dtype == object and frame["smoker"].isna().any()
    vae = VAETransformer(max_iter=30, random_state=0).fit(frame)
    assert vae.column_kinds_.tolist() == ["student_t", "bernoulli"]
    skvae.save(vae, tmp_path / "vae.skops")
    loaded = skvae.load(tmp_path / "vae.skops")
    for model in (vae, loaded):
        for out in (
            model.sample(50, random_state=0),
            model.inverse_transform(model.transform(frame)),
        ):
            assert out["smoker"].dtype == object
            assert all(isinstance(v, (bool, np.bool_)) for v in out["smoker"])
    filled = VAEImputer(max_iter=30, random_state=0).fit(frame).transform(frame)
    assert all(isinstance(v, (bool, np.bool_)) for v in filled["smoker"])
    observed = frame["smoker"].notna()
    assert filled["smoker"][observed].tolist() == frame["smoker"][observed].tolist()


def test_category_column_of_booleans_comes_back_as_that_category(tmp_path):
    """A pandas category column whose levels are True/False (a 0/1 column) comes back from
    sample, inverse_transform and VAEImputer as a category column with the same levels and
    order (it came back as object), also after save and load; a level the training column
    lacked is added, not turned into NaN."""
    import skvae
    from skvae import VAEImputer

    z, columns = _columns(200)
    levels = pd.CategoricalDtype([True, False], ordered=True)
    frame = pd.DataFrame({"x": columns["x"], "flag": pd.Series(columns["flag"], dtype=levels)})
    frame.loc[::7, "flag"] = np.nan
    vae = VAETransformer(max_iter=30, random_state=0).fit(frame)
    assert vae.column_kinds_.tolist() == ["student_t", "bernoulli"]
    skvae.save(vae, tmp_path / "vae.skops")
    loaded = skvae.load(tmp_path / "vae.skops")
    filled = VAEImputer(max_iter=30, random_state=0).fit(frame).transform(frame)
    for out in (
        vae.sample(50, random_state=0),
        loaded.inverse_transform(loaded.transform(frame)),
        filled,
    ):
        assert out["flag"].dtype == levels
        assert out["flag"].notna().all()
    observed = frame["flag"].notna()
    assert filled["flag"][observed].tolist() == frame["flag"][observed].tolist()
    # Trained on True only, the column may still draw False: the level is added.
    only_true = frame.assign(flag=pd.Categorical([True] * len(frame)))
    drawn = VAETransformer(**SMALL).fit(only_true).sample(500, random_state=0)["flag"]
    assert drawn.notna().all() and set(drawn.cat.categories) >= set(drawn.unique())


def test_a_float32_frame_gives_float32_outputs_like_a_float32_array():
    """A DataFrame of float32 columns gives float32 latents and decoded columns, the same
    values, bit for bit, as the same float32 array (it gave float64, where PCA and the
    array keep float32); a frame that mixes float32 and float64 columns gives float64."""
    z, columns = _columns(200)
    X = np.column_stack([columns["x"], z, z**2]).astype(np.float32)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    from_frame = VAETransformer(**SMALL).fit(frame)
    from_array = VAETransformer(**SMALL).fit(X)
    Z = from_frame.transform(frame)
    assert Z.dtype == np.float32
    np.testing.assert_array_equal(Z, from_array.transform(X))
    assert set(from_frame.inverse_transform(Z).dtypes) == {np.dtype(np.float32)}
    mixed = frame.astype({"c": np.float64})
    assert VAETransformer(**SMALL).fit(mixed).transform(mixed).dtype == np.float64


def test_inverse_transform_of_a_latent_frame_keeps_its_index():
    """Latents from set_output(transform="pandas") carry the rows' index, and
    inverse_transform gives the decoded rows that index back (it gave a fresh RangeIndex);
    latents as an array still give a RangeIndex, and the decoded values are the same."""
    z, columns = _columns(200)
    frame = pd.DataFrame(columns, index=pd.Index([f"row {i}" for i in range(200)], name="id"))
    vae = VAETransformer(**SMALL).set_output(transform="pandas").fit(frame)
    Z = vae.transform(frame.iloc[10:20])
    assert Z.index.equals(frame.index[10:20])
    decoded = vae.inverse_transform(Z)
    assert decoded.index.equals(frame.index[10:20])
    from_array = vae.inverse_transform(Z.to_numpy())
    assert isinstance(from_array.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(decoded.reset_index(drop=True), from_array)


def test_frames_with_integer_column_labels_come_back_with_them(tmp_path):
    """A DataFrame whose columns are labelled 0, 1, ... (pd.read_csv(header=None),
    pd.DataFrame(array)), which scikit-learn takes for no feature names, comes back from
    sample, inverse_transform and VAEImputer with those labels (they came back as x0,
    x1, ..., so filled[0] raised KeyError), also after save and load; conditions name
    its columns by those labels, the positions."""
    import skvae
    from skvae import VAEImputer

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({0: rng.normal(size=100), 1: rng.choice(["u", "v"], 100)})
    frame.loc[:9, 0] = np.nan
    vae = VAETransformer(max_iter=5, random_state=0).fit(frame)
    assert not hasattr(vae, "feature_names_in_")
    skvae.save(vae, tmp_path / "vae.skops")
    for model in (vae, skvae.load(tmp_path / "vae.skops")):
        assert list(model.sample(3, random_state=0).columns) == [0, 1]
        assert list(model.inverse_transform(model.transform(frame)).columns) == [0, 1]
        assert (model.sample(3, random_state=0, conditions={1: "v"})[1] == "v").all()
    filled = VAEImputer(max_iter=5, random_state=0).fit_transform(frame)
    assert list(filled.columns) == [0, 1] and filled[0].notna().all()
    # String labels are unchanged: feature names, as before.
    named = frame.rename(columns={0: "a", 1: "b"})
    columns = VAETransformer(max_iter=2, random_state=0).fit(named).sample(2).columns
    assert list(columns) == ["a", "b"]


@pytest.mark.parametrize(
    "labels",
    [
        pd.MultiIndex.from_product([["a", "b"], [1, 2]]),
        [0.5, 1.5, 2.5, 3.5],
        [True, False, np.int64(7), np.float64(2.5)],
    ],
    ids=["MultiIndex", "floats", "bools and NumPy scalars"],
)
def test_frames_with_other_non_string_column_labels_come_back_with_them(tmp_path, labels):
    """Column labels that are not all strings (a MultiIndex's tuples, floats, bools; NumPy
    scalars as plain values) come back from VAEImputer, sample and inverse_transform, also
    after save and load; they came back as x0, x1, ... (bools as 1 and 0)."""
    import skvae
    from skvae import VAEImputer

    X = np.random.default_rng(0).normal(size=(100, 4))
    X[::4, 1] = np.nan
    frame = pd.DataFrame(X, columns=labels)
    expected = list(frame.columns)
    filled = VAEImputer(max_iter=3, random_state=0).fit_transform(frame)
    assert list(filled.columns) == expected and filled.notna().all().all()
    # True == 1 in Python: bools must stay bools, not become 1 and 0.
    is_bool = [isinstance(label, bool) for label in expected]
    assert [isinstance(label, bool) for label in filled.columns] == is_bool
    vae = VAETransformer(max_iter=3, random_state=0).fit(frame)
    skvae.save(vae, tmp_path / "vae.skvae")
    for model in (vae, skvae.load(tmp_path / "vae.skvae")):
        drawn = model.sample(2, random_state=0)
        assert list(drawn.columns) == expected
        assert [isinstance(label, bool) for label in drawn.columns] == is_bool
        assert list(model.inverse_transform(model.transform(frame.iloc[:2])).columns) == expected
