"""How the main hyper-parameters move a VAE on load_digits: the numbers behind
docs/hyperparameters.rst.

An 80/20 split of scikit-learn's digits (1797 rows, 64 pixels). Every model has
``hidden_layer_sizes=(128, 64)``, 60 epochs, ``batch_size=128`` and ``random_state=0``;
one parameter (or pair) changes per table. Reported on the 20 % held-out rows:

- ``score``: mean importance-sampled log-likelihood, nats per row (higher is better; always
  the beta = 1 model, whatever the training objective);
- ``active``: ``n_active_units_`` of ``n_components``;
- ``KL``: mean KL(q(z|x) || p(z)), nats per row;
- ``MSE``: reconstruction mean squared error in pixel units (0-16 intensities);
- ``KS`` / ``corr``: mean Kolmogorov-Smirnov statistic over the pixels and
  ``skvae.metrics.correlation_difference``, between the held-out rows and as many rows
  drawn with ``sample`` (lower is better);
- ``s``: fit time in seconds.

Run:  python benchmarks/hyperparameters.py   (19 fits, about 3 CPU-minutes on 2 cores)
"""

import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skvae import PosteriorCollapseWarning, VAETransformer  # noqa: E402
from skvae.metrics import correlation_difference, ks_statistic  # noqa: E402

BASE = dict(
    n_components=8,
    likelihood="gaussian",  # the recorded numbers predate the Student-t default
    hidden_layer_sizes=(128, 64),
    max_iter=60,
    random_state=0,
)

TABLES = [
    ("n_components", [dict(n_components=d) for d in (2, 4, 8, 16, 32)]),
    ("beta", [dict(beta=b) for b in (0.25, 0.5, 1.0, 2.0, 4.0)]),
    (
        "kl_warmup / free_bits, n_components=32",
        [
            dict(n_components=32, kl_warmup=w, free_bits=f)
            for w, f in [(0, 0.0), (20, 0.0), (0, 0.25), (20, 0.25)]
        ],
    ),
    (
        "likelihood / var_floor",
        [
            dict(likelihood=lik, var_floor=v)
            for lik in ("gaussian", "heteroscedastic")
            for v in (0.01, 0.03, 0.1)
        ],
    ),
]


def evaluate(params, X_train, X_test):
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Collapsed units are part of what the tables show.
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        vae = VAETransformer(**{**BASE, **params}).fit(X_train)
    seconds = time.perf_counter() - start
    _, kl = vae.elbo_terms(X_test)
    rebuilt = vae.inverse_transform(vae.transform(X_test))
    sampled = vae.sample(len(X_test), random_state=0)
    return {
        "score": vae.score(X_test),
        "active": f"{vae.n_active_units_}/{vae.n_components}",
        "KL": kl.mean(),
        "MSE": np.mean((X_test - rebuilt) ** 2),
        # Kolmogorov-Smirnov on every pixel: the sampled values are continuous, so the
        # total-variation distance that metrics.marginal_distances uses for columns with
        # few distinct values would be 1 for all of them.
        "marg": np.mean([ks_statistic(a, b) for a, b in zip(X_test.T, sampled.T, strict=True)]),
        "corr": correlation_difference(X_test, sampled),
        "s": seconds,
    }


def main():
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
    for title, settings in TABLES:
        print(f"\n{title}")
        print(
            f"{'setting':<46}{'score':>9}{'active':>8}{'KL':>7}{'MSE':>7}{'KS':>7}"
            f"{'corr':>7}{'s':>6}"
        )
        for params in settings:
            r = evaluate(params, X_train, X_test)
            setting = ", ".join(f"{k}={v}" for k, v in params.items())
            print(
                f"{setting:<46}{r['score']:>9.2f}{r['active']:>8}{r['KL']:>7.2f}"
                f"{r['MSE']:>7.2f}{r['marg']:>7.3f}{r['corr']:>7.3f}{r['s']:>6.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
