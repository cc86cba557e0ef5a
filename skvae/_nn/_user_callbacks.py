"""The user's Keras callbacks given to ``fit``: checked first, let go of the model after.

``keras.Model.fit`` takes one callback or a list of them; so does skvae's ``fit``. After
training, each callback still points at the model it saw (skvae's internal VAE, which has
no ``get_config`` and so cannot be pickled), so a callback object reused in a later
``GridSearchCV(n_jobs=k)`` could not be sent to the workers: the reference is dropped
when training ends.
"""

import contextlib

import keras


def checked_callbacks(callbacks):
    """The user's callbacks as a tuple: None, one callback, or a list or tuple of them.

    Parameters
    ----------
    callbacks : keras.callbacks.Callback, list or tuple of them, or None
        What ``fit(X, callbacks=...)`` received.

    Returns
    -------
    callbacks : tuple of keras.callbacks.Callback

    Raises
    ------
    TypeError
        If anything else is given, naming what was received.

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._user_callbacks import checked_callbacks
    >>> stop = keras.callbacks.EarlyStopping()
    >>> checked_callbacks(stop) == (stop,), checked_callbacks(None)
    (True, ())
    >>> checked_callbacks(["stop"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: callbacks must be ...; got a list holding 'stop' (str)
    """
    if callbacks is None:
        return ()
    if isinstance(callbacks, keras.callbacks.Callback):
        return (callbacks,)
    if isinstance(callbacks, (list, tuple)):
        wrong = [c for c in callbacks if not isinstance(c, keras.callbacks.Callback)]
        if not wrong:
            return tuple(callbacks)
        kind = type(callbacks).__name__
        received = f"a {kind} holding {wrong[0]!r} ({type(wrong[0]).__name__})"
    else:
        received = f"{callbacks!r} ({type(callbacks).__name__})"
    raise TypeError(
        "callbacks must be a keras.callbacks.Callback or a list of them, as "
        f"keras.Model.fit takes; got {received}"
    )


@contextlib.contextmanager
def released_when_done(callbacks):
    """Run a block (the training), then detach ``callbacks`` from the model they saw,
    whether the block ended normally or raised.

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._user_callbacks import released_when_done
    >>> callback = keras.callbacks.Callback()
    >>> with released_when_done([callback]):
    ...     callback.set_model("the model")
    >>> callback.model is None
    True
    """
    try:
        yield
    finally:
        for callback in callbacks:
            callback.set_model(None)
