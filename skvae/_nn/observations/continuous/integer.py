"""``"integer"``: a whole-number column (counts, ages, ratings), a discretised logistic with
a heavy-tailed (Cauchy) share.

P(x = k) = (1 - w) L(k) + w C(k), where L(k) = F(k + 1/2) - F(k - 1/2) is the mass of a bin
under a logistic (as PixelCNN++ models pixel values) and C(k) the same under a Cauchy, both
with the location and scale from the decoder, and the tail weight w from the decoder too,
never below ``MIN_TAIL_WEIGHT``. A continuous density on whole numbers can pile its mass
onto the values seen in training and score a row by a density that grows without bound as
the variance shrinks (only ``var_floor`` stops it); a probability is at most 1, so no
column can dominate a row's score that way. The logistic alone has exponential tails: a
column that is nearly constant in training (a border pixel) gets a tiny scale, and a
held-out value a few units away would cost hundreds of nats; the Cauchy share makes that
cost logarithmic in the distance, as the Student-t does for continuous columns.

The logistic share is censored at the training range [low, high] (given by the layout;
unbounded until then): the lowest seen value gets the logistic's whole mass below its bin,
the highest the mass above, as PixelCNN++ treats pixel values 0 and 255, so no mass is
spent on values outside the range, where ``sample`` clips a generated value anyway. A
held-out value outside the range keeps the Cauchy share's probability (a cost logarithmic
in its distance, never -inf). On the dequantised digits (64 pixel columns, 0 to 16) this
raised the held-out log-probability from -93.7 to -73.1 nats per row, and on Poisson
counts from -24.0 to -21.1 (5 splits of ``benchmarks/density.py --dequantise --variants
integer``; docs/density.rst).

The column is standardised like the continuous kinds, so the network sees it on the same
scale; the bins are one unit of the user's X wide, 1 / scale in scaled units. Its term of
``score_samples`` is a log-*probability* and carries no log-Jacobian: it equals the
log-density of the dequantised value x + U(-1/2, 1/2) under the model's piecewise-constant
density, which is how it compares with a continuous model's density (fitted and scored on
dequantised rows).
"""

import math

import numpy as np
from keras import ops

from skvae._nn._prediction import to_numpy
from skvae._nn.observations.base import Observation

# Smallest tail weight w: at most this many nats of log(1 - w) per column and row on the
# bulk of the data, for a floor of log(w) - 2 log(distance / scale) on a far-off value.
MIN_TAIL_WEIGHT = 1e-3
# Tail weight at the start of training (through the bias of its decoder output).
INITIAL_TAIL_WEIGHT = 0.01
# The floor on the squared scale is var_floor in the user's units (a bin is one unit
# wide), not var_floor of the column's variance as for the densities, but never below
# this share of the latter: a scale of 0.001 standard deviations at least, so that a
# column spanning millions of units does not get gradients of a millionth of its spread.
MIN_FLOOR_SHARE = 1e-4


def standardised_bin_edges(x, loc, log_var, half_width):
    """The edges x - h and x + h of each value's bin, in units of the scale away from the
    location: ((x - h - loc) / s, (x + h - loc) / s) with s = exp(log_var / 2).

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.continuous.integer import standardised_bin_edges
    >>> edges = standardised_bin_edges(np.array(3.0), np.array(1.0), np.log(4.0), 0.5)
    >>> [float(ops.convert_to_numpy(edge)) for edge in edges]
    [0.75, 1.25]
    """
    inverse_scale = ops.exp(-0.5 * log_var)
    return (x - half_width - loc) * inverse_scale, (x + half_width - loc) * inverse_scale


def standardised_bin_width(log_var, half_width):
    """A bin's width 2 h / s in units of the scale s = exp(log_var / 2).

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.continuous.integer import standardised_bin_width
    >>> float(ops.convert_to_numpy(standardised_bin_width(np.log(4.0), 0.5)))
    0.5
    """
    return 2.0 * half_width * ops.exp(-0.5 * log_var)


def discretized_logistic_log_prob(x, loc, log_var, half_width):
    """log P(x) = log(F(x + h) - F(x - h)) under a logistic of location ``loc`` and squared
    scale exp(log_var) (no sum; ``keras.ops``).

    Computed as -softplus(-b) - softplus(a) + log(1 - exp(a - b)), with a = (x - h - loc) / s
    and b = (x + h - loc) / s: finite in float32 however far x lies from ``loc``, where the
    difference of two sigmoids would round to 0.

    Parameters
    ----------
    x, loc, log_var : tensors of one shape (or broadcastable)
        Values (bin centres), locations and log squared scales.
    half_width : tensor or float
        Half the width of a bin, in the units of x (positive).

    Returns
    -------
    tensor

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from scipy import stats
    >>> from skvae._nn.observations.continuous.integer import discretized_logistic_log_prob
    >>> x = np.array([0.0, 3.0, 40.0])
    >>> log_p = discretized_logistic_log_prob(x, np.array(0.4), np.log(4.0), 0.5)
    >>> law = stats.logistic(0.4, 2.0)
    >>> exact = np.log(law.cdf(x + 0.5) - law.cdf(x - 0.5))
    >>> bool(np.allclose(ops.convert_to_numpy(log_p), exact))
    True
    """
    lower, upper = standardised_bin_edges(x, loc, log_var, half_width)
    # 1 - exp(lower - upper) = -expm1(-2 h / s): exact for narrow bins, where 1 - exp(...)
    # would cancel. The width comes from h and s, not from upper - lower: a column whose
    # range spans millions of units has bins narrower than float32's spacing at x, both
    # edges round to one number, and their difference would be 0 (log 0, a NaN loss).
    bin_mass = ops.log(-ops.expm1(-standardised_bin_width(log_var, half_width)))
    return bin_mass - ops.softplus(-upper) - ops.softplus(lower)


def censored_logistic_log_prob(x, loc, log_var, half_width, low, high):
    """:func:`discretized_logistic_log_prob` censored at the bins of ``low`` and ``high``
    (bin centres, ``-inf``/``inf`` for no bound): log F(x + h) at ``low``, log(1 - F(x - h))
    at ``high``, 0 when they coincide, a vanishing probability (log of 1e-4343) outside
    [low, high]; over the integers from low to high the probabilities sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.continuous.integer import censored_logistic_log_prob
    >>> x = np.arange(-2.0, 6.0)
    >>> log_p = censored_logistic_log_prob(x, np.array(0.4), np.log(4.0), 0.5, 0.0, 3.0)
    >>> p = np.exp(ops.convert_to_numpy(log_p))
    >>> p[:2].tolist(), round(float(p.sum()), 6)
    ([0.0, 0.0], 1.0)
    """
    interior = discretized_logistic_log_prob(x, loc, log_var, half_width)
    lower, upper = standardised_bin_edges(x, loc, log_var, half_width)
    # Bin centres are compared with half a bin's tolerance: both are float32 here.
    at_low = ops.abs(x - low) < half_width
    at_high = ops.abs(x - high) < half_width
    censored = ops.where(
        at_low,
        ops.where(at_high, ops.zeros_like(interior), -ops.softplus(-upper)),
        ops.where(at_high, -ops.softplus(lower), interior),
    )
    inside = (x > low - half_width) & (x < high + half_width)
    return ops.where(inside, censored, -1e4 * ops.ones_like(interior))


def discretized_cauchy_log_prob(x, loc, log_var, half_width):
    """log P(x) = log(F(x + h) - F(x - h)) under a Cauchy of location ``loc`` and squared
    scale exp(log_var) (no sum; ``keras.ops``).

    F(u) = 1/2 + atan(u) / pi, and for a bin on one side of the location atan(b) - atan(a)
    = atan((b - a) / (1 + a b)): exact in float32 in the far tails, where both arctangents
    round to pi / 2.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from scipy import stats
    >>> from skvae._nn.observations.continuous.integer import discretized_cauchy_log_prob
    >>> x = np.array([0.0, 3.0, 4000.0])
    >>> log_p = discretized_cauchy_log_prob(x, np.array(0.4), np.log(4.0), 0.5)
    >>> law = stats.cauchy(0.4, 2.0)
    >>> exact = np.log(law.sf(x - 0.5) - law.sf(x + 0.5))
    >>> bool(np.allclose(ops.convert_to_numpy(log_p), exact))
    True
    """
    lower, upper = standardised_bin_edges(x, loc, log_var, half_width)
    # The ratio form, atan(b) - atan(a) = atan((b - a) / (1 + a b)), holds wherever
    # a b > -1; with the exact width for b - a (see discretized_logistic_log_prob) it stays
    # exact for bins narrower than float32's spacing. It is used where a b > -1/2, so its
    # denominator is above 1/2: neither branch divides by 0 and the gradients stay finite.
    # Elsewhere the bin is wide around the location, and the plain difference, of two
    # arctangents of opposite signs, does not cancel.
    ratio_form = lower * upper > -0.5
    denominator = ops.where(ratio_form, 1.0 + lower * upper, 1.0)
    angle = ops.where(
        ratio_form,
        ops.arctan(standardised_bin_width(log_var, half_width) / denominator),
        ops.arctan(upper) - ops.arctan(lower),
    )
    return ops.log(angle) - math.log(math.pi)


class Integer(Observation):
    """Whole-number columns: a discretised logistic and Cauchy mixture, with location,
    floored squared scale and tail weight from the decoder.

    Decoder block: ``[locations | raw squared scales | raw tail weights]`` (in scaled units;
    the squared scale is floor + exp(raw), the floor var_floor in the user's units where
    that is below var_floor of the column's variance, the Gaussians' floor; the tail weight is
    MIN_TAIL_WEIGHT + (1 - MIN_TAIL_WEIGHT) sigmoid(raw)). The expected value is the
    location (the Cauchy share has no mean; the location is the distribution's centre); a
    draw is a draw of the mixture rounded to the nearest bin, which has exactly the bins'
    probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.continuous.integer import Integer
    >>> columns = Integer([0], np.array([0]), np.array([1]), np.log([2.0]), 0.01, 1)
    >>> columns.param_width
    3
    >>> # Scaled units: a column of scale 2 has bins 0.5 wide. Over every bin, P sums to 1
    >>> # (up to the Cauchy mass beyond +-2e5 bins).
    >>> bins = np.arange(-200000, 200001)[:, None] * 0.5
    >>> params = np.zeros((len(bins), 3))
    >>> log_p = columns.log_prob_terms(bins, params, np.ones_like(bins), None)[0]
    >>> round(float(np.exp(ops.convert_to_numpy(log_p)).sum()), 5)
    1.0
    """

    name = "integer"
    continuous = True
    params_per_column = 3
    bounded = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # [low; high] per column, bin centres in scaled units: unbounded until the layout
        # gives the training range.
        self.bounds = np.tile([[-np.inf], [np.inf]], (1, self.n))
        # Whether the squared scale's floor is var_floor in X's units (see
        # _log_floor_share): False for a model fitted before, or where no column spreads
        # over more than a unit (then the floor is the densities', in their graph). The
        # layout sets it.
        self.floor_in_units = True

    def floor(self, raw):
        if not self.floor_in_units:  # the densities' floor, as every column's is
            return super().floor(raw)
        log_floor = math.log(self.var_floor) + self._log_floor_share(ops.dtype(raw))
        return ops.logaddexp(log_floor, raw)

    def floor_numpy(self, raw):
        if not self.floor_in_units:
            return super().floor_numpy(raw)
        return np.logaddexp(math.log(self.var_floor) + self._log_floor_share(), raw)

    def _log_floor_share(self, dtype=None):
        """Per column, log(the squared scale's floor / var_floor) in scaled units
        (float64 NumPy, or a tensor of ``dtype``): the floor is var_floor units squared
        where a unit is narrower than 0.1 of the column's standard deviation (a negative
        share), else var_floor of its variance (0). The densities' floor, var_floor of
        the column's variance, keeps a density from growing without bound on repeated
        values; a probability cannot, and that floor, 0.1 standard deviations wide, kept
        a column of spread 25 from putting a row on one value: statsmodels' modechoice,
        whose label is whether a waiting time sits on its mode's value, lost a quarter of
        its train-on-synthetic signal (docs/synthetic_data.rst)."""
        if dtype is None:
            log_scale = np.asarray(to_numpy(self.log_scale), dtype=np.float64)
            return np.clip(-2.0 * log_scale, math.log(MIN_FLOOR_SHARE), 0.0)
        log_scale = ops.cast(self.log_scale, dtype)
        return ops.clip(-2.0 * log_scale, math.log(MIN_FLOOR_SHARE), 0.0)

    def initial_bias(self):
        bias = super().initial_bias()
        bias[2 * self.n :] = self._raw_tail_weight(INITIAL_TAIL_WEIGHT)
        return bias

    @staticmethod
    def _raw_tail_weight(weight):
        share = (weight - MIN_TAIL_WEIGHT) / (1.0 - MIN_TAIL_WEIGHT)
        return math.log(share / (1.0 - share))

    def log_prob_terms(self, x, params, mask, column_log_var):
        loc, log_var = self.part(params, 0), self.floor(self.part(params, 1))
        raw = self.part(params, 2)
        # log w and log(1 - w) from the raw output, without forming w near 0 or 1.
        log_share, log_rest = -ops.softplus(-raw), -ops.softplus(raw)
        log_weight = ops.logaddexp(
            math.log(MIN_TAIL_WEIGHT), math.log1p(-MIN_TAIL_WEIGHT) + log_share
        )
        log_bulk = math.log1p(-MIN_TAIL_WEIGHT) + log_rest
        # Half a unit of the user's X, in scaled units.
        half_width = 0.5 * ops.exp(-ops.cast(self.log_scale, ops.dtype(loc)))
        values = self.take(x)
        low, high = (ops.cast(self.bounds[i], ops.dtype(loc)) for i in (0, 1))
        log_p = ops.logaddexp(
            log_bulk + censored_logistic_log_prob(values, loc, log_var, half_width, low, high),
            log_weight + discretized_cauchy_log_prob(values, loc, log_var, half_width),
        )
        # A probability: no log-Jacobian of the scaling (unlike Observation.masked_sum).
        return [ops.sum(log_p * self.take(mask), axis=-1)]

    def expected(self, params):
        return [self.part(params, 0)]

    def sample(self, params, column_log_var, rng):
        loc = self.part(params, 0)
        scale = np.exp(0.5 * self.floor_numpy(self.part(params, 1)))
        share = 1.0 / (1.0 + np.exp(-self.part(params, 2)))
        weight = MIN_TAIL_WEIGHT + (1.0 - MIN_TAIL_WEIGHT) * share
        bulk = rng.logistic(size=loc.shape)
        tail = rng.standard_cauchy(size=loc.shape)
        noise = np.where(rng.uniform(size=loc.shape) < weight, tail, bulk)
        # In scaled units; the estimator rounds it to a whole number in the user's units
        # (the nearest bin centre), which gives each bin its probability.
        return loc + scale * noise
