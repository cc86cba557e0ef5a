"""Marginal calibration of generated rows: each numeric column mapped onto the training
column's distribution, keeping the model's ranks (and so its dependence between columns).

A VAE's decoder smooths what it cannot represent: a column that is exactly 1.0 in 97% of
the rows comes out spread around 1.0, a two-valued column as a blur between its values, a
skewed column too symmetric. Each generated value x of a numeric column j is replaced by
``Q_j(F_j(x))``: ``F_j`` is the model's own marginal CDF of column j (estimated from a
fixed reference draw of the same sampler) and ``Q_j`` the training column's quantile
function (1001 levels, interpolated). A row keeps its rank in every column, so the
dependence the model learned is kept (a copula with the model's dependence), while the
marginals become the training rows': atoms, skew, bounds and tails included. Values stay
within the training column's range, and a column with a few repeated values (a 0/1 flag
stored as floats, a rating) takes only those values.

Every numeric column is mapped, also one the model already gets right: on eight fresh
splits each of diabetes, penguins and breast cancer, mapping only the columns whose
model marginal the training rows reject (a KS test and a tail test at 1%) gave the same
train-on-synthetic accuracy as mapping every column, and a worse KS statistic
(docs/synthetic_data.rst).
"""

import numpy as np

from skvae._table._codes import CONTINUOUS_KINDS
from skvae._table._discrete import MAX_DISCRETE_VALUES, is_discrete
from skvae._vae._category_shares import N_TILT_ROWS, category_logit_offsets

# Quantile levels stored per numeric column: 0, 0.001, ..., 1 (the extremes included).
N_QUANTILE_LEVELS = 1001

# Rows of the reference draw that estimates the model's marginal CDF: its KS error is
# about 1 / sqrt(8192) ~ 0.011, well under the sampling noise of the tables it serves.
N_REFERENCE_ROWS = 8192


def fit_marginal_quantiles(X_numeric):
    """The quantile functions of the training columns, or None when there is no column.

    Parameters
    ----------
    X_numeric : ndarray of shape (n_samples, n_columns)
        The numeric training columns, NaN where missing.

    Returns
    -------
    marginals : dict or None
        ``"quantiles"``, an ndarray of shape (1001, n_columns): quantiles at levels 0,
        0.001, ..., 1 of the observed values of each column (NaN for a column with no
        observed value), interpolated between order statistics, or for a ``"discrete"``
        column (a bool ndarray of shape (n_columns,)) the smallest value whose share of
        rows at or below it reaches the level. ``"n_observed"``: the observed values per
        column. ``"distinct_values"`` and ``"distinct_counts"``, ndarrays of shape
        (MAX_DISCRETE_VALUES, n_columns): a column's distinct values (ascending, NaN
        after them) and how many rows hold each, where it has at most
        MAX_DISCRETE_VALUES of them (counts of 0 where it has more), so that
        ``partial_fit`` merges chunks of such a column exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import fit_marginal_quantiles
    >>> marginals = fit_marginal_quantiles(np.array([[0.0], [1.0], [np.nan], [3.0]]))
    >>> q = marginals["quantiles"]
    >>> q.shape, q[[0, 500, -1], 0].tolist(), marginals["discrete"].tolist()
    ((1001, 1), [0.0, 1.0, 3.0], [False])
    """
    if X_numeric.shape[1] == 0:
        return None
    levels = np.linspace(0.0, 1.0, N_QUANTILE_LEVELS)
    quantiles = np.full((N_QUANTILE_LEVELS, X_numeric.shape[1]), np.nan)
    discrete = np.zeros(X_numeric.shape[1], dtype=bool)
    n_observed = np.zeros(X_numeric.shape[1], dtype=np.int64)
    distinct_values = np.full((MAX_DISCRETE_VALUES, X_numeric.shape[1]), np.nan)
    distinct_counts = np.zeros((MAX_DISCRETE_VALUES, X_numeric.shape[1]), dtype=np.int64)
    # One sort per column serves both the count of distinct values and the quantiles, read
    # off the sorted values by index: on 100,000 rows this halves the cost, which every
    # fit pays. Column-major, so that each column is contiguous.
    for j, column in enumerate(np.asfortranarray(X_numeric).T):
        column = column.astype(np.float64, copy=False)  # float32 columns, one at a time
        observed = np.sort(column[~np.isnan(column)])
        n_observed[j] = observed.size
        if observed.size:
            # Discrete columns (skvae._table._discrete) get their generated values snapped.
            starts = np.flatnonzero(np.r_[True, observed[1:] != observed[:-1]])
            discrete[j] = is_discrete(starts.size, observed.size)
            quantiles[:, j] = _sorted_quantiles(observed, levels, discrete[j])
            if starts.size <= MAX_DISCRETE_VALUES:
                distinct_values[: starts.size, j] = observed[starts]
                distinct_counts[: starts.size, j] = np.diff(np.r_[starts, observed.size])
    return {
        "quantiles": quantiles,
        "discrete": discrete,
        "n_observed": n_observed,
        "distinct_values": distinct_values,
        "distinct_counts": distinct_counts,
    }


def quantiles_of_counts(values, counts, discrete):
    """The quantiles :func:`fit_marginal_quantiles` gives a column whose rows hold
    ``values`` (ascending), each in ``counts`` rows, bit for bit, without repeating them.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import quantiles_of_counts
    >>> q = quantiles_of_counts(np.array([0.0, 1.0]), np.array([3, 1]), discrete=False)
    >>> q[[0, 500, 750, 1000]].tolist()
    [0.0, 0.0, 0.25, 1.0]
    """
    levels = np.linspace(0.0, 1.0, N_QUANTILE_LEVELS)
    return _sorted_quantiles(values, levels, discrete, ends=np.cumsum(counts))


def merged_value_counts(earlier, later, j):
    """Column j's distinct values and their counts in the union of two sets of rows,
    padded as ``fit_marginal_quantiles`` pads them: counts of 0 where either set has (or
    the union would have) more than MAX_DISCRETE_VALUES values, or where ``earlier``
    comes from a version that kept no counts and the column was not discrete there (a
    discrete one's counts are read off its quantiles, to a thousandth of its rows).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import fit_marginal_quantiles, merged_value_counts
    >>> one = fit_marginal_quantiles(np.array([[1.0], [2.0], [2.0]]))
    >>> other = fit_marginal_quantiles(np.array([[2.0], [5.0]]))
    >>> values, counts = merged_value_counts(one, other, 0)
    >>> values[:3].tolist(), counts[:4].tolist()
    ([1.0, 2.0, 5.0], [1, 3, 1, 0])
    """
    values = np.full(MAX_DISCRETE_VALUES, np.nan)
    counts = np.zeros(MAX_DISCRETE_VALUES, dtype=np.int64)
    parts = [part for part in (_value_counts(s, j) for s in (earlier, later)) if part]
    union = np.unique(np.concatenate([v[c > 0] for v, c in parts])) if len(parts) == 2 else []
    if 0 < len(union) <= MAX_DISCRETE_VALUES:
        values[: len(union)] = union
        for part_values, part_counts in parts:
            kept = part_counts > 0
            counts[np.searchsorted(union, part_values[kept])] += part_counts[kept]
    return values, counts


def _value_counts(summary, j):
    """(values, counts) of column j in a summary, or None where it has more than
    MAX_DISCRETE_VALUES values. A summary from a version that kept no counts (a model
    saved before) gives a discrete column's counts from its quantiles: each value takes
    the share of the 1001 levels it holds, which partial_fit's merge then keeps exact."""
    n = summary["n_observed"][j]
    if "distinct_counts" in summary:
        counts = summary["distinct_counts"][:, j]
        return (summary["distinct_values"][:, j], counts) if counts.sum() == n else None
    if not summary["discrete"][j]:
        return None
    values, levels = np.unique(summary["quantiles"][:, j], return_counts=True)
    counts = np.round(levels / levels.sum() * n).astype(np.int64)
    counts[np.argmax(counts)] += n - counts.sum()  # the rounding's remainder
    return values, counts


def _sorted_quantiles(observed, levels, discrete, ends=None):
    """``np.quantile(observed, levels)`` of sorted values, bit for bit, by indexing: the
    ``"inverted_cdf"`` method for a discrete column, ``"linear"`` otherwise. np.quantile
    partitions the values again for each column, about 1 ms per column of a small table
    and most of what the quantiles cost a fit (70 ms of digits' 64 columns). With
    ``ends`` (cumulative counts), ``observed`` holds distinct values, each repeated up to
    its end."""
    n = observed.size if ends is None else int(ends[-1])

    def order_statistic(rank):
        return observed[rank if ends is None else np.searchsorted(ends, rank, side="right")]

    if discrete:
        return order_statistic(np.clip(np.ceil(levels * n).astype(int) - 1, 0, n - 1))
    position = levels * (n - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n - 1)
    weight = position - below
    low, high = order_statistic(below), order_statistic(above)
    # NumPy's lerp: from the nearer end, so that the ends are exact.
    step = high - low
    values = low + step * weight
    np.subtract(high, step * (1 - weight), out=values, where=weight >= 0.5)
    return values


def calibrate_marginals(values, sorted_reference, marginals):
    """Map each column of ``values`` through the reference draw's CDF, then the training
    quantile function (see the module docstring).

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_columns)
        Generated values of the numeric columns.
    sorted_reference : ndarray of shape (n_reference, n_columns)
        A draw of the same sampler, fixed for the model, that estimates its marginals,
        each column sorted.
    marginals : dict
        From :func:`fit_marginal_quantiles`; a column with NaN quantiles is left as it is.

    Returns
    -------
    calibrated : ndarray of shape (n_samples, n_columns)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import calibrate_marginals, fit_marginal_quantiles
    >>> rng = np.random.default_rng(0)
    >>> marginals = fit_marginal_quantiles(rng.exponential(size=(500, 1)))
    >>> reference = np.sort(rng.normal(size=(8192, 1)), axis=0)
    >>> values = calibrate_marginals(rng.normal(size=(4, 1)), reference, marginals)
    >>> bool((values >= 0).all())   # a normal draw given the exponential's marginal
    True
    >>> flags = fit_marginal_quantiles(rng.choice([0.2, 0.7], size=(100, 1)))
    >>> values = calibrate_marginals(rng.normal(size=(6, 1)), reference, flags)
    >>> sorted(set(values[:, 0].tolist())) in ([0.2], [0.7], [0.2, 0.7])
    True
    """
    calibrated = np.array(values, dtype=np.float64)
    n_reference = len(sorted_reference)
    # Mid-ranks: the reference's i-th smallest value sits at level (i + 0.5) / n.
    ranks = (np.arange(n_reference) + 0.5) / n_reference
    quantiles, discrete = marginals["quantiles"], marginals["discrete"]
    levels = np.linspace(0.0, 1.0, len(quantiles))
    for j in range(calibrated.shape[1]):
        if np.isnan(quantiles[:, j]).any():
            continue
        u = np.interp(calibrated[:, j], sorted_reference[:, j], ranks)
        if discrete[j]:  # the step function itself: only the values seen in fit
            calibrated[:, j] = quantiles[np.rint(u * (len(levels) - 1)).astype(int), j]
        else:
            calibrated[:, j] = np.interp(u, levels, quantiles[:, j])
    return calibrated


def uncalibrate_values(values, sorted_reference, marginals):
    """The values whose image under :func:`calibrate_marginals` is ``values``, and which of
    them that map gives from a whole interval of model values (atoms).

    Each column's value goes through the training CDF, then the reference draw's quantile
    function. A value outside the training range is taken as the nearest end of it. A
    value that a discrete column's step function, or two or more equal quantiles of a
    continuous one, give for a range of levels is an atom: the map sends an interval of
    model values to it, so its probability under the model is that interval's, not a
    density at one point; the middle of its levels is returned for it.

    Parameters
    ----------
    values : ndarray of shape (n_columns,)
        One value per numeric column; NaN where none is given (left as it is).
    sorted_reference, marginals
        As for :func:`calibrate_marginals`.

    Returns
    -------
    uncalibrated : ndarray of shape (n_columns,)
    atoms : ndarray of bool, shape (n_columns,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._marginals import uncalibrate_values, fit_marginal_quantiles
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.exponential(size=5000), rng.choice([0.0, 1.0], size=5000)])
    >>> marginals = fit_marginal_quantiles(X)
    >>> reference = np.sort(rng.normal(size=(8192, 2)), axis=0)
    >>> median = np.median(marginals["quantiles"][:, 0])
    >>> y, atoms = uncalibrate_values(np.array([median, 1.0]), reference, marginals)
    >>> round(float(y[0]), 1), atoms.tolist()   # a flag's 1 is an atom, a median is not
    (0.0, [False, True])
    """
    uncalibrated = np.array(values, dtype=np.float64)
    atoms = np.zeros(len(uncalibrated), dtype=bool)
    n_reference = len(sorted_reference)
    ranks = (np.arange(n_reference) + 0.5) / n_reference
    quantiles, discrete = marginals["quantiles"], marginals["discrete"]
    last = len(quantiles) - 1
    for j, value in enumerate(uncalibrated):
        if np.isnan(value) or np.isnan(quantiles[:, j]).any():
            continue
        value = np.clip(value, quantiles[0, j], quantiles[-1, j])
        low = np.searchsorted(quantiles[:, j], value, side="left")
        high = np.searchsorted(quantiles[:, j], value, side="right")
        atoms[j] = high - low >= (1 if discrete[j] else 2)
        if low < high:  # levels low..high-1 hold the value: the middle of them
            level = (low + high - 1) / 2
        else:  # between two quantiles: linear, as calibrate_marginals interpolates
            below, above = quantiles[low - 1, j], quantiles[low, j]
            level = low - 1 + (value - below) / (above - below)
        uncalibrated[j] = np.interp(level / last, ranks, sorted_reference[:, j])
    return uncalibrated, atoms


class MarginalsMixin:
    """The marginal calibration of ``sample`` (``marginals="auto"``) for DensityMixin.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._marginals import MarginalsMixin
    >>> issubclass(VAETransformer, MarginalsMixin)
    True
    """

    def _can_calibrate(self, marginals):
        """Whether draws can take the training marginals; raises for
        ``marginals="data"`` where they cannot."""
        reason = None
        quantiles = getattr(self, "_marginal_quantiles", None)
        if quantiles is None and not self._has_category_shares():
            reason = (
                "this model stored no training marginals (fitted on a memory-mapped X, or "
                "saved by an earlier skvae)"
            )
        elif getattr(self, "_training_conditions", None) is None and len(self.condition_columns_):
            reason = (
                "this conditional model stored no training conditions, which the map's "
                "reference draw is drawn under"
            )
        if reason is not None and marginals == "data":
            raise ValueError(
                f"marginals='data' applies to a model fitted on in-memory rows; {reason}: "
                "use marginals='model'"
            )
        return reason is None

    def _calibrated_draw(self, n_samples, rng, C, latent):
        """Coded rows on the training marginals (see sample): 0/1 and categorical
        columns from tilted logits, numeric columns through the quantile map."""
        sorted_reference, logit_offsets = self._calibration(latent)
        codes = self._sample_codes(n_samples, rng, C, latent, logit_offsets)
        return self._calibrated_numeric(codes, sorted_reference)

    def _calibrated_numeric(self, codes, sorted_reference):
        """Coded rows with their numeric columns through the quantile map of the
        ``sorted_reference`` draw (as they are where it is None)."""
        if sorted_reference is not None:
            columns = self._numeric_code_columns()
            codes[:, columns] = calibrate_marginals(
                codes[:, columns], sorted_reference, self._marginal_quantiles
            )
        return codes

    def _calibration(self, latent):
        """(sorted numeric reference draw or None, logit offsets) for draws from
        ``latent``: fixed functions of the fitted model, computed from reference draws of
        the sampler and kept until the next fit (not pickled), so that sampling a few rows
        at a time does not pay for the reference draws each call."""
        cache = self.__dict__.setdefault("_calibrations", {})
        if latent not in cache:
            logit_offsets = self._category_tilt(latent)
            sorted_reference = None
            if getattr(self, "_marginal_quantiles", None) is not None:
                rng = np.random.RandomState(self._reference_seed(13))
                C = self._conditions_for_draw(None, N_REFERENCE_ROWS, rng)
                reference = self._sample_codes(N_REFERENCE_ROWS, rng, C, latent, logit_offsets)
                sorted_reference = np.sort(reference[:, self._numeric_code_columns()], axis=0)
            cache[latent] = (sorted_reference, logit_offsets)
        return cache[latent]

    def _category_tilt(self, latent):
        """The logit offsets that give 0/1 and categorical columns their training shares
        (skvae._vae._category_shares), from a reference draw of decoder outputs of its
        own, larger than the numeric one: the shares' error is that draw's sampling error,
        about 0.5 / sqrt(N_TILT_ROWS) ~ 0.003. 0 for a model with no such column."""
        if not self._has_category_shares():
            return 0.0
        rng = np.random.RandomState(self._reference_seed(17))
        C = self._conditions_for_draw(None, N_TILT_ROWS, rng)
        params = self._decoded_draws(N_TILT_ROWS, rng, C, latent)
        return category_logit_offsets(params, self._model.layout, self._category_shares)

    def _has_category_shares(self):
        """Whether fit stored the training shares of a 0/1 or categorical column (None or
        absent for a memory-mapped X or a model saved by an earlier skvae)."""
        shares = getattr(self, "_category_shares", None)
        return shares is not None and any(share is not None for share in shares)

    def _reference_seed(self, stream):
        """A seed for one of the reference draws, a fixed function of the fit's seed."""
        return int(np.random.SeedSequence([self._seed, stream]).generate_state(1)[0])

    def _numeric_code_columns(self):
        """Positions in X of the modelled columns with a continuous kind."""
        continuous = np.isin(self._modelled_kinds(), CONTINUOUS_KINDS)
        return self._data_columns()[continuous]
