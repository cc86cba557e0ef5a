"""``"categorical"``: a softmax over a column's categories, encoded as a one-hot block."""

import numpy as np
from keras import ops

from skvae._nn.observations.base import Observation, draw_categories


class Categorical(Observation):
    """Categorical columns: one-hot encoded, one logit per category from the decoder.

    Decoder block: each column's logits, column after column. A missing category is an
    all-zero one-hot block (and mask), so it adds nothing to the log-likelihood; the
    expected value is the vector of probabilities, decoded as the most probable category.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.discrete.categorical import Categorical
    >>> columns = Categorical([0], np.array([0]), np.array([3]), np.zeros(1), 0.01, 1)
    >>> x, mask = np.zeros((2, 3)), np.zeros((2, 3))
    >>> columns.encode(np.array([[2.0], [0.0]]), np.array([[True], [False]]), x, mask)
    >>> x
    array([[0., 0., 1.],
           [0., 0., 0.]])
    >>> columns.values_from_encoded(np.array([[0.2, 0.5, 0.3]]))
    array([[1]])
    """

    name = "categorical"
    parameter_order = 3
    encoded_as_is = False

    @classmethod
    def encoded_width(cls, n_categories):
        return int(n_categories)

    @property
    def param_width(self):
        return int(self.widths.sum())

    def _blocks(self, params):
        """(encoded start, width, logits) of each column."""
        offset = 0
        for start, width in zip(self.starts, self.widths, strict=True):
            yield int(start), int(width), params[..., offset : offset + width]
            offset += width

    def encode(self, values, observed, x, mask):
        rows = np.arange(len(values))
        for j, start, width in zip(self.columns, self.starts, self.widths, strict=True):
            seen = observed[:, j]
            code = values[seen, j].astype(int)
            x[rows[seen], start + code] = 1.0
            mask[:, start : start + width] = seen[:, None]

    def encoded_positions(self):
        return np.concatenate(
            [np.arange(s, s + w) for s, w in zip(self.starts, self.widths, strict=True)]
        )

    def values_from_encoded(self, encoded):
        return np.column_stack(
            [
                np.argmax(encoded[:, s : s + w], axis=1)
                for s, w in zip(self.starts, self.widths, strict=True)
            ]
        )

    def log_prob_terms(self, x, params, mask, column_log_var):
        # One term per column, not their sum: the layout adds them one by one, as the sums
        # of scores and gradients always have.
        return [
            ops.sum(x[..., start : start + width] * ops.log_softmax(logits, -1), -1)
            for start, width, logits in self._blocks(params)
        ]

    def expected(self, params):
        # A column with one category has probability 1 (a softmax over one logit is 1, and
        # Keras warns that it is likely a mistake).
        return [
            ops.softmax(logits, axis=-1) if width > 1 else ops.ones_like(logits)
            for _, width, logits in self._blocks(params)
        ]

    def sample(self, params, column_log_var, rng):
        return np.column_stack(
            [draw_categories(logits, rng) for _, _, logits in self._blocks(params)]
        )
