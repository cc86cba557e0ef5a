"""The skvae command line on messy tables a new user brings: warnings, unseen categories,
pandas' unnamed columns and missing-value markers, each answered in the command line's words."""

import warnings

import numpy as np
import pandas as pd
import pytest

import skvae
from skvae._cli import main

FIT = ["--max-iter", "2", "--batch-size", "16", "--random-state", "0"]


def run(*argv):
    return main([str(a) for a in argv])


def test_warnings_print_one_line_naming_options_and_python_rendering_comes_back(tmp_path, capsys):
    """A warning during fit prints as `skvae fit: warning: ...` with option names (no
    launcher path or source line), and after main() Python's rendering is back."""
    path = tmp_path / "two.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)}).to_csv(path, index=False)
    before = warnings.showwarning
    assert run("fit", path, "-o", tmp_path / "m.skvae", "--n-components", "3", *FIT) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning" in line]
    assert len(lines) == 2
    assert lines[0].startswith(
        "skvae fit: warning: --n-components 3 is more than the 2 columns of X: "
    )
    assert lines[0].endswith('at most 2, or "auto" (one dimension per column)')
    # The posterior collapse of a 2-epoch fit: its advice in options, as typed.
    assert lines[1].startswith("skvae fit: warning: Posterior collapse: only ")
    assert lines[1].endswith(
        "try --kl-warmup (e.g. 10 epochs), --free-bits (e.g. 0.1 nats), a smaller --beta, or "
        "fewer --n-components."
    )
    assert "sys.exit" not in err and "UserWarning" not in err
    assert warnings.showwarning is before


@pytest.fixture(scope="module")
def islands(tmp_path_factory):
    """A training CSV with a text column, and a new file holding an island fit never saw."""
    folder = tmp_path_factory.mktemp("islands")
    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        {"mass": rng.normal(4000, 500, size=60), "island": ["Biscoe", "Dream", "Torgersen"] * 20}
    )
    train.to_csv(folder / "train.csv", index=False)
    new = pd.DataFrame({"mass": [3900.0, 4100.0, 4200.0], "island": ["Dream", "Anvers", None]})
    new.to_csv(folder / "new.csv", index=False)
    return folder


def test_an_unseen_category_is_an_error_in_the_command_lines_words(islands, tmp_path, capsys):
    """score, transform, detect, impute and report of a file with a category unseen in fit
    name the column, the value, its row, the known categories and the CLI's way out (no
    handle_unknown='ignore')."""
    new = islands / "new.csv"
    message = (
        f"error: {new}: column 'island' holds ['Anvers'] (first in row 2), which the model did "
        "not see in fit; it knows ['Biscoe', 'Dream', 'Torgersen']. Replace such cells with a "
        "known category or leave them empty (a missing value), or refit with `skvae fit "
        "--handle-unknown ignore` to read unseen categories as missing values\n"
    )
    for estimator, commands in [
        ("transformer", ["score", "transform", "report"]),
        ("detector", ["detect"]),
        ("imputer", ["impute"]),
    ]:
        model = tmp_path / f"{estimator}.skvae"
        assert run("fit", islands / "train.csv", "-o", model, "--estimator", estimator, *FIT) == 0
        for command in commands:
            capsys.readouterr()
            assert run(command, model, new, "-o", tmp_path / "out.csv") == 1
            assert capsys.readouterr().err == f"skvae {command}: " + message


def test_fit_handle_unknown_ignore_reads_unseen_categories_as_missing(islands, tmp_path, capsys):
    """`fit --handle-unknown ignore` is kept in the model: score gives the unseen row the
    score of a missing cell there, and impute fills that cell with a known island."""
    new = islands / "new.csv"
    model = tmp_path / "m.skvae"
    fit = ["fit", islands / "train.csv", "-o", model, *FIT, "--handle-unknown", "ignore"]
    assert run(*fit) == 0
    assert skvae.load(model).handle_unknown == "ignore"
    assert run("score", model, new, "-o", tmp_path / "s.csv") == 0
    scores = pd.read_csv(tmp_path / "s.csv")["log_likelihood"].to_numpy()
    blanked = pd.DataFrame({"mass": [4100.0], "island": [None]}).astype({"island": object})
    np.testing.assert_allclose(scores[1], skvae.load(model).score_samples(blanked)[0], rtol=1e-6)

    imputer = tmp_path / "imputer.skvae"
    assert run(*fit[:3], imputer, "--estimator", "imputer", *fit[4:]) == 0
    assert run("impute", imputer, new, "-o", tmp_path / "filled.csv") == 0
    filled = pd.read_csv(tmp_path / "filled.csv")
    assert filled["island"][0] == "Dream"
    assert filled["island"][1] in {"Biscoe", "Dream", "Torgersen"}
