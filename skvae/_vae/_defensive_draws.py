"""Latent draws for rows with holes: q(z | x_observed) in a defensive mixture with the prior.

Filling, completing or conditioning on the observed part of a row needs draws from
p(z | x_observed). The encoder's q(z | x_observed) proposes them, but it was trained on
whole rows, and for a row missing much of itself it is often far narrower than
p(z | x_observed): resampled in proportion to their importance weights, its draws then
vary too little. Half the draws therefore come from the prior instead, and every draw is
weighted by the density of the mixture (q + p(z)) / 2 (Hesterberg 1995). A weight is then
at most 2 p(x_observed | z), so no row falls back on a few draws, while the draws that q
puts near a rare row's posterior still count. The plain Gaussian q's density at any z is
closed form, so it is mixed here, in float64; a hierarchy's q at a prior draw needs the
top-down pass, so the model mixes it (``Ladder.defensive_draws``); a flow keeps q alone.
"""

import numpy as np
from scipy.special import logsumexp

from skvae._nn._prediction import predict_in_batches

# Entries of each draw of VAE.importance_draws before E[x | z]: log w and log p(x|z).
IMPORTANCE_DRAW_HEAD = 2


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


def log_prior_over_defensive(noise, mean, log_var, prior_share=0.5):
    """log N(z; 0, I) - log r(z) in float64 for z = mean + exp(log_var / 2) * noise, where
    r = (1 - prior_share) q + prior_share N(0, I) and q = N(mean, diag exp(log_var)): added
    to log p(x_given | z), it gives the defensive mixture's log weight, at most
    log p(x_given | z) - log(prior_share). The latent dimensions are the last axis; the
    others broadcast (a row's q against its draws).

    Computed from the noise, not from the model's log w = log p(x|z) + log p(z) - log q(z)
    less log(r / q): a prior draw far from q has a log q(z) of -0.5 * noise**2, which in
    float32 loses more than the whole weight (at noise 1e6, +-6e4 nats), and the
    difference of the two then scored a row 1e12 nats too high.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import log_prior_over_defensive
    >>> # q = N(1000, 0.001^2); the prior's draw z = 0 is 1e6 of q's standard deviations
    >>> # away, so r there is the prior's half alone: log 2.
    >>> noise, mean, log_var = np.array([-1e6]), np.array([1e3]), np.log([1e-6])
    >>> round(float(log_prior_over_defensive(noise, mean, log_var)), 6)
    0.693147
    """
    z = mean + np.exp(0.5 * log_var) * noise
    # log q(z) - log N(z; 0, I): the normalising constants' 2 pi cancel.
    log_q_over_prior = -0.5 * np.sum(np.square(noise) + log_var - np.square(z), axis=-1)
    return -np.logaddexp(np.log1p(-prior_share) + log_q_over_prior, np.log(prior_share))


def log_density_over_defensive(log_density, noise, log_var, share=0.5):
    """log p(z) - log r(z) for a latent density p other than the prior (float64), where
    r = (1 - share) q + share p, q = N(mean, diag exp(log_var)), and z = mean +
    exp(log_var / 2) * noise; ``log_density`` is log p(z). As
    :func:`log_prior_over_defensive`, from the noise: log q(z) needs no z.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._defensive_draws import log_density_over_defensive
    >>> # Where p and q agree, r agrees with both: the ratio is 1.
    >>> noise, log_var = np.array([[0.3]]), np.zeros((1, 1))
    >>> log_q = -0.5 * (0.3**2 + np.log(2 * np.pi))
    >>> float(log_density_over_defensive(np.array([log_q]), noise, log_var)[0])
    0.0
    """
    log_q = -0.5 * np.sum(np.square(noise) + log_var + np.log(2 * np.pi), axis=-1)
    return log_density - np.logaddexp(np.log1p(-share) + log_q, np.log(share) + log_density)


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
        them: (n, K, IMPORTANCE_DRAW_HEAD + n_features + n_params), float64.

        The noise is the scoring's (fixed for the model, shared by all rows): q's half
        uses it as it is, the prior's half takes z = noise, for every row, so a row's
        draws ignore the other rows.
        """
        if not self._model.latents.closed_form_kl:
            # A hierarchy mixes in the model (its q at a prior draw needs a network pass);
            # a flow draws from q alone.
            model = self._model
            mixes = self._mixes_defensively()
            method = model.defensive_importance_draws if mixes else model.importance_draws
            draws = self._in_model(method, X).astype(np.float64)
            return self_normalised_weights(draws[:, :, 0]), draws
        weights, draws = [], []
        for part, log_prior_ratio in self._defensive_parts(X, self._model.importance_draws):
            weights.append(self_normalised_weights(part[:, :, 1] + log_prior_ratio))
            draws.append(part)
        return np.concatenate(weights), np.concatenate(draws)

    def _defensive_log_likelihood(self, X):
        """The VAE's log p(x_observed) of validated coded rows X (a Gaussian q, mixed here,
        or a hierarchy, mixed in the model), importance-sampled from the defensive mixture:
        log mean_k p(x_o, z_k) / r(z_k) with r = (q + p(z)) / 2, half the draws from each.
        Unlike q alone, whose weights are heavy-tailed where q(z | x_observed) is narrower
        than p(z | x_observed) (a row missing much of itself), every weight is at most
        2 p(x_observed | z)."""
        if not self._model.latents.closed_form_kl:
            return self._in_model(self._model.defensive_log_likelihood, X).astype(np.float64)
        method = self._model.importance_likelihoods
        return np.concatenate(
            [
                logsumexp(log_px_z + log_prior_ratio, axis=1) - np.log(log_px_z.shape[1])
                for log_px_z, log_prior_ratio in self._defensive_parts(X, method)
            ]
        )

    def _mixes_defensively(self):
        """Whether rows with holes draw from the defensive mixture: a Gaussian q (mixed
        here) or a hierarchy (mixed in the model); not a flow, whose density at a prior
        draw would need the flow inverted."""
        latents = self._model.latents
        return bool(latents.closed_form_kl) or hasattr(latents, "defensive_draws")

    def _in_model(self, method, X):
        """``method`` of the model on the validated coded rows X with the scoring's noise."""
        eps = self._importance_noise()
        chunk = self._score_chunk_rows(len(eps)) // 2
        return predict_in_batches(method, self._prediction_inputs(X), chunk, eps)

    def _defensive_parts(self, X, method):
        """For each chunk of the validated coded rows X: ``method`` (a model method that
        takes rows and per-row latent noise and gives log p(x|z) per draw, alone or in
        entry 1 of its last axis) on the defensive draws, float64, and log p(z) - log r(z)
        of those draws (:func:`log_prior_over_defensive`)."""
        eps = self._importance_noise()
        chunk = self._score_chunk_rows(len(eps)) // 2
        # with_prior_draws gives the prior the second half: 0.5 unless the draws are odd.
        prior_share = (len(eps) - len(eps) // 2) / len(eps)
        # Chunk by chunk, so that the per-row noise held at once stays that of one chunk.
        for start in range(0, len(X), chunk):
            inputs = self._prediction_inputs(X[start : start + chunk])
            mean, log_var = (m[:, None, :] for m in self._posterior_moments(inputs))
            # Each row's noise: its q turns the second half into the shared prior draws.
            noise = with_prior_draws(eps, mean, log_var)
            part = predict_in_batches(
                method, inputs, chunk, row_args=(noise.astype(np.float32),)
            ).astype(np.float64)
            yield part, log_prior_over_defensive(noise, mean, log_var, prior_share)
