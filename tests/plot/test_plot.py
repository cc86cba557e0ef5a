"""skvae.plot draws what the model computes, into real images, and the HTML report renders."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, load_wine

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402

from skvae import VAEOutlierDetector, VAETransformer, metrics, plot  # noqa: E402
from skvae._cli import main  # noqa: E402
from skvae.plot import _data as plot_data  # noqa: E402

DPI = 50


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.fixture(scope="module")
def digits_vae(digits):
    """A small digits model; early stopping records the val_* curves."""
    X, _ = digits
    return VAETransformer(
        n_components=3,
        hidden_layer_sizes=(32,),
        max_iter=4,
        early_stopping=True,
        kl_warmup=2,
        random_state=0,
    ).fit(X)


@pytest.fixture(scope="module")
def wine():
    data = load_wine(as_frame=True)
    return data.data, data.target.to_numpy()


@pytest.fixture(scope="module")
def wine_detector(wine):
    """A small outlier detector on a DataFrame (named columns, tabular heatmaps), with a
    two-dimensional latent space (the detector's default has one dimension per column)."""
    X, _ = wine
    return VAEOutlierDetector(
        n_components=2, contamination=0.05, hidden_layer_sizes=(16,), max_iter=5, random_state=0
    ).fit(X)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_png(figure, path):
    """Save the figure and check the PNG: its pixel size, and that it is not blank."""
    figure.savefig(path, dpi=DPI)
    assert path.exists()
    pixels = plt.imread(path)
    width, height = figure.get_size_inches() * DPI
    assert pixels.shape[:2] == (round(height), round(width))
    assert pixels[..., :3].std() > 0.05
    colours = np.unique(pixels[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 20


def test_loss_curves_draw_history(digits_vae, tmp_path):
    """loss_curves draws each history_ key (val_* dashed) and the end of the KL warm-up."""
    ax = plot.loss_curves(digits_vae)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) >= {"loss", "val_loss", "reconstruction", "val_reconstruction", "kl"}
    np.testing.assert_allclose(lines["val_kl"].get_ydata(), digits_vae.history_["val_kl"])
    assert lines["val_loss"].get_linestyle() == "--"
    assert lines["end of KL warm-up"].get_xdata()[0] == 2
    assert_png(ax.figure, tmp_path / "loss.png")


def test_latent_space_scatters_transform(digits_vae, digits, tmp_path):
    """latent_space plots transform(X) in the two most informative dims, one colour per class."""
    X, y = digits
    ax = plot.latent_space(digits_vae, X, y)
    dims = np.sort(np.argsort(-digits_vae.kl_per_dimension_)[:2])
    Z = digits_vae.transform(X)
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    expected = np.concatenate([Z[y == k][:, dims] for k in range(10)])
    np.testing.assert_allclose(points, expected, rtol=1e-5)
    assert ax.get_xlabel().startswith(f"z{dims[0]} ")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [str(k) for k in range(10)]
    assert_png(ax.figure, tmp_path / "latent.png")

    # Continuous labels get a colour bar; a detector is encoded the same way.
    ax = plot.latent_space(digits_vae, X, np.linspace(0, 1, len(X)), dims=(2, 0))
    np.testing.assert_allclose(ax.collections[0].get_offsets(), Z[:, [2, 0]], rtol=1e-5)
    assert len(ax.figure.axes) == 2
    with pytest.raises(ValueError, match=r"one or two distinct latent dimensions in \[0, 2\]"):
        plot.latent_space(digits_vae, X, dims=(0, 3))


def test_encode_decode_match_transformer(digits_vae, digits):
    """The helpers behind every plot agree with transform and inverse_transform."""
    X, _ = digits
    Z, _ = plot_data.encode(digits_vae, X[:50])
    np.testing.assert_allclose(Z, digits_vae.transform(X[:50]), rtol=1e-6)
    np.testing.assert_allclose(
        plot_data.decode(digits_vae, Z), digits_vae.inverse_transform(Z), rtol=1e-5, atol=1e-6
    )


def test_latent_traversal_images(digits_vae, tmp_path):
    """The traversal's centre image is the decoder mean at z = 0, its corners the grid ends."""
    ax = plot.latent_traversal(digits_vae, dims=(0, 1), n_steps=5, extent=2.0, image_shape=(8, 8))
    mosaic = ax.get_images()[0].get_array().filled(np.nan)
    assert mosaic.shape == (46, 46)
    centre = mosaic[1 + 2 * 9 : 1 + 2 * 9 + 8, 1 + 2 * 9 : 1 + 2 * 9 + 8]
    at_zero = digits_vae.inverse_transform(np.zeros((1, 3))).reshape(8, 8)
    np.testing.assert_allclose(centre, at_zero, rtol=1e-5, atol=1e-6)
    # Top-left: z0 = -2 (left), z1 = +2 (top).
    corner = digits_vae.inverse_transform([[-2.0, 2.0, 0.0]]).reshape(8, 8)
    np.testing.assert_allclose(mosaic[1:9, 1:9], corner, rtol=1e-5, atol=1e-6)
    assert_png(ax.figure, tmp_path / "traversal.png")
    with pytest.raises(ValueError, match=r"image_shape=\(8, 9\) must be"):
        plot.latent_traversal(digits_vae, image_shape=(8, 9))


def test_reconstructions_images(digits_vae, digits, tmp_path):
    """Top line: the real rows; bottom line: inverse_transform(transform(rows))."""
    X, _ = digits
    ax = plot.reconstructions(digits_vae, X, n_rows=4, image_shape=(8, 8))
    mosaic = ax.get_images()[0].get_array().filled(np.nan)
    assert mosaic.shape == (19, 37)
    rebuilt = digits_vae.inverse_transform(digits_vae.transform(X[:4]))
    np.testing.assert_allclose(mosaic[1:9, 10:18], X[1].reshape(8, 8))
    np.testing.assert_allclose(mosaic[10:18, 10:18], rebuilt[1].reshape(8, 8), rtol=1e-5)
    assert_png(ax.figure, tmp_path / "reconstructions.png")


def test_tabular_heatmaps_for_a_detector(wine_detector, wine, tmp_path):
    """Without image_shape, reconstructions and traversal are standardised heatmaps."""
    X, _ = wine
    ax = plot.reconstructions(wine_detector, X, n_rows=3)
    pairs = ax.get_images()[0].get_array()
    np.testing.assert_allclose(
        pairs[0], (X.iloc[0] - wine_detector.mean_) / wine_detector.scale_, rtol=1e-6
    )
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["alcohol", "malic_acid"]
    assert_png(ax.figure, tmp_path / "rows.png")

    ax = plot.latent_traversal(wine_detector, n_steps=3)
    heatmap = ax.get_images()[0].get_array()
    assert heatmap.shape == (9, 13)
    centre = plot_data.decode(wine_detector, np.zeros((1, 2)))
    np.testing.assert_allclose(
        heatmap[4], ((centre - wine_detector.mean_) / wine_detector.scale_)[0], rtol=1e-5
    )
    assert_png(ax.figure, tmp_path / "grid.png")


def test_marginals_and_correlations(digits_vae, digits, tmp_path):
    """Panels compare real rows with the model's own draws (not the calibrated default
    of sample) and quote skvae.metrics' distances."""
    X, _ = digits
    sampled = digits_vae.sample(len(X), random_state=0, marginals="model")
    figure = plot.marginals(digits_vae, X, columns=[10, 20, 36])
    # Digit pixels are integers and samples are not: the KS statistic, never TV (always 1).
    distances = [metrics.ks_statistic(X[:, j], sampled[:, j]) for j in [10, 20, 36]]
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == [f"x{j}\nKS {d:.2f}" for j, d in zip([10, 20, 36], distances, strict=True)]
    assert max(distances) < 0.9
    assert_png(figure, tmp_path / "marginals.png")
    # By default: up to six non-constant columns.
    figure = plot.marginals(digits_vae, X)
    assert len(figure.axes) == 6 and "x0\n" not in [a.get_title()[:3] for a in figure.axes]

    figure = plot.correlations(digits_vae, X)
    real, synthetic = (a.get_images()[0].get_array() for a in figure.axes[:2])
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(real, np.corrcoef(X, rowvar=False))
        np.testing.assert_allclose(synthetic, np.corrcoef(sampled, rowvar=False))
    difference = metrics.correlation_difference(X, sampled)
    assert f"{difference:.3f}" in figure.get_suptitle()
    assert_png(figure, tmp_path / "correlations.png")
    with pytest.raises(ValueError, match="ax must hold 2 matplotlib Axes"):
        plot.correlations(digits_vae, X, ax=[figure.axes[0]])


def test_anomaly_scores_threshold(wine_detector, wine, tmp_path):
    """The threshold line sits at offset_ and its label counts the rows predict flags."""
    X, _ = wine
    rng = np.random.default_rng(0)
    shifted = X.to_numpy() + rng.normal(scale=5 * X.std().to_numpy(), size=X.shape)
    rows = pd.DataFrame(np.vstack([X.to_numpy(), shifted[:20]]), columns=X.columns)
    truth = np.r_[np.zeros(len(X), int), np.ones(20, int)]
    ax = plot.anomaly_scores(wine_detector, rows, y=truth)
    line = ax.get_lines()[0]
    assert line.get_xdata()[0] == pytest.approx(wine_detector.offset_)
    flagged = int((wine_detector.predict(rows) == -1).sum())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["y = 0", "y = 1"]
    assert f"{flagged} of {len(rows)} rows below" in labels[2]
    # Every row is counted once, the far tail in the first bin.
    assert sum(patch.get_height() for patch in ax.patches) == len(rows)
    assert_png(ax.figure, tmp_path / "scores.png")


def test_categorical_conditions_in_users_values(tmp_path):
    """A condition column of strings reaches the model as its labels, never as category
    indices: reconstructions, traversal and the report decode under the rows' own values."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=120),
            "b": rng.normal(size=120),
            "colour": rng.choice(["blue", "green", "red"], size=120),
        }
    )
    vae = VAETransformer(
        n_components=2, hidden_layer_sizes=(8,), max_iter=2, random_state=0, condition_on=["colour"]
    ).fit(frame)

    def standardised(rows):
        return ((rows[["a", "b"]] - vae.mean_) / vae.scale_).to_numpy()

    ax = plot.reconstructions(vae, frame, n_rows=2)
    rebuilt = vae.inverse_transform(vae.transform(frame.iloc[:2]), conditions=frame[["colour"]][:2])
    pairs = ax.get_images()[0].get_array()
    np.testing.assert_allclose(pairs[1::2], standardised(rebuilt), rtol=1e-5)

    ax = plot.latent_traversal(vae, n_steps=3, conditions=["red"])
    centre = vae.inverse_transform(np.zeros((1, 2)), conditions=["red"])
    heatmap = ax.get_images()[0].get_array()
    np.testing.assert_allclose(heatmap[4], standardised(centre)[0], rtol=1e-5)

    # Between two categories the report's typical condition is the lower median's label.
    green, red = (int(np.flatnonzero(frame["colour"] == c)[0]) for c in ("green", "red"))
    assert list(plot_data.typical_conditions(vae, frame.iloc[[red, green]])) == ["green"]
    plot.report(vae, frame, tmp_path / "report.html")
    assert tmp_path.joinpath("report.html").read_text().count("data:image/png;base64,") == 7


def test_plots_read_estimators_through_public_members():
    """skvae.plot touches no private attribute of any object and imports no private name or
    module from outside skvae.plot: the protocol its docstring lists is all it needs."""
    for path in Path(plot.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                assert not private, f"{path.name}:{node.lineno} reads .{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.module.startswith("skvae"):
                names = [alias.name for alias in node.names]
                assert not any(name.startswith("_") for name in names), (path.name, names)
                outside = not node.module.startswith("skvae.plot")
                assert not (outside and "._" in node.module), (path.name, node.module)


def test_missing_matplotlib_says_how_to_install(monkeypatch, digits_vae):
    """Without matplotlib the error names the extra to install."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "matplotlib.pyplot")
    with pytest.raises(ImportError, match=r"pip install matplotlib"):
        plot.loss_curves(digits_vae)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_report_html_renders(wine_detector, wine, tmp_path):
    """report writes one self-contained page; headless Chromium renders its plots."""
    X, y = wine
    path = plot.report(wine_detector, X, tmp_path / "report.html", y=y)
    page = (tmp_path / "report.html").read_text()
    assert path == str(tmp_path / "report.html")
    assert page.count('src="data:image/png;base64,') == 7
    assert "http://" not in page and "https://" not in page  # no external resources
    assert f"{wine_detector.score(X):.3f}" in page
    assert f"{wine_detector.n_active_units_} of 2" in page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    # Not mkstemp's private 0600: the permissions any new file gets.
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o666 & ~umask

    browser = chromium()
    if browser is None:
        pytest.skip("no chromium on PATH; install it to check the page renders")
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            "--window-size=1200,4000",
            f"--screenshot={shot}",
            (tmp_path / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists(), result.stderr.decode()[-2000:]
    pixels = plt.imread(shot)[..., :3]
    assert pixels.shape[:2] == (4000, 1200)
    # The embedded plots were decoded: matplotlib's first two colours (C0 blue, C1 orange)
    # fill the histograms and curves, and no text-only page contains them.
    for colour in [(31, 119, 180), (255, 127, 14)]:
        close = np.abs(pixels * 255 - np.array(colour)).max(axis=-1) < 12
        assert close.sum() > 500, colour


def test_report_command(tmp_path, capsys):
    """`skvae report` on a fitted model writes the page; bad arguments give one-line errors."""
    X, y = load_wine(return_X_y=True, as_frame=True)
    table = X.iloc[:, :5].assign(kind=y.map({0: "a", 1: "b", 2: "c"}))
    data = tmp_path / "wine.csv"
    table.to_csv(data, index=False)
    model = tmp_path / "m.skvae"
    columns = ",".join(X.columns[:5])
    argv = ["fit", data, "-o", model, "--columns", columns, "--max-iter", "3", "--hidden", "8"]
    assert main([str(a) for a in argv]) == 0
    out = tmp_path / "r.html"
    assert main(["report", str(model), str(data), "-o", str(out), "--label", "kind"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    assert page.count("data:image/png;base64,") == 7 and "VAETransformer" in page

    assert main(["report", str(model), str(data), "-o", str(out), "--label", "nope"]) == 1
    assert "no column 'nope' for --label" in capsys.readouterr().err
    assert main(["report", str(model), str(data), "-o", str(out), "--image-shape", "2,2"]) == 1
    assert "image_shape=(2, 2) must be (height, width)" in capsys.readouterr().err


def test_reconstructions_and_report_take_a_polars_frame_with_a_text_column(tmp_path):
    """A model fitted on a polars frame with a text column draws the same reconstructions
    from the polars frame as from its pandas copy, and writes its report (both failed:
    the first rows were taken as an array of objects)."""
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=150), "c": rng.choice(["x", "y", "z"], 150)})
    vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    vae.fit(pl.from_pandas(frame))
    from_polars = plot.reconstructions(vae, pl.from_pandas(frame), n_rows=4)
    from_pandas = plot.reconstructions(vae, frame, n_rows=4)
    np.testing.assert_array_equal(
        from_polars.get_images()[0].get_array(), from_pandas.get_images()[0].get_array()
    )
    plt.close("all")
    path = plot.report(vae, pl.from_pandas(frame), tmp_path / "report.html")
    assert Path(path).read_text().count("<img") >= 3


def test_plots_and_report_of_a_hierarchical_model_pick_top_layer_dims(digits, tmp_path):
    """A two-layer model's kl_per_dimension_ also holds its lower layer: the default
    dims of latent_space, latent_traversal and report are among the top layer's (they
    picked a lower unit and raised "dims must be ... in [0, 1]; got [1, 2]")."""
    X, y = digits
    vae = VAETransformer(n_components=2, n_components_lower=3, max_iter=5, random_state=0)
    vae.fit(X[:400])
    assert len(vae.kl_per_dimension_) == 5
    ax = plot.latent_space(vae, X[:400], y[:400])
    assert ax.get_xlabel().split()[0] == "z0" and ax.get_ylabel().split()[0] == "z1"
    ax = plot.latent_traversal(vae, n_steps=3, image_shape=(8, 8))
    assert ax.get_images()[0].get_array().shape[0] > 0
    page = plot.report(vae, X[:400], tmp_path / "report.html")
    assert Path(page).read_text().count("<img") >= 2
    plt.close("all")


def test_a_pipeline_is_refused_with_the_step_to_pass():
    """A fitted Pipeline given to a plot is told to pass its skvae step (loss_curves
    raised scikit-learn's "This Pipeline instance is not fitted yet"), and its last step
    draws as it would alone."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = load_wine(return_X_y=True)[0]
    pipeline = make_pipeline(StandardScaler(), VAETransformer(max_iter=3, random_state=0))
    pipeline.fit(X)
    for draw in (plot.loss_curves, lambda p: plot.latent_space(p, X)):
        with pytest.raises(TypeError, match=r"got a Pipeline: pass its fitted skvae step"):
            draw(pipeline)
    assert len(plot.loss_curves(pipeline[-1]).get_lines()) == 3
    plt.close("all")
