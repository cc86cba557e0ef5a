"""Pictures of a fitted VAE (being split into modules; see skvae.plot._latent)."""

from skvae.plot._latent import (
    anomaly_scores,
    correlations,
    latent_space,
    latent_traversal,
    loss_curves,
    marginals,
    reconstructions,
    report,
    report_numbers,
)

__all__ = [
    "anomaly_scores",
    "correlations",
    "latent_space",
    "latent_traversal",
    "loss_curves",
    "marginals",
    "reconstructions",
    "report",
    "report_numbers",
]
