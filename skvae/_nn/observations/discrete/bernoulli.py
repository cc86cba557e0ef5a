"""``"bernoulli"``: binary columns (values in [0, 1]), one logit per column from the decoder."""

import numpy as np
from keras import ops

from skvae._nn._likelihoods import bernoulli_log_prob
from skvae._nn.observations.base import Observation


class Bernoulli(Observation):
    """Bernoulli(sigmoid(logit)) columns; the expected value is the probability.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.discrete.bernoulli import Bernoulli
    >>> columns = Bernoulli([0], np.array([0]), np.array([1]), np.zeros(1), 0.01, 1)
    >>> columns.sample(np.array([[-50.0], [50.0]]), None, np.random.RandomState(0))
    array([[0.],
           [1.]])
    """

    name = "bernoulli"
    parameter_order = 2

    def log_prob_terms(self, x, params, mask, column_log_var):
        return [self.masked_sum(bernoulli_log_prob(self.take(x), params), mask)]

    def expected(self, params):
        return [ops.sigmoid(params)]

    def sample(self, params, column_log_var, rng):
        prob = 0.5 * (1.0 + np.tanh(0.5 * params))  # the sigmoid, overflow-free
        return (rng.uniform(size=prob.shape) < prob).astype(np.float64)
