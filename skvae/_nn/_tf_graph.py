"""TensorFlow-only: compile a prediction function into a graph (see skvae._nn._graphs).

Imported lazily, and only when Keras runs on TensorFlow.
"""

import tensorflow as tf


def graph_function(fn):
    """``fn`` as a ``tf.function``: traced once per input signature, then run as a graph.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._tf_graph import graph_function
    >>> double = graph_function(lambda x: 2 * x)
    >>> double(np.ones(2, np.float32)).numpy().tolist()
    [2.0, 2.0]
    """
    # autograph=False: the model methods are straight-line keras.ops code.
    return tf.function(fn, autograph=False)
