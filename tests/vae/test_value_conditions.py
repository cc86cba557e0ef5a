"""sample(conditions={column: value}): rows drawn from p(x_rest | x_given) without a CVAE."""

import numpy as np
import pandas as pd
import pytest

from skvae import VAETransformer


@pytest.fixture(scope="module")
def line():
    """Two columns that share one factor: x1 = z + noise, x2 = z + noise (sd 0.1).

    A linear Gaussian VAE (factor analysis, fitted from its FA start), so that the model's
    conditional is the true one and the test checks the sampler, not the fit.
    """
    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 1))
    X = np.hstack([z, z]) + 0.1 * rng.normal(size=(600, 2))
    vae = VAETransformer(
        n_components=1, hidden_layer_sizes=(), likelihood="gaussian", max_iter=30, random_state=0
    ).fit(X)
    return vae


def test_the_other_column_follows_its_conditional_distribution(line):
    """Given x1 = 1.5, x2 is drawn around E[x2 | x1] = 1.5 / 1.01 ~ 1.49 with sd ~ 0.14."""
    rows = line.sample(2000, random_state=0, conditions={0: 1.5})
    assert np.all(rows[:, 0] == 1.5)
    assert rows[:, 1].mean() == pytest.approx(1.49, abs=0.05)
    assert rows[:, 1].std() == pytest.approx(np.sqrt(0.01 + 0.01 / 1.01), abs=0.04)
    # A column is named by its position or, for an array, by its generated name.
    np.testing.assert_array_equal(
        line.sample(10, random_state=0, conditions={0: 1.5}),
        line.sample(10, random_state=0, conditions={"x0": 1.5}),
    )


def test_a_value_outside_the_training_range_is_warned_about(line):
    """A given value beyond its column's training range warns, naming the column, the
    value and the range, from the user's own line; a common value does not warn."""
    import warnings

    median = float(line._marginal_quantiles["quantiles"][500, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line.sample(5, random_state=0, conditions={0: median})
    with pytest.warns(
        UserWarning, match=r"outside the training range: 'x0' = 20 \(training range"
    ) as caught:
        far = line.sample(5, random_state=0, conditions={0: 20.0})
    assert any(w.filename == __file__ for w in caught)
    # Under the training marginals it conditions as the range's end does, and says so.
    assert any("drawn as for the nearest end of the range" in str(w.message) for w in caught)
    highest = float(line._marginal_quantiles["quantiles"][-1, 0])
    np.testing.assert_array_equal(
        far[:, 1], line.sample(5, random_state=0, conditions={0: highest})[:, 1]
    )
    assert far[:, 1].max() <= line._marginal_quantiles["quantiles"][-1, 1]
    with pytest.warns(UserWarning, match="look much like unconditional ones"):
        line.sample(5, random_state=0, conditions={0: 20.0}, marginals="model")


def test_categories_and_frames():
    """A frame's category is fixed in every row, and the other columns follow it."""
    rng = np.random.default_rng(1)
    group = rng.integers(0, 2, size=600)
    frame = pd.DataFrame(
        {
            "size": 5.0 * group + rng.normal(size=600),
            "weight": 10.0 * group + rng.normal(size=600),
            "group": pd.Categorical(np.where(group == 1, "big", "small")),
        }
    )
    vae = VAETransformer(n_components=2, max_iter=60, random_state=0).fit(frame)
    big = vae.sample(500, random_state=0, conditions={"group": "big"})
    small = vae.sample(500, random_state=0, conditions={"group": "small"})
    assert isinstance(big, pd.DataFrame) and (big["group"] == "big").all()
    assert (small["group"] == "small").all()
    # The groups' means differ by 5 and 10: most of that shows in the generated rows.
    assert big["size"].mean() - small["size"].mean() > 3.5
    assert big["weight"].mean() - small["weight"].mean() > 7.0
    with pytest.raises(
        ValueError, match=r"the category 'huge', not seen in fit; its categories are \['big'"
    ):
        vae.sample(5, conditions={"group": "huge"})


def test_bad_conditions_get_clear_errors(line):
    """Unknown columns, empty or missing values and unlikely values are reported."""
    with pytest.raises(ValueError, match=r"column 'height' that the model does not have"):
        line.sample(5, conditions={"height": 1.0})
    with pytest.raises(ValueError, match="conditions is an empty dict"):
        line.sample(5, conditions={})
    with pytest.raises(ValueError, match=r"missing or infinite value for \['x1'\]"):
        line.sample(5, conditions={1: np.nan})
    # pd.NA and None are missing values too, not "values that are not numbers".
    for missing in (pd.NA, None):
        with pytest.raises(ValueError, match=r"missing or infinite value for \['x0'\]"):
            line.sample(5, conditions={0: missing})
    # Text for a numeric column gets advice about the condition, not about column_types.
    with pytest.raises(ValueError, match=r"column 'x1' the value 'tall', but the column is num"):
        line.sample(5, conditions={1: "tall"})
    flow = VAETransformer(n_components=1, posterior="flow", n_flows=1, max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="plain Gaussian posterior.*leave latent='auto'"):
        flow.fit(np.random.default_rng(0).normal(size=(50, 2))).sample(
            5, conditions={0: 1.0}, latent="aggregate"
        )
    # Under the model's own marginals 40 is 40 (the training marginals draw it as the
    # range's end, which a well-fitted model may find likely enough: no second warning).
    with pytest.warns(UserWarning, match="unlikely under the model"):
        line.sample(5, random_state=0, conditions={0: 40.0}, marginals="model")


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 2 epochs
def test_several_values_for_one_column_are_a_clear_error():
    """A list, tuple or array of values for a category or a number is a ValueError that
    names the column and the values and says to sample each value separately; a 0-d array
    is one value."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=60), "species": rng.choice(["Adelie", "Gentoo"], 60)}
    )
    vae = VAETransformer(max_iter=2, random_state=0).fit(frame)
    with pytest.raises(ValueError) as error:
        vae.sample(5, random_state=0, conditions={"species": ["Gentoo", "Adelie"]})
    assert str(error.value).startswith(
        "conditions give column 'species' a list of values, ['Gentoo', 'Adelie']; each "
        "condition takes one value per column. To generate rows for several values, sample "
        "each value separately and concatenate"
    )
    for several in [(1.0, 2.0), np.array([1.0, 2.0]), pd.Series([1.0]), [1.0]]:
        with pytest.raises(ValueError, match=r"column 'x' a \w+ of values, .*one value per col"):
            vae.sample(5, random_state=0, conditions={"x": several})
    pd.testing.assert_frame_equal(
        vae.sample(5, random_state=0, conditions={"x": np.array(1.5), "species": "Gentoo"}),
        vae.sample(5, random_state=0, conditions={"x": 1.5, "species": "Gentoo"}),
    )


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 5 epochs
def test_values_that_generated_rows_cannot_hold_are_rejected():
    """A 0/1 column given 5, an integer column given 2.5 or a value outside the training
    range that generated rows are kept in, or a column named twice, raise a clear error
    instead of rows that silently hold another value."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"a": rng.normal(size=80), "b": rng.integers(0, 5, 80), "d": rng.random(80) > 0.5}
    )
    vae = VAETransformer(max_iter=5, random_state=0).fit(frame)
    for value in (5, 0.5):  # 0.5 drew True rows whose other columns were half False's
        with pytest.raises(ValueError, match=rf"boolean column 'd' the value {value}; give T"):
            vae.sample(3, conditions={"d": value})
    with pytest.raises(ValueError, match="the integer column .b. the value 2.5, but generated"):
        vae.sample(3, conditions={"b": 2.5})
    with pytest.raises(ValueError, match=r"the value 1000, outside the range .* \(0 to 4\)"):
        vae.sample(3, conditions={"b": 1000})
    with pytest.raises(ValueError, match="names column 'b' twice"):
        vae.sample(3, conditions={1: 2, "b": 3})
    # Text, even text that parses as a number, is refused with what the column takes
    # (a boolean given "True" was told to give a number; "0.5" passed as 0.5).
    with pytest.raises(ValueError, match="'d' the value 'True', but the column is two-valued"):
        vae.sample(3, conditions={"d": "True"})
    with pytest.raises(ValueError, match="'a' the value '0.5', but the column is numeric"):
        vae.sample(3, conditions={"a": "0.5"})
    rows = vae.sample(3, random_state=0, conditions={"b": 4, "d": True})
    assert rows["b"].tolist() == [4, 4, 4] and rows["d"].tolist() == [True, True, True]


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 2 epochs
def test_a_conditional_model_keeps_its_array_conditions():
    """With condition_on, a dict is refused with a pointer to the array form."""
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=200), rng.integers(0, 2, size=200)])
    vae = VAETransformer(n_components=1, max_iter=2, condition_on=[1], random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"pass the values of those columns as an array"):
        vae.sample(5, conditions={1: 1})


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 2 epochs
def test_array_conditions_get_errors_about_conditions():
    """With condition_on, an unseen category, text for a numeric condition and pd.NA are
    explained as condition errors (no hint at handle_unknown or column_types), and one row
    of values given as a (1, n_conditions) array serves every generated row."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "size": rng.normal(size=200),
            "group": rng.choice(["a", "b"], size=200),
        }
    )
    by_group = VAETransformer(n_components=1, max_iter=2, condition_on=["group"], random_state=0)
    by_group.fit(frame)
    with pytest.raises(ValueError, match=r"column 'group' the category 'c', not seen in fit; its"):
        by_group.sample(3, conditions=["c"])
    rows = by_group.sample(3, random_state=0, conditions=[["b"]])
    assert rows["group"].tolist() == ["b", "b", "b"]
    pd.testing.assert_frame_equal(rows, by_group.sample(3, random_state=0, conditions=["b"]))
    by_size = VAETransformer(n_components=1, max_iter=2, condition_on=["size"], random_state=0)
    by_size.fit(frame)
    with pytest.raises(ValueError, match=r"column 'size' the value 'big', but the column is nume"):
        by_size.sample(3, conditions=["big"])
    with pytest.raises(ValueError, match="got non-finite or missing values"):
        by_size.sample(3, conditions=[pd.NA])
    assert by_size.sample(3, random_state=0, conditions=[1.5])["size"].tolist() == [1.5] * 3


def test_a_common_category_is_drawn_from_the_models_conditional_with_its_spread():
    """Given a category of half the rows of a penguin-like table, the generated rows have
    the mean and spread of the rows of 60,000 unconditional draws that hold the value
    (rejection): with the defaults, of sample()'s own draws (the aggregate posterior, the
    training marginals); with latent="prior" and marginals="model", of the raw model's
    from the prior. No warning says the value is unlikely: the proposal mixes the
    encoder's q(z | x_given) with z's own distribution. Alone, q(z | x_given) was too
    narrow for a common value: about 20 effective draws of 20,480, a warning, and
    lengths 15 to 22 % less spread than the model's."""
    import warnings

    rng = np.random.default_rng(0)
    n = 600
    species = rng.choice(3, size=n, p=[0.45, 0.35, 0.2])
    island = np.where(species == 2, 2, np.where(species == 1, rng.choice(2, n), rng.choice(3, n)))
    sex = rng.choice(2, size=n)
    frame = pd.DataFrame(
        {
            "length": np.array([39.0, 48.0, 49.0])[species] + 2 * sex + 2.5 * rng.normal(size=n),
            "depth": np.array([18.0, 15.0, 18.5])[species] + sex + rng.normal(size=n),
            "mass": np.array([3700.0, 5100.0, 3700.0])[species]
            + 500 * sex
            + 350 * rng.normal(size=n),
            "species": pd.Categorical(np.array(["A", "G", "C"])[species]),
            "island": pd.Categorical(np.array(["T", "B", "D"])[island]),
            "sex": pd.Categorical(np.array(["f", "m"])[sex]),
        }
    )
    vae = VAETransformer(random_state=0).fit(frame)
    for options in ({}, {"latent": "prior", "marginals": "model"}):
        reference = vae.sample(60000, random_state=1, **options)
        for column, value in (("sex", "m"), ("island", "B"), ("species", "C")):
            with warnings.catch_warnings():
                warnings.simplefilter("error", UserWarning)
                rows = vae.sample(1000, random_state=0, conditions={column: value}, **options)
            model = reference[reference[column] == value]
            for name in ("length", "mass"):
                assert rows[name].std() == pytest.approx(model[name].std(), rel=0.08)
                assert abs(rows[name].mean() - model[name].mean()) < 0.1 * model[name].std()
            share = (rows["island"] == "D").mean()  # species C lives on island D only
            assert share == pytest.approx((model["island"] == "D").mean(), abs=0.05)


def test_the_defensive_weight_correction_is_the_prior_over_the_mixtures_density():
    """log_prior_over_defensive(noise, mean, log_var) = log(N(z; 0, I) / ((q(z) + N(z; 0,
    I)) / 2)) at z = mean + exp(log_var / 2) * noise, computed here from the two densities;
    for a draw 1e6 standard deviations from q it is log 2 exactly (the float32 log q of the
    model's weight lost the whole weight there)."""
    from skvae._vae._defensive_draws import log_prior_over_defensive

    noise, mean, log_var = np.array([[0.5, -1.0]]), np.array([1.0, 0.0]), np.log([0.25, 4.0])
    z = mean + np.exp(0.5 * log_var) * noise
    log_q = -0.5 * np.sum(np.log(2 * np.pi) + log_var + noise**2)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z**2)
    expected = log_p - np.log(0.5 * (np.exp(log_q) + np.exp(log_p)))
    assert log_prior_over_defensive(noise, mean, log_var)[0] == pytest.approx(expected)
    far = log_prior_over_defensive(np.array([[1e6, 0.0]]), np.array([3e5, 0.0]), log_var)
    assert far[0] == pytest.approx(np.log(2.0), abs=1e-12)


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 5 epochs
def test_a_value_no_training_row_holds_is_refused():
    """A category the dtype declares but no training row took, and True for a boolean
    column that was False in every training row, are refused: the draws have no rows of
    them to follow (they came out a blend of the other groups, without a word)."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=120),
            "region": pd.Categorical(
                rng.choice(["north", "south"], 120), categories=["north", "south", "west"]
            ),
            "flag": np.zeros(120, dtype=bool),
        }
    )
    vae = VAETransformer(max_iter=5, random_state=0).fit(frame)
    for conditions, shown in (({"region": "west"}, "'west'"), ({"flag": True}, "True")):
        with pytest.raises(
            ValueError, match=rf"'{next(iter(conditions))}' the value {shown}, which no"
        ):
            vae.sample(3, conditions=conditions)
    rows = vae.sample(4, random_state=0, conditions={"region": "south", "flag": False})
    assert rows["region"].tolist() == ["south"] * 4 and not rows["flag"].any()


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 3 epochs
def test_an_object_column_of_true_and_false_takes_only_true_or_false():
    """A column of True and False held as objects (read_csv's, with blanks) comes back
    as True and False like a bool dtype, so it takes no other value either: 0.5 was
    accepted there, the boolean check having read only the dtype's name."""
    rng = np.random.default_rng(0)
    flag = np.where(rng.random(80) > 0.5, True, False).astype(object)
    flag[::9] = None
    frame = pd.DataFrame({"a": rng.normal(size=80), "flag": flag})
    vae = VAETransformer(max_iter=3, random_state=0).fit(frame)
    with pytest.raises(ValueError, match="boolean column 'flag' the value 0.5; give True or"):
        vae.sample(3, conditions={"flag": 0.5})
    assert vae.sample(2, random_state=0, conditions={"flag": True})["flag"].tolist() == [True] * 2


@pytest.fixture(scope="module")
def repeated_values():
    """A table whose columns repeat values: a rating of 5 values and a 0/1 flag stored as
    floats, an int64 count (the "integer" kind) and a continuous column, all driven by
    one factor."""
    rng = np.random.default_rng(0)
    n = 1000
    z = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "cont": z + 0.1 * rng.normal(size=n),
            "rating": np.clip(np.round(1.2 * z + 3), 1, 5).astype(float),
            "flag": (z + 0.3 * rng.normal(size=n) > 0.5).astype(float),
            "count": np.clip(np.round(1.5 * z + 5), 0, None).astype("int64"),
        }
    )
    return VAETransformer(max_iter=40, random_state=0).fit(frame)


def test_a_repeated_value_is_drawn_as_the_rows_that_hold_it(repeated_values):
    """Given a value that the calibrated generator gives for a whole interval of model
    values (a rating, a float flag, an integer count), the rows follow the unconditional
    draws that hold it (rejection), by the KS statistic of the continuous column. A
    single model value in the middle of that interval gave ratings of 3 a spread 0.74
    times the rejection rows' (KS 0.09) and counts of 8 a shifted mean (KS 0.16)."""
    from scipy.stats import ks_2samp

    vae = repeated_values
    pool = vae.sample(60000, random_state=11)
    for column, value in (("rating", 3.0), ("flag", 1.0), ("count", 6)):
        rows = vae.sample(3000, random_state=0, conditions={column: value})
        held = pool[pool[column] == value]
        assert (rows[column] == value).all() and len(held) > 3000
        assert ks_2samp(rows["cont"], held["cont"]).statistic < 0.05, column


def test_a_repeated_value_outside_the_range_is_drawn_as_the_end(repeated_values):
    """A rating of 0 (training range 1 to 5) draws the other columns exactly as a rating
    of 1 does, with the warning, instead of rows from no latent draw at all."""
    with pytest.warns(UserWarning, match="drawn as for the nearest end of the range"):
        below = repeated_values.sample(200, random_state=0, conditions={"rating": 0.0})
    end = repeated_values.sample(200, random_state=0, conditions={"rating": 1.0})
    assert (below["rating"] == 0.0).all()
    pd.testing.assert_frame_equal(below.drop(columns="rating"), end.drop(columns="rating"))


def test_a_model_saved_before_the_category_tilt_takes_category_conditions(repeated_values):
    """A model that stored quantiles but no category shares (saved before the tilt) takes
    a category's condition; it had raised a TypeError from the missing tilt."""
    import pickle

    frame = pd.DataFrame(
        {"x": np.linspace(0.0, 1.0, 60), "group": pd.Categorical(["a", "b", "c"] * 20)}
    )
    older = pickle.loads(pickle.dumps(VAETransformer(max_iter=3, random_state=0).fit(frame)))
    older._category_shares = None
    rows = older.sample(5, random_state=0, conditions={"group": "b"})
    assert (rows["group"] == "b").all() and np.isfinite(rows["x"]).all()


def test_a_float32_models_repeated_values_are_recognised_as_given():
    """On a float32 array a rating of 0.3 is stored as 0.30000001: given 0.3, the rows
    follow the unconditional draws that hold it, as on float64 (it had matched no stored
    value, and the rows drifted toward those of 0.2)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=800)
    rating = np.clip(np.round(z + 3), 1, 5) / 10  # 0.1 ... 0.5
    X = np.column_stack([rating, z + 0.2 * rng.normal(size=800)]).astype(np.float32)
    vae = VAETransformer(max_iter=30, random_state=0).fit(X)
    rows = vae.sample(2000, random_state=0, conditions={0: 0.3})
    pool = vae.sample(40000, random_state=1)
    held = pool[pool[:, 0] == np.float32(0.3)]
    assert rows.dtype == np.float32 and (rows[:, 0] == np.float32(0.3)).all()
    assert abs(rows[:, 1].mean() - held[:, 1].mean()) < 0.1 * held[:, 1].std()
