"""VQ-VAE benchmark on scikit-learn's digits: reconstruction at a fixed bit budget, codebook
use with and without dead-code restarts, held-out likelihood and sample quality.

Protocol: load_digits, 80 % / 20 % split (random_state=0); every model is fitted on the
80 % and evaluated on the 20 %. Printed:

1. Reconstruction MSE (per pixel, pixel values 0..16) at the same number of bits per row:
   - 6 bits: VQ-VAE with one latent and 64 codes against k-means with 64 clusters (a row
     is replaced by its nearest centroid);
   - 16 bits: VQ-VAE with 4 latents of 16 codes against PCA(4) whose 4 coordinates are
     each quantised to 16 levels (1-D k-means per coordinate), and unquantised PCA(4).
2. Codebook use: perplexity (effective number of codes) and codes used, for 64 and 256
   codes, with dead-code restarts (default, ``dead_code_patience=50``) and without.
3. Held-out mean log-likelihood (nats per row, X's units) of the one-latent VQ-VAE, of
   ``VAETransformer(n_components=8)`` and of ``PCA(8)``.
4. Sample quality, 2000 samples per model, rounded and clipped to the pixel range 0..16:
   mean per-pixel total-variation distance to the held-out rows
   (:func:`skvae.metrics.marginal_distances`), correlation difference
   (:func:`skvae.metrics.correlation_difference`), and the fraction of samples that a
   logistic regression trained on the real training digits labels with probability
   > 0.9 (a crude "looks like some digit" score). The training rows themselves are the
   reference.

Run:  python benchmarks/vqvae.py   (about 5 minutes on 2 CPU cores)
"""

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import (  # noqa: E402
    CodebookCollapseWarning,
    PosteriorCollapseWarning,
    VAETransformer,
    VQVAETransformer,
)
from skvae.metrics import correlation_difference, marginal_distances  # noqa: E402

COMMON = dict(hidden_layer_sizes=(128, 64), max_iter=150, random_state=0)


def vqvae(**params):
    return VQVAETransformer(**{**COMMON, **params})


def fit(model, X):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CodebookCollapseWarning)
        warnings.simplefilter("ignore", PosteriorCollapseWarning)
        model.fit(X)
    return model, time.perf_counter() - start


def mse(A, B):
    return float(np.mean((A - B) ** 2))


def reconstruction_mse(model, X):
    return mse(model.inverse_transform(model.transform(X)), X)


def quantised_pca_reconstruction(X_train, X_test, n_components, levels, seed=0):
    """PCA coordinates quantised to `levels` values each (1-D k-means), then decoded."""
    pca = PCA(n_components).fit(X_train)
    Z_train, Z_test = pca.transform(X_train), pca.transform(X_test)
    Z_q = np.empty_like(Z_test)
    for j in range(n_components):
        km = KMeans(levels, n_init=4, random_state=seed).fit(Z_train[:, [j]])
        Z_q[:, j] = km.cluster_centers_[km.predict(Z_test[:, [j]]), 0]
    return pca.inverse_transform(Z_q), pca.inverse_transform(Z_test)


def sample_quality(samples, X_train, X_test, classifier):
    samples = np.clip(np.round(samples), 0, 16)
    confident = classifier.predict_proba(samples).max(axis=1) > 0.9
    return (
        float(marginal_distances(X_test, samples).mean()),
        correlation_difference(X_test, samples),
        float(confident.mean()),
    )


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0)

    print("1. Held-out reconstruction MSE per pixel at equal bits per row")

    def line(label, value, extra=""):
        print(f"   {label:<42s}{value:6.2f}{extra}")

    vq1, t1 = fit(vqvae(n_codes=64, code_dim=8), X_train)
    km = KMeans(64, n_init=4, random_state=0).fit(X_train)
    line("6 bits   VQ-VAE (1 x 64 codes)", reconstruction_mse(vq1, X_test), f"  (fit {t1:.0f} s)")
    line("6 bits   KMeans(64) centroid", mse(km.cluster_centers_[km.predict(X_test)], X_test))
    vq4, t4 = fit(vqvae(n_codes=16, code_dim=4, n_latents=4), X_train)
    pca_q, pca_full = quantised_pca_reconstruction(X_train, X_test, 4, 16)
    line(
        "16 bits  VQ-VAE (4 x 16 codes)",
        reconstruction_mse(vq4, X_test),
        f"  (fit {t4:.0f} s; {len(vq4.prior_)} distinct code tuples in the prior)",
    )
    line("16 bits  PCA(4), 16 levels per coordinate", mse(pca_q, X_test))
    line("(inf.)   PCA(4), unquantised", mse(pca_full, X_test))
    line("0 bits   training mean", mse(X_train.mean(axis=0), X_test))

    print("\n2. Codebook use on the training rows (perplexity / codes used)")
    for n_codes in (64, 256):
        for patience in (50, None):
            model = vq1 if (n_codes, patience) == (64, 50) else None
            if model is None:
                model, _ = fit(vqvae(n_codes=n_codes, dead_code_patience=patience), X_train)
            used = int((model.code_usage_ > 0).sum())
            label = "restarts after 50 steps" if patience else "no restarts            "
            print(
                f"   K={n_codes:<4d} {label}  perplexity {model.perplexity_:6.1f}  "
                f"used {used:3d}  test MSE "
                f"{reconstruction_mse(model, X_test):5.2f}"
            )

    print("\n3. Held-out mean log-likelihood (nats per row; higher is better)")
    vae, t_vae = fit(
        VAETransformer(
            n_components=8,
            likelihood="heteroscedastic",
            var_floor=0.03,
            hidden_layer_sizes=(128, 64),
            max_iter=150,
            random_state=0,
        ),
        X_train,
    )
    print(f"   VQ-VAE (1 x 64 codes, exact)    {vq1.score(X_test):8.1f}")
    print(f"   VAETransformer(8), IWAE-100     {vae.score(X_test):8.1f}  (fit {t_vae:.0f} s)")
    print(f"   PCA(8)                          {PCA(8).fit(X_train).score(X_test):8.1f}")

    print("\n4. Sample quality, 2000 samples (lower, lower, higher is better)")
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    classifier.fit(X_train, y_train)
    print("   model                     marginal TV  corr. diff.  confident")
    rows = {
        "training rows (reference)": X_train,
        "VQ-VAE 1 x 64": vq1.sample(2000, random_state=0),
        "VQ-VAE 4 x 16": vq4.sample(2000, random_state=0),
        "VAETransformer(8)": vae.sample(2000, random_state=0),
    }
    for name, samples in rows.items():
        tv, corr, confident = sample_quality(samples, X_train, X_test, classifier)
        print(f"   {name:<26s}{tv:10.3f}  {corr:11.3f}  {confident:9.2f}")


if __name__ == "__main__":
    main()
