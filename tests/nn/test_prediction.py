"""predict_in_batches: fixed-size chunks, padded, with per-row arguments chunked alongside."""

import keras
import numpy as np

from skvae._nn._prediction import predict_in_batches


class _Adder(keras.Model):
    def add(self, x, per_row, shared):
        return keras.ops.convert_to_tensor(x) + per_row + shared


def test_per_row_arguments_are_chunked_and_padded_with_the_rows():
    """Each row gets its own entry of row_args (10 rows in chunks of 4: the last chunk
    padded), and the shared arguments reach every chunk unchanged."""
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    per_row = 100 * np.arange(10, dtype=np.float32)[:, None] * np.ones(2, np.float32)
    shared = np.array([0.5, -0.5], np.float32)
    out = predict_in_batches(_Adder().add, X, 4, shared, row_args=(per_row,))
    np.testing.assert_array_equal(out, X + per_row + shared)


def test_reading_weights_raises_no_numpy_copy_deprecation():
    """Fitting and using a linear imputer (which reads its decoder's weights into NumPy)
    emits no NumPy 2 DeprecationWarning about ``__array__`` and its copy keyword: such a
    warning made every fit fail under ``-W error::DeprecationWarning``."""
    import warnings

    from sklearn.datasets import load_wine

    from skvae import VAEImputer
    from skvae._nn._prediction import to_numpy

    X = load_wine(return_X_y=True)[0][:80]
    X[::5, 2] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = VAEImputer(max_iter=2, random_state=0).fit(X).transform(X)
        weights = to_numpy(keras.Variable([1.5, -2.0]))
    assert not [w for w in caught if "copy keyword" in str(w.message)], caught
    assert not np.isnan(filled).any() and weights.tolist() == [1.5, -2.0]
