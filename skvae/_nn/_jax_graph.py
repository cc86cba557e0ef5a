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
    call = shared_graph_function(method, lambda model: model.variables)
    return lambda *args: call(model, *args)


def shared_graph_function(method, state):
    """``method`` of a template model as one ``jax.jit`` for every model like it.

    The jitted function takes the values of a model's variables (``state(model)``) as an
    argument and runs ``method`` of the template (``method.__self__``) inside a
    ``keras.StatelessScope`` that maps the template's variables to them. Called as
    ``call(model, *args)``, it runs the method with ``model``'s values, so models of one
    architecture share one compilation (the twin of
    ``skvae._nn._tf_graph.shared_graph_function``). The method must not assign variables.

    Examples
    --------
    Under ``KERAS_BACKEND=jax`` (``tests/nn/test_backends.py`` checks that a second model
    of the architecture compiles nothing):

    >>> from skvae._nn._jax_graph import shared_graph_function
    >>> call = shared_graph_function(template.posterior_moments,  # doctest: +SKIP
    ...                              lambda model: model.state_variables())
    >>> call(other_model, inputs_chunk)  # other_model's weights  # doctest: +SKIP
    """
    template_state = state(method.__self__)

    def pure(values, arrays, statics):
        # arrays: {position: traced array}; statics: ((position, value), ...), hashable.
        args = {**arrays, **dict(statics)}
        with keras.StatelessScope(state_mapping=list(zip(template_state, values, strict=True))):
            return method(*(args[i] for i in range(len(args))))

    jitted = jax.jit(pure, static_argnums=(2,))

    def call(model, *args):
        arrays = {i: arg for i, arg in enumerate(args) if isinstance(arg, (np.ndarray, jax.Array))}
        statics = tuple((i, arg) for i, arg in enumerate(args) if i not in arrays)
        return jitted([variable.value for variable in state(model)], arrays, statics)

    return call
