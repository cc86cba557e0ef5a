"""TensorFlow-only fast input pipeline: seeded mini-batches gathered inside tf.data.

Under the TensorFlow backend, feeding ``keras.Model.fit`` a Python ``PyDataset`` costs a
Python call (and the GIL) for every batch, which is a large share of a step for small
tabular batches. This pipeline makes one Python call per *epoch*: it draws the epoch's
row order from a private NumPy generator exactly as :class:`skvae._nn._batches.ShuffledBatches`
does (so both give the same batches, and fits are reproducible and independent of any
global random state), and gathers the batches inside ``tf.data``. It is imported lazily,
and only when Keras runs on TensorFlow; the other backends use ``ShuffledBatches``.
"""

import math

import numpy as np
import tensorflow as tf

from skvae._nn._tf_threads import thread_limit


def shuffled_dataset(X, batch_size, seed):
    """Mini-batches ``(x,)`` of ``X`` for one epoch, reshuffled each time it is iterated.

    ``keras.Model.fit`` (with no ``steps_per_epoch``) iterates the dataset afresh every
    epoch, as it does a ``PyDataset``, so every epoch ends where its data end: a group of
    ``steps_per_execution`` steps never runs on into the next epoch's batches. Under a
    ``tf.distribute`` strategy Keras reads one batch to build the model before training,
    which draws one more order: fits stay reproducible, but their batches are then not
    those of a single-device fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns), float32
        Model input rows, held in memory.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int or sequence of int
        Seed of the private ``numpy.random.Generator`` that draws each epoch's order (the
        same draws as ``ShuffledBatches(X, batch_size, seed)``).

    Returns
    -------
    dataset : tf.data.Dataset

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._tf_data import shuffled_dataset
    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> dataset = shuffled_dataset(X, batch_size=2, seed=0)
    >>> [len(x) for (x,) in dataset]
    [2, 2, 1]
    >>> first, second = ([x.numpy()[:, 0].tolist() for (x,) in dataset] for _ in range(2))
    >>> sorted(sum(first, [])) == sorted(sum(second, [])) == [0.0, 2.0, 4.0, 6.0, 8.0]
    True
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

    def epoch_order():
        # Called anew each time the dataset is iterated: the next epoch's order.
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
        epoch_order, output_signature=tf.TensorSpec((n_rows,), tf.int64)
    )
    dataset = orders.flat_map(batches)
    # Under a multi-worker strategy each worker reads its share of every global batch
    # (sharding by data). The default policy first tries sharding by input file, which a
    # generator-fed dataset does not have, and fails.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # tf.data runs its map and prefetch on a pool of its own, one thread per core unless
    # told otherwise; under a process thread limit (a joblib worker of GridSearchCV(n_jobs=k)
    # sets OMP_NUM_THREADS), size it like TensorFlow's other pools (see _tf_threads).
    limit = thread_limit()
    if limit is not None:
        options.threading.private_threadpool_size = limit
        options.threading.max_intra_op_parallelism = limit
    dataset = dataset.with_options(options)
    # A known length: Keras then reads each epoch to its end without a warning that the
    # "input ran out of data".
    return dataset.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(tf.data.AUTOTUNE)
