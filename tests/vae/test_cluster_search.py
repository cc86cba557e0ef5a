"""GridSearchCV over skvae estimators on a cluster through joblib's backends, Dask's and
Ray's: the estimators travel to worker processes and back by pickle, and the search
selects what the local search selects.

distributed is in the test extra. Ray is not (its wheel alone is about 80 MB), so CI skips
its test; ``pip install ray`` and ``pytest tests/vae/test_cluster_search.py`` run it
(docs/scale.rst).
"""

import contextlib

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV

from skvae import VAETransformer

joblib = pytest.importorskip("joblib")

GRID = {"n_components": [1, 3]}
BASE = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)


def _assert_search_on_backend_matches_the_local_search(backend):
    """Fit the grid locally and then under ``backend`` (a context manager, entered only
    after the local search, that sets joblib's backend up and tears it down), and compare."""
    X, _ = load_wine(return_X_y=True)
    local = GridSearchCV(VAETransformer(**BASE), GRID, cv=2).fit(X)
    with backend:
        remote = GridSearchCV(VAETransformer(**BASE), GRID, cv=2, n_jobs=-1).fit(X)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-6
    )
    # The refit best estimator came back from a worker (or was refitted here) and scores.
    assert np.isfinite(remote.best_estimator_.score(X))


@pytest.mark.slow  # 41 s (a two-process cluster); run with pytest -m slow
def test_grid_search_on_a_local_dask_cluster_matches_the_local_search():
    """Dask: same best_params_ and cross-validated scores as n_jobs=1 on this process."""
    distributed = pytest.importorskip(
        "distributed",
        reason="distributed is in the test extra; without it (pip install skvae[dask]) this "
        "is skipped",
    )

    @contextlib.contextmanager
    def dask_backend():
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
            joblib.parallel_backend("dask"),
        ):
            yield

    _assert_search_on_backend_matches_the_local_search(dask_backend())


def test_grid_search_on_ray_matches_the_local_search():
    """Ray: same best_params_ and cross-validated scores as n_jobs=1 on this process."""
    ray = pytest.importorskip(
        "ray", reason="Ray is not in the test extra (an 80 MB wheel); pip install ray to run this"
    )
    from ray.util.joblib import register_ray

    @contextlib.contextmanager
    def ray_backend():
        register_ray()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            with joblib.parallel_backend("ray"):
                yield
        finally:
            ray.shutdown()

    _assert_search_on_backend_matches_the_local_search(ray_backend())
