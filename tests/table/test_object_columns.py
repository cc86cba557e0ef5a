"""Object columns of values that are not text: bools mixed with 0/1."""

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
