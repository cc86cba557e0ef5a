"""What the training loop reads: a typed, frozen record of the estimators' training settings.

Kept apart from :mod:`skvae._nn._trainer` because it imports no backend: an estimator can
build its :class:`TrainingConfig` before Keras is loaded.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of one training run, shared by the VAE and the VQ-VAE trainers.

    The model's own hyperparameters (network sizes, likelihood, ...) are not here: the
    trainer receives a builder of the model instead (see :func:`skvae._nn._trainer.train`).

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int, default=128
        Rows per mini-batch (clipped to the training rows by the data functions).
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop on their loss (restoring
        the best weights); otherwise stop when the training loss stalls.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before training stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss that counts.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar over the epochs, 2 or more Keras's two
        lines per epoch (its number, then its losses).
    distribution : object, default=None
        A ``tf.distribute.Strategy`` or ``keras.distribution.Distribution`` whose scope
        the model is built, compiled and trained in (see :mod:`skvae._nn._distribution`).
    dtype_policy : str, default="float32"
        With "mixed_float16" the optimiser is wrapped in a loss-scaling one.
    warmup_epochs : int, default=0
        Epochs before the stopping rule starts judging progress (the VAE's KL warm-up,
        during which its loss rises by design).

    Examples
    --------
    >>> from skvae._nn._training_config import TrainingConfig
    >>> config = TrainingConfig.from_params({"max_iter": 5, "n_codes": 8}, warmup_epochs=2)
    >>> config.max_iter, config.warmup_epochs, config.batch_size
    (5, 2, 128)
    """

    learning_rate: float = 1e-3
    batch_size: int = 128
    max_iter: int = 200
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    verbose: int = 0
    distribution: object = None
    dtype_policy: str = "float32"
    warmup_epochs: int = 0

    @classmethod
    def from_params(cls, params, **overrides):
        """The config of an estimator's parameters (``get_params()``), then ``overrides``.

        Keys that are not training settings (the model's hyperparameters) are ignored;
        settings absent from ``params`` keep their defaults.

        Parameters
        ----------
        params : dict
            Estimator parameters.
        **overrides
            Settings that replace those of ``params``.

        Returns
        -------
        config : TrainingConfig

        Examples
        --------
        >>> from skvae._nn._training_config import TrainingConfig
        >>> TrainingConfig.from_params({"tol": 0.5}, max_iter=1).max_iter
        1
        """
        names = {field.name for field in dataclasses.fields(cls)}
        # NumPy scalars as Python numbers: Keras's optimiser refuses a np.float32 rate.
        values = {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in params.items()
            if key in names
        }
        return cls(**{**values, **overrides})
