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


def factor_analysis_scores(estimator, X):
    """log p(x_observed) of each row of the array X under a fitted linear-Gaussian
    estimator read as factor analysis, computed with scipy from its public attributes
    (``decoder_`` weights, ``noise_variance_``, ``mean_``, ``scale_``) and its latent
    prior (the imputer's fitted mixture, else the standard normal); no background share.
    An independent check of skvae._vae._exact_density."""
    import numpy as np
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    W, b = (np.asarray(w, dtype=np.float64) for w in estimator.decoder_.get_weights())
    q = W.shape[0]
    prior = (
        (estimator.prior_weights_, estimator.prior_means_, estimator.prior_covariances_)
        if getattr(estimator, "prior_weights_", None) is not None
        else (np.ones(1), np.zeros((1, q)), np.eye(q)[None])
    )
    loadings = W * estimator.scale_
    out = []
    for row in np.asarray(X, dtype=np.float64):
        seen = ~np.isnan(row)
        if not seen.any():
            out.append(0.0)
            continue
        parts = []
        for weight, mean, cov in zip(*prior, strict=True):
            x_mean = estimator.mean_ + estimator.scale_ * (mean @ W + b)
            x_cov = loadings.T @ cov @ loadings + np.diag(estimator.noise_variance_)
            parts.append(
                np.log(weight)
                + multivariate_normal(x_mean[seen], x_cov[np.ix_(seen, seen)]).logpdf(row[seen])
            )
        out.append(logsumexp(parts))
    return np.array(out)
