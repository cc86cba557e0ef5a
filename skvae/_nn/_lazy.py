"""Import skvae's Keras-backed modules on first use, leaving global random state as it was.

``import skvae`` stays light: Keras (and its backend) is imported only when a model is
built, through :func:`import_keras_module`.
"""

import importlib
import random

import numpy as np


def import_keras_module(name):
    """Import module ``name`` (which imports Keras), keeping Python's and NumPy's global
    random states.

    Keras's first import pulls in ``rich``, which draws from Python's global ``random`` at
    import time, and TensorFlow's first import draws from NumPy's global generator; both
    states are restored so that fitting never changes global random state, not even the
    first fit in a process.

    Examples
    --------
    >>> import random
    >>> from skvae._nn._lazy import import_keras_module
    >>> state = random.getstate()
    >>> trainer = import_keras_module("skvae._nn._trainer")
    >>> random.getstate() == state
    True
    """
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002 - the legacy global generator
    try:
        return importlib.import_module(name)
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002
