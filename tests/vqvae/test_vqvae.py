"""Behaviour of VQVAETransformer: quantisation, EMA codebook, dead-code restarts, the
generative model (prior, sampling, exact likelihood), reproducibility and pickling."""

import copy
import json
import os
import pickle
import random
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.datasets import load_digits, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from skvae import CodebookCollapseWarning, VQVAETransformer
from skvae._nn._layout import ColumnLayout
from skvae._vqvae._model import VQVAE, ema_codebook_update
from skvae._vqvae._transformer import _warn_if_collapsed


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return train_test_split(X, test_size=0.2, random_state=0)


@pytest.fixture(scope="module")
def fitted_digits(digits):
    X_train, _ = digits
    return VQVAETransformer(
        n_codes=16, code_dim=4, hidden_layer_sizes=(32,), max_iter=20, random_state=0
    ).fit(X_train)


def _keras_global_seed_state():
    from keras.src.random.seed_generator import global_seed_generator

    return global_seed_generator().state.numpy().copy()


# -- quantisation and the codebook ---------------------------------------------------------
def test_transform_returns_the_nearest_codebook_vector(fitted_digits, digits):
    """Each row's code is the codebook vector nearest (Euclidean) to its encoder output."""
    _, X_test = digits
    z_e = keras.ops.convert_to_numpy(fitted_digits.encoder_(fitted_digits._model_input(X_test)))
    distances = ((z_e[:, None, :] - fitted_digits.codebook_[None]) ** 2).sum(axis=2)
    codes = fitted_digits.transform(X_test)
    assert codes.shape == (len(X_test), 1) and codes.dtype == np.int64
    chosen = distances[np.arange(len(X_test)), codes[:, 0]]
    # float32 distances in the model: ties within rounding may go either way.
    np.testing.assert_allclose(chosen, distances.min(axis=1), rtol=1e-4, atol=1e-5)
    assert np.mean(codes[:, 0] == distances.argmin(axis=1)) > 0.99
    embeddings = fitted_digits.set_params(output="embeddings").transform(X_test)
    fitted_digits.set_params(output="indices")
    np.testing.assert_array_equal(embeddings, fitted_digits.codebook_[codes[:, 0]])


def test_ema_update_moves_codes_to_the_mean_of_their_rows():
    """One EMA step: counts and sums decay towards the batch's, codes move to its means."""
    ema_count = np.array([1.0, 1.0, 1.0], dtype="float32")
    codebook = np.array([[0.0, 0.0], [10.0, 10.0], [-5.0, 5.0]], dtype="float32")
    vectors = np.array([[1.0, 1.0], [3.0, 1.0], [9.0, 9.0]], dtype="float32")
    codes = np.array([0, 0, 1])
    count, ema_sum, new_codebook, batch_counts = (
        keras.ops.convert_to_numpy(t)
        for t in ema_codebook_update(ema_count, codebook * 1.0, vectors, codes, decay=0.5)
    )
    np.testing.assert_allclose(batch_counts, [2, 1, 0])
    np.testing.assert_allclose(count, [1.5, 1.0, 0.5])
    np.testing.assert_allclose(ema_sum, [[2.0, 1.0], [9.5, 9.5], [-2.5, 2.5]])
    # Laplace smoothing changes the counts by ~1e-5 only: e_k = sum_k / count_k.
    np.testing.assert_allclose(new_codebook, ema_sum / count[:, None], rtol=1e-4)
    # Code 0 moved from the origin towards its rows' mean (2, 1); code 1 towards (9, 9).
    assert np.linalg.norm(new_codebook[0] - [2, 1]) < np.linalg.norm(codebook[0] - [2, 1])
    assert np.linalg.norm(new_codebook[1] - [9, 9]) < np.linalg.norm(codebook[1] - [9, 9])
    # Decay 0 keeps only the batch: each used code becomes the mean of its rows.
    _, _, batch_only, _ = ema_codebook_update(ema_count, codebook, vectors, codes, decay=0.0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(batch_only)[:2], [[2, 1], [9, 9]], rtol=1e-4
    )


def _tiny_model(patience):
    return VQVAE(
        layout=ColumnLayout(["gaussian"] * 2, [0] * 2, 1, np.zeros(2), 0.01),
        n_codes=3,
        code_dim=2,
        n_latents=1,
        hidden_layer_sizes=(),
        activation="relu",
        commitment_cost=0.25,
        decay=0.5,
        dead_code_patience=patience,
        seed=0,
    )


def test_model_update_initialises_from_data_then_restarts_only_dead_codes():
    """First step: every code is a batch row; later a code unused for `patience` steps is."""
    model = _tiny_model(patience=2)
    rows = np.array([[1.0, 1.0], [9.0, 9.0], [5.0, -5.0], [1.0, 1.0]], dtype="float32")
    model._update_codebook(rows, np.zeros((4, 1), dtype="int32"))
    first = model.codebook.numpy()
    assert all(any(np.array_equal(code, row) for row in rows) for code in first)

    # Codes 0 and 1 get rows at every step, code 2 never: after 2 steps it is restarted.
    model.codebook.assign(np.array([[0.0, 0.0], [10.0, 10.0], [-50.0, 50.0]], "float32"))
    model.ema_sum.assign(model.codebook.numpy())
    model.ema_count.assign(np.ones(3, "float32"))
    batch = np.array([[1.0, 1.0], [9.0, 9.0]], dtype="float32")
    model._update_codebook(batch, np.array([[0], [1]], dtype="int32"))
    after_one = model.codebook.numpy()
    np.testing.assert_allclose(after_one[0], [0.5, 0.5], rtol=1e-4)  # EMA, decay 0.5
    np.testing.assert_allclose(after_one[1], [9.5, 9.5], rtol=1e-4)
    assert np.abs(after_one[2]).max() > 10  # still far away: not restarted yet
    model._update_codebook(batch, np.array([[0], [1]], dtype="int32"))
    after_two = model.codebook.numpy()
    assert any(np.array_equal(after_two[2], row) for row in batch)  # restarted at a row
    np.testing.assert_array_equal(model.steps_unused.numpy(), [0, 0, 0])


def test_dead_code_restarts_revive_unused_codes(digits):
    """With more codes than rows per batch, restarts put far more of the codebook to use."""
    X_train, _ = digits
    # The first batch of 16 rows initialises 32 codes: at least 16 start as duplicates
    # that lose every tie, and only restarts can bring them into use.
    params = dict(
        n_codes=32, code_dim=4, hidden_layer_sizes=(32,), batch_size=16, max_iter=8,
        random_state=0,
    )  # fmt: skip
    without = VQVAETransformer(dead_code_patience=None, **params).fit(X_train[:320])
    with_restarts = VQVAETransformer(dead_code_patience=10, **params).fit(X_train[:320])
    used_without = int((without.code_usage_ > 0).sum())
    used_with = int((with_restarts.code_usage_ > 0).sum())
    assert used_with >= 30 and used_with >= used_without + 6
    assert with_restarts.perplexity_ > 1.5 * without.perplexity_


def test_collapse_is_judged_against_the_codes_distinct_rows_can_use():
    """Two distinct rows can use 2 of 64 codes: a fit that uses both is no collapse (it
    was reported as one, with advice that could not help); one code for every row, or 2
    codes where 20 distinct rows could use 40 slots, are reported, and the advice names
    the dead_code_patience in use."""
    X = np.repeat([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]], 30, axis=0)
    vq = VQVAETransformer(n_codes=64, hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CodebookCollapseWarning)
        vq.fit(X)
    assert np.count_nonzero(vq.code_usage_) == 2
    assert len(np.unique(vq.transform(X[[0, 30]]))) == 2
    usage = np.zeros(64)
    usage[:2] = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", CodebookCollapseWarning)
        _warn_if_collapsed(usage, 2.0, reachable=2, dead_code_patience=50)
    with pytest.warns(CodebookCollapseWarning, match=r"smaller dead_code_patience \(it is 50"):
        _warn_if_collapsed(usage, 2.0, reachable=40, dead_code_patience=50)  # 20 rows x 2
    with pytest.warns(CodebookCollapseWarning, match=r"use 1 of 64 codes.*Try dead_code_pat"):
        _warn_if_collapsed(np.eye(64)[0], 1.0, reachable=2)


# -- reconstruction and round trips -----------------------------------------------------------
def test_reconstruction_beats_the_mean_on_held_out_digits(fitted_digits, digits):
    """Held-out MSE of decode(encode(x)) is well below predicting the training mean."""
    X_train, X_test = digits
    reconstruction = fitted_digits.inverse_transform(fitted_digits.transform(X_test))
    mse = np.mean((reconstruction - X_test) ** 2)
    baseline = np.mean((X_train.mean(axis=0) - X_test) ** 2)
    assert mse < 0.75 * baseline
    assert fitted_digits.perplexity_ > 8  # of 16 codes: the codebook is in use


def test_indices_and_embeddings_round_trip_to_the_same_rows(fitted_digits, digits):
    """inverse_transform decodes indices and their codebook vectors to the same rows."""
    _, X_test = digits
    codes = fitted_digits.transform(X_test[:50])
    from_indices = fitted_digits.inverse_transform(codes)
    vq = pickle.loads(pickle.dumps(fitted_digits)).set_params(output="embeddings")
    embeddings = vq.transform(X_test[:50])
    np.testing.assert_array_equal(vq.inverse_transform(embeddings), from_indices)
    # Decoding a code gives one fixed row, and re-encoding it maps to the same code
    # for nearly all codes (the decoder's output lies in that code's region).
    decoded_codes = fitted_digits.inverse_transform(np.arange(16)[:, None])
    assert np.mean(fitted_digits.transform(decoded_codes)[:, 0] == np.arange(16)) >= 0.75
    np.testing.assert_array_equal(decoded_codes[codes[:, 0]], from_indices)


@pytest.mark.parametrize(
    "codes, message",
    [
        ([[0], [16]], r"integers in \[0, 16\)"),
        ([[0.5]], "non-integers"),
        ([[0, 1]], "n_latents=1 columns"),
    ],
)
def test_inverse_transform_rejects_bad_codes(fitted_digits, codes, message):
    """Codes out of range, fractional or of the wrong width are clear errors."""
    with pytest.raises(ValueError, match=message):
        fitted_digits.inverse_transform(codes)


# -- the generative model ----------------------------------------------------------------------
def test_sample_draws_codes_with_the_fitted_prior(fitted_digits, digits):
    """The prior is the training code frequencies, and sample draws codes with them."""
    X_train, _ = digits
    train_codes = fitted_digits.transform(X_train)[:, 0]
    frequencies = np.bincount(train_codes, minlength=16) / len(X_train)
    np.testing.assert_allclose(fitted_digits.code_usage_, frequencies)
    prior = np.zeros(16)
    prior[fitted_digits.prior_codes_[:, 0]] = fitted_digits.prior_
    np.testing.assert_allclose(prior, frequencies)
    used = frequencies[frequencies > 0]
    assert fitted_digits.perplexity_ == pytest.approx(np.exp(-np.sum(used * np.log(used))))

    X_new, codes = fitted_digits.sample(20000, random_state=0, return_codes=True)
    drawn = np.bincount(codes[:, 0], minlength=16) / 20000
    # Binomial standard error is at most 0.0036 here: 0.015 is over 4 of them.
    assert np.abs(drawn - frequencies).max() < 0.015
    # Rows are the decoded codes plus the learned Gaussian noise around them.
    means = fitted_digits.inverse_transform(codes[:200])
    residual_var = np.var(X_new[:200] - means, axis=0)
    noise_var = np.exp(fitted_digits._obs_log_var) * fitted_digits.scale_**2
    assert 0.5 < np.median(residual_var / noise_var) < 2.0
    np.testing.assert_array_equal(X_new, fitted_digits.sample(20000, random_state=0))


def test_score_samples_is_the_exact_mixture_log_likelihood(fitted_digits, digits):
    """score_samples = log sum_k prior_k N(x; decode(k), noise variance), in X's units."""
    _, X_test = digits
    X = X_test[:20]
    k = fitted_digits.prior_codes_[:, 0]
    # inverse_transform returns the decoder's means, but the training constant in the
    # digits' always-blank pixels; the density keeps the decoder's means there.
    unpinned = copy.copy(fitted_digits)
    unpinned._constant_values = None
    means = unpinned.inverse_transform(k[:, None])
    blank = np.ptp(digits[0], axis=0) == 0
    assert blank.any() and np.all(fitted_digits.inverse_transform(k[:, None])[:, blank] == 0)
    std = np.exp(0.5 * fitted_digits._obs_log_var) * fitted_digits.scale_
    per_code = norm.logpdf(X[:, None, :], means[None], std).sum(axis=2)
    expected = logsumexp(per_code + np.log(fitted_digits.prior_), axis=1)
    np.testing.assert_allclose(fitted_digits.score_samples(X), expected, rtol=1e-6)
    # Row-independent: scoring rows one by one gives the same numbers.
    np.testing.assert_allclose(
        [fitted_digits.score_samples(x[None])[0] for x in X[:3]],
        expected[:3],
        # float64 where the backend has it; JAX, by default, computes in float32.
        rtol=1e-9 if keras.backend.backend() != "jax" else 1e-6,
    )


def test_bernoulli_score_samples_is_the_exact_mixture_probability():
    """For 0/1 data, score_samples = log sum_k prior_k prod_j Bernoulli(x_j; decode(k)_j)."""
    X = (load_digits().data[:200] > 8).astype(float)
    vq = VQVAETransformer(
        n_codes=8, likelihood="bernoulli", hidden_layer_sizes=(16,), max_iter=3, random_state=0
    ).fit(X)
    p = vq.inverse_transform(vq.prior_codes_)  # Bernoulli means of each code
    per_code = (X[:, None, :] * np.log(p) + (1 - X[:, None, :]) * np.log1p(-p)).sum(axis=2)
    expected = logsumexp(per_code + np.log(vq.prior_), axis=1)
    np.testing.assert_allclose(vq.score_samples(X), expected, rtol=1e-6)
    assert set(np.unique(vq.sample(50, random_state=0))) <= {0.0, 1.0}


# -- reproducibility, several latents, backends ---------------------------------------------------
def test_same_random_state_gives_identical_fits_and_keeps_global_rng():
    """Two fits with one random_state agree exactly; fit leaves global RNG states untouched."""
    X = np.random.default_rng(0).normal(size=(60, 5))
    params = dict(
        n_codes=8, n_latents=2, likelihood="heteroscedastic", hidden_layer_sizes=(8,),
        max_iter=4, batch_size=32,
    )  # fmt: skip
    _keras_global_seed_state()  # created from Python's `random`: do it first
    np.random.seed(123)  # noqa: NPY002 - the legacy global generator is what we guard
    random.seed(123)
    numpy_before, python_before = np.random.get_state(), random.getstate()  # noqa: NPY002
    keras_before = _keras_global_seed_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CodebookCollapseWarning)
        first = VQVAETransformer(random_state=7, **params).fit(X)
        second = VQVAETransformer(random_state=7, **params).fit(X)
        other = VQVAETransformer(random_state=8, early_stopping=True, **params).fit(X)
    numpy_after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(numpy_before[1], numpy_after[1])
    assert random.getstate() == python_before
    np.testing.assert_array_equal(_keras_global_seed_state(), keras_before)

    np.testing.assert_array_equal(first.codebook_, second.codebook_)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    np.testing.assert_array_equal(first.score_samples(X), second.score_samples(X))
    np.testing.assert_array_equal(first.sample(5, random_state=1), second.sample(5, random_state=1))
    assert not np.array_equal(first.codebook_, other.codebook_)
    assert len(other.history_["val_loss"]) == other.n_iter_ <= 4
    # Two latents: two codes per row, and the prior is over the observed pairs.
    assert first.transform(X).shape == (60, 2)
    assert first.prior_codes_.shape[1] == 2 and first.prior_.sum() == pytest.approx(1.0)
    assert np.isfinite(first.score_samples(X)).all()


@pytest.mark.slow  # 14 s, a fresh JAX process; test_backends.py trains the VAE under JAX
def test_trains_under_jax():
    """Under KERAS_BACKEND=jax the codebook trains (EMA, restarts) and fits reproducibly."""
    pytest.importorskip("jax")
    script = textwrap.dedent(
        """
        import json, numpy as np, keras
        from sklearn.datasets import load_digits
        from skvae import VQVAETransformer
        X = load_digits(return_X_y=True)[0][:300]
        kw = dict(n_codes=16, hidden_layer_sizes=(16,), max_iter=5, batch_size=100,
                  dead_code_patience=3, random_state=0)
        a, b = VQVAETransformer(**kw).fit(X), VQVAETransformer(**kw).fit(X)
        print(json.dumps({
            "backend": keras.backend.backend(),
            "steps": float(keras.ops.convert_to_numpy(a._model.train_steps)),
            "used": int((a.code_usage_ > 0).sum()),
            "loss": a.history_["loss"],
            "same": bool(np.array_equal(a.codebook_, b.codebook_)),
        }))
        """
    )
    env = dict(os.environ, KERAS_BACKEND="jax")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == "jax"
    assert result["steps"] == 5 * 3
    assert result["used"] >= 8
    assert result["loss"][-1] < result["loss"][0]
    assert result["same"]


def test_pickle_from_before_the_column_layout_still_samples_and_scores():
    """A VQ-VAE pickled with the old cached prior decoding (_prior_first/_prior_log_var)
    samples and scores as a fresh one after unpickling."""
    X = load_wine().data
    vq = VQVAETransformer(n_codes=8, n_latents=2, max_iter=3, random_state=0).fit(X)
    state = vq.__getstate__()
    old_state = {k: v for k, v in state.items() if k != "_prior_params"}
    old_state["_prior_first"] = old_state["_prior_log_var"] = np.zeros(1)
    restored = VQVAETransformer.__new__(VQVAETransformer)
    restored.__setstate__(old_state)
    assert not hasattr(restored, "_prior_first")
    np.testing.assert_array_equal(restored.sample(5, random_state=0), vq.sample(5, random_state=0))
    np.testing.assert_array_equal(restored.score_samples(X[:10]), vq.score_samples(X[:10]))


def test_an_unfitted_vqvae_says_so():
    """Methods of an unfitted VQ-VAE raise NotFittedError, not an AttributeError of a
    private attribute (get_feature_names_out too, as scikit-learn's transformers do)."""
    X = np.zeros((4, 3))
    for method in ("transform", "score_samples", "score", "inverse_transform"):
        with pytest.raises(NotFittedError):
            getattr(VQVAETransformer(), method)(X)
    with pytest.raises(NotFittedError):
        VQVAETransformer().get_feature_names_out()


def test_set_output_pandas_applies_to_transform_as_to_fit_transform():
    """With set_output(transform="pandas"), transform returns a DataFrame as fit_transform
    does (it returned an array: scikit-learn wraps only methods a class defines itself),
    with the same values and the feature names out as columns, also in a
    ColumnTransformer."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer

    X = np.random.default_rng(0).normal(size=(120, 4))
    vq = VQVAETransformer(n_codes=8, max_iter=2, random_state=0).set_output(transform="pandas")
    fitted = vq.fit_transform(X)
    codes = vq.transform(X)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == list(vq.get_feature_names_out())
    np.testing.assert_array_equal(codes.to_numpy(), fitted.to_numpy())
    frame = pd.DataFrame(X, columns=list("abcd"))
    vq = VQVAETransformer(n_codes=8, max_iter=2, random_state=0)
    ct = ColumnTransformer([("vq", vq, ["a", "b", "c"]), ("keep", "passthrough", ["d"])])
    ct.set_output(transform="pandas").fit(frame)
    assert isinstance(ct.transform(frame), pd.DataFrame)
