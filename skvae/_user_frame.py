"""The stack level of the user's call, for warnings raised deep inside skvae.

``warnings.warn(..., stacklevel=k)`` attributes a warning to the k-th frame up the stack.
A fixed k breaks whenever a call path gains or loses a frame (a subclass's override, a
scikit-learn wrapper), and the warning then names a file inside skvae or scikit-learn
instead of the line the user wrote. :func:`user_stacklevel` counts the frames instead.
"""

import inspect
import os

import sklearn

# Frames in these folders (skvae's, this module's own, and scikit-learn's) are library
# frames: the warning goes to the first frame outside them.
_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep for path in (__file__, sklearn.__file__)
)


def user_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` call in the calling function that points at
    the first frame outside skvae and scikit-learn (the user's code, a test, a notebook).

    Examples
    --------
    >>> import warnings
    >>> from skvae._user_frame import user_stacklevel
    >>> def deep():
    ...     warnings.warn("careful", UserWarning, stacklevel=user_stacklevel())
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     deep()
    >>> caught[0].filename.startswith("<doctest")
    True
    """
    frame = inspect.currentframe().f_back  # the function that warns: stacklevel 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LIBRARY_DIRS):
        frame = frame.f_back
        level += 1
    return level
