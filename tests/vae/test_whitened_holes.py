"""Rows with holes in a whitened model's rotated columns: their density integrated over the
holes by importance sampling (skvae._vae._whitened_holes)."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from skvae import VAEOutlierDetector, VAETransformer
from skvae._table._conditionals import conditional_draws
from skvae._table._whitening import em_correlation

FAST = dict(hidden_layer_sizes=(32,), batch_size=64, learning_rate=3e-3, random_state=0)


def curved_rows(n=600, seed=0):
    """Three columns near a curve (so the model is not the Gaussian the proposal is), with
    scales 1, 20 and 0.1."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=n)
    noise = rng.normal(size=(n, 3))
    return np.column_stack([t, 20 * (np.tanh(t) + 0.3 * noise[:, 1]), 0.1 * (t**2 + noise[:, 2])])


@pytest.fixture(scope="module")
def rows():
    return curved_rows()


def _grid_scores(estimator, row, column, X):
    """(grid, complete-row scores) of ``row`` with ``column`` set to each value of a fine
    grid spanning the column's training range and far beyond it."""
    low, high = X[:, column].min(), X[:, column].max()
    spread = high - low
    grid = np.linspace(low - 1.5 * spread, high + 1.5 * spread, 3001)
    completed = np.repeat(row[None], len(grid), axis=0)
    completed[:, column] = grid
    return grid, estimator.score_samples(completed)


def _log_trapezoid(grid, log_values):
    """log of the trapezoid rule's integral of exp(log_values) over the grid."""
    step = grid[1] - grid[0]
    weights = np.full(len(grid), np.log(step))
    weights[[0, -1]] -= np.log(2)
    return logsumexp(log_values + weights)


def test_conditional_draws_follow_the_conditional_student_t_and_gaussian():
    """The draws' log-densities are scipy's: the conditional of a joint Student-t is a t
    with df + n_observed degrees of freedom and a scale widened by (df + delta) / (df +
    n_observed); the Gaussian's is the regression's normal. Draws centre on the
    regression of the holes on the observed part; complete rows are left as they are."""
    correlation = np.array([[1.0, 0.9, 0.3], [0.9, 1.0, 0.2], [0.3, 0.2, 1.0]])
    rng = np.random.default_rng(0)
    noise, uniforms = rng.normal(size=(40000, 3)), rng.uniform(size=40000)
    S = np.array([[np.nan, 1.5, np.nan], [0.5, -1.0, 2.0]])
    precision = np.linalg.inv(correlation)
    missing = [0, 2]  # column 1 is observed
    scale = correlation[np.ix_(missing, missing)] - np.outer(
        correlation[missing, 1], correlation[1, missing]
    )
    mean = correlation[missing, 1] * 1.5
    widening = (5.0 + 1.5**2) / (5.0 + 1)
    filled, log_density = conditional_draws(S, precision, noise, uniforms, 5.0)
    expected = stats.multivariate_t(mean, widening * scale, df=6.0)
    np.testing.assert_allclose(log_density[:5, 0], expected.logpdf(filled[:5, 0][:, missing]))
    np.testing.assert_allclose(np.median(filled[:, 0, missing], axis=0), mean, atol=0.02)
    assert (filled[:, 1] == S[1]).all() and (log_density[:, 1] == 0).all()
    filled, log_density = conditional_draws(S, precision, noise)
    expected = stats.multivariate_normal(mean, scale)
    np.testing.assert_allclose(log_density[:5, 0], expected.logpdf(filled[:5, 0][:, missing]))
    np.testing.assert_allclose(np.mean(filled[:, 0, missing], axis=0), mean, atol=0.02)


def test_transformer_density_of_a_row_with_a_hole_is_the_integral_over_it(rows):
    """log p(x_observed) of a whitened model, for rows missing each of the three columns,
    is log of the integral of exp(score_samples) over the missing value (trapezoid rule on
    a fine grid) to within 0.1 nats; the rows' scores are deterministic and do not depend
    on the other rows scored with them."""
    vae = VAETransformer(n_components=1, max_iter=60, whiten=True, **FAST).fit(rows)
    assert vae.whitened_features_.tolist() == [0, 1, 2]
    held_out = curved_rows(n=4, seed=1)
    for column in range(3):
        holes = held_out.copy()
        holes[:, column] = np.nan
        scores = vae.score_samples(holes)
        reference = [_log_trapezoid(*_grid_scores(vae, row, column, rows)) for row in held_out]
        np.testing.assert_allclose(scores, reference, atol=0.1)
        np.testing.assert_allclose(vae.score_samples(holes[2:3]), scores[2:3], atol=1e-9)
    # A row with nothing observed has log p(nothing) = 0, as for an unwhitened model.
    assert vae.score_samples(np.full((1, 3), np.nan)).tolist() == [0.0]


def test_detector_scores_a_row_with_a_hole_by_its_expected_complete_score(rows):
    """The whitened detector scores a row with a hole by E[log p(x) | x_observed], the mean
    of the complete rows' scores under the conditional density exp(score) / integral (by
    quadrature), to within 0.15 nats; a row that breaks the curve in its observed columns
    scores below 99% of the training rows, one on it and one with nothing observed above."""
    detector = VAEOutlierDetector(n_components=1, max_iter=60, trim=0, **FAST).fit(rows)
    assert detector.whitened_features_.tolist() == [0, 1, 2]
    held_out = curved_rows(n=4, seed=1)
    holes = held_out.copy()
    holes[:, 2] = np.nan
    reference = []
    for row in held_out:
        grid, log_p = _grid_scores(detector, row, 2, rows)
        weights = np.exp(log_p - _log_trapezoid(grid, log_p)) * (grid[1] - grid[0])
        reference.append(np.sum(weights * log_p))
    np.testing.assert_allclose(detector.score_samples(holes), reference, atol=0.15)
    # On the curve (20 tanh(2) = 19.3), off it by 6.5 of its noise's sds, nothing observed.
    on, off, empty = detector.score_samples(
        [[2.0, 19.3, np.nan], [2.0, -20.0, np.nan], [np.nan] * 3]
    )
    fence = np.quantile(detector.score_samples(rows), 0.01)
    assert off < fence < on and fence < empty


def test_detector_whitens_training_rows_with_holes_where_the_transformer_does_not(rows):
    """With holes in training, the detector's whiten="auto" still whitens: the correlation
    is the EM estimate from every row's observed entries and fit
    fills the holes; VAETransformer's "auto" models them unwhitened. The fit is
    reproducible, and held-out rows missing one or two entries score like complete rows
    on average (E[E[log p(x) | x_obs]] = E[log p(x)])."""
    holed = rows.copy()
    holed[np.random.default_rng(3).uniform(size=rows.shape) < 0.15] = np.nan
    params = dict(n_components=1, max_iter=60, trim=0, **FAST)
    detector = VAEOutlierDetector(**params).fit(holed)
    assert detector.whitened_features_.tolist() == [0, 1, 2]
    # The EM estimate is near the correlation over the pairs observed together, and near
    # the rows' before the holes (as near as the skewed third column lets a subsample be).
    correlation = np.linalg.inv(detector.whitening_ @ detector.whitening_.T)
    pairwise = np.ma.corrcoef(np.ma.masked_invalid(holed), rowvar=False).data
    np.testing.assert_allclose(correlation, pairwise, atol=0.03)
    np.testing.assert_allclose(correlation, np.corrcoef(rows, rowvar=False), atol=0.1)
    transformer = VAETransformer(whiten="auto", n_components=1, max_iter=2, **FAST).fit(holed)
    assert transformer.whitening_ is None
    held_out = curved_rows(n=400, seed=4)
    complete = detector.score_samples(held_out)
    again = VAEOutlierDetector(**params).fit(holed).score_samples(held_out)
    np.testing.assert_array_equal(again, complete)
    rng = np.random.default_rng(5)
    for n_holes in (1, 2):
        missing = held_out.copy()
        for row in missing:
            row[rng.choice(3, size=n_holes, replace=False)] = np.nan
        assert detector.score_samples(missing).mean() == pytest.approx(complete.mean(), abs=0.3)


def test_a_column_missing_in_most_rows_is_not_rotated_and_em_stays_a_covariance():
    """With holes in training, a column observed in 4 of 400 rows keeps its own
    coordinates (its correlations would rest on 4 rows), so those rows are not flagged for
    it; em_correlation on such columns still returns a valid covariance matrix (its start,
    products over different subsets of rows, is floored to one)."""
    correlation = [[1.0, 0.8, 0.5], [0.8, 1.0, 0.4], [0.5, 0.4, 1.0]]
    rng = np.random.default_rng(15)
    X = rng.multivariate_normal([0, 0, 0], correlation, 400) * [1, 5, 2] + [0, 10, -3]
    X[4:, 2] = np.nan
    detector = VAEOutlierDetector(
        n_components=1, hidden_layer_sizes=(16,), max_iter=40, trim=0, random_state=0
    ).fit(X)
    assert detector.whitened_features_.tolist() == [0, 1]
    assert detector.predict(X[:4]).tolist() == [1, 1, 1, 1]
    for seed in range(20):
        rows = np.random.default_rng(seed).multivariate_normal([0, 0, 0], correlation, 400)
        rows[4:, 2] = np.nan
        assert np.linalg.eigvalsh(em_correlation(rows)).min() > 0


def test_statistics_of_rows_with_holes_are_read_off_the_rows_not_their_fills():
    """A detector trains on its rows with their rotated holes filled by Gaussian draws,
    but sample()'s marginals come from the rows as observed: a positive, skewed column
    with 40% holes is never sampled below its smallest observed value."""
    rng = np.random.default_rng(0)
    t = rng.normal(size=600)
    X = np.column_stack([np.exp(t + 0.3 * rng.normal(size=600)), t, t + rng.normal(size=600)])
    X[rng.uniform(size=600) < 0.4, 0] = np.nan
    detector = VAEOutlierDetector(n_components=1, max_iter=20, trim=0, **FAST).fit(X)
    assert 0 in detector.whitened_features_
    assert detector.sample(3000, random_state=0)[:, 0].min() >= np.nanmin(X[:, 0])
