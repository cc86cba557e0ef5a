"""scikit-learn's estimator checks over every public estimator of skvae."""

import contextlib

import keras
import pytest
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skvae import VAEImputer, VAEOutlierDetector, VAETransformer, VQVAETransformer

# The checks feed random, structure-free data and train for 3 epochs: units collapse onto
# the prior, which the estimators rightly report; that warning is not what is checked here.
# The same holds for the VQ-VAE's codebook on a handful of rows.
pytestmark = [
    pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning"),
    pytest.mark.filterwarnings("ignore::skvae.CodebookCollapseWarning"),
    # Eager mode (see _untraced) does not reach tf.data functions; TensorFlow says so.
    pytest.mark.filterwarnings("ignore:Even though the `tf.config.experimental_run_functions"),
]

# Small and short so the ~50 checks (each fitting several times) stay fast.
FAST_VAE = VAETransformer(
    n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, random_state=0
)

# At its default contamination="auto", which the outlier checks require to flag some rows.
FAST_DETECTOR = VAEOutlierDetector(
    n_components=2,
    hidden_layer_sizes=(8,),
    max_iter=3,
    batch_size=64,
    random_state=0,
)

# whiten=True changes the model's coordinates, its scaling and its log-Jacobian: the
# estimator contract must hold for it too.
FAST_WHITENED_VAE = VAETransformer(
    n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, whiten=True, random_state=0
)

FAST_IMPUTER = VAEImputer(
    n_components=2,
    hidden_layer_sizes=(8,),
    max_iter=3,
    batch_size=64,
    n_importance_samples=100,  # the default 1000 makes the many transform calls slow
    random_state=0,
)

FAST_VQVAE = VQVAETransformer(
    n_codes=8, code_dim=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, random_state=0
)

# Every expected failure, with the reason it cannot pass. Every estimator passes every check.
EXPECTED_FAILED_CHECKS = {}


@contextlib.contextmanager
def _untraced(estimator):
    """Run the checks' fits without tracing the training step (TensorFlow only).

    These checks fit tiny models for 3 epochs, where tracing costs about 3 times the
    training itself; untraced, the same code runs op by op. The traced path (the default)
    is what every other test file exercises.
    """
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


@parametrize_with_checks(
    [FAST_VAE, FAST_WHITENED_VAE, FAST_DETECTOR, FAST_IMPUTER, FAST_VQVAE],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    """Each scikit-learn estimator check passes (or is an expected failure listed above)."""
    with _untraced(estimator):
        check(estimator)


@pytest.mark.parametrize(
    "estimator", [FAST_VAE, FAST_DETECTOR, FAST_IMPUTER, FAST_VQVAE], ids=lambda e: type(e).__name__
)
def test_param_validation(estimator):
    """Every constructor parameter is validated against _parameter_constraints."""
    check_param_validation(type(estimator).__name__, estimator)
