"""``"student_t"``: a heavy-tailed column, Student-t with location, scale and degrees of freedom
from the decoder.

A Gaussian decoder must explain a rare, far-off value with a large variance for every row
(or with the latent space); a Student-t puts it in the tails at a cost that grows only
logarithmically with the distance. The degrees of freedom nu = 1 + softplus(raw) stay above
1, so the mean exists and is the location; they are a decoder output, like the scale, so
each column learns its own tail weight (it may also vary with z).
"""

import math

import numpy as np
from keras import ops

from skvae._nn.observations.base import Observation

LOG_PI = math.log(math.pi)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Degrees of freedom at the start of training (through the bias of their decoder outputs):
# tails clearly heavier than a Gaussian's, with a finite variance.
INITIAL_DF = 5.0
# log_gamma evaluates Stirling's series at x + STIRLING_SHIFT or beyond, where the terms
# used below leave an error under 1e-12.
STIRLING_SHIFT = 7
# Coefficients of 1/z, 1/z^3, ..., 1/z^9 in Stirling's series for log Gamma(z).
STIRLING_COEFFICIENTS = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)


def log_gamma(x):
    """log Gamma(x) for x > 0, elementwise, with ``keras.ops`` (which has no lgamma).

    Uses log Gamma(x) = log Gamma(x + 7) - sum_{i<7} log(x + i) and Stirling's series at
    z = x + 7; accurate to about 1e-12 in float64 (tests/nn/test_student_t.py compares it
    with scipy.special.gammaln).

    Parameters
    ----------
    x : tensor
        Positive values.

    Returns
    -------
    tensor
        log Gamma(x), in the dtype of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.continuous.student_t import log_gamma
    >>> np.exp(ops.convert_to_numpy(log_gamma(np.array([1.0, 5.0, 0.5])))).round(6)
    array([ 1.      , 24.      ,  1.772454])
    """
    z = x + float(STIRLING_SHIFT)
    inverse, inverse_square = 1.0 / z, 1.0 / ops.square(z)
    # Horner's scheme, and the shift subtracted term by term: TensorFlow's graph optimiser
    # turns a chain of additions into one AddN whose operand order follows the graph's
    # node names, which differ between two models with the same weights. The sum then
    # rounds differently, and a saved-and-loaded model scored 1 ulp off the original.
    series = 0.0
    for coefficient in reversed(STIRLING_COEFFICIENTS):
        series = coefficient + inverse_square * series
    value = (z - 0.5) * ops.log(z) - (z - HALF_LOG_2PI - inverse * series)
    # A sum of logs, not the log of a product, which float32 would overflow for large x.
    for i in range(STIRLING_SHIFT):
        value = value - ops.log(x + float(i))
    return value


def student_t_log_prob(x, loc, log_var, df):
    """Log-density of each entry of ``x`` under loc + exp(log_var / 2) T_df (no sum).

    log p = log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - (log(nu pi) + log s^2) / 2
    - (nu + 1) / 2 log(1 + (x - loc)^2 / (nu s^2)), with every normalising constant.

    Parameters
    ----------
    x, loc, log_var, df : tensors of one shape (or broadcastable)
        Values, locations, log squared scales and degrees of freedom (> 0).

    Returns
    -------
    tensor

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from scipy import stats
    >>> from skvae._nn.observations.continuous.student_t import student_t_log_prob
    >>> log_p = student_t_log_prob(np.array(2.0), np.array(0.5), np.log(4.0), np.array(3.0))
    >>> bool(np.isclose(ops.convert_to_numpy(log_p), stats.t.logpdf(2.0, 3.0, 0.5, 2.0)))
    True
    """
    half_df_plus = 0.5 * (df + 1.0)
    squared = ops.square(x - loc) * ops.exp(-log_var) / df
    # Only subtractions: see log_gamma on why no chain of additions.
    return (
        log_gamma(half_df_plus)
        - log_gamma(0.5 * df)
        - 0.5 * ops.log(df)
        - 0.5 * log_var
        - 0.5 * LOG_PI
        - half_df_plus * ops.log1p(squared)
    )


class StudentT(Observation):
    """Student-t columns: location, floored squared scale and degrees of freedom per row.

    Decoder block: ``[locations | raw squared scales | raw degrees of freedom]``; the
    squared scale is var_floor + exp(raw) (the Gaussians' floor), the degrees of freedom
    1 + softplus(raw), starting at ``INITIAL_DF``. The expected value is the location.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.continuous.student_t import StudentT
    >>> columns = StudentT([0], np.array([0]), np.array([1]), np.zeros(1), 0.01, 1)
    >>> columns.param_width, columns.initial_bias().round(3)
    (3, array([0.   , 0.   , 3.982], dtype=float32))
    >>> columns.sample(np.zeros((4, 3)), None, np.random.RandomState(0)).shape
    (4, 1)
    """

    name = "student_t"
    continuous = True
    params_per_column = 3

    def initial_bias(self):
        bias = super().initial_bias()
        # softplus^-1(INITIAL_DF - 1)
        bias[2 * self.n :] = math.log(math.expm1(INITIAL_DF - 1.0))
        return bias

    def _df(self, raw):
        return 1.0 + ops.softplus(raw)

    def log_prob_terms(self, x, params, mask, column_log_var):
        loc, log_var = self.part(params, 0), self.floor(self.part(params, 1))
        log_p = student_t_log_prob(self.take(x), loc, log_var, self._df(self.part(params, 2)))
        return [self.masked_sum(log_p, mask)]

    def expected(self, params):
        return [self.part(params, 0)]

    def sample(self, params, column_log_var, rng):
        loc = self.part(params, 0)
        scale = np.exp(0.5 * self.floor_numpy(self.part(params, 1)))
        df = 1.0 + np.logaddexp(0.0, self.part(params, 2))
        return loc + scale * rng.standard_t(df)
