"""Hierarchical VAE benchmark: two stochastic layers against one, on ``load_digits``.

The 1797 digit images (64 pixels, Gaussian likelihood) are split 80/20 once; every model
trains with early stopping on 10% of the training rows (at most 300 epochs) and is scored
on the held-out 20% by ``score`` (importance-weighted log p(x), 200 draws, nats per image)
and by the median of ``score_samples`` over the held-out rows: a few held-out images light
up pixels that are (nearly) constant in the training set, and their very low scores can
dominate the mean.

Models (hidden layers (64, 32) unless said otherwise):

* ``one layer, 16``: n_components=16, the plain VAE;
* ``one layer, 16, wide``: the same with wider hidden layers, so that its parameter count
  matches the hierarchical model's (the extra networks of the hierarchy are not free);
* ``two layers, 8 over 16``: n_components=8 (top), n_components_lower=16.

The trainable parameter count of each model is printed with its scores.

Run:  python benchmarks/hierarchical.py     (10 to 20 minutes on 2 busy CPU cores)
"""

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skvae import PosteriorCollapseWarning, VAETransformer  # noqa: E402

SEEDS = (0, 1)
COMMON = dict(
    max_iter=300,
    early_stopping=True,
    n_iter_no_change=20,
    batch_size=64,
    n_importance_samples=200,
)
MODELS = {
    "one layer, 16": dict(n_components=16, hidden_layer_sizes=(64, 32)),
    "one layer, 16, wide": dict(n_components=16, hidden_layer_sizes=(90, 45)),
    "two layers, 8 over 16": dict(
        n_components=8, n_components_lower=16, hidden_layer_sizes=(64, 32)
    ),
}


def n_parameters(vae):
    """Number of trainable scalars of the fitted model (all networks, all layers)."""
    return int(sum(np.prod(w.shape) for w in vae._model.trainable_weights))


def run():
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
    print(f"load_digits: {len(X_train)} training rows, {len(X_test)} held-out rows")
    print(
        f"{'model':<24} {'seed':>4} {'params':>7} {'epochs':>6} {'score (mean)':>12} "
        f"{'median':>8} {'s':>5}"
    )
    results = {name: [] for name in MODELS}
    for seed in SEEDS:
        for name, settings in MODELS.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PosteriorCollapseWarning)
                vae = VAETransformer(random_state=seed, **settings, **COMMON).fit(X_train)
            per_row = vae.score_samples(X_test)
            results[name].append((per_row.mean(), np.median(per_row)))
            print(
                f"{name:<24} {seed:>4} {n_parameters(vae):>7} {vae.n_iter_:>6} "
                f"{per_row.mean():>12.2f} {np.median(per_row):>8.2f} "
                f"{time.perf_counter() - start:>5.0f}",
                flush=True,
            )
    print("over seeds: held-out score (mean over rows) and median row score, nats per image:")
    for name, rows in results.items():
        mean, median = np.mean(rows, axis=0)
        print(f"{name:<24} {mean:>10.2f} {median:>10.2f}")
    return results


if __name__ == "__main__":
    run()
