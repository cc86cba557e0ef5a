"""A VAE with two stochastic layers and top-down inference (a small Ladder VAE).

Generative model (Sønderby et al., 2016, simplified for MLPs)::

    p(z2) = N(0, I),   p(z1|z2) = N(mu_p(z2), sigma_p(z2)^2),   p(x|z1, z2)

z2 (``n_components`` wide) is the top layer and z1 (``n_components_lower`` wide) the lower
one; the decoder reads both, [z1, z2] (a skip from the top layer, as in NVAE and BIVA).
Inference runs top-down, like generation:

    q(z2|x) = N(mu_2(x), sigma_2(x)^2)                                (the usual encoder)
    q(z1|x, z2) ∝ N(mu_hat(x), sigma_hat(x)^2) * p(z1|z2)              (precision weighting)

with the bottom-up estimate (mu_hat, sigma_hat) two linear heads on the encoder's first
hidden layer: the deterministic bottom-up path is shared, as in a ladder network.
(``architecture="separate"``, the first version, kept to load models saved with it, gives
the bottom-up estimate an MLP of its own and decodes z1 alone.)

The bottom-up estimate N(mu_hat, sigma_hat^2) of z1 is merged with the top-down prior
p(z1|z2) by adding precisions, so q(z1|x, z2) = N(mu_q, sigma_q^2) with
1/sigma_q^2 = 1/sigma_hat^2 + 1/sigma_p^2 and mu_q = sigma_q^2 (mu_hat/sigma_hat^2 +
mu_p/sigma_p^2): where x says little about z1 the posterior falls back on the prior, which
is what keeps the lower layer from collapsing in Sønderby et al.'s experiments.

The KL of the ELBO is KL(q(z2|x) || p(z2)) + E_q(z2|x)[KL(q(z1|x, z2) || p(z1|z2))]: both
are Gaussian-to-Gaussian, so closed form given z2, and the outer expectation over z2 is
estimated with the same draw that feeds the decoder.
"""

import math

import keras
from keras import ops

from skvae._nn._likelihoods import (
    LOG_2PI,
    gaussian_log_prob,
    kl_to_standard_normal,
    standard_normal_log_prob,
)
from skvae._nn._networks import as_float32, dense, mlp, seed_stream
from skvae._vae._latents import LOG_VAR_RANGE, diagonal_gaussian_draws

# "ladder": the bottom-up estimate of z1 shares the encoder's first hidden layer and the
# decoder reads [z1, z2]; "separate": a bottom-up encoder of its own and a decoder of z1
# alone (the first version, kept so that models saved with it load and score as before).
ARCHITECTURES = ("ladder", "separate")


def gaussian_kl_between(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(mean_q, var_q) || N(mean_p, var_p)) per dimension (no sum), in nats.

    1/2 [log var_p - log var_q + (var_q + (mean_q - mean_p)^2) / var_p - 1].

    Examples
    --------
    >>> from keras import ops
    >>> from skvae._vae._hierarchy import gaussian_kl_between
    >>> kl = gaussian_kl_between(ops.ones(1), ops.zeros(1), ops.zeros(1), ops.zeros(1))
    >>> float(ops.convert_to_numpy(kl)[0])  # KL(N(1, 1) || N(0, 1)) = 1/2
    0.5
    """
    return 0.5 * (
        log_var_p
        - log_var_q
        + (ops.exp(log_var_q) + ops.square(mean_q - mean_p)) * ops.exp(-log_var_p)
        - 1.0
    )


def precision_weighted(mean_a, log_var_a, mean_b, log_var_b):
    """Mean and log-variance of N(a) * N(b), renormalised: precisions add.

    Examples
    --------
    >>> from keras import ops
    >>> from skvae._vae._hierarchy import precision_weighted
    >>> mean, log_var = precision_weighted(ops.ones(1), ops.zeros(1), -ops.ones(1),
    ...                                    ops.zeros(1))
    >>> float(ops.convert_to_numpy(mean)[0]), round(float(ops.exp(log_var)[0]), 4)
    (0.0, 0.5)
    """
    log_var = -ops.logaddexp(-log_var_a, -log_var_b)
    mean = (mean_a * ops.exp(-log_var_a) + mean_b * ops.exp(-log_var_b)) * ops.exp(log_var)
    return mean, log_var


def gaussian_head(
    n_inputs, n_outputs, hidden_layer_sizes, activation, seeds, name, dtype="float32"
):
    """MLP [inputs] -> (mean, log_var) of a diagonal Gaussian, with seeded initialisers.

    ``dtype`` is the layers' dtype policy; the outputs are float32 whatever it is.

    Examples
    --------
    >>> from skvae._nn._networks import seed_stream
    >>> from skvae._vae._hierarchy import gaussian_head
    >>> head = gaussian_head(3, 2, (4,), "relu", seed_stream(0), "demo")
    >>> [tuple(out.shape) for out in head.outputs]
    [(None, 2), (None, 2)]
    """
    inputs = keras.Input(shape=(n_inputs,), dtype="float32", name=f"{name}_input")
    h = mlp(inputs, hidden_layer_sizes, activation, seeds, name, dtype)
    mean = dense(n_outputs, next(seeds), f"{name}_mean", dtype=dtype)(h)
    log_var = dense(n_outputs, next(seeds), f"{name}_log_var", dtype=dtype)(h)
    return keras.Model(inputs, as_float32([mean, log_var], dtype, name), name=name)


class Ladder:
    """Two stochastic layers with top-down inference: the latent structure of a
    hierarchical VAE (see the module docstring).

    ``n_components`` is the top layer z2 (what the encoder gives moments of, what the
    estimator's ``transform`` reports), ``n_components_lower`` the lower layer z1; the
    decoder reads [z1, z2] (``architecture="ladder"``) or z1 alone (``"separate"``, see
    :data:`ARCHITECTURES`). Importance weights and the ELBO cover both layers; the
    posterior noise of one draw is [eps_2, eps_1], ``n_components + n_components_lower``
    wide. Top-layer rows z2 decode at z1 = E[z1|z2] = mu_p(z2); rows [z2, eps_1] decode at
    z1 = mu_p + sigma_p * eps_1, an exact ancestral draw when z2 and eps_1 are standard
    normal. Its networks are ``model.lower_encoder`` and ``model.lower_prior``.

    Examples
    --------
    >>> from skvae._vae._hierarchy import Ladder
    >>> ladder = Ladder(n_components=2, n_components_lower=3)
    >>> ladder.noise_width, ladder.decoder_width
    (5, 5)
    """

    # The KL of the two layers is closed form only given a draw of the top layer.
    closed_form_kl = False

    def __init__(self, n_components, n_components_lower, architecture="ladder"):
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}; got {architecture!r}")
        self.architecture = architecture
        self.n_components, self.n_components_lower = int(n_components), int(n_components_lower)
        # The ladder's decoder reads [z1, z2]: z2 skips past the lower layer.
        self.top_skip = architecture == "ladder"
        self.noise_width = self.n_components + self.n_components_lower
        self.decoder_width = self.n_components_lower + (self.n_components if self.top_skip else 0)
        self.model = None

    def attach(self, model, seeds):
        """Build ``model.lower_encoder`` and ``model.lower_prior``.

        They draw from a seed stream of their own, so the networks of the model are
        seeded exactly as a single-layer VAE's (``seeds`` is not used).
        """
        config = model.config
        seeds = seed_stream([config.seed, 5])
        hidden = tuple(config.hidden_layer_sizes)
        # The bottom-up estimate of z1 reads the encoder's first hidden layer (the ladder;
        # [x, c] itself for a linear VAE) or, in the separate architecture, [x, c] through
        # an encoder of its own.
        self.shares_encoder = self.architecture == "ladder" and bool(hidden)
        model.lower_encoder = gaussian_head(
            hidden[0] if self.shares_encoder else model.n_features + model.n_conditions,
            self.n_components_lower,
            hidden if self.architecture == "separate" else (),
            config.activation,
            seeds,
            "lower_encoder",
            dtype=config.dtype_policy,
        )
        # Top-down p(z1|z2): one hidden layer as wide as the narrowest of the encoder's.
        model.lower_prior = gaussian_head(
            self.n_components,
            self.n_components_lower,
            hidden[-1:],
            config.activation,
            seeds,
            "lower_prior",
            dtype=config.dtype_policy,
        )

    # -- the two layers ---------------------------------------------------------------
    def prior_lower(self, model, z2):
        """(mu_p, log sigma_p^2) of p(z1|z2) for z2 of shape (..., n_components)."""
        lead = ops.shape(z2)[:-1]
        mean, log_var = model.lower_prior(ops.reshape(z2, (-1, self.n_components)))
        shape = tuple(lead) + (self.n_components_lower,)
        return ops.reshape(mean, shape), ops.reshape(ops.clip(log_var, *LOG_VAR_RANGE), shape)

    def posterior_lower(self, model, inputs, z2):
        """(mu_q, log var_q, mu_p, log var_p) of q(z1|x, z2) and p(z1|z2); z2 (batch, K, d2)."""
        encoder_inputs = inputs[..., : model.n_features + model.n_conditions]
        if self.shares_encoder:  # the top encoder's first hidden layer, as in a ladder
            encoder_inputs = model.encoder.get_layer("encoder_hidden_0")(encoder_inputs)
        mean_hat, log_var_hat = model.lower_encoder(encoder_inputs)
        log_var_hat = ops.clip(log_var_hat, *LOG_VAR_RANGE)
        mean_p, log_var_p = self.prior_lower(model, z2)
        mean_q, log_var_q = precision_weighted(
            mean_hat[:, None, :], log_var_hat[:, None, :], mean_p, log_var_p
        )
        return mean_q, ops.clip(log_var_q, *LOG_VAR_RANGE), mean_p, log_var_p

    def hierarchical_draws(self, model, inputs, z_mean, z_log_var, eps):
        """Both layers' draws and log-densities for noise eps = [eps_2, eps_1] (batch, K, .).

        Returns (what the decoder reads: [z1, z2] for the ladder, z1 otherwise;
        log p(z1, z2) - log q(z1, z2|x); the lower layer's KL per dimension given z2).
        """
        eps_top, eps_lower = eps[..., : self.n_components], eps[..., self.n_components :]
        z2, log_q2 = diagonal_gaussian_draws(z_mean, z_log_var, eps_top)
        mean_q, log_var_q, mean_p, log_var_p = self.posterior_lower(model, inputs, z2)
        z1 = mean_q + ops.exp(0.5 * log_var_q) * eps_lower
        log_q1 = ops.sum(-0.5 * (LOG_2PI + log_var_q + ops.square(eps_lower)), axis=-1)
        log_p1 = ops.sum(gaussian_log_prob(z1, mean_p, log_var_p), axis=-1)
        log_prior_ratio = standard_normal_log_prob(z2) + log_p1 - log_q2 - log_q1
        kl_lower = gaussian_kl_between(mean_q, log_var_q, mean_p, log_var_p)
        return self.decoder_latent(z1, z2), log_prior_ratio, kl_lower

    def defensive_draws(self, model, inputs, eps, refine_passes=0):
        """(decoder rows, log p(z1, z2) - log r(z1, z2)) for noise eps (batch, K, width),
        where r = (q + p) / 2 is the defensive mixture of the posterior and the prior: the
        first K // 2 draws are q's (as :meth:`draws`), the others the prior's ancestral
        draws (z2 = eps_2, z1 = mu_p(z2) + sigma_p(z2) * eps_1), so a weight
        p(x|z) p(z) / r(z) is at most p(x|z) / (prior share). For rows with holes, whose
        q(z | x_observed) is often narrower than p(z | x_observed) (see
        :mod:`skvae._vae._defensive_draws`, which mixes a single Gaussian layer on the
        host). Both densities are evaluated at every draw: q needs the top-down pass at
        the draw's z2, which only the model can make."""
        z_mean, z_log_var = (m[:, None, :] for m in model.encode(inputs, refine_passes))
        inputs = ops.convert_to_tensor(inputs)
        n_draws = ops.shape(eps)[-2]
        prior_share = (n_draws - n_draws // 2) / n_draws
        from_prior = ops.reshape(ops.arange(n_draws) >= n_draws // 2, (1, n_draws, 1))
        eps_top, eps_lower = eps[..., : self.n_components], eps[..., self.n_components :]
        z2 = ops.where(from_prior, eps_top, z_mean + ops.exp(0.5 * z_log_var) * eps_top)
        mean_q, log_var_q, mean_p, log_var_p = self.posterior_lower(model, inputs, z2)
        mean_1 = ops.where(from_prior, mean_p, mean_q)
        z1 = mean_1 + ops.exp(0.5 * ops.where(from_prior, log_var_p, log_var_q)) * eps_lower
        log_q = ops.sum(gaussian_log_prob(z2, z_mean, z_log_var), axis=-1) + ops.sum(
            gaussian_log_prob(z1, mean_q, log_var_q), axis=-1
        )
        log_p = standard_normal_log_prob(z2) + ops.sum(
            gaussian_log_prob(z1, mean_p, log_var_p), axis=-1
        )
        log_r = ops.logaddexp(math.log1p(-prior_share) + log_q, math.log(prior_share) + log_p)
        return self.decoder_latent(z1, z2), log_p - log_r

    def decoder_latent(self, z1, z2):
        """The rows the decoder reads: [z1, z2] for the ladder (a skip from the top), z1."""
        return ops.concatenate([z1, z2], axis=-1) if self.top_skip else z1

    # -- the latent structure's interface (see skvae._vae._latents.SingleLayer) --------
    def training_draw(self, model, inputs, z_mean, z_log_var):
        """One draw of both layers per row, with the two layers' KL per dimension."""
        eps = keras.random.normal(
            (ops.shape(z_mean)[0], 1, self.noise_width), dtype="float32", seed=model.noise
        )
        z1, _, kl_lower = self.hierarchical_draws(model, inputs, z_mean, z_log_var, eps)
        # Closed-form KL of the top layer; the lower layer's is closed form given the z2 draw.
        kl_per_dim = ops.concatenate(
            [kl_to_standard_normal(z_mean, z_log_var), kl_lower[:, 0, :]], axis=-1
        )
        return z1[:, 0, :], {"kl_per_dim": kl_per_dim, "kl": ops.sum(kl_per_dim, axis=-1)}

    def draws(self, model, inputs, eps, refine_passes=0):
        """(decoder rows, log p(z1, z2) - log q(z1, z2|x)) for noise eps (batch, K, width)."""
        z_mean, z_log_var = model.encode(inputs, refine_passes)
        z1, log_prior_ratio, _ = self.hierarchical_draws(
            model, ops.convert_to_tensor(inputs), z_mean, z_log_var, eps
        )
        return z1, log_prior_ratio

    def location(self, model, inputs):
        """[mu_2, mu_q(x, z2 = mu_2)]: the top posterior mean, then the lower layer's."""
        z_mean, _ = model.encode_for_inference(inputs)
        mean_q = self.posterior_lower(model, inputs, z_mean[:, None, :])[0]
        return ops.concatenate([z_mean, mean_q[:, 0, :]], axis=-1)

    def kl_per_dimension(self, model, inputs, eps):
        """[KL(q(z2|x) || p(z2)) per top dimension, E_q(z2)[KL(q(z1|x,z2) || p(z1|z2))] per
        lower dimension]; the outer expectation averages over the draws eps (K, width)."""
        z_mean, z_log_var = model.encode_for_inference(inputs)
        _, _, kl_lower = self.hierarchical_draws(model, inputs, z_mean, z_log_var, eps[None, :, :])
        kl_top = kl_to_standard_normal(z_mean, z_log_var)
        return ops.concatenate([kl_top, ops.mean(kl_lower, axis=1)], axis=-1)

    def decoder_rows(self, model, z):
        """Decoder rows for top-layer rows z2 (at z1 = mu_p(z2)) or rows [z2, eps_1] (a z1
        draw): [z1, z2] for the ladder, z1 otherwise."""
        z = ops.convert_to_tensor(z)
        z2 = z[..., : self.n_components]
        z1, log_var_p = self.prior_lower(model, z2)
        if ops.shape(z)[-1] == self.noise_width:
            z1 = z1 + ops.exp(0.5 * log_var_p) * z[..., self.n_components :]
        return self.decoder_latent(z1, z2)
