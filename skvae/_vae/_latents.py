"""The latent side of the VAE as parts that plug into one model.

Two kinds of part, chosen by :func:`skvae._vae._model.latent_structure` from the model's
:class:`skvae._nn._config.NetworkConfig`:

- the *posterior* of a single latent layer: :class:`GaussianPosterior` (the diagonal
  Gaussian N(mu, sigma^2)) or :class:`FlowPosterior` (that Gaussian pushed through an
  inverse autoregressive flow);
- the *latent structure*: :class:`SingleLayer` (one layer, with either posterior) or the
  two-layer ladder of :mod:`skvae._vae._hierarchy`.

A latent structure draws latents for the decoder, with log p(z) - log q(z|x), for
training, scoring and inspection; the model (:class:`skvae._vae._model.VAE`) owns the
encoder, the decoder and the observation model and asks its structure for the rest. A part
that has weights creates its layers in ``attach(model, seeds)`` as attributes of the model,
after the encoder and decoder, so the model's weight order (what a saved model stores) is
the one it has always been.
"""

import keras
from keras import ops

from skvae._nn._likelihoods import LOG_2PI, standard_normal_log_prob
from skvae._vae._flows import InverseAutoregressiveFlow

# Posterior log-variances are clipped to this range: exp(-12) to exp(8) covers every
# useful posterior width in scaled units and keeps exp() and the KL finite.
LOG_VAR_RANGE = (-12.0, 8.0)


def diagonal_gaussian_draws(z_mean, z_log_var, eps):
    """z = mu + sigma * eps and log N(z; mu, sigma^2) for noise eps (batch, K, d).

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._vae._latents import diagonal_gaussian_draws
    >>> z, log_q = diagonal_gaussian_draws(ops.zeros((1, 2)), ops.zeros((1, 2)),
    ...                                    ops.zeros((1, 1, 2)))
    >>> round(float(ops.convert_to_numpy(log_q)[0, 0]), 4)  # log N(0; 0, I) in 2-D
    -1.8379
    """
    z = z_mean[:, None, :] + ops.exp(0.5 * z_log_var)[:, None, :] * eps
    log_qz = ops.sum(-0.5 * (LOG_2PI + z_log_var[:, None, :] + ops.square(eps)), axis=-1)
    return z, log_qz


class GaussianPosterior:
    """q(z|x) = N(mu(x), diag sigma(x)^2): no weights beyond the encoder's.

    Examples
    --------
    >>> from skvae._vae._latents import GaussianPosterior
    >>> GaussianPosterior().closed_form_kl
    True
    """

    # The KL to N(0, I) has a closed form, split over independent dimensions.
    closed_form_kl = True

    def attach(self, model, seeds):
        """Nothing to build."""

    def draws(self, z_mean, z_log_var, eps):
        """(z, log q(z|x), None) for noise eps (batch, K, d)."""
        z, log_qz = diagonal_gaussian_draws(z_mean, z_log_var, eps)
        return z, log_qz, None

    def location(self, z_mean, z_log_var):
        """The posterior mean."""
        return z_mean


class FlowPosterior:
    """The diagonal Gaussian pushed through ``n_flows`` IAF steps (Kingma et al., 2016).

    z_0 = mu + sigma * eps, z_K = flow(z_0 | h(x)) with the context h = [mu, log sigma^2],
    and log q(z_K|x) = log q(z_0|x) - log|det dz_K/dz_0|. The flow is ``model.flow``.

    Examples
    --------
    >>> from skvae._vae._latents import FlowPosterior
    >>> FlowPosterior(n_components=2, n_flows=3).closed_form_kl
    False
    """

    closed_form_kl = False

    def __init__(self, n_components, n_flows):
        self.n_components, self.n_flows = int(n_components), int(n_flows)
        self.flow = None

    def attach(self, model, seeds):
        """Build the flow as ``model.flow`` (context: the encoder's [mu, log sigma^2])."""
        model.flow = InverseAutoregressiveFlow(
            self.n_components,
            self.n_flows,
            2 * self.n_components,
            seed=next(seeds),
            name="iaf",
            dtype="float32",
        )
        self.flow = model.flow

    def draws(self, z_mean, z_log_var, eps):
        """(z_K, log q(z_K|x), the flow's per-coordinate log-determinant)."""
        z, log_qz = diagonal_gaussian_draws(z_mean, z_log_var, eps)
        context = ops.concatenate([z_mean, z_log_var], axis=-1)[:, None, :]
        z, log_det = self.flow(z, context)
        return z, log_qz - ops.sum(log_det, axis=-1), log_det

    def location(self, z_mean, z_log_var):
        """The flow applied to mu (eps = 0): a deterministic high-density point."""
        context = ops.concatenate([z_mean, z_log_var], axis=-1)
        return self.flow(z_mean, context)[0]


class SingleLayer:
    """One latent layer z ~ q(z|x) (of the given posterior family) under p(z) = N(0, I).

    Examples
    --------
    >>> from skvae._vae._latents import GaussianPosterior, SingleLayer
    >>> latents = SingleLayer(GaussianPosterior(), n_components=3)
    >>> latents.noise_width, latents.decoder_width
    (3, 3)
    """

    def __init__(self, posterior, n_components):
        self.posterior = posterior
        self.noise_width = self.decoder_width = int(n_components)

    @property
    def closed_form_kl(self):
        """Whether KL(q(z|x) || p(z)) is closed form per dimension (no flow)."""
        return self.posterior.closed_form_kl

    def attach(self, model, seeds):
        """Build the posterior's layers (a flow) on the model."""
        self.posterior.attach(model, seeds)

    def training_draw(self, model, inputs, z_mean, z_log_var):
        """One reparameterised draw per row for training: (decoder rows, extra outputs).

        The extra outputs hold a sampled ``kl`` when the KL has no closed form.
        """
        eps = keras.random.normal(ops.shape(z_mean), dtype="float32", seed=model.noise)
        if self.posterior.closed_form_kl:
            return z_mean + ops.exp(0.5 * z_log_var) * eps, {}
        z, log_qz, _ = self.posterior.draws(z_mean, z_log_var, eps[:, None, :])
        z, log_qz = z[:, 0, :], log_qz[:, 0]
        # One-sample Monte Carlo KL: no closed form once the flow has run.
        return z, {"kl": log_qz - standard_normal_log_prob(z)}

    def draws(self, model, inputs, eps, refine_passes=0):
        """(decoder rows z, log p(z) - log q(z|x)) for noise eps (batch, K, width)."""
        z_mean, z_log_var = model.encode(inputs, refine_passes)
        z, log_qz, _ = self.posterior.draws(z_mean, z_log_var, eps)
        return z, standard_normal_log_prob(z) - log_qz

    def location(self, model, inputs):
        """A deterministic point of q(z|x) per row (the mean, or the flow of the mean)."""
        z_mean, z_log_var = model.encode_for_inference(inputs)
        return self.posterior.location(z_mean, z_log_var)

    def kl_per_dimension(self, model, inputs, eps):
        """Sampled KL(q(z|x) || p(z)) per row, split over latent coordinates.

        The average over the draws eps (K, d) of log q_0,i(z_0,i) - log|dz_K,i/dz_0,i| -
        log N(z_K,i; 0, 1), whose sum over i is the Monte Carlo estimate of the KL (a
        flow's Jacobian is triangular, so its log-determinant splits into coordinates).
        Single terms can be slightly negative.
        """
        z_mean, z_log_var = model.encode_for_inference(inputs)
        z, _, log_det = self.posterior.draws(z_mean, z_log_var, eps[None, :, :])
        log_q0 = -0.5 * (LOG_2PI + z_log_var[:, None, :] + ops.square(eps[None, :, :]))
        if log_det is not None:
            log_q0 = log_q0 - log_det
        return ops.mean(log_q0 + 0.5 * (LOG_2PI + ops.square(z)), axis=1)

    def decoder_rows(self, model, z):
        """The rows the decoder reads for latent rows z: z itself."""
        return z
