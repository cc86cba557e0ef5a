"""
Digits in a two-dimensional latent space
========================================

A VAE with ``n_components=2`` compresses each 8 x 8 digit image into two numbers: the
posterior mean that ``transform`` returns. Colouring the codes by the (unused) digit label
shows that the model has sorted the images by shape without ever seeing a label. The
second plot decodes a grid of latent points back into images, the generative side of the
same map.
"""

# %%
# Fit a small VAE on the 1797 digits. ``random_state`` makes the fit, and therefore the
# picture, reproducible.
from sklearn.datasets import load_digits

from skvae import VAETransformer
from skvae.plot import latent_space, latent_traversal

X, y = load_digits(return_X_y=True)
vae = VAETransformer(n_components=2, hidden_layer_sizes=(128, 64), max_iter=40, random_state=0)
vae.fit(X)
print(f"{vae.n_active_units_} of 2 latent units active; KL per unit {vae.kl_per_dimension_}")

# %%
# Each point is one image's posterior mean; the bold numbers mark each digit's median.
ax = latent_space(vae, X, y)

# %%
# Decoder means over a 9 x 9 grid from -2 to 2 prior standard deviations in each latent
# dimension: neighbouring codes decode to similar images.
ax = latent_traversal(vae, n_steps=9, image_shape=(8, 8))
