"""Ctrl-C during ``skvae fit``: the first one stops training and keeps the model so far.

This module imports Keras (and so its backend) when imported: the command line imports it
only once a fit is about to start, so ``skvae --help`` stays quick.
"""

import contextlib
import signal
import sys
import threading

import keras


class StopWhenInterrupted(keras.callbacks.Callback):
    """A Keras callback that ends training after the current batch once ``event`` is set.

    Setting ``model.stop_training`` ends a skvae fit cleanly: the estimator is fitted with
    the weights so far (the best epoch's, with ``early_stopping``); see
    :meth:`skvae.VAETransformer.fit`.

    Parameters
    ----------
    event : threading.Event
        Set (by a signal handler, say) to ask training to stop.

    Examples
    --------
    >>> import threading
    >>> import numpy as np
    >>> from skvae import VAETransformer
    >>> from skvae._cli._interrupt import StopWhenInterrupted
    >>> event = threading.Event()
    >>> event.set()  # as if Ctrl-C came before the first batch ended
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> vae = VAETransformer(max_iter=50, batch_size=50, random_state=0)
    >>> vae.fit(X, callbacks=[StopWhenInterrupted(event)]).n_iter_
    1
    """

    def __init__(self, event):
        super().__init__()
        self.event = event

    def on_train_batch_end(self, batch, logs=None):
        if self.event.is_set():
            self.model.stop_training = True


@contextlib.contextmanager
def first_interrupt_stops_training():
    """During fit, a first Ctrl-C ends training after the current steps and keeps the
    weights so far (the best ones with --early-stopping); a second one aborts.

    The first Ctrl-C prints a note on stderr; the second raises ``KeyboardInterrupt``.
    On leaving, the previous SIGINT handler is back. Outside the main thread (where
    signal handlers cannot be set) Ctrl-C is left as it is.

    Yields
    ------
    stop : threading.Event
        Set once a first Ctrl-C came: tells, afterwards, whether training was stopped.
    callback : StopWhenInterrupted
        The Keras callback to pass to ``fit``; it ends training once ``stop`` is set.

    Examples
    --------
    >>> import signal
    >>> from skvae._cli._interrupt import first_interrupt_stops_training
    >>> before = signal.getsignal(signal.SIGINT)
    >>> with first_interrupt_stops_training() as (stop, callback):
    ...     signal.raise_signal(signal.SIGINT)  # a first Ctrl-C: noted, not raised
    ...     print(stop.is_set())
    True
    >>> signal.getsignal(signal.SIGINT) is before
    True
    """
    interrupted = threading.Event()

    def handler(signum, frame):
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        print(
            "stopping after the current steps; Ctrl-C again to abort without saving",
            file=sys.stderr,
        )

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl-C as it is
        previous = None
    try:
        yield interrupted, StopWhenInterrupted(interrupted)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
