"""VAEOutlierDetector on rows with holes: scored by E[log p(x) | x_observed], so they rank
with complete rows (skvae._vae._hole_scores)."""

import numpy as np
import pytest

from skvae import VAEOutlierDetector
from skvae._vae._hole_scores import HoleScoresMixin


def _factor_rows(n, seed):
    """Rows of a 2-factor model in 5-D with unit-scale columns."""
    rng = np.random.default_rng(seed)
    W = np.random.default_rng(0).normal(size=(2, 5))
    return rng.normal(size=(n, 2)) @ W + 0.5 * rng.normal(size=(n, 5))


def _with_holes(X, n_holes, seed):
    """X with n_holes entries of each row missing, in random columns."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    for row in X:
        row[rng.choice(len(row), size=n_holes, replace=False)] = np.nan
    return X


@pytest.fixture(scope="module")
def detector():
    # Unwhitened, so that the completions come from the model (whitened, they come from
    # skvae._vae._whitened_holes' proposal: tests/vae/test_whitened_holes.py).
    X = _factor_rows(800, seed=1)
    X[np.random.default_rng(2).uniform(size=X.shape) < 0.02] = np.nan
    return VAEOutlierDetector(
        n_components=2, trim=0, whiten=False, max_iter=80, batch_size=64, random_state=0
    ).fit(X)


def test_rows_with_holes_score_like_complete_rows_on_average(detector):
    """The mean score of held-out rows is the same with 0 to 4 of their 5 entries missing
    (the tower rule: E[E[log p(x) | x_obs]] = E[log p(x)]); log p(x_obs) would rise by
    about 0.9 nats per hole here."""
    X = _factor_rows(1000, seed=3)
    complete = detector.score_samples(X).mean()
    for n_holes in (1, 2, 4):
        holed = detector.score_samples(_with_holes(X, n_holes, seed=n_holes)).mean()
        assert holed == pytest.approx(complete, abs=0.25), n_holes
    # What the scores were before: the observed entries' log-likelihood.
    observed_only = super(HoleScoresMixin, detector)._score_rows
    holed = observed_only(_with_holes(X, 4, seed=4)).mean()
    assert holed > complete + 3.0
    # A row with nothing observed is a typical row, neither flagged nor the most normal.
    nothing = detector.score_samples(np.full((1, 5), np.nan))[0]
    first, third = np.quantile(detector.score_samples(X), [0.25, 0.75])
    assert first < nothing < third


def test_an_unlikely_observed_value_still_flags_a_row_with_holes(detector):
    """A row 10 sd out in an observed column is an outlier however many entries it
    misses; the same row with that entry missing too is not."""
    X = _factor_rows(20, seed=5)
    X[:, 0] = 10.0 * _factor_rows(1000, seed=1)[:, 0].std()
    for n_holes in (1, 3):
        holed = X.copy()
        holed[:, 5 - n_holes :] = np.nan
        assert np.all(detector.predict(holed) == -1)
    holed[:, 0] = np.nan  # only typical entries left
    assert np.mean(detector.predict(holed) == 1) >= 0.9


def test_a_row_with_holes_scores_the_same_alone_and_among_other_rows(detector):
    """The completions' noise is shared by all rows and fixed for the model: a row's
    score does not depend on the rows scored with it, or on the call."""
    X = _with_holes(_factor_rows(40, seed=6), 2, seed=7)
    X[::3] = _factor_rows(14, seed=8)  # complete rows among them
    scores = detector.score_samples(X)
    np.testing.assert_allclose(detector.score_samples(X[5:6]), scores[5:6], rtol=1e-6)
    np.testing.assert_allclose(detector.score_samples(X[::-1]), scores[::-1], rtol=1e-6)
    np.testing.assert_array_equal(detector.score_samples(X), scores)


def test_holes_in_integer_and_category_columns_are_completed_with_their_own_values():
    """Completions of an integer column are whole numbers in its training range (an
    integer column refuses others) and of a category column its categories: a mixed
    frame with holes in both scores finite values, on the complete rows' scale."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    z = rng.normal(size=600)
    frame = pd.DataFrame(
        {
            "size": z + 0.3 * rng.normal(size=600),
            "count": rng.poisson(np.exp(1.0 + 0.5 * z)).astype(float),
            "kind": np.where(z + 0.5 * rng.normal(size=600) > 0, "big", "small"),
        }
    )
    holed = frame.copy()
    holed.loc[::4, "count"] = np.nan
    holed.loc[1::4, "kind"] = None
    detector = VAEOutlierDetector(
        n_components=1, trim=0, max_iter=40, column_types={"count": "integer"}, random_state=0
    ).fit(holed)
    scores = detector.score_samples(holed)
    assert np.all(np.isfinite(scores))
    complete = detector.score_samples(frame)
    for rows in (slice(0, None, 4), slice(1, None, 4)):
        assert scores[rows].mean() == pytest.approx(complete[rows].mean(), abs=0.3)


def test_shared_noise_repeats_each_draw_down_the_rows_and_not_across_columns():
    """RowSharedNoise gives every row the same draws, and the k entries of a row in a
    flattened (n_rows * k) first axis (a mixture column's component draws) their own."""
    from skvae._nn.observations.base import draw_categories
    from skvae._vae._hole_scores import RowSharedNoise

    noise = RowSharedNoise(np.random.default_rng(0), n_rows=50)
    codes = draw_categories(np.zeros((50 * 8, 10)), noise).reshape(50, 8)
    assert np.all(codes == codes[0])
    assert len(np.unique(codes[0])) > 3  # uniform over 10 categories, 8 columns
    t = noise.standard_t(np.full((50, 400), 3.0))
    assert np.all(t == t[0]) and np.all(np.isfinite(t))
    assert abs(np.median(t[0])) < 0.2 and 0.6 < np.mean(np.abs(t[0]) < 1.64) < 0.9
