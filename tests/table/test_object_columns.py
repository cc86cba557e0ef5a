"""Object columns of values that are not text: bools mixed with 0/1, and dates."""

import datetime
import re

import numpy as np
import pandas as pd
import pytest

from skvae import VAETransformer
from skvae._table._categories import category_codes, column_categories

FAST = dict(max_iter=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")


def test_true_and_1_are_one_category_as_python_and_one_hot_encoding_have_them():
    """An object column of True, 1, False and 0 has two categories (True == 1, as for
    np.unique, set() and OneHotEncoder), each value coded as its equal: fit refused its
    own rows with "categories not seen during fit: ['False', 'True']"."""
    values = pd.Series([[True, 1, False, 0][i % 4] for i in range(60)], dtype=object)
    categories = column_categories(values, "c")
    assert categories.tolist() == [0, 1]
    codes = category_codes([True, 1, np.True_, 1.0, False, 0, np.False_], categories, "c", "error")
    assert codes.tolist() == [1, 1, 1, 1, 0, 0, 0]
    frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=60), "c": values})
    vae = VAETransformer(**FAST).fit(frame)
    assert vae.column_kinds_.tolist() == ["student_t", "categorical"]
    assert set(vae.sample(20, random_state=0)["c"].tolist()) <= {0, 1}
    # True and 1 score alike: one category.
    rows = pd.DataFrame({"x": [0.0, 0.0], "c": pd.Series([True, 1], dtype=object)})
    scores = vae.score_samples(rows)
    assert scores[0] == scores[1]


@pytest.mark.parametrize(
    "dates",
    [
        [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-02-01")],
        [datetime.date(2021, 1, 1), datetime.date(2021, 2, 1)],
        [pd.Timedelta(days=1), pd.Timedelta(days=2)],
        [pd.Period("2021-01", "M"), pd.Period("2021-02", "M")],
    ],
    ids=["Timestamp", "date", "Timedelta", "Period"],
)
def test_dates_in_object_columns_are_an_error_as_datetime64_columns_are(dates):
    """Date, time, duration and period objects in an object column were fitted as
    unordered categories without a word: fit refuses them (also as column_types
    categorical), and transform refuses them in a text column, with the datetime64
    column's advice, which a period dtype column gets too."""
    n = 40
    frame = pd.DataFrame(
        {
            "x": np.arange(float(n)),
            "when": pd.Series([dates[i % 2] for i in range(n)], dtype=object),
        }
    )
    kind = type(dates[0]).__name__
    shown = re.escape(repr(dates[0]))
    message = (
        rf"^column 'when' holds {kind} values, such as {shown}, which skvae cannot model: dates, "
        r"times, periods and durations .* convert them to numbers first \(say, days since"
    )
    with pytest.raises(ValueError, match=message):
        VAETransformer(**FAST).fit(frame)
    with pytest.raises(ValueError, match=message):
        VAETransformer(column_types={"when": "categorical"}, **FAST).fit(frame)
    text = frame.assign(when=["a", "b"] * (n // 2))
    vae = VAETransformer(**FAST).fit(text)
    with pytest.raises(ValueError, match=message):
        vae.transform(frame)
    datetime64 = frame.assign(when=pd.to_datetime(["2021-01-01"] * n))
    with pytest.raises(ValueError, match=r"^column 'when' has dtype datetime64.*days since"):
        VAETransformer(**FAST).fit(datetime64)
    months = frame.assign(when=pd.period_range("2021-01", periods=n, freq="M"))
    with pytest.raises(ValueError, match=r"^column 'when' has dtype period\[M\].*days since"):
        VAETransformer(**FAST).fit(months)


def test_an_object_array_of_dates_is_the_same_error():
    """A NumPy object array holding dates raised a bare TypeError from float(); it gets
    the error of a datetime64 array, naming the column."""
    rows = np.array([[1.0, datetime.date(2021, 1, d)] for d in range(1, 11)], dtype=object)
    message = r"^column 1 of X holds date values, such as datetime.date\(2021, 1, 1\).*days since"
    with pytest.raises(ValueError, match=message):
        VAETransformer(**FAST).fit(rows)
    vae = VAETransformer(**FAST).fit(np.arange(20.0).reshape(10, 2))
    with pytest.raises(ValueError, match=message):
        vae.transform(rows)
    periods = np.array([[1.0, pd.Period("2021-01", "M")]] * 10, dtype=object)
    with pytest.raises(ValueError, match=r"^column 1 of X holds Period values.*days since"):
        VAETransformer(**FAST).fit(periods)
    with pytest.raises(ValueError, match=r"^X has dtype datetime64\[D\], which skvae cannot"):
        VAETransformer(**FAST).fit(np.array(["2021-01-01"] * 10, dtype="datetime64[D]")[:, None])
