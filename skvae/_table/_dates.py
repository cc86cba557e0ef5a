"""Dates, times and durations, which skvae cannot model: one error for all their forms.

A date is no quantity on the scale of its nanosecond count, and no unordered category: a
datetime64 or timedelta64 column or array, and date, time and duration objects in an
object column or array (``pd.Timestamp``, ``datetime.date``, ``pd.Timedelta``, which
pandas leaves as objects, and ``pd.Period``, a month or a quarter), all get the same error
saying how to convert them.
"""

import datetime

import numpy as np

# pd.Timestamp and pd.Timedelta are subclasses of datetime's types.
DATE_TYPES = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)
ADVICE = (
    "convert them to numbers first (say, days since a start date, or the year and day of "
    "year as columns), or, if they are categories (months, quarters), to text on purpose "
    "(e.g. df[column].dt.strftime('%Y-%m'))"
)


def is_date_type(kind):
    """Whether values of the type ``kind`` are dates, times, durations or periods.

    ``pd.Period`` (a month, a quarter) is no subclass of datetime's types; it is told by
    its class, so that this module needs no pandas.

    Examples
    --------
    >>> import datetime
    >>> import pandas as pd
    >>> from skvae._table._dates import is_date_type
    >>> is_date_type(datetime.date), is_date_type(pd.Period), is_date_type(str)
    (True, True, False)
    """
    if issubclass(kind, DATE_TYPES):
        return True
    return any(
        base.__name__ == "Period" and base.__module__.split(".")[0] == "pandas"
        for base in kind.__mro__
    )


def is_date(value):
    """Whether one cell holds a date, a time, a duration or a period.

    Examples
    --------
    >>> import datetime
    >>> import pandas as pd
    >>> from skvae._table._dates import is_date
    >>> is_date(datetime.date(2021, 1, 1)), is_date(pd.Period("2021-01")), is_date("2021-01")
    (True, True, False)
    """
    return is_date_type(type(value))


def dates_error(subject, received):
    """The ``ValueError`` for dates in ``subject`` ("X", "column 'when'"), which holds
    ``received`` ("dtype datetime64[ns]", "Timestamp values (such as ...)").

    Examples
    --------
    >>> from skvae._table._dates import dates_error
    >>> print(dates_error("X", "dtype datetime64[D]"))  # doctest: +ELLIPSIS
    X has dtype datetime64[D], which skvae cannot model: dates, times, periods and ...
    """
    verb = "has" if received.startswith("dtype") else "holds"
    return ValueError(
        f"{subject} {verb} {received}, which skvae cannot model: dates, times, periods and "
        f"durations are neither quantities nor unordered categories; {ADVICE}"
    )


def date_values(value):
    """How a message shows the date object ``value``: its type and the value (whole: a
    date's repr is short, and reprlib would cut Timestamp('2021-01-01') in the middle).

    Examples
    --------
    >>> import datetime
    >>> from skvae._table._dates import date_values
    >>> date_values(datetime.date(2021, 1, 1))
    'date values, such as datetime.date(2021, 1, 1)'
    """
    return f"{type(value).__name__} values, such as {value!r}"


def check_not_dates(X):
    """Raise ``ValueError`` for an array of dates or durations: NumPy ``datetime64`` or
    ``timedelta64``, which scikit-learn's ``check_array`` would silently turn into
    nanosecond counts, or an object array holding date objects, for which it raises a
    bare TypeError; a DataFrame's date columns get the same error in ``fit_columns``.

    Examples
    --------
    >>> import datetime
    >>> import numpy as np
    >>> from skvae._table._dates import check_not_dates
    >>> check_not_dates(np.ones((2, 2)))
    >>> try:
    ...     check_not_dates(np.array([[1.0, datetime.date(2021, 1, 1)]], dtype=object))
    ... except ValueError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    column 1 of X holds date values, such as datetime.date(2021, 1, 1), which skvae ...
    """
    dtype = getattr(X, "dtype", None)
    if getattr(dtype, "kind", "") in ("m", "M"):
        raise dates_error("X", f"dtype {dtype}")
    if getattr(dtype, "kind", "") != "O" or not hasattr(X, "__array__"):
        return
    values = np.asarray(X)
    # The cells' types, in C (type is a builtin): a Python loop over the cells tripled the
    # cost of transforming a 200,000 x 20 object array.
    types = np.frompyfunc(type, 1, 1)(values)
    found = [kind for kind in set(types.ravel().tolist()) if is_date_type(kind)]
    if found:
        index = np.unravel_index(np.argmax(np.isin(types, found)), values.shape)
        subject = f"column {index[-1]} of X" if values.ndim == 2 else "X"
        raise dates_error(subject, date_values(values[index]))
