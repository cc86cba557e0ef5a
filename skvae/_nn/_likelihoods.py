"""Log-probabilities, KL terms and log-mean-exp, written with ``keras.ops`` only.

Every function here is pure (no state, no randomness) and works on any Keras backend, so
the model in :mod:`skvae._vae._model` trains the same way under TensorFlow, JAX and PyTorch
(tests/nn/test_backends.py).
All results are in nats.
"""

import math

from keras import ops

LOG_2PI = math.log(2.0 * math.pi)


def gaussian_log_prob(x, mean, log_var):
    """Log-density of each entry of ``x`` under N(mean, exp(log_var)) (no sum).

    log N(x | m, v) = -1/2 [log(2 pi) + log v + (x - m)^2 / v].
    """
    return -0.5 * (LOG_2PI + log_var + ops.square(x - mean) * ops.exp(-log_var))


def bernoulli_log_prob(x, logits):
    """Log-probability of each entry of ``x`` in {0, 1} under Bernoulli(sigmoid(logits)).

    Written as x * l - softplus(l), which equals x log p + (1 - x) log(1 - p) without ever
    forming p, so it stays finite for large |logits|. No sum over features.
    """
    return x * logits - ops.softplus(logits)


def standard_normal_log_prob(z):
    """Log-density of ``z`` under the prior N(0, I), summed over the last axis."""
    return ops.sum(-0.5 * (LOG_2PI + ops.square(z)), axis=-1)


def kl_to_standard_normal(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, 1)) per latent dimension (no sum).

    The closed form is 1/2 (sigma^2 + mu^2 - 1 - log sigma^2).
    """
    return 0.5 * (ops.exp(log_var) + ops.square(mean) - 1.0 - log_var)


def free_bits_kl(kl_per_dimension, free_bits):
    """KL term of the loss with the free-bits floor of Kingma et al. (2016).

    ``kl_per_dimension`` has shape (batch, n_components). Each dimension's KL is averaged
    over the batch, then clamped from below at ``free_bits`` nats: below the floor the term
    is constant, so the optimiser stops pushing that dimension towards the prior.
    Returns the sum over dimensions (a scalar).
    """
    mean_kl = ops.mean(kl_per_dimension, axis=0)
    return ops.sum(ops.maximum(mean_kl, free_bits))


def log_mean_exp(values, axis):
    """log(mean(exp(values))) along ``axis``, computed stably via logsumexp."""
    count = ops.shape(values)[axis]
    return ops.logsumexp(values, axis=axis) - math.log(count)
