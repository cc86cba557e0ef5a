"""Training curves of a fitted VAE: loss, reconstruction and KL per epoch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skvae.plot._data import check_not_pipeline
from skvae.plot._figure import single_axes

HISTORY_KEYS = ("loss", "reconstruction", "kl")


def loss_curves(estimator, ax=None):
    """Per-epoch training curves from ``history_``: loss, reconstruction and KL.

    Validation curves (``val_loss``, ``val_reconstruction``, ``val_kl``, recorded with
    ``early_stopping=True``) are drawn dashed in the colour of their training curve. With
    ``kl_warmup`` a dotted line marks the end of the warm-up. A VQVAETransformer's curves
    (``loss`` and ``reconstruction``; it has no KL warm-up) are drawn as well.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector, VAEImputer or VQVAETransformer
        The model whose ``history_`` to draw.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import loss_curves
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> ax = loss_curves(vae)
    >>> [line.get_label() for line in ax.get_lines()]
    ['loss', 'reconstruction', 'kl']
    """
    check_not_pipeline(estimator, "loss_curves")
    check_is_fitted(estimator, "history_")
    ax = single_axes(ax, (6, 4))
    history = estimator.history_
    epochs = np.arange(1, estimator.n_iter_ + 1)
    for key in HISTORY_KEYS:
        if key not in history:
            continue
        (line,) = ax.plot(epochs, history[key], label=key)
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "--", color=line.get_color(), label=f"val_{key}")
    warmup = getattr(estimator, "kl_warmup_epochs_", 0)  # a VQ-VAE has no KL warm-up
    if warmup:
        ax.axvline(warmup, color="0.5", linestyle=":", label="end of KL warm-up")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per row")
    ax.set_title(f"Training curves ({estimator.n_iter_} epochs)")
    ax.legend()
    return ax
