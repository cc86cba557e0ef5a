"""VAEOutlierDetector: thresholds, labels, determinism and detection quality."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skvae import VAEOutlierDetector


def _manifold_with_outliers(seed=0):
    """Inliers near a 2-D plane in 10-D; outliers off the plane with the same spread."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(2, 10))
    inliers = rng.normal(size=(600, 2)) @ W + 0.1 * rng.normal(size=(600, 10))
    outliers = rng.normal(size=(30, 10)) * inliers.std(axis=0) + inliers.mean(axis=0)
    return inliers, outliers


@pytest.fixture(scope="module")
def data():
    return _manifold_with_outliers()


@pytest.fixture(scope="module")
def detector(data):
    inliers, _ = data
    return VAEOutlierDetector(
        contamination=0.05, n_components=2, batch_size=32, max_iter=100, random_state=0
    ).fit(inliers[:500])


def test_contamination_sets_the_training_outlier_fraction(detector, data):
    """With contamination=0.05, 5% of the training rows fall below offset_."""
    inliers, _ = data
    labels = detector.predict(inliers[:500])
    assert set(np.unique(labels)) == {-1, 1}
    assert np.mean(labels == -1) == pytest.approx(0.05, abs=0.004)


def test_decision_function_is_the_shifted_log_likelihood(detector, data):
    """decision_function = score_samples - offset_, and predict is its sign."""
    inliers, outliers = data
    X = np.vstack([inliers[500:], outliers])
    scores = detector.score_samples(X)
    np.testing.assert_array_equal(detector.decision_function(X), scores - detector.offset_)
    np.testing.assert_array_equal(detector.predict(X), np.where(scores >= detector.offset_, 1, -1))
    np.testing.assert_array_equal(detector.score_samples(X), scores)  # deterministic


def test_off_manifold_rows_are_detected(detector, data):
    """Held-out inliers score far above off-manifold outliers (AUROC > 0.99)."""
    inliers, outliers = data
    X = np.vstack([inliers[500:], outliers])
    is_outlier = np.r_[np.zeros(100), np.ones(len(outliers))]
    assert roc_auc_score(is_outlier, -detector.score_samples(X)) > 0.99
    assert np.mean(detector.predict(outliers) == -1) > 0.9
    assert np.mean(detector.predict(inliers[500:]) == 1) > 0.85


def test_auto_contamination_is_the_lower_fence_of_the_training_scores(data):
    """contamination='auto': offset_ is Q1 - 1.5 IQR of the training log-likelihoods.

    Trained on rows that hold their outliers, it flags most of them and few inliers.
    """
    inliers, outliers = data
    X = np.vstack([inliers[:500], outliers])
    detector = VAEOutlierDetector(n_components=2, batch_size=32, max_iter=100, random_state=0)
    labels = detector.fit_predict(X)
    first, third = np.quantile(detector.score_samples(X), [0.25, 0.75])
    assert detector.offset_ == pytest.approx(first - 1.5 * (third - first), rel=1e-12)
    assert np.mean(labels[500:] == -1) > 0.9
    assert np.mean(labels[:500] == -1) < 0.05
    assert np.mean(detector.predict(inliers[500:]) == -1) < 0.08


def test_trimmed_fit_is_a_fit_on_the_rows_the_first_fit_ranks_likeliest(data):
    """trim: the second fit equals a plain fit on all but the least likely trim * n rows."""
    inliers, outliers = data
    X = np.vstack([inliers[:200], outliers[:10]])
    params = dict(n_components=2, batch_size=32, max_iter=5, random_state=0)
    first = VAEOutlierDetector(trim=0, **params).fit(X)
    kept = np.argsort(np.argsort(first.score_samples(X), kind="stable")) >= int(0.2 * len(X))
    plain = VAEOutlierDetector(trim=0, **params).fit(X[kept])
    trimmed = VAEOutlierDetector(trim=0.2, **params).fit(X)
    np.testing.assert_array_equal(trimmed.score_samples(X), plain.score_samples(X))
    assert trimmed.n_features_in_ == 10 and trimmed.n_iter_ == 5
    # "auto", the default, is 10%, or the contamination when that is larger.
    assert VAEOutlierDetector()._trim_fraction() == 0.1
    assert VAEOutlierDetector(trim=0)._trim_fraction() == 0.0
    assert VAEOutlierDetector(trim="auto", contamination=0.3)._trim_fraction() == 0.3


@pytest.mark.parametrize("n_iter_no_change, expected", [(30, [10, 30]), (5, [5, 5])])
def test_the_ranking_fit_waits_at_most_ten_epochs(data, monkeypatch, n_iter_no_change, expected):
    """trim's first fit only ranks the rows: its stopping rule waits at most 10 epochs for a
    new best (n_iter_no_change if smaller); the second fit waits n_iter_no_change."""
    from skvae._nn import _trainer

    patiences, train_model = [], _trainer.train_model

    def recording(build, data, config, callbacks=()):
        patiences.append(config.n_iter_no_change)
        return train_model(build, data, config, callbacks)

    monkeypatch.setattr(_trainer, "train_model", recording)
    inliers, _ = data
    VAEOutlierDetector(
        n_components=2, max_iter=3, n_iter_no_change=n_iter_no_change, random_state=0
    ).fit(inliers[:100])
    assert patiences == expected


def test_trimmed_fit_keeps_a_category_that_only_trimmed_rows_hold():
    """A text category held only by the trimmed rows stays known: every row scores."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=300) + np.r_[6.0, 6.0, 6.0, np.zeros(297)],
            "b": rng.normal(size=300),
            "kind": np.where(np.arange(300) < 3, "rare", "common").astype(object),
        }
    )
    detector = VAEOutlierDetector(trim="auto", max_iter=20, random_state=0).fit(frame)
    assert detector.categories_[2].tolist() == ["common", "rare"]
    assert np.all(detector.predict(frame.iloc[:3]) == -1)


def test_robust_training_models_the_inliers_despite_far_outliers_in_the_training_rows():
    """trim='auto': 5% far outliers in the training rows no longer spoil the inliers' density.

    Without trimming they stretch the internal scaling and the fitted density; the
    trimmed fit scores held-out inliers more than 2 nats/row higher (measured: 4.6).
    """
    rng = np.random.default_rng(1)
    W = rng.normal(size=(2, 10))

    def inliers(n):
        return np.tanh(rng.normal(size=(n, 2))) @ W + 0.1 * rng.normal(size=(n, 10))

    train = inliers(450)
    outliers = rng.uniform(-1, 1, size=(25, 10)) * 10 * train.std(axis=0)
    X = np.vstack([train, outliers])
    held_out = inliers(200)
    params = dict(n_components=2, max_iter=60, random_state=0)
    plain = VAEOutlierDetector(trim=0, **params).fit(X)
    robust = VAEOutlierDetector(trim="auto", **params).fit(X)
    assert robust.score(held_out) > plain.score(held_out) + 2.0
    is_outlier = np.r_[np.zeros(450), np.ones(25)]
    assert roc_auc_score(is_outlier, -robust.score_samples(X)) > 0.99
    assert np.all(robust.predict(outliers) == -1)


def test_shares_the_transformer_model(data):
    """Same parameters and seed, fitted once (trim=0): the scores equal VAETransformer's
    without its background share, which the detector leaves out (and the transformer's
    score is that mixed with the background). The detector's default whiten="auto" is a
    parameter like any other: passed to both."""
    from scoring import network_scores

    from skvae import VAETransformer

    inliers, _ = data
    params = dict(n_components=2, max_iter=5, whiten="auto", random_state=0)
    detector = VAEOutlierDetector(trim=0, **params).fit(inliers)
    transformer = VAETransformer(**params).fit(inliers)
    assert detector._background is None and transformer._background is not None
    # The same network's density (tests/vae/test_background.py checks the transformer's
    # mixture of it with the background).
    np.testing.assert_array_equal(
        detector.score_samples(inliers[:20]), network_scores(transformer, inliers[:20])
    )


def test_auto_threshold_works_for_a_conditional_detector_on_a_dataframe():
    """'auto' calibrates under the training conditions; no spurious feature-name warning."""
    import warnings

    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    group = rng.integers(0, 3, size=600)
    z = rng.normal(size=600)
    frame = pd.DataFrame({"a": z + 3 * group, "b": -z + 0.1 * rng.normal(size=600), "group": group})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        detector = VAEOutlierDetector(
            n_components=1,
            batch_size=32,
            learning_rate=1e-2,
            max_iter=40,
            condition_on=["group"],
            random_state=0,
        ).fit(frame)
    assert np.isfinite(detector.offset_)
    shifted = frame.iloc[:20].copy()
    shifted["a"] += 6.0  # a value typical of another group, wrong for this one
    assert np.mean(detector.predict(shifted) == -1) > 0.8
    # The box-plot fence flags the lower tail of clean rows too (here about 10%).
    assert np.mean(detector.predict(frame.iloc[:200]) == 1) > 0.85


def test_a_trimmed_fit_warns_about_its_data_once(data):
    """trim's two fits read the same X: a warning about the data comes once, not twice."""
    inliers, _ = data
    X = inliers[:100, :3]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        VAEOutlierDetector(n_components=5, max_iter=2, random_state=0).fit(X)
    messages = [str(w.message) for w in caught if "n_components=5 is more than" in str(w.message)]
    assert len(messages) == 1, messages
    assert messages[0].startswith("n_components=5 is more than the 3 columns of X")
