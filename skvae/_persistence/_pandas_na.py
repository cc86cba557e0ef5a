"""``VAEImputer(missing_values=pd.NA)`` in a stored state: a plain marker for ``pd.NA``.

skops cannot store ``pd.NA`` (it would have to trust pandas' ``NAType``, and even trusted it
fails to rebuild the singleton), and :func:`skvae.skops_trusted_types` promises a state of
built-in and NumPy values. So ``__getstate__`` holds the string :data:`PANDAS_NA` in its
place, which no valid ``missing_values`` equals (strings are refused), and ``__setstate__``
puts ``pd.NA`` back: ``get_params()`` after loading returns ``pd.NA`` itself. skvae's own
file keeps its ``pandas_na`` tag (:mod:`skvae._persistence._codec`).
"""

import pandas as pd

PANDAS_NA = "pandas.NA"
KEY = "missing_values"


def pd_na_as_marker(state):
    """Replace ``pd.NA`` under ``missing_values`` in ``state`` by :data:`PANDAS_NA`.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae._persistence._pandas_na import pd_na_as_marker
    >>> pd_na_as_marker({"missing_values": pd.NA})
    {'missing_values': 'pandas.NA'}
    >>> pd_na_as_marker({"missing_values": 0})
    {'missing_values': 0}
    """
    if state.get(KEY, None) is pd.NA:
        state[KEY] = PANDAS_NA
    return state


def marker_as_pd_na(state):
    """Put ``pd.NA`` back where :func:`pd_na_as_marker` left its marker; returns ``state``.

    Examples
    --------
    >>> from skvae._persistence._pandas_na import marker_as_pd_na
    >>> marker_as_pd_na({"missing_values": "pandas.NA"})
    {'missing_values': <NA>}
    """
    value = state.get(KEY, None)
    # isinstance first: comparing pd.NA (a state from before the marker) gives NA, not a bool.
    if isinstance(value, str) and value == PANDAS_NA:
        state[KEY] = pd.NA
    return state
