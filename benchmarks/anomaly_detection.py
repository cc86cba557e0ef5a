"""Anomaly-detection benchmark: VAEOutlierDetector against scikit-learn's detectors.

Novelty-detection protocol on data that ships with scikit-learn: train on 70% of the
normal rows only, then rank the held-out normal rows together with every anomalous row.
- digits: each digit class in turn is the anomaly, the other nine are normal (10 runs,
  averaged);
- breast cancer: benign is normal, malignant is the anomaly.
Scores are oriented so that higher means more anomalous; reported are AUROC and average
precision (AP). Every model sees standardised features (the VAE standardises inside).

Run:  python benchmarks/anomaly_detection.py   (about 5 minutes on 2 CPU cores)
"""

import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import PosteriorCollapseWarning, VAEOutlierDetector  # noqa: E402


def detectors(n_components):
    """Name -> (unfitted model, function giving anomaly scores: higher = more anomalous)."""
    neg_score = lambda m, X: -m.score_samples(X)  # noqa: E731
    return {
        "VAE (gaussian)": (
            VAEOutlierDetector(
                n_components=n_components,
                likelihood="gaussian",
                hidden_layer_sizes=(128, 64),
                random_state=0,
            ),
            neg_score,
        ),
        "VAE (heteroscedastic)": (
            VAEOutlierDetector(
                n_components=n_components,
                likelihood="heteroscedastic",
                hidden_layer_sizes=(128, 64),
                var_floor=0.03,
                random_state=0,
            ),
            neg_score,
        ),
        "IsolationForest": (
            make_pipeline(StandardScaler(), IsolationForest(random_state=0)),
            neg_score,
        ),
        "LOF (novelty)": (
            make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True)),
            neg_score,
        ),
        "PCA": (make_pipeline(StandardScaler(), PCA(n_components)), neg_score),
        "GaussianMixture": (
            make_pipeline(
                StandardScaler(),
                GaussianMixture(
                    n_components=4, covariance_type="full", reg_covar=1e-3, random_state=0
                ),
            ),
            neg_score,
        ),
    }


def evaluate(X_normal, X_anomaly, n_components, seed=0):
    """AUROC and AP of every detector on one novelty-detection split."""
    X_train, X_test_normal = train_test_split(X_normal, train_size=0.7, random_state=seed)
    X_test = np.vstack([X_test_normal, X_anomaly])
    is_anomaly = np.r_[np.zeros(len(X_test_normal)), np.ones(len(X_anomaly))]
    results = {}
    for name, (model, anomaly_score) in detectors(n_components).items():
        start = time.perf_counter()
        model.fit(X_train)
        scores = anomaly_score(model, X_test)
        results[name] = (
            roc_auc_score(is_anomaly, scores),
            average_precision_score(is_anomaly, scores),
            time.perf_counter() - start,
        )
    return results


def main():
    warnings.simplefilter("ignore", PosteriorCollapseWarning)
    tables = {}
    X, y = load_digits(return_X_y=True)
    runs = [evaluate(X[y != digit], X[y == digit], n_components=8) for digit in range(10)]
    tables["digits (one class anomalous, mean of 10)"] = {
        name: tuple(np.mean([run[name][i] for run in runs]) for i in range(3)) for name in runs[0]
    }
    X, y = load_breast_cancer(return_X_y=True)  # y == 0 is malignant
    tables["breast cancer (malignant anomalous)"] = evaluate(X[y == 1], X[y == 0], n_components=4)
    for title, table in tables.items():
        print(f"\n{title}")
        print(f"| {'detector':<22} | {'AUROC':>6} | {'AP':>6} | {'seconds':>7} |")
        print(f"|{'-' * 24}|{'-' * 8}|{'-' * 8}|{'-' * 9}|")
        for name, (auroc, ap, seconds) in sorted(table.items(), key=lambda kv: -kv[1][0]):
            print(f"| {name:<22} | {auroc:>6.3f} | {ap:>6.3f} | {seconds:>7.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
