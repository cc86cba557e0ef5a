"""``"gaussian"``: N(mean, variance), the mean from the decoder, one learned variance per column.

The variance is a model weight (``obs_raw_var``), the same for every row; with a linear
decoder the VAE is then factor analysis.
"""

import numpy as np

from skvae._nn._likelihoods import gaussian_log_prob
from skvae._nn.observations.base import Observation


class Gaussian(Observation):
    """Gaussian columns with a learned per-column variance.

    Decoder block: the means. ``column_log_var`` is the floored log-variance of each
    column, from the model's weight.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.continuous.gaussian import Gaussian
    >>> columns = Gaussian([0], np.array([0]), np.array([1]), np.zeros(1), 0.01, 1)
    >>> columns.sample(np.zeros((2, 1)), np.full(1, -50.0), np.random.RandomState(0)).round(6)
    array([[0.],
           [0.]])
    """

    name = "gaussian"
    continuous = True
    parameter_order = 0
    learned_variance = True

    def log_prob_terms(self, x, params, mask, column_log_var):
        return [self.masked_sum(gaussian_log_prob(self.take(x), params, column_log_var), mask)]

    def expected(self, params):
        return [params]

    def sample(self, params, column_log_var, rng):
        std = np.exp(0.5 * np.asarray(column_log_var, dtype=np.float64))
        return params + std * rng.standard_normal(params.shape)
