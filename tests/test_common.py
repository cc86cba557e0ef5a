"""scikit-learn's estimator checks over every public estimator of skvae."""

from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skvae import VAETransformer

# Small and short so the ~50 checks (each fitting several times) stay fast.
FAST_VAE = VAETransformer(
    n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, random_state=0
)

# Every expected failure, with the reason it cannot pass. Keep this empty where possible.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks([FAST_VAE], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_compatible_estimator(estimator, check):
    """Each scikit-learn estimator check passes (or is an expected failure listed above)."""
    check(estimator)


def test_param_validation():
    """Every constructor parameter is validated against _parameter_constraints."""
    check_param_validation("VAETransformer", FAST_VAE)
