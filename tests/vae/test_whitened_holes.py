"""Rows with holes in a whitened model's rotated columns: their density integrated over the
holes by importance sampling (skvae._vae._whitened_holes)."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from skvae import VAEOutlierDetector, VAETransformer
from skvae._vae._whitened_holes import conditional_t_draws

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


def test_conditional_draws_follow_the_conditional_student_t():
    """The draws' log-densities are scipy's multivariate t at the Gaussian conditional's mean
    and scale, and their median sits on the regression of the holes on the observed part."""
    correlation = np.array([[1.0, 0.9, 0.3], [0.9, 1.0, 0.2], [0.3, 0.2, 1.0]])
    rng = np.random.default_rng(0)
    noise, chi2 = rng.normal(size=(40000, 3)), rng.chisquare(5.0, size=40000)
    S = np.array([[np.nan, 1.5, np.nan], [0.5, -1.0, 2.0]])
    filled, log_density = conditional_t_draws(S, np.linalg.inv(correlation), noise, chi2, 5.0)
    missing = [0, 2]  # column 1 is observed
    scale = correlation[np.ix_(missing, missing)] - np.outer(
        correlation[missing, 1], correlation[1, missing]
    )
    mean = correlation[missing, 1] * 1.5
    expected = stats.multivariate_t(mean, scale, df=5.0).logpdf(filled[:5, 0][:, missing])
    np.testing.assert_allclose(log_density[:5, 0], expected, rtol=1e-10)
    np.testing.assert_allclose(np.median(filled[:, 0, missing], axis=0), mean, atol=0.02)
    # A complete row is left as it is, with a log-density of 0.
    assert (filled[:, 1] == S[1]).all() and (log_density[:, 1] == 0).all()


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
