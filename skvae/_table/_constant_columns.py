"""Columns constant in training come back as their constant.

A real-valued column that holds one value in every training row has nothing for the
model to learn, but its likelihood still has a spread: the variance floor, a fraction of
a pooled scale (so that a held-out row with another value costs tens of nats, not
millions). Draws, reconstructions and imputations of such a column used to carry that
spread: a column always 1e-6 came back from -0.03 to 0.14, one always 1000 from 997.6 to
1002.7 under the VQ-VAE. Every value the model returns in X's units (``sample``,
``inverse_transform``, the imputer's fills and draws) now takes the training constant
there, which is also the limit of the model's own distribution as the floor goes to 0.
The density (``score_samples``) keeps the floor.
"""

import numpy as np


class ConstantColumnsMixin:
    """Remembers the continuous columns that are constant in training and pins them.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._constant_columns import ConstantColumnsMixin
    >>> table = ConstantColumnsMixin()
    >>> X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, np.nan]])
    >>> table._fit_constants(X, continuous=np.array([True, True]))
    >>> table._pinned(np.array([[0.5, 4.9]])).tolist()
    [[0.5, 5.0]]
    >>> table._narrow_constants(np.array([[1.0, 6.0]]))  # partial_fit: now it varies
    >>> table._pinned(np.array([[0.5, 4.9]])).tolist()
    [[0.5, 4.9]]
    """

    def _fit_constants(self, X_data, continuous):
        """Store the value of each ``continuous`` column of X_data (modelled coded rows)
        that holds a single value in its observed entries; NaN for the others."""
        constants = np.full(X_data.shape[1], np.nan)
        for j in np.flatnonzero(continuous):
            observed = X_data[~np.isnan(X_data[:, j]), j]
            if observed.size and observed.min() == observed.max():
                constants[j] = observed[0]
        self._constant_values = constants

    def _narrow_constants(self, X_data):
        """Drop the columns that take another value in X_data (rows of a later
        ``partial_fit`` call) from the constants."""
        constants = getattr(self, "_constant_values", None)
        if constants is None:
            return
        for j in np.flatnonzero(~np.isnan(constants)):
            observed = X_data[~np.isnan(X_data[:, j]), j]
            if np.any(observed != constants[j]):
                constants[j] = np.nan

    def _pinned(self, values):
        """``values`` (modelled columns in X's units) with the constant columns set to
        their training value (a model saved before this pinned nothing)."""
        constants = getattr(self, "_constant_values", None)
        if constants is None or np.isnan(constants).all():
            return values
        pinned = ~np.isnan(constants)
        values = np.array(values, dtype=np.float64, copy=True)
        values[:, pinned] = constants[pinned]
        return values
