"""skvae.plot on awkward tables: missing labels and cells, categories in heatmaps, integer
column labels, repeated latent dimensions, and VQ-VAE models."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402

from skvae import VAEImputer, VAETransformer, VQVAETransformer, plot  # noqa: E402

SMALL = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def correlated():
    """Three columns, the first two correlated."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    return np.c_[z, z + 0.3 * rng.normal(size=200), rng.normal(size=200)]


@pytest.fixture(scope="module")
def vae(correlated):
    return VAETransformer(n_components=2, **SMALL).fit(correlated)


def test_latent_space_draws_missing_labels_as_their_own_grey_group(vae, correlated):
    """A label with None entries colours those rows grey, as the last group "missing"."""
    y = pd.Series(np.where(correlated[:, 0] > 0, "hi", "lo"), dtype=object)
    y[::5] = None
    ax = plot.latent_space(vae, correlated, y, dims=(0, 1))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hi", "lo", "missing"]
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [int((y == "hi").sum()), int((y == "lo").sum()), 40]
    np.testing.assert_allclose(ax.collections[2].get_facecolor()[0][:3], [0.6, 0.6, 0.6])
    scores = plot.anomaly_scores(vae, correlated, y=y)
    assert [t.get_text() for t in scores.get_legend().get_texts()] == [
        "y = hi",
        "y = lo",
        "y = missing",
    ]


def test_marginals_and_correlations_use_observed_cells_when_no_row_is_complete(correlated):
    """With one hole in every row, marginals draws each column's observed values and the
    real correlation matrix is the pairwise-complete one."""
    X = correlated.copy()
    X[np.arange(len(X)), np.arange(len(X)) % 3] = np.nan
    imputer = VAEImputer(**SMALL).fit(X)
    figure = plot.marginals(imputer, X)
    assert [axis.get_title().split()[0] for axis in figure.axes] == ["x0", "x1", "x2"]
    counts = [sum(p.get_height() * p.get_width() for p in a.patches[:25]) for a in figure.axes]
    np.testing.assert_allclose(counts, 1.0)  # densities of the observed values
    figure = plot.correlations(imputer, X)
    expected = pd.DataFrame(X).corr().to_numpy()
    np.testing.assert_allclose(figure.axes[0].get_images()[0].get_array(), expected)
    assert expected[0, 1] > 0.8


def test_heatmaps_colour_scale_is_set_by_numeric_columns_not_category_indices():
    """A 30-level category is off the colour scale (grey cells naming the category); the
    colour limits are the numeric columns' largest standardised value."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    levels = [f"c{k:02d}" for k in range(30)]
    frame = pd.DataFrame(
        {
            "x": z + 0.2 * rng.normal(size=300),
            "y": -z + 0.2 * rng.normal(size=300),
            "city": pd.Categorical(rng.choice(levels, 300)),
        }
    )
    model = VAETransformer(n_components=2, **SMALL).fit(frame)
    ax = plot.reconstructions(model, frame, n_rows=4)
    values = np.ma.filled(ax.get_images()[0].get_array(), np.nan)
    assert np.isnan(values[:, 2]).all()
    low, high = ax.get_images()[0].get_clim()
    assert high == pytest.approx(np.nanmax(np.abs(values[:, :2]))) and low == -high
    assert high < 5
    texts = [t.get_text() for t in ax.texts]
    assert texts[0::2] == [str(c) for c in frame["city"][:4]]
    assert set(texts) <= set(levels)
    ax = plot.latent_traversal(model, n_steps=3)
    values = np.ma.filled(ax.get_images()[0].get_array(), np.nan)
    assert np.isnan(values[:, 2]).all() and len(ax.texts) == 9
    assert ax.get_images()[0].get_clim()[1] == pytest.approx(np.nanmax(np.abs(values)))


def test_plots_name_and_select_columns_by_integer_labels(correlated):
    """A frame with columns [10, 20, 30]: panels are titled 10, 20, 30, as sample names
    them, and columns=[20] picks the second column."""
    frame = pd.DataFrame(correlated, columns=[10, 20, 30])
    model = VAETransformer(n_components=2, **SMALL).fit(frame)
    assert list(model.sample(1, random_state=0).columns) == [10, 20, 30]
    titles = [axis.get_title().split()[0] for axis in plot.marginals(model, frame).axes]
    assert titles == ["10", "20", "30"]
    figure = plot.marginals(model, frame, columns=[20, 0])
    assert [axis.get_title().split()[0] for axis in figure.axes] == ["20", "10"]
    ticks = [t.get_text() for t in plot.correlations(model, frame).axes[0].get_xticklabels()]
    assert ticks == ["10", "20", "30"]
    with pytest.raises(ValueError, match="column 40 is not a modelled column"):
        plot.marginals(model, frame, columns=[40])


def test_plots_of_a_model_conditioned_on_a_partly_unseen_declared_label_do_not_warn(
    correlated,
):
    """Integer column labels and a condition column whose first declared category no
    training row had: the plots read the column labels off a placeholder decode, which
    gave that category and warned that nothing was learned about it; they are silent."""
    frame = pd.DataFrame(correlated, columns=[10, 20, 30])
    frame[40] = pd.Categorical(np.where(frame[10] > 0, "b", "c"), categories=["a", "b", "c"])
    model = VAETransformer(n_components=2, condition_on=[40], **SMALL).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        figure = plot.marginals(model, frame)
    assert [axis.get_title().split()[0] for axis in figure.axes] == ["10", "20", "30"]
    plt.close("all")


def test_repeated_latent_dimensions_are_refused(vae, correlated):
    """dims=(0, 0) and (1, 1) are refused: two distinct latent dimensions are needed."""
    with pytest.raises(ValueError, match=r"two distinct latent dimensions.*got \[0, 0\]"):
        plot.latent_traversal(vae, dims=(0, 0))
    with pytest.raises(ValueError, match=r"one or two distinct latent dimensions.*got \[1, 1\]"):
        plot.latent_space(vae, correlated, dims=(1, 1))


def test_vq_vae_draws_loss_curves_and_other_plots_say_they_need_a_vae(correlated, tmp_path):
    """A VQVAETransformer gets its loss curves (no warm-up marker); the VAE-only plots raise
    a TypeError naming the estimators they take."""
    vq = VQVAETransformer(n_codes=4, **SMALL).fit(correlated)
    ax = plot.loss_curves(vq)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "reconstruction"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), vq.history_["loss"])
    calls = {
        "latent_space": lambda: plot.latent_space(vq, correlated),
        "latent_traversal": lambda: plot.latent_traversal(vq),
        "reconstructions": lambda: plot.reconstructions(vq, correlated),
        "marginals": lambda: plot.marginals(vq, correlated),
        "correlations": lambda: plot.correlations(vq, correlated),
        "report_numbers": lambda: plot.report_numbers(vq, correlated),
        "report": lambda: plot.report(vq, correlated, tmp_path / "vq.html"),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match=f"^{name} needs a VAE estimator .*VQVAETransformer"):
            call()
    assert not (tmp_path / "vq.html").exists()


def test_marginals_draw_a_category_as_named_shares():
    """A categorical column's panel shows each category's share of the real and of the
    sampled rows as bars named by the categories (it was a histogram of the category
    indices, with ticks -1, 0, 1, 2, 3)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=150),
            "species": pd.Categorical(rng.choice(["setosa", "virginica", "versicolor"], 150)),
        }
    )
    model = VAETransformer(max_iter=5, random_state=0).fit(frame)
    axis = plot.marginals(model, frame, columns=["species"]).axes[0]
    assert [t.get_text() for t in axis.get_xticklabels()] == ["setosa", "versicolor", "virginica"]
    real_bars = axis.patches[:3]
    shares = frame["species"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose([bar.get_height() for bar in real_bars], shares.to_numpy())
