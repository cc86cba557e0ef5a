"""Compiled training models kept for the next fit of the same architecture.

Before a Keras model trains, its training step is traced into a graph and optimised: for a
small tabular VAE under TensorFlow that is about 3 s, while a whole 50-epoch fit of a
178-row table trains for about 2 s. ``GridSearchCV`` fits the same architecture once per
fold (and once more to refit), so most of its time went into tracing the same step again.

A fit therefore trains a *pooled twin* of its model: a model of the same architecture
(equal :meth:`reuse_key`) whose training step is already compiled. The fit copies its own
freshly initialised variables (and data variables such as the columns' log scales) into
the twin, resets the twin's optimiser, trains it, and copies the trained variables and
optimiser state back into its own model, which the estimator keeps. The twin goes back to
the pool. The estimator never holds a pooled model, so nothing it hands out (``encoder_``,
``decoder_``) can change under a later fit, and a pooled twin gives the same fit, bit for
bit, as training the fresh model would (``tests/nn/test_model_pool.py``).

The same holds under JAX, whose jitted steps take the model's variables as inputs (the
data variables listed with the non-trainable ones: :attr:`PoolableModel.non_trainable_variables`).
The pool is per process (each of joblib's workers has its own), holds at most
``MAX_IDLE_PER_KEY`` idle twins for each of the ``MAX_KEYS`` architectures used last, and
is safe to use from several threads: a twin is lent to one fit at a time.
"""

import dataclasses
import threading
from collections import OrderedDict

import keras

MAX_KEYS = 8
MAX_IDLE_PER_KEY = 2


class PoolableModel:
    """What the pool asks of a model: a key of what its traced graphs depend on, and the
    variables that hold data. For a model with ``config`` (a
    :class:`skvae._nn._config.NetworkConfig`) and ``layout`` attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._config import NetworkConfig
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._nn._model_pool import PoolableModel
    >>> def model(seed, log_scale):
    ...     layout = ColumnLayout(["gaussian"], [0], 1, [log_scale], 0.01)
    ...     poolable = PoolableModel()
    ...     poolable.config = NetworkConfig(layout, 2, (8,), "relu", seed=seed)
    ...     return poolable
    >>> model(0, 0.0).reuse_key() == model(1, 5.0).reuse_key()  # seeds and scales differ
    True
    """

    def reuse_key(self):
        """What the model's traced graphs depend on: its config without the seed (which
        only sets initial values) and with the layout's structure in place of its
        columns' data (variables: see :meth:`state_variables`). Models with equal keys compute the
        same functions of their state variables."""
        fields = {f.name: getattr(self.config, f.name) for f in dataclasses.fields(self.config)}
        layout = fields.pop("layout")
        del fields["seed"]
        # steps_per_epoch matters only through the warm-up's length in steps.
        fields["steps_per_epoch"] *= bool(fields["kl_warmup_epochs"])
        return (type(self).__name__, layout.structure(), tuple(sorted(fields.items())))

    @property
    def non_trainable_variables(self):
        """Keras's non-trainable variables, and under JAX the data variables too.

        Keras's JAX trainer passes the trainable and these variables into its jitted steps
        and holds any other variable a step reads as a constant of the compilation: the
        columns' log scales and bounds would then be those of the twin's first fit."""
        variables = super().non_trainable_variables
        layout = self.__dict__.get("layout")
        if keras.backend.backend() != "jax" or layout is None:
            return variables
        listed = {id(variable) for variable in variables}
        extra = [v for v in getattr(layout, "data_variables", ()) if id(v) not in listed]
        return [*variables, *extra]

    def state_variables(self):
        """Every variable the model's graphs read: its Keras variables, then the variables
        that hold data (the columns' log scales and bounds, untracked by Keras). A twin or
        a shared graph gets these from the model it stands in for."""
        return [*self.variables, *self.layout.data_variables]


class ModelPool:
    """Idle compiled models by architecture key, lent to one fit at a time.

    Examples
    --------
    >>> from skvae._nn._model_pool import ModelPool
    >>> pool = ModelPool()
    >>> pool.take("mlp") is None
    True
    >>> pool.give_back("mlp", "a compiled model")
    >>> pool.take("mlp"), pool.take("mlp")
    ('a compiled model', None)
    """

    def __init__(self, max_keys=MAX_KEYS, max_idle_per_key=MAX_IDLE_PER_KEY):
        self.max_keys, self.max_idle_per_key = max_keys, max_idle_per_key
        self._idle = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key):
        """An idle model of architecture ``key`` (now lent to the caller), or None."""
        with self._lock:
            models = self._idle.get(key)
            if not models:
                return None
            self._idle.move_to_end(key)
            return models.pop()

    def give_back(self, key, model):
        """Return a lent (or new) model; the least recently used architectures go first."""
        with self._lock:
            models = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(models) < self.max_idle_per_key:
                models.append(model)
            while len(self._idle) > self.max_keys:
                self._idle.popitem(last=False)

    def clear(self):
        """Drop every idle model (their memory is freed once nothing else holds them)."""
        with self._lock:
            self._idle.clear()

    def __len__(self):
        with self._lock:
            return sum(len(models) for models in self._idle.values())


#: The process's pool, used by ``skvae._nn._trainer.train_model``.
MODEL_POOL = ModelPool()
