"""Batched prediction: a compiled model method applied to fixed-size chunks of rows.

Shared by every VAE estimator's transform, scoring, decoding and imputation paths.
"""

import numpy as np

# Rows per chunk of the encoder/decoder passes of prediction.
PREDICT_BATCH_ROWS = 512
# Rows whose model inputs prediction builds at a time (see LazyModelInputs).
PREDICT_BLOCK_ROWS = 8192
# Rows per chunk of the fit's posterior diagnostics over many training rows. They are means
# over the rows, not outputs per row, so their chunks may be larger than prediction's: a
# compiled call over 512 rows costs about 1.4 ms where the encoder's arithmetic takes
# 0.1 ms, so on 100,000 x 50 rows the pass took 0.27 s in chunks of 512 and 0.11 s in
# chunks of 8,192 (about a quarter of a later fit's fixed cost).
SUMMARY_BATCH_ROWS = 8192


def summary_batch_rows(n_rows):
    """Rows per chunk for a pass that only summarises ``n_rows`` rows: prediction's chunk
    below SUMMARY_BATCH_ROWS rows, else SUMMARY_BATCH_ROWS. Two sizes only, so that a search
    over tables of many sizes traces at most two graphs per architecture.

    Examples
    --------
    >>> from skvae._nn._prediction import summary_batch_rows
    >>> summary_batch_rows(150), summary_batch_rows(100_000)
    (512, 8192)
    """
    return SUMMARY_BATCH_ROWS if n_rows >= SUMMARY_BATCH_ROWS else PREDICT_BATCH_ROWS


def to_numpy(tensor):
    """A backend tensor or a ``keras.Variable`` as a NumPy array.

    Examples
    --------
    >>> import keras
    >>> from keras import ops
    >>> from skvae._nn._prediction import to_numpy
    >>> to_numpy(ops.ones(2)).tolist(), to_numpy(keras.Variable([1.0, 2.0])).tolist()
    ([1.0, 1.0], [1.0, 2.0])
    """
    import keras

    if isinstance(tensor, keras.Variable):
        tensor = tensor.value
    # TensorFlow's tensors read themselves with .numpy(): keras.ops.convert_to_numpy calls
    # np.array on them, which under NumPy 2 warns (DeprecationWarning) that their __array__
    # takes no copy keyword.
    if type(tensor).__module__.startswith("tensorflow") and hasattr(tensor, "numpy"):
        return np.asarray(tensor.numpy())
    return keras.ops.convert_to_numpy(tensor)


class HostWeights:
    """A Keras model mixin: ``get_weights`` reads each variable with :func:`to_numpy`.

    Keras's own reads them with ``np.array(variable)``, which under JAX and NumPy 2 warns
    (DeprecationWarning: the variable's ``__array__`` takes no copy keyword) each time early
    stopping keeps the best weights so far.

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._prediction import HostWeights
    >>> class Model(HostWeights, keras.Model):
    ...     pass
    >>> inputs = keras.Input((2,))
    >>> model = Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    >>> [w.ravel().tolist() for w in model.get_weights()]
    [[1.0, 1.0], [0.0]]
    """

    def get_weights(self):
        return [np.array(to_numpy(variable)) for variable in self.weights]


class LazyModelInputs:
    """Model inputs of coded rows X, built only for the rows asked for.

    Prediction slices its inputs block by block (see :func:`predict_in_batches`), so the
    model inputs of all of X (about twice X's size in float32, plus temporaries) are never
    held at once.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._prediction import LazyModelInputs
    >>> inputs = LazyModelInputs(np.arange(6.0).reshape(3, 2), lambda rows: 2 * rows)
    >>> len(inputs), inputs[1:2].tolist()
    (3, [[4.0, 6.0]])
    """

    def __init__(self, X, build):
        self.X, self.build = X, build

    def __len__(self):
        return len(self.X)

    def __getitem__(self, rows):
        return self.build(self.X[rows])


def predict_in_batches(method, X, batch_rows, *args, row_args=(), progress=False):
    """Apply a model method to fixed-size row chunks of X and stack the NumPy results.

    ``method(chunk, *args)`` is compiled once per architecture (see
    :func:`skvae._nn._graphs.shared_compiled`); it must not assign variables. Arrays in
    ``row_args`` have one entry per row of X and are chunked (and padded) with it:
    ``method(chunk, *row_chunks, *args)``.
    Every chunk has exactly ``batch_rows`` rows (the last is zero-padded): with one input
    shape the backend runs the same kernels (and one traced graph) for every call, so a
    row's float32 result does not depend on how many other rows came with it or where
    it sits among them. X is an array or a LazyModelInputs, read in blocks of
    whole chunks (so the chunks are the same either way). With ``progress``, a call over
    more than one block (over 8,192 rows) shows a progress bar over the rows.
    """
    from skvae._nn._graphs import shared_compiled

    if len(X) == 0:
        raise ValueError("Found array with 0 sample(s); at least 1 is required.")
    fn = shared_compiled(method)
    n_rows = len(X)
    block_rows = batch_rows * max(1, PREDICT_BLOCK_ROWS // batch_rows)
    parts = []
    bar = None
    if progress and n_rows > block_rows:
        import keras

        bar = keras.utils.Progbar(n_rows, unit_name="row")
    for block_start in range(0, n_rows, block_rows):
        block = X[block_start : block_start + block_rows]
        for start in range(0, len(block), batch_rows):
            rows = slice(block_start + start, block_start + start + batch_rows)
            chunks = [_padded(block[start : start + batch_rows], batch_rows)]
            chunks += [_padded(array[rows], batch_rows) for array in row_args]
            parts.append(to_numpy(fn(*chunks, *args))[: min(batch_rows, len(block) - start)])
        if bar is not None:
            bar.update(min(block_start + block_rows, n_rows))
    return np.concatenate(parts, axis=0)


def _padded(chunk, n_rows):
    """``chunk`` with zero rows appended up to ``n_rows``."""
    if len(chunk) == n_rows:
        return chunk
    return np.concatenate([chunk, np.zeros((n_rows - len(chunk),) + chunk.shape[1:], chunk.dtype)])
