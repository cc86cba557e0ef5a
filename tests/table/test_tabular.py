"""Mixed tables: DataFrames with numeric, integer, boolean and categorical columns."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from synthetic_data import mixed_frame

from skvae import VAEImputer, VAETransformer, load, save

FAST = dict(hidden_layer_sizes=(32,), batch_size=64, learning_rate=3e-3, random_state=0)


@pytest.fixture(scope="module")
def mixed():
    frame = mixed_frame()
    return frame, VAETransformer(n_components=2, max_iter=60, **FAST).fit(frame)


def test_kinds_are_inferred_from_dtypes(mixed):
    """float -> likelihood (Student-t by default), int -> integer, bool -> Bernoulli,
    category/object -> categorical."""
    _, vae = mixed
    assert vae.column_kinds_.tolist() == [
        "student_t",
        "integer",
        "bernoulli",
        "categorical",
        "categorical",
    ]
    assert vae.categories_[3].tolist() == ["blue", "green", "red", "violet"]
    assert vae.categories_[4].tolist() == ["a", "b"]
    assert vae.categories_[0] is None


def test_sample_and_inverse_transform_round_trip_dtypes_and_categories(mixed):
    """sample/inverse_transform give the training frame's columns, dtypes and categories."""
    frame, vae = mixed
    for out in (vae.sample(300, random_state=0), vae.inverse_transform(vae.transform(frame))):
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == list(frame.columns)
        assert out.dtypes.to_dict() == frame.dtypes.to_dict()
        assert list(out["color"].cat.categories) == ["blue", "green", "red", "violet"]
        assert set(out["name"]) <= {"a", "b"}
        # Integer columns come back as integers within the training range (counts >= 0).
        assert out["count"].min() >= frame["count"].min()
        assert out["count"].max() <= frame["count"].max()


def test_samples_reproduce_marginals_and_dependence(mixed):
    """Sampled frequencies and the latent-driven dependence between columns match the data."""
    frame, vae = mixed
    synthetic = vae.sample(2000, random_state=1)
    assert abs(synthetic["flag"].mean() - frame["flag"].mean()) < 0.06
    real = frame["color"].value_counts(normalize=True)
    fake = synthetic["color"].value_counts(normalize=True)
    assert 0.5 * (real - fake).abs().sum() < 0.1  # total-variation distance
    # The flag is on for high z, the colour red for high z: they must stay associated.
    assert synthetic.loc[synthetic["color"] == "red", "flag"].mean() > 0.8
    assert synthetic.loc[synthetic["color"] == "blue", "flag"].mean() < 0.2


def test_inverse_transform_reconstructs_categories(mixed):
    """Most rows' colour is recovered through the 2-D latent space."""
    frame, vae = mixed
    reconstructed = vae.inverse_transform(vae.transform(frame))
    assert (reconstructed["color"] == frame["color"]).mean() > 0.8
    assert (reconstructed["flag"] == frame["flag"]).mean() > 0.8


def test_unknown_category_errors_or_counts_as_missing(mixed):
    """An unseen category raises a clear error, or with handle_unknown='ignore' is missing."""
    frame, vae = mixed
    row = frame.head(1).copy()
    row["name"] = pd.Series(["zzz"], dtype=object)
    with pytest.raises(ValueError, match="column 'name' has categories not seen during fit"):
        vae.score_samples(row)
    vae_ignore = pickle.loads(pickle.dumps(vae)).set_params(handle_unknown="ignore")
    missing = frame.head(1).copy()
    missing["name"] = pd.Series([None], dtype=object)
    assert np.isfinite(vae_ignore.score_samples(row)).all()
    np.testing.assert_allclose(vae_ignore.score_samples(row), vae.score_samples(missing))


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # a few passes
def test_a_category_first_met_in_a_later_chunk_can_be_declared_up_front():
    """A text category that first appears in a later partial_fit chunk is an error that
    says how to keep it (declare every category with a pandas CategoricalDtype), not only
    handle_unknown='ignore'; declared so, it is learned from that chunk on."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 2)), columns=["x", "y"])
    frame["city"] = np.repeat(["paris", "rome"], 100).astype(object)
    vae = VAETransformer(n_components=1, **FAST).partial_fit(frame.iloc[:100])
    with pytest.raises(ValueError) as caught:
        vae.partial_fit(frame.iloc[100:])
    assert str(caught.value) == (
        "column 'city' has categories not seen during fit: ['rome'] (fit saw ['paris']). "
        "To keep them, declare every category before fit, as a DataFrame column of a pandas "
        "CategoricalDtype: X[col].astype(pd.CategoricalDtype([...])); or set "
        "handle_unknown='ignore' to treat unseen categories as missing values (the model "
        "never learns them)."
    )
    declared = frame.astype({"city": pd.CategoricalDtype(["paris", "rome"])})
    vae = VAETransformer(n_components=1, **FAST)
    for _ in range(3):
        vae.partial_fit(declared.iloc[:100]).partial_fit(declared.iloc[100:])
    assert vae.categories_[2].tolist() == ["paris", "rome"]
    assert "rome" in vae.sample(200, random_state=0)["city"].tolist()


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 5 epochs
def test_a_column_of_numbers_and_text_keeps_both_as_categories():
    """An object column holding 1 and "a" fits with the categories 1 and "a" (not the
    text "1", which fit then called unseen) and generates both values."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 2)), columns=["x", "y"]).assign(m=[1, "a"] * 30)
    vae = VAETransformer(max_iter=5, random_state=0).fit(frame)
    assert vae.categories_[2].tolist() == [1, "a"]
    assert np.isfinite(vae.score(frame))
    assert set(vae.sample(50, random_state=0)["m"]) == {1, "a"}


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 1 epoch
@pytest.mark.parametrize("value, kind", [({"x": 1}, "dict"), ([1, 2], "list"), ((1, 2), "tuple")])
def test_a_column_of_dicts_or_lists_is_an_error_that_names_it(value, kind):
    """A column of dicts, lists or tuples (values no category can be) fails fit with a
    ValueError naming the column, the type received and what to do, not a TypeError from
    deep inside; in a fitted categorical column, transform fails the same way."""
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 20, "b": [value] * 60})
    with pytest.raises(ValueError) as error:
        VAETransformer(max_iter=1).fit(frame)
    assert str(error.value) == (
        f"column 'b' holds {kind} values (such as {value!r}); skvae takes numbers or category "
        "labels (str, bool, int) in each column: convert the column to one of those, or drop it"
    )
    vae = VAETransformer(max_iter=1, **FAST).fit(frame.assign(b=["u", "v"] * 30))
    with pytest.raises(ValueError, match=f"^column 'b' holds {kind} values"):
        vae.transform(frame)


def test_dates_are_an_error_in_arrays_as_in_frames():
    """Dates or durations in a NumPy array (datetime64, timedelta64) fail fit, transform
    and score with the error a DataFrame's date column gets, where check_array silently
    turned them into nanosecond counts (1.58e18) that the model then fitted and sampled;
    a DataFrame's period and interval columns get it too."""
    days = np.array(pd.date_range("2020-01-01", periods=30)).reshape(-1, 1)
    for X in (days, days - days[0, 0]):
        with pytest.raises(ValueError, match=r"^X has dtype (datetime|timedelta)64\[.*cannot"):
            VAETransformer(max_iter=1).fit(X)
    frame = pd.DataFrame({"x": np.arange(30.0), "t": days[:, 0]})
    with pytest.raises(ValueError, match="^column 't' has dtype datetime64.*cannot model"):
        VAETransformer(max_iter=1).fit(frame)
    # Periods (which were read as 30 text categories) and intervals too.
    for other in (pd.period_range("2020-01-01", periods=30), pd.interval_range(0, 30)):
        with pytest.raises(ValueError, match="^column 't' has dtype (period|interval).*cannot"):
            VAETransformer(max_iter=1).fit(frame.assign(t=other))
    vae = VAETransformer(max_iter=1, **FAST).fit(np.arange(60.0).reshape(30, 2))
    with pytest.raises(ValueError, match="^X has dtype datetime64"):
        vae.score_samples(np.column_stack([days, days]))


def test_an_array_of_text_for_a_model_fitted_on_a_frame_says_to_pass_a_frame():
    """A model fitted on a frame with a text column, given the rows as an array
    (df.to_numpy()) or one row as a Series (df.iloc[0]), says to pass a DataFrame; it
    raised NumPy's "could not convert string to float". A frame's numbers as an array
    still work, as in scikit-learn."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "g": rng.choice(["hi", "lo"], 60)})
    vae = VAETransformer(max_iter=1, **FAST).fit(frame)
    for rows in (frame.to_numpy()[:2], frame.iloc[0]):
        with pytest.raises(ValueError, match="^X is an array that holds text, but the model"):
            vae.transform(rows)
    numbers = VAETransformer(max_iter=1, **FAST).fit(frame[["a"]].assign(b=frame["a"] ** 2))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert np.isfinite(numbers.transform(np.ones((2, 2)))).all()


def test_structured_and_text_arrays_say_what_to_pass():
    """A NumPy structured array and an array holding text get skvae's errors naming what
    to pass (they raised NumPy's "Cannot cast array data" and "could not convert string
    to float"), at fit and, for text, at transform of a model fitted on numbers."""
    fields = np.array([(1.0, 2)] * 5, dtype=[("x", "f8"), ("y", "i4")])
    with pytest.raises(ValueError, match=r"structured array \(fields \['x', 'y'\]\); pass pd"):
        VAETransformer(max_iter=1, **FAST).fit(fields)
    text = np.array([[1.0, "a"]] * 5, dtype=object)
    with pytest.raises(ValueError, match="^X is an array of shape 5x2 that holds text; text is"):
        VAETransformer(max_iter=1, **FAST).fit(text)
    vae = VAETransformer(max_iter=1, **FAST).fit(np.ones((5, 2)) + np.eye(5, 2))
    with pytest.raises(ValueError, match="holds text; .* fit \\(and then transform\\) DataFr"):
        vae.transform(text)


def test_a_complex_column_is_an_error_after_fit_as_in_fit():
    """A complex column of a frame is refused by transform, score_samples and the imputer
    as fit refuses it; they used to drop its imaginary part (a + 1e9j scored as a)."""
    from skvae import VAEImputer

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 2)), columns=["a", "b"])
    complex_rows = frame.assign(a=frame["a"] + 1e9j)
    message = "^column 'a' has dtype complex128, which skvae cannot model"
    with pytest.raises(ValueError, match=message):
        VAETransformer(max_iter=1).fit(complex_rows)
    vae = VAETransformer(max_iter=1, **FAST).fit(frame)
    imputer = VAEImputer(max_iter=1, **FAST).fit(frame)
    for method in (vae.transform, vae.score_samples, imputer.transform):
        with pytest.raises(ValueError, match=message):
            method(complex_rows)


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 1 epoch
def test_a_text_column_with_a_value_per_row_warns_that_it_looks_like_an_identifier():
    """A text column of 60 distinct names in 60 rows warns at fit, naming the column and
    the count (the rule by which the command line refuses it); it is still fitted as 60
    categories. column_types={"name": "categorical"} (the way to insist), a pandas category
    column and a column of a few labels fit without that warning."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "name": [f"person-{i}" for i in range(60)]})

    def fit_and_identifier_warnings(X, **params):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            vae = VAETransformer(max_iter=1, **FAST, **params).fit(X)
        return vae, [str(w.message) for w in caught if "identifier" in str(w.message)]

    vae, found = fit_and_identifier_warnings(frame)
    assert found == [
        "column 'name' has 60 distinct values in 60 rows: it looks like an identifier or free "
        "text, and each of its categories is seen about once, so the model learns nothing from "
        "it. Drop the column, or set column_types={'name': 'categorical'} to encode it anyway "
        "(which also silences this warning)"
    ]
    assert len(vae.categories_[1]) == 60
    assert fit_and_identifier_warnings(frame, column_types={"name": "categorical"})[1] == []
    assert fit_and_identifier_warnings(frame.astype({"name": "category"}))[1] == []
    assert fit_and_identifier_warnings(frame.assign(name=["a", "b", "c"] * 20))[1] == []


def test_score_is_a_normalised_mixed_density():
    """For one continuous and one categorical column, the integral-sum of p(x, c) is 1.

    score_samples adds a density (in the column's units) and a probability: integrating
    exp(score) over a grid of the continuous column and summing over the categories must
    give 1, which holds only if every constant and the scaling Jacobian are included.
    """
    rng = np.random.default_rng(0)
    label = rng.integers(0, 3, size=500)
    frame = pd.DataFrame(
        {
            "value": 100.0 + 20.0 * (label - 1) + 5.0 * rng.normal(size=500),
            "label": pd.Categorical(np.array(["x", "y", "w"])[label]),
        }
    )
    vae = VAETransformer(n_components=1, max_iter=80, n_importance_samples=200, **FAST)
    vae.fit(frame)
    grid = np.linspace(20.0, 180.0, 801)
    total = 0.0
    for category in ["w", "x", "y"]:
        rows = pd.DataFrame(
            {"value": grid, "label": pd.Categorical([category] * len(grid), ["w", "x", "y"])}
        )
        total += np.trapezoid(np.exp(vae.score_samples(rows)), grid)
    assert total == pytest.approx(1.0, abs=0.05)


# One category column needs no latent information: the units rightly collapse.
@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")
def test_single_categorical_column_learns_its_frequencies():
    """A frame with one categorical column: exp(score) are the category frequencies."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"fruit": rng.choice(["apple", "kiwi", "pear"], p=[0.6, 0.3, 0.1], size=800)}
    )
    vae = VAETransformer(n_components=1, max_iter=60, **FAST).fit(frame)
    probs = np.exp(vae.score_samples(pd.DataFrame({"fruit": ["apple", "kiwi", "pear"]})))
    np.testing.assert_allclose(probs, [0.6, 0.3, 0.1], atol=0.05)
    assert probs.sum() == pytest.approx(1.0, abs=0.03)
    assert set(vae.sample(50, random_state=0)["fruit"]) <= {"apple", "kiwi", "pear"}


def test_a_one_category_column_fits_and_scores_without_a_softmax_warning():
    """A text column with a single category (a filtered table) raises no Keras warning about
    a softmax over one value, in fit, score_samples, transform or sample; its probability
    is 1, so scores are finite and generated rows hold the category."""
    import warnings

    from keras import ops

    from skvae._nn.observations.discrete.categorical import Categorical

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100), "country": "NL"})
    frame.loc[::7, "a"] = np.nan  # incomplete rows: the decoded means fill them in fit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae = VAETransformer(max_iter=3, **FAST).fit(frame)
        scores = vae.score_samples(frame)
        vae.transform(frame)
        rows = vae.sample(20, random_state=0)
    assert [str(w.message) for w in caught if "softmax" in str(w.message)] == []
    assert vae.categories_[2].tolist() == ["NL"]
    assert scores.shape == (100,) and np.isfinite(scores).all()
    assert (rows["country"] == "NL").all()
    # The probability of a one-category block is exactly 1; a wider block's is the softmax.
    columns = Categorical([0, 1], np.array([0, 1]), np.array([1, 3]), np.zeros(2), 0.01, 1)
    logits = np.array([[2.5, 0.1, -1.0, 3.0], [-4.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    one, three = (ops.convert_to_numpy(p) for p in columns.expected(logits))
    np.testing.assert_array_equal(one, np.ones((2, 1), dtype=np.float32))
    np.testing.assert_array_equal(three, ops.convert_to_numpy(ops.softmax(logits[:, 1:])))


def test_bimodal_column_gives_bimodal_samples_with_mixture_likelihood():
    """A bimodal column comes back bimodal: KS to the data below 0.1.

    Bound: a Gaussian with the column's mean and variance (what a unimodal model would
    sample) is at KS 0.24 from these data, while two samples of 1,000 rows from the same
    distribution differ by less than 0.073 in 99% of cases; 0.1 separates the two.
    """
    rng = np.random.default_rng(0)
    n = 1000
    other = rng.normal(size=n)
    bimodal = np.where(rng.uniform(size=n) < 0.5, -3.0, 3.0) + 0.4 * rng.normal(size=n)
    frame = pd.DataFrame({"other": other, "bimodal": bimodal})
    vae = VAETransformer(n_components=1, likelihood="mixture", max_iter=60, **FAST).fit(frame)
    synthetic = vae.sample(n, random_state=0)["bimodal"]
    gaussian = rng.normal(bimodal.mean(), bimodal.std(), size=n)
    assert stats.ks_2samp(gaussian, bimodal).statistic > 0.2
    assert stats.ks_2samp(synthetic, bimodal).statistic < 0.1
    assert np.mean(np.abs(synthetic) < 1.0) < 0.05  # nothing piles up between the modes


def test_mixture_log_prob_is_the_gaussian_mixture_density_minus_the_log_scale():
    """A "mixture" column's log-probability is log sum_m softmax(logits)_m N(x; mu_m,
    var_m), the variances floored as every column's are, minus the column's log scale,
    summed over the observed entries; and the mixture density integrates to 1."""
    from keras import ops
    from scipy.integrate import quad
    from scipy.special import logsumexp, softmax

    from skvae._nn._layout import ColumnLayout

    rng = np.random.default_rng(0)
    n_rows, M, var_floor, log_scale = 40, 3, 0.01, np.array([0.2, -0.4])
    layout = ColumnLayout(["mixture"] * 2, [0, 0], M, log_scale, var_floor)
    params = rng.normal(size=(n_rows, layout.param_width))
    x = 2.0 * rng.normal(size=(n_rows, 2))
    mask = (rng.uniform(size=(n_rows, 2)) < 0.8).astype(np.float64)
    # The block is component-major: logits, means, raw variances (component m of each
    # column, then m + 1).
    block = params.reshape(n_rows, 3, M, 2)
    logits, means = block[:, 0], block[:, 1]
    log_var = np.logaddexp(np.float64(np.float32(np.log(var_floor))), block[:, 2])
    log_weights = np.log(softmax(logits, axis=1))
    component = stats.norm.logpdf(x[:, None, :], means, np.exp(0.5 * log_var))
    expected = (logsumexp(log_weights + component, axis=1) - log_scale) * mask
    got = ops.convert_to_numpy(layout.log_prob(x, params, mask))
    np.testing.assert_allclose(got, expected.sum(axis=1), rtol=1e-9)
    # Row 0's first column: its density over x (observed alone) integrates to 1 in
    # standardised units, so the log scale shifts it to a density in X's units.
    one = np.array([[1.0, 0.0]])

    def density(value):
        row = np.array([[value, 0.0]])
        return np.exp(ops.convert_to_numpy(layout.log_prob(row, params[:1], one))[0])

    total = quad(density, -np.inf, np.inf, limit=200)[0]
    assert total == pytest.approx(np.exp(-log_scale[0]), rel=1e-6)


def test_column_types_override_and_errors():
    """column_types sets kinds by name or position; bad names and kinds are explained."""
    frame = mixed_frame(200)
    vae = VAETransformer(
        max_iter=2, column_types={"count": "categorical", 0: "heteroscedastic"}, **FAST
    ).fit(frame)
    assert vae.column_kinds_[:2].tolist() == ["heteroscedastic", "categorical"]
    assert vae.sample(20, random_state=0)["count"].dtype == np.int64
    with pytest.raises(ValueError, match="column_types names column 'nope'"):
        VAETransformer(column_types={"nope": "gaussian"}, **FAST).fit(frame)
    with pytest.raises(ValueError, match=r"column_types\['num'\] must be one of"):
        VAETransformer(column_types={"num": "poisson"}, **FAST).fit(frame)
    with pytest.raises(ValueError, match="holds values that are not numbers"):
        VAETransformer(column_types={"name": "gaussian"}, **FAST).fit(frame)
    # One column by its name and by its position with two kinds: which one won depended
    # on the dict's order, silently.
    first = frame.columns[0]
    twice = {first: "categorical", 0: "gaussian"}
    with pytest.raises(ValueError, match=f"column_types names column '{first}' twice"):
        VAETransformer(column_types=twice, **FAST).fit(frame)


def test_numpy_input_with_a_categorical_column_stays_numpy():
    """NumPy in, NumPy out: a categorical column comes back as its category values."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=300), rng.choice([2.0, 5.0, 7.0], size=300)])
    vae = VAETransformer(max_iter=5, column_types={1: "categorical"}, **FAST).fit(X)
    out = vae.sample(50, random_state=0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert set(np.unique(out[:, 1])) <= {2.0, 5.0, 7.0}
    assert vae.categories_[1].tolist() == [2.0, 5.0, 7.0]


def test_missing_values_in_a_mixed_frame():
    """NaN, None and pd.NA train and score finitely; imputation fills every kind."""
    frame = mixed_frame(600, seed=1)
    holes = mixed_frame(600, seed=1).astype({"flag": "boolean"})
    rng = np.random.default_rng(2)
    mask = rng.uniform(size=holes.shape) < 0.2
    for j, column in enumerate(holes.columns):
        holes.loc[mask[:, j], column] = None
    imputer = VAEImputer(n_components=2, max_iter=60, **FAST).fit(holes)
    assert np.isfinite(imputer.score_samples(holes)).all()
    filled = imputer.transform(holes)
    assert not filled.isna().any().any()
    assert filled.dtypes["color"] == holes.dtypes["color"]
    # Category holes are filled from the other columns, far better than the mode.
    hole = mask[:, 3]
    accuracy = (filled["color"][hole] == frame["color"][hole]).mean()
    mode_accuracy = (frame["color"][hole] == frame["color"].mode()[0]).mean()
    assert accuracy > mode_accuracy + 0.2
    observed = ~mask[:, 0]
    np.testing.assert_array_equal(filled["num"][observed], holes["num"][observed])


def test_save_load_and_pickle_keep_a_mixed_model(mixed, tmp_path):
    """A mixed-frame model survives skvae.save/load and pickle with identical outputs."""
    frame, vae = mixed
    save(vae, tmp_path / "mixed.skvae")
    for restored in (load(tmp_path / "mixed.skvae"), pickle.loads(pickle.dumps(vae))):
        np.testing.assert_array_equal(restored.score_samples(frame), vae.score_samples(frame))
        pd.testing.assert_frame_equal(
            restored.sample(20, random_state=0), vae.sample(20, random_state=0)
        )
