"""Category shares of generated rows matched to the training rows', by tilting the
decoder's logits: the categorical counterpart of the numeric quantile map in
``skvae._vae._marginals``.

A decoder that is a little off in a categorical or 0/1 column draws each category too
often or too rarely across all rows (in draws of 20,000 rows, the worst categorical
column was 0.011 to 0.021 away from its training shares in total variation on wine,
0.023 to 0.053 on penguins and 0.028 to 0.085 on iris; docs/synthetic_data.rst). A
rank-preserving map, as for numeric columns, has no meaning for categories; instead each
column's logits get one offset per category, the same for every row, chosen so that the
category probabilities averaged over a fixed reference draw of the sampler equal the
training shares. That is the exponential tilt of the model's p(category | z) closest to
it (in Kullback-Leibler divergence) among those with the training marginal: every row's
probabilities move by the same factors, so which rows favour which category, the
dependence on the other columns, is kept. The offsets solve a one-margin matrix scaling
(Sinkhorn 1964): rows of softmax probabilities summing to one, column means to the
training shares; it is solved as the minimum of a convex function (see
:func:`tilt_to_shares`). A category that no training row took (an unused category of a
pandas category dtype, the 1 of a 0/1 column that is always 0) has a share of 0 and is
never drawn: its logit's offset is -inf.
"""

import numpy as np
from scipy.special import logsumexp

from skvae._table._codes import discrete_value_counts

# Rows of the reference draw of decoder outputs that the tilt is computed on: the shares
# it gives are off by that draw's sampling error, about 0.5 / sqrt(32768) ~ 0.003.
N_TILT_ROWS = 32768

# The solver stops when every share is within TOLERANCE of its target, or after
# MAX_ITERATIONS steps. Newton's steps solve a k x k system and cost n_rows * k^2: up to
# MAX_NEWTON_CATEGORIES categories; a column with more takes Sinkhorn's cheaper steps.
TOLERANCE = 1e-6
MAX_ITERATIONS = 300
MAX_NEWTON_CATEGORIES = 64


def fit_category_shares(X_data, kinds, n_categories):
    """Training shares of each 0/1 and categorical modelled column.

    Parameters
    ----------
    X_data : ndarray of shape (n_samples, n_columns)
        Coded modelled columns (category codes 0, 1, ...; 0/1 values; NaN where missing).
    kinds : sequence of str
        The column kinds.
    n_categories : sequence of int
        Number of categories per column (0 for a column that is not categorical).

    Returns
    -------
    shares : list
        Per column, its shares: ``[1 - mean, mean]`` for a ``"bernoulli"`` column, the
        share of each category for a ``"categorical"`` one (0 for a category no training
        row took); None for other kinds and a column with no observed value.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._category_shares import fit_category_shares
    >>> X = np.array([[0.0, 1.0, 0.2], [2.0, 0.0, 0.1], [2.0, 1.0, 0.3], [2.0, 1.0, 0.4]])
    >>> shares = fit_category_shares(X, ["categorical", "bernoulli", "gaussian"], [3, 0, 0])
    >>> [None if s is None else s.round(3).tolist() for s in shares]
    [[0.25, 0.0, 0.75], [0.25, 0.75], None]
    """
    shares = [None] * len(kinds)
    for j, counts in enumerate(discrete_value_counts(X_data, kinds, n_categories)):
        # The counts sum to the column's observed entries (all zeros when it has none).
        if counts is not None and counts.sum() > 0:
            shares[j] = counts / counts.sum()
    return shares


def tilt_to_shares(logits, shares):
    """Offsets b such that the mean over rows of softmax(logits + b) equals ``shares``.

    b minimises the convex f(b) = mean_i logsumexp(logits_i + b) - shares . b, whose
    gradient is the mean probability minus ``shares``: damped Newton steps for up to
    MAX_NEWTON_CATEGORIES categories (a few steps, where Sinkhorn's scaling needs tens
    to hundreds for near-certain logits), Sinkhorn's step log(mean / shares) beyond, with
    the step halved until f falls.

    Parameters
    ----------
    logits : ndarray of shape (n_rows, n_categories)
    shares : ndarray of shape (n_categories,)
        Positive, summing to 1.

    Returns
    -------
    offsets : ndarray of shape (n_categories,)
        Centred (mean 0); adding a constant to all would change nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._category_shares import tilt_to_shares
    >>> logits = np.random.default_rng(0).normal(size=(500, 3))
    >>> b = tilt_to_shares(logits, np.array([0.5, 0.3, 0.2]))
    >>> p = np.exp(logits + b) / np.exp(logits + b).sum(axis=1, keepdims=True)
    >>> p.mean(axis=0).round(6).tolist()
    [0.5, 0.3, 0.2]
    """
    logits = logits - logits.max(axis=1, keepdims=True)
    n_rows, k = logits.shape
    offsets = np.zeros(k)

    def objective(b):
        shifted = logits + b
        top = shifted.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(shifted - top).sum(axis=1))
        return log_norm.mean() - shares @ b

    value = objective(offsets)
    for _ in range(MAX_ITERATIONS):
        prob = np.exp(logits + offsets - (logits + offsets).max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        mean = prob.mean(axis=0)
        gradient = mean - shares
        if np.abs(gradient).max() < TOLERANCE:
            break
        if k <= MAX_NEWTON_CATEGORIES:
            # f is flat along the all-ones direction; ones/k makes the Hessian definite
            # without changing the step's other components.
            hessian = np.diag(mean) - prob.T @ prob / n_rows + 1.0 / k
            step = np.linalg.solve(hessian, gradient)
        else:
            step = np.log(mean) - np.log(shares)
        size = 1.0
        while size > 1e-10:
            candidate = offsets - size * step
            candidate_value = objective(candidate)
            if candidate_value <= value - 0.25 * size * (gradient @ step):
                break
            size /= 2
        offsets, value = candidate, candidate_value
    return offsets - offsets.mean()


def category_logit_offsets(params, layout, shares):
    """One offset per decoder output: the tilt of each 0/1 and categorical column's
    logits that gives the training shares over ``params``, 0 elsewhere.

    Parameters
    ----------
    params : ndarray of shape (n_rows, param_width)
        Decoder outputs of a reference draw of the sampler.
    layout : skvae._nn._layout.ColumnLayout
        The model's column layout.
    shares : list
        From :func:`fit_category_shares`; a column without shares (None) is not tilted.

    Returns
    -------
    offsets : ndarray of shape (param_width,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._vae._category_shares import category_logit_offsets
    >>> layout = ColumnLayout(["bernoulli"], [0], 1, np.zeros(1), 0.01)
    >>> params = np.random.default_rng(0).normal(size=(1000, 1))   # P(1) about 0.5
    >>> offset = category_logit_offsets(params, layout, [np.array([0.1, 0.9])])
    >>> float((1 / (1 + np.exp(-(params + offset)))).mean().round(6))
    0.9
    >>> category_logit_offsets(params, layout, [np.array([1.0, 0.0])])  # never 1
    array([-inf])
    """
    offsets = np.zeros(params.shape[1])
    for observation in layout.observations:
        start = layout.param_offsets[observation.name]
        if observation.name == "bernoulli":
            for i, j in enumerate(observation.columns):
                if shares[j] is not None:
                    # A Bernoulli logit l is the two-category softmax of (0, l).
                    pair = np.column_stack([np.zeros(len(params)), params[:, start + i]])
                    b = tilt_with_absent_categories(pair, shares[j])
                    offsets[start + i] = np.inf if b[0] == -np.inf else b[1] - b[0]
        elif observation.name == "categorical":
            for j, width in zip(observation.columns, observation.widths, strict=True):
                if shares[j] is not None:
                    block = slice(start, start + int(width))
                    offsets[block] = tilt_with_absent_categories(params[:, block], shares[j])
                start += int(width)
    return offsets


def tilted_log_prob_shift(params, layout, offsets, given):
    """log p_tilted(x_given | params) - log p(x_given | params) per row: what tilting the
    logits by ``offsets`` (:func:`category_logit_offsets`) changes in the probability of
    given 0/1 and categorical values, summed over those columns.

    Parameters
    ----------
    params : ndarray of shape (n_rows, param_width)
        Decoder outputs.
    layout : skvae._nn._layout.ColumnLayout
        The model's column layout.
    offsets : ndarray of shape (param_width,)
        The tilt; offsets of columns not given are not read.
    given : dict
        Modelled column index to its given code (0/1, or a category code); columns of
        other kinds are ignored.

    Returns
    -------
    shift : ndarray of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._vae._category_shares import tilted_log_prob_shift
    >>> layout = ColumnLayout(["bernoulli"], [0], 1, np.zeros(1), 0.01)
    >>> shift = tilted_log_prob_shift(np.zeros((1, 1)), layout, np.array([np.log(3)]), {0: 1})
    >>> round(float(np.exp(shift[0])), 6)   # P(1) from 0.5 to 0.75
    1.5
    """
    shift = np.zeros(len(params))
    for observation in layout.observations:
        start = layout.param_offsets[observation.name]
        if observation.name == "bernoulli":
            for i, j in enumerate(observation.columns):
                if j in given:
                    # A value v in [0, 1] has log p = v log sigmoid(l) + (1 - v) log
                    # sigmoid(-l) (a 0/1 column of an array may be given 0.5); an infinite
                    # offset (a value no training row took) gives 0 or -inf.
                    logit, value = params[:, start + i], float(given[j])
                    for sign, share in ((1.0, value), (-1.0, 1.0 - value)):
                        if share > 0:
                            tilted = -np.logaddexp(0.0, -sign * (logit + offsets[start + i]))
                            shift += share * (tilted + np.logaddexp(0.0, -sign * logit))
        elif observation.name == "categorical":
            for j, width in zip(observation.columns, observation.widths, strict=True):
                if j in given:
                    block = params[:, start : start + int(width)]
                    code = int(given[j])
                    tilted = block + offsets[start : start + int(width)]
                    shift += (tilted[:, code] - logsumexp(tilted, axis=1)) - (
                        block[:, code] - logsumexp(block, axis=1)
                    )
                start += int(width)
    return shift


def tilt_with_absent_categories(logits, shares):
    """:func:`tilt_to_shares` over the categories with a positive share; -inf for the
    others, which are then never drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._category_shares import tilt_with_absent_categories
    >>> logits = np.random.default_rng(0).normal(size=(500, 3))
    >>> b = tilt_with_absent_categories(logits, np.array([0.5, 0.0, 0.5]))
    >>> bool(b[1] == -np.inf), bool(np.isfinite(b[[0, 2]]).all())
    (True, True)
    """
    present = shares > 0
    offsets = np.full(len(shares), -np.inf)
    offsets[present] = tilt_to_shares(logits[:, present], shares[present])
    return offsets
