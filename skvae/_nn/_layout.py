"""Per-column likelihoods: how the model's inputs and decoder outputs are laid out.

The model sees each modelled column in an *encoded* form: a continuous column as one
standardised number, a binary column as 0/1, a categorical column as a one-hot block. The
decoder outputs the parameters of every column's distribution, grouped by kind, one block
per kind present in the table, in the kinds' ``parameter_order``::

    [gaussian means | heteroscedastic means, raw variances | bernoulli logits |
     categorical logits (one block per column) | mixture logits, means, raw variances |
     kinds added later (student_t locations, raw scales, raw degrees of freedom)]

(within a block, parameter-major; mixture parameters are component-major: component m of
every mixture column, then m + 1), so a table of one kind has exactly the layout of a
single-likelihood model. Each kind is an observation model of :mod:`skvae._nn.observations`;
:class:`ColumnLayout` places their blocks and adds up their log-probabilities
(``keras.ops``, any backend), expected values and samples (NumPy).
"""

import copy

import numpy as np
from keras import ops

from skvae._nn.observations import observation_classes
from skvae._nn.observations.base import floored_log_var


class ColumnLayout:
    """Where each column's values and distribution parameters sit, and their densities.

    Parameters
    ----------
    kinds : list of str
        Kind of each modelled column: a kind of :mod:`skvae._nn.observations` ("gaussian",
        "heteroscedastic", "mixture", "student_t", "bernoulli", "categorical", ...).
    n_categories : list of int
        Number of categories of each column (ignored for non-categorical columns).
    n_mixture_components : int
        Gaussian components per "mixture" column.
    log_scale : array of shape (n_columns,)
        Log of each column's internal scale (0 for discrete columns): subtracted from the
        log-density of continuous columns, the log-Jacobian of the standardisation.
    var_floor : float
        Lower bound of every variance, in scaled units.
    bounds : array of shape (n_columns, 2), optional
        Each column's training range [low, high] in scaled units, which the "integer"
        kind censors its probabilities at (``-inf``/``inf``, or None for all: no bound).
    integer_floor_in_units : bool, default=True
        Whether the "integer" kind's scale floor is ``var_floor`` in X's units (see
        skvae._nn.observations.continuous.integer), not in scaled units as it was.

    Attributes
    ----------
    observations : list of Observation
        One per kind present, in the order of their blocks in the decoder output.
    input_width, param_width : int
        Widths of the encoded rows and of the decoder output.
    n_gaussian : int
        Number of columns with a learned variance (the model's ``obs_raw_var`` weight).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._layout import ColumnLayout
    >>> layout = ColumnLayout(["categorical", "gaussian"], [3, 0], 1, np.zeros(2), 0.01)
    >>> layout.input_width, layout.param_width, layout.n_gaussian
    (4, 4, 1)
    >>> x, mask = layout.encode_rows(np.array([[2.0, 0.5]]), np.array([[True, True]]))
    >>> x
    array([[0. , 0. , 1. , 0.5]], dtype=float32)
    """

    def __init__(
        self,
        kinds,
        n_categories,
        n_mixture_components,
        log_scale,
        var_floor,
        bounds=None,
        integer_floor_in_units=True,
    ):
        self.kinds = list(kinds)
        self.n_columns = len(self.kinds)
        self.n_mixture_components = int(n_mixture_components)
        self.var_floor = float(var_floor)
        classes = observation_classes()
        unknown = sorted(set(self.kinds) - set(classes))
        if unknown:
            raise ValueError(f"unknown column kinds {unknown}; known are {sorted(classes)}")
        kinds_and_counts = zip(self.kinds, n_categories, strict=True)
        widths = np.array([classes[kind].encoded_width(k) for kind, k in kinds_and_counts], int)
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int)
        self.column_widths = tuple(int(w) for w in widths)
        self.input_width = int(widths.sum())
        # float64, cast to the log-densities' dtype where used (Observation.masked_sum).
        log_scale = np.asarray(log_scale, dtype="float64")
        self.observations, self.param_offsets = [], {}
        offset = 0
        for name, cls in classes.items():
            columns = [j for j, kind in enumerate(self.kinds) if kind == name]
            if not columns:
                continue
            observation = cls(
                columns,
                starts[columns],
                widths[columns],
                log_scale[columns],
                self.var_floor,
                self.n_mixture_components,
            )
            if observation.bounded:  # the "integer" kind
                if bounds is not None:
                    observation.bounds = np.asarray(bounds, dtype="float64")[columns].T
                # Only where a column spreads over more than a unit does the floor in
                # units differ: elsewhere the densities' floor, in the same graph as before.
                spread = bool((log_scale[columns] > 0).any())
                observation.floor_in_units = bool(integer_floor_in_units) and spread
            self.observations.append(observation)
            self.param_offsets[name] = offset
            offset += observation.param_width
        self.param_width = int(offset)
        self.n_gaussian = sum(o.n for o in self.observations if o.learned_variance)
        # Encoded positions in the order expected_x computes them; its inverse permutation
        # puts them back in column order (identity, and skipped, for a one-kind table).
        kind_order = np.concatenate(
            [o.encoded_positions() for o in self.observations] or [np.zeros(0)]
        ).astype(int)
        inverse = np.argsort(kind_order)
        self._to_column_order = (
            None if np.array_equal(inverse, np.arange(self.input_width)) else inverse
        )

    def structure(self):
        """What the layout's graphs depend on besides the columns' data (log scales and
        bounds): kinds, widths and settings, as a hashable tuple (two layouts with equal
        structures compute the same functions of their data)."""
        settings = (self.n_mixture_components, self.var_floor)
        floors = tuple(o.floor_in_units for o in self.observations if o.bounded)
        return (tuple(self.kinds), self.column_widths, *settings, floors)

    def with_data_in(self, make_variable):
        """A copy whose observations read the columns' data (their log scales and, for
        bounded kinds, their bounds) from variables.

        ``make_variable(values, name)`` makes one variable of float32 ``values``. A
        compiled function then reads the data when it runs instead of holding them as
        constants, so it serves a later fit of other columns too (see
        ``skvae._nn._model_pool``). The copy's :attr:`data_variables` lists them.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae._nn._layout import ColumnLayout
        >>> layout = ColumnLayout(["gaussian"] * 2, [0, 0], 1, np.log([2.0, 4.0]), 0.01)
        >>> held = layout.with_data_in(lambda values, name: values.copy())
        >>> np.exp(held.data_variables[0]).tolist(), held is layout
        ([2.0, 4.0], False)
        """
        held = copy.copy(self)
        held.observations = [copy.copy(o) for o in self.observations]
        held.data_variables = []
        for observation in held.observations:
            observation.log_scale = make_variable(
                np.asarray(observation.log_scale, "float32"), "log_scale"
            )
            held.data_variables.append(observation.log_scale)
            if observation.bounded:
                bounds = np.asarray(observation.bounds, "float32")
                observation.bounds = make_variable(bounds, "bounds")
                held.data_variables.append(observation.bounds)
        return held

    def _blocks(self, params):
        """(observation, its block of ``params``) of each kind present."""
        for observation in self.observations:
            start = self.param_offsets[observation.name]
            yield observation, params[..., start : start + observation.param_width]

    def _column_log_vars(self, obs_log_var):
        """Each observation's part of ``obs_log_var`` (None for kinds without one)."""
        parts, start = [], 0
        for observation in self.observations:
            if not observation.learned_variance:
                parts.append(None)
            elif start == 0 and observation.n == self.n_gaussian:
                parts.append(obs_log_var)  # the whole vector: no slicing op in the graph
            else:
                parts.append(obs_log_var[start : start + observation.n])
            start += observation.n if observation.learned_variance else 0
        return parts

    # -- model inputs (NumPy) ---------------------------------------------------------------
    def encode_rows(self, values, observed, dtype=np.float32):
        """Encoded rows and mask (float32, or ``dtype``) from one value per column (scaled
        units).

        ``values`` holds standardised numbers, 0/1 and category codes, with missing entries
        (``observed`` False) already 0. A categorical column becomes a one-hot block (all
        zeros when missing) whose mask entries all equal its column's.
        """
        if all(o.encoded_as_is for o in self.observations):
            return values.astype(dtype), observed.astype(dtype)
        n = len(values)
        x = np.zeros((n, self.input_width), dtype=dtype)
        mask = np.zeros((n, self.input_width), dtype=dtype)
        for observation in self.observations:
            observation.encode(values, observed, x, mask)
        return x, mask

    # -- decoder output layout ------------------------------------------------------------
    def initial_bias(self):
        """Initial bias of the decoder's output layer (e.g. mixture means spread apart)."""
        bias = np.zeros(self.param_width, dtype="float32")
        for observation in self.observations:
            start = self.param_offsets[observation.name]
            bias[start : start + observation.param_width] = observation.initial_bias()
        return bias

    def floor(self, raw):
        """Log-variance var_floor + exp(raw): never below the floor (keras.ops)."""
        return floored_log_var(raw, self.var_floor)

    # -- log-probabilities (keras.ops) ----------------------------------------------------
    def log_prob(self, x, params, mask, obs_log_var=None):
        """log p(x_observed | decoder params) per row, in the units of the user's X.

        ``x`` and ``mask`` are encoded rows (..., input_width), ``params`` the decoder
        output (..., param_width); ``obs_log_var`` holds the learned log-variances of the
        "gaussian" columns. Each observed column adds its log-density (continuous, minus
        its log scale) or log-probability (discrete).
        """
        total = 0.0
        log_vars = self._column_log_vars(obs_log_var)
        for (observation, block), log_var in zip(self._blocks(params), log_vars, strict=True):
            for term in observation.log_prob_terms(x, block, mask, log_var):
                total += term
        return total

    # -- expected values --------------------------------------------------------------------
    def expected_x(self, params):
        """E[x | decoder params] in the encoded coding (keras.ops), shape (..., input_width).

        Means of continuous columns (the mixture's weighted mean), probabilities of binary
        ones and one-hot probability vectors of categorical ones.
        """
        parts = [part for obs, block in self._blocks(params) for part in obs.expected(block)]
        out = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        if self._to_column_order is not None:
            out = ops.take(out, ops.convert_to_tensor(self._to_column_order.astype("int32")), -1)
        return out

    def columns_from_encoded(self, encoded):
        """Encoded values (NumPy, (n, input_width)) to one value per column.

        Continuous and binary columns keep their value (a mean or a probability);
        a categorical column gets the code of its most probable category.
        """
        out = np.empty((len(encoded), self.n_columns))
        for observation in self.observations:
            out[:, observation.columns] = observation.values_from_encoded(encoded)
        return out

    # -- sampling (NumPy) ---------------------------------------------------------------------
    def sample_columns(self, params, obs_log_var, rng):
        """One draw x ~ p(x | decoder params) per row, one value per column (scaled units).

        ``params`` is a NumPy array (n, param_width); categorical columns get a category
        code, binary ones 0 or 1, continuous ones a value with the observation noise.
        Kinds draw in the order of their blocks, so a seed gives the same rows.
        """
        out = np.empty((len(params), self.n_columns))
        log_vars = self._column_log_vars(obs_log_var)
        for (observation, block), log_var in zip(self._blocks(params), log_vars, strict=True):
            out[:, observation.columns] = observation.sample(block, log_var, rng)
        return out
