"""The skvae command line on messy tables a new user brings: warnings, unseen categories,
pandas' unnamed columns and missing-value markers, each answered in the command line's words."""

import warnings

import numpy as np
import pandas as pd

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
