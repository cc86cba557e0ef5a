"""``"heteroscedastic"``: N(mean, variance) with the mean and variance from the decoder.

A column can then be near-certain for one kind of row and noisy for another.
"""

import numpy as np

from skvae._nn._likelihoods import gaussian_log_prob
from skvae._nn.observations.base import Observation


class Heteroscedastic(Observation):
    """Gaussian columns whose variance the decoder outputs per row.

    Decoder block: ``[means | raw variances]``; the variance is var_floor + exp(raw).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.continuous.heteroscedastic import Heteroscedastic
    >>> columns = Heteroscedastic([0], np.array([0]), np.array([1]), np.zeros(1), 0.01, 1)
    >>> columns.param_width
    2
    """

    name = "heteroscedastic"
    continuous = True
    parameter_order = 1
    params_per_column = 2

    def log_prob_terms(self, x, params, mask, column_log_var):
        mean, log_var = self.part(params, 0), self.floor(self.part(params, 1))
        return [self.masked_sum(gaussian_log_prob(self.take(x), mean, log_var), mask)]

    def expected(self, params):
        return [self.part(params, 0)]

    def sample(self, params, column_log_var, rng):
        mean = self.part(params, 0)
        log_var = self.floor_numpy(self.part(params, 1))
        return mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape)
