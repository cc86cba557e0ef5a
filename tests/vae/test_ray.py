"""GridSearchCV over skvae estimators on Ray (joblib's "ray" backend): the estimators
travel to Ray worker processes and back by pickle, and the search selects what the local
search selects.

Ray is not in the test extra (its wheel alone is about 80 MB), so CI skips this test;
``pip install ray`` and ``pytest tests/vae/test_ray.py`` run it (docs/scale.rst).
"""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV

from skvae import VAETransformer

ray = pytest.importorskip(
    "ray", reason="Ray is not in the test extra (an 80 MB wheel); pip install ray to run this"
)
joblib = pytest.importorskip("joblib")

GRID = {"n_components": [1, 3]}
BASE = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)


def test_grid_search_on_ray_matches_the_local_search():
    """Same best_params_ and the same cross-validated scores as n_jobs=1 on this process."""
    from ray.util.joblib import register_ray

    X, _ = load_wine(return_X_y=True)
    local = GridSearchCV(VAETransformer(**BASE), GRID, cv=2).fit(X)
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_backend("ray"):
            remote = GridSearchCV(VAETransformer(**BASE), GRID, cv=2, n_jobs=-1).fit(X)
    finally:
        ray.shutdown()
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-6
    )
    # The refit best estimator came back from a worker (or was refitted here) and scores.
    assert np.isfinite(remote.best_estimator_.score(X))
