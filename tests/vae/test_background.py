"""The background share of score_samples (skvae._vae._background): a proper density in
X's units, marginalised over missing entries, mixed in with weight 0.01."""

import numpy as np
import pytest
from scipy.integrate import quad
from scoring import network_scores
from sklearn.decomposition import FactorAnalysis

from skvae import VAETransformer
from skvae._vae._background import (
    BACKGROUND_WEIGHT,
    background_log_density,
    fit_background,
    log1p_squared_norm,
    with_background,
)

KINDS = ["student_t", "gaussian", "integer", "categorical", "bernoulli"]


@pytest.fixture(scope="module")
def mixed_background():
    """A background fitted to two correlated real columns, counts, a 3-category column and
    a 0/1 column, standardised as the estimators do (discrete columns unscaled)."""
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=400)
    X = np.column_stack(
        [
            x0,
            3 * x0 + rng.normal(size=400) + 1,
            rng.poisson(2, 400),
            rng.integers(0, 3, 400),
            rng.random(400) > 0.3,
        ]
    ).astype(float)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    mean[3:], scale[3:] = 0.0, 1.0
    return fit_background(X, KINDS, [0, 0, 0, 3, 0], mean, scale)


def _only(column, values):
    """Rows with ``values`` in ``column`` and every other entry missing."""
    rows = np.full((len(values), len(KINDS)), np.nan)
    rows[:, column] = values
    return rows


def test_each_factor_is_normalised(mixed_background):
    """Marginals integrate (real columns) or sum (integers, categories, 0/1) to one."""
    for column in (0, 1):

        def density(x, column=column):
            return np.exp(background_log_density(mixed_background, _only(column, [x])))[0]

        assert quad(density, -np.inf, np.inf, limit=200)[0] == pytest.approx(1.0, abs=1e-6)
    # The integer factor is a Cauchy rounded to whole numbers: 1 - P(|x - 2| > 10^5) ~ 1.
    counts = np.exp(background_log_density(mixed_background, _only(2, np.arange(-(10**5), 10**5))))
    assert counts.sum() == pytest.approx(1.0, abs=1e-5)
    for column, values in ((3, [0, 1, 2]), (4, [0, 1])):
        total = np.exp(background_log_density(mixed_background, _only(column, values))).sum()
        assert total == pytest.approx(1.0, abs=1e-12)
    # Categories get their smoothed training shares: one of three is not seen as often.
    shares = np.exp(background_log_density(mixed_background, _only(3, [0, 1, 2])))
    assert np.all(shares > 0.25) and np.all(shares < 0.42)


def test_a_missing_entry_is_integrated_out(mixed_background):
    """p(x0) with x1 missing equals the integral of p(x0, x1) over x1 (the scatter's
    sub-matrix gives the marginal), and the two real columns are dependent."""
    x0 = 0.7

    def joint(x1):
        row = np.full((1, len(KINDS)), np.nan)
        row[0, :2] = x0, x1
        return np.exp(background_log_density(mixed_background, row))[0]

    marginal = np.exp(background_log_density(mixed_background, _only(0, [x0])))[0]
    assert quad(joint, -np.inf, np.inf, limit=200)[0] == pytest.approx(marginal, rel=1e-6)
    # Along the training rows' correlation (x1 ~ 3 x0 + 1) the joint is higher than across it.
    assert joint(3 * x0 + 1) > 5 * joint(-3 * x0 + 1)


def test_score_samples_mixes_the_network_and_the_background():
    """score_samples is log(0.99 p_VAE + 0.01 p_background): no row loses more than 0.01
    nats, the typical training row hardly moves, and a row 1000 standard deviations out
    in one column costs far less than under factor analysis (polynomial tails)."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(400, 2))
    X = z @ rng.normal(size=(2, 5)) + 0.3 * rng.normal(size=(400, 5))
    vae = VAETransformer(n_components=2, max_iter=40, random_state=0).fit(X)
    far = X[:3].copy()
    far[:, 2] += 1000 * X[:, 2].std()
    rows = np.vstack([X[:20], far])
    mixed = vae.score_samples(rows)
    network_only = network_scores(vae, rows)  # as a model saved before the background
    expected = with_background(network_only, background_log_density(vae._background, rows))
    np.testing.assert_allclose(mixed, expected, rtol=1e-12)
    assert np.all(mixed >= network_only + np.log1p(-BACKGROUND_WEIGHT))
    assert np.median(mixed[:20] - network_only[:20]) < 0.05
    assert np.all(mixed[20:] > FactorAnalysis(2).fit(X).score_samples(far) + 1e4)
    assert np.all(mixed[20:] > np.log(BACKGROUND_WEIGHT) - 100)


def test_rows_with_nothing_observed_still_score_zero():
    """log p(nothing) = 0 with the background too; partly missing rows stay finite."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    vae = VAETransformer(n_components=1, max_iter=5, random_state=0).fit(X)
    rows = np.array([[np.nan] * 3, [0.1, np.nan, np.nan], [0.1, 0.2, 0.3]])
    scores = vae.score_samples(rows)
    assert scores[0] == 0.0 and np.all(np.isfinite(scores))


def test_background_scores_values_beyond_1e154_without_overflow():
    """A row whose whitened entries square past float64's range (1e300) gets a finite
    background log-density, log(1 + ||w||^2) computed without overflow, and no
    RuntimeWarning; ordinary rows keep the plain formula, bit for bit."""
    import warnings

    W = np.array([[1e300, 3.0, 0.0], [1e300, 4.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = log1p_squared_norm(W)
    np.testing.assert_allclose(values[0], np.log(2.0) + 2 * np.log(1e300), rtol=1e-15)
    assert values[1] == np.log1p(25.0) and values[2] == 0.0
