"""sample()'s default latent="auto": z drawn from a mixture fitted on the training codes."""

import numpy as np
import pytest

from skvae import VAETransformer


@pytest.fixture(scope="module")
def fitted():
    # Two clusters far apart: the codes of a 1-D latent space split in two groups, which
    # the N(0, 1) prior joins with a stretch of z where no training row's code lies.
    rng = np.random.default_rng(0)
    side = np.where(rng.uniform(size=400) < 0.5, -4.0, 4.0)
    t = side + 0.3 * rng.normal(size=400)
    X = np.column_stack([t, -t, 0.5 * t]) + 0.1 * rng.normal(size=(400, 3))
    vae = VAETransformer(n_components=1, max_iter=80, random_state=0).fit(X)
    return vae, X


def test_aggregate_draws_follow_the_training_codes(fitted):
    """The mixture's draws have the mean and spread of the training rows' codes."""
    vae, X = fitted
    codes = vae.transform(X)[:, 0]
    mixture = vae._aggregate_mixture()
    assert mixture["weights"].sum() == pytest.approx(1.0)
    rng = np.random.RandomState(0)
    from skvae._vae._aggregate_posterior import draw_from_aggregate_posterior

    draws = draw_from_aggregate_posterior(mixture, 20000, rng)[:, 0]
    assert draws.mean() == pytest.approx(codes.mean(), abs=0.05 * codes.std())
    assert draws.std() == pytest.approx(codes.std(), rel=0.1)


def test_aggregate_samples_avoid_the_gap_between_the_clusters(fitted):
    """Rows generated from the aggregate posterior land in the gap less often than the
    prior's, and about as rarely as the training rows do (the model's own draws: the
    marginal calibration of the default would hide the gap for both)."""
    vae, X = fitted
    in_gap = lambda rows: np.mean(np.abs(rows[:, 0]) < 2.0)  # noqa: E731
    prior = vae.sample(4000, random_state=0, latent="prior", marginals="model")
    aggregate = vae.sample(4000, random_state=0, latent="aggregate", marginals="model")
    # The default draws from the aggregate posterior.
    np.testing.assert_array_equal(
        vae.sample(10, random_state=0), vae.sample(10, random_state=0, latent="aggregate")
    )
    assert in_gap(X) < 0.01
    assert in_gap(aggregate) < in_gap(prior)
    assert in_gap(aggregate) < 0.05


def test_aggregate_sampling_is_reproducible_and_validated(fitted):
    """Same random_state, same rows; a bad latent or a model without a mixture is refused."""
    vae, _ = fitted
    np.testing.assert_array_equal(
        vae.sample(5, random_state=3, latent="aggregate"),
        vae.sample(5, random_state=3, latent="aggregate"),
    )
    with pytest.raises(ValueError, match="latent must be 'auto', 'aggregate' or 'prior'"):
        vae.sample(5, latent="posterior")
    import copy

    older = copy.copy(vae)
    older._aggregate_posterior = None
    with pytest.raises(ValueError, match="refit it on in-memory rows"):
        older.sample(5, latent="aggregate")
    # Without a mixture the default falls back to the prior.
    np.testing.assert_array_equal(
        older.sample(5, random_state=3), vae.sample(5, random_state=3, latent="prior")
    )


def test_mixture_is_fitted_on_first_use_and_stored_instead_of_the_codes():
    """fit keeps the codes and fits no mixture (a search never samples); pickling fits it
    and the pickle holds the mixture, not the codes (which stay with the live estimator,
    for partial_fit to merge), and draws the same rows."""
    import pickle

    X = np.random.default_rng(1).normal(size=(120, 3))
    vae = VAETransformer(max_iter=5, random_state=0).fit(X)
    assert vae._aggregate_posterior is None and vae._aggregate_codes.shape == (120, 2)
    restored = pickle.loads(pickle.dumps(vae))
    assert vae._aggregate_posterior is not None  # pickling fitted the mixture
    assert "_aggregate_codes" not in restored.__dict__
    assert restored._aggregate_posterior["means"].shape[1] == 2
    fresh = VAETransformer(max_iter=5, random_state=0).fit(X)
    np.testing.assert_array_equal(
        fresh.sample(20, random_state=1), restored.sample(20, random_state=1)
    )
    assert fresh._aggregate_posterior is not None
