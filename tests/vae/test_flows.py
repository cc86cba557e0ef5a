"""posterior="flow": the IAF's Jacobian, its density, and the flow inside the estimator."""

import pickle
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops
from scoring import network_scores
from sklearn.datasets import load_wine

from skvae import PosteriorCollapseWarning, VAETransformer
from skvae._vae._flows import IAFStep, InverseAutoregressiveFlow, made_masks

SMALL = dict(n_components=2, hidden_layer_sizes=(16,), max_iter=5, batch_size=64)


def _randomised_flow(n_dims, n_flows, n_context, seed):
    """A flow whose weights are all O(1) random values, far from the near-identity init."""
    flow = InverseAutoregressiveFlow(n_dims, n_flows, n_context, seed=seed)
    rng = np.random.default_rng(seed)
    flow.set_weights([0.5 * rng.standard_normal(w.shape) for w in flow.get_weights()])
    return flow


def _numerical_jacobian(fn, z, h=1e-2):
    """Central finite differences of fn: R^D -> R^D at the single point z (float64)."""
    columns = []
    for j in range(len(z)):
        step = np.zeros_like(z)
        step[j] = h
        columns.append((fn(z + step) - fn(z - step)) / (2 * h))
    return np.stack(columns, axis=1)


def test_made_masks_are_autoregressive():
    """Output i of a MADE pair depends only on inputs of smaller degree (both orderings)."""
    for reverse in (False, True):
        mask_in, mask_out = made_masks(4, 12, reverse)
        connectivity = (mask_in @ mask_out) > 0  # [input j, output i]: any path j -> i
        degrees = np.arange(1, 5)[::-1] if reverse else np.arange(1, 5)
        allowed = degrees[:, None] < degrees[None, :]
        assert np.array_equal(connectivity, allowed & connectivity)
        # ... and each output sees every input it may see (the masks are not too sparse).
        assert np.array_equal(connectivity, allowed)


def test_flow_log_det_matches_numerical_jacobian():
    """sum_k log sigma_k equals log|det dz_K/dz_0| from finite differences, to 1e-3."""
    flow = _randomised_flow(n_dims=3, n_flows=3, n_context=6, seed=0)
    context = np.random.default_rng(1).standard_normal((1, 6)).astype("float32")

    def forward(z):
        out, _ = flow(ops.convert_to_tensor(z[None, :].astype("float32")), context)
        return ops.convert_to_numpy(out)[0].astype(np.float64)

    for z0 in np.random.default_rng(2).standard_normal((3, 3)):
        jacobian = _numerical_jacobian(forward, z0)
        _, log_det = flow(ops.convert_to_tensor(z0[None, :].astype("float32")), context)
        expected = np.linalg.slogdet(jacobian)[1]
        assert float(ops.convert_to_numpy(log_det).sum()) == pytest.approx(expected, abs=1e-3)
        # Not the identity: the check has something to compare.
        assert abs(expected) > 0.1


def test_one_step_jacobian_is_triangular_with_gate_diagonal():
    """A single IAF step has dz_i/dz_j = 0 for j after i, and diagonal sigma_i."""
    step = IAFStep(3, 2, 12, reverse=False, seed=3)
    rng = np.random.default_rng(3)
    step.set_weights([0.5 * rng.standard_normal(w.shape) for w in step.get_weights()])
    context = rng.standard_normal((1, 2)).astype("float32")
    z0 = rng.standard_normal(3)

    def forward(z):
        out, _ = step(ops.convert_to_tensor(z[None, :].astype("float32")), context)
        return ops.convert_to_numpy(out)[0].astype(np.float64)

    jacobian = _numerical_jacobian(forward, z0)
    assert np.allclose(np.triu(jacobian, k=1), 0.0, atol=1e-5)
    _, log_gate = step(ops.convert_to_tensor(z0[None, :].astype("float32")), context)
    assert np.allclose(np.diag(jacobian), np.exp(ops.convert_to_numpy(log_gate)[0]), atol=1e-3)


def test_flow_inverse_recovers_the_base_draw():
    """inverse(forward(z_0)) = z_0: the flow is invertible."""
    flow = _randomised_flow(n_dims=3, n_flows=4, n_context=6, seed=4)
    rng = np.random.default_rng(5)
    z0 = rng.standard_normal((50, 3)).astype("float32")
    context = rng.standard_normal((50, 6)).astype("float32")
    z_k, _ = flow(ops.convert_to_tensor(z0), context)
    # float32 round-off, amplified by gates as small as 0.03, stays below 1e-3.
    assert np.allclose(flow.inverse(ops.convert_to_numpy(z_k), context), z0, atol=1e-3)


def test_flow_density_integrates_to_one():
    """q(z_K) = N(z_0; 0, I) / |det dz_K/dz_0| integrates to 1 over a 2-D grid."""
    flow = _randomised_flow(n_dims=2, n_flows=2, n_context=4, seed=6)
    grid = np.linspace(-8, 8, 321)
    z_k = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2).astype("float32")
    context = np.broadcast_to(
        np.random.default_rng(7).standard_normal((1, 4)), (len(z_k), 4)
    ).astype("float32")
    z0 = flow.inverse(z_k, context)
    _, log_det = flow(ops.convert_to_tensor(z0), context)
    log_q = -0.5 * (2 * np.log(2 * np.pi) + (z0.astype(np.float64) ** 2).sum(axis=1))
    log_q -= ops.convert_to_numpy(log_det).astype(np.float64).sum(axis=1)
    mass = np.exp(log_q).sum() * (grid[1] - grid[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.01)


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)[0]


@pytest.fixture(scope="module")
def flow_vae(wine):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        return VAETransformer(
            posterior="flow", n_flows=2, n_importance_samples=50, random_state=0, **SMALL
        ).fit(wine)


def test_flow_scores_are_finite_and_above_the_elbo(flow_vae, wine):
    """With a flow, score_samples is finite and on average at least the (sampled) ELBO."""
    scores = flow_vae.score_samples(wine)
    expected, kl = flow_vae.elbo_terms(wine)
    assert np.all(np.isfinite(scores))
    assert scores.mean() >= np.mean(expected - kl)
    # The KL split over coordinates sums to the ELBO's KL, with the same fixed draws.
    assert np.allclose(flow_vae.kl_divergence(wine).sum(axis=1), kl)
    assert flow_vae.kl_per_dimension_.shape == (2,)


def test_flow_transform_is_the_flow_of_the_posterior_mean(flow_vae, wine):
    """transform = f_K(mu, context=[mu, log sigma^2]): the flow at eps = 0, not mu itself."""
    inputs = flow_vae._model_input(wine[:10])
    z_mean, z_log_var = flow_vae._posterior_moments(inputs)
    context = np.hstack([z_mean, z_log_var]).astype("float32")
    expected, _ = flow_vae._model.flow(ops.convert_to_tensor(z_mean.astype("float32")), context)
    Z = flow_vae.transform(wine[:10])
    assert np.allclose(Z, ops.convert_to_numpy(expected), atol=1e-6)
    assert not np.allclose(Z, z_mean, atol=1e-3)


def test_flow_fit_is_reproducible_and_survives_pickling(flow_vae, wine):
    """Same random_state, same scores; a pickled flow model scores identically."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        again = VAETransformer(
            posterior="flow", n_flows=2, n_importance_samples=50, random_state=0, **SMALL
        ).fit(wine)
    assert np.array_equal(again.score_samples(wine), flow_vae.score_samples(wine))
    restored = pickle.loads(pickle.dumps(flow_vae))
    assert np.array_equal(restored.score_samples(wine[:20]), flow_vae.score_samples(wine[:20]))


def test_flow_rejects_free_bits_and_hierarchy(wine):
    """free_bits and n_components_lower are refused with a flow, saying why and what to do."""
    with pytest.raises(ValueError, match="free_bits=0.5 needs a KL per latent dimension"):
        VAETransformer(posterior="flow", free_bits=0.5, **SMALL).fit(wine)
    with pytest.raises(ValueError, match='posterior="flow" cannot be combined'):
        VAETransformer(posterior="flow", n_components_lower=2, **SMALL).fit(wine)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the values were recorded with TensorFlow's random streams and kernels",
)
def test_default_posterior_is_unchanged(wine):
    """posterior="gaussian" reproduces the scores computed before flows existed."""
    # Values printed by the code at commit ef6add9 (before this feature), same settings.
    # Training reproduces them bit for bit; scoring agrees to float32 rounding, since it
    # now runs as a compiled graph (skvae._nn._graphs), which fuses operations differently.
    # With that code's default likelihood.
    vae = VAETransformer(
        n_importance_samples=20, likelihood="gaussian", random_state=0, **SMALL
    ).fit(wine)
    # The network's bound: the background share of score_samples came later.
    assert network_scores(vae, wine).mean() == pytest.approx(-23.384179340319687, rel=1e-7)
    assert vae.kl_per_dimension_ == pytest.approx([0.329331523902163, 0.4021699951465906])
    assert vae.history_["loss"][-1] == pytest.approx(24.355792999267578, rel=1e-9)


@pytest.mark.slow
def test_flow_shrinks_the_elbo_gap_on_a_symmetric_posterior():
    """On data where z and -z explain x equally, the flow's mean ELBO gap is smaller.

    Runs benchmarks/flow_posterior.py (three seeds, both posteriors): several minutes.
    """
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from flow_posterior import SEEDS, SETTINGS, run

    results = run(SEEDS, SETTINGS, n_train=2000, n_test=1000)
    gaps = {name: np.mean([score - elbo for score, elbo in rows]) for name, rows in results.items()}
    assert gaps["flow"] < gaps["gaussian"]
    # The flow also raises the held-out likelihood itself, not only the bound.
    assert np.mean(results["flow"], axis=0)[0] > np.mean(results["gaussian"], axis=0)[0]
