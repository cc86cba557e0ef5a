"""Latent-space diagnostics and the IWAE objective."""

import warnings

import numpy as np
import pytest
from scoring import network_scores
from sklearn.datasets import load_wine
from synthetic_data import two_factor_data

from skvae import PosteriorCollapseWarning, VAEOutlierDetector, VAETransformer


@pytest.mark.slow  # 200 epochs; run with pytest -m slow
def test_active_units_count_the_true_factors():
    """With 2 true factors and 6 latents, 2 units are active and collapse is warned of."""
    X = two_factor_data()
    with pytest.warns(PosteriorCollapseWarning, match="only 2 of 6 latent units are active"):
        # Gaussian columns, as the data are: a Student-t decoder (the default) spends
        # latent units on the noise's tails as well.
        vae = VAETransformer(
            n_components=6,
            hidden_layer_sizes=(32,),
            likelihood="gaussian",
            max_iter=200,
            random_state=0,
        ).fit(X)
    assert vae.n_active_units_ == 2
    assert vae.active_units_.sum() == 2
    # The inactive units are the ones whose KL to the prior is near zero.
    assert np.all(vae.kl_per_dimension_[~vae.active_units_] < 0.05)
    assert np.all(vae.kl_per_dimension_[vae.active_units_] > 0.5)


def test_no_collapse_warning_when_units_are_used():
    """A model using its latents raises no PosteriorCollapseWarning."""
    X = two_factor_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorCollapseWarning)
        vae = VAETransformer(
            n_components=2, hidden_layer_sizes=(32,), max_iter=30, random_state=0
        ).fit(X)
    assert vae.n_active_units_ == 2


@pytest.mark.parametrize(
    "params",
    [{}, {"posterior": "flow", "n_flows": 1}, {"n_components_lower": 1}],
    ids=["gaussian", "flow", "hierarchy"],
)
def test_fit_diagnostics_match_the_public_methods_on_the_training_rows(params):
    """kl_per_dimension_ is the mean of kl_divergence(X); active units are those whose
    posterior location varies over the training rows, whichever posterior computes them."""
    X = two_factor_data()[:150]
    vae = VAETransformer(
        n_components=3, hidden_layer_sizes=(8,), max_iter=3, random_state=0, **params
    ).fit(X)
    np.testing.assert_allclose(vae.kl_per_dimension_, vae.kl_divergence(X).mean(axis=0))
    # transform gives the (top layer's) posterior location, which decides activity.
    top = vae.transform(X).var(axis=0) > 0.01
    np.testing.assert_array_equal(vae.active_units_[: vae.n_components_], top)
    assert np.all(vae.kl_per_dimension_ > 0)


def test_elbo_terms_decompose_the_bound():
    """reconstruction - KL is the ELBO: below the importance-weighted bound on average."""
    X = two_factor_data()
    vae = VAETransformer(n_components=2, hidden_layer_sizes=(32,), max_iter=30, random_state=0).fit(
        X
    )
    expected, kl = vae.elbo_terms(X[:200])
    np.testing.assert_allclose(kl, vae.kl_divergence(X[:200]).sum(axis=1))
    assert np.all(kl > 0)
    # The KL here is closed-form while score_samples samples log p(z) - log q(z|x), so the
    # ordering is guaranteed on average (Jensen), not for every single row.
    # The network's importance-sampled bound, without score_samples' background share.
    gap = network_scores(vae, X[:200]) - (expected - kl)
    assert 0 < gap.mean() < 1.0
    # With one draw the importance estimate is a one-sample ELBO: same mean, up to noise.
    one_draw = network_scores(vae.set_params(n_importance_samples=1), X[:200]).mean()
    assert one_draw == pytest.approx(np.mean(expected - kl), abs=0.5)


@pytest.mark.slow  # benchmarks/density.py --variants iwae compares the held-out scores
def test_iwae_objective_trains_a_held_out_bound_at_least_as_high():
    """IWAE (K=8) reaches a held-out log-likelihood at least that of ELBO training."""
    X_train, X_test = two_factor_data(800, 0)[:600], two_factor_data(800, 0)[600:]
    params = dict(n_components=2, hidden_layer_sizes=(32,), max_iter=40, tol=0, random_state=0)
    elbo = VAETransformer(**params).fit(X_train)
    iwae = VAETransformer(objective="iwae", n_importance_train=8, **params).fit(X_train)
    assert iwae.score(X_test) >= elbo.score(X_test)
    assert set(iwae.history_) >= {"loss", "reconstruction", "kl"}


def test_iwae_rejects_free_bits():
    """free_bits has no IWAE counterpart: a clear error instead of a silent no-op."""
    with pytest.raises(ValueError, match='free_bits=0.5 has no meaning for objective="iwae"'):
        VAETransformer(objective="iwae", free_bits=0.5, max_iter=1).fit(two_factor_data(50))


def one_strong_factor(n=300):
    """Three columns driven by one factor, with little noise."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n, 1))
    return np.hstack([z, 2 * z, -z]) + 0.05 * rng.normal(size=(n, 3))


def collapse_messages(estimator, X):
    """The PosteriorCollapseWarning messages of fitting ``estimator`` on X."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X)
    return [str(w.message) for w in caught if issubclass(w.category, PosteriorCollapseWarning)]


def test_auto_n_components_warns_when_no_unit_is_active():
    """With n_components="auto" (one unit per column by design) a fit whose every unit
    collapsed (beta=20 on one strong factor) still warns, saying the model treats the
    columns as independent; with beta=1 the factor keeps units active and nothing warns."""
    X = one_strong_factor()
    params = dict(n_components="auto", max_iter=60, hidden_layer_sizes=(16,), random_state=0)
    collapsed = VAETransformer(beta=20.0, **params)
    messages = collapse_messages(collapsed, X)
    assert collapsed.n_active_units_ == 0
    assert len(messages) == 1 and "none of the 3 latent units is active" in messages[0]
    assert "fewer n_components" not in messages[0]  # "auto" chose them
    healthy = VAETransformer(**params)
    assert collapse_messages(healthy, X) == []
    assert healthy.n_active_units_ >= 1


def test_no_active_unit_on_whitened_columns_is_no_collapse():
    """The default outlier detector whitens the columns (whiten="auto"): with no active
    unit it is a Gaussian with their full covariance, and it does not warn (on wine, as
    on breast cancer and diabetes, it has no active unit at its defaults); without
    whitening (and with beta=20) no active unit is warned of."""
    X = load_wine().data
    detector = VAEOutlierDetector(max_iter=40, random_state=0)
    assert collapse_messages(detector, X) == []
    assert detector.n_active_units_ == 0 and detector.whitening_ is not None
    unwhitened = VAEOutlierDetector(max_iter=40, whiten=False, beta=20.0, random_state=0)
    assert len(collapse_messages(unwhitened, X)) == 1
    assert unwhitened.n_active_units_ == 0 and unwhitened.whitening_ is None


def test_collapse_advice_names_only_remedies_the_estimator_accepts():
    """The collapse warning of a flow posterior, which refuses free_bits, does not advise
    free_bits; a Gaussian posterior's does, with the beta in use."""
    X = one_strong_factor()
    params = dict(n_components=2, beta=20.0, max_iter=30, hidden_layer_sizes=(16,))
    (flow,) = collapse_messages(VAETransformer(posterior="flow", random_state=0, **params), X)
    (gaussian,) = collapse_messages(VAETransformer(random_state=0, **params), X)
    assert "free_bits" not in flow and "kl_warmup" in flow
    assert "free_bits (e.g. 0.1 nats)" in gaussian and "a smaller beta (got 20.0)" in gaussian
    assert "fewer n_components" in gaussian
