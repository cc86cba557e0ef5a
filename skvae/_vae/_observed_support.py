"""The values of each 0/1 and categorical column that training observed, and fills and
draws kept to them.

The decoder's logits are finite, so p(x | z) gives every category some probability,
also one that no training row took: an unused category of a pandas category dtype, or
the False of a True/False column that is True in every observed row. The imputer's
draws then put such values into holes (False in 5% of the holes of an always-True
column after 500 epochs, 37% after 40; an unused category in 1.5%), and its mean fill
can pick them. A real-valued column constant in training is pinned to its constant
(:mod:`skvae._table._constant_columns`); these columns get the same guarantee: the
imputer's fills and draws are taken from p(x | z) restricted to the observed values
(renormalised over them), so a constant 0/1 or categorical column is filled with its
constant, and an unseen category is never imputed. Where every value was observed,
nothing changes (not even the random numbers drawn). The density (``score_samples``)
keeps the model's own probabilities: a new row holding an unseen value scores finitely.
"""

import numpy as np


def support_offsets(layout, shares):
    """One offset per decoder output: -inf at the logit of a category no training row
    took, +inf at a Bernoulli logit whose 0 no training row took (every row 1), 0 elsewhere.

    Parameters
    ----------
    layout : skvae._nn._layout.ColumnLayout
        The model's column layout.
    shares : list or None
        Training shares per modelled column (``skvae._vae._category_shares``); None, or a
        column without shares, restricts nothing.

    Returns
    -------
    offsets : ndarray of shape (param_width,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._vae._observed_support import support_offsets
    >>> layout = ColumnLayout(["bernoulli", "categorical"], [0, 3], 1, np.zeros(2), 0.01)
    >>> support_offsets(layout, [np.array([0.0, 1.0]), np.array([0.4, 0.0, 0.6])])
    array([ inf,   0., -inf,   0.])
    """
    offsets = np.zeros(layout.param_width)
    for kind, j, position in _discrete_positions(layout, shares, "param"):
        if kind == "bernoulli":
            offsets[position] = _bernoulli_pin(shares[j], -np.inf, np.inf, 0.0)
        else:
            offsets[position][shares[j] == 0] = -np.inf  # a slice: a view of offsets
    return offsets


def restrict_expected(encoded, layout, shares):
    """Encoded expectations E[x | z] (probabilities of 0/1 and categorical columns) under
    p(x | z) restricted to the observed values: a 0/1 column with one observed value gets
    that value, a categorical column's probabilities renormalised over its observed
    categories.

    Parameters
    ----------
    encoded : ndarray of shape (..., input_width)
        Expected encoded rows (last axis: the layout's encoded positions).
    layout : skvae._nn._layout.ColumnLayout
        The model's column layout.
    shares : list or None
        As in :func:`support_offsets`.

    Returns
    -------
    restricted : ndarray of shape (..., input_width)
        A copy of ``encoded`` (``encoded`` itself where nothing is restricted).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._vae._observed_support import restrict_expected
    >>> layout = ColumnLayout(["bernoulli", "categorical"], [0, 3], 1, np.zeros(2), 0.01)
    >>> restrict_expected(np.array([[0.3, 0.2, 0.5, 0.3]]), layout,
    ...                   [np.array([0.0, 1.0]), np.array([0.5, 0.0, 0.5])]).round(3)
    array([[1. , 0.4, 0. , 0.6]])
    """
    restricted = None
    for kind, j, position in _discrete_positions(layout, shares, "encoded"):
        absent = shares[j] == 0
        if not absent.any():
            continue
        if restricted is None:
            restricted = np.array(encoded, dtype=np.float64, copy=True)
        if kind == "bernoulli":
            restricted[..., position] = _bernoulli_pin(shares[j], 0.0, 1.0, None)
        else:
            probabilities = np.where(absent, 0.0, restricted[..., position])
            total = probabilities.sum(axis=-1, keepdims=True)
            restricted[..., position] = probabilities / np.maximum(total, 1e-300)
    return encoded if restricted is None else restricted


def _bernoulli_pin(shares, when_always_0, when_always_1, otherwise):
    """What a 0/1 column with training ``shares`` [P(0), P(1)] is pinned to."""
    if shares[1] == 0:
        return when_always_0
    if shares[0] == 0:
        return when_always_1
    return otherwise


def _discrete_positions(layout, shares, where):
    """(kind, column, position) of each 0/1 and categorical modelled column with shares:
    where its logit (an index) or logits (a slice) sit among the decoder outputs
    (``where="param"``), or its value or one-hot block among the encoded rows
    (``"encoded"``)."""
    if shares is None:
        return []
    found = []
    for observation in layout.observations:
        kind = observation.name
        if kind not in ("bernoulli", "categorical"):
            continue
        param = layout.param_offsets[kind]  # parameter-major: one logit (block) per column
        for i, (j, start, width) in enumerate(
            zip(observation.columns, observation.starts, observation.widths, strict=True)
        ):
            if where == "encoded":
                start, stop = int(start), int(start) + int(width)
            elif kind == "bernoulli":
                start, stop = param + i, param + i + 1
            else:
                start, stop = param, param + int(width)
                param = stop
            if shares[j] is not None:
                found.append((kind, j, start if kind == "bernoulli" else slice(start, stop)))
    return found
