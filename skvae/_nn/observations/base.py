"""The interface of an observation model (a column kind), and helpers its kinds share.

An :class:`Observation` holds the columns of one kind in a table, and knows

* their *encoding*: where each column's value sits in the model's input rows (one number,
  or a block such as a one-hot vector);
* their *block* of the decoder output: ``params_per_column`` parameters per column
  (parameter-major: the first parameter of every column, then the second, ...), its initial
  bias, and what it means: log-densities (``keras.ops``, any backend and dtype), expected
  values and samples (NumPy).

:class:`skvae._nn._layout.ColumnLayout` lays the kinds' blocks side by side in
``parameter_order`` and hands each kind its slice of x, the mask and the decoder output.
"""

import math

import numpy as np
from keras import ops

# Kind name to class; every subclass with a name adds itself when its module is imported.
REGISTRY = {}

# parameter_order of kinds that do not set one: after the original five, whose blocks' order
# is fixed because saved models depend on it. Among themselves such kinds go by name; that
# order never moves a block of a saved model, which holds only kinds older than itself.
LATER = 100


def floored_log_var(raw, var_floor):
    """log(var_floor + exp(raw)), a log-variance never below the floor (``keras.ops``).

    Parameters
    ----------
    raw : tensor
        Unconstrained values (decoder outputs or weights).
    var_floor : float
        Smallest variance, in scaled units.

    Returns
    -------
    log_var : tensor

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skvae._nn.observations.base import floored_log_var
    >>> np.exp(ops.convert_to_numpy(floored_log_var(np.array([-50.0, 0.0]), 0.01))).round(3)
    array([0.01, 1.01])
    """
    return ops.logaddexp(math.log(var_floor), raw)


def draw_categories(logits, rng):
    """One category index per row of ``logits`` (NumPy, (n, k)), drawn with softmax(logits).

    Parameters
    ----------
    logits : ndarray of shape (n_rows, n_categories)
    rng : numpy.random.RandomState

    Returns
    -------
    codes : ndarray of shape (n_rows,), dtype=int

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations.base import draw_categories
    >>> draw_categories(np.array([[0.0, 50.0], [50.0, 0.0]]), np.random.RandomState(0))
    array([1, 0])
    """
    logits = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    cumulative = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    u = rng.uniform(size=(len(logits), 1))
    return np.minimum((u > cumulative).sum(axis=1), logits.shape[1] - 1)


class Observation:
    """The columns of one kind in a table: their encoding, parameters and densities.

    A kind subclasses this in its own module and sets ``name``; most also set
    ``continuous`` and ``params_per_column`` and define :meth:`log_prob_terms`,
    :meth:`expected` and :meth:`sample`.

    Parameters
    ----------
    columns : list of int
        Positions of the kind's columns among the table's modelled columns.
    starts, widths : ndarray of int
        Each column's first position and width in the encoded rows.
    log_scale : ndarray of shape (n_columns,)
        Log of each column's internal scale (0 for discrete columns).
    var_floor : float
        Lower bound of every variance, in scaled units.
    n_mixture_components : int
        The estimator's ``n_mixture_components`` (for kinds that mix components).

    Attributes
    ----------
    n : int
        Number of columns of the kind.
    param_width : int
        Width of the kind's block of the decoder output.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn.observations import observation_classes
    >>> Gaussian = observation_classes()["gaussian"]
    >>> columns = Gaussian([0, 2], np.array([0, 2]), np.array([1, 1]), np.zeros(2), 0.01, 1)
    >>> columns.n, columns.param_width, columns.continuous
    (2, 2, True)
    """

    #: The kind's name: its module's name, and the value of ``likelihood``/``column_types``.
    name = None
    #: Whether values are standardised (and densities carry the log-Jacobian); must match
    #: the kind's folder.
    continuous = False
    #: Position of the kind's block in the decoder output, relative to other kinds.
    parameter_order = LATER
    #: Decoder outputs per column.
    params_per_column = 1
    #: Whether the model learns one log-variance per column (a weight, not a decoder
    #: output) that :meth:`log_prob_terms` and :meth:`sample` receive as ``column_log_var``.
    learned_variance = False
    #: Whether the kind's probabilities are censored at the training range: the layout
    #: sets its ``bounds`` (see skvae._nn.observations.continuous.integer).
    bounded = False
    #: Whether a column's encoded form is its value itself, one number.
    encoded_as_is = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name is None:
            return
        if cls.name in REGISTRY:
            raise TypeError(f"two observation classes are named {cls.name!r}")
        REGISTRY[cls.name] = cls

    @classmethod
    def encoded_width(cls, n_categories):
        """Width of one column in the encoded rows (given its number of categories)."""
        return 1

    def __init__(self, columns, starts, widths, log_scale, var_floor, n_mixture_components):
        self.columns = list(columns)
        self.n = len(self.columns)
        self.starts = np.asarray(starts, dtype=int)
        self.widths = np.asarray(widths, dtype=int)
        self.log_scale = np.asarray(log_scale, dtype="float64")
        self.var_floor = float(var_floor)
        self.n_mixture_components = int(n_mixture_components)

    @property
    def param_width(self):
        return self.params_per_column * self.n

    # -- encoding (NumPy) -------------------------------------------------------------
    def encode(self, values, observed, x, mask):
        """Write the kind's columns of ``values``/``observed`` (one per column) into the
        encoded rows ``x`` and ``mask``."""
        x[:, self.starts] = values[:, self.columns]
        mask[:, self.starts] = observed[:, self.columns]

    def encoded_positions(self):
        """Encoded positions, in the order :meth:`expected` returns them."""
        return self.starts

    def values_from_encoded(self, encoded):
        """One value per column (n, self.n) from encoded rows (NumPy): here the value."""
        return encoded[:, self.starts]

    # -- the decoder output's block ---------------------------------------------------
    def initial_bias(self):
        """Initial bias of the kind's block of the decoder's output layer (zeros here)."""
        return np.zeros(self.param_width, dtype="float32")

    def part(self, params, index):
        """Parameter ``index`` of every column, from the kind's block (..., param_width)."""
        return params[..., index * self.n : (index + 1) * self.n]

    # -- densities (keras.ops) ----------------------------------------------------------
    def log_prob_terms(self, x, params, mask, column_log_var):
        """Per-row log-likelihood terms of the kind's observed columns, (..., ) each.

        ``x`` and ``mask`` are full encoded rows, ``params`` the kind's block; the
        layout adds the terms up in order (their sum is the kind's contribution).
        """
        raise NotImplementedError

    def expected(self, params):
        """E[x | params] of the kind's encoded positions (see :meth:`encoded_positions`),
        as a list of tensors (..., width) to concatenate."""
        raise NotImplementedError

    # -- sampling (NumPy) ------------------------------------------------------------
    def sample(self, params, column_log_var, rng):
        """One draw per row and column (n_rows, self.n) from the block ``params``."""
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------
    def take(self, x):
        """The kind's one-number columns of encoded rows: a slice when they are adjacent."""
        first = int(self.starts[0])
        if np.array_equal(self.starts, np.arange(first, first + self.n)):
            return x[..., first : first + self.n]
        return ops.take(x, ops.convert_to_tensor(self.starts.astype("int32")), axis=-1)

    def masked_sum(self, log_p, mask):
        """Sum over the kind's columns of (log_p - log scale), observed entries only."""
        # In log_p's dtype: float32 in the model (the same rounding as a float32 array),
        # float64 for the VQ-VAE's exact scores.
        log_scale = ops.cast(self.log_scale, ops.dtype(log_p))
        return ops.sum((log_p - log_scale) * self.take(mask), axis=-1)

    def floor(self, raw):
        """Floored log-variance of decoder outputs (``keras.ops``), see floored_log_var."""
        return floored_log_var(raw, self.var_floor)

    def floor_numpy(self, raw):
        """The same floor in NumPy, for sampling."""
        return np.logaddexp(math.log(self.var_floor), raw)
