"""
Sampled rows next to real rows
==============================

``sample`` draws new rows from the generative model: z from the aggregate posterior (a
Gaussian mixture fitted on the training rows' codes; ``latent="prior"`` draws from
N(0, I)), then x from p(x | z), observation noise included, with each numeric column's
marginal calibrated to the training rows' (``marginals="auto"``). This example compares
samples with real data three ways: as images (digits), as per-column histograms and as
correlation matrices (wine, a table of 13 chemical measurements), with the distances of
:mod:`skvae.metrics` in the titles.
"""

# %%
# Digits: real images on top, sampled images below, and reconstructions of the real ones.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits, load_wine

from skvae import VAETransformer
from skvae.plot import correlations, marginals, reconstructions

X, _ = load_digits(return_X_y=True)
vae = VAETransformer(
    n_components=8,
    likelihood="heteroscedastic",
    var_floor=0.03,
    hidden_layer_sizes=(128, 64),
    max_iter=30,
    random_state=0,
).fit(X)
sampled = vae.sample(10, random_state=0)

fig, axes = plt.subplots(2, 10, figsize=(8, 2), layout="constrained")
for k in range(10):
    axes[0, k].imshow(X[k].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    axes[1, k].imshow(np.clip(sampled[k], 0, 16).reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
for axis in axes.ravel():
    axis.set_axis_off()
fig.suptitle("Real digits (top) and digits sampled from the VAE (bottom)")

# %%
# ``reconstructions`` shows what the model keeps of each real row: the decoder mean of
# its posterior mean.
ax = reconstructions(vae, X, n_rows=10, image_shape=(8, 8))

# %%
# Wine: histograms of real and sampled values for six columns; the titles give the
# Kolmogorov-Smirnov statistic (0 is a perfect match).
wine = load_wine(as_frame=True).data
tabular = VAETransformer(
    n_components=4, hidden_layer_sizes=(32,), batch_size=64, max_iter=150, random_state=0
).fit(wine)
fig = marginals(tabular, wine)

# %%
# The correlation matrices of real and sampled wine rows, side by side.
fig = correlations(tabular, wine)
