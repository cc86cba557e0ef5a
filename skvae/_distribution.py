"""Data-parallel training: build, compile and fit the model inside a distribution's scope.

The ``distribution`` parameter takes a ``tf.distribute.Strategy`` under TensorFlow or a
``keras.distribution.Distribution`` under JAX; both expose ``scope()``. Nothing here
imports a backend: strategies are recognised by their attributes.
"""

import contextlib

from skvae._model import VAE


def is_tf_strategy(distribution):
    """Whether ``distribution`` is a ``tf.distribute.Strategy`` (duck-typed)."""
    return hasattr(distribution, "num_replicas_in_sync") and hasattr(distribution, "extended")


def n_replicas(distribution):
    """Replicas that each compute a share of a batch (1 without a TF strategy).

    Under a ``keras.distribution`` (JAX) the loss is computed on the whole, sharded
    batch, so there is nothing to rescale.
    """
    return int(distribution.num_replicas_in_sync) if is_tf_strategy(distribution) else 1


def training_scope(distribution):
    """The distribution's scope, or a no-op context without one."""
    return contextlib.nullcontext() if distribution is None else distribution.scope()


class ReplicaScaledVAE(VAE):
    """The VAE whose loss is divided by the number of replicas of a ``tf.distribute``
    strategy.

    Each replica computes the mean loss of its share of the global batch, and the
    strategy sums the replicas' gradients; dividing by the number of replicas makes that
    sum the gradient of the global batch mean. Keras expects exactly this of
    ``compute_loss`` (its default implementation scales the same way) and multiplies the
    number back when it reports the loss, so ``history_`` stays in nats per row.
    """

    def __init__(self, *args, n_replicas=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_replicas = int(n_replicas)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss / float(self.n_replicas)
