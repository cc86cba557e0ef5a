"""skvae's one-BLAS-thread limit (skvae._blas) leaves the user's setting as it was."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skvae._blas import one_blas_thread
from skvae._table._whitening import whitening_from_correlation


def blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_the_limit_holds_inside_and_the_setting_comes_back_after_errors_and_threads():
    """Inside the block BLAS runs one thread; after it, after an exception in it, and
    after 200 calls from a pool of 4 threads (which had left the process at one thread
    for good), the setting is the user's again."""
    if not blas_threads():
        pytest.skip("no BLAS library that threadpoolctl controls")
    with threadpool_limits(2, user_api="blas"):
        user = blas_threads()
        with one_blas_thread():
            assert set(blas_threads()) == {1}
        assert blas_threads() == user
        with pytest.raises(ValueError), one_blas_thread():
            raise ValueError("inside")
        assert blas_threads() == user
        correlation = np.eye(4) * 0.5 + 0.5
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: whitening_from_correlation(correlation), range(200)))
        assert blas_threads() == user
