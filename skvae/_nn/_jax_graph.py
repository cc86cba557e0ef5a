"""JAX-only: compile a prediction function with ``jax.jit`` (see skvae._nn._graphs).

A Keras model's methods read its variables, which ``jax.jit`` cannot capture as state.
The compiled function therefore takes the variables' current values as an argument and
runs the method inside a ``keras.StatelessScope`` that maps each variable to its value,
as Keras's own JAX trainer does. Weights changed later (``partial_fit``, ``set_weights``)
are picked up at the next call without re-tracing. Array arguments are traced; anything
else (Python ints, bools, floats, None) is a static part of the trace.

Imported lazily, and only when Keras runs on JAX.
"""

import jax
import keras
import numpy as np


def graph_function(method):
    """``method`` (a bound method of a Keras model) compiled with ``jax.jit``.

    Examples
    --------
    Under ``KERAS_BACKEND=jax`` (``tests/nn/test_backends.py`` checks it against eager calls):

    >>> from skvae._nn._jax_graph import graph_function
    >>> fn = graph_function(model.posterior_moments)  # doctest: +SKIP
    >>> fn(inputs_chunk)  # traced once for this shape, then compiled  # doctest: +SKIP
    """
    model = method.__self__

    def pure(values, arrays, statics):
        # arrays: {position: traced array}; statics: ((position, value), ...), hashable.
        args = {**arrays, **dict(statics)}
        with keras.StatelessScope(state_mapping=list(zip(model.variables, values, strict=True))):
            return method(*(args[i] for i in range(len(args))))

    jitted = jax.jit(pure, static_argnums=(2,))

    def call(*args):
        arrays = {i: arg for i, arg in enumerate(args) if isinstance(arg, (np.ndarray, jax.Array))}
        statics = tuple((i, arg) for i, arg in enumerate(args) if i not in arrays)
        values = [variable.value for variable in model.variables]
        return jitted(values, arrays, statics)

    return call
