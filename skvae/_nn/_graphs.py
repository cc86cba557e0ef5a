"""Prediction functions compiled once per model: TensorFlow graphs, JAX jit, eager torch.

Prediction calls a model method on fixed-size chunks of rows (see
``skvae._vae._base._predict_in_batches``). Run eagerly, a chunk of a small tabular network
costs far more in per-operation dispatch than in arithmetic (about 20 ms against 3 ms for
512 rows of a 50-128-128-8 encoder on CPU); as a TensorFlow graph it is traced once per
method and input shape and then runs at the speed of its kernels. Under JAX the same
holds for ``jax.jit`` (see ``skvae._nn._jax_graph``).
"""

import keras


def compiled(method):
    """``method``, a bound method of a Keras model, compiled for repeated calls.

    Under TensorFlow, a ``tf.function`` of it, cached on the model so that each method is
    traced once per input shape (NumPy arrays are traced as tensors of their shape;
    Python scalars are part of the trace). Under JAX, a ``jax.jit`` of it that takes the
    model's variable values as an argument (``skvae._nn._jax_graph``), cached likewise. Under
    PyTorch it runs eagerly.

    Parameters
    ----------
    method : bound method
        A method of a Keras model taking arrays (and Python constants) and returning a
        tensor.

    Returns
    -------
    function : callable
        Called as ``method`` is; returns a backend tensor.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skvae._nn._graphs import compiled
    >>> class Doubler(keras.Model):
    ...     def double(self, x):
    ...         return 2 * keras.ops.convert_to_tensor(x)
    >>> model = Doubler()
    >>> np.asarray(compiled(model.double)(np.ones((2, 1), np.float32))).ravel().tolist()
    [2.0, 2.0]
    >>> compiled(model.double) is compiled(model.double)
    True
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from skvae._nn._tf_graph import graph_function
    elif backend == "jax":
        from skvae._nn._jax_graph import graph_function
    else:
        return method

    model = method.__self__
    # Stored in the instance's __dict__ directly: Keras tracks attributes set on a model,
    # and these functions are neither weights nor layers. They die with the model.
    graphs = model.__dict__.setdefault("_skvae_graphs", {})
    name = method.__func__.__name__
    if name not in graphs:
        graphs[name] = graph_function(method)
    return graphs[name]
