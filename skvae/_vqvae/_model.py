"""The VQ-VAE as a ``keras.Model``: encoder, codebook with EMA updates, decoder.

van den Oord et al. (2017), "Neural Discrete Representation Learning": the encoder maps a
row to ``n_latents`` vectors of dimension ``code_dim``; each is replaced by its nearest
codebook vector (Euclidean distance) and the decoder reconstructs the row from them.
Gradients pass the quantisation straight through (the decoder's gradient with respect to
the quantised vector is handed to the encoder output), and a commitment term
``commitment_cost * ||z_e - sg(e)||^2`` keeps the encoder close to its codes.

The codebook is not trained by gradients but by exponential moving averages (the paper's
appendix; Razavi et al., 2019): per code k, with batch counts n_k and sums s_k of the
encoder outputs assigned to it,

    N_k <- decay * N_k + (1 - decay) * n_k
    m_k <- decay * m_k + (1 - decay) * s_k
    e_k  = m_k / N~_k,   N~_k = (N_k + eps) / (sum_j N_j + K eps) * sum_j N_j

where N~ is the Laplace-smoothed count, which keeps e_k finite for a code that is no
longer used. Every code starts with pseudo-count N_k = 1 at its initial position (m_k =
e_k), so the first updates are weighted means of the initial code and its rows.

Dead codes: at the first training step every code is set to a random encoder output of
the batch (data-dependent initialisation), and afterwards a code that has not been
assigned a single row for ``dead_code_patience`` consecutive steps is set to a random
encoder output of the current batch (a restart). The draws use the model's own seeded
``keras.random`` generator.

All of this runs inside ``compute_loss`` with ``keras.ops`` and non-trainable variables,
so the same model trains under TensorFlow, JAX and PyTorch.
"""

import keras
import numpy as np
from keras import ops

from skvae._nn._config import check_fits_in_memory, dense_weight_count
from skvae._nn._networks import build_decoder, dense, mlp
from skvae._nn._prediction import HostWeights

# Laplace smoothing of the EMA cluster sizes (Sonnet's VectorQuantizerEMA uses the same).
LAPLACE_EPSILON = 1e-5


def build_vq_encoder(n_inputs, n_outputs, hidden_layer_sizes, activation, seeds):
    """Encoder network x -> z_e, the ``n_latents * code_dim`` unquantised outputs."""
    x = keras.Input(shape=(n_inputs,), dtype="float32", name="x")
    h = mlp(x, hidden_layer_sizes, activation, seeds, "encoder")
    z_e = dense(n_outputs, next(seeds), "z_e")(h)
    return keras.Model(x, z_e, name="encoder")


def nearest_codes(vectors, codebook):
    """Index of the nearest codebook row (squared Euclidean distance) for each vector.

    ``vectors`` has shape (n, code_dim), ``codebook`` (n_codes, code_dim); returns (n,)
    integer indices. Ties go to the lowest index.
    """
    distances = (
        ops.sum(ops.square(vectors), axis=1, keepdims=True)
        - 2.0 * ops.matmul(vectors, ops.transpose(codebook))
        + ops.sum(ops.square(codebook), axis=1)[None, :]
    )
    return ops.argmin(distances, axis=1)


def ema_codebook_update(ema_count, ema_sum, vectors, codes, decay):
    """One EMA step of the cluster sizes and sums; returns (count, sum, codebook, n_k).

    ``vectors`` (n, code_dim) are the encoder outputs of the batch and ``codes`` (n,) their
    assigned code indices; ``n_k`` is the batch count of each code. The codebook is the
    EMA sum divided by the Laplace-smoothed EMA count (see the module docstring).
    """
    n_codes = ops.shape(ema_count)[0]
    one_hot = ops.one_hot(codes, n_codes, dtype=vectors.dtype)
    batch_counts = ops.sum(one_hot, axis=0)
    batch_sums = ops.matmul(ops.transpose(one_hot), vectors)
    count = decay * ema_count + (1.0 - decay) * batch_counts
    total = ops.sum(count)
    smoothed = (count + LAPLACE_EPSILON) / (total + n_codes * LAPLACE_EPSILON) * total
    new_sum = decay * ema_sum + (1.0 - decay) * batch_sums
    return count, new_sum, new_sum / smoothed[:, None], batch_counts


class VQVAE(HostWeights, keras.Model):
    """Vector-quantised autoencoder with an EMA codebook (see the module docstring).

    Parameters
    ----------
    layout : ColumnLayout
        The per-column likelihoods (:mod:`skvae._nn._layout`), shared with the VAE: the
        estimator's, built from its table's column kinds (one-hot inputs for categorical
        columns). Its decoder output, log-probabilities (in X's units), expected
        values and draws are the VAE's.
    n_codes, code_dim, n_latents : int
        Codebook size K, dimension of each code, and codes per row.
    hidden_layer_sizes : tuple of int
        Encoder hidden layers; the decoder uses them in reverse.
    activation : str
        Keras activation of the hidden layers.
    commitment_cost : float
        Weight beta of the commitment term.
    decay : float
        EMA decay of the codebook statistics.
    dead_code_patience : int or None
        Steps without any assigned row after which a code is restarted; None never
        restarts (the data-dependent initialisation at step 0 still happens).
    seed : int
        Seed of the initialisers and of the restart draws.
    """

    def __init__(
        self,
        layout,
        n_codes,
        code_dim,
        n_latents,
        hidden_layer_sizes,
        activation,
        commitment_cost,
        decay,
        dead_code_patience,
        seed,
        **kwargs,
    ):
        # float32 whatever Keras's global dtype policy is (see skvae._nn._networks).
        super().__init__(**{"dtype": "float32", **kwargs})
        self.layout = layout
        self.n_features = layout.input_width
        self.n_codes = int(n_codes)
        self.code_dim = int(code_dim)
        self.n_latents = int(n_latents)
        self.commitment_cost = float(commitment_cost)
        self.decay = float(decay)
        self.dead_code_patience = None if dead_code_patience is None else int(dead_code_patience)
        # 31-bit seeds: some backends (PyTorch) keep seed state as int32.
        seeds = iter(int(s) >> 1 for s in np.random.SeedSequence(seed).generate_state(64))
        latent_width = self.n_latents * self.code_dim
        hidden = list(hidden_layer_sizes)
        check_fits_in_memory(
            dense_weight_count([self.n_features, *hidden, latent_width])
            + dense_weight_count([latent_width, *hidden[::-1], layout.param_width])
            + 3 * self.n_codes * self.code_dim,  # the codebook and its EMA statistics
            f"n_codes={self.n_codes}, code_dim={self.code_dim}, n_latents={self.n_latents}, "
            f"hidden_layer_sizes={tuple(hidden)}, {self.n_features} input columns",
        )
        self.encoder = build_vq_encoder(
            self.n_features, latent_width, hidden_layer_sizes, activation, seeds
        )
        self.decoder = build_decoder(
            layout.param_width,
            latent_width,
            hidden_layer_sizes,
            activation,
            seeds,
            bias=layout.initial_bias(),
        )
        if layout.n_gaussian:
            # var = var_floor + exp(raw), one per "gaussian" column, as in the VAE.
            self.obs_raw_var = self.add_weight(
                shape=(layout.n_gaussian,), initializer="zeros", name="obs_raw_var"
            )
        # The codebook and its EMA statistics change by assignment, never by gradients.
        shape = (self.n_codes, self.code_dim)
        self.codebook = self.add_weight(
            shape=shape, initializer="zeros", trainable=False, name="codebook"
        )
        self.ema_count = self.add_weight(
            shape=(self.n_codes,), initializer="ones", trainable=False, name="ema_count"
        )
        self.ema_sum = self.add_weight(
            shape=shape, initializer="zeros", trainable=False, name="ema_sum"
        )
        self.steps_unused = self.add_weight(
            shape=(self.n_codes,), initializer="zeros", trainable=False, name="steps_unused"
        )
        # A model variable (not the optimiser's counter) so JAX's traced steps see it too.
        self.train_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="train_steps"
        )
        self.restart_noise = keras.random.SeedGenerator(next(seeds), name="restart_noise")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction", dtype="float32")
        self.commitment_tracker = keras.metrics.Mean(name="commitment", dtype="float32")
        self.perplexity_tracker = keras.metrics.Mean(name="perplexity", dtype="float32")

    # -- quantisation and decoding ------------------------------------------------------
    def vector_quantize(self, inputs):
        """(z_e, codes, z_q) for input rows: outputs (batch, n_latents * code_dim), codes
        (batch, n_latents), and the codebook vectors of those codes, flattened like z_e."""
        z_e = self.encoder(ops.convert_to_tensor(inputs))
        flat = ops.reshape(z_e, (-1, self.code_dim))
        codes = nearest_codes(flat, self.codebook)
        z_q = ops.reshape(ops.take(self.codebook, codes, axis=0), ops.shape(z_e))
        return z_e, ops.reshape(codes, (-1, self.n_latents)), z_q

    def encode_codes(self, inputs):
        """Code indices (batch, n_latents) of input rows."""
        return self.vector_quantize(inputs)[1]

    def obs_log_var(self):
        """Learned log-variance of each "gaussian" column, in scaled units (None if none)."""
        if not self.layout.n_gaussian:
            return None
        return self.layout.floor(self.obs_raw_var)

    def decoder_params(self, z):
        """Raw decoder output for flattened code vectors z: the parameters of p(x | codes),
        laid out as in :mod:`skvae._nn._layout`."""
        return self.decoder(ops.convert_to_tensor(z))

    def log_likelihood(self, x, x_param):
        """log p(x | decoded codes) per row, in X's units (log-Jacobian of the scaling)."""
        return self.layout.log_prob(x, x_param, ops.ones_like(x), self.obs_log_var())

    def call(self, inputs, training=False):
        z_e, codes, z_q = self.vector_quantize(inputs)
        # Straight-through estimator: the forward pass decodes z_q, the backward pass
        # treats quantisation as the identity.
        z_st = z_e + ops.stop_gradient(z_q - z_e)
        return {"z_e": z_e, "z_q": z_q, "codes": codes, "x_param": self.decoder(z_st)}

    # -- the objective and the codebook updates ----------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        x = ops.convert_to_tensor(x)
        reconstruction = -self.log_likelihood(x, y_pred["x_param"])
        z_e = y_pred["z_e"]
        commitment = ops.sum(ops.square(z_e - ops.stop_gradient(y_pred["z_q"])), axis=-1)
        self.reconstruction_tracker.update_state(reconstruction)
        self.commitment_tracker.update_state(commitment)
        batch_counts = self._batch_counts(y_pred["codes"])
        if training:
            batch_counts = self._update_codebook(ops.stop_gradient(z_e), y_pred["codes"])
        usage = batch_counts / ops.sum(batch_counts)
        entropy = -ops.sum(usage * ops.log(ops.maximum(usage, 1e-12)))
        self.perplexity_tracker.update_state(ops.exp(entropy))
        return ops.mean(reconstruction) + self.commitment_cost * ops.mean(commitment)

    def _batch_counts(self, codes):
        one_hot = ops.one_hot(ops.reshape(codes, (-1,)), self.n_codes)
        return ops.sum(one_hot, axis=0)

    def _update_codebook(self, z_e, codes):
        """EMA step, then restarts of dead codes; returns the batch count of each code."""
        vectors = ops.reshape(z_e, (-1, self.code_dim))
        count, ema_sum, codebook, batch_counts = ema_codebook_update(
            self.ema_count, self.ema_sum, vectors, ops.reshape(codes, (-1,)), self.decay
        )
        steps_unused = ops.where(batch_counts > 0, 0.0, self.steps_unused + 1.0)
        # Every code is "dead" at the first step: that is the data-dependent initialisation.
        dead = ops.broadcast_to(ops.equal(self.train_steps, 0.0), (self.n_codes,))
        if self.dead_code_patience is not None:
            dead = ops.logical_or(dead, steps_unused >= float(self.dead_code_patience))
        n_vectors = ops.cast(ops.shape(vectors)[0], "float32")
        draws = keras.random.uniform((self.n_codes,), dtype="float32", seed=self.restart_noise)
        rows = ops.minimum(
            ops.cast(ops.floor(draws * n_vectors), "int32"), ops.shape(vectors)[0] - 1
        )
        fresh = ops.take(vectors, rows, axis=0)
        dead_rows = dead[:, None]
        # A restarted code starts again from pseudo-count 1 at its new position.
        self.codebook.assign(ops.where(dead_rows, fresh, codebook))
        self.ema_sum.assign(ops.where(dead_rows, fresh, ema_sum))
        self.ema_count.assign(ops.where(dead, 1.0, count))
        self.steps_unused.assign(ops.where(dead, 0.0, steps_unused))
        self.train_steps.assign(self.train_steps + 1.0)
        return batch_counts
