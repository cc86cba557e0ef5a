"""Training on data bigger than memory: partial_fit, and fit on a memory-mapped X."""

import pickle

import numpy as np
import pytest

from skvae import VAETransformer
from skvae._nn._streaming import chunked_scaling
from skvae._table._scaling import fit_feature_scaling

SMALL = dict(n_components=2, hidden_layer_sizes=(16,), batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.normal(size=(900, 2)) @ rng.normal(size=(2, 6)) + 0.2 * rng.normal(size=(900, 6))


def test_partial_fit_runs_one_epoch_per_call_and_is_reproducible(X):
    """Each partial_fit call adds one epoch; the same calls give the same model."""

    def run():
        vae = VAETransformer(**SMALL)
        for chunk in np.array_split(X, 3):
            vae.partial_fit(chunk)
        return vae

    first, second = run(), run()
    assert first.n_iter_ == 3
    assert len(first.history_["loss"]) == 3
    np.testing.assert_array_equal(first.transform(X), second.transform(X))


def test_partial_fit_keeps_scaling_from_the_first_chunk(X):
    """Later chunks do not refit the scaling: mean_ and scale_ are those of chunk one
    (and a chunk shifted far from it is warned about)."""
    vae = VAETransformer(**SMALL).partial_fit(X[:300])
    mean, scale = vae.mean_.copy(), vae.scale_.copy()
    with pytest.warns(UserWarning, match="lie far from the rows of the first call"):
        vae.partial_fit(X[300:] + 5.0)
    np.testing.assert_array_equal(vae.mean_, mean)
    np.testing.assert_array_equal(vae.scale_, scale)
    np.testing.assert_allclose(mean, X[:300].mean(axis=0))


def test_partial_fit_keeps_the_optimizer_state(X):
    """Adam's step counter carries over between calls (the optimiser is not rebuilt)."""
    vae = VAETransformer(**SMALL).partial_fit(X[:320])
    steps = int(vae._model.optimizer.iterations.numpy())
    vae.partial_fit(X[320:640])
    assert steps == 5
    assert int(vae._model.optimizer.iterations.numpy()) == 10


def test_partial_fit_epochs_improve_like_fit(X):
    """Repeated partial_fit passes over X lower the loss as fit's epochs do."""
    vae = VAETransformer(**SMALL)
    for _ in range(6):
        vae.partial_fit(X)
    fitted = VAETransformer(max_iter=6, **SMALL).fit(X)
    assert vae.history_["loss"][-1] < vae.history_["loss"][0] - 0.5
    assert abs(vae.score(X) - fitted.score(X)) < 0.5


def test_partial_fit_continues_after_fit_and_after_pickling(X):
    """partial_fit continues a fitted model, and an unpickled one (with a fresh Adam):
    each pass's loss is below the last epoch's (a re-initialised model would start again
    at about the first epoch's loss)."""
    vae = VAETransformer(max_iter=2, **SMALL).fit(X)
    vae.partial_fit(X)
    assert vae.n_iter_ == 3
    restored = pickle.loads(pickle.dumps(vae))
    assert restored.score(X) == vae.score(X)
    restored.partial_fit(X)
    assert restored.n_iter_ == 4
    losses = restored.history_["loss"]
    assert len(losses) == 4 and np.all(np.diff(losses) < 0), losses


def test_partial_fit_after_an_early_stopped_fit_keeps_every_history_key(X):
    """partial_fit after fit(early_stopping=True) keeps the validation losses in history_,
    NaN for the pass (which has no validation rows): every list has n_iter_ entries."""
    vae = VAETransformer(max_iter=3, early_stopping=True, **SMALL).fit(X)
    validation = list(vae.history_["val_loss"])
    vae.partial_fit(X)
    assert {"val_loss", "val_reconstruction", "val_kl"} <= set(vae.history_)
    assert {len(values) for values in vae.history_.values()} == {vae.n_iter_} == {4}
    assert vae.history_["val_loss"][:3] == validation
    assert np.isnan(vae.history_["val_loss"][3]) and np.isfinite(vae.history_["loss"][3])


def test_failed_partial_fit_leaves_the_model_unchanged(X):
    """A partial_fit that diverges raises and restores weights and fitted attributes."""
    vae = VAETransformer(**SMALL).partial_fit(X)
    before = vae.transform(X)
    with pytest.raises(ValueError, match="Training diverged"):
        vae.set_params(learning_rate=1e12).partial_fit(X)
    assert vae.n_iter_ == 1
    np.testing.assert_array_equal(vae.transform(X), before)


def test_set_params_batch_size_between_partial_fit_calls_takes_effect():
    """A batch_size set between partial_fit calls sets the next pass's batches (640 rows:
    8 rows per batch is 80 optimiser steps, 640 one step; every pass took the first
    call's 10 steps before), and "auto" keeps the batch size the first call resolved."""
    X = np.random.default_rng(0).normal(size=(640, 5))
    vae = VAETransformer(**SMALL).partial_fit(X)

    def steps_of_a_pass():
        before = int(vae._model.optimizer.iterations.numpy())
        vae.partial_fit(X)
        return int(vae._model.optimizer.iterations.numpy()) - before

    assert int(vae._model.optimizer.iterations.numpy()) == 10
    assert vae.set_params(batch_size=8) and steps_of_a_pass() == 80
    assert vae.set_params(batch_size=640) and steps_of_a_pass() == 1
    assert vae.set_params(batch_size="auto") and steps_of_a_pass() == 10
    assert vae.batch_size_ == 64


def test_partial_fit_rejects_a_different_number_of_features(X):
    """A later chunk must have the columns of the first."""
    vae = VAETransformer(**SMALL).partial_fit(X)
    with pytest.raises(ValueError, match="features"):
        vae.partial_fit(X[:, :4])


def test_partial_fit_refuses_parameters_changed_since_the_model_was_built(X, tmp_path):
    """After set_params, partial_fit raises for a parameter that built the model
    (n_components, layers, likelihood, beta: get_params() said one model while the old one
    trained on), also after save and load, and leaves the model as it was; the
    per-call parameters (learning_rate, batch_size, max_iter) may change, and fit rebuilds."""
    import skvae

    vae = VAETransformer(**SMALL).partial_fit(X)
    before = vae.transform(X)
    builders = ({"n_components": 3}, {"hidden_layer_sizes": (8,)}, {"beta": 2.0})
    for change in (*builders, {"n_mixture_components": 5}, {"whiten": True}):
        with pytest.raises(ValueError, match=f"built with {next(iter(change))}="):
            clone_with = pickle.loads(pickle.dumps(vae)).set_params(**change)
            clone_with.partial_fit(X)
    with pytest.raises(ValueError, match="likelihood='student_t', n_components=2, but the "):
        vae.set_params(n_components=3, likelihood="gaussian").partial_fit(X)
    assert vae.n_iter_ == 1 and vae.n_components_ == 2
    np.testing.assert_array_equal(vae.transform(X), before)
    vae.set_params(**SMALL, likelihood="student_t")
    vae.set_params(learning_rate=1e-4, batch_size=32, max_iter=5).partial_fit(X)
    assert vae.n_iter_ == 2
    skvae.save(vae, tmp_path / "vae.skvae")
    loaded = skvae.load(tmp_path / "vae.skvae")
    with pytest.raises(ValueError, match="n_components=3"):
        loaded.set_params(n_components=3).partial_fit(X)
    assert loaded.fit(X).partial_fit(X).transform(X).shape == (len(X), 3)


def test_chunked_scaling_matches_the_in_memory_scaling():
    """Chunked mean/std (with NaN, a constant column, a large offset) equal NumPy's."""
    rng = np.random.default_rng(1)
    X = rng.normal(loc=1e6, size=(1000, 4))
    X[:, 2] = 3.0  # constant
    X[rng.random((1000, 4)) < 0.1] = np.nan
    expected_mean, expected_scale = fit_feature_scaling(X)
    mean, scale = chunked_scaling(X, np.arange(4), chunk_rows=77)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(scale, expected_scale, rtol=1e-9)


@pytest.fixture
def memmap_X(X, tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, X.astype(np.float32))
    return np.load(path, mmap_mode="r")


def test_fit_on_a_memmap_matches_the_in_memory_statistics(X, memmap_X, monkeypatch):
    """fit() on a memmap streams it: same scaling, a trained model, finite scores."""
    import skvae._nn._streaming as streaming

    monkeypatch.setattr(streaming, "CHUNK_ROWS", 128)  # force several chunks
    vae = VAETransformer(max_iter=4, **SMALL).fit(memmap_X)
    in_memory = VAETransformer(max_iter=4, **SMALL).fit(np.asarray(memmap_X))
    np.testing.assert_allclose(vae.mean_, in_memory.mean_, rtol=1e-6)
    np.testing.assert_allclose(vae.scale_, in_memory.scale_, rtol=1e-6)
    assert vae.n_features_in_ == 6 and vae.n_iter_ == 4
    assert vae.history_["loss"][-1] < vae.history_["loss"][0]
    assert abs(vae.score(X) - in_memory.score(X)) < 0.5
    z = vae.transform(np.asarray(memmap_X))
    np.testing.assert_allclose(
        vae.kl_per_dimension_.sum(), vae.kl_divergence(X).sum(1).mean(), rtol=1e-4
    )
    np.testing.assert_allclose(vae.active_units_, z.var(axis=0) > 0.01)


def test_fit_on_a_memmap_is_reproducible_and_supports_early_stopping(memmap_X):
    """Same random_state, same model; early stopping reads validation rows from the map."""
    settings = dict(max_iter=3, early_stopping=True, **SMALL)
    first = VAETransformer(**settings).fit(memmap_X)
    second = VAETransformer(**settings).fit(memmap_X)
    assert first.history_ == second.history_
    assert len(first.history_["val_loss"]) == 3


def test_fit_on_a_memmap_rejects_infinite_values(tmp_path, monkeypatch):
    """An inf beyond the first chunk is reported with its row, as validate_data would."""
    import skvae._nn._streaming as streaming

    monkeypatch.setattr(streaming, "CHUNK_ROWS", 128)
    X = np.ones((300, 3), dtype=np.float32)
    X[:, 1] = np.arange(300)
    X[250, 2] = np.inf
    np.save(tmp_path / "bad.npy", X)
    with pytest.raises(ValueError, match="infinity.*row 250"):
        VAETransformer(max_iter=1, **SMALL).fit(np.load(tmp_path / "bad.npy", mmap_mode="r"))


def test_partial_fit_and_memmap_fit_leave_global_random_state_alone(X, memmap_X):
    """Neither partial_fit nor a memmap fit draws from NumPy's, Python's or Keras's RNG."""
    import random

    from keras.src.random.seed_generator import global_seed_generator

    def keras_state():
        return global_seed_generator().state.numpy().copy()

    keras_before = keras_state()  # created first: creating it draws from Python's random
    numpy_before, python_before = np.random.get_state(), random.getstate()  # noqa: NPY002
    VAETransformer(**SMALL).partial_fit(X).partial_fit(X)
    VAETransformer(max_iter=1, **SMALL).fit(memmap_X)
    numpy_after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(numpy_before[1], numpy_after[1])
    assert numpy_before[2:] == numpy_after[2:]
    assert random.getstate() == python_before
    np.testing.assert_array_equal(keras_state(), keras_before)


def test_partial_fit_refuses_a_chunk_with_no_observed_value(X):
    """A later chunk whose every value is missing is refused with a clear error (its pass
    would train the KL term alone) and leaves the model as it was; a chunk with some
    observed values is taken."""
    vae = VAETransformer(max_iter=2, **SMALL).fit(X)
    codes, n_iter = vae.transform(X), vae.n_iter_
    with pytest.raises(ValueError, match="no observed value"):
        vae.partial_fit(np.full((50, X.shape[1]), np.nan))
    assert vae.n_iter_ == n_iter
    np.testing.assert_array_equal(vae.transform(X), codes)
    holes = X[:50].copy()
    holes[:, 1:] = np.nan
    vae.partial_fit(holes)
    assert vae.n_iter_ == n_iter + 1
