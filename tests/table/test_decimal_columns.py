"""Decimal columns (SQL NUMERIC: pyarrow and polars decimals, pandas' ArrowDtype decimals,
objects of decimal.Decimal from pandas.read_sql) are numbers, and come back as floats."""

import decimal

import numpy as np
import pandas as pd
import pytest

from skvae import VAEImputer, VAETransformer

pa = pytest.importorskip("pyarrow")
FAST = dict(max_iter=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")
SOURCES = ["pyarrow decimal128", "polars Decimal", "pandas objects", "pandas ArrowDtype"]


def _table(source, prices, x):
    """A table of ``prices`` (decimals, None where missing) and ``x`` in ``source``'s form."""
    if source == "pyarrow decimal128":
        return pa.table({"price": pa.array(prices, pa.decimal128(10, 2)), "x": x})
    if source == "polars Decimal":
        pl = pytest.importorskip("polars")
        return pl.DataFrame({"price": pl.Series(prices, dtype=pl.Decimal(10, 2)), "x": x})
    if source == "pandas objects":
        return pd.DataFrame({"price": pd.Series(prices, dtype=object), "x": x})
    price = pd.array(prices, dtype=pd.ArrowDtype(pa.decimal128(10, 2)))
    return pd.DataFrame({"price": price, "x": x})


def _pandas(frame):
    return frame if isinstance(frame, pd.DataFrame) else frame.to_pandas()


@pytest.mark.parametrize("source", SOURCES)
def test_decimal_columns_are_continuous_and_come_back_as_floats(source):
    """A decimal price column is continuous, as a float one is, read as the floats of its
    decimals, and sample, inverse_transform and the imputer give it back as float64: it
    was a categorical column of one category per price, and pandas' ArrowDtype decimal
    made fit raise NotImplementedError."""
    rng = np.random.default_rng(0)
    prices = [decimal.Decimal(f"{p:.2f}") for p in rng.choice([4.5, 9.99, 12.25, 19.99], 80)]
    prices[3] = None
    table = _table(source, prices, rng.normal(size=80))
    vae = VAETransformer(**FAST).fit(table)
    assert vae.column_kinds_.tolist() == ["student_t", "student_t"]
    assert vae.categories_[0] is None
    drawn = _pandas(vae.sample(5, random_state=0))
    decoded = _pandas(vae.inverse_transform(vae.transform(table)))
    filled = _pandas(VAEImputer(**FAST).fit_transform(table))
    for out in (drawn, decoded, filled):
        assert str(out["price"].dtype) == "float64" and out["price"].notna().all()
    observed = [float(p) for p in prices if p is not None]
    assert filled["price"].drop(index=3).tolist() == observed
    assert 4.5 <= filled["price"][3] <= 19.99
