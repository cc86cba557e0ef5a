"""Scores of rows with holes in a whitened model's rotated columns.

A whitened model (``whiten=True``, or ``"auto"`` fitted on complete rows) models the
real-valued columns on their principal axes, each axis a blend of all of them, so a row
with a hole among them has no coordinates to encode or to score: its density,

    p(x_observed) = integral of p(x_observed, x_missing) over x_missing,

has to be integrated. It is estimated by importance sampling over completions of the
rotated columns drawn from a proposal r(x_missing | x_observed): the conditional of a
multivariate Student-t (PROPOSAL_DF degrees of freedom) with the training rows' mean and
the (floored) correlation that the whitening was fitted on,

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
from scipy.linalg import solve_triangular
from scipy.special import gammaln, logsumexp, softmax

# Completions per row with holes in the rotated columns. Each is a scoring pass over those
# rows; see WHITENED_COMPLETIONS' measurement in tests/vae/test_whitened_holes.py.
WHITENED_COMPLETIONS = 32
# Degrees of freedom of the proposal's Student-t: broader than the Gaussian conditional,
# so that the ratio p / r stays bounded on heavy-tailed columns.
PROPOSAL_DF = 5.0


def conditional_t_draws(S, precision, noise, chi2, df=PROPOSAL_DF):
    """Completions of standardised rows S (NaN where missing) from the conditional of a
    centred multivariate Student-t with this precision matrix, and their log-densities.

    Parameters
    ----------
    S : ndarray of shape (n_rows, d)
        Standardised rows with NaN in their holes.
    precision : ndarray of shape (d, d)
        The inverse of the Student-t's scale matrix.
    noise : ndarray of shape (k, d) or (k, n_rows, d)
        Standard normal draws, shared by every row or one set per row (a row's j-th hole
        takes its j-th draw).
    chi2 : ndarray of shape (k,) or (k, n_rows)
        Chi-square draws with ``df`` degrees of freedom, shared or one per row.
    df : float, default=PROPOSAL_DF
        Degrees of freedom.

    Returns
    -------
    completions : ndarray of shape (k, n_rows, d)
        S with its holes filled, one filling per draw.
    log_density : ndarray of shape (k, n_rows)
        The log-density of each filling under the conditional Student-t, in standardised
        units.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._whitened_holes import conditional_t_draws
    >>> precision = np.linalg.inv([[1.0, 0.9], [0.9, 1.0]])
    >>> rng = np.random.default_rng(0)
    >>> noise, chi2 = rng.normal(size=(20000, 2)), rng.chisquare(5.0, size=20000)
    >>> filled, _ = conditional_t_draws(np.array([[2.0, np.nan]]), precision, noise, chi2)
    >>> round(float(np.median(filled[:, 0, 1])), 1)  # the regression of x2 on x1
    1.8
    """
    k, n_rows = len(noise), len(S)
    completions = np.repeat(S[None], k, axis=0)
    log_density = np.zeros((k, n_rows))
    holes = np.isnan(S)
    patterns, pattern_of_row = np.unique(holes, axis=0, return_inverse=True)
    # Shared draws as per-row ones; the t's radial factor sqrt(df / chi2).
    noise = np.broadcast_to(noise[:, None] if noise.ndim == 2 else noise, (k, n_rows, S.shape[1]))
    radial = np.broadcast_to(np.sqrt(df / chi2).reshape(k, -1), (k, n_rows))
    for p, missing in enumerate(patterns):
        n_missing = int(missing.sum())
        if n_missing == 0:
            continue
        rows, observed = np.flatnonzero(pattern_of_row.ravel() == p), ~missing
        # Gaussian conditioning with a precision matrix P: mean -P_mm^-1 P_mo s_o, scale
        # P_mm^-1 = L^-T L^-1 with P_mm = L L^T, so that L^-T e has that covariance.
        P_mm = precision[np.ix_(missing, missing)]
        mean = -np.linalg.solve(P_mm, precision[np.ix_(missing, observed)] @ S[rows][:, observed].T)
        cholesky = np.linalg.cholesky(P_mm)
        e = noise[:, rows, :n_missing]  # (k, rows, n_missing)
        r = radial[:, rows, None]
        step = solve_triangular(cholesky.T, e.reshape(-1, n_missing).T, lower=False).T
        filled = mean.T[None] + step.reshape(e.shape) * r
        completions[np.ix_(np.arange(k), rows, np.flatnonzero(missing))] = filled
        squared = np.sum(e**2, axis=2) * r[..., 0] ** 2
        log_density[:, rows] = (
            gammaln((df + n_missing) / 2)
            - gammaln(df / 2)
            - n_missing / 2 * np.log(df * np.pi)
            + np.sum(np.log(np.diag(cholesky)))
            - (df + n_missing) / 2 * np.log1p(squared / df)
        )
    return completions, log_density


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
        X_data = self._split_columns(X)[0]
        return np.isnan(X_data[:, self.whitened_features_]).any(axis=1)

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
        whole coordinates. Other rows and columns are returned as they are."""
        rows = self._whitened_hole_rows(X)
        if not rows.any():
            return X
        block = self.whitened_features_
        data = self._data_columns()[block]
        mean, scale = self.mean_[block], self.scale_[block]
        rng = np.random.default_rng([self._seed, 4])
        noise = rng.standard_normal((1, np.count_nonzero(rows), len(block)))
        # chi2 equal to df makes the Student-t's radial factor 1: Gaussian draws.
        S = (X[np.ix_(rows, data)] - mean) / scale
        precision = self.whitening_ @ self.whitening_.T
        filled, _ = conditional_t_draws(S, precision, noise, np.full((1, 1), 1.0), 1.0)
        X = X.copy()
        X[np.ix_(rows, data)] = filled[0] * scale + mean
        return X

    def _rotated_completions(self, X):
        """WHITENED_COMPLETIONS copies of coded rows X with the holes of their rotated
        columns filled from the proposal, stacked copy after copy, and each filling's
        log-density under it in X's units, of shape (WHITENED_COMPLETIONS, n_rows)."""
        block = self.whitened_features_
        data = self._data_columns()[block]
        mean, scale = self.mean_[block], self.scale_[block]
        # Fixed for the model (the importance noise uses stream 1 of the seed, the hole
        # scores' completions stream 2).
        rng = np.random.default_rng([self._seed, 3])
        noise = rng.standard_normal((WHITENED_COMPLETIONS, len(block)))
        chi2 = rng.chisquare(PROPOSAL_DF, size=WHITENED_COMPLETIONS)
        precision = self.whitening_ @ self.whitening_.T
        S = (X[:, data] - mean) / scale
        filled, log_proposal = conditional_t_draws(S, precision, noise, chi2, PROPOSAL_DF)
        completions = np.repeat(X[None], WHITENED_COMPLETIONS, axis=0)
        completions[:, :, data] = filled * scale + mean
        # Standardised units to X's: the Jacobian of the scaling of each filled column.
        log_scale = np.isnan(X[:, data]) @ np.log(scale)
        return completions.reshape(-1, X.shape[1]), log_proposal - log_scale
