"""Where a fit's rows come from: memory, or a memory-mapped file read in pieces.

The fit template (``BaseVAE._fit``) is one code path for both; these two classes hold
what differs: how the training batches are made, and how the posterior diagnostics after
training read the rows. Validation and the column statistics differ too, and stay with the
estimator (``BaseVAE._prepare_rows`` and ``_prepare_memmap``).
"""

from skvae._nn._lazy import import_keras_module


class InMemoryRows:
    """Coded training rows held in memory, with their model inputs built once.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._row_sources import InMemoryRows
    >>> rows = InMemoryRows(np.zeros((4, 2)))
    >>> rows.inputs_for(lambda X: X + 1.0).sum()
    np.float64(8.0)
    """

    def __init__(self, X, train_X=None):
        # train_X: the rows to train on, when they differ from X (a whitened detector
        # trains on rows whose holes were filled; statistics are read off X itself).
        self.X = X
        self.train_X = X if train_X is None else train_X
        self.inputs = None

    def inputs_for(self, to_inputs):
        """The model inputs of every row (built on the first call, then kept)."""
        if self.inputs is None:
            self.inputs = to_inputs(self.X)
        return self.inputs

    def training_data(self, to_inputs, seed, config):
        """Seeded batches of the model inputs, with the early-stopping split of ``config``
        (a :class:`~skvae._nn._training_config.TrainingConfig`)."""
        trainer = import_keras_module("skvae._nn._trainer")
        same = self.train_X is self.X
        inputs = self.inputs_for(to_inputs) if same else to_inputs(self.train_X)
        return trainer.in_memory_data(inputs, seed, config)

    def posterior_summary(self, posterior_diagnostics, to_inputs):
        """Mean KL per latent dimension and variance of the posterior location over the
        training rows, from their model inputs (X is already validated and coded here;
        ``to_inputs`` is needed only if the inputs were not built yet).
        ``posterior_diagnostics(inputs)`` gives both per row: (KL per dimension, location)."""
        return self.posterior_moments(posterior_diagnostics, to_inputs)[1::2]

    def posterior_moments(self, posterior_diagnostics, to_inputs):
        """The rows' number, mean KL per latent dimension, and mean and variance of the
        posterior location (``partial_fit`` pools them over its calls)."""
        kl, location = posterior_diagnostics(self.inputs_for(to_inputs))
        return len(kl), kl.mean(axis=0), location.mean(axis=0), location.var(axis=0)


class MemmapRows:
    """A memory-mapped X: batches and diagnostics each read it in bounded pieces.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._row_sources import MemmapRows
    >>> len(MemmapRows(np.zeros((5, 2))).X)
    5
    """

    def __init__(self, X):
        self.X = X

    def training_data(self, to_inputs, seed, config):
        """Training (and early-stopping validation) batches read from the map."""
        streaming = import_keras_module("skvae._nn._streaming")
        return streaming.memmap_training_data(self.X, to_inputs, seed, config)

    def posterior_summary(self, posterior_diagnostics, to_inputs):
        """The same summary as :class:`InMemoryRows`, one chunk of X at a time."""
        streaming = import_keras_module("skvae._nn._streaming")
        return streaming.chunked_posterior_summary(self.X, posterior_diagnostics, to_inputs)
