"""The categories of a categorical column: which values are one category, their order,
and the message for a value fit did not see (skvae/_table/_categories.py)."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import skvae
from skvae import VAETransformer
from skvae._table._categories import category_codes, column_categories
from skvae._table._codes import condition_codes

FAST = dict(max_iter=3, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")


def test_integer_categories_past_2_53_are_told_apart():
    """Integer labels past 2**53 (account ids in a category column) are distinct categories,
    each coded as itself and each drawn by sample: keyed by float(value), 2**53 and
    2**53 + 1 shared one code, so rows of 2**53 were read as 2**53 + 1 and never drawn."""
    rng = np.random.default_rng(0)
    ids = np.array([2**53, 2**53 + 1, 2**53 + 2, 5], dtype=np.int64)
    frame = pd.DataFrame(
        {"account": pd.Categorical(rng.choice(ids, 200)), "x": rng.normal(size=200)}
    )
    categories = column_categories(frame["account"], "account")
    assert categories.tolist() == [5, 2**53, 2**53 + 1, 2**53 + 2]
    codes = category_codes(ids, categories, "account", "error")
    assert codes.tolist() == [1.0, 2.0, 3.0, 0.0]
    vae = VAETransformer(**FAST).fit(frame)
    drawn = vae.sample(400, random_state=0)["account"]
    assert set(drawn.tolist()) == {5, 2**53, 2**53 + 1, 2**53 + 2}


def test_an_object_column_of_a_huge_int_and_a_float_keeps_the_int_exact():
    """An object column mixing 2**53 + 1 with 0.5 has those two categories, the int kept
    as the int (it went through a float64 array and became 2**53, which then also matched
    the value 2**53); ordinary mixes of ints and floats are still a float array."""
    column = pd.Series([2**53 + 1, 0.5, None] * 20, dtype=object)
    categories = column_categories(column, "o")
    assert categories.tolist() == [0.5, 2**53 + 1]
    assert [type(c) for c in categories] == [float, int]
    codes = category_codes([2**53 + 1, np.int64(2**53 + 1), 2**53, 0.5], categories, "o", "ignore")
    assert codes[[0, 1, 3]].tolist() == [1.0, 1.0, 0.0] and np.isnan(codes[2])
    ordinary = column_categories(pd.Series([3, 0.5, 3, 1.0], dtype=object), "o")
    assert ordinary.dtype == np.float64 and ordinary.tolist() == [0.5, 1.0, 3.0]
    # True, 1 and 1.0 stay one category, as Python's == has them.
    codes = category_codes([True, 1, 1.0, np.float32(1.0)], ordinary, "o", "error")
    assert codes.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_categories_of_several_types_have_one_order():
    """Categories that only their type tells apart (1 and "1") are ordered by text, then
    type (int before str), whatever the rows' order and PYTHONHASHSEED: sorted by their text
    alone, they came in set-iteration order, so categories_, scores and samples changed
    from one process to the next."""
    for rows in ([1, "1", "a", 2, "1", 1], ["1", 1, "a", 2, 1, "1"]):
        categories = column_categories(pd.Series(rows * 10, dtype=object), "c")
        assert [(c, type(c)) for c in categories] == [(1, int), ("1", str), (2, int), ("a", str)]
    script = (
        "import pandas as pd; from skvae._table._categories import column_categories; "
        "print(repr(list(column_categories(pd.Series(['1', 1, 'a', 2] * 10, dtype=object), 'c'))))"
    )
    seen = set()
    for seed in ("0", "1", "5"):
        # This checkout's skvae, wherever pytest runs from.
        path = str(pathlib.Path(skvae.__file__).parents[1])
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=path)
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        seen.add(run.stdout.strip())
    assert seen == {"[1, '1', 2, 'a']"}


def test_unseen_category_messages_tell_an_int_from_its_text():
    """The unseen-category errors write values and categories as Python does, and say when
    a value differs from a known category only by type: the int 1001 against the text
    "1001" was shown as "not seen during fit: ['1001', '2002'] (fit saw ['1001', '2002'])",
    and the condition "20" against int categories as "its categories are ['10', ...]"."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"zip": rng.choice(["1001", "2002"], 60), "x": rng.normal(size=60)})
    vae = VAETransformer(**FAST).fit(frame)
    message = (
        "column 'zip' has categories not seen during fit: [1001, 2002] (fit saw ['1001', "
        "'2002']); they differ from categories fit saw only by type (int 1001 against str "
        "'1001'): convert the column's values to str, as in fit. To keep them"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        vae.transform(pd.DataFrame({"zip": [2002, 1001, 2002], "x": [0.0, 1.0, 2.0]}))
    cats = np.array(["1001", "2002"], dtype=object)
    with pytest.raises(ValueError, match=re.escape("['z'] (fit saw ['1001', '2002']). To")):
        category_codes([np.str_("z")], cats, "zip", "error")
    sizes = [np.array([10, 20, 30])]
    message = (
        "conditions give column 'size' the category '20', not seen in fit; its categories are "
        "[10, 20, 30]; they differ from categories fit saw only by type (str '20' against "
        "int 20): give the category as int"
    )
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        condition_codes(np.array([["20"]], dtype=object), ["size"], ["categorical"], sizes)
