"""Data-parallel training: build, compile and fit the model inside a distribution's scope.

The ``distribution`` parameter takes a ``tf.distribute.Strategy`` under TensorFlow or a
``keras.distribution.Distribution`` under JAX; both expose ``scope()``. Nothing here
imports a backend: strategies are recognised by their attributes.
"""

import contextlib

import keras


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


class ReplicaAwareModel:
    """Mixin for a ``keras.Model`` trained under a multi-worker ``tf.distribute`` strategy.

    Keras 3.15 needs two fixes there (below); without a strategy, and under JAX or
    PyTorch, every method defers to Keras unchanged. The model divides its own loss by
    the replicas (its config's ``n_replicas``; see ``VAE.compute_loss``).

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._distribution import ReplicaAwareModel
    >>> class Model(ReplicaAwareModel, keras.Model):
    ...     pass
    >>> Model().get_metrics_result()
    {}
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras 3.15 builds a model under a strategy from its first batch, which it first
        # averages over the replicas with strategy.reduce; that reduce fails under
        # MultiWorkerMirroredStrategy ("Attempt to convert a value (PerReplica ...)").
        # The build needs only the batch's shapes, which one replica's share has.
        strategy = getattr(self, "_distribute_strategy", None)
        if strategy is None or iterator is None:
            return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)
        for _, _, batches in iterator:
            first = next(batches)
            break
        local = keras.tree.map_structure(
            lambda value: strategy.experimental_local_results(value)[0], first
        )
        return super()._maybe_symbolic_build(data_batch=local)

    def get_metrics_result(self):
        results = super().get_metrics_result()
        if not _multi_worker(getattr(self, "_distribute_strategy", None)):
            return results
        # Across workers Keras 3.15 averages each replica's logs with
        # strategy.reduce("MEAN", value, axis=0), which rejects scalars: give it one-element
        # vectors, which it averages back into scalars.
        return {name: keras.ops.reshape(value, (1,)) for name, value in results.items()}

    def _get_metrics_result_or_logs(self, logs):
        # The epoch's logs are read from the metrics directly, outside that reduction:
        # scalars again, as callbacks and history_ expect.
        results = super()._get_metrics_result_or_logs(logs)
        if not _multi_worker(getattr(self, "_distribute_strategy", None)):
            return results
        return {name: keras.ops.reshape(value, ()) for name, value in results.items()}


def _multi_worker(strategy):
    """Whether ``strategy`` spans several worker processes (MultiWorkerMirroredStrategy)."""
    in_multi_worker_mode = getattr(
        getattr(strategy, "extended", None), "_in_multi_worker_mode", None
    )
    return bool(in_multi_worker_mode and in_multi_worker_mode())
