"""TensorFlow-only fast input pipeline: seeded mini-batches gathered inside tf.data.

Under the TensorFlow backend, feeding ``keras.Model.fit`` a Python ``PyDataset`` costs a
Python call (and the GIL) for every batch, which is a large share of a step for small
tabular batches. This pipeline makes one Python call per *epoch*: it draws the epoch's
row order from a private NumPy generator exactly as :class:`skvae._batches.ShuffledBatches`
does (so both give the same batches, and fits are reproducible and independent of any
global random state), and gathers the batches inside ``tf.data``. It is imported lazily,
and only when Keras runs on TensorFlow; the other backends use ``ShuffledBatches``.
"""

import math

import numpy as np
import tensorflow as tf


def shuffled_dataset(X, batch_size, seed, n_epochs):
    """``n_epochs`` epochs of mini-batches ``(x,)`` of ``X``, reshuffled every epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns), float32
        Model input rows, held in memory.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int or sequence of int
        Seed of the private ``numpy.random.Generator`` that draws each epoch's order (the
        same draws as ``ShuffledBatches(X, batch_size, seed)``).
    n_epochs : int
        Number of epochs the dataset yields (fit with ``steps_per_epoch``).

    Returns
    -------
    dataset : tf.data.Dataset
    steps_per_epoch : int
    """
    n_rows = len(X)
    steps = math.ceil(n_rows / batch_size)
    rng = np.random.default_rng(seed)
    # Keras resets a PyDataset (calls its on_epoch_end) before the first epoch, so
    # ShuffledBatches' first epoch reads the *second* permutation of its generator. Skip
    # one here too: both inputs then give the same batches, hence the same fit.
    rng.permutation(n_rows)
    # Captured by reference in the tf.data functions (not embedded as a graph constant),
    # so X of any size works.
    data = tf.convert_to_tensor(X)

    def epoch_orders():
        for _ in range(n_epochs):
            order = rng.permutation(n_rows)
            # Rows sorted within each batch, as ShuffledBatches reads them.
            yield np.concatenate(
                [np.sort(order[i : i + batch_size]) for i in range(0, n_rows, batch_size)]
            )

    def batches(order):
        def batch(i):
            rows = order[i * batch_size : tf.minimum((i + 1) * batch_size, n_rows)]
            # Keras reads a 1-tuple as (x,): no targets, the loss reads x alone.
            return (tf.gather(data, rows),)

        return tf.data.Dataset.range(steps).map(batch)

    orders = tf.data.Dataset.from_generator(
        epoch_orders, output_signature=tf.TensorSpec((n_rows,), tf.int64)
    )
    return orders.flat_map(batches).prefetch(tf.data.AUTOTUNE), steps
