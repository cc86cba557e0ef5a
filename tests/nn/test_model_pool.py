"""Compiled steps reused across fits (skvae._nn._model_pool) and prediction graphs shared
by models of one architecture (skvae._nn._graphs.shared_compiled) change no number."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from skvae import VAETransformer
from skvae._nn import _trainer
from skvae._nn._model_pool import MODEL_POOL, ModelPool
from tests.synthetic_data import two_factor_data

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="these run the pool under TensorFlow; tests/nn/test_backends.py runs it under JAX",
)


def fit_summary(vae, X):
    """Everything a fit determines: history, weights, optimiser state, scores, codes."""
    return {
        "history": vae.history_,
        "weights": vae._model.get_weights(),
        "optimizer": [v.numpy() for v in vae._model.optimizer.variables],
        "scores": vae.score_samples(X),
        "codes": vae.transform(X),
    }


def assert_same_fit(a, b):
    assert a["history"] == b["history"]
    for key in ("weights", "optimizer"):
        for x, y in zip(a[key], b[key], strict=True):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a["scores"], b["scores"])
    np.testing.assert_array_equal(a["codes"], b["codes"])


def test_a_pooled_fit_is_bit_identical_to_a_fit_without_the_pool(monkeypatch):
    """The same fit, bit for bit, whether it trains a fresh model or a pooled twin that
    last trained on other data (other column scales), another seed and learning rate."""
    X = two_factor_data(300)
    other = 100.0 * two_factor_data(250, seed=3)  # other log scales, another row count
    params = dict(n_components=2, max_iter=4, early_stopping=True, random_state=0)

    MODEL_POOL.clear()
    VAETransformer(**{**params, "random_state": 7, "learning_rate": 0.01}).fit(other)
    assert len(MODEL_POOL) == 1  # the twin that trained on `other` waits for the next fit
    pooled = fit_summary(VAETransformer(**params).fit(X), X)
    assert len(MODEL_POOL) == 1  # it was lent and given back

    monkeypatch.setattr(_trainer, "pool_key", lambda model, config, n_batches: None)
    fresh = fit_summary(VAETransformer(**params).fit(X), X)
    assert_same_fit(pooled, fresh)


def test_a_pooled_fit_of_integer_columns_uses_its_own_training_range(monkeypatch):
    """Integer columns are censored at their training range, which differs between folds:
    a twin that last trained on counts of another range gives the same fit, bit for bit,
    as a fresh model (the bounds are variables, like the log scales)."""
    import pandas as pd

    rng = np.random.default_rng(0)
    counts = pd.DataFrame({"a": rng.poisson(3.0, 300), "b": rng.poisson(8.0, 300)})
    other = pd.DataFrame({"a": rng.poisson(30.0, 300), "b": rng.poisson(1.0, 300)})
    params = dict(n_components=2, max_iter=4, random_state=0)

    MODEL_POOL.clear()
    VAETransformer(**{**params, "random_state": 7}).fit(other)
    pooled = fit_summary(VAETransformer(**params).fit(counts), counts)
    assert len(MODEL_POOL) == 1  # the twin that trained on `other` trained this fit too

    monkeypatch.setattr(_trainer, "pool_key", lambda model, config, n_batches: None)
    fresh = fit_summary(VAETransformer(**params).fit(counts), counts)
    assert_same_fit(pooled, fresh)


def test_partial_fit_after_a_pooled_fit_continues_with_the_fit_optimiser_state(monkeypatch):
    """partial_fit after fit continues from the fit's Adam moments and step count, as it
    did when the estimator trained its own model: the same weights either way."""
    X = two_factor_data(300)
    params = dict(n_components=2, max_iter=3, random_state=0)
    VAETransformer(**{**params, "random_state": 5}).fit(X)  # a twin in the pool
    pooled = VAETransformer(**params).fit(X).partial_fit(X[:100])
    monkeypatch.setattr(_trainer, "pool_key", lambda model, config, n_batches: None)
    fresh = VAETransformer(**params).fit(X).partial_fit(X[:100])
    assert int(pooled._model.optimizer.iterations.numpy()) == int(
        fresh._model.optimizer.iterations.numpy()
    )
    for x, y in zip(pooled._model.get_weights(), fresh._model.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_an_estimator_model_never_changes_under_a_later_fit():
    """The estimator keeps a model of its own: a later fit of the same architecture (which
    trains the pooled twin) leaves the first estimator's encoder and scores unchanged."""
    X = two_factor_data(300)
    first = VAETransformer(n_components=2, max_iter=3, random_state=0).fit(X)
    encoder, weights = first.encoder_, [w.copy() for w in first.encoder_.get_weights()]
    scores = first.score_samples(X)
    second = VAETransformer(n_components=2, max_iter=3, random_state=1).fit(2.0 * X)
    assert first.encoder_ is encoder and second._model is not first._model
    for x, y in zip(weights, first.encoder_.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(first.score_samples(X), scores)


def test_shared_prediction_graphs_use_each_model_own_weights_and_scales():
    """Two estimators of one architecture share a prediction graph, yet each scores with its
    own weights and column scales: the same numbers as its model's own compiled graph."""
    from skvae._nn._graphs import compiled, shared_compiled

    X = two_factor_data(300)
    vaes = [
        VAETransformer(n_components=2, max_iter=3, random_state=seed).fit(scale * X)
        for seed, scale in ((0, 1.0), (1, 10.0))
    ]
    inputs = vaes[0]._model_input(X[:64])
    moments = []
    for vae in vaes:
        model = vae._model
        shared = keras.ops.convert_to_numpy(shared_compiled(model.posterior_moments)(inputs))
        own = keras.ops.convert_to_numpy(compiled(model.posterior_moments)(inputs))
        np.testing.assert_array_equal(shared, own)
        moments.append(shared)
    assert not np.allclose(moments[0], moments[1])
    # Scores in the units of each estimator's X: 10x the scale costs log(10) per column.
    gap = vaes[0].score_samples(X).mean() - vaes[1].score_samples(10.0 * X).mean()
    assert abs(gap - X.shape[1] * np.log(10.0)) < 1.0


def test_the_pool_keeps_few_idle_models_and_drops_the_least_recently_used_architecture():
    """At most max_idle_per_key idle models per architecture and max_keys architectures."""
    pool = ModelPool(max_keys=2, max_idle_per_key=1)
    pool.give_back("a", 1)
    pool.give_back("a", 2)  # one idle "a" is enough: dropped
    pool.give_back("b", 3)
    pool.give_back("c", 4)  # a third architecture: "a", the least recently used, goes
    assert len(pool) == 2
    assert pool.take("a") is None and pool.take("b") == 3 and pool.take("c") == 4


@pytest.mark.slow  # 25 s (seven architectures in a fresh process); run with pytest -m slow
def test_a_search_over_many_architectures_logs_no_retracing_warning():
    """Fitting and scoring seven architectures in a row (a grid search) logs no "excessive
    retracing" warning of TensorFlow's: each graph is traced once per model, but
    TensorFlow counted the traces of all closures of one function together, skvae's
    prediction graphs and Keras's training step alike, and warned from the fifth model on.
    In a fresh process: TensorFlow warns at most five times per function, so earlier
    tests could have used the warnings up."""
    script = textwrap.dedent(
        """
        import logging
        import numpy as np
        from skvae import VAETransformer

        records = []

        class Keep(logging.Handler):
            def emit(self, record):
                records.append(record.getMessage())

        logging.getLogger("tensorflow").addHandler(Keep())
        X = np.random.default_rng(0).normal(size=(60, 8))
        for k in range(1, 8):
            vae = VAETransformer(n_components=k, max_iter=2, random_state=0).fit(X)
            vae.score_samples(X)
            vae.transform(X)
        print([message for message in records if "retracing" in message])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout[-2000:]
