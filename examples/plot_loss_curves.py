"""
Training curves
===============

``history_`` records, per epoch and in nats per row, the training objective (``loss``),
the reconstruction term and the KL term of the ELBO, and with ``early_stopping=True`` the
same three on a held-out validation split. :func:`skvae.plot.loss_curves` draws them.

With ``kl_warmup`` the KL weight rises from 0 over the first epochs (the dotted line marks
the end of the warm-up). While the weight is small, the KL term grows faster than without
warm-up, and the training ``loss``, which weights it less, runs below ``val_loss``: the
validation loss is always the unweighted negative ELBO.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from skvae import VAETransformer
from skvae.plot import loss_curves

X, _ = load_digits(return_X_y=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained", sharey=True)
for ax, warmup in zip(axes, [0, 8], strict=True):
    vae = VAETransformer(
        n_components=8,
        hidden_layer_sizes=(128, 64),
        kl_warmup=warmup,
        early_stopping=True,
        max_iter=20,
        random_state=0,
    ).fit(X)
    loss_curves(vae, ax=ax)
    ax.set_title(f"kl_warmup={warmup}: {vae.n_active_units_} of 8 units active")
