"""Scores of rows with holes that rank with complete rows: E[log p(x) | x_observed].

The log-likelihood of a row with holes, log p(x_observed), has one term fewer per hole
than a complete row's log p(x), so the more a row misses, the more normal it looks (a row
with nothing observed scores 0). :class:`~skvae.VAEOutlierDetector` scores such a row by
the log-likelihood that the model expects its complete row to have,

    E[log p(x_observed, x_missing) | x_observed]
        = log p(x_observed) - H[p(x_missing | x_observed)],

the mean of log p(x) over completions drawn from p(x_missing | x_observed). A complete
row keeps its log p(x). A row whose observed entries are unlikely still scores low; a row
with nothing observed scores the model's expected log-likelihood, -H[p(x)], a typical
row's.

The completions are drawn as :meth:`~skvae.VAEImputer.multiple_imputations` draws them:
one latent draw per completion, resampled in proportion to its importance weight from
draws of q(z | x_observed) and of the prior (the defensive mixture of
:mod:`skvae._vae._defensive_draws`), then x ~ p(x | z). Their noise is fixed for the model
and shared by all rows (:class:`RowSharedNoise`), as the scoring's importance noise is: a
row's score is deterministic and ignores the other rows scored with it.
"""

import numpy as np
from scipy.special import ndtri, stdtrit

from skvae._vae._defensive_draws import (
    IMPORTANCE_DRAW_HEAD,
    DefensiveDrawsMixin,
    resampled_draws,
)
from skvae._vae._exact_density import observation_log_var

# Completions averaged per row with holes: the mean's Monte Carlo error is the spread of
# log p(x_missing | x_observed) over the draws divided by 4. On palmerpenguins (its 11 rows
# with holes, under a default detector) 16 and 64 completions differed by at most 0.26
# nats, where the table's scores spread over 10. Each completion adds a scoring pass over
# the rows with holes: scoring digits with 20% of its pixels missing took 10.8 s against
# 1.4 s for log p(x_observed).
N_COMPLETIONS = 16
# Shared uniforms stay inside (0, 1), so that inverse CDFs stay finite.
UNIFORM_EDGE = 2.0**-53


class RowSharedNoise:
    """A NumPy generator's draws, one per column, repeated down the rows.

    Each draw of shape (n_rows, ...) is one draw of shape (...) repeated for every row
    (common random numbers across rows), made from uniforms by inverse CDF. A row's draws
    then do not depend on how many rows, or which, are drawn with it. A first axis of
    n_rows * k entries holds k entries per row, row after row (as a mixture column's
    component draws for (n_rows, k) flattened): each of the k gets its own draw. It has
    the methods the observation models' ``sample`` call: ``uniform``,
    ``standard_normal``, ``standard_t``, ``logistic`` and ``standard_cauchy``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the shared uniforms.
    n_rows : int
        The number of rows that share each draw.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._hole_scores import RowSharedNoise
    >>> noise = RowSharedNoise(np.random.default_rng(0), n_rows=3).standard_normal((3, 2))
    >>> bool(np.all(noise == noise[0]))
    True
    """

    def __init__(self, rng, n_rows):
        self._rng = rng
        self._n_rows = n_rows

    def uniform(self, size):
        size = tuple(np.atleast_1d(size))
        per_row, rest = divmod(size[0], self._n_rows)
        if rest:
            raise ValueError(f"a draw of {size[0]} entries for {self._n_rows} rows")
        u = self._rng.uniform(size=(per_row, *size[1:]))
        u = np.clip(u, UNIFORM_EDGE, 1.0 - UNIFORM_EDGE)
        return np.tile(u, (self._n_rows,) + (1,) * (len(size) - 1))

    def standard_normal(self, size):
        return ndtri(self.uniform(size))

    def standard_t(self, df):
        return stdtrit(df, self.uniform(np.shape(df)))

    def logistic(self, size):
        u = self.uniform(size)
        return np.log(u) - np.log1p(-u)

    def standard_cauchy(self, size):
        return np.tan(np.pi * (self.uniform(size) - 0.5))


class HoleScoresMixin(DefensiveDrawsMixin):
    """Scores of rows with holes on the scale of complete rows (see the module).

    Examples
    --------
    >>> from skvae import VAEOutlierDetector
    >>> from skvae._vae._hole_scores import HoleScoresMixin
    >>> issubclass(VAEOutlierDetector, HoleScoresMixin)
    True
    """

    # whiten="auto" whitens training rows with holes too (skvae._table._whitening): on the
    # tasks of `benchmarks/anomaly_detection.py --tables unseen --holes 0.2` it raised the
    # mean average precision from 0.575 to 0.638 (docs/anomaly_detection.rst).
    _whitens_rows_with_holes = True

    def _score_rows(self, X):
        """log p(x) of validated coded rows X; E[log p(x) | x_observed] for those with
        holes."""
        scores = super()._score_rows(X)
        # Rows with holes in a whitened model's rotated columns were scored by
        # skvae._vae._whitened_holes, which calls _expected_scores below.
        holes = np.isnan(self._split_columns(X)[0]).any(axis=1) & ~self._whitened_hole_rows(X)
        return self._expected_scores(X, scores, np.flatnonzero(holes))

    def _expected_scores(self, X, densities, holes=None):
        """Scores of coded rows X whose log p(x_observed) are ``densities``: those, with
        E[log p(x) | x_observed] in place for the rows ``holes`` (by default every row
        with a hole)."""
        scores = np.array(densities, dtype=np.float64)
        if holes is None:
            holes = np.flatnonzero(np.isnan(self._split_columns(X)[0]).any(axis=1))
        # Scoring's chunk of rows bounds the importance draws held at once.
        chunk = self._score_chunk_rows(self.n_importance_samples)
        for start in range(0, len(holes), chunk):
            rows = holes[start : start + chunk]
            scores[rows] = self._expected_complete_scores(X[rows])
        return scores

    def _expected_complete_scores(self, X):
        """Mean log p(x) of N_COMPLETIONS completions of each row of X (coded, with holes)
        drawn from p(x_missing | x_observed)."""
        weights, draws = self._defensive_draws(X)
        params = draws[:, :, IMPORTANCE_DRAW_HEAD + self._model.layout.input_width :]
        obs_log_var = observation_log_var(self._model)
        # Fixed for the model (the importance noise uses stream 1 of the same seed).
        noise = RowSharedNoise(np.random.default_rng([self._seed, 2]), len(X))
        C = self._split_columns(X)[1]
        holes = np.isnan(X)
        completions = []
        for _ in range(N_COMPLETIONS):
            chosen = resampled_draws(weights, noise.uniform((len(X), 1)))
            filled = self._model.layout.sample_columns(
                params[np.arange(len(X)), chosen], obs_log_var, noise
            )
            codes = self._whole_numbers(self._assemble_codes(filled, C))
            completions.append(np.where(holes, codes, X))
        # Scored in one pass: scoring pads to whole chunks, which a few rows would not fill.
        scores = super()._score_rows(np.concatenate(completions))
        return scores.reshape(N_COMPLETIONS, len(X)).mean(axis=0)

    def _whole_numbers(self, codes):
        """Coded rows with their "integer" columns rounded and clipped to their training
        range: that kind's model puts its mass on those whole numbers. (A column of
        whole numbers modelled as continuous keeps its continuous draws.)"""
        for j, (kind, entry) in enumerate(
            zip(self.column_kinds_, self._column_schema["columns"], strict=True)
        ):
            if kind == "integer":
                codes[:, j] = np.rint(codes[:, j])
                if "low" in entry:
                    codes[:, j] = np.clip(codes[:, j], entry["low"], entry["high"])
        return codes
