"""``NetworkConfig``: every hyperparameter a model is built from, in one typed object.

The estimators translate their scikit-learn parameters into one ``NetworkConfig`` (see
``BaseVAE._network_config``); the Keras model reads nothing else. Keeping it a frozen
dataclass means a parameter is spelled once on each side of the border, and a model can be
rebuilt from its config alone (``dataclasses.replace`` makes variants, e.g. the steps per
epoch once the number of batches is known).
"""

import os
from dataclasses import dataclass

# Bytes per weight while training: float32 weights, their gradients and Adam's two moments.
_TRAINING_BYTES_PER_WEIGHT = 4 * 4


@dataclass(frozen=True)
class NetworkConfig:
    """Architecture and objective of a VAE's Keras model.

    Parameters
    ----------
    layout : ColumnLayout
        The per-column observation models (:class:`skvae._nn._layout.ColumnLayout`):
        the encoded input width, the decoder's output layout and the log-densities.
    n_components : int
        Width of the (top) latent layer.
    hidden_layer_sizes : tuple of int
        Encoder hidden layers; the decoder uses them reversed. ``()`` is a linear VAE.
    activation : str
        Keras activation of the hidden layers.
    seed : int
        Seeds the initialisers and the reparameterisation noise.
    n_conditions : int, default=0
        Width of the encoded condition vector (0 for an unconditional VAE).
    beta, free_bits : float, default=1.0, 0.0
        KL weight and per-dimension free-bits floor (nats) of the training objective.
    kl_warmup_epochs : int, default=0
        Epochs over which the KL weight rises linearly from 0 to ``beta`` (per step).
    steps_per_epoch : int, default=1
        Optimiser steps per epoch; the trainer sets it once the batches are known, so
        that the warm-up lasts ``kl_warmup_epochs * steps_per_epoch`` steps.
    objective : {"elbo", "iwae"}, default="elbo"
        Training bound; IWAE uses ``n_importance_train`` draws per row.
    n_importance_train : int, default=1
        Draws per row for ``objective="iwae"``.
    posterior : {"gaussian", "flow"}, default="gaussian"
        The diagonal-Gaussian posterior, or that Gaussian pushed through ``n_flows``
        inverse autoregressive flow steps.
    n_flows : int, default=0
        Flow steps for ``posterior="flow"``.
    n_components_lower : int or None, default=None
        Width of a second, lower stochastic layer (a hierarchical VAE), or None.
    hierarchy : {"ladder", "separate"}, default="ladder"
        Architecture of the two-layer model (see :mod:`skvae._vae._hierarchy`).
    dtype_policy : str, default="float32"
        Keras dtype policy of the encoder's and decoder's layers.
    n_replicas : int, default=1
        Replicas of a ``tf.distribute`` strategy that each compute a share of a batch;
        the loss is divided by it so that the replicas' summed gradients are the mean's.
    train_decoder : bool, default=True
        Whether training updates the decoder and the columns' noise variances. False
        keeps the decoder it was given and trains the encoder only: a linear Gaussian VAE
        on rows with missing entries starts from factor analysis's EM solution, the
        model's maximum, which the zero-filling encoder's bound would pull away from (see
        :mod:`skvae._vae._factor_start`).

    Examples
    --------
    >>> import dataclasses
    >>> from skvae._nn._config import NetworkConfig
    >>> config = NetworkConfig(layout=None, n_components=2, hidden_layer_sizes=(8,),
    ...                        activation="relu", seed=0)
    >>> dataclasses.replace(config, steps_per_epoch=100).steps_per_epoch
    100
    """

    layout: object
    n_components: int
    hidden_layer_sizes: tuple
    activation: str
    seed: int
    n_conditions: int = 0
    beta: float = 1.0
    free_bits: float = 0.0
    kl_warmup_epochs: int = 0
    steps_per_epoch: int = 1
    objective: str = "elbo"
    n_importance_train: int = 1
    posterior: str = "gaussian"
    n_flows: int = 0
    n_components_lower: int | None = None
    hierarchy: str = "ladder"
    dtype_policy: str = "float32"
    n_replicas: int = 1
    train_decoder: bool = True

    def __post_init__(self):
        if self.layout is not None:
            _check_network_size(self)


def dense_weight_count(widths):
    """Kernels and biases of a stack of dense layers of the given widths (input first).

    Examples
    --------
    >>> from skvae._nn._config import dense_weight_count
    >>> dense_weight_count([3, 8, 4])  # 3 * 8 + 8 + 8 * 4 + 4
    68
    """
    return sum((n_in + 1) * n_out for n_in, n_out in zip(widths[:-1], widths[1:], strict=True))


def check_fits_in_memory(n_weights, sizes):
    """Refuse, before anything is built, a network whose training state alone (float32
    weights, gradients and Adam's two moments) exceeds this machine's memory; otherwise
    the backend fails minutes later with an allocator error (TensorFlow's
    ResourceExhaustedError for ``n_components=10**9``). ``sizes`` names the parameters
    that set the size, for the message.

    Examples
    --------
    >>> from skvae._nn._config import check_fits_in_memory
    >>> check_fits_in_memory(10**15, "n_components=10**9")
    Traceback (most recent call last):
    ...
    ValueError: the network would have 1e+15 weights (n_components=10**9), ...
    """
    memory = _physical_memory()
    needed = n_weights * _TRAINING_BYTES_PER_WEIGHT
    if memory is not None and needed > memory:
        raise ValueError(
            f"the network would have {n_weights:.3g} weights ({sizes}), whose training "
            f"needs at least {needed / 2**30:.3g} GiB, more than this machine's "
            f"{memory / 2**30:.3g} GiB of memory; choose smaller sizes"
        )


def _check_network_size(config):
    """:func:`check_fits_in_memory` for a VAE's encoder and decoder (a lower bound of its
    weights: flows add more)."""
    n_latent = config.n_components + (config.n_components_lower or 0)
    hidden = list(config.hidden_layer_sizes)
    encoder = [config.layout.input_width + config.n_conditions, *hidden, 2 * n_latent]
    decoder = [n_latent + config.n_conditions, *hidden[::-1], config.layout.param_width]
    check_fits_in_memory(
        dense_weight_count(encoder) + dense_weight_count(decoder),
        f"n_components={config.n_components}, hidden_layer_sizes={tuple(hidden)}, "
        f"{config.layout.input_width} input columns",
    )


def _physical_memory():
    """This machine's memory in bytes, or None where the OS does not say (Windows)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None
