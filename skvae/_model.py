"""The VAE as a ``keras.Model``: encoder, decoder, standard-normal prior, loss = -ELBO.

The model works on *scaled* data (the estimator standardises Gaussian features) but
reports every log-likelihood in the units of the user's X: ``log_det_scale`` (the sum of
the log feature scales) is subtracted from each log-density, the log-Jacobian of the scaling.
Only ``keras.ops`` is used, so the same model trains under TensorFlow, JAX and PyTorch.
"""

import math

import keras
import numpy as np
from keras import layers, ops

from skvae._likelihoods import (
    LOG_2PI,
    bernoulli_log_prob,
    free_bits_kl,
    gaussian_log_prob,
    kl_to_standard_normal,
    log_mean_exp,
    standard_normal_log_prob,
)

# Posterior log-variances are clipped to this range: exp(-12) to exp(8) covers every
# useful posterior width in scaled units and keeps exp() and the KL finite.
LOG_VAR_RANGE = (-12.0, 8.0)


def _mlp(inputs, sizes, activation, seeds, name):
    """Stack of Dense layers with explicitly seeded initialisers (no global RNG use)."""
    h = inputs
    for i, size in enumerate(sizes):
        h = layers.Dense(
            size,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            name=f"{name}_hidden_{i}",
        )(h)
    return h


def _dense(units, seed, name):
    return layers.Dense(
        units, kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name=name
    )


def build_encoder(n_inputs, n_components, hidden_layer_sizes, activation, seeds):
    """Encoder network [x, c] -> (z_mean, z_log_var) of the diagonal Gaussian q(z|x, c)."""
    x = keras.Input(shape=(n_inputs,), name="x")
    h = _mlp(x, hidden_layer_sizes, activation, seeds, "encoder")
    z_mean = _dense(n_components, next(seeds), "z_mean")(h)
    z_log_var = _dense(n_components, next(seeds), "z_log_var")(h)
    return keras.Model(x, [z_mean, z_log_var], name="encoder")


def build_decoder(n_outputs, n_components, hidden_layer_sizes, activation, seeds):
    """Decoder network z -> parameters of p(x|z): Gaussian means (and log-variances for
    the heteroscedastic likelihood, concatenated after the means) or Bernoulli logits."""
    z = keras.Input(shape=(n_components,), name="z")  # with the conditions appended
    h = _mlp(z, tuple(reversed(hidden_layer_sizes)), activation, seeds, "decoder")
    out = _dense(n_outputs, next(seeds), "x_param")(h)
    return keras.Model(z, out, name="decoder")


class VAE(keras.Model):
    """Variational autoencoder with a diagonal-Gaussian posterior and an N(0, I) prior.

    Parameters
    ----------
    n_features, n_components : int
        Width of the modelled data and of the latent space.
    hidden_layer_sizes : tuple of int
        Encoder hidden layers; the decoder uses them in reverse. ``()`` gives a linear VAE.
    activation : str
        Keras activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "bernoulli"}
        Observation model p(x|z): Gaussian with one learned variance per feature,
        Gaussian whose variance the decoder outputs per row, or Bernoulli.
    var_floor : float
        Lower bound of the Gaussian observation variance, in scaled units.
    log_det_scale : float
        Sum of log feature scales; subtracted from log-densities to express them in X units.
    beta, free_bits : float
        KL weight and per-dimension free-bits floor (nats) of the training objective.
    kl_warmup_steps : int
        Optimiser steps over which the KL weight rises linearly from 0 to ``beta``.
    seed : int
        Seed for the initialisers and the reparameterisation noise.
    objective : {"elbo", "iwae"}
        Training bound: the ELBO, or the importance-weighted bound of Burda et al. (2015)
        with ``n_importance_train`` draws per row.
    n_importance_train : int
        Draws per row for ``objective="iwae"``.
    n_conditions : int
        Width of the encoded condition vector c (0 for an unconditional VAE). The model's
        input rows are [x, c]: the encoder sees both, the decoder sees [z, c], and only x
        is modelled, so every log-likelihood is log p(x | c).
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        activation,
        likelihood,
        var_floor,
        log_det_scale,
        beta,
        free_bits,
        kl_warmup_steps,
        seed,
        objective="elbo",
        n_importance_train=1,
        n_conditions=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.likelihood = likelihood
        self.n_components = int(n_components)
        self.n_features = int(n_features)
        self.n_conditions = int(n_conditions)
        self.var_floor = float(var_floor)
        self.log_det_scale = float(log_det_scale)
        self.beta = float(beta)
        self.free_bits = float(free_bits)
        self.kl_warmup_steps = int(kl_warmup_steps)
        self.objective = objective
        self.n_importance_train = int(n_importance_train)
        seeds = iter(int(s) for s in np.random.SeedSequence(seed).generate_state(64))
        self.encoder = build_encoder(
            n_features + n_conditions, n_components, hidden_layer_sizes, activation, seeds
        )
        n_outputs = 2 * n_features if likelihood == "heteroscedastic" else n_features
        self.decoder = build_decoder(
            n_outputs, n_components + n_conditions, hidden_layer_sizes, activation, seeds
        )
        if likelihood == "gaussian":
            # One learned variance per feature: var = var_floor + exp(raw), so it can never
            # fall below the floor (constant columns would otherwise drive it to 0 and the
            # density to infinity). raw = 0 starts the variance at about 1 (unit scale).
            self.obs_raw_var = self.add_weight(
                shape=(n_features,), initializer="zeros", name="obs_raw_var"
            )
        self.noise = keras.random.SeedGenerator(next(seeds), name="reparam_noise")
        # Counts training steps for the KL warm-up. A model variable (not the optimiser's
        # counter) so every backend, JAX's traced steps included, sees its current value.
        self.train_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="train_steps"
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    # -- the probabilistic pieces -------------------------------------------------------
    def encode(self, inputs):
        """Posterior mean and (clipped) log-variance of q(z|x, c) for input rows [x, c]."""
        z_mean, z_log_var = self.encoder(inputs)
        return z_mean, ops.clip(z_log_var, *LOG_VAR_RANGE)

    def split_inputs(self, inputs):
        """(x, c) from input rows [x, c]; c is None for an unconditional model."""
        if self.n_conditions == 0:
            return inputs, None
        return inputs[..., : self.n_features], inputs[..., self.n_features :]

    def _decoder_output(self, z, conditions):
        if conditions is None:
            return self.decoder(z)
        return self.decoder(ops.concatenate([z, conditions], axis=-1))

    def obs_log_var(self):
        """Per-feature Gaussian observation log-variance in scaled units ("gaussian")."""
        return self._floored_log_var(self.obs_raw_var)

    def _floored_log_var(self, raw):
        # var = var_floor + exp(raw): smooth, and never below the floor, so constant or
        # near-discrete columns cannot drive the variance to 0 and the density to infinity.
        return ops.logaddexp(math.log(self.var_floor), raw)

    def observation_params(self, x_param):
        """Split the decoder output into (mean, log_var) in scaled units.

        For Bernoulli the mean is the probability sigmoid(logits) and log_var is None.
        """
        if self.likelihood == "bernoulli":
            return ops.sigmoid(x_param), None
        if self.likelihood == "heteroscedastic":
            mean, raw = ops.split(x_param, 2, axis=-1)
            return mean, self._floored_log_var(raw)
        return x_param, self.obs_log_var()

    def log_likelihood(self, x, x_param):
        """log p(x|z) in the units of X, summed over features (last axis)."""
        if self.likelihood == "bernoulli":
            log_p = bernoulli_log_prob(x, x_param)
        else:
            mean, log_var = self.observation_params(x_param)
            log_p = gaussian_log_prob(x, mean, log_var)
        return log_p - self.log_det_scale

    def decode(self, z, conditions=None):
        """(mean, log_var) of p(x|z, c) in scaled units; log_var is None for Bernoulli."""
        return self.observation_params(self._decoder_output(z, conditions))

    def call(self, inputs, training=False):
        z_mean, z_log_var = self.encode(inputs)
        eps = keras.random.normal(ops.shape(z_mean), seed=self.noise)
        z = z_mean + ops.exp(0.5 * z_log_var) * eps
        x_param = self._decoder_output(z, self.split_inputs(inputs)[1])
        return {"z_mean": z_mean, "z_log_var": z_log_var, "x_param": x_param}

    # -- the objective ------------------------------------------------------------------
    def kl_weight(self):
        """beta, scaled by the linear warm-up factor min(1, step / warm-up steps)."""
        if self.kl_warmup_steps <= 0:
            return self.beta
        progress = (self.train_steps + 1.0) / float(self.kl_warmup_steps)
        return self.beta * ops.minimum(1.0, progress)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        kl_per_dim = kl_to_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
        kl = ops.sum(kl_per_dim, axis=-1)
        if self.objective == "iwae":
            return self._iwae_loss(x, kl, training)
        # Reconstruction: one-sample Monte Carlo estimate of -E_q[log p(x|z)], per row.
        reconstruction = -self.log_likelihood(self.split_inputs(x)[0], y_pred["x_param"])
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        if not training:
            # Validation reports the honest negative ELBO (beta = 1, no free bits, no
            # warm-up): the bound on -log p(x) that early stopping should minimise.
            return ops.mean(reconstruction + kl)
        kl_term = free_bits_kl(kl_per_dim, self.free_bits)
        loss = ops.mean(reconstruction) + self.kl_weight() * kl_term
        self.train_steps.assign(self.train_steps + 1.0)
        return loss

    def _iwae_loss(self, x, kl, training):
        """Negative K-sample importance-weighted bound, with fresh draws for every row.

        The KL weight (beta and warm-up) scales log p(z) - log q(z|x) inside each weight,
        the importance-weighted analogue of weighting the ELBO's KL term; in validation
        the weight is 1, so val_loss is the honest negative bound.
        """
        n_rows = ops.shape(x)[0]
        eps = keras.random.normal(
            (n_rows, self.n_importance_train, self.n_components), seed=self.noise
        )
        log_px_z, log_prior_ratio = self._importance_terms(x, eps)
        weight = self.kl_weight() if training else 1.0
        bound = log_mean_exp(log_px_z + weight * log_prior_ratio, axis=1)
        self.reconstruction_tracker.update_state(-ops.mean(log_px_z, axis=1))
        self.kl_tracker.update_state(kl)
        if training:
            self.train_steps.assign(self.train_steps + 1.0)
        return -ops.mean(bound)

    # -- importance sampling ------------------------------------------------------------
    def _importance_terms(self, inputs, eps):
        """log p(x|z_k, c) and log p(z_k) - log q(z_k|x, c) for z_k = mu + sigma * eps_k.

        ``inputs`` are rows [x, c]. ``eps`` has shape (K, n_components), shared by every
        row (so each row's result depends on that row alone), or (batch, K, n_components).
        Returns two arrays of shape (batch, K).
        """
        x, conditions = self.split_inputs(inputs)
        z_mean, z_log_var = self.encode(inputs)
        if len(ops.shape(eps)) == 2:
            eps = eps[None, :, :]
        z = z_mean[:, None, :] + ops.exp(0.5 * z_log_var)[:, None, :] * eps
        n_rows, n_draws = ops.shape(z)[0], ops.shape(z)[1]
        flat_z = ops.reshape(z, (-1, self.n_components))
        if conditions is not None:
            # Each row's conditions, repeated for each of its K draws.
            conditions = ops.reshape(
                ops.broadcast_to(conditions[:, None, :], (n_rows, n_draws, self.n_conditions)),
                (-1, self.n_conditions),
            )
        x_param = ops.reshape(self._decoder_output(flat_z, conditions), (n_rows, n_draws, -1))
        log_px_z = self.log_likelihood(x[:, None, :], x_param)
        log_qz = ops.sum(-0.5 * (LOG_2PI + z_log_var[:, None, :] + ops.square(eps)), axis=-1)
        return log_px_z, standard_normal_log_prob(z) - log_qz

    def importance_log_weights(self, x, eps):
        """log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x), shape (batch, K)."""
        log_px_z, log_prior_ratio = self._importance_terms(x, eps)
        return log_px_z + log_prior_ratio

    def expected_log_likelihood(self, x, eps):
        """E_q[log p(x|z)] per row, averaged over the draws z_k = mu + sigma * eps_k."""
        return ops.mean(self._importance_terms(x, eps)[0], axis=1)

    def importance_log_likelihood(self, x, eps):
        """Importance-weighted estimate of log p(x) per row: log-mean-exp of the weights."""
        return log_mean_exp(self.importance_log_weights(x, eps), axis=1)
