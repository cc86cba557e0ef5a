"""pandas' pyarrow-backed and string columns keep their training dtype in every output."""

import io

import numpy as np
import pandas as pd
import pytest

import skvae
from skvae import VAEImputer, VAETransformer

pa = pytest.importorskip("pyarrow")
FAST = dict(max_iter=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")


def test_a_pyarrow_bool_column_is_bernoulli_and_stays_bool():
    """A bool[pyarrow] column of read_csv(dtype_backend="pyarrow"), with nulls, is
    Bernoulli (it was refused as a dtype skvae cannot model) and comes back as
    bool[pyarrow] from sample, inverse_transform and the imputer, holes filled."""
    rows = [f"{np.sin(i):.3f},{'True' if i % 3 else 'False' if i % 7 else ''}" for i in range(80)]
    frame = pd.read_csv(io.StringIO("x,flag\n" + "\n".join(rows)), dtype_backend="pyarrow")
    assert str(frame["flag"].dtype) == "bool[pyarrow]" and frame["flag"].isna().sum() == 4
    vae = VAETransformer(**FAST).fit(frame)
    assert vae.column_kinds_.tolist() == ["student_t", "bernoulli"]
    drawn = vae.sample(20, random_state=0)
    decoded = vae.inverse_transform(vae.transform(frame))
    filled = VAEImputer(**FAST).fit_transform(frame)
    for out in (drawn, decoded, filled):
        assert out.dtypes.astype(str).tolist() == ["double[pyarrow]", "bool[pyarrow]"]
        assert set(out["flag"].tolist()) <= {True, False}
    observed = frame["flag"].notna()
    assert filled["flag"][observed].tolist() == frame["flag"][observed].tolist()
    assert (vae.sample(3, conditions={"flag": False}, random_state=0)["flag"] == False).all()  # noqa: E712


@pytest.mark.parametrize(
    "dtype",
    [
        pd.StringDtype("python"),
        pd.StringDtype("pyarrow"),
        pd.StringDtype("python", na_value=np.nan),
        pd.ArrowDtype(pa.string()),
        pd.ArrowDtype(pa.large_string()),
    ],
    ids=["string[python]", "string[pyarrow]", "str[python]", "arrow string", "large_string"],
)
def test_string_columns_come_back_in_their_own_string_dtype(dtype, tmp_path):
    """string[python] and pandas' ArrowDtype string came back as StringDtype with pyarrow
    storage: sample, inverse_transform and the imputer now return the training dtype
    (storage and missing-value marker too), also after save and load."""
    rng = np.random.default_rng(0)
    words = pd.Series(rng.choice(["a", "b"], 60)).astype(dtype)
    words[::6] = None
    frame = pd.DataFrame({"x": rng.normal(size=60), "w": words})
    vae = VAETransformer(**FAST).fit(frame)
    skvae.save(vae, tmp_path / "vae.skvae")
    filled = VAEImputer(**FAST).fit_transform(frame)
    outputs = [filled, vae.inverse_transform(vae.transform(frame))]
    for model in (vae, skvae.load(tmp_path / "vae.skvae")):
        outputs.append(model.sample(5, random_state=0))
    for out in outputs:
        assert out["w"].dtype == dtype and repr(out["w"].dtype) == repr(dtype)
        assert set(out["w"].tolist()) <= {"a", "b"}
    assert filled["w"][1::6].tolist() == frame["w"][1::6].tolist()


def test_a_dictionary_encoded_category_from_parquet_comes_back_as_its_values(tmp_path):
    """A category read by read_parquet(dtype_backend="pyarrow") is an Arrow dictionary
    type, which has no dtype alias: sample, inverse_transform and the imputer return its
    values as objects (they raised 'No type alias for dictionary<...>')."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=60), "s": pd.Categorical(rng.choice(["u", "v", "w"], 60))}
    )
    frame.to_parquet(tmp_path / "t.parquet")
    table = pd.read_parquet(tmp_path / "t.parquet", dtype_backend="pyarrow")
    vae = VAETransformer(max_iter=2, random_state=0).fit(table)
    drawn = vae.sample(50, random_state=0)
    assert set(drawn["s"]) <= {"u", "v", "w"} and drawn["s"].dtype == object
    decoded = vae.inverse_transform(vae.transform(table))
    assert set(decoded["s"]) <= {"u", "v", "w"}
    holes = table.copy()
    holes.loc[:4, "x"] = None
    filled = VAEImputer(max_iter=2, random_state=0).fit_transform(holes)
    assert filled["s"].tolist() == table["s"].tolist() and filled["x"].notna().all()
