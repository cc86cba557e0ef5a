"""The Gaussian mixture prior over a linear Gaussian VAE's latents, as VAEImputer fills with."""

import pickle

import numpy as np
import pytest

from skvae import VAEImputer
from skvae._vae._latent_mixture import (
    choose_n_clusters,
    fit_latent_mixture,
    mixture_conditional_mean,
    responsibilities,
    standard_prior,
)
from skvae._vae._linear_gaussian import conditional_mean
from skvae._vae._missing_factor_analysis import factor_analysis_with_missing


def grouped_rows(n_rows=450, seed=0):
    """Three separated groups of rows in 4 columns, each a correlated Gaussian."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-3.0, 3.0, 0.0, 1.0], [3.0, 3.0, -3.0, -1.0], [0.0, -3.0, 3.0, 0.0]])
    labels = rng.integers(3, size=n_rows)
    z = rng.normal(size=(n_rows, 1))
    return centres[labels] + z @ [[0.5, 0.5, -0.5, 0.5]] + 0.3 * rng.normal(size=(n_rows, 4))


def with_holes(X, fraction, seed):
    mask = np.random.default_rng(seed).uniform(size=X.shape) < fraction
    return np.where(mask, np.nan, X), mask


def test_one_component_is_the_linear_gaussian_fill_bit_for_bit():
    """With the standard prior, the mixture's fill is factor analysis's exact fill."""
    rng = np.random.default_rng(1)
    X, _ = with_holes(rng.normal(size=(200, 3)) @ rng.normal(size=(3, 5)), 0.3, 2)
    W, intercept, noise = rng.normal(size=(3, 5)), rng.normal(size=5), np.full(5, 0.2)
    expected = conditional_mean(X, intercept, W, noise)
    np.testing.assert_array_equal(
        mixture_conditional_mean(X, intercept, W, noise, *standard_prior(3)), expected
    )


def test_em_recovers_groups_and_raises_the_likelihood_over_one_component():
    """On grouped rows with 20% missing, EM's mixture finds the groups' shares, and its
    log-likelihood of the observed entries is far above the single Gaussian's."""
    X, _ = with_holes(grouped_rows(), 0.2, 3)
    Z = (X - np.nanmean(X, axis=0)) / np.nanstd(X, axis=0)
    mean, W, noise, _ = factor_analysis_with_missing(Z, 4, 1e-2, prior_rows=1.0)
    mixture = fit_latent_mixture(Z, mean, W, noise, 3, seed=0)
    weights = np.sort(mixture[0])
    truth = np.sort(np.bincount(np.random.default_rng(0).integers(3, size=450)) / 450)
    np.testing.assert_allclose(weights, truth, atol=0.03)
    _, one = responsibilities(Z, mean, W, noise, *standard_prior(4))
    resp, three = responsibilities(Z, mean, W, noise, *mixture)
    assert three.mean() > one.mean() + 1.0  # measured: -1.00 against -3.28 nats per row
    assert np.mean(resp.max(axis=1) > 0.99) > 0.9  # rows go to one group (measured 0.98)


def test_size_chosen_by_hidden_entries_finds_groups_and_keeps_one_gaussian():
    """ "auto" picks several components on grouped rows and one on a single Gaussian."""
    X, _ = with_holes(grouped_rows(), 0.2, 4)
    Z = (X - np.nanmean(X, axis=0)) / np.nanstd(X, axis=0)
    assert choose_n_clusters(Z, 4, 1e-2, seed=0) >= 3
    rng = np.random.default_rng(5)
    gaussian, _ = with_holes(rng.normal(size=(450, 2)) @ rng.normal(size=(2, 4)), 0.2, 6)
    gaussian += 0.3 * rng.normal(size=gaussian.shape)
    assert choose_n_clusters(gaussian, 4, 1e-2, seed=0) == 1


def test_size_search_keeps_forty_rows_per_component():
    """ "auto" tries at most one component per 40 rows: on 60 rows of three clear groups
    it keeps one (with one per 10 rows it took 4: on small real tables such choices
    filled worse than one Gaussian), on 160 rows it finds the groups."""
    rng = np.random.default_rng(0)
    centres = np.array([[-2.0, 2.0, 0.0], [2.0, 2.0, -2.0], [0.0, -2.0, 2.0]])
    for n_rows, expected in ((60, [1]), (160, [3, 4])):
        X = centres[rng.integers(3, size=n_rows)] + 0.3 * rng.normal(size=(n_rows, 3))
        assert choose_n_clusters(X, 3, 1e-2, seed=0) in expected


@pytest.fixture(scope="module")
def fitted_imputers():
    X = grouped_rows()
    X_missing, mask = with_holes(X, 0.2, 7)
    fits = {
        size: VAEImputer(n_prior_components=size, max_iter=5, random_state=0).fit(X_missing)
        for size in ("auto", 1)
    }
    return X, X_missing, mask, fits


def test_imputer_fills_grouped_rows_better_with_the_mixture(fitted_imputers):
    """VAEImputer's default fill on grouped rows uses a mixture of several components and
    errs far less than with the standard prior (factor analysis)."""
    X, X_missing, mask, fits = fitted_imputers
    errors = {}
    for size, imputer in fits.items():
        filled = imputer.transform(X_missing)
        errors[size] = np.sqrt(np.mean(((filled - X) / X.std(axis=0))[mask] ** 2))
    assert len(fits["auto"].prior_weights_) >= 3
    np.testing.assert_array_equal(fits[1].prior_weights_, [1.0])
    assert errors["auto"] < 0.7 * errors[1]  # measured 0.34 against 0.57


def test_multiple_imputations_draw_from_the_groups(fitted_imputers):
    """A row with only its last column observed is drawn from the groups, not from one
    Gaussian spread over them: few draws of the first column fall in the gaps between the
    groups' centres (-3, 0 and 3)."""
    _, _, _, fits = fitted_imputers
    rows = np.repeat([[np.nan, np.nan, np.nan, 0.0]], 400, axis=0)
    in_gaps = {}
    for size, imputer in fits.items():
        first = imputer.multiple_imputations(rows, 1, random_state=0)[0, :, 0]
        in_gaps[size] = np.mean((np.abs(first) > 0.9) & (np.abs(first) < 2.1))
    assert in_gaps["auto"] < 0.2  # measured 0.13
    assert in_gaps[1] > 0.3  # measured 0.40: one wide Gaussian


def test_pickled_imputer_keeps_its_mixture(fitted_imputers):
    """A pickled and restored imputer fills with the same mixture, bit for bit."""
    _, X_missing, _, fits = fitted_imputers
    restored = pickle.loads(pickle.dumps(fits["auto"]))
    np.testing.assert_array_equal(restored.prior_means_, fits["auto"].prior_means_)
    np.testing.assert_array_equal(restored.transform(X_missing), fits["auto"].transform(X_missing))


def test_nonlinear_imputer_keeps_the_standard_prior():
    """An imputer with hidden layers fills by importance sampling under N(0, I): its
    fitted prior is the standard normal one, whatever n_prior_components says."""
    X_missing, _ = with_holes(grouped_rows(120), 0.2, 8)
    imputer = VAEImputer(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X_missing)
    np.testing.assert_array_equal(imputer.prior_weights_, [1.0])
    np.testing.assert_array_equal(imputer.prior_covariances_[0], np.eye(imputer.n_components_))


def test_many_latents_keep_the_standard_prior_however_few_the_rows():
    """Beyond the EM's cost budget (here 64 latent dimensions) "auto" keeps the standard
    prior also on a short table, whose mixture search took 25 s of a 27 s fit on these
    60 rows; the fill is then factor analysis's, bit for bit."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 70))
    X[::3, 2] = np.nan
    auto = VAEImputer(max_iter=1, random_state=0).fit(X)
    assert auto.n_components_ == 64
    np.testing.assert_array_equal(auto.prior_weights_, [1.0])
    one = VAEImputer(n_prior_components=1, max_iter=1, random_state=0).fit(X)
    np.testing.assert_array_equal(auto.transform(X), one.transform(X))


def test_more_components_than_rows_is_a_clear_error():
    """n_prior_components above the number of training rows raises, naming both."""
    X_missing, _ = with_holes(grouped_rows(12), 0.1, 9)
    imputer = VAEImputer(n_prior_components=20, max_iter=1, random_state=0)
    with pytest.raises(
        ValueError, match="n_prior_components=20 needs at least as many training rows; got 12"
    ):
        imputer.fit(X_missing)
    assert not hasattr(imputer, "prior_weights_")  # a failed fit leaves no fitted state
