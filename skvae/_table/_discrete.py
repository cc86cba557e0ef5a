"""Which numeric columns count as discrete: few distinct values, each seen often enough.

One rule serves two places: ``sample()`` snaps a discrete column's generated values to
the values seen in fit (skvae._vae._marginals), and ``whiten=True`` leaves a discrete
column in its own coordinates (skvae._table._whitening).
"""

import numpy as np

# A column is discrete when it has at most this many distinct observed values, each seen
# in MIN_ROWS_PER_VALUE rows on average (so that a small table's continuous column is not
# mistaken for one).
MAX_DISCRETE_VALUES = 20
MIN_ROWS_PER_VALUE = 5


def is_discrete(n_values, n_observed):
    """Whether columns with ``n_values`` distinct values among ``n_observed`` observed
    entries are discrete (element-wise for arrays).

    Examples
    --------
    >>> from skvae._table._discrete import is_discrete
    >>> is_discrete([5, 5, 30], [300, 20, 300]).tolist()
    [True, False, False]
    """
    n_values = np.asarray(n_values)
    return (n_values <= MAX_DISCRETE_VALUES) & (
        np.asarray(n_observed) >= MIN_ROWS_PER_VALUE * n_values
    )
