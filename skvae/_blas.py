"""One BLAS thread for skvae's own linear algebra on small matrices.

NumPy and SciPy call a threaded BLAS (OpenBLAS here). skvae's linear algebra outside the
networks works on small matrices: the EM of factor analysis on incomplete rows solves and
decomposes k x k and p x p matrices once per iteration, the mixtures fit a few d x d
covariances per EM step. Such matrices are too small to share between threads, and the
threads' synchronisation costs more than the arithmetic: on a 2-core machine the
aggregate posterior's mixture (2000 codes of 23 dimensions) took 2.1 s with two BLAS
threads and 0.3 s with one, an eigendecomposition of a 30 x 30 matrix twice as long, and
under the contention of other TensorFlow processes the mixture of a first ``sample``
took up to 13.8 s against 0.7 s (``benchmarks/blas_threads.py``, docs/scale.rst). skvae
therefore runs these functions with one BLAS thread, restored when they return: the
user's own NumPy work keeps its settings. One thread also makes their results
independent of the number of cores.
"""

import contextlib
import functools
import threading

from threadpoolctl import ThreadpoolController


def one_blas_thread():
    """A context manager that limits the BLAS libraries to one thread inside it, in the
    main thread; elsewhere it does nothing.

    The limit is process-wide, so it is set only from the main thread: from worker
    threads, the saved settings interleaved, and OpenBLAS reported one thread there, so
    that 200 calls from a pool of 4 left the process at one thread for good. In the main
    thread the setting comes back when the block ends, also after an exception; while
    it holds, other threads' NumPy work runs on one BLAS thread too. A BLAS library
    loaded after skvae's first use of it is not limited.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._blas import one_blas_thread
    >>> with one_blas_thread():
    ...     float(np.linalg.inv(np.eye(3) * 2.0)[0, 0])
    0.5
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    return _controller().limit(limits=1, user_api="blas")


@functools.cache
def _controller():
    """The process's controller of the loaded libraries' thread pools, made once (making
    it lists the libraries, about a millisecond)."""
    return ThreadpoolController()
