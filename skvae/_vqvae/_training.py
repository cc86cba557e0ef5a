"""Build the Keras VQ-VAE from the estimator's parameters and train it with skvae's trainer
(:func:`skvae._nn._trainer.train_model`): the VAE's seeded batches (a ``tf.data`` pipeline
under TensorFlow), validation split, early stopping, non-finite-loss guard and user
callbacks."""

from skvae._nn._trainer import in_memory_data, train_model
from skvae._nn._training_config import TrainingConfig
from skvae._vqvae._model import VQVAE


def build_vq_model(hidden_layer_sizes, seed, params, layout):
    """A freshly initialised VQVAE configured from the estimator's parameters, with the
    per-feature likelihoods of ``layout`` (:class:`skvae._nn._layout.ColumnLayout`)."""
    return VQVAE(
        layout=layout,
        n_codes=params["n_codes"],
        code_dim=params["code_dim"],
        n_latents=params["n_latents"],
        hidden_layer_sizes=hidden_layer_sizes,
        activation=params["activation"],
        commitment_cost=params["commitment_cost"],
        decay=params["decay"],
        dead_code_patience=params["dead_code_patience"],
        seed=seed,
    )


def train_vqvae(X, hidden_layer_sizes, seed, params, layout, callbacks=()):
    """Train a VQ-VAE on float32 encoded rows ``X``; returns a
    :class:`skvae._nn._trainer.FittedModel`.

    ``callbacks`` are the user's Keras callbacks, run after skvae's own. Raises
    ValueError if the loss diverges.
    """
    # The estimator has no distribution or dtype_policy parameter: the config's defaults
    # (one device, float32) apply, and no warm-up delays the stopping rule.
    config = TrainingConfig.from_params(params)
    return train_model(
        # The VQ-VAE has no schedule counted in steps: the steps per epoch are not needed.
        lambda steps_per_epoch: build_vq_model(hidden_layer_sizes, seed, params, layout),
        in_memory_data(X, seed, config),
        config,
        callbacks,
    )
