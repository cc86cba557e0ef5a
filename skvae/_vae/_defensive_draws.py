"""Latent draws for rows with holes: q(z | x_observed) in a defensive mixture with the prior.

Filling, completing or conditioning on the observed part of a row needs draws from
p(z | x_observed). The encoder's q(z | x_observed) proposes them, but it was trained on
whole rows, and for a row missing much of itself it is often far narrower than
p(z | x_observed): resampled in proportion to their importance weights, its draws then
vary too little. Half the draws therefore come from the prior instead, and every draw is
weighted by the density of the mixture (q + p(z)) / 2 (Hesterberg 1995). A weight is then
at most 2 p(x_observed | z), so no row falls back on a few draws, while the draws that q
puts near a rare row's posterior still count. Only the plain Gaussian q has the closed
form that the mixture's density needs; a flow or a hierarchy keeps q alone.
"""

import numpy as np

from skvae._nn._prediction import predict_in_batches


def self_normalised_weights(log_w):
    """Importance weights normalised to sum to 1 over the last axis (the draws).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import self_normalised_weights
    >>> self_normalised_weights(np.log([[1.0, 3.0]])).tolist()
    [[0.25, 0.75]]
    """
    weights = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def log_defensive_ratio(noise, mean, log_var, prior_share=0.5):
    """log(mixture(z) / q(z)) for z = mean + exp(log_var / 2) * noise, where the mixture is
    (1 - prior_share) q(z) + prior_share N(z; 0, I) and q = N(mean, diag exp(log_var));
    subtracted from the log weight p(x_given | z) p(z) / q(z), it gives the mixture's
    weight. The latent dimensions are the last axis; the others broadcast (a row's q
    against its draws).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import log_defensive_ratio
    >>> # q is the prior itself: the mixture equals q.
    >>> float(log_defensive_ratio(np.array([[0.3, -1.0]]), np.zeros(2), np.zeros(2))[0])
    0.0
    """
    z = mean + np.exp(0.5 * log_var) * noise
    # log N(z; 0, I) - log q(z): the normalising constants' 2 pi cancel.
    log_prior_ratio = -0.5 * np.sum(np.square(z) - log_var - np.square(noise), axis=-1)
    return np.logaddexp(np.log1p(-prior_share), np.log(prior_share) + log_prior_ratio)


def with_prior_draws(noise, mean, log_var):
    """``noise`` (float64) with the second half of its draws (the second-to-last axis)
    replaced by the noise that q = N(mean, diag exp(log_var)) turns into z = that half's
    values: draws of the prior N(0, I) fed through q's reparameterisation. ``mean`` and
    ``log_var`` broadcast against the draws (one q per row: shape (..., 1, d)).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import with_prior_draws
    >>> eps, mean, log_var = np.array([[0.5], [-1.0]]), np.array([2.0]), np.log([4.0])
    >>> noise = with_prior_draws(eps, mean, log_var)
    >>> (mean + np.exp(0.5 * log_var) * noise).ravel().tolist()  # q's draw, then eps itself
    [3.0, -1.0]
    """
    half = noise.shape[-2] // 2
    shape = np.broadcast_shapes(noise.shape, np.shape(mean))
    out = np.array(np.broadcast_to(noise, shape), dtype=np.float64)
    out[..., half:, :] = (noise[..., half:, :] - mean) * np.exp(-0.5 * log_var)
    return out


def resampled_draws(weights, u):
    """Index of one draw per row, drawn with the row's ``weights`` (n, K) by inverse CDF
    at the uniforms ``u`` (n, 1): sampling-importance-resampling.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import resampled_draws
    >>> resampled_draws(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([[0.7], [0.05]]))
    array([1, 0])
    """
    return np.minimum((u > np.cumsum(weights, axis=1)).sum(axis=1), weights.shape[1] - 1)


class DefensiveDrawsMixin:
    """Importance draws of p(z | x_observed) from the defensive mixture (see the module).

    Examples
    --------
    >>> from skvae import VAEImputer, VAEOutlierDetector
    >>> from skvae._vae._defensive_draws import DefensiveDrawsMixin
    >>> issubclass(VAEImputer, DefensiveDrawsMixin)
    True
    >>> issubclass(VAEOutlierDetector, DefensiveDrawsMixin)
    True
    """

    def _defensive_draws(self, X):
        """Self-normalised weights (n, K) of ``n_importance_samples`` latent draws for the
        validated coded rows X, and the draws themselves as VAE.importance_draws gives
        them: (n, K, 1 + n_features + n_params), float64.

        The noise is the scoring's (fixed for the model, shared by all rows): q's half
        uses it as it is, the prior's half takes z = noise, for every row, so a row's
        draws ignore the other rows.
        """
        eps = self._importance_noise()
        chunk = self._score_chunk_rows(len(eps)) // 2
        method = self._model.importance_draws
        if not self._model.latents.closed_form_kl:
            inputs = self._prediction_inputs(X)
            draws = predict_in_batches(method, inputs, chunk, eps).astype(np.float64)
            return self_normalised_weights(draws[:, :, 0]), draws
        # with_prior_draws gives the prior the second half: 0.5 unless the draws are odd.
        prior_share = (len(eps) - len(eps) // 2) / len(eps)
        weights, draws = [], []
        # Chunk by chunk, so that the per-row noise held at once stays that of one chunk.
        for start in range(0, len(X), chunk):
            inputs = self._prediction_inputs(X[start : start + chunk])
            mean, log_var = (m[:, None, :] for m in self._posterior_moments(inputs))
            # Each row's noise: its q turns the second half into the shared prior draws.
            noise = with_prior_draws(eps, mean, log_var)
            part = predict_in_batches(
                method, inputs, chunk, row_args=(noise.astype(np.float32),)
            ).astype(np.float64)
            weights.append(
                self_normalised_weights(
                    part[:, :, 0] - log_defensive_ratio(noise, mean, log_var, prior_share)
                )
            )
            draws.append(part)
        return np.concatenate(weights), np.concatenate(draws)
