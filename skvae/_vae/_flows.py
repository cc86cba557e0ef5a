"""Inverse autoregressive flow (IAF) on the VAE's posterior, written in ``keras.ops``.

Kingma et al. (2016), "Improved Variational Inference with Inverse Autoregressive Flow".
The diagonal-Gaussian draw z_0 = mu + sigma * eps is pushed through K invertible steps

    z_k = sigma_k * z_{k-1} + (1 - sigma_k) * m_k,    sigma_k = sigmoid(s_k + SIGMOID_SHIFT)

where (m_k, s_k) come from a MADE network (Germain et al., 2015): output i depends only on
the entries of z_{k-1} that precede i in the step's ordering, and on a context vector h(x).
The Jacobian dz_k/dz_{k-1} is then triangular with diagonal sigma_k, so

    log q(z_K|x) = log q(z_0|x) - sum_k sum_i log sigma_k,i.

The ordering is reversed at every other step so that each coordinate can depend on every
other one after two steps. The context is the encoder's [mu, log sigma^2]: a function of x
alone, so q(z_K|x) remains an x-dependent density, and it lets the first coordinate of each
step (which sees no other coordinate) still be reshaped per row.
"""

import keras
import numpy as np
from keras import layers, ops

from skvae._nn._prediction import to_numpy

# Kingma et al. (2016) initialise the gate near 1 (sigmoid(2) = 0.88), so each step starts
# close to the identity and training begins from the diagonal-Gaussian posterior.
SIGMOID_SHIFT = 2.0


def made_masks(n_dims, n_hidden, reverse):
    """Binary masks (input->hidden, hidden->output) of an autoregressive MADE layer pair.

    Inputs and outputs get degrees 1..D (reversed when ``reverse``); hidden units cycle
    through degrees 0..D-1. A hidden unit of degree d sees the inputs of degree <= d, and
    output i sees the hidden units of degree < deg(i), so output i depends only on inputs
    of smaller degree. Degree-0 hidden units see no input (only the context): they let the
    first coordinate still be transformed as a function of x.
    """
    degrees = np.arange(1, n_dims + 1)
    if reverse:
        degrees = degrees[::-1]
    hidden = np.arange(n_hidden) % n_dims
    mask_in = (degrees[:, None] <= hidden[None, :]).astype("float32")
    mask_out = (hidden[:, None] < degrees[None, :]).astype("float32")
    return mask_in, mask_out


class IAFStep(layers.Layer):
    """One IAF step: a masked one-hidden-layer MADE with context, and the gated update."""

    def __init__(self, n_dims, n_context, n_hidden, reverse, seed, **kwargs):
        super().__init__(**kwargs)
        self.n_dims, self.n_context, self.n_hidden = int(n_dims), int(n_context), int(n_hidden)
        self.reverse = bool(reverse)
        self.mask_in, self.mask_out = made_masks(self.n_dims, self.n_hidden, self.reverse)
        seeds = iter(int(s) >> 1 for s in np.random.SeedSequence(seed).generate_state(4))

        def glorot():
            return keras.initializers.GlorotUniform(seed=next(seeds))

        self.w_in = self.add_weight((self.n_dims, self.n_hidden), glorot(), name="w_in")
        self.w_context = self.add_weight((self.n_context, self.n_hidden), glorot(), name="w_ctx")
        self.b_hidden = self.add_weight((self.n_hidden,), "zeros", name="b_hidden")
        self.w_m = self.add_weight((self.n_hidden, self.n_dims), glorot(), name="w_m")
        self.b_m = self.add_weight((self.n_dims,), "zeros", name="b_m")
        # Small initial weights for s: every gate starts at sigmoid(SIGMOID_SHIFT).
        self.w_s = self.add_weight(
            (self.n_hidden, self.n_dims),
            keras.initializers.RandomNormal(stddev=0.01, seed=next(seeds)),
            name="w_s",
        )
        self.b_s = self.add_weight((self.n_dims,), "zeros", name="b_s")
        self.built = True

    def shift_and_gate(self, z, context):
        """(m, s + shift) for rows z under context; output i ignores z_j of degree >= i."""
        hidden = (
            ops.matmul(z, self.w_in * self.mask_in)
            + ops.matmul(context, self.w_context)
            + self.b_hidden
        )
        hidden = ops.elu(hidden)
        m = ops.matmul(hidden, self.w_m * self.mask_out) + self.b_m
        s = ops.matmul(hidden, self.w_s * self.mask_out) + self.b_s + SIGMOID_SHIFT
        return m, s

    def call(self, z, context):
        """z_k and the log-diagonal of dz_k/dz_{k-1} (log sigma_k), both of shape (..., D)."""
        m, s = self.shift_and_gate(z, context)
        gate = ops.sigmoid(s)
        # log sigmoid(s) = -softplus(-s): exact, and finite for any s.
        return gate * z + (1.0 - gate) * m, -ops.softplus(-s)


class InverseAutoregressiveFlow(layers.Layer):
    """K IAF steps with alternating orderings; maps z_0 to z_K and returns sum log|det|.

    Parameters
    ----------
    n_dims : int
        Latent width D.
    n_flows : int
        Number of steps K.
    n_context : int
        Width of the context vector h(x).
    seed : int
        Seed of the steps' initialisers.
    n_hidden : int, optional
        Hidden units of each step's MADE; default max(16, 4 * D), so every degree gets
        several units.
    """

    def __init__(self, n_dims, n_flows, n_context, seed, n_hidden=None, **kwargs):
        super().__init__(**kwargs)
        self.n_dims, self.n_flows = int(n_dims), int(n_flows)
        n_hidden = int(n_hidden or max(16, 4 * self.n_dims))
        step_seeds = np.random.SeedSequence(seed).generate_state(max(1, self.n_flows))
        self.steps = [
            IAFStep(
                self.n_dims,
                n_context,
                n_hidden,
                reverse=k % 2 == 1,
                seed=int(step_seeds[k]),
                name=f"iaf_step_{k}",
                dtype=self.dtype_policy,
            )
            for k in range(self.n_flows)
        ]
        self.built = True

    def call(self, z, context):
        """(z_K, sum_k log sigma_k) for base draws z of shape (..., D), both (..., D).

        The second output summed over its last axis is log|det dz_K/dz_0|; it is returned
        per coordinate so that a sampled KL can be split over latent dimensions.
        """
        log_det = ops.zeros_like(z)
        for step in self.steps:
            z, step_log_det = step(z, context)
            log_det = log_det + step_log_det
        return z, log_det

    def inverse(self, z, context):
        """z_0 from z_K (NumPy in and out), solving each step one coordinate at a time.

        Slow (D network passes per step) and only for checks: training and scoring never
        invert the flow, since they draw z_0 and push it forward.
        """
        z = np.asarray(z, dtype="float32")
        context = ops.convert_to_tensor(np.asarray(context, dtype="float32"))
        for step in reversed(self.steps):
            z_prev = np.zeros_like(z)
            order = np.arange(self.n_dims)[::-1] if step.reverse else np.arange(self.n_dims)
            for i in order:
                # m_i and s_i depend only on coordinates already solved (earlier in order).
                m, s = (
                    to_numpy(t) for t in step.shift_and_gate(ops.convert_to_tensor(z_prev), context)
                )
                gate = 1.0 / (1.0 + np.exp(-s[..., i]))
                z_prev[..., i] = (z[..., i] - (1.0 - gate) * m[..., i]) / gate
            z = z_prev
        return z
