"""The VAE as a ``keras.Model``: encoder, decoder, standard-normal prior, loss = -ELBO.

The model works on *scaled* data (the estimator standardises Gaussian features) but
reports every log-likelihood in the units of the user's X: each observed feature's log
scale is subtracted from its log-density, the log-Jacobian of the scaling. Missing entries
are masked out of the likelihood (Mattei & Frellsen, 2019), so log-likelihoods are
log p(x_observed).
Only ``keras.ops`` is used, so the same model trains under TensorFlow, JAX and PyTorch.
"""

import keras
import numpy as np
from keras import layers, ops

from skvae._nn._layout import ColumnLayout
from skvae._nn._likelihoods import (
    LOG_2PI,
    free_bits_kl,
    kl_to_standard_normal,
    log_mean_exp,
    standard_normal_log_prob,
)
from skvae._vae._flows import InverseAutoregressiveFlow

# Posterior log-variances are clipped to this range: exp(-12) to exp(8) covers every
# useful posterior width in scaled units and keeps exp() and the KL finite.
LOG_VAR_RANGE = (-12.0, 8.0)

# Encoder passes that refill missing entries with decoded means before scoring, imputing
# or encoding rows (see VAE.encode). Complete rows are unchanged by them.
REFINE_PASSES = 3


def _mlp(inputs, sizes, activation, seeds, name, dtype=None):
    """Stack of Dense layers with explicitly seeded initialisers (no global RNG use).

    ``dtype`` is the layers' Keras dtype policy (None: Keras's global one, float32).
    """
    h = inputs
    for i, size in enumerate(sizes):
        h = layers.Dense(
            size,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            name=f"{name}_hidden_{i}",
            dtype=dtype,
        )(h)
    return h


def _dense(units, seed, name, bias=None, dtype=None):
    bias_initializer = "zeros" if bias is None else keras.initializers.Constant(bias)
    return layers.Dense(
        units,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        bias_initializer=bias_initializer,
        name=name,
        dtype=dtype,
    )


def as_float32(outputs, dtype, name):
    """The network outputs cast to float32 when the layers compute in lower precision.

    Under a mixed dtype policy every likelihood, KL and log-determinant is then computed
    in float32 from float32 inputs; under float32 the outputs pass unchanged (no layer is
    added, so the float32 network is exactly the one it always was).
    """
    if dtype is None or keras.dtype_policies.get(dtype).compute_dtype == "float32":
        return outputs
    return [
        layers.Activation("linear", dtype="float32", name=f"{name}_{i}_float32")(out)
        for i, out in enumerate(outputs)
    ]


def build_encoder(n_inputs, n_components, hidden_layer_sizes, activation, seeds, dtype=None):
    """Encoder network [x, c] -> (z_mean, z_log_var) of the diagonal Gaussian q(z|x, c).

    ``dtype`` is the layers' dtype policy; the outputs are float32 whatever it is.
    """
    x = keras.Input(shape=(n_inputs,), name="x")
    h = _mlp(x, hidden_layer_sizes, activation, seeds, "encoder", dtype)
    z_mean = _dense(n_components, next(seeds), "z_mean", dtype=dtype)(h)
    z_log_var = _dense(n_components, next(seeds), "z_log_var", dtype=dtype)(h)
    return keras.Model(x, as_float32([z_mean, z_log_var], dtype, "encoder"), name="encoder")


def build_decoder(
    n_outputs, n_components, hidden_layer_sizes, activation, seeds, bias=None, dtype=None
):
    """Decoder network z -> parameters of p(x|z), laid out as in :mod:`skvae._nn._layout`
    (for one likelihood: Gaussian means, then log-variances if heteroscedastic, or
    Bernoulli logits). ``bias`` initialises the output layer's bias (zeros if None);
    ``dtype`` is the layers' dtype policy (the output is float32 whatever it is)."""
    z = keras.Input(shape=(n_components,), name="z")  # with the conditions appended
    h = _mlp(z, tuple(reversed(hidden_layer_sizes)), activation, seeds, "decoder", dtype)
    has_bias = bias is not None and np.any(bias)
    out = _dense(n_outputs, next(seeds), "x_param", np.asarray(bias) if has_bias else None, dtype)(
        h
    )
    return keras.Model(z, as_float32([out], dtype, "decoder")[0], name="decoder")


class VAE(keras.Model):
    """Variational autoencoder with a diagonal-Gaussian (or flow) posterior, N(0, I) prior.

    Parameters
    ----------
    n_features, n_components : int
        Number of modelled columns (ignored when ``layout`` is given) and width of the
        latent space.
    hidden_layer_sizes : tuple of int
        Encoder hidden layers; the decoder uses them in reverse. ``()`` gives a linear VAE.
    activation : str
        Keras activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "bernoulli"}
        Observation model p(x|z) of every column when no ``layout`` is given: Gaussian
        with one learned variance per feature, Gaussian whose variance the decoder outputs
        per row, or Bernoulli.
    var_floor : float
        Lower bound of the Gaussian observation variance, in scaled units.
    log_scale : array of shape (n_features,)
        Log of each feature's scale; subtracted from its log-density (where observed) to
        express log-likelihoods in X's units (ignored when ``layout`` is given).
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
    layout : ColumnLayout or None
        Per-column likelihoods of a mixed table (:mod:`skvae._nn._layout`); ``n_features`` is
        then its encoded width (categorical columns one-hot).
    posterior : {"gaussian", "flow"}
        The diagonal-Gaussian posterior, or that Gaussian pushed through ``n_flows``
        inverse autoregressive flow steps (:mod:`skvae._vae._flows`).
    n_flows : int
        Number of flow steps for ``posterior="flow"``.
    decoder_latent_width : int or None
        Width of the latent rows the decoder reads, when it is not ``n_components`` (the
        lower layer of :class:`skvae._vae._hierarchy.HierarchicalVAE`).
    layer_policy : {"float32", "mixed_float16", "mixed_bfloat16"}
        Keras dtype policy of the encoder's and decoder's layers (the estimator's
        ``dtype_policy``). Their outputs are cast to float32, and the model itself, the
        flow and every density stay float32. Not named ``dtype_policy``: that is a
        property of every Keras layer.

    The model's input rows are [x, c, m]: x scaled with missing entries set to 0 (the
    feature mean), c the encoded conditions, m the observation mask (1 = observed). The
    encoder sees [x, c] (zero imputation, as in MIWAE); the likelihood sums only the
    observed entries.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        activation,
        likelihood,
        var_floor,
        log_scale,
        beta,
        free_bits,
        kl_warmup_steps,
        seed,
        objective="elbo",
        n_importance_train=1,
        n_conditions=0,
        layout=None,
        posterior="gaussian",
        n_flows=0,
        decoder_latent_width=None,
        layer_policy="float32",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if layout is None:  # one likelihood for every column
            layout = ColumnLayout(
                [likelihood] * int(n_features), [0] * int(n_features), 1, log_scale, var_floor
            )
        self.layout = layout
        self.likelihood = likelihood
        self.n_components = int(n_components)
        self.n_features = layout.input_width
        self.n_conditions = int(n_conditions)
        self.var_floor = float(var_floor)
        self.beta = float(beta)
        self.free_bits = float(free_bits)
        self.kl_warmup_steps = int(kl_warmup_steps)
        self.objective = objective
        self.n_importance_train = int(n_importance_train)
        self.layer_policy = layer_policy
        # 31-bit seeds: some backends (PyTorch) keep seed state as int32.
        seeds = iter(int(s) >> 1 for s in np.random.SeedSequence(seed).generate_state(64))
        self.encoder = build_encoder(
            self.n_features + n_conditions,
            n_components,
            hidden_layer_sizes,
            activation,
            seeds,
            dtype=layer_policy,
        )
        self.decoder = build_decoder(
            layout.param_width,
            (decoder_latent_width or n_components) + n_conditions,
            hidden_layer_sizes,
            activation,
            seeds,
            bias=layout.initial_bias(),
            dtype=layer_policy,
        )
        if layout.n_gaussian:
            # One learned variance per "gaussian" column: var = var_floor + exp(raw), so it
            # can never fall below the floor (constant columns would otherwise drive it to 0
            # and the density to infinity). raw = 0 starts the variance at about 1.
            self.obs_raw_var = self.add_weight(
                shape=(layout.n_gaussian,), initializer="zeros", name="obs_raw_var"
            )
        self.noise = keras.random.SeedGenerator(next(seeds), name="reparam_noise")
        # Drawn after every seed of the plain model, so posterior="gaussian" is unchanged.
        self.posterior = posterior
        self.flow = None
        if posterior == "flow":
            # Context of each step: the encoder's [mu, log sigma^2] (see skvae._vae._flows).
            self.flow = InverseAutoregressiveFlow(
                n_components, n_flows, 2 * n_components, seed=next(seeds), name="iaf"
            )
        # Counts training steps for the KL warm-up. A model variable (not the optimiser's
        # counter) so every backend, JAX's traced steps included, sees its current value.
        self.train_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="train_steps"
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    # -- the probabilistic pieces -------------------------------------------------------
    def encode(self, inputs, refine_passes=0):
        """Posterior mean and (clipped) log-variance of q(z|x, c) for input rows [x, c, m].

        With ``refine_passes`` > 0, missing entries of x (zeros in the input) are replaced
        by the decoder's mean at the current posterior mean before encoding again, that
        many times. The result is still a function of the observed entries alone, so it
        remains a valid importance-sampling proposal, and one much closer to the posterior
        than zero imputation when many entries are missing.
        """
        # NumPy in, backend tensors from here on (PyTorch does not mix the two).
        inputs = ops.convert_to_tensor(inputs)
        n_in = self.n_features + self.n_conditions
        encoder_inputs = inputs[..., :n_in]
        z_mean, z_log_var = self.encoder(encoder_inputs)
        if refine_passes:
            x, conditions, mask = self.split_inputs(inputs)
            for _ in range(refine_passes):
                decoded = self.decode(z_mean, conditions)
                filled = mask * x + (1.0 - mask) * decoded
                if conditions is not None:
                    filled = ops.concatenate([filled, conditions], axis=-1)
                z_mean, z_log_var = self.encoder(filled)
        return z_mean, ops.clip(z_log_var, *LOG_VAR_RANGE)

    def encode_for_inference(self, inputs):
        """encode() with the missing-entry refinement used for scoring and transform."""
        return self.encode(inputs, REFINE_PASSES)

    def posterior_moments(self, inputs):
        """[mean, log-variance] of q(z|x, c) side by side: encode_for_inference as one tensor."""
        return ops.concatenate(self.encode_for_inference(inputs), axis=-1)

    def split_inputs(self, inputs):
        """(x, c, m) from input rows [x, c, m]; c is None for an unconditional model."""
        n_x, n_c = self.n_features, self.n_conditions
        x, mask = inputs[..., :n_x], inputs[..., n_x + n_c :]
        return x, (inputs[..., n_x : n_x + n_c] if n_c else None), mask

    def _decoder_output(self, z, conditions):
        if conditions is None:
            return self.decoder(z)
        return self.decoder(ops.concatenate([z, conditions], axis=-1))

    def obs_log_var(self):
        """Learned log-variance of each "gaussian" column, in scaled units (None if none)."""
        if not self.layout.n_gaussian:
            return None
        return self.layout.floor(self.obs_raw_var)

    def log_likelihood(self, x, x_param, mask):
        """log p(x_observed | z) in the units of X: the masked sum over columns."""
        return self.layout.log_prob(x, x_param, mask, self.obs_log_var())

    def decode(self, z, conditions=None):
        """E[x | z, c] in the encoded coding (scaled means, probabilities, one-hot probs)."""
        return self.layout.expected_x(self._decoder_output(z, conditions))

    def decoder_params(self, z, conditions=None):
        """Raw decoder output: the parameters of p(x | z, c) (see :mod:`skvae._nn._layout`)."""
        return self._decoder_output(z, conditions)

    def decode_rows(self, rows, width, params=False):
        """decode (or, with ``params``, decoder_params) of rows [z, c]: z is the first
        ``width`` columns, the conditions (if any) the rest."""
        rows = ops.convert_to_tensor(rows)
        conditions = rows[:, width:] if self.n_conditions else None
        method = self.decoder_params if params else self.decode
        return method(rows[:, :width], conditions)

    # -- the posterior: draws, log-densities, summaries --------------------------------
    @property
    def latent_noise_width(self):
        """Width of the standard-normal noise behind one posterior draw."""
        return self.n_components

    def _posterior_draws(self, z_mean, z_log_var, eps):
        """Draws z ~ q(z|x) and their log q(z|x), from noise eps of shape (batch, K, d).

        z_0 = mu + sigma * eps is the diagonal-Gaussian draw; with a flow it is pushed to
        z_K and log q(z_K|x) = log q(z_0|x) - log|det dz_K/dz_0|. Returns z (batch, K, d),
        log q (batch, K) and the flow's per-coordinate log-determinant (None without one).
        """
        z = z_mean[:, None, :] + ops.exp(0.5 * z_log_var)[:, None, :] * eps
        log_qz = ops.sum(-0.5 * (LOG_2PI + z_log_var[:, None, :] + ops.square(eps)), axis=-1)
        if self.flow is None:
            return z, log_qz, None
        context = ops.concatenate([z_mean, z_log_var], axis=-1)[:, None, :]
        z, log_det = self.flow(z, context)
        return z, log_qz - ops.sum(log_det, axis=-1), log_det

    def _latent_draws(self, inputs, eps, refine_passes=0):
        """(z fed to the decoder, log p(z) - log q(z|x)) for noise eps (batch, K, width)."""
        z_mean, z_log_var = self.encode(inputs, refine_passes)
        z, log_qz, _ = self._posterior_draws(z_mean, z_log_var, eps)
        return z, standard_normal_log_prob(z) - log_qz

    def posterior_location(self, inputs):
        """A deterministic point of q(z|x) per row: the flow applied to mu (eps = 0).

        For the diagonal-Gaussian posterior this is the posterior mean mu.
        """
        z_mean, z_log_var = self.encode_for_inference(inputs)
        if self.flow is None:
            return z_mean
        context = ops.concatenate([z_mean, z_log_var], axis=-1)
        return self.flow(z_mean, context)[0]

    def kl_per_dimension(self, inputs, eps):
        """Sampled KL(q(z|x) || p(z)) per row, split over latent coordinates.

        For the flow: the average over the draws eps (K, d) of log q_0,i(z_0,i) -
        log|dz_K,i/dz_0,i| - log N(z_K,i; 0, 1), whose sum over i is the Monte Carlo
        estimate of the KL (the flow's Jacobian is triangular, so its log-determinant
        splits into coordinates). Single terms can be slightly negative.
        """
        inputs, eps = ops.convert_to_tensor(inputs), ops.convert_to_tensor(eps)
        z_mean, z_log_var = self.encode_for_inference(inputs)
        z, _, log_det = self._posterior_draws(z_mean, z_log_var, eps[None, :, :])
        log_q0 = -0.5 * (LOG_2PI + z_log_var[:, None, :] + ops.square(eps[None, :, :]))
        if log_det is not None:
            log_q0 = log_q0 - log_det
        return ops.mean(log_q0 + 0.5 * (LOG_2PI + ops.square(z)), axis=1)

    def call(self, inputs, training=False):
        z_mean, z_log_var = self.encode(inputs)
        out = {"z_mean": z_mean, "z_log_var": z_log_var}
        eps = keras.random.normal(ops.shape(z_mean), seed=self.noise)
        if self.flow is None:
            z = z_mean + ops.exp(0.5 * z_log_var) * eps
        else:
            z, log_qz, _ = self._posterior_draws(z_mean, z_log_var, eps[:, None, :])
            z, log_qz = z[:, 0, :], log_qz[:, 0]
            # One-sample Monte Carlo KL: no closed form once the flow has run.
            out["kl"] = log_qz - standard_normal_log_prob(z)
        out["x_param"] = self._decoder_output(z, self.split_inputs(inputs)[1])
        return out

    # -- the objective ------------------------------------------------------------------
    def kl_weight(self):
        """beta, scaled by the linear warm-up factor min(1, step / warm-up steps)."""
        if self.kl_warmup_steps <= 0:
            return self.beta
        progress = (self.train_steps + 1.0) / float(self.kl_warmup_steps)
        return self.beta * ops.minimum(1.0, progress)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if "kl" in y_pred:
            # A sampled KL (flow) or one over two layers (hierarchy): the model computed it.
            kl_per_dim, kl = y_pred.get("kl_per_dim"), y_pred["kl"]
        else:
            kl_per_dim = kl_to_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
            kl = ops.sum(kl_per_dim, axis=-1)
        if self.objective == "iwae":
            return self._iwae_loss(x, kl, training)
        # Reconstruction: one-sample Monte Carlo estimate of -E_q[log p(x|z)], per row.
        x_obs, _, mask = self.split_inputs(x)
        reconstruction = -self.log_likelihood(x_obs, y_pred["x_param"], mask)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        if not training:
            # Validation reports the honest negative ELBO (beta = 1, no free bits, no
            # warm-up): the bound on -log p(x) that early stopping should minimise.
            return ops.mean(reconstruction + kl)
        if kl_per_dim is None:  # free bits need per-dimension KLs; fit() rejects them here
            kl_term = ops.mean(kl)
        else:
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
            (n_rows, self.n_importance_train, self.latent_noise_width), seed=self.noise
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
    def _importance_terms(self, inputs, eps, return_params=False, refine_passes=0):
        """log p(x|z_k, c) and log p(z_k) - log q(z_k|x, c) for z_k drawn with noise eps_k.

        z_k = mu + sigma * eps_k, then the flow if there is one; for a hierarchy,
        log p(z_k) and log q(z_k|x) cover both layers and z_k is the decoded lower layer.
        ``inputs`` are rows [x, c]. ``eps`` has shape (K, latent_noise_width), shared by every
        row (so each row's result depends on that row alone), or (batch, K, n_components).
        Returns two arrays of shape (batch, K), and the decoder outputs of shape
        (batch, K, n_outputs) too if ``return_params``.
        """
        inputs, eps = ops.convert_to_tensor(inputs), ops.convert_to_tensor(eps)
        x, conditions, mask = self.split_inputs(inputs)
        if len(ops.shape(eps)) == 2:
            eps = eps[None, :, :]
        z, log_prior_ratio = self._latent_draws(inputs, eps, refine_passes)
        n_rows, n_draws = ops.shape(z)[0], ops.shape(z)[1]
        flat_z = ops.reshape(z, (-1, ops.shape(z)[-1]))
        if conditions is not None:
            # Each row's conditions, repeated for each of its K draws.
            conditions = ops.reshape(
                ops.broadcast_to(conditions[:, None, :], (n_rows, n_draws, self.n_conditions)),
                (-1, self.n_conditions),
            )
        x_param = ops.reshape(self._decoder_output(flat_z, conditions), (n_rows, n_draws, -1))
        log_px_z = self.log_likelihood(x[:, None, :], x_param, mask[:, None, :])
        if return_params:
            return log_px_z, log_prior_ratio, x_param
        return log_px_z, log_prior_ratio

    def importance_log_weights(self, x, eps):
        """log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x), shape (batch, K)."""
        log_px_z, log_prior_ratio = self._importance_terms(x, eps, refine_passes=REFINE_PASSES)
        return log_px_z + log_prior_ratio

    def expected_log_likelihood(self, x, eps):
        """E_q[log p(x|z)] per row, averaged over the draws z_k = mu + sigma * eps_k."""
        return ops.mean(self._importance_terms(x, eps, refine_passes=REFINE_PASSES)[0], axis=1)

    def importance_draws(self, inputs, eps):
        """Per row and draw: log w_k, E[x | z_k] (encoded), then the decoder parameters.

        Concatenated on the last axis: shape (batch, K, 1 + n_features + n_params), in
        scaled units. The imputer averages the expectations with the self-normalised
        weights, or resamples draws and samples x from their parameters.
        """
        log_px_z, log_prior_ratio, x_param = self._importance_terms(
            inputs, eps, return_params=True, refine_passes=REFINE_PASSES
        )
        log_w = (log_px_z + log_prior_ratio)[:, :, None]
        return ops.concatenate([log_w, self.layout.expected_x(x_param), x_param], axis=-1)

    def importance_log_likelihood(self, x, eps):
        """Importance-weighted estimate of log p(x) per row: log-mean-exp of the weights."""
        return log_mean_exp(self.importance_log_weights(x, eps), axis=1)
