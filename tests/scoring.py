"""Scores of a fitted VAE estimator without the background share of score_samples
(skvae._vae._background), for tests of the network's importance-sampled bound itself."""


def network_scores(estimator, X):
    """``estimator.score_samples(X)`` from the model alone: the importance-sampled bound
    that the estimator mixes with its background (the estimator is left as it was; an
    estimator without a background, such as the VQ-VAE, scores as usual)."""
    if not hasattr(estimator, "_background"):
        return estimator.score_samples(X)
    background = estimator._background
    estimator._background = None
    try:
        return estimator.score_samples(X)
    finally:
        estimator._background = background
