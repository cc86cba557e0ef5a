"""TensorFlow-only fast input pipeline: seeded mini-batches gathered inside tf.data.

Under the TensorFlow backend, feeding ``keras.Model.fit`` a Python ``PyDataset`` costs a
Python call (and the GIL) for every batch, which is a large share of a step for small
tabular batches. This pipeline gathers the batches inside ``tf.data`` from an epoch order
held in a variable: the trainer draws each epoch's order from a private NumPy generator
(exactly as :class:`skvae._nn._batches.ShuffledBatches` does, so both give the same batches,
and fits are reproducible and independent of any global random state) and writes it into
the variable when the epoch begins (see :meth:`EpochShuffledDataset.next_epoch`).

The pipeline itself is a plain ``range -> map`` dataset. An earlier version drew each
order inside the dataset from a Python generator (``Dataset.from_generator``), and Keras
created two iterators of it per epoch at 45 ms each, more than the whole epoch of a small
table takes to train. Creating an iterator of this one still costs about 9 ms (tf.data
instantiates the map function), so an epoch of at most one compiled call's steps uses one
iterator for the whole fit (``repeat``). The module is imported lazily, and only when
Keras runs on TensorFlow; the other backends use ``ShuffledBatches``.
"""

import math

import numpy as np
import tensorflow as tf

from skvae._nn._tf_threads import thread_limit


class EpochShuffledDataset:
    """Mini-batches ``(x,)`` of ``X`` in an order the trainer renews every epoch.

    ``keras.Model.fit`` (with no ``steps_per_epoch``) iterates :attr:`dataset` afresh every
    epoch, as it does a ``PyDataset``, so every epoch ends where its data end: a group of
    ``steps_per_execution`` steps never runs on into the next epoch's batches. Call
    :meth:`next_epoch` before each epoch (``skvae._nn._trainer`` does it from a callback's
    ``on_epoch_begin``, which Keras runs before it creates the epoch's iterator).

    With ``repeat``, :attr:`dataset` repeats the epochs without end, for
    ``Model.fit(steps_per_epoch=len(batches))``, which then keeps one iterator for the whole
    fit. Each batch is gathered when a training step asks for it (nothing is prefetched,
    which would read the order before :meth:`next_epoch` renews it), so use it only when
    ``steps_per_execution`` divides the steps per epoch: a compiled call then never runs
    on into the next epoch's batches.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns), float32
        Model input rows, held in memory.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int or sequence of int
        Seed of the private ``numpy.random.Generator`` that draws each epoch's order (the
        same draws as ``ShuffledBatches(X, batch_size, seed)``).
    repeat : bool, default=False
        Repeat the epochs without end (see above).

    Attributes
    ----------
    dataset : tf.data.Dataset
        The batches of the current epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._tf_data import EpochShuffledDataset
    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> batches = EpochShuffledDataset(X, batch_size=2, seed=0)
    >>> len(batches), [len(x) for (x,) in batches.dataset]
    (3, [2, 2, 1])
    >>> def epoch():
    ...     batches.next_epoch()
    ...     return [x.numpy()[:, 0].tolist() for (x,) in batches.dataset]
    >>> first, second = epoch(), epoch()
    >>> first != second and sorted(sum(first, [])) == sorted(sum(second, []))
    True
    """

    def __init__(self, X, batch_size, seed, repeat=False):
        n_rows, batch_size = len(X), int(batch_size)
        self.repeat = bool(repeat)
        self.n_rows, self.batch_size = n_rows, batch_size
        self.steps = math.ceil(n_rows / batch_size)
        self._rng = np.random.default_rng(seed)
        # Keras resets a PyDataset (calls its on_epoch_end) before the first epoch, so
        # ShuffledBatches' first epoch reads the *second* permutation of its generator. The
        # first one drawn here stands in until next_epoch draws the second: both inputs then
        # give the same batches, hence the same fit.
        with tf.device("CPU:0"):  # read by tf.data on the host, whatever the devices
            self._order = tf.Variable(self._draw_order(), trainable=False, name="epoch_order")
            # Captured by reference in the tf.data function (not embedded as a graph
            # constant), so X of any size works.
            data = tf.convert_to_tensor(X)
        order = self._order

        def batch(i):
            rows = order[i * batch_size : tf.minimum((i + 1) * batch_size, n_rows)]
            # Keras reads a 1-tuple as (x,): no targets, the loss reads x alone.
            return (tf.gather(data, rows),)

        steps = tf.data.Dataset.range(self.steps)
        dataset = (steps.repeat() if self.repeat else steps).map(batch)
        # Under a multi-worker strategy each worker reads its share of every global batch
        # (sharding by data). The default policy first tries sharding by input file, which
        # this dataset does not have, and fails.
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        # tf.data runs its map and prefetch on a pool of its own, one thread per core unless
        # told otherwise; under a process thread limit (a joblib worker of
        # GridSearchCV(n_jobs=k) sets OMP_NUM_THREADS), size it like TensorFlow's other
        # pools (see _tf_threads).
        limit = thread_limit()
        # No autotuning: freeing the iterator at the end of a fit waited for tf.data's
        # tuning thread, 0.4-0.5 s in about half of the fits (a 50-epoch digits fit took
        # 1.4 s instead of 0.95 s). There is nothing for it to tune: the map runs one
        # batch at a time, and the prefetch below sizes its buffer by itself.
        options.autotune.enabled = False
        if limit is not None:
            options.threading.private_threadpool_size = limit
            options.threading.max_intra_op_parallelism = limit
        if self.repeat:
            # No batch may be gathered ahead of its step (see the class docstring):
            # tf.data's default rewrites would add a prefetch.
            options.experimental_optimization.inject_prefetch = False
            self.dataset = dataset.with_options(options)
        else:
            self.dataset = dataset.with_options(options).prefetch(tf.data.AUTOTUNE)

    def __len__(self):
        return self.steps

    @property
    def steps_per_epoch(self):
        """``steps_per_epoch`` for ``Model.fit``: the steps of an epoch when repeating,
        else None (the dataset ends with its epoch)."""
        return self.steps if self.repeat else None

    def _draw_order(self):
        order, size = self._rng.permutation(self.n_rows), self.batch_size
        # Rows sorted within each batch, as ShuffledBatches reads them.
        return np.concatenate([np.sort(order[i : i + size]) for i in range(0, self.n_rows, size)])

    def next_epoch(self):
        """Draw the next epoch's order; the next iteration of :attr:`dataset` reads it."""
        self._order.assign(self._draw_order())
