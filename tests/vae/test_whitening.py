"""whiten=True and "auto": the real-valued columns on their principal axes (PCA whitening)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from skvae import VAEImputer, VAEOutlierDetector, VAETransformer
from skvae._table._whitening import whitening_from_correlation

FAST = dict(hidden_layer_sizes=(32,), batch_size=64, learning_rate=3e-3, random_state=0)


def correlated_rows(n=600, seed=0):
    """Two columns with correlation 0.95 and scales 1 and 50."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return np.column_stack([x, 50.0 * (0.95 * x + np.sqrt(1 - 0.95**2) * rng.normal(size=n))])


def test_whitened_coordinates_are_uncorrelated_with_unit_variance():
    """whitening_ maps the standardised training columns to coordinates with covariance I."""
    X = correlated_rows()
    vae = VAETransformer(n_components=1, max_iter=2, whiten=True, **FAST).fit(X)
    U = ((X - vae.mean_) / vae.scale_)[:, vae.whitened_features_] @ vae.whitening_
    np.testing.assert_allclose(np.cov(U, rowvar=False, bias=True), np.eye(2), atol=1e-10)
    assert vae.whitened_features_.tolist() == [0, 1]


def test_whitened_score_is_a_normalised_density_in_x_units():
    """exp(score_samples) of a whitened model integrates to 1 over X's plane.

    The integral comes out 1 only if the whitening's log-Jacobian (and the scaling's) is
    in the score: without the rotation's scales it would be off by their product.
    """
    X = correlated_rows()
    vae = VAETransformer(
        n_components=1, max_iter=80, n_importance_samples=200, whiten=True, **FAST
    ).fit(X)
    a = np.linspace(-5.0, 5.0, 161)
    b = np.linspace(-250.0, 250.0, 161)
    A, B = np.meshgrid(a, b, indexing="ij")
    density = np.exp(vae.score_samples(np.column_stack([A.ravel(), B.ravel()]))).reshape(A.shape)
    total = np.trapezoid(np.trapezoid(density, b, axis=1), a)
    assert total == pytest.approx(1.0, abs=0.05)


@pytest.mark.slow  # benchmarks/density.py --variants whiten measures it over five splits
def test_whitening_raises_held_out_likelihood_of_correlated_columns():
    """On breast_cancer (30 strongly correlated columns) whitening gains > 5 nats per row.

    Measured with these settings on this split: about 21 nats per row without whitening
    and 34 with it (benchmarks/density.py: 21.1 against 35 over five splits).
    """
    X, _ = load_breast_cancer(return_X_y=True)
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    scores = {
        whiten: VAETransformer(whiten=whiten, random_state=0).fit(X_train).score(X_test)
        for whiten in (False, True)
    }
    assert scores[True] > scores[False] + 5.0


def test_whitening_leaves_constant_discrete_and_categorical_columns_alone():
    """Only continuous columns with a spread are rotated: constant, discrete (5 values),
    integer and categorical columns keep their own coordinates."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    frame = pd.DataFrame(
        {
            "a": x,
            "b": x + 0.1 * rng.normal(size=300),
            "constant": np.full(300, 3.0),
            "count": rng.poisson(3.0, size=300),
            "c": rng.normal(size=300),
            "label": pd.Categorical(rng.choice(["u", "v"], size=300)),
            "rating": rng.integers(1, 6, size=300).astype(float),
        }
    )
    vae = VAETransformer(n_components=1, max_iter=3, whiten=True, **FAST).fit(frame)
    assert vae.whitened_features_.tolist() == [0, 1, 4]
    assert vae.column_kinds_.tolist()[-1] == "student_t"  # float, but 5 values: discrete
    samples = vae.sample(400, random_state=0)
    # Values in X's units come back: column b follows column a, the constant stays put.
    assert np.corrcoef(samples["a"], samples["b"])[0, 1] > 0.8
    assert set(samples["label"]) <= {"u", "v"}
    np.testing.assert_allclose(samples["constant"], 3.0, atol=0.5)


def test_whitened_inverse_transform_returns_x_units():
    """Decoded rows are back in X's units: their column means match the data's."""
    X = correlated_rows()
    vae = VAETransformer(n_components=2, max_iter=60, whiten=True, **FAST).fit(X)
    decoded = vae.inverse_transform(vae.transform(X))
    assert np.all(np.abs(decoded.mean(axis=0) - X.mean(axis=0)) < 0.2 * X.std(axis=0))
    assert np.corrcoef(decoded[:, 0], X[:, 0])[0, 1] > 0.5


def test_whitened_fit_is_reproducible_and_survives_pickling():
    """Same random_state, same scores; a pickled whitened model scores identically."""
    X = correlated_rows()
    first = VAETransformer(n_components=1, max_iter=5, whiten=True, **FAST).fit(X)
    second = VAETransformer(n_components=1, max_iter=5, whiten=True, **FAST).fit(X)
    np.testing.assert_array_equal(first.score_samples(X[:20]), second.score_samples(X[:20]))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.whitening_, first.whitening_)
    np.testing.assert_allclose(restored.score_samples(X[:20]), first.score_samples(X[:20]))


def test_whitening_errors_speak_to_the_user():
    """Holes in fit and transform, conditions by column values and the imputer get clear
    errors with whiten=True; "auto" transforms rows with holes."""
    X = correlated_rows(n=200)
    holes = X.copy()
    holes[3, 1] = np.nan
    message = r"whiten=True needs training rows with no missing value .* column\(s\) \[1\]"
    with pytest.raises(ValueError, match=message):
        VAETransformer(max_iter=1, whiten=True, **FAST).fit(holes)
    # A frame's columns by name (they were positions among the modelled columns).
    frame = pd.DataFrame(holes, columns=[f"c{j}" for j in range(holes.shape[1])])
    with pytest.raises(ValueError, match=r"column\(s\) \['c1'\]\. Impute them first"):
        VAETransformer(max_iter=1, whiten=True, **FAST).fit(frame)
    # No complete training row: the same error (whiten=True was dropped silently).
    every_row = X.copy()
    every_row[np.arange(len(X)), np.arange(len(X)) % 2] = np.nan
    with pytest.raises(ValueError, match=r"no missing value .* column\(s\) \[0, 1\]"):
        VAETransformer(max_iter=1, whiten=True, **FAST).fit(every_row)
    vae = VAETransformer(n_components=1, max_iter=1, whiten=True, **FAST).fit(X)
    # whiten=True's tags refuse NaN; "auto" (on complete rows the same fit as True, see
    # below) encodes a row with a hole as the row with the hole at its conditional mean.
    with pytest.raises(ValueError, match=r"whiten=True, which needs rows .* 1 row"):
        vae.transform(holes)
    vae.set_params(whiten="auto")
    correlation = np.linalg.inv(vae.whitening_ @ vae.whitening_.T)
    filled = holes[3:4].copy()
    standardised = (filled[0, 0] - vae.mean_[0]) / vae.scale_[0]
    filled[0, 1] = (
        vae.mean_[1] + vae.scale_[1] * correlation[1, 0] / correlation[0, 0] * standardised
    )
    np.testing.assert_allclose(vae.transform(holes[3:4]), vae.transform(filled), rtol=1e-5)
    vae.set_params(whiten=True)
    assert not hasattr(VAETransformer(max_iter=1, whiten=True, **FAST), "whitening_")
    with pytest.raises(ValueError, match="need the columns' own coordinates"):
        vae.sample(3, conditions={0: 0.5})
    with pytest.raises(ValueError, match="VAEImputer does not support whiten=True"):
        VAEImputer(max_iter=1, whiten=True, random_state=0).fit(holes)


# Two epochs leave the unit on the prior; the warning is not what is checked.
@pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")
def test_unwhitened_default_keeps_every_column_in_its_own_coordinates():
    """At VAETransformer's default whiten=False nothing is rotated, and rows with holes
    still score."""
    X = correlated_rows(n=200)
    vae = VAETransformer(n_components=1, max_iter=2, **FAST).fit(X)
    assert vae.whitening_ is None and vae.whitened_features_ is None
    holes = X[:5].copy()
    holes[0, 0] = np.nan
    assert np.isfinite(vae.score_samples(holes)).all()


def test_memory_mapped_fit_whitens_like_the_in_memory_fit(tmp_path):
    """A memory-mapped X read chunk by chunk gets the in-memory fit's whitening matrix."""
    X = correlated_rows()
    path = tmp_path / "rows.dat"
    mapped = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mapped[:] = X
    mapped.flush()
    in_memory = VAETransformer(n_components=1, max_iter=1, whiten=True, **FAST).fit(X)
    streamed = VAETransformer(n_components=1, max_iter=1, whiten=True, **FAST).fit(mapped)
    np.testing.assert_allclose(streamed.whitening_, in_memory.whitening_, rtol=1e-8)
    assert streamed.whitened_features_.tolist() == [0, 1]


def test_holes_in_a_column_that_is_not_rotated_are_modelled_as_usual():
    """A discrete column with NaN keeps its holes: the continuous ones are still whitened."""
    X = correlated_rows(n=300)
    rating = np.random.default_rng(1).integers(1, 6, size=(300, 1)).astype(float)
    rating[::10] = np.nan
    rows = np.hstack([X, rating])
    vae = VAETransformer(n_components=1, max_iter=3, whiten=True, **FAST).fit(rows)
    assert vae.whitened_features_.tolist() == [0, 1]
    assert np.isfinite(vae.score_samples(rows[:20])).all()


def test_auto_whitens_complete_rows_exactly_as_true():
    """whiten="auto" on rows with no hole is whiten=True, score for score."""
    X = correlated_rows(300)
    scores = {
        whiten: VAETransformer(n_components=1, max_iter=3, whiten=whiten, **FAST)
        .fit(X)
        .score_samples(X)
        for whiten in ("auto", True)
    }
    np.testing.assert_array_equal(scores["auto"], scores[True])


def test_auto_models_holes_unwhitened_where_true_refuses_them():
    """With a hole in a rotated column, "auto" is whiten=False (same scores), True an error;
    the tags say which settings accept NaN."""
    X = correlated_rows(300)
    X[5, 1] = np.nan
    with pytest.raises(ValueError, match="whiten=True needs training rows with no missing"):
        VAETransformer(n_components=1, max_iter=3, whiten=True, **FAST).fit(X)
    fitted = {
        whiten: VAETransformer(n_components=1, max_iter=3, whiten=whiten, **FAST).fit(X)
        for whiten in ("auto", False)
    }
    assert fitted["auto"].whitening_ is None and fitted["auto"].whitened_features_ is None
    np.testing.assert_array_equal(fitted["auto"].score_samples(X), fitted[False].score_samples(X))
    allow_nan = {
        whiten: VAETransformer(whiten=whiten).__sklearn_tags__().input_tags.allow_nan
        for whiten in ("auto", False, True)
    }
    assert allow_nan == {"auto": True, False: True, True: False}


def test_detector_whitens_by_default_and_takes_rows_with_holes_later():
    """VAEOutlierDetector's default whiten="auto" rotates complete training rows; a row with
    a hole given later is scored (skvae._vae._whitened_holes) and encoded for its
    diagnostics (the hole at its conditional mean)."""
    X = correlated_rows(300)
    detector = VAEOutlierDetector(n_components=1, max_iter=3, **FAST).fit(X)
    assert detector.whiten == "auto"
    assert detector.whitened_features_.tolist() == [0, 1]
    holes = [[0.0, np.nan], [np.nan, np.nan]]
    assert np.isfinite(detector.score_samples(holes)).all()
    assert np.isfinite(detector.kl_divergence(holes)).all()
    assert detector.predict(holes).tolist() == [1, 1]


def test_imputer_auto_never_whitens():
    """VAEImputer(whiten="auto") models columns in their own coordinates, as whiten=False."""
    X = correlated_rows(200)
    X[::7, 0] = np.nan
    fills = {}
    for whiten in ("auto", False):
        imputer = VAEImputer(n_components=1, max_iter=3, whiten=whiten, **FAST).fit(X)
        assert imputer.whitening_ is None
        fills[whiten] = imputer.transform(X)
    np.testing.assert_array_equal(fills["auto"], fills[False])


def test_whitening_sign_ignores_rounding_of_equal_entries():
    """Two rotated columns give eigenvectors with equal entries up to rounding; the last
    bits, which move with the rows' memory layout, do not flip the whitening's signs."""
    correlation = np.array([[1.0, 0.9], [0.9, 1.0]])
    maps = []
    for nudge in (0.0, 1e-15, -1e-15):
        nudged = correlation + np.diag([nudge, -nudge])
        maps.append(whitening_from_correlation(nudged))
    for W in maps:
        assert (W[0] > 0).all() and W[1, 0] > 0 > W[1, 1]
        np.testing.assert_allclose(W, maps[0], rtol=1e-12)


def test_fit_does_not_depend_on_the_memory_layout_of_x():
    """A Fortran-ordered X (as df.to_numpy() often gives) fits the same model, bit for bit,
    as the same values C-ordered: column sums that round by layout cannot move it."""
    X = np.random.default_rng(1).normal(size=(3000, 6)) @ np.triu(np.ones((6, 6)))
    fits = [
        VAETransformer(n_components=2, max_iter=1, whiten=True, **FAST).fit(layout(X))
        for layout in (np.ascontiguousarray, np.asfortranarray)
    ]
    for name in ("mean_", "scale_", "whitening_"):
        np.testing.assert_array_equal(getattr(fits[0], name), getattr(fits[1], name))
    np.testing.assert_array_equal(
        fits[0].score_samples(X[:50]), fits[1].score_samples(np.asfortranarray(X[:50]))
    )
