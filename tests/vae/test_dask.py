"""GridSearchCV over skvae estimators on a Dask cluster (joblib's "dask" backend): the
estimators travel to worker processes and back by pickle, and the search selects what the
local search selects."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV

from skvae import VAETransformer

distributed = pytest.importorskip(
    "distributed",
    reason="distributed is in the test extra; without it (pip install skvae[dask]) this is skipped",
)
joblib = pytest.importorskip("joblib")

GRID = {"n_components": [1, 3]}
BASE = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)


def test_grid_search_on_a_local_dask_cluster_matches_the_local_search():
    """Same best_params_ and the same cross-validated scores as n_jobs=1 on this process."""
    X, _ = load_wine(return_X_y=True)
    local = GridSearchCV(VAETransformer(**BASE), GRID, cv=2).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        remote = GridSearchCV(VAETransformer(**BASE), GRID, cv=2, n_jobs=-1).fit(X)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-6
    )
    # The fitted estimators that came back from the workers scored on this process, and
    # the refit best estimator is usable here.
    assert np.isfinite(remote.best_estimator_.score(X))
