"""sample()'s marginals="auto" for 0/1 and categorical columns: the decoder's logits tilted
so that the categories take their training shares, with each row's preferences kept."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skvae import VAETransformer
from skvae._vae._category_shares import fit_category_shares, tilt_to_shares


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "spread, n_categories", [(0.5, 4), (3.0, 4), (12.0, 4), (3.0, 80)], ids=str
)
def test_tilt_reaches_the_target_shares_and_keeps_each_rows_odds(spread, n_categories):
    """The tilted probabilities average to the target shares (within 1e-6), also for
    near-certain logits and for many categories (Sinkhorn's steps), and every row's
    log-odds between two categories move by the same amount."""
    rng = np.random.default_rng(0)
    logits = spread * rng.normal(size=(2000, n_categories))
    target = np.array([0.55, 0.25, 0.15, 0.05])
    if n_categories > 4:
        target = rng.dirichlet(np.ones(n_categories))
    offsets = tilt_to_shares(logits, target)
    tilted = softmax(logits + offsets)
    np.testing.assert_allclose(tilted.mean(axis=0), target, atol=1e-6)
    assert abs(offsets.mean()) < 1e-12
    shift = np.log(tilted[:, 0] / tilted[:, 1]) - np.log(
        softmax(logits)[:, 0] / softmax(logits)[:, 1]
    )
    np.testing.assert_allclose(shift, shift[0], atol=1e-6)


def test_training_shares_skip_missing_values_and_give_unseen_categories_none():
    """Shares count observed rows only; a category no row took has a share of 0."""
    X = np.array([[0.0, 1.0], [0.0, np.nan], [1.0, 0.0], [np.nan, 1.0], [0.0, 1.0]])
    shares = fit_category_shares(X, ["categorical", "bernoulli"], [3, 0])
    np.testing.assert_allclose(shares[0], [0.75, 0.25, 0.0])
    np.testing.assert_allclose(shares[1], [0.25, 0.75])
    assert fit_category_shares(np.full((3, 1), np.nan), ["categorical"], [2]) == [None]


def grouped_frame():
    rng = np.random.default_rng(0)
    n = 600
    group = rng.choice(["a", "b", "c"], size=n, p=[0.7, 0.2, 0.1])
    value = np.select([group == "a", group == "b"], [0.0, 3.0], 6.0) + rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "group": pd.Categorical(group),
            "value": value,
            "flag": (value + rng.normal(size=n)) > 2.5,
        }
    )
    return frame


@pytest.fixture(scope="module")
def undertrained():
    # A short fit leaves the decoder's category shares off the training ones.
    frame = grouped_frame()
    return VAETransformer(max_iter=3, random_state=0).fit(frame), frame


def shares_of(column, levels):
    return np.array([np.mean(column == level) for level in levels])


def test_calibrated_draws_take_the_training_shares(undertrained):
    """Unconditional draws have the training shares of a categorical and a bool column
    (within sampling noise of 6000 draws), where the model's own draws are far off."""
    vae, frame = undertrained
    calibrated = vae.sample(6000, random_state=1)
    model = vae.sample(6000, random_state=1, marginals="model")
    for column, levels in (("group", ["a", "b", "c"]), ("flag", [False, True])):
        train = shares_of(frame[column], levels)
        tv_model = 0.5 * np.abs(shares_of(model[column], levels) - train).sum()
        tv_calibrated = 0.5 * np.abs(shares_of(calibrated[column], levels) - train).sum()
        assert tv_model > 0.05, column
        assert tv_calibrated < 0.02, column


def test_tilt_keeps_which_rows_favour_which_category():
    """After a full fit, calibrated draws keep the dependence between the category and the
    numbers: each group's mean value stays within 0.5 of the model's own draws' (a, b, c
    centred at 0, 3 and 6 in the data)."""
    frame = grouped_frame()
    vae = VAETransformer(random_state=0).fit(frame)
    model = vae.sample(6000, random_state=2, marginals="model")
    calibrated = vae.sample(6000, random_state=2)
    model_means = model.groupby("group", observed=True)["value"].mean()
    calibrated_means = calibrated.groupby("group", observed=True)["value"].mean()
    assert model_means["a"] < model_means["b"] < model_means["c"]
    np.testing.assert_allclose(calibrated_means, model_means, atol=0.5)
    np.testing.assert_allclose(calibrated_means, [0.0, 3.0, 6.0], atol=0.7)


def test_models_without_shares_sample_as_before(undertrained):
    """A model saved before the tilt (no shares) draws its categories as the model does;
    the numeric columns are still mapped."""
    vae, _ = undertrained
    older = pickle.loads(pickle.dumps(vae))
    del older._category_shares
    older._calibrations = {}
    rows = older.sample(50, random_state=3)
    model = vae.sample(50, random_state=3, marginals="model")
    assert rows["group"].tolist() == model["group"].tolist()
    assert not np.allclose(rows["value"], model["value"])
    pd.testing.assert_frame_equal(
        vae.sample(50, random_state=3), pickle.loads(pickle.dumps(vae)).sample(50, random_state=3)
    )


def test_a_table_of_categories_only_is_tilted_too():
    """With no numeric column (no quantiles), unconditional draws still take the training
    shares, and marginals="data" applies."""
    rng = np.random.default_rng(3)
    colour = rng.choice(["red", "green", "blue"], size=400, p=[0.6, 0.3, 0.1])
    frame = pd.DataFrame(
        {
            "colour": pd.Categorical(colour),
            "flag": (colour == "red") ^ (rng.uniform(size=400) < 0.1),
        }
    )
    vae = VAETransformer(max_iter=3, random_state=0).fit(frame)
    assert vae._marginal_quantiles is None
    rows = vae.sample(6000, random_state=0, marginals="data")
    for column, levels in (("colour", ["red", "green", "blue"]), ("flag", [False, True])):
        tv = 0.5 * np.abs(shares_of(rows[column], levels) - shares_of(frame[column], levels))
        assert tv.sum() < 0.02, column


def test_categories_and_values_no_training_row_took_are_never_drawn():
    """An unused category of a pandas category dtype, and the value a bool column never
    took in training, are never drawn by sample() (the tilt drew them at half a
    row's share, 8 in 5,000 rows on penguins); the model's own draws
    (marginals="model") are left as the decoder gives them."""
    frame = grouped_frame()
    frame["group"] = pd.Categorical(frame["group"], categories=["a", "b", "c", "unused"])
    frame["never"] = np.zeros(len(frame), dtype=np.int8) == 1  # always False
    frame["always"] = np.ones(len(frame), dtype=bool)
    vae = VAETransformer(max_iter=3, random_state=0).fit(frame)
    assert vae.column_kinds_.tolist() == ["categorical", "student_t"] + ["bernoulli"] * 3
    assert not frame["never"].any()
    draws = vae.sample(20000, random_state=0)
    assert (draws["group"] != "unused").all()
    assert list(draws["group"].cat.categories) == ["a", "b", "c", "unused"]
    assert not draws["never"].any() and draws["always"].all()
    np.testing.assert_allclose(
        shares_of(draws["group"], ["a", "b", "c"]),
        shares_of(frame["group"], ["a", "b", "c"]),
        atol=0.015,
    )
    # The model's own draws (3 epochs of training) still take it: the tilt removes it.
    assert (vae.sample(20000, random_state=0, marginals="model")["group"] == "unused").any()


def test_the_tilts_weight_shift_of_a_fractional_0_1_value_mixes_both_values():
    """A 0/1 column of an array may be given 0.5: its Bernoulli log-probability is
    v log sigmoid(l) + (1 - v) log sigmoid(-l), and the tilt's shift mixes those of 1 and
    0 in the same shares (it had taken any value but 0 as 1)."""
    from skvae._nn._layout import ColumnLayout
    from skvae._vae._category_shares import tilted_log_prob_shift

    layout = ColumnLayout(["bernoulli"], [0], 1, np.zeros(1), 0.01)
    params, offsets = np.zeros((1, 1)), np.array([np.log(3.0)])
    one, zero = (tilted_log_prob_shift(params, layout, offsets, {0: v})[0] for v in (1.0, 0.0))
    assert one == pytest.approx(np.log(1.5)) and zero == pytest.approx(np.log(0.5))
    half = tilted_log_prob_shift(params, layout, offsets, {0: 0.5})[0]
    assert half == pytest.approx(0.5 * one + 0.5 * zero)
