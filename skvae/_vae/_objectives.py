"""Training objectives of the VAE, as parts that plug into the model's ``compute_loss``.

:class:`ELBO` is the evidence lower bound with beta, KL warm-up and free bits;
:class:`IWAE` the K-sample importance-weighted bound of Burda et al. (2015). Each returns
the scalar loss of a batch and updates the model's ``reconstruction`` and ``kl`` trackers
(which land in ``history_``). In validation (``training=False``) both report the honest
negative bound (beta = 1, no warm-up, no free bits), which early stopping minimises.
"""

import keras
from keras import ops

from skvae._nn._likelihoods import free_bits_kl, log_mean_exp


class ELBO:
    """Negative ELBO: -E_q[log p(x|z)] + weight * KL, with a one-sample reconstruction.

    Examples
    --------
    >>> from skvae._vae._objectives import ELBO
    >>> ELBO(free_bits=0.1).free_bits
    0.1
    """

    def __init__(self, free_bits=0.0):
        self.free_bits = float(free_bits)

    def loss(self, model, x, y_pred, kl_per_dim, kl, training):
        """The batch's loss for model inputs x and the model's outputs y_pred."""
        # Reconstruction: one-sample Monte Carlo estimate of -E_q[log p(x|z)], per row.
        x_obs, _, mask = model.split_inputs(x)
        reconstruction = -model.log_likelihood(x_obs, y_pred["x_param"], mask)
        model.reconstruction_tracker.update_state(reconstruction)
        model.kl_tracker.update_state(kl)
        if not training:
            # Validation reports the honest negative ELBO (beta = 1, no free bits, no
            # warm-up): the bound on -log p(x) that early stopping should minimise.
            return ops.mean(reconstruction + kl)
        if kl_per_dim is None:  # free bits need per-dimension KLs; fit() rejects them here
            kl_term = ops.mean(kl)
        else:
            kl_term = free_bits_kl(kl_per_dim, self.free_bits)
        loss = ops.mean(reconstruction) + model.kl_weight() * kl_term
        model.train_steps.assign(model.train_steps + 1.0)
        return loss


class IWAE:
    """Negative K-sample importance-weighted bound, with fresh draws for every row.

    The KL weight (beta and warm-up) scales log p(z) - log q(z|x) inside each weight, the
    importance-weighted analogue of weighting the ELBO's KL term; in validation the
    weight is 1, so ``val_loss`` is the honest negative bound.

    Examples
    --------
    >>> from skvae._vae._objectives import IWAE
    >>> IWAE(n_importance_train=8).n_importance_train
    8
    """

    def __init__(self, n_importance_train):
        self.n_importance_train = int(n_importance_train)

    def loss(self, model, x, y_pred, kl_per_dim, kl, training):
        """The batch's loss for model inputs x (y_pred supplies only the tracked KL)."""
        n_rows = ops.shape(x)[0]
        eps = keras.random.normal(
            (n_rows, self.n_importance_train, model.latent_noise_width),
            dtype="float32",
            seed=model.noise,
        )
        log_px_z, log_prior_ratio = model.importance_terms(x, eps)
        weight = model.kl_weight() if training else 1.0
        bound = log_mean_exp(log_px_z + weight * log_prior_ratio, axis=1)
        model.reconstruction_tracker.update_state(-ops.mean(log_px_z, axis=1))
        model.kl_tracker.update_state(kl)
        if training:
            model.train_steps.assign(model.train_steps + 1.0)
        return -ops.mean(bound)


def training_objective(config):
    """The objective part named by a :class:`skvae._nn._config.NetworkConfig`.

    Examples
    --------
    >>> from skvae._nn._config import NetworkConfig
    >>> from skvae._vae._objectives import training_objective
    >>> config = NetworkConfig(None, 2, (), "relu", 0, objective="iwae", n_importance_train=4)
    >>> type(training_objective(config)).__name__
    'IWAE'
    """
    if config.objective == "iwae":
        return IWAE(config.n_importance_train)
    return ELBO(config.free_bits)
