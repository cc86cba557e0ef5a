"""skops and MLflow: a fitted skvae estimator needs exactly skvae.skops_trusted_types()."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from small_estimators import small_estimators

import skvae

sio = pytest.importorskip("skops.io", reason="skops is in the test extra")

ESTIMATORS = small_estimators(max_iter=2)


def test_trusted_types_are_the_estimator_classes():
    """The list names skvae's four estimator classes, by module and name, and nothing else."""
    names = skvae.skops_trusted_types()
    assert names == sorted(f"{type(make()).__module__}.{name}" for name, make in ESTIMATORS.items())


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_pipeline_round_trips_through_skops(name):
    """skops flags only the skvae class as untrusted (no numpy or Keras internals), and a
    Pipeline loaded with skops_trusted_types() scores exactly as the original."""
    X, _ = load_wine(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), ESTIMATORS[name]()).fit(X)
    data = sio.dumps(pipeline)
    estimator_type = type(pipeline[-1])
    assert sio.get_untrusted_types(data=data) == [
        f"{estimator_type.__module__}.{estimator_type.__qualname__}"
    ]
    restored = sio.loads(data, trusted=skvae.skops_trusted_types())
    np.testing.assert_array_equal(restored.score_samples(X), pipeline.score_samples(X))


def test_imputer_with_pd_na_placeholder_round_trips(tmp_path):
    """VAEImputer(missing_values=pd.NA) needs only skops_trusted_types(); after skops,
    pickle or skvae.save its parameter is pd.NA itself and it imputes exactly as before."""
    X = np.random.default_rng(0).normal(size=(60, 3))
    X[::5, 1] = np.nan
    frame = pd.DataFrame(X, columns=list("abc")).astype("Float64")  # holes are pd.NA
    imputer = skvae.VAEImputer(missing_values=pd.NA, max_iter=3, random_state=0).fit(frame)
    data = sio.dumps(imputer)
    assert sio.get_untrusted_types(data=data) == ["skvae._vae._imputer.VAEImputer"]
    skvae.save(imputer, tmp_path / "imputer.skvae")
    for restored in (
        sio.loads(data, trusted=skvae.skops_trusted_types()),
        pickle.loads(pickle.dumps(imputer)),
        skvae.load(tmp_path / "imputer.skvae"),
    ):
        assert restored.get_params()["missing_values"] is pd.NA
        pd.testing.assert_frame_equal(
            restored.transform(frame), imputer.transform(frame), check_exact=True
        )
    assert imputer.missing_values is pd.NA  # storing it left the original as it was


@pytest.mark.slow  # 33 s (a fresh process with MLflow); run with pytest -m slow
def test_mlflow_logs_and_loads_a_pipeline_in_a_fresh_process(tmp_path):
    """mlflow.sklearn.log_model with skops_trusted_types, loaded back in another process."""
    pytest.importorskip(
        "mlflow",
        reason="MLflow is in the test extra; without it (skvae[mlflow]) this is skipped",
    )
    X, _ = load_wine(return_X_y=True)
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import sys, numpy as np, mlflow, mlflow.sklearn
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        import skvae
        mlflow.set_tracking_uri("sqlite:///{tmp_path}/mlflow.db")
        X = np.load("{tmp_path}/X.npy")
        if sys.argv[1] == "log":
            model = make_pipeline(StandardScaler(), skvae.VAETransformer(
                hidden_layer_sizes=(8,), max_iter=2, random_state=0)).fit(X)
            info = mlflow.sklearn.log_model(
                model, name="m", skops_trusted_types=skvae.skops_trusted_types())
            open("{tmp_path}/uri", "w").write(info.model_uri)
            np.save("{tmp_path}/scores.npy", model.score_samples(X))
        else:
            model = mlflow.sklearn.load_model(open("{tmp_path}/uri").read())
            np.save("{tmp_path}/loaded.npy", model.score_samples(X))
        """
    )
    for step in ("log", "load"):
        # In tmp_path: MLflow writes its artifacts under the working directory's ./mlruns.
        done = subprocess.run(
            [sys.executable, "-c", script, step], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr[-3000:]
    np.testing.assert_array_equal(
        np.load(tmp_path / "loaded.npy"), np.load(tmp_path / "scores.npy")
    )
