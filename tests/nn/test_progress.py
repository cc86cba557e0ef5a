"""verbose=1 draws one progress bar over the fit's epochs; verbose=2 one line per epoch."""

import re

import numpy as np

from skvae import VAETransformer

X = np.random.default_rng(0).normal(size=(600, 4))


def _plain(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_verbose_1_is_one_bar_over_the_epochs(capsys):
    """The bar counts epochs (3/3, per-epoch time) and shows the loss, with no per-batch
    bars (600 rows in batches of 128 would give 5 per epoch) and no 'Epoch k/n' lines."""
    VAETransformer(max_iter=3, batch_size=128, verbose=1, random_state=0).fit(X)
    out = _plain(capsys.readouterr().out)
    assert "3/3" in out and "/epoch" in out and "loss:" in out
    assert "Epoch 1/3" not in out and "/step" not in out


def test_verbose_1_bar_closes_at_an_early_stop_and_shows_val_loss(capsys):
    """With early stopping the bar shows the validation loss and ends where training did."""
    vae = VAETransformer(
        max_iter=200,
        early_stopping=True,
        n_iter_no_change=1,
        tol=10.0,
        verbose=1,
        random_state=0,
    ).fit(X)
    out = _plain(capsys.readouterr().out)
    assert vae.n_iter_ < 200
    assert "val_loss:" in out and f"{vae.n_iter_}/200" in out


def test_verbose_2_prints_a_line_per_epoch(capsys):
    """verbose=2 keeps Keras's one line per epoch, for logs."""
    VAETransformer(max_iter=2, verbose=2, random_state=0).fit(X)
    out = _plain(capsys.readouterr().out)
    assert "Epoch 1/2" in out and "Epoch 2/2" in out


def test_verbose_0_is_silent(capsys):
    """The default prints nothing."""
    VAETransformer(max_iter=2, random_state=0).fit(X)
    assert capsys.readouterr().out == ""


def test_long_scoring_and_sampling_show_a_bar_over_the_rows(capsys):
    """At verbose=1, score_samples and sample over more than 8,192 rows show a bar
    counting rows; short calls and verbose=0 print nothing, and the results are the same."""
    vae = VAETransformer(max_iter=1, n_importance_samples=2, random_state=0).fit(X)
    rows = np.tile(X, (15, 1))  # 9,000 rows: two blocks
    quiet = vae.score_samples(rows)
    capsys.readouterr()
    vae.set_params(verbose=1)
    np.testing.assert_array_equal(vae.score_samples(rows), quiet)
    assert "9000/9000" in _plain(capsys.readouterr().out)
    vae.score_samples(X)
    assert capsys.readouterr().out == ""
    vae.sample(9000, random_state=0)
    assert "9000/9000" in _plain(capsys.readouterr().out)
