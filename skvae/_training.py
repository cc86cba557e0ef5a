"""Build the Keras VAE and train it: seeded batches, validation split, early stopping,
and a guard that turns a non-finite loss into a clear error."""

import math
from dataclasses import dataclass

import keras
import numpy as np

from skvae._batches import ShuffledBatches
from skvae._model import VAE

# Steps run per call into the compiled training function. Per-step Python overhead
# dominates small tabular batches, so grouping steps is the cheapest speed-up there is.
MAX_STEPS_PER_EXECUTION = 32


@dataclass
class FittedVAE:
    """A trained model and its per-epoch history (lists of floats)."""

    model: VAE
    history: dict


def build_model(
    n_features,
    n_conditions,
    hidden_layer_sizes,
    log_scale,
    seed,
    params,
    steps_per_epoch,
    layout=None,
):
    """A freshly initialised VAE configured from the estimator's parameters.

    ``layout`` (a :class:`skvae._columns.ColumnLayout`) gives each column its own
    likelihood; without it every column has ``params["likelihood"]``.
    """
    if params["n_components_lower"]:
        from skvae._hierarchy import HierarchicalVAE

        model_class, extra = HierarchicalVAE, {"n_components_lower": params["n_components_lower"]}
    else:
        model_class, extra = VAE, {}
    return model_class(
        n_features=n_features,
        n_conditions=n_conditions,
        n_components=params["n_components"],
        hidden_layer_sizes=hidden_layer_sizes,
        activation=params["activation"],
        likelihood=params["likelihood"],
        var_floor=params["var_floor"],
        log_scale=log_scale,
        beta=params["beta"],
        free_bits=params["free_bits"],
        kl_warmup_steps=params["kl_warmup"] * steps_per_epoch,
        seed=seed,
        objective=params["objective"],
        n_importance_train=params["n_importance_train"],
        layout=layout,
        posterior=params["posterior"],
        n_flows=params["n_flows"],
        **extra,
    )


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and remembers where it happened."""

    def __init__(self):
        super().__init__()
        self.failure = None

    def _check(self, logs, where):
        for name, value in (logs or {}).items():
            if self.failure is None and not math.isfinite(float(value)):
                self.failure = f"{name} became {float(value)} {where}"
                self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, f"at batch {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"in epoch {epoch + 1}")


def split_validation(X, fraction, rng):
    """Random (train, validation) split; the validation part gets ceil(fraction * n) rows."""
    n_val = math.ceil(fraction * len(X))
    if len(X) - n_val < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves no training rows out of {len(X)}; "
            "use more data, a smaller validation_fraction, or early_stopping=False"
        )
    order = rng.permutation(len(X))
    return X[np.sort(order[n_val:])], X[np.sort(order[:n_val])]


def train_vae(
    X, n_features, n_conditions, hidden_layer_sizes, log_scale, seed, params, layout=None
):
    """Train a VAE on float32 model inputs ``X`` = [x scaled, c encoded].

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
    model = build_model(
        n_features,
        n_conditions,
        hidden_layer_sizes,
        log_scale,
        seed,
        params,
        steps_per_epoch=len(batches),
        layout=layout,
    )
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
        # The loss rises while the KL weight warms up; judge progress only afterwards.
        start_from_epoch=params["kl_warmup"],
    )
    history = model.fit(
        batches,
        epochs=params["max_iter"],
        validation_data=validation_data,
        validation_batch_size=min(params["batch_size"] * 8, 8192),
        callbacks=[guard, stopper],
        # The batches are already shuffled by their own generator; Keras's shuffle would
        # reorder them with Python's global `random`, breaking reproducibility.
        shuffle=False,
        verbose=2 if params["verbose"] else 0,
    )
    if guard.failure is not None:
        raise ValueError(
            f"Training diverged: the {guard.failure}. Try a smaller learning_rate (got "
            f"{params['learning_rate']}), check X for extreme values, or raise var_floor."
        )
    return FittedVAE(
        model=model,
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
    )
