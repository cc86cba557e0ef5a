"""scikit-learn's estimator checks over every public estimator of skvae."""

import pytest
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skvae import VAEImputer, VAEOutlierDetector, VAETransformer

# The checks feed random, structure-free data and train for 3 epochs: units collapse onto
# the prior, which the estimators rightly report; that warning is not what is checked here.
pytestmark = pytest.mark.filterwarnings("ignore::skvae.PosteriorCollapseWarning")

# Small and short so the ~50 checks (each fitting several times) stay fast.
FAST_VAE = VAETransformer(
    n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, random_state=0
)

FAST_DETECTOR = VAEOutlierDetector(
    contamination=0.1,
    n_components=2,
    hidden_layer_sizes=(8,),
    max_iter=3,
    batch_size=64,
    random_state=0,
)

FAST_IMPUTER = VAEImputer(
    n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=64, random_state=0
)

# Every expected failure, with the reason it cannot pass. Both estimators pass every check.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [FAST_VAE, FAST_DETECTOR, FAST_IMPUTER],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    """Each scikit-learn estimator check passes (or is an expected failure listed above)."""
    check(estimator)


@pytest.mark.parametrize(
    "estimator", [FAST_VAE, FAST_DETECTOR, FAST_IMPUTER], ids=lambda e: type(e).__name__
)
def test_param_validation(estimator):
    """Every constructor parameter is validated against _parameter_constraints."""
    check_param_validation(type(estimator).__name__, estimator)
