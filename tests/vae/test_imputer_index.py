"""VAEImputer on pandas frames: what it returns lines up with the user's rows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from skvae import VAEImputer


@pytest.mark.parametrize("with_category", [False, True])
def test_imputer_outputs_keep_the_index_of_the_users_frame(with_category):
    """VAEImputer.transform and multiple_imputations return X's pandas index (a shuffled
    test split's), also under set_output("pandas"), so that X.fillna(filled) fills every
    hole with its own row's value (about 2 a here); for the exact linear-Gaussian fill
    and the importance-sampled one (a frame with a category)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    frame = pd.DataFrame({"a": z, "b": 2 * z + 0.1 * rng.normal(size=300)})
    if with_category:
        frame["c"] = pd.Categorical(np.where(z > 0, "up", "down"))
    train, test = train_test_split(frame, test_size=0.2, random_state=0)
    test = test.copy()
    holes = test.index[:10]
    test.loc[holes, "b"] = np.nan
    imputer = VAEImputer(random_state=0).fit(train)
    filled = imputer.transform(test)
    draws = imputer.multiple_imputations(test, 2, random_state=0)
    # The mean fill is within 0.3 of 2 a in every row; a draw carries the model's noise
    # (about 0.5 here), so the draws are held to their median error. A row's value put in
    # another row would miss by about 2.
    for out, summary, tolerance in ((filled, np.max, 0.3), *((d, np.median, 0.8) for d in draws)):
        assert out.index.equals(test.index)
        merged = test.fillna(out)
        assert merged["b"].notna().all()
        assert summary(np.abs(merged.loc[holes, "b"] - 2 * test.loc[holes, "a"])) < tolerance
    imputer.set_output(transform="pandas")
    assert imputer.transform(test).index.equals(test.index)


def test_complete_rows_need_no_draws_and_rows_with_holes_fill_as_alone(monkeypatch):
    """The importance-sampled fill draws for the rows with a hole only: complete rows come
    back as they are without draws (600 of them had taken 14 s beside a 100-level
    category), and a row with a hole gets the same fill among complete rows as alone."""
    from skvae._vae import _defensive_draws

    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    levels = np.array([f"l{i:02d}" for i in range(100)])
    frame = pd.DataFrame(
        {"a": z, "b": 2 * z + 0.1 * rng.normal(size=300), "c": levels[rng.integers(0, 100, 300)]}
    )
    imputer = VAEImputer(max_iter=3, random_state=0).fit(frame)
    drawn_rows, draws = [], _defensive_draws.DefensiveDrawsMixin._defensive_draws

    def counting(self, X, *args, **kwargs):
        drawn_rows.append(len(X))
        return draws(self, X, *args, **kwargs)

    monkeypatch.setattr(_defensive_draws.DefensiveDrawsMixin, "_defensive_draws", counting)
    assert imputer.transform(frame).equals(frame)
    assert imputer.multiple_imputations(frame, 2, random_state=0)[1].equals(frame)
    assert drawn_rows == []
    holey = frame.copy()
    holey.loc[[5, 17], "b"] = np.nan
    filled = imputer.transform(holey)
    assert drawn_rows == [2]
    alone = imputer.transform(holey.loc[[17]])
    assert filled.loc[17, "b"] == alone.loc[17, "b"]
    assert filled.drop(index=[5, 17]).equals(frame.drop(index=[5, 17]))
