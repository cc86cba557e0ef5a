"""n_components_lower: the two-layer VAE's KL terms, importance weights and latent API."""

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
from keras import ops
from scipy.stats import norm
from sklearn.datasets import load_wine

from skvae import PosteriorCollapseWarning, VAEImputer, VAETransformer
from skvae._vae._hierarchy import gaussian_kl_between, precision_weighted

SMALL = dict(
    n_components=2,
    n_components_lower=3,
    hidden_layer_sizes=(16,),
    max_iter=5,
    batch_size=64,
    n_importance_samples=50,
)


def _tensor(value):
    return ops.convert_to_tensor(np.array([value], dtype="float32"))


def test_gaussian_kl_between_matches_the_closed_form():
    """KL(N(1, 0.5) || N(-0.5, 2)) = 1/2 (log 4 + 2.75 / 2 - 1) = 0.880647 nats."""
    kl = gaussian_kl_between(_tensor(1.0), _tensor(np.log(0.5)), _tensor(-0.5), _tensor(np.log(2)))
    assert float(ops.convert_to_numpy(kl)[0]) == pytest.approx(0.880647, abs=1e-5)


def test_precision_weighting_is_the_normalised_product_of_densities():
    """N(1, 0.5) * N(-0.5, 2), normalised on a grid, has the merged mean and variance."""
    grid = np.linspace(-10, 10, 200001)
    product = norm.pdf(grid, 1.0, np.sqrt(0.5)) * norm.pdf(grid, -0.5, np.sqrt(2.0))
    product /= product.sum()
    mean = (grid * product).sum()
    var = ((grid - mean) ** 2 * product).sum()
    merged_mean, merged_log_var = precision_weighted(
        *(_tensor(v) for v in (1.0, np.log(0.5), -0.5, np.log(2.0)))
    )
    assert float(ops.convert_to_numpy(merged_mean)[0]) == pytest.approx(mean, abs=1e-5)
    assert float(np.exp(ops.convert_to_numpy(merged_log_var)[0])) == pytest.approx(var, abs=1e-5)


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)[0]


@pytest.fixture(scope="module")
def hier_vae(wine):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        return VAETransformer(random_state=0, **SMALL).fit(wine)


def _predict(model, rows):
    return [np.asarray(ops.convert_to_numpy(t), dtype=np.float64) for t in model(rows)]


def test_importance_weights_cover_both_layers(hier_vae, wine):
    """log p(z2) + log p(z1|z2) - log q(z2|x) - log q(z1|x,z2), recomputed in NumPy."""
    model = hier_vae._model
    inputs = hier_vae._model_input(wine[:5])
    eps = np.random.default_rng(0).standard_normal((7, 5)).astype("float32")
    _, log_ratio = model.importance_terms(inputs, eps)
    rows = inputs[:, : model.n_features]  # complete rows: no refinement passes involved
    mu2, log_var2 = _predict(model.encoder, rows)
    # The ladder: the bottom-up estimate of z1 reads the encoder's first hidden layer.
    kernel, bias = model.encoder.get_layer("encoder_hidden_0").get_weights()
    hidden = np.maximum(rows @ kernel + bias, 0.0)  # relu, the default activation
    mu_hat, log_var_hat = _predict(model.lower_encoder, hidden.astype("float32"))
    expected = np.empty((5, 7))
    for k, e in enumerate(eps.astype(np.float64)):
        z2 = mu2 + np.exp(0.5 * log_var2) * e[:2]
        mu_p, log_var_p = _predict(model.lower_prior, z2.astype("float32"))
        precision = np.exp(-log_var_hat) + np.exp(-log_var_p)
        var_q = 1.0 / precision
        mu_q = var_q * (mu_hat * np.exp(-log_var_hat) + mu_p * np.exp(-log_var_p))
        z1 = mu_q + np.sqrt(var_q) * e[2:]
        expected[:, k] = (
            norm.logpdf(z2).sum(axis=1)
            + norm.logpdf(z1, mu_p, np.exp(0.5 * log_var_p)).sum(axis=1)
            - norm.logpdf(z2, mu2, np.exp(0.5 * log_var2)).sum(axis=1)
            - norm.logpdf(z1, mu_q, np.sqrt(var_q)).sum(axis=1)
        )
    assert np.allclose(ops.convert_to_numpy(log_ratio), expected, atol=1e-3)


def test_defensive_draws_weigh_both_layers_by_the_mixture_of_q_and_the_prior(hier_vae, wine):
    """With r=True the first half of the draws are q's and the second the prior's
    ancestral draws (z2 = eps_2, z1 = mu_p(z2) + sigma_p(z2) eps_1), and the log ratio is
    log p(z1, z2) - log((q + p) / 2), recomputed in NumPy: never above log 2."""
    model = hier_vae._model
    inputs = hier_vae._model_input(wine[:5])
    eps = np.random.default_rng(1).standard_normal((8, 5)).astype("float32")
    _, log_ratio = model.importance_terms(inputs, eps, r=True)
    rows = inputs[:, : model.n_features]
    mu2, log_var2 = _predict(model.encoder, rows)
    kernel, bias = model.encoder.get_layer("encoder_hidden_0").get_weights()
    hidden = np.maximum(rows @ kernel + bias, 0.0)
    mu_hat, log_var_hat = _predict(model.lower_encoder, hidden.astype("float32"))
    expected = np.empty((5, 8))
    for k, e in enumerate(eps.astype(np.float64)):
        from_prior = k >= 4
        z2 = np.tile(e[:2], (5, 1)) if from_prior else mu2 + np.exp(0.5 * log_var2) * e[:2]
        mu_p, log_var_p = _predict(model.lower_prior, z2.astype("float32"))
        var_q = 1.0 / (np.exp(-log_var_hat) + np.exp(-log_var_p))
        mu_q = var_q * (mu_hat * np.exp(-log_var_hat) + mu_p * np.exp(-log_var_p))
        z1 = mu_p + np.exp(0.5 * log_var_p) * e[2:] if from_prior else mu_q + np.sqrt(var_q) * e[2:]
        log_p = norm.logpdf(z2).sum(axis=1) + norm.logpdf(z1, mu_p, np.exp(0.5 * log_var_p)).sum(
            axis=1
        )
        log_q = norm.logpdf(z2, mu2, np.exp(0.5 * log_var2)).sum(axis=1) + norm.logpdf(
            z1, mu_q, np.sqrt(var_q)
        ).sum(axis=1)
        expected[:, k] = log_p - np.logaddexp(np.log(0.5) + log_q, np.log(0.5) + log_p)
    assert np.allclose(ops.convert_to_numpy(log_ratio), expected, atol=1e-3)
    assert expected.max() <= np.log(2.0) + 1e-9


def test_kl_terms_match_the_sampled_log_ratio(hier_vae, wine):
    """Closed-form KL(q(z2)||p(z2)) + E[KL(q(z1|z2)||p(z1|z2))] = E_q[log q - log p(z1, z2)].

    Both sides use the same 20000 draws; the top layer's terms must also equal the
    NumPy closed form of the encoder's Gaussian.
    """
    model = hier_vae._model
    inputs = hier_vae._model_input(wine[:10])
    eps = np.random.default_rng(1).standard_normal((20000, 5)).astype("float32")
    _, log_ratio = model.importance_terms(inputs, eps)
    sampled = -ops.convert_to_numpy(log_ratio).mean(axis=1)
    per_dim = np.asarray(ops.convert_to_numpy(model.kl_per_dimension(inputs, eps)))
    assert np.allclose(per_dim.sum(axis=1), sampled, atol=0.05)
    # The public method: top-layer columns first, closed form.
    kl = hier_vae.kl_divergence(wine[:10])
    mu2, log_var2 = _predict(model.encoder, inputs[:, : model.n_features])
    top = 0.5 * (np.exp(log_var2) + mu2**2 - 1.0 - log_var2)
    assert kl.shape == (10, 5)
    assert np.allclose(kl[:, :2], top, atol=1e-5)
    assert np.all(kl >= 0)
    assert np.allclose(hier_vae.elbo_terms(wine[:10])[1], kl.sum(axis=1))


def test_hierarchical_scores_are_finite_and_above_the_elbo(hier_vae, wine):
    """score_samples is finite and, on average, above the two-layer ELBO."""
    scores = hier_vae.score_samples(wine)
    expected, kl = hier_vae.elbo_terms(wine)
    assert np.all(np.isfinite(scores))
    assert scores.mean() > np.mean(expected - kl)


def test_transform_is_the_top_layer_and_decode_uses_the_lower_one(hier_vae, wine):
    """transform = top posterior mean; decode(z) = decode at E[z1|z]; [z, eps1] samples z1."""
    model = hier_vae._model
    Z = hier_vae.transform(wine[:4])
    mu2, _ = _predict(model.encoder, hier_vae._model_input(wine[:4])[:, : model.n_features])
    assert np.allclose(Z, mu2, atol=1e-6)
    z = Z.astype("float32")
    mean_at_mean = ops.convert_to_numpy(model.decode(z)[0])
    zeros = np.hstack([z, np.zeros((4, 3), "float32")])
    assert np.allclose(ops.convert_to_numpy(model.decode(zeros)[0]), mean_at_mean, atol=1e-6)
    noisy = np.hstack([z, np.ones((4, 3), "float32")])
    assert not np.allclose(ops.convert_to_numpy(model.decode(noisy)[0]), mean_at_mean)
    assert hier_vae.inverse_transform(Z).shape == (4, 13)
    assert hier_vae.sample(3, random_state=0).shape == (3, 13)
    assert hier_vae.active_units_.shape == (5,)


def test_the_ladder_shares_the_encoder_and_decodes_both_layers(hier_vae, wine):
    """The bottom-up heads read the encoder's first hidden layer (16 wide); the decoder
    reads [z1, z2], with z1 = mu_p(z2) for rows z2."""
    model = hier_vae._model
    assert model.latents.architecture == "ladder"
    assert model.lower_encoder.input_shape == (None, 16)
    assert [type(layer).__name__ for layer in model.lower_encoder.layers[1:]] == ["Dense"] * 2
    assert model.decoder.input_shape == (None, 3 + 2)
    z = np.random.default_rng(2).standard_normal((4, 2)).astype("float32")
    mu_p, _ = _predict(model.lower_prior, z)
    expected = _predict(model.decoder, np.hstack([mu_p, z]).astype("float32"))
    got = np.asarray(ops.convert_to_numpy(model.decoder_params(z)))
    assert np.allclose(got, expected, atol=1e-5)


def test_models_from_before_the_ladder_load_with_their_architecture(wine, monkeypatch):
    """A state without ``_hierarchy`` (pickled before the ladder) is rebuilt with the
    separate bottom-up encoder and a decoder of z1, and scores as it did."""
    plain = VAETransformer._network_config
    monkeypatch.setattr(
        VAETransformer,
        "_network_config",
        lambda self, layout: dataclasses.replace(plain(self, layout), hierarchy="separate"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        old = VAETransformer(random_state=0, **SMALL).fit(wine)
    monkeypatch.undo()
    assert old._model.latents.architecture == "separate"
    assert old._model.lower_encoder.input_shape == (None, 13)
    assert old._model.decoder.input_shape == (None, 3)
    state = old.__getstate__()
    del state["_hierarchy"]
    restored = VAETransformer.__new__(VAETransformer)
    restored.__setstate__(state)
    assert restored._model.latents.architecture == "separate"
    assert np.array_equal(restored.score_samples(wine[:20]), old.score_samples(wine[:20]))


def test_hierarchical_fit_is_reproducible_and_survives_pickling(hier_vae, wine):
    """Same random_state, same scores; a pickled two-layer model scores identically."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        again = VAETransformer(random_state=0, **SMALL).fit(wine)
    assert np.array_equal(again.score_samples(wine), hier_vae.score_samples(wine))
    restored = pickle.loads(pickle.dumps(hier_vae))
    assert np.array_equal(restored.score_samples(wine[:20]), hier_vae.score_samples(wine[:20]))


def test_auto_kl_warmup_is_for_the_hierarchy_only():
    """kl_warmup="auto": no warm-up for one layer, min(20, max_iter // 10) epochs for two."""
    assert VAETransformer()._kl_warmup_epochs() == 0
    assert VAETransformer(n_components_lower=4)._kl_warmup_epochs() == 20
    assert VAETransformer(n_components_lower=4, max_iter=50)._kl_warmup_epochs() == 5
    assert VAETransformer(n_components_lower=4, max_iter=5)._kl_warmup_epochs() == 0
    assert VAETransformer(n_components_lower=4, kl_warmup=0)._kl_warmup_epochs() == 0
    assert VAETransformer(kl_warmup=7)._training_params()["kl_warmup"] == 7


@pytest.mark.slow
def test_default_warmup_keeps_the_hierarchy_from_collapsing():
    """On dequantised load_digits, seed 1 (benchmarks/hierarchical.py compares the
    hierarchy with flat VAEs, all with warm-up; this test is the one comparison without
    it, run by `pytest -m slow`): without warm-up all but 3 of the 24 dimensions
    collapse (held-out score -127.44 nats per image); the default kl_warmup="auto" keeps
    9 active and scores -121.80."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X = load_digits(return_X_y=True)[0]
    X = X + np.random.default_rng(0).uniform(size=X.shape)
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
    settings = dict(
        n_components=8,
        n_components_lower=16,
        hidden_layer_sizes=(64, 32),
        max_iter=300,
        n_iter_no_change=20,
        batch_size=64,
        n_importance_samples=200,
        likelihood="gaussian",  # the likelihood these numbers were measured with
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        warm = VAETransformer(**settings).fit(X_train)
        cold = VAETransformer(kl_warmup=0, **settings).fit(X_train)
    assert np.sum(cold.kl_per_dimension_ > 0.01) <= 4
    assert np.sum(warm.kl_per_dimension_ > 0.01) >= 7
    assert warm.score(X_test) > cold.score(X_test) + 3


def test_rows_with_holes_are_scored_and_filled_from_the_defensive_mixture():
    """A hierarchy scores rows with holes from the defensive mixture of q and the prior,
    as a Gaussian q does: exp(score) of rows observing one column of three integrates over
    that column to within 0.15 of 1 for three seeds of the draws (q alone, before: 0.72 to
    1.26); draws under a given value and the imputer's fills come from it too."""
    rng = np.random.RandomState(1)
    z = rng.randn(300)
    X = np.c_[z + 0.2 * rng.randn(300), np.sin(2 * z) + 0.2 * rng.randn(300), z**2]
    X[:, 2] += 0.3 * rng.randn(300)
    params = dict(n_components=2, n_components_lower=1, hidden_layer_sizes=(32,), max_iter=100)
    vae = VAETransformer(**params, random_state=0).fit(X)
    grid = np.linspace(-8, 8, 801)
    deviations = []
    for seed in range(3):
        vae._seed = 100 + seed  # the scoring's draws (skvae._vae._density)
        for j in range(3):
            rows = np.full((len(grid), 3), np.nan)
            rows[:, j] = grid * X[:, j].std() + X[:, j].mean()
            mass = np.trapezoid(np.exp(vae.score_samples(rows)), rows[:, j])
            deviations.append(abs(mass - 1.0))
    assert max(deviations) < 0.15 and np.mean(deviations) < 0.08
    # Draws under a given value come from the same mixture: z**2 given z near 2 is larger.
    given = [vae.sample(200, conditions={0: v}, random_state=0) for v in (0.0, 2.0)]
    assert given[1][:, 0].tolist() == [2.0] * 200
    assert given[1][:, 2].mean() > given[0][:, 2].mean() + 1.5

    holes = X.copy()
    holes[::4, 2] = np.nan
    filled = VAEImputer(**params, random_state=0).fit(holes).transform(holes)[::4, 2]
    # RMSE 0.99 against the holes' spread of 1.60 (q alone filled alike, 0.99; the
    # single-layer imputer of the same size 1.26).
    assert np.sqrt(np.mean((filled - X[::4, 2]) ** 2)) < 0.75 * X[::4, 2].std()
