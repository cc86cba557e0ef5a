"""One small estimator of each skvae class, shared by the tests that run them all."""

import skvae


def small_estimators(max_iter):
    """Makers of small, seeded estimators of every skvae class, by class name, each
    training ``max_iter`` epochs."""
    small = dict(hidden_layer_sizes=(8,), max_iter=max_iter, random_state=0)
    return {
        "VAETransformer": lambda: skvae.VAETransformer(n_components=2, **small),
        "VAEOutlierDetector": lambda: skvae.VAEOutlierDetector(n_components=2, **small),
        "VAEImputer": lambda: skvae.VAEImputer(max_iter=max_iter, random_state=0),
        "VQVAETransformer": lambda: skvae.VQVAETransformer(n_codes=4, **small),
    }
