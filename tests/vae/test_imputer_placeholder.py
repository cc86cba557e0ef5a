"""VAEImputer(missing_values=<number>): the placeholder is a hole in every method that takes
X, exactly as NaN is, not only in fit and transform."""

import numpy as np
import pandas as pd
import pytest

from skvae import VAEImputer


def _tables():
    """Rows near 5 (never -1) with the same holes given as -1 and as NaN."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 1))
    X = np.hstack([z, 2 * z, -z]) + 0.1 * rng.normal(size=(200, 3)) + 5.0
    holes = np.zeros(X.shape, dtype=bool)
    holes[::4, 1] = True
    holes[1::7, 2] = True
    return np.where(holes, -1.0, X), np.where(holes, np.nan, X)


@pytest.mark.parametrize("hidden_layer_sizes", [(), (8,)])
def test_every_method_reads_the_placeholder_as_nan(hidden_layer_sizes):
    """score_samples, score, encode, kl_divergence, elbo_terms and to_numeric give for rows
    with -1 placeholders exactly what they give for the same rows with NaN (they read -1 as
    data: a row's score was -16.1 against -0.75), for the exact linear-Gaussian model and a
    non-linear one; transform and multiple_imputations agree as before."""
    X_placeholder, X_nan = _tables()
    imputer = VAEImputer(
        missing_values=-1, hidden_layer_sizes=hidden_layer_sizes, max_iter=5, random_state=0
    ).fit(X_placeholder)
    rows = slice(0, 30)  # rows with holes in one column, in two, and none
    scores = imputer.score_samples(X_placeholder[rows])
    np.testing.assert_array_equal(scores, imputer.score_samples(X_nan[rows]))
    assert np.isfinite(scores).all()
    assert imputer.score(X_placeholder) == imputer.score(X_nan)
    for method in ("encode", "kl_divergence", "transform"):
        np.testing.assert_array_equal(
            getattr(imputer, method)(X_placeholder[rows]),
            getattr(imputer, method)(X_nan[rows]),
            err_msg=method,
        )
    for got, expected in zip(
        imputer.elbo_terms(X_placeholder[rows]), imputer.elbo_terms(X_nan[rows]), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    numeric = imputer.to_numeric(X_placeholder[rows])
    np.testing.assert_array_equal(numeric, X_nan[rows])
    assert not (numeric == -1).any()
    np.testing.assert_array_equal(
        imputer.multiple_imputations(X_placeholder[rows], 2, random_state=0),
        imputer.multiple_imputations(X_nan[rows], 2, random_state=0),
    )


def test_a_frames_placeholder_scores_as_its_nan():
    """In a DataFrame (an int64 column holding the placeholder, which becomes nullable
    Int64) the -1 entries score as NaN there does, and to_numeric shows them as NaN."""
    X_placeholder, X_nan = _tables()
    frame = pd.DataFrame(X_placeholder, columns=["a", "b", "c"])
    frame["k"] = np.where(np.arange(200) % 6 == 0, -1, np.arange(200) % 3)
    frame_nan = pd.DataFrame(X_nan, columns=["a", "b", "c"])
    frame_nan["k"] = pd.array(frame["k"].where(frame["k"] != -1), dtype="Int64")
    imputer = VAEImputer(missing_values=-1, max_iter=5, random_state=0).fit(frame)
    np.testing.assert_array_equal(
        imputer.score_samples(frame[:30]), imputer.score_samples(frame_nan[:30])
    )
    numeric = imputer.to_numeric(frame[:30])
    assert np.isnan(numeric[::6, 3]).all() and not (numeric == -1).any()


@pytest.mark.parametrize("placeholder", [0, 1])
def test_a_numeric_placeholder_leaves_true_false_columns_alone(placeholder):
    """missing_values=0 (or 1) marks numbers, not booleans: False == 0 in Python, and every
    observed False became a hole, was filled, and the column came back as objects."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    frame = pd.DataFrame({"x": x, "y": x + 0.1 * rng.normal(size=120), "flag": x > 0})
    frame.loc[::10, "y"] = placeholder
    imputer = VAEImputer(max_iter=5, random_state=0, missing_values=placeholder)
    filled = imputer.fit_transform(frame)
    assert filled["flag"].dtype == bool
    np.testing.assert_array_equal(filled["flag"], frame["flag"])
    assert (filled["y"].iloc[::10] != placeholder).all()  # the real holes were filled
