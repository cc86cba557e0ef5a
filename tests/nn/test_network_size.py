"""Networks too large for this machine's memory are refused at once, with the sizes that
made them so, instead of a backend allocator error minutes into the fit."""

import numpy as np
import pytest

from skvae import VAETransformer, VQVAETransformer
from skvae._nn._config import check_fits_in_memory, dense_weight_count

X = np.random.default_rng(0).normal(size=(50, 3))


@pytest.mark.parametrize(
    "estimator, size",
    [
        (VAETransformer(hidden_layer_sizes=(10**9,), max_iter=1), "hidden_layer_sizes"),
        (VAETransformer(n_components=10**9, max_iter=1), "n_components=1000000000"),
        (VQVAETransformer(n_codes=10**9, max_iter=1), "n_codes=1000000000"),
        (VQVAETransformer(hidden_layer_sizes=(10**9,), max_iter=1), "hidden_layer_sizes"),
    ],
)
def test_a_network_beyond_memory_is_refused_and_leaves_no_fitted_state(estimator, size):
    """fit raises a ValueError naming the weights, the parameter and the memory (before:
    TensorFlow's ResourceExhaustedError after up to 40 s), and the estimator stays unfitted."""
    with pytest.raises(ValueError, match=rf"weights \(.*{size}.*GiB of memory") as error:
        estimator.fit(X)
    assert "choose smaller sizes" in str(error.value)
    assert not hasattr(estimator, "n_features_in_")


def test_weight_count_and_the_threshold():
    """A [3, 8, 4] stack has 3*8 + 8 + 8*4 + 4 = 68 weights; a network that fits in memory
    passes (the default on 3 columns) and one that does not is refused whatever its use."""
    assert dense_weight_count([3, 8, 4]) == 68
    assert dense_weight_count([5]) == 0
    check_fits_in_memory(10_000, "small")
    with pytest.raises(ValueError, match="1e\\+15 weights \\(big\\)"):
        check_fits_in_memory(10**15, "big")
