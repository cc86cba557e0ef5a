"""Synthetic data sets with known latent structure, shared by the tests."""

import numpy as np
import pandas as pd


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
    # Gaussian columns (not the Student-t default): then the linear VAE is factor analysis.
    likelihood="gaussian",
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


def mixed_frame(n=600, seed=0, num_mean=0.0, num_scale=1.0, num_noise=0.1):
    """A table whose columns all depend on one latent factor z, one of every kind.

    "num" is ``num_mean + num_scale * z`` plus noise of standard deviation ``num_noise``;
    "count" is Poisson, "flag" boolean, "color" categorical (with a category that never
    occurs) and "name" an object column independent of z.
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    return pd.DataFrame(
        {
            "num": num_mean + num_scale * z + num_noise * rng.normal(size=n),
            "count": rng.poisson(np.exp(0.5 * z + 1)).astype("int64"),
            "flag": (z + 0.3 * rng.normal(size=n)) > 0,
            "color": pd.Categorical(
                np.where(z > 0.5, "red", np.where(z < -0.5, "blue", "green")),
                categories=["blue", "green", "red", "violet"],  # violet never occurs
            ),
            "name": np.where(rng.uniform(size=n) < 0.3, "a", "b").astype(object),
        }
    )
