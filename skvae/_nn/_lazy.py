"""Import skvae's Keras-backed modules on first use, leaving global random state as it was.

``import skvae`` stays light: Keras (and its backend) is imported only when a model is
built, through :func:`import_keras_module`.
"""

import importlib
import random


def import_keras_module(name):
    """Import module ``name`` (which imports Keras), keeping Python's global random state.

    Keras's first import pulls in ``rich``, which draws from Python's global ``random`` at
    import time; the state is restored so that fitting never changes global random state.

    Examples
    --------
    >>> import random
    >>> from skvae._nn._lazy import import_keras_module
    >>> state = random.getstate()
    >>> trainer = import_keras_module("skvae._nn._trainer")
    >>> random.getstate() == state
    True
    """
    state = random.getstate()
    try:
        return importlib.import_module(name)
    finally:
        random.setstate(state)
