"""Conditional generation: condition_on columns feed encoder and decoder, not the model."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import skvae
from skvae import PosteriorCollapseWarning, VAETransformer
from skvae._table._conditions import encode_conditions, fit_condition_encoding


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(np.hstack([X, y[:, None]]), test_size=0.2, random_state=0)


@pytest.fixture(scope="module")
def digits_cvae(digits_split):
    train, _ = digits_split
    return VAETransformer(
        n_components=8,
        likelihood="heteroscedastic",
        hidden_layer_sizes=(128, 64),
        var_floor=0.03,
        max_iter=100,
        condition_on=[64],
        random_state=0,
    ).fit(train)


def test_generated_digits_have_the_requested_class(digits_cvae, digits_split):
    """A classifier trained on real digits recognises the class of generated samples."""
    train, test = digits_split
    classifier = LogisticRegression(max_iter=2000).fit(train[:, :64], train[:, 64])
    assert classifier.score(test[:, :64], test[:, 64]) > 0.95
    labels = np.repeat(np.arange(10), 40)
    samples = digits_cvae.sample(400, random_state=0, conditions=labels[:, None])
    assert samples.shape == (400, 65)
    np.testing.assert_array_equal(samples[:, 64], labels)
    # Chance is 0.1; with 200 epochs this configuration reached 0.95 (100 here).
    assert classifier.score(samples[:, :64], labels) > 0.8


def test_each_condition_draws_z_where_its_training_codes_lie(
    digits_cvae, digits_split, monkeypatch
):
    """Under a condition seen in fit, z comes from the aggregate posterior's components in
    the shares of that condition's training codes: more generated digits of each class are
    recognised than with z from the whole mixture (measured 0.905 against 0.846 on
    average, worst class 0.807 against 0.667)."""
    train, _ = digits_split
    classifier = LogisticRegression(max_iter=2000).fit(train[:, :64], train[:, 64])

    def recognised():
        shares = []
        for digit in range(10):
            rows = digits_cvae.sample(300, random_state=digit, conditions=[digit])
            shares.append(np.mean(classifier.predict(rows[:, :64]) == digit))
        return np.mean(shares), np.min(shares)

    joint_mean, joint_worst = recognised()
    monkeypatch.setattr(VAETransformer, "_component_shares_given", lambda *args: None)
    whole_mean, whole_worst = recognised()
    assert joint_mean > whole_mean + 0.03 and joint_worst > whole_worst + 0.05
    assert joint_mean > 0.85


def test_conditioning_raises_the_likelihood_of_the_modelled_columns(digits_cvae, digits_split):
    """log p(x | class) on held-out rows beats log p(x) of the same unconditional model."""
    train, test = digits_split
    plain = VAETransformer(
        n_components=8,
        likelihood="heteroscedastic",
        hidden_layer_sizes=(128, 64),
        var_floor=0.03,
        max_iter=100,
        random_state=0,
    ).fit(train[:, :64])
    assert digits_cvae.score(test) > plain.score(test[:, :64])


def test_conditions_by_name_and_continuous_conditions():
    """DataFrame columns by name; a continuous condition shifts the generated rows."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    c = rng.uniform(-2, 2, size=800)
    frame = pd.DataFrame(
        {
            "a": 3 * c + 0.1 * rng.normal(size=800),
            "b": -c + 0.1 * rng.normal(size=800),
            "level": c,
        }
    )
    # Given the level, a and b are independent noise: no latent factor is left, and the
    # model rightly reports its one unit as collapsed.
    with pytest.warns(PosteriorCollapseWarning, match="only 0 of 1 latent units"):
        vae = VAETransformer(
            n_components=1,
            hidden_layer_sizes=(32,),
            batch_size=32,
            max_iter=60,
            condition_on=["level"],
            random_state=0,
        ).fit(frame)
    np.testing.assert_array_equal(vae.condition_columns_, [2])
    assert vae.condition_categories_ == [None]  # continuous: standardised, not one-hot
    for level in (-1.5, 0.0, 1.5):
        rows = vae.sample(500, random_state=0, conditions=[level]).to_numpy()  # a frame
        assert rows[:, 0].mean() == pytest.approx(3 * level, abs=0.3)
        assert rows[:, 1].mean() == pytest.approx(-level, abs=0.15)
        np.testing.assert_array_equal(rows[:, 2], level)
    decoded = vae.inverse_transform(np.zeros((2, 1)), conditions=[[1.0], [-1.0]]).to_numpy()
    assert decoded[0, 0] == pytest.approx(3.0, abs=0.3)
    assert decoded[1, 0] == pytest.approx(-3.0, abs=0.3)


def test_conditional_model_round_trips_through_pickle(digits_cvae, digits_split):
    """Condition encodings survive pickling: identical scores and samples."""
    _, test = digits_split
    restored = pickle.loads(pickle.dumps(digits_cvae))
    np.testing.assert_array_equal(
        restored.score_samples(test[:20]), digits_cvae.score_samples(test[:20])
    )
    np.testing.assert_array_equal(
        restored.sample(5, random_state=0, conditions=[3]),
        digits_cvae.sample(5, random_state=0, conditions=[3]),
    )


def test_sample_without_conditions_draws_each_label_with_its_training_share(
    digits_cvae, digits_split, tmp_path
):
    """sample(n) with no conditions draws the condition values with their training
    shares, each row generated under its own: the digits' shares are the training shares,
    a classifier trained on real rows reads the drawn digit off the generated pixels, the
    pixels take the training marginals (marginals="auto" is "data" here), and a saved
    model draws the same rows."""
    train, _ = digits_split
    rows = digits_cvae.sample(2000, random_state=0)
    shares = np.bincount(rows[:, 64].astype(int), minlength=10) / len(rows)
    assert np.abs(shares - np.bincount(train[:, 64].astype(int)) / len(train)).max() < 0.03
    classifier = LogisticRegression(max_iter=2000).fit(train[:, :64], train[:, 64])
    assert (classifier.predict(rows[:, :64]) == rows[:, 64]).mean() > 0.8
    # Calibrated pixels are whole numbers in 0..16 as in training; the model's own are not.
    assert set(np.unique(rows[:, :64])) <= set(np.unique(train[:, :64]))
    raw = digits_cvae.sample(2000, random_state=0, marginals="model")
    assert not np.isin(raw[:, :64], np.arange(17)).all()
    np.testing.assert_array_equal(rows, digits_cvae.sample(2000, random_state=0))
    skvae.save(digits_cvae, tmp_path / "cvae.skvae")
    restored = skvae.load(tmp_path / "cvae.skvae")
    np.testing.assert_array_equal(rows, restored.sample(2000, random_state=0))


def test_sample_draws_conditions_with_the_shares_of_every_training_row():
    """The condition values' shares count every training row, not the 2,000 that the
    aggregate posterior's codes come from (a label on 4 of 20,000 rows is drawn about as
    often: it was drawn 0 or 62 times in 100,000), and every partial_fit call's rows (the
    last chunk's labels alone were drawn)."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(20000, 2)), np.zeros(20000)])
    X[rng.choice(20000, 4, replace=False), 2] = 1.0
    model = VAETransformer(condition_on=[2], max_iter=1, hidden_layer_sizes=(4,), random_state=0)
    drawn = model.fit(X).sample(100000, random_state=0)[:, 2]
    assert 5 <= np.count_nonzero(drawn == 1.0) <= 40  # 20 expected
    # The first chunk has the three labels (partial_fit learns them there), the others
    # label 2 only: 1/9, 1/9 and 7/9 of all rows.
    labels = np.concatenate([np.repeat([0.0, 1.0, 2.0], 50), np.full(300, 2.0)])
    labelled = np.column_stack([rng.normal(size=(450, 2)), labels])
    chunks = VAETransformer(condition_on=[2], hidden_layer_sizes=(4,), random_state=0)
    for chunk in np.split(labelled, 3):
        chunks.partial_fit(chunk)
    shares = np.bincount(chunks.sample(9000, random_state=0)[:, 2].astype(int)) / 9000
    np.testing.assert_allclose(shares, [1 / 9, 1 / 9, 7 / 9], atol=0.02)


def test_sample_asks_for_conditions_where_no_training_conditions_were_kept(tmp_path):
    """A conditional model fitted on a memory-mapped X keeps no training rows, so sample()
    needs its conditions and refuses marginals="data"; with them it draws as before."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(200, 2)), rng.integers(0, 2, 200)])
    np.save(tmp_path / "X.npy", X)
    model = VAETransformer(condition_on=[2], max_iter=2, random_state=0)
    model.fit(np.load(tmp_path / "X.npy", mmap_mode="r"))
    with pytest.raises(ValueError, match=r"\[2\] but kept no training conditions to draw"):
        model.sample(3)
    with pytest.raises(ValueError, match="no training marginals"):
        model.sample(3, marginals="data")
    assert model.sample(3, conditions=[1])[:, 2].tolist() == [1.0, 1.0, 1.0]


def test_condition_errors_are_clear(digits_cvae, digits_split):
    """Unknown categories, missing or unexpected conditions and bad columns are explained."""
    _, test = digits_split
    bad = test[:2].copy()
    bad[:, 64] = 11
    with pytest.raises(
        ValueError,
        match=r"has value 11, not seen in fit; its values in fit "
        r"were \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]\. Give one of those",
    ):
        digits_cvae.transform(bad)
    with pytest.raises(ValueError, match="conditioned on 1 column.*pass conditions="):
        digits_cvae.inverse_transform(np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"conditions must have shape \(1,\) or \(3, 1\)"):
        digits_cvae.sample(3, conditions=[[1, 2]])
    # A dict (sample's column values for unconditioned models) names the form to use.
    with pytest.raises(ValueError, match=r"conditioned on \[64\]: pass the values"):
        digits_cvae.inverse_transform(np.zeros((2, 8)), conditions={64: 3})
    plain = VAETransformer(max_iter=1, random_state=0).fit(test[:, :64])
    with pytest.raises(ValueError, match="as an array or frame, but this model was fitted wi"):
        plain.sample(2, conditions=[1])
    # A dict to inverse_transform is named as a dict, and sent to sample.
    with pytest.raises(ValueError, match=r"given as a dict, .*only sample\(\) takes"):
        plain.inverse_transform(np.zeros((2, plain.n_components_)), conditions={0: 1.0})
    with pytest.raises(ValueError, match="X has no column names"):
        VAETransformer(condition_on=["label"], max_iter=1).fit(test)
    with pytest.raises(ValueError, match="has column index 70, but X has 65 columns"):
        VAETransformer(condition_on=[70], max_iter=1).fit(test)
    with pytest.raises(ValueError, match="none is left to model"):
        VAETransformer(condition_on=[0, 1], max_iter=1).fit(test[:, :2])


def test_missing_condition_values_are_named_by_column():
    """NaN in a condition_on column of a frame is reported by the column's name (it was
    its position in X)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60)})
    frame["group"] = rng.choice([0.0, 1.0], size=60)
    vae = VAETransformer(condition_on=["group"], max_iter=1, random_state=0).fit(frame)
    holes = frame.head(3).copy()
    holes.loc[holes.index[1], "group"] = np.nan
    with pytest.raises(ValueError, match=r"got NaN in column\(s\) \['group'\]"):
        vae.transform(holes)


def test_a_categorical_condition_with_many_categories_is_one_hot_encoded():
    """A categorical condition column is one-hot encoded however many categories it has
    (a 40-level category used to be standardised as a number, inventing an order); a
    numeric column of 40 whole numbers is still standardised."""
    rng = np.random.default_rng(0)
    group = rng.integers(0, 40, size=400)
    labels = np.array([f"g{i:02d}" for i in range(40)])
    frame = pd.DataFrame(
        {"x": rng.normal(size=400) + 0.1 * group, "grp": pd.Categorical(labels[group])}
    )
    params = dict(n_components=1, max_iter=2, condition_on=["grp"], random_state=0)
    # Two epochs leave the latent unit unused: that warning is not what this test checks.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        by_category = VAETransformer(**params).fit(frame)
        by_number = VAETransformer(**params).fit(frame.assign(grp=group))
    np.testing.assert_array_equal(by_category.condition_categories_[0], np.arange(40.0))
    assert by_category.categories_[1].tolist() == labels.tolist()
    drawn = by_category.sample(3, random_state=0, conditions=["g05"])
    assert drawn["grp"].tolist() == ["g05"] * 3
    assert by_number.condition_categories_ == [None]


def test_an_unseen_condition_category_is_named_by_its_label():
    """The error for a categorical condition column's value that the encoding lacks names
    the value and the known ones by their labels ('virginica', not the code 2) and says
    what to do; numeric labels read as the user wrote them (3, not np.int64(3) nor '3')."""
    codes, mean, scale = [np.array([0.0, 1.0])], np.zeros(1), np.ones(1)
    species = [np.array(["setosa", "versicolor", "virginica"], dtype=object)]
    with pytest.raises(ValueError) as caught:
        encode_conditions(np.array([[0.0], [2.0]]), codes, mean, scale, ["label"], species)
    assert str(caught.value) == (
        "condition column 'label' has value 'virginica', not seen in fit; its values in fit "
        "were ['setosa', 'versicolor']. Give one of those, or fit on rows that hold every "
        "value the column will take (the first partial_fit call fixes them), or declare them "
        "all as a DataFrame column of a pandas CategoricalDtype: "
        "X[col].astype(pd.CategoricalDtype([...]))"
    )
    levels = [np.array([1, 2, 3])]
    with pytest.raises(
        ValueError, match=r"value 3, not seen in fit; its values in fit were \[1, 2\]\."
    ):
        encode_conditions(np.array([[2.0]]), codes, mean, scale, ["level"], levels)


def test_an_ignored_unseen_condition_category_is_explained_not_called_missing():
    """With handle_unknown='ignore' an unseen category of a condition column becomes NaN,
    which a condition cannot be: the error says so and names the categories fit saw,
    rather than report a missing value the user's rows do not hold."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60), "c": ["a", "b"] * 30})
    params = dict(n_components=2, max_iter=2, random_state=0, condition_on=["c"])
    vae = VAETransformer(handle_unknown="ignore", **params).fit(frame)
    new = frame.head(2).assign(c=["zzz", "a"])
    with pytest.raises(ValueError) as caught:
        vae.transform(new)
    assert "got NaN in column(s) ['c']; with handle_unknown='ignore' a category" in str(
        caught.value
    )
    assert "fit saw ([['a', 'b']])" in str(caught.value)
    with pytest.raises(
        ValueError, match=r"column 'c' has categories not seen during fit: \['zzz'\]"
    ):
        VAETransformer(**params).fit(frame).transform(new)


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # 30 epochs
def test_labelled_conditions_are_read_by_name():
    """A DataFrame or Series of conditions labelled by the condition columns is read by
    its labels, in any order (a frame {"b": 0, "a": 2} drew rows with a=0, b=2); labels
    that are not the condition columns are an error; an array stays positional."""
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    frame = pd.DataFrame({"a": a, "b": b, "y": 10 * a + 40 * b + rng.normal(size=300)})
    vae = VAETransformer(condition_on=["a", "b"], max_iter=30, random_state=0).fit(frame)
    expected = vae.sample(20, random_state=0, conditions=[2, 0])
    swapped = pd.DataFrame({"b": [0] * 20, "a": [2] * 20})
    pd.testing.assert_frame_equal(vae.sample(20, random_state=0, conditions=swapped), expected)
    by_series = vae.sample(20, random_state=0, conditions=pd.Series({"b": 0, "a": 2}))
    pd.testing.assert_frame_equal(by_series, expected)
    assert expected["a"].eq(2).all() and expected["b"].eq(0).all()
    with pytest.raises(ValueError, match=r"conditions' columns \['a', 'c'\] are not the cond"):
        vae.sample(3, conditions=pd.DataFrame({"a": [2] * 3, "c": [0] * 3}))
    # Unnamed columns (a frame made from an array) stay positional, in X's column order.
    unnamed = pd.DataFrame(np.tile([[2, 0]], (20, 1)))
    pd.testing.assert_frame_equal(vae.sample(20, random_state=0, conditions=unnamed), expected)
    # polars and pyarrow tables by their column names too (a pyarrow Table's column data
    # were read as labels: a garbled error).
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    for table in (pl.from_pandas(swapped), pa.Table.from_pandas(swapped)):
        pd.testing.assert_frame_equal(vae.sample(20, random_state=0, conditions=table), expected)
    # A model fitted on int column labels reads an int-labelled frame by its labels.
    numbered = VAETransformer(condition_on=[0, 1], max_iter=30, random_state=0).fit(
        pd.DataFrame(frame.to_numpy())
    )
    rows = numbered.sample(5, random_state=0, conditions=pd.DataFrame({1: [0] * 5, 0: [2] * 5}))
    assert rows[0].eq(2).all() and rows[1].eq(0).all()


def test_a_numeric_condition_beyond_its_training_range_warns():
    """A many-valued numeric condition given a value outside its training range warns,
    naming the column, the value and the range (it was drawn without a word, where the
    same value in sample(conditions={...}) warns); a value inside does not."""
    rng = np.random.default_rng(0)
    mass = rng.normal(4000, 600, 300)
    frame = pd.DataFrame({"mass": mass, "y": mass / 100 + rng.normal(size=300)})
    vae = VAETransformer(condition_on=["mass"], max_iter=5, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match=r"'mass' = 20000 \(training range 2\d+(\.\d+)? to "):
        vae.sample(3, random_state=0, conditions=[20000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        vae.sample(3, random_state=0, conditions=[4000.0])


def test_a_coded_condition_column_encodes_every_declared_category():
    """Given the number of categories of a coded condition column, the encoding one-hot
    encodes all of its codes, also those no training row holds (a stream sorted by the
    label meets them later); numeric condition columns keep their encoding."""
    C = np.column_stack([np.zeros(20), np.arange(20.0) % 3, np.linspace(0.0, 1.0, 20)])
    categories, mean, scale = fit_condition_encoding(C, n_categories=[4, 0, 0])
    np.testing.assert_array_equal(categories[0], [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(categories[1], [0.0, 1.0, 2.0])  # whole numbers: one-hot
    assert categories[2] is None  # standardised
    np.testing.assert_allclose([mean[2], scale[2]], [0.5, np.std(np.linspace(0.0, 1.0, 20))])
    later = np.array([[3.0, 1.0, 0.5]])
    np.testing.assert_array_equal(
        encode_conditions(later, categories, mean, scale, ["a", "b", "c"]),
        [[0, 0, 0, 1, 0, 1, 0, 0]],
    )


@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")  # a few passes
@pytest.mark.filterwarnings("ignore:partial_fit:UserWarning")  # sorted: later chunks lie far
def test_a_condition_column_keeps_every_category_its_dtype_declares():
    """A categorical condition column encodes all the categories of its pandas dtype, as
    an ordinary column does: a stream sorted by the label trains with partial_fit (its
    later labels were refused by their codes), transform takes rows of a category the fit
    rows lacked, sample(n) draws only the training rows' categories, and sample with an
    absent one as its condition generates its rows and warns that nothing was learned."""
    iris = load_iris(as_frame=True)
    frame = iris.data.assign(label=pd.Categorical(iris.target_names[iris.target]))
    stream = VAETransformer(n_components=2, condition_on=["label"], random_state=0)
    for chunk in (frame.iloc[:50], frame.iloc[50:100], frame.iloc[100:]):
        stream.partial_fit(chunk)
    np.testing.assert_array_equal(stream.condition_categories_[0], [0.0, 1.0, 2.0])
    assert sorted(stream.sample(300, random_state=0)["label"].unique()) == [
        "setosa",
        "versicolor",
        "virginica",
    ]
    two = VAETransformer(n_components=2, condition_on=["label"], max_iter=3, random_state=0)
    two.fit(frame.iloc[:100])
    np.testing.assert_array_equal(two.condition_categories_[0], [0.0, 1.0, 2.0])
    assert np.isfinite(two.transform(frame.iloc[100:])).all()
    assert set(two.sample(300, random_state=0)["label"]) == {"setosa", "versicolor"}
    with pytest.warns(UserWarning, match=r"the category 'virginica', which its dtype declares "):
        drawn = two.sample(3, random_state=0, conditions=["virginica"])
    assert drawn["label"].tolist() == ["virginica"] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        two.sample(3, random_state=0, conditions=["setosa"])  # a trained label: no warning
