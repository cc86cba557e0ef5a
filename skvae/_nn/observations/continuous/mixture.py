"""``"mixture"``: per column, a mixture of Gaussians whose weights, means and variances the
decoder outputs, so that a skewed or multimodal column keeps its shape with an exact density.
"""

import numpy as np
from keras import ops

from skvae._nn._likelihoods import gaussian_log_prob
from skvae._nn.observations.base import Observation, draw_categories

# Initial means of the mixture components, in standard deviations: spread over the
# column's bulk so that the components start apart and can settle on different modes.
MIXTURE_INIT_SPREAD = 1.5


class Mixture(Observation):
    """Columns with ``n_mixture_components`` (M) Gaussian components each.

    Decoder block: logits, then means, then raw variances, each component-major (component
    m of every column, then m + 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.continuous.mixture import Mixture
    >>> columns = Mixture([0, 1], np.array([0, 1]), np.array([1, 1]), np.zeros(2), 0.01, 3)
    >>> columns.param_width
    18
    >>> columns.initial_bias()[6:12]  # the means of components 1, 2, 3 of both columns
    array([-1.5, -1.5,  0. ,  0. ,  1.5,  1.5], dtype=float32)
    """

    name = "mixture"
    continuous = True
    parameter_order = 4

    @property
    def param_width(self):
        return 3 * self.n_mixture_components * self.n

    def initial_bias(self):
        bias = super().initial_bias()
        M, n = self.n_mixture_components, self.n
        spread = np.linspace(-MIXTURE_INIT_SPREAD, MIXTURE_INIT_SPREAD, M)
        bias[M * n : 2 * M * n] = np.repeat(spread, n)
        return bias

    def _parts(self, params, stack):
        """Logits, means and raw variances, each (..., n, M)."""
        M = self.n_mixture_components
        return [stack([self.part(params, p * M + m) for m in range(M)], -1) for p in range(3)]

    def _log_weights_means_log_vars(self, params):
        logits, means, raw = self._parts(params, ops.stack)
        return ops.log_softmax(logits, axis=-1), means, self.floor(raw)

    def log_prob_terms(self, x, params, mask, column_log_var):
        log_w, means, log_vars = self._log_weights_means_log_vars(params)
        x_mix = self.take(x)[..., None]
        log_p = ops.logsumexp(log_w + gaussian_log_prob(x_mix, means, log_vars), axis=-1)
        return [self.masked_sum(log_p, mask)]

    def expected(self, params):
        log_w, means, _ = self._log_weights_means_log_vars(params)
        return [ops.sum(ops.exp(log_w) * means, axis=-1)]

    def sample(self, params, column_log_var, rng):
        M, n_rows = self.n_mixture_components, len(params)
        logits, means, raw = self._parts(params, np.stack)
        component = draw_categories(logits.reshape(-1, M), rng).reshape(n_rows, self.n)
        pick = component[..., None].astype(int)
        mean = np.take_along_axis(means, pick, -1)[..., 0]
        log_var = self.floor_numpy(np.take_along_axis(raw, pick, -1)[..., 0])
        return mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape)
