"""Flow posterior benchmark: does ``posterior="flow"`` tighten the ELBO?

Data with a non-Gaussian true posterior: z ~ N(0, I_2) and 8 features that depend on z
only through z1^2, z2^2 and z1 z2 (plus N(0, 0.1^2) noise), so z and -z explain every row
equally well and the posterior is bimodal. A diagonal Gaussian q(z|x) cannot cover both
modes; an inverse autoregressive flow can bend and stretch it.

For each seed, the same VAE (2 latent dimensions, hidden layers (64, 64), 100 epochs, equal
training budget) is fitted with ``posterior="gaussian"`` and ``posterior="flow"``; on 1000
held-out rows we report the network's importance-weighted log-likelihood (``score``, 200
draws, without the background share of ``score_samples``), the
ELBO ``mean(expected - kl)`` from ``elbo_terms`` and their gap (the part of log p(x) the
ELBO misses because q(z|x) is not the true posterior). Smaller gap = better posterior.

Run:  python benchmarks/flow_posterior.py     (3 to 7 minutes on 2 CPU cores)
The same run, with assertions: pytest -m slow tests/vae/test_flows.py
"""

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from skvae import PosteriorCollapseWarning, VAETransformer  # noqa: E402

SEEDS = (0, 1, 2)
# Gaussian columns: the recorded numbers predate the Student-t default.
SETTINGS = dict(
    n_components=2, likelihood="gaussian", hidden_layer_sizes=(64, 64), max_iter=100, tol=0.0
)


def symmetric_data(n_rows, seed, n_features=8, noise=0.1):
    """Rows x = W [z1^2, z2^2, z1 z2] + noise with z ~ N(0, I_2): p(z|x) = p(-z|x)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_rows, 2))
    mixing = np.random.default_rng(100).standard_normal((3, n_features))
    features = np.column_stack([z[:, 0] ** 2, z[:, 1] ** 2, z[:, 0] * z[:, 1]])
    return features @ mixing + noise * rng.standard_normal((n_rows, n_features))


def gap(posterior, seed, X_train, X_test, settings, n_importance_samples=200):
    """(score, ELBO, fit seconds) on X_test for one fitted VAE."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        vae = VAETransformer(
            posterior=posterior,
            n_importance_samples=n_importance_samples,
            random_state=seed,
            **settings,
        ).fit(X_train)
    seconds = time.perf_counter() - start
    expected, kl = vae.elbo_terms(X_test)
    # The gap is the network's: its importance-weighted bound, without the background
    # share that score_samples mixes in (skvae._vae._background).
    vae._background = None
    return vae.score(X_test), float(np.mean(expected - kl)), seconds


def run(seeds, settings, n_train, n_test):
    X_train, X_test = symmetric_data(n_train, 0), symmetric_data(n_test, 1)
    print(f"settings: {settings}, {n_train} training rows, {n_test} held-out rows")
    print(f"{'posterior':<10} {'seed':>4} {'score':>9} {'ELBO':>9} {'gap':>7} {'fit s':>6}")
    gaps = {"gaussian": [], "flow": []}
    for seed in seeds:
        for posterior in gaps:
            score, elbo, seconds = gap(posterior, seed, X_train, X_test, settings)
            gaps[posterior].append((score, elbo))
            print(
                f"{posterior:<10} {seed:>4} {score:>9.3f} {elbo:>9.3f} {score - elbo:>7.3f} "
                f"{seconds:>6.1f}",
                flush=True,
            )
    print("mean over seeds:")
    for posterior, rows in gaps.items():
        score, elbo = np.mean(rows, axis=0)
        print(f"{posterior:<10} {'':>4} {score:>9.3f} {elbo:>9.3f} {score - elbo:>7.3f}")
    return gaps


if __name__ == "__main__":
    run(SEEDS, SETTINGS, n_train=2000, n_test=1000)
