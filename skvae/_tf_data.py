"""TensorFlow-only fast input pipeline: seeded, stateless mini-batch shuffling in tf.data.

Under the TensorFlow backend, feeding ``keras.Model.fit`` a Python ``PyDataset`` costs a
Python call (and the GIL) for every batch, which is a large share of a step for small
tabular batches. This module builds the same kind of batches inside ``tf.data``: each
epoch's row order is ``stateless_shuffle`` with a seed made of the fit's seed and the
epoch number, so the order is reproducible and independent of TensorFlow's (and NumPy's)
global random state. It is imported lazily, and only when Keras runs on TensorFlow; the
other backends use :class:`skvae._batches.ShuffledBatches`.
"""

import math

import tensorflow as tf


def shuffled_dataset(X, batch_size, seed, n_epochs):
    """``n_epochs`` epochs of mini-batches ``(x,)`` of ``X``, reshuffled every epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns), float32
        Model input rows, held in memory.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int
        Non-negative seed; epoch ``e`` uses the stateless seed ``(seed, e)``.
    n_epochs : int
        Number of epochs the dataset yields (fit with ``steps_per_epoch``).

    Returns
    -------
    dataset : tf.data.Dataset
    steps_per_epoch : int
    """
    n_rows = len(X)
    steps = math.ceil(n_rows / batch_size)
    # Captured by reference in the tf.data functions (not embedded as a graph constant),
    # so X of any size works.
    data = tf.convert_to_tensor(X)

    def epoch(e):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n_rows, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), e])
        )

        def batch(i):
            rows = order[i * batch_size : tf.minimum((i + 1) * batch_size, n_rows)]
            # Keras reads a 1-tuple as (x,): no targets, the loss reads x alone.
            return (tf.gather(data, rows),)

        return tf.data.Dataset.range(steps).map(batch)

    dataset = tf.data.Dataset.range(n_epochs).flat_map(epoch)
    return dataset.prefetch(tf.data.AUTOTUNE), steps
