"""Build the Keras VQ-VAE and train it, with the VAE's seeded batches, validation split,
early stopping and non-finite-loss guard (:mod:`skvae._nn._trainer`)."""

import keras
import numpy as np

from skvae._nn._batches import ShuffledBatches
from skvae._nn._trainer import (
    MAX_STEPS_PER_EXECUTION,
    FittedModel,
    NonFiniteLossGuard,
    split_validation,
)
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


def train_vqvae(X, hidden_layer_sizes, seed, params, layout):
    """Train a VQ-VAE on float32 scaled rows ``X``; returns a :class:`FittedModel`.

    Raises ValueError if the loss diverges.
    """
    if params["early_stopping"]:
        X_train, X_val = split_validation(
            X, params["validation_fraction"], np.random.default_rng([seed, 2])
        )
        validation_data = (X_val,)
    else:
        X_train, validation_data = X, None
    batches = ShuffledBatches(X_train, min(params["batch_size"], len(X_train)), seed=[seed, 3])
    model = build_vq_model(hidden_layer_sizes, seed, params, layout)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=params["learning_rate"]),
        # Keras's PyTorch trainer runs one step per call only.
        steps_per_execution=(
            1 if keras.backend.backend() == "torch" else min(len(batches), MAX_STEPS_PER_EXECUTION)
        ),
    )
    guard = NonFiniteLossGuard()
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss" if params["early_stopping"] else "loss",
        min_delta=params["tol"],
        patience=params["n_iter_no_change"],
        restore_best_weights=params["early_stopping"],
    )
    history = model.fit(
        batches,
        epochs=params["max_iter"],
        validation_data=validation_data,
        validation_batch_size=min(params["batch_size"] * 8, 8192),
        callbacks=[guard, stopper],
        # The batches are shuffled by their own generator (see ShuffledBatches).
        shuffle=False,
        verbose=2 if params["verbose"] else 0,
    )
    if guard.failure is not None:
        raise ValueError(
            f"Training diverged: the {guard.failure}. Try a smaller learning_rate (got "
            f"{params['learning_rate']}), check X for extreme values, or raise var_floor."
        )
    return FittedModel(
        model=model,
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
    )
