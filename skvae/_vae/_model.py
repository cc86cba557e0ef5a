"""The VAE as a ``keras.Model`` composed of parts: encoder, decoder, observation model,
latent structure (one layer with a Gaussian or flow posterior, or a hierarchy) and
training objective (ELBO or IWAE).

The model works on *scaled* data (the estimator standardises Gaussian features) but
reports every log-likelihood in the units of the user's X: each observed feature's log
scale is subtracted from its log-density, the log-Jacobian of the scaling. Missing entries
are masked out of the likelihood (Mattei & Frellsen, 2019), so log-likelihoods are
log p(x_observed).
Only ``keras.ops`` is used, so the same model trains under TensorFlow, JAX and PyTorch.
"""

import keras
from keras import ops

from skvae._nn._distribution import ReplicaAwareModel
from skvae._nn._epoch_metrics import CheapEpochMetrics
from skvae._nn._likelihoods import kl_to_standard_normal, log_mean_exp
from skvae._nn._model_pool import PoolableModel
from skvae._nn._networks import build_decoder, build_encoder, seed_stream
from skvae._nn._prediction import HostWeights
from skvae._vae._hierarchy import Ladder
from skvae._vae._latents import LOG_VAR_RANGE, FlowPosterior, GaussianPosterior, SingleLayer
from skvae._vae._objectives import training_objective

# Encoder passes that refill missing entries with decoded means before scoring, imputing
# or encoding rows (see VAE.encode). Complete rows are unchanged by them.
REFINE_PASSES = 3


def latent_structure(config):
    """The latent part named by a config: one layer (Gaussian or flow posterior), or the
    two-layer ladder.

    Examples
    --------
    >>> from skvae._nn._config import NetworkConfig
    >>> from skvae._vae._model import latent_structure
    >>> type(latent_structure(NetworkConfig(None, 2, (), "relu", 0))).__name__
    'SingleLayer'
    """
    if config.n_components_lower:
        return Ladder(config.n_components, config.n_components_lower, config.hierarchy)
    posterior = (
        FlowPosterior(config.n_components, config.n_flows)
        if config.posterior == "flow"
        else GaussianPosterior()
    )
    return SingleLayer(posterior, config.n_components)


def refined_for_missing_entries(model, inputs, z_mean, z_log_var, passes):
    """The posterior moments after ``passes`` refinement passes (see ``VAE.encode``): each
    fills the missing entries of x with the decoder's mean at the current posterior mean
    and encodes again.

    A pass leaves complete rows as they are (filled == x, bit for bit), so a batch with no
    missing entry, as most are, skips the passes with the same result.
    """
    x, conditions, mask = model.split_inputs(inputs)

    def refined():
        moments = (z_mean, z_log_var)
        for _ in range(passes):
            filled = mask * x + (1.0 - mask) * model.decode(moments[0], conditions)
            if conditions is not None:
                filled = ops.concatenate([filled, conditions], axis=-1)
            moments = model.encoder(filled)
        return tuple(moments)

    return ops.cond(ops.all(mask > 0.5), lambda: (z_mean, z_log_var), refined)


class ImportanceDraws:
    """The VAE's methods that return importance draws for filling and conditioning rows,
    and those of a hierarchy's defensive mixture for rows with holes (model methods: the
    prediction code compiles them per architecture, see skvae._nn._graphs)."""

    def importance_draws(self, inputs, eps):
        """Per row and draw: log w_k, log p(x|z_k) (to weight the draws by another proposal
        in float64), E[x | z_k] (encoded), then the decoder parameters, on the last axis:
        (batch, K, 2 + n_features + n_params), in scaled units; skvae._vae._defensive_draws
        names the 2 IMPORTANCE_DRAW_HEAD."""
        return self._draw_rows(self.importance_terms(inputs, eps, True, REFINE_PASSES))

    def defensive_importance_draws(self, inputs, eps):
        """:meth:`importance_draws` with z_k from a hierarchy's defensive mixture r of q and
        the prior (Ladder.defensive_draws), log w_k = log p(x, z_k) - log r(z_k)."""
        return self._draw_rows(self.importance_terms(inputs, eps, True, REFINE_PASSES, r=True))

    def defensive_log_likelihood(self, x, eps):
        """log p(x) per row, importance-sampled from a hierarchy's defensive mixture."""
        log_px_z, log_prior_ratio = self.importance_terms(x, eps, False, REFINE_PASSES, r=True)
        return log_mean_exp(log_px_z + log_prior_ratio, axis=1)

    def _draw_rows(self, terms):
        log_px_z, log_prior_ratio, x_param = terms
        log_w = (log_px_z + log_prior_ratio)[:, :, None]
        expected = self.layout.expected_x(x_param)
        return ops.concatenate([log_w, log_px_z[:, :, None], expected, x_param], axis=-1)


class VAE(
    ImportanceDraws, HostWeights, CheapEpochMetrics, ReplicaAwareModel, PoolableModel, keras.Model
):
    """Variational autoencoder: encoder, decoder, observation model, latent structure and
    objective, all configured by one :class:`skvae._nn._config.NetworkConfig`.

    The encoder gives the moments of the diagonal Gaussian q(z|x, c); the latent structure
    (:mod:`skvae._vae._latents`, :mod:`skvae._vae._hierarchy`) turns them into draws with
    log p(z) - log q(z|x); the decoder maps draws to the parameters of p(x|z, c), whose
    log-density the column layout (:class:`skvae._nn._layout.ColumnLayout`) computes in
    the units of the user's X; the objective (:mod:`skvae._vae._objectives`) makes the
    training loss of it.

    The model's input rows are [x, c, m]: x scaled with missing entries set to 0 (the
    feature mean), c the encoded conditions, m the observation mask (1 = observed). The
    encoder sees [x, c] (zero imputation, as in MIWAE); the likelihood sums only the
    observed entries, so every log-likelihood is log p(x_observed | c).
    """

    def __init__(self, config, **kwargs):
        # Loss terms in float32 whatever Keras's global policy (dtype_policy: the networks).
        super().__init__(**{"dtype": "float32", **kwargs})
        # Column scales and bounds as variables, not graph constants: a pooled model's compiled
        # steps serve the next fit's columns (skvae._nn._model_pool). Untracked: not weights.
        layout = config.layout.with_data_in(
            lambda values, name: keras.Variable(values, trainable=False, dtype="float32", name=name)
        )
        self.config = config
        self.layout = layout
        self.n_components = int(config.n_components)
        self.n_features = layout.input_width
        self.n_conditions = int(config.n_conditions)
        self.n_replicas = int(config.n_replicas)
        self.latents = latent_structure(config)
        self.objective = training_objective(config)
        seeds = seed_stream(config.seed)
        self.encoder = build_encoder(
            self.n_features + self.n_conditions,
            self.n_components,
            config.hidden_layer_sizes,
            config.activation,
            seeds,
            dtype=config.dtype_policy,
        )
        self.decoder = build_decoder(
            layout.param_width,
            self.latents.decoder_width + self.n_conditions,
            config.hidden_layer_sizes,
            config.activation,
            seeds,
            bias=layout.initial_bias(),
            dtype=config.dtype_policy,
        )
        if layout.n_gaussian:
            # One learned variance per "gaussian" column: var = var_floor + exp(raw), so it
            # can never fall below the floor (constant columns would otherwise drive it to 0
            # and the density to infinity). raw = 0 starts the variance at about 1.
            self.obs_raw_var = self.add_weight(
                shape=(layout.n_gaussian,), initializer="zeros", name="obs_raw_var"
            )
        if not config.train_decoder:
            # Only the trainable flags change, not the variables or their order.
            self.decoder.trainable = False
            if layout.n_gaussian:
                self.obs_raw_var.trainable = False
        self.noise = keras.random.SeedGenerator(next(seeds), name="reparam_noise")
        # After every seed and layer of the plain model, so that its weights (and their
        # order, which saved models rely on) do not depend on the latent structure.
        self.flow = None
        self.latents.attach(self, seeds)
        # Counts training steps for the KL warm-up. A model variable (not the optimiser's
        # counter) so every backend, JAX's traced steps included, sees its current value.
        self.train_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="train_steps"
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction", dtype="float32")
        self.kl_tracker = keras.metrics.Mean(name="kl", dtype="float32")

    # -- encoder, decoder and observation model ---------------------------------------
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
        encoder_inputs = inputs[..., : self.n_features + self.n_conditions]
        z_mean, z_log_var = self.encoder(encoder_inputs)
        if refine_passes:
            z_mean, z_log_var = refined_for_missing_entries(
                self, inputs, z_mean, z_log_var, refine_passes
            )
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

    def decoder_output(self, z, conditions):
        """Raw decoder output for decoder rows z (already through the latent structure)."""
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
        return self.layout.expected_x(self.decoder_params(z, conditions))

    def decoder_params(self, z, conditions=None):
        """Parameters of p(x | z, c) (see :mod:`skvae._nn._layout`) for latent rows z
        (for a hierarchy: top-layer rows, or rows [z2, eps_1] with a lower-layer draw)."""
        return self.decoder_output(self.latents.decoder_rows(self, z), conditions)

    def decode_rows(self, rows, width, params=False):
        """decode (or, with ``params``, decoder_params) of rows [z, c]: z is the first
        ``width`` columns, the conditions (if any) the rest."""
        rows = ops.convert_to_tensor(rows)
        conditions = rows[:, width:] if self.n_conditions else None
        method = self.decoder_params if params else self.decode
        return method(rows[:, :width], conditions)

    # -- the posterior: summaries ------------------------------------------------------
    @property
    def latent_noise_width(self):
        """Width of the standard-normal noise behind one posterior draw."""
        return self.latents.noise_width

    def posterior_location(self, inputs):
        """A deterministic point of q(z|x) per row (the mean; the flow of the mean; for a
        hierarchy the top mean, then the lower layer's mean given it)."""
        return self.latents.location(self, ops.convert_to_tensor(inputs))

    def kl_per_dimension(self, inputs, eps):
        """KL(q(z|x) || p(z)) per row and latent coordinate, averaged over the draws eps
        (K, width) where it has no closed form (see the latent structures)."""
        inputs, eps = ops.convert_to_tensor(inputs), ops.convert_to_tensor(eps)
        return self.latents.kl_per_dimension(self, inputs, eps)

    # -- training ------------------------------------------------------------------------
    def call(self, inputs, training=False):
        inputs = ops.convert_to_tensor(inputs)
        z_mean, z_log_var = self.encode(inputs)
        z, extra = self.latents.training_draw(self, inputs, z_mean, z_log_var)
        x_param = self.decoder_output(z, self.split_inputs(inputs)[1])
        return {"z_mean": z_mean, "z_log_var": z_log_var, **extra, "x_param": x_param}

    def kl_weight(self):
        """beta, scaled by the linear warm-up factor min(1, step / warm-up steps)."""
        config = self.config
        warmup_steps = config.kl_warmup_epochs * config.steps_per_epoch
        if warmup_steps <= 0:
            return config.beta
        progress = (self.train_steps + 1.0) / float(warmup_steps)
        return config.beta * ops.minimum(1.0, progress)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if "kl" in y_pred:
            # A sampled KL (flow) or one over two layers (hierarchy): the model computed it.
            kl_per_dim, kl = y_pred.get("kl_per_dim"), y_pred["kl"]
        else:
            kl_per_dim = kl_to_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
            kl = ops.sum(kl_per_dim, axis=-1)
        loss = self.objective.loss(self, x, y_pred, kl_per_dim, kl, training)
        if self.n_replicas > 1:
            # Each replica of a tf.distribute strategy computes the mean loss of its share
            # of the global batch and the strategy sums their gradients: dividing by the
            # replicas makes that sum the gradient of the global mean (as Keras's default
            # compute_loss does; it multiplies the number back when it reports the loss).
            loss = loss / float(self.n_replicas)
        return loss

    # -- importance sampling ------------------------------------------------------------
    def importance_terms(self, inputs, eps, return_params=False, refine_passes=0, r=False):
        """log p(x|z_k, c) and log p(z_k) - log q(z_k|x, c) for z_k drawn with noise eps_k.

        z_k comes from the latent structure (mu + sigma * eps_k, then the flow if there is
        one; for a hierarchy both layers, and log p(z_k) and log q(z_k|x) cover both; with
        ``r``, the hierarchy's defensive mixture r replaces q, Ladder.defensive_draws).
        ``inputs`` are rows [x, c, m]. ``eps`` has shape (K, latent_noise_width), shared
        by every row (so each row's result depends on that row alone), or (batch, K,
        latent_noise_width). Returns two arrays of shape (batch, K), and the decoder
        outputs of shape (batch, K, n_outputs) too if ``return_params``.
        """
        inputs, eps = ops.convert_to_tensor(inputs), ops.convert_to_tensor(eps)
        x, conditions, mask = self.split_inputs(inputs)
        if len(ops.shape(eps)) == 2:
            eps = eps[None, :, :]
        draws = self.latents.defensive_draws if r else self.latents.draws
        z, log_prior_ratio = draws(self, inputs, eps, refine_passes)
        n_rows, n_draws = ops.shape(z)[0], ops.shape(z)[1]
        flat_z = ops.reshape(z, (-1, ops.shape(z)[-1]))
        if conditions is not None:
            # Each row's conditions, repeated for each of its K draws.
            conditions = ops.reshape(
                ops.broadcast_to(conditions[:, None, :], (n_rows, n_draws, self.n_conditions)),
                (-1, self.n_conditions),
            )
        x_param = ops.reshape(self.decoder_output(flat_z, conditions), (n_rows, n_draws, -1))
        log_px_z = self.log_likelihood(x[:, None, :], x_param, mask[:, None, :])
        if return_params:
            return log_px_z, log_prior_ratio, x_param
        return log_px_z, log_prior_ratio

    def importance_log_weights(self, x, eps):
        """log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x), shape (batch, K)."""
        return ops.add(*self.importance_terms(x, eps, refine_passes=REFINE_PASSES))

    def expected_log_likelihood(self, x, eps):
        """E_q[log p(x|z)] per row, averaged over the draws z_k = mu + sigma * eps_k."""
        return ops.mean(self.importance_terms(x, eps, refine_passes=REFINE_PASSES)[0], axis=1)

    def importance_likelihoods(self, x, eps):
        """log p(x|z_k) per row and draw, shape (batch, K), z_k as in importance_terms."""
        return self.importance_terms(x, eps, refine_passes=REFINE_PASSES)[0]

    def importance_log_likelihood(self, x, eps):
        """Importance-weighted estimate of log p(x) per row: log-mean-exp of the weights."""
        return log_mean_exp(self.importance_log_weights(x, eps), axis=1)
