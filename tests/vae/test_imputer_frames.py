"""VAEImputer on polars DataFrames and pyarrow Tables: the holes are filled, and what comes
back is a table of the same library with the same values as for the same pandas frame."""

import numpy as np
import pandas as pd
import pytest

from skvae import VAEImputer

pl = pytest.importorskip("polars", reason="polars is in the test extra")
pa = pytest.importorskip("pyarrow", reason="pyarrow is in the test extra")


def _frame(with_category):
    """A pandas frame (b = 2 a plus noise, a count n, optionally a category g) with holes
    in every fifth row of b."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=120)
    frame = pd.DataFrame(
        {"a": a, "b": 2 * a + 0.1 * rng.normal(size=120), "n": rng.poisson(3, 120)}
    )
    if with_category:
        frame["g"] = pd.Categorical(np.where(a > 0, "u", "v"))
    frame.loc[::5, "b"] = np.nan
    return frame


def _as_pandas(table):
    return table.to_pandas() if isinstance(table, pl.DataFrame | pa.Table) else table


@pytest.mark.parametrize(
    "library, with_category",
    [("polars", False), ("polars", True), ("pyarrow", False), ("pyarrow", True)],
)
def test_imputer_fills_polars_and_pyarrow_tables_in_their_library(library, with_category):
    """transform, fit_transform and multiple_imputations of a polars DataFrame or a pyarrow
    Table (the exact linear-Gaussian fill, and the importance-sampled one beside a
    category) return that library's table (they raised AttributeError on ``astype``), with
    no hole left, the observed entries unchanged, and the values of the same rows given as
    pandas."""
    frame = _frame(with_category)
    table = pl.from_pandas(frame) if library == "polars" else pa.Table.from_pandas(frame)
    kind = pl.DataFrame if library == "polars" else pa.Table
    params = dict(max_iter=20, random_state=0)
    imputer = VAEImputer(**params).fit(table)
    reference = VAEImputer(**params).fit(frame)
    holes = frame["b"].isna().to_numpy()
    outputs = {
        "transform": (imputer.transform(table), reference.transform(frame)),
        "fit_transform": (
            VAEImputer(**params).fit_transform(table),
            VAEImputer(**params).fit_transform(frame),
        ),
        "multiple_imputations": (
            imputer.multiple_imputations(table, 2, random_state=0)[1],
            reference.multiple_imputations(frame, 2, random_state=0)[1],
        ),
    }
    for name, (out, expected) in outputs.items():
        assert isinstance(out, kind), name
        out = _as_pandas(out)
        assert list(out.columns) == list(frame.columns)
        assert not out.isna().to_numpy().any(), name
        np.testing.assert_array_equal(out.loc[~holes, "b"], frame.loc[~holes, "b"])
        np.testing.assert_array_equal(out["n"], frame["n"])
        np.testing.assert_allclose(out["b"], expected["b"], rtol=1e-6, err_msg=name)
    if not with_category:
        # The exact fill follows b = 2 a (noise 0.1) after these few epochs; a fill taken
        # from another row would miss by about 2. (The importance-sampled one needs more.)
        filled = _as_pandas(outputs["transform"][0])
        assert np.abs(filled.loc[holes, "b"] - 2 * frame.loc[holes, "a"]).max() < 0.5


@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_a_numeric_placeholder_in_polars_and_pyarrow_tables_is_a_hole(library):
    """VAEImputer(missing_values=-1) on a polars DataFrame or pyarrow Table (a float, an
    integer and a categorical column) fills and scores the -1 entries as the same table
    with nulls there, and returns that library's table (the table was read as a float
    array: an array came back, and a categorical column raised "could not convert")."""
    frame = _frame(with_category=True)
    with_placeholder = frame.assign(
        b=frame["b"].fillna(-1.0), n=frame["n"].mask(frame.index % 7 == 0, -1)
    )
    with_nulls = with_placeholder.assign(
        b=frame["b"], n=pd.array(with_placeholder["n"].where(with_placeholder["n"] != -1), "Int64")
    )
    convert = pl.from_pandas if library == "polars" else pa.Table.from_pandas
    table, table_nulls = convert(with_placeholder), convert(with_nulls)
    params = dict(max_iter=5, random_state=0)
    imputer = VAEImputer(missing_values=-1, **params).fit(table)
    filled = imputer.transform(table)
    assert isinstance(filled, pl.DataFrame if library == "polars" else pa.Table)
    expected = VAEImputer(**params).fit(table_nulls)
    pd.testing.assert_frame_equal(_as_pandas(filled), _as_pandas(expected.transform(table_nulls)))
    assert not (_as_pandas(filled)[["b", "n"]] == -1).any().any()
    np.testing.assert_array_equal(
        imputer.score_samples(table[:20]), expected.score_samples(table_nulls[:20])
    )


@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_set_output_pandas_gives_a_pandas_frame_of_a_polars_or_pyarrow_table(library):
    """With set_output(transform="pandas"), transform and fit_transform of a polars or
    pyarrow table return a pandas frame, each column in its dtype (a pyarrow Table raised
    "DataFrame constructor not properly called!" inside scikit-learn's wrapper; a polars
    frame came back with every column of dtype object), the same values as by default."""
    frame = _frame(with_category=True)
    table = pl.from_pandas(frame) if library == "polars" else pa.Table.from_pandas(frame)
    params = dict(max_iter=5, random_state=0)
    imputer = VAEImputer(**params).fit(table)
    by_default = _as_pandas(imputer.transform(table))
    imputer.set_output(transform="pandas")
    for out in (
        imputer.transform(table),
        VAEImputer(**params).set_output(transform="pandas").fit_transform(table),
    ):
        assert isinstance(out, pd.DataFrame)
        assert [str(out[name].dtype) for name in ("a", "b", "n")] == ["float64", "float64", "int64"]
        assert isinstance(out["g"].dtype, pd.CategoricalDtype)
        np.testing.assert_allclose(out["b"], by_default["b"], rtol=1e-6)
        assert np.log1p(out["a"].abs()).notna().all()  # numbers, not objects


def test_a_placeholder_int64_column_comes_back_as_int64_for_a_column_transformer():
    """missing_values=-1 in a pandas int64 column: transform fills it with whole numbers
    and returns it as int64 again (it came back as Int64, which a ColumnTransformer
    stacks with float columns into an object array that np.log1p refuses); a nullable
    Int64 input stays Int64."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"income": np.exp(rng.normal(size=100) + 3), "visits": rng.poisson(3, 100)}
    )
    frame.loc[::5, "visits"] = -1
    imputer = VAEImputer(missing_values=-1, max_iter=5, random_state=0)
    filled = imputer.fit(frame).transform(frame)
    assert filled["visits"].dtype == np.int64 and (filled["visits"] >= 0).all()
    np.testing.assert_array_equal(filled.loc[1:4, "visits"], frame.loc[1:4, "visits"])
    pipeline = make_pipeline(
        ColumnTransformer([("impute", imputer, ["income", "visits"])]),
        FunctionTransformer(np.log1p),
    )
    out = pipeline.fit_transform(frame)
    assert out.dtype == np.float64 and np.isfinite(out).all()
    nullable = frame.assign(visits=pd.array(frame["visits"].where(frame["visits"] >= 0), "Int64"))
    out = VAEImputer(max_iter=5, random_state=0).fit(nullable).transform(nullable)
    assert str(out["visits"].dtype) == "Int64"
