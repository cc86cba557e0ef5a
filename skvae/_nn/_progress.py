"""One live progress bar per fit (``verbose=1``): epochs done, loss, validation loss, ETA.

Keras's own ``verbose=1`` draws a bar per *epoch* over its batches, which for small tables
flickers through hundreds of bars; a fit is better shown as one bar over its epochs.
``verbose=2`` keeps Keras's lines per epoch (its number, then its losses), which suit
logs and pipes.
"""

import keras


class EpochProgressBar(keras.callbacks.Callback):
    """A ``keras.utils.Progbar`` over a fit's epochs, updated at the end of each.

    Parameters
    ----------
    epochs : int
        The most epochs the fit can run (early stopping may end it sooner; the bar is then
        closed at the epoch reached).

    Examples
    --------
    >>> from skvae._nn._progress import EpochProgressBar
    >>> EpochProgressBar(epochs=10).epochs
    10
    """

    # The numbers the bar shows, as the last epoch's values (not running averages).
    SHOWN = ("loss", "val_loss")

    def __init__(self, epochs):
        super().__init__()
        self.epochs = int(epochs)
        self.bar = None
        self.done = 0

    def on_train_begin(self, logs=None):
        self.bar = keras.utils.Progbar(
            self.epochs, unit_name="epoch", stateful_metrics=list(self.SHOWN)
        )
        self.done = 0

    def on_epoch_end(self, epoch, logs=None):
        self.done = epoch + 1
        values = [(name, float(logs[name])) for name in self.SHOWN if name in (logs or {})]
        self.bar.update(self.done, values=values)

    def on_train_end(self, logs=None):
        if self.bar is not None and self.done < self.epochs:
            # Stopped early: close the bar where training ended.
            self.bar.update(self.done, finalize=True)
