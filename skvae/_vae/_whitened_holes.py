"""Scores of rows with holes in a whitened model's rotated columns.

A whitened model (``whiten=True``, or ``"auto"`` fitted on complete rows) models the
real-valued columns on their principal axes, each axis a blend of all of them, so a row
with a hole among them has no coordinates to encode or to score: its density,

    p(x_observed) = integral of p(x_observed, x_missing) over x_missing,

has to be integrated. It is estimated by importance sampling over completions of the
rotated columns drawn from a proposal r(x_missing | x_observed): the conditional, given
the row's observed rotated entries, of a multivariate Student-t (PROPOSAL_DF degrees of
freedom) with the training rows' mean and the (floored) correlation that the whitening
was fitted on (skvae._table._conditionals: a Student-t whose scale widens with the
observed part's distance from the training rows),

    log p(x_observed) ~= log mean_k p(x_observed, x_k) / r(x_k | x_observed),

each completed row scored as complete rows are. The Student-t's tails keep the ratio
bounded where the model's conditional is broader than the Gaussian one (heavy tails), and
the correlation puts the draws where a whitened model has its mass: along the training
rows' principal axes. :class:`~skvae.VAEOutlierDetector`, which scores a row with holes by
the log-likelihood its complete row is expected to have (skvae._vae._hole_scores), takes
the self-normalised estimate of E[log p(x) | x_observed] from the same draws: the mean of
the completed rows' scores weighted by the same ratios.

The draws' noise is fixed for the model and shared by all rows, as the scoring's is: a
row's score is deterministic and ignores the other rows scored with it.
"""

import numpy as np
from scipy.special import logsumexp, softmax

from skvae._table._conditionals import conditional_draws

# Completions per row with holes in the rotated columns; each is a scoring pass over those
# rows. Against 1,024 on held-out rows with 30% of their entries missing, 32 were off by
# 0.18 (student_t) to 0.77 nats per row (breast_cancer, ~9 holes in 30 columns): see
# docs/density.rst.
WHITENED_COMPLETIONS = 32
# Degrees of freedom of the proposal's joint Student-t: tails broader than a Gaussian's,
# so that the ratio p / r stays bounded on heavy-tailed columns. On wine, breast_cancer
# and the generated student_t and lognormal tables 3 and 5 were within 0.02 of each other
# against 1,024 completions, the Gaussian 0.1 to 0.6 nats per row worse.
PROPOSAL_DF = 5.0


class WhitenedHolesMixin:
    """``_score_rows`` for rows with holes in a whitened model's rotated columns (see the
    module). Rows without such holes are scored by the next class in the MRO.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._whitened_holes import WhitenedHolesMixin
    >>> issubclass(VAETransformer, WhitenedHolesMixin)
    True
    """

    def _score_rows(self, X):
        """log p(x_observed) of validated coded rows X, integrated over the holes of the
        rotated columns (E[log p(x) | x_observed] where ``_expected_scores`` says so)."""
        rows = self._whitened_hole_rows(X)
        if not rows.any():
            return super()._score_rows(X)
        scores = np.empty(len(X))
        if not rows.all():
            scores[~rows] = super()._score_rows(X[~rows])
        holes = np.flatnonzero(rows)
        chunk = max(1, self._score_chunk_rows(self.n_importance_samples) // WHITENED_COMPLETIONS)
        for start in range(0, len(holes), chunk):
            chosen = holes[start : start + chunk]
            scores[chosen] = self._integrated_scores(X[chosen])
        return scores

    def _whitened_hole_rows(self, X):
        """Which validated coded rows of X have a hole in a rotated column."""
        if getattr(self, "whitening_", None) is None:
            return np.zeros(len(X), dtype=bool)
        return np.isnan(X[:, self._rotated_columns()[0]]).any(axis=1)

    def _integrated_scores(self, X):
        """The importance-sampling estimates of the module docstring for coded rows X, each
        with a hole in a rotated column."""
        completions, log_proposal = self._rotated_completions(X)
        densities = super()._score_rows(completions).reshape(WHITENED_COMPLETIONS, len(X))
        log_ratio = densities - log_proposal
        expected = self._expected_scores(completions, densities.ravel())
        if expected is None:
            scores = logsumexp(log_ratio, axis=0) - np.log(WHITENED_COMPLETIONS)
            # log p(nothing) = 0 exactly, as for unrotated rows (DensityMixin._score_rows).
            scores[np.isnan(self._split_columns(X)[0]).all(axis=1)] = 0.0
            return scores
        expected = expected.reshape(WHITENED_COMPLETIONS, len(X))
        return np.sum(softmax(log_ratio, axis=0) * expected, axis=0)

    def _expected_scores(self, X, densities):
        """E[log p(x) | x_observed] of coded rows X whose log p(x_observed) are
        ``densities``, for an estimator that scores rows with holes by it
        (skvae._vae._hole_scores, which overrides this); None for one that scores
        log p(x_observed)."""
        return None

    def _filled_for_training(self, X):
        """Coded training rows X with the holes of their rotated columns filled, one draw
        each from the Gaussian conditional of the correlation the whitening was fitted on
        (whiten="auto" on rows with holes fits it by EM): a whitened model trains on
        whole coordinates. Other rows and entries are returned as they are."""
        rows = self._whitened_hole_rows(X)
        if not rows.any():
            return X
        data, mean, scale = self._rotated_columns()
        rng = np.random.default_rng([self._seed, 4])
        noise = rng.standard_normal((1, np.count_nonzero(rows), len(data)))
        S = (X[np.ix_(rows, data)] - mean) / scale
        filled, _ = conditional_draws(S, self._whitened_precision(), noise)
        X = X.copy()
        X[np.ix_(rows, data)] = np.where(
            np.isnan(S), filled[0] * scale + mean, X[np.ix_(rows, data)]
        )
        return X

    def _rotated_completions(self, X):
        """WHITENED_COMPLETIONS copies of coded rows X with the holes of their rotated
        columns filled from the proposal, stacked copy after copy, and each filling's
        log-density under it in X's units, of shape (WHITENED_COMPLETIONS, n_rows)."""
        data, mean, scale = self._rotated_columns()
        # Fixed for the model (the importance noise uses stream 1 of the seed, the hole
        # scores' completions stream 2).
        rng = np.random.default_rng([self._seed, 3])
        noise = rng.standard_normal((WHITENED_COMPLETIONS, len(data)))
        uniforms = rng.uniform(size=WHITENED_COMPLETIONS)
        S = (X[:, data] - mean) / scale
        filled, log_proposal = conditional_draws(
            S, self._whitened_precision(), noise, uniforms, PROPOSAL_DF
        )
        completions = np.repeat(X[None], WHITENED_COMPLETIONS, axis=0)
        holes = np.isnan(S)
        completions[:, :, data] = np.where(holes, filled * scale + mean, X[:, data])
        # Standardised units to X's: the Jacobian of the scaling of each filled column.
        return completions.reshape(-1, X.shape[1]), log_proposal - holes @ np.log(scale)
