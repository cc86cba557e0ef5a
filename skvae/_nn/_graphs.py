"""Prediction functions compiled once per model: TensorFlow graphs, JAX jit, eager torch.

Prediction calls a model method on fixed-size chunks of rows (see
``skvae._vae._base._predict_in_batches``). Run eagerly, a chunk of a small tabular network
costs far more in per-operation dispatch than in arithmetic (about 20 ms against 3 ms for
512 rows of a 50-128-128-8 encoder on CPU); as a TensorFlow graph it is traced once per
method and input shape and then runs at the speed of its kernels. Under JAX the same
holds for ``jax.jit`` (see ``skvae._nn._jax_graph``).

Models that define ``reuse_key`` (the VAE) can also share one graph per architecture
(:func:`shared_compiled`), under TensorFlow and under JAX: each new estimator's first
``score_samples`` or ``transform`` then runs at once instead of tracing its own graph first
(about 0.3 s for a small table's model under TensorFlow, 1 to 2 s under JAX), which
matters when ``GridSearchCV`` scores dozens of folds.
"""

import functools
import threading
from collections import OrderedDict

import keras

# Shared graphs, by (architecture, method): at most this many, the least recently used
# dropped first. Each holds its template model.
MAX_SHARED_GRAPHS = 64
_SHARED_GRAPHS = OrderedDict()
_SHARED_LOCK = threading.Lock()


def clear_shared_graphs():
    """Drop every shared prediction graph (and the template model each holds).

    Examples
    --------
    >>> from skvae._nn._graphs import clear_shared_graphs
    >>> clear_shared_graphs()
    """
    with _SHARED_LOCK:
        _SHARED_GRAPHS.clear()


def shared_compiled(method):
    """``method`` run by the graph its model's architecture shares (TensorFlow or JAX, and
    models with ``reuse_key``), else :func:`compiled`.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skvae._nn._graphs import shared_compiled
    >>> class Doubler(keras.Model):
    ...     def double(self, x):
    ...         return 2 * keras.ops.convert_to_tensor(x)
    >>> np.asarray(shared_compiled(Doubler().double)(np.ones(1, np.float32))).tolist()
    [2.0]
    """
    model = method.__self__
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax") or not hasattr(model, "reuse_key"):
        return compiled(method)
    if backend == "tensorflow":
        from skvae._nn._tf_graph import shared_graph_function
    else:
        from skvae._nn._jax_graph import shared_graph_function

    key = (model.reuse_key(), method.__func__.__name__)
    with _SHARED_LOCK:
        graph = _SHARED_GRAPHS.get(key)
        if graph is None:
            graph = _SHARED_GRAPHS[key] = shared_graph_function(
                method, lambda model: model.state_variables()
            )
        _SHARED_GRAPHS.move_to_end(key)
        while len(_SHARED_GRAPHS) > MAX_SHARED_GRAPHS:
            _SHARED_GRAPHS.popitem(last=False)
    return functools.partial(graph, model)


def compiled(method, any_rows=False):
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
    any_rows : bool, default=False
        Under TensorFlow, trace a graph for any number of rows once a second shape comes
        (for inputs whose row count varies, such as validation rows); the default traces
        each shape (prediction pads every chunk to one shape).

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
        options = {"any_rows": any_rows} if backend == "tensorflow" else {}
        graphs[name] = graph_function(method, **options)
    return graphs[name]
