"""VAEOutlierDetector: thresholds, labels, determinism and detection quality."""

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


def test_auto_contamination_flags_about_one_percent_of_model_like_rows(data):
    """contamination='auto' sets offset_ at the 1% tail of the model's own samples.

    So about 1% of generated rows and few held-out inliers are flagged, while most
    off-manifold rows still are (the threshold is stricter than contamination=0.05).
    """
    inliers, outliers = data
    detector = VAEOutlierDetector(n_components=2, batch_size=32, max_iter=100, random_state=0).fit(
        inliers[:500]
    )
    generated = detector.sample(4000, random_state=1)
    assert np.mean(detector.predict(generated) == -1) == pytest.approx(0.01, abs=0.01)
    assert np.mean(detector.predict(inliers[500:]) == -1) < 0.05
    assert np.mean(detector.predict(outliers) == -1) > 0.75


def test_shares_the_transformer_model(data):
    """Same parameters and seed: the detector's scores equal VAETransformer's."""
    from skvae import VAETransformer

    inliers, _ = data
    params = dict(n_components=2, max_iter=5, random_state=0)
    detector = VAEOutlierDetector(**params).fit(inliers)
    transformer = VAETransformer(**params).fit(inliers)
    np.testing.assert_array_equal(
        detector.score_samples(inliers[:20]), transformer.score_samples(inliers[:20])
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
    assert np.mean(detector.predict(frame.iloc[:200]) == 1) > 0.9
