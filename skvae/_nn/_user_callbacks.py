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
    ValueError
        For a ``keras.callbacks.ModelCheckpoint`` that saves whole models: skvae's
        internal model holds the table's layout and is not a Keras-serialisable model, so
        Keras's save would fail at the first checkpoint, telling the user to implement
        ``get_config`` on it.

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
        return _without_whole_model_checkpoints((callbacks,))
    if isinstance(callbacks, (list, tuple)):
        wrong = [c for c in callbacks if not isinstance(c, keras.callbacks.Callback)]
        if not wrong:
            return _without_whole_model_checkpoints(tuple(callbacks))
        kind = type(callbacks).__name__
        received = f"a {kind} holding {wrong[0]!r} ({type(wrong[0]).__name__})"
    else:
        received = f"{callbacks!r} ({type(callbacks).__name__})"
    raise TypeError(
        "callbacks must be a keras.callbacks.Callback or a list of them, as "
        f"keras.Model.fit takes; got {received}"
    )


def _without_whole_model_checkpoints(callbacks):
    """``callbacks``, after refusing a ModelCheckpoint that would save the whole model."""
    for callback in callbacks:
        # Keras's own class only: a subclass may save otherwise, and is left alone.
        if type(callback) is keras.callbacks.ModelCheckpoint and not callback.save_weights_only:
            raise ValueError(
                "keras.callbacks.ModelCheckpoint can only save the weights of skvae's "
                "internal model (a whole .keras model of it cannot be rebuilt without the "
                "estimator); pass save_weights_only=True with a '.weights.h5' path, or save "
                "the fitted estimator with skvae.save (EarlyStopping(restore_best_weights="
                "True) keeps the best epoch's weights in it)"
            )
    return callbacks


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
