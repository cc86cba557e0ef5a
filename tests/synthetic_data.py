"""Synthetic data sets with known latent structure, shared by the tests."""

import numpy as np


def ppca_data(n_rows, seed=0):
    """Rows of a pPCA model: 3 latent factors, 10 features, isotropic noise 0.5 ** 2."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, 10))
    Z = rng.normal(size=(n_rows, 3))
    return Z @ W + 0.5 * rng.normal(size=(n_rows, 10)) + 2.0


# A linear VAE that reaches the pPCA maximum-likelihood solution on ppca_data(2000+ rows).
LINEAR_VAE_PARAMS = dict(
    n_components=3,
    hidden_layer_sizes=(),
    max_iter=150,
    learning_rate=1e-2,
    batch_size=100,
    random_state=0,
)


def two_factor_data(n_rows=600, seed=0):
    """Rows driven by 2 latent factors in 8 features, with noise of standard deviation 0.3."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n_rows, 2))
    W = rng.normal(size=(2, 8))
    return Z @ W + 0.3 * rng.normal(size=(n_rows, 8))
