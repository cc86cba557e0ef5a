"""TensorFlow-only: compile a prediction function into a graph (see skvae._nn._graphs).

Imported lazily, and only when Keras runs on TensorFlow.
"""

import contextlib
import logging

import tensorflow as tf


class OwnTraceCount:
    """``fn`` behind an object of its own, for ``tf.function``.

    TensorFlow counts a function's traces by its code object, so the closures of one
    function, or one method of many models, added to one count although each is traced
    once, as it must be (a graph per model, per architecture, per input shape), and it
    warned of "excessive retracing" after five models in a process (a grid search). An
    object has no code object: each function then counts its own traces.

    Examples
    --------
    >>> from skvae._nn._tf_graph import OwnTraceCount
    >>> OwnTraceCount(lambda x, y=1: x + y)(2, y=3)
    5
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def graph_function(fn, any_rows=False):
    """``fn`` as a ``tf.function``: traced once per input signature, then run as a graph.

    With ``any_rows``, a second input shape traces a graph for inputs of any number of
    rows (``reduce_retracing``), which serves every later shape too.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._tf_graph import graph_function
    >>> double = graph_function(lambda x: 2 * x)
    >>> double(np.ones(2, np.float32)).numpy().tolist()
    [2.0, 2.0]
    """
    # autograph=False: the model methods are straight-line keras.ops code.
    return tf.function(OwnTraceCount(fn), autograph=False, reduce_retracing=any_rows)


def shared_graph_function(method, state):
    """``method`` of a template model as one ``tf.function`` for every model like it.

    The graph takes the values of a model's variables as inputs: it runs ``method`` of
    the template (``method.__self__``) inside a ``keras.StatelessScope`` that maps each of
    the template's variables (``state(template)``) to the matching value, as
    ``skvae._nn._jax_graph`` does under JAX. Called as ``call(model, *args)``, it runs
    the method with ``model``'s values, so models of one architecture share one trace.
    The method must not assign variables (the scope would swallow the assignment).

    Each call signature (array shapes and dtypes, the other arguments' values) gets a
    ``tf.function`` of its own, traced once: one function traced for many signatures
    would warn of "excessive retracing" although every trace is needed.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skvae._nn._tf_graph import shared_graph_function
    >>> class Scale(keras.Model):
    ...     def __init__(self, factor):
    ...         super().__init__()
    ...         self.factor = self.add_weight(shape=(), initializer="zeros")
    ...         self.factor.assign(factor)
    ...     def scale(self, x):
    ...         return self.factor * x
    >>> call = shared_graph_function(Scale(2.0).scale, lambda model: model.variables)
    >>> float(call(Scale(3.0), np.float32(1.0)))
    3.0
    """
    import keras

    template_state = state(method.__self__)

    def pure(values, *args):
        mapping = list(zip(template_state, values, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return method(*args)

    graphs = {}

    def call(model, *args):
        signature = tuple(
            (tuple(arg.shape), str(arg.dtype)) if hasattr(arg, "shape") else ("value", arg)
            for arg in args
        )
        graph = graphs.get(signature)
        if graph is None:
            graph = graphs[signature] = tf.function(OwnTraceCount(pure), autograph=False)
        return graph([variable.value for variable in state(model)], *args)

    return call


class KerasStepRetracingFilter(logging.Filter):
    """Drops TensorFlow's "excessive retracing" warning about Keras's training and test
    steps.

    Keras builds each model's training step from one nested function, whose code object
    TensorFlow counts traces by, so the steps of different models add to one count. A grid
    search trains a new architecture every few fits, each traced once as it must be, and
    from the fifth TensorFlow warned that "5 out of the last 9 calls to
    <function TensorFlowTrainer._make_function.<locals>.multi_step_on_iterator>
    triggered tf.function retracing", advice that does not apply. The warnings of other
    functions pass.

    Examples
    --------
    >>> import logging
    >>> from skvae._nn._tf_graph import KerasStepRetracingFilter
    >>> def record(message):
    ...     return logging.LogRecord("tensorflow", logging.WARNING, "", 0, message, None, None)
    >>> keep = KerasStepRetracingFilter().filter
    >>> keep(record("5 out of the last 9 calls to <function TensorFlowTrainer."
    ...             "_make_function.<locals>.multi_step_on_iterator at 0x1> triggered "
    ...             "tf.function retracing. Tracing is expensive ..."))
    False
    >>> keep(record("5 out of the last 5 calls to <function f at 0x1> triggered "
    ...             "tf.function retracing. Tracing is expensive ..."))
    True
    """

    def filter(self, record):
        message = record.getMessage()
        return not ("TensorFlowTrainer." in message and "tf.function retracing" in message)


@contextlib.contextmanager
def quiet_keras_step_retracing():
    """Within the block, TensorFlow's logger drops the retracing warnings of Keras's steps
    (:class:`KerasStepRetracingFilter`); the filter is removed on the way out.

    Examples
    --------
    >>> import logging
    >>> from skvae._nn._tf_graph import quiet_keras_step_retracing
    >>> with quiet_keras_step_retracing():
    ...     len(logging.getLogger("tensorflow").filters) >= 1
    True
    """
    logger = logging.getLogger("tensorflow")
    step_filter = KerasStepRetracingFilter()
    logger.addFilter(step_filter)
    try:
        yield
    finally:
        logger.removeFilter(step_filter)
