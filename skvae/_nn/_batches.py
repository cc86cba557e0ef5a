"""Seeded mini-batches for ``keras.Model.fit``.

``keras.Model.fit`` shuffles NumPy arrays with NumPy's *global* generator, which would make
fits depend on (and change) global state. Instead the estimator hands Keras this dataset,
which shuffles with its own generator, so the same seed gives the same batches and global
random state is never touched.
"""

import numpy as np
from keras.utils import PyDataset


class ShuffledBatches(PyDataset):
    """Mini-batches of ``X``, reshuffled at the end of every epoch by a private generator.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The (already scaled, float32) training rows.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int
        Seed of the private ``numpy.random.Generator`` that draws each epoch's order.
    """

    def __init__(self, X, batch_size, seed):
        super().__init__(workers=1, use_multiprocessing=False)
        self._X = X
        self._batch_size = int(batch_size)
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(X))

    def __len__(self):
        return -(-len(self._X) // self._batch_size)

    def __getitem__(self, index):
        rows = self._order[index * self._batch_size : (index + 1) * self._batch_size]
        # Keras treats a 1-tuple as (x,): no targets, the loss reads x alone.
        return (self._X[np.sort(rows)],)

    def on_epoch_end(self):
        self._order = self._rng.permutation(len(self._X))
