"""Columns constant in training come back as their constant from every method that
returns rows, while score_samples keeps the model's spread for them."""

import numpy as np
import pytest

from skvae import VAEImputer, VAETransformer, VQVAETransformer


@pytest.fixture(scope="module")
def table():
    """Two varying columns and one that is 1e-6 in every row, as an auditor's table."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    return np.c_[z, z + 0.3 * rng.normal(size=200), np.full(200, 1e-6)]


def test_draws_reconstructions_and_fills_of_a_constant_column_are_the_constant(table):
    """sample (also marginals="model"), inverse_transform, the imputer's fills and draws
    and the VQ-VAE's samples give the constant column its training value exactly; they
    used to spread it by the likelihood's floor (-0.03 to 0.14 for 1e-6, and by about 1
    under the VQ-VAE)."""
    vae = VAETransformer(max_iter=3, random_state=0).fit(table)
    holes = table[:4].copy()
    holes[:, 2] = np.nan
    imputer = VAEImputer(max_iter=3, random_state=0).fit(table)
    vq = VQVAETransformer(max_iter=3, random_state=0).fit(table)
    outputs = {
        "sample": vae.sample(300, random_state=0),
        "model draws": vae.sample(300, random_state=0, marginals="model"),
        "inverse_transform": vae.inverse_transform(vae.transform(table[:5])),
        "imputer fills": imputer.transform(holes),
        "imputer draws": imputer.multiple_imputations(holes, 2, random_state=0)[1],
        "VQ-VAE sample": vq.sample(300, random_state=0),
        "VQ-VAE inverse": vq.inverse_transform(vq.transform(table[:5])),
    }
    for name, rows in outputs.items():
        assert np.all(rows[:, 2] == 1e-6), name
    # The varying columns keep their spread, and the density its floor: a held-out row
    # with another value there costs nats, not an infinity.
    assert outputs["model draws"][:, 0].std() > 0.5
    row = table[:1].copy()
    row[0, 2] = 0.5
    assert np.isfinite(vae.score_samples(row)).all()
    assert vae.score_samples(row)[0] < vae.score_samples(table[:1])[0]


def test_a_later_partial_fit_with_another_value_frees_the_column(table):
    """partial_fit rows that hold another value in a constant column make it a varying
    column again: draws are no longer pinned to the first value."""
    vae = VAETransformer(random_state=0).partial_fit(table)
    assert np.all(vae.sample(50, random_state=0, marginals="model")[:, 2] == 1e-6)
    varied = table.copy()
    varied[:, 2] = np.random.default_rng(1).normal(size=len(table))
    vae.partial_fit(varied)
    draws = vae.sample(50, random_state=0, marginals="model")[:, 2]
    assert np.unique(draws).size > 1
