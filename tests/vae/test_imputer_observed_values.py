"""VAEImputer fills and draws 0/1 and categorical holes only with values seen in training:
a constant True/False or categorical column gets its constant, an unused category never
appears, and everything else is drawn as before."""

import numpy as np
import pandas as pd

from skvae import VAEImputer


def _table(n=200):
    """x and y, an always-True column t, a column s that is True in about 70% of rows, and
    a category c that takes "a" and "b" only (its dtype also has "never"); holes in every
    fifth row of t, s and c."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    holes = np.arange(n) % 5 == 0
    frame = pd.DataFrame(
        {
            "x": x,
            "y": x + 0.5 * rng.normal(size=n),
            "t": pd.array(np.where(holes, None, True), dtype="boolean"),
            "s": pd.array(np.where(holes, None, rng.random(n) < 0.7), dtype="boolean"),
            "c": pd.Categorical(
                np.where(holes, None, rng.choice(["a", "b"], n)), categories=["a", "b", "never"]
            ),
        }
    )
    return frame, holes


def test_draws_and_fills_keep_to_the_values_seen_in_training(monkeypatch):
    """After a short fit (whose decoder still gives False some probability), none of 20
    multiple imputations puts False into the always-True column or "never" into the
    category (before: False in about a third of t's holes), and transform fills True;
    the other columns (x, y, s) are drawn exactly as without the restriction, from the
    same random numbers, and c's observed categories in about the same shares."""
    frame, holes = _table()
    imputer = VAEImputer(max_iter=20, random_state=0).fit(frame)
    draws = imputer.multiple_imputations(frame, 20, random_state=0)
    t_drawn = np.concatenate([d["t"][holes].to_numpy(bool) for d in draws])
    c_drawn = np.concatenate([d["c"][holes].astype(str).to_numpy() for d in draws])
    assert t_drawn.all()
    assert set(c_drawn) == {"a", "b"}
    filled = imputer.transform(frame)
    assert filled["t"][holes].all() and set(filled["c"][holes].astype(str)) <= {"a", "b"}

    monkeypatch.setattr(VAEImputer, "_training_shares", lambda self: None)
    unrestricted = imputer.multiple_imputations(frame, 20, random_state=0)
    t_before = np.concatenate([d["t"][holes].to_numpy(bool) for d in unrestricted])
    c_before = np.concatenate([d["c"][holes].astype(str).to_numpy() for d in unrestricted])
    assert (~t_before).mean() > 0.05  # the defect this guards against
    for restricted, plain in zip(draws, unrestricted, strict=True):
        pd.testing.assert_frame_equal(restricted[["x", "y", "s"]], plain[["x", "y", "s"]])
    # c's draws are renormalised over "a" and "b": the unseen category's share moves to
    # them in proportion (a share of "a" within 0.05 of the unrestricted one among a, b).
    share_before = (c_before == "a").sum() / (c_before != "never").sum()
    assert abs((c_drawn == "a").mean() - share_before) < 0.05


def test_rows_holding_an_unseen_value_still_score_finitely():
    """score_samples stays finite (the model's own probabilities) for new rows whose
    always-True column is False or whose category is the unused "never", and such a row's
    other holes are still filled."""
    frame, _ = _table()
    imputer = VAEImputer(max_iter=20, random_state=0).fit(frame)
    new = frame.iloc[[1, 2]].copy()
    new["t"] = pd.array([False, True], dtype="boolean")
    new["c"] = pd.Categorical(["a", "never"], categories=["a", "b", "never"])
    scores = imputer.score_samples(new)
    assert np.isfinite(scores).all()
    assert scores[0] < imputer.score_samples(frame.iloc[[1]])[0]  # False is unlikely
    new["s"] = pd.array([None, None], dtype="boolean")
    filled = imputer.transform(new)
    assert filled["s"].notna().all() and filled["t"].tolist() == [False, True]


def test_observed_integers_outside_the_training_range_come_back_unchanged():
    """An integer column's observed values at transform are the user's, also outside the
    training range (before: 50 came back as 9, -20 as 0 and 100 as 19, clipped as fills
    are); the holes are still filled within the training range."""
    a = np.arange(120) % 10
    b = pd.array(np.where(np.arange(120) % 7 == 0, None, 2 * a + 1), dtype="Int64")
    frame = pd.DataFrame({"a": pd.array(a, dtype="Int64"), "b": b})
    new = pd.DataFrame({"a": [50, 3, -20], "b": [None, None, 100]}).astype("Int64")
    filled = VAEImputer(max_iter=5, random_state=0).fit(frame).transform(new)
    assert filled["a"].tolist() == [50, 3, -20] and filled["b"].iloc[2] == 100
    assert filled["b"].iloc[:2].between(1, 19).all()
