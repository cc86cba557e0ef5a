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
        "try --kl-warmup (e.g. 10 epochs), --free-bits (e.g. 0.1 nats), a smaller --beta "
        "(got 1.0) or fewer --n-components."
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


def test_an_unseen_category_error_writes_numbers_as_numbers():
    """The command line's unseen-category error lists values and categories as Python
    writes them (numbers of a categorical column were written as text, ['1', '2']) and
    says when a value differs from a category only by type."""
    from skvae._cli._errors import CLIError
    from skvae._cli._unseen import check_known_categories

    train = pd.DataFrame({"x": np.arange(6.0), "level": pd.Categorical([1, 2, 3] * 2)})
    model = skvae.VAETransformer(max_iter=1, random_state=0).fit(train)
    new = pd.DataFrame({"x": [1.0, 2.0], "level": pd.array([4, 2], dtype=object)})
    with pytest.raises(CLIError, match=r"holds \[4\] \(first in row 1\).* it knows \[1, 2, 3\]\."):
        check_known_categories(model, new, "new.csv")
    new["level"] = pd.array(["2", 2], dtype=object)
    with pytest.raises(CLIError, match=r"holds \['2'\].*only by type \(str '2' against int 2\)"):
        check_known_categories(model, new, "new.csv")


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


def test_fit_leaves_out_the_row_index_that_to_csv_writes_with_a_notice(tmp_path, capsys):
    """The unnamed first column of DataFrame.to_csv() (0..n-1, also a filtered frame's
    increasing index) is left out of the model with one line saying how to keep it;
    --columns keeps it."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "color": ["red", "blue"] * 30})
    full, filtered = tmp_path / "full.csv", tmp_path / "filtered.csv"
    frame.to_csv(full)
    frame.iloc[::2].to_csv(filtered)
    for path, numbers in [(full, "0..59"), (filtered, "0..58")]:
        model = tmp_path / "m.skvae"
        assert run("fit", path, "-o", model, "--n-components", "1", *FIT) == 0
        err = capsys.readouterr().err.splitlines()
        notices = [line for line in err if line.startswith(f"skvae fit: warning: {path}")]
        assert notices == [
            f"skvae fit: warning: {path}: the first column has no header and holds the row "
            f"numbers {numbers} that DataFrame.to_csv() writes by default; it is left out of "
            "the model (to keep it, name it in --columns as 'Unnamed: 0')"
        ]
        assert list(skvae.load(model).feature_names_in_) == ["x", "color"]
    kept = ["--columns", "Unnamed: 0,x,color", "--n-components", "1"]
    assert run("fit", full, "-o", tmp_path / "kept.skvae", *kept, *FIT) == 0
    assert f"warning: {full}" not in capsys.readouterr().err
    assert list(skvae.load(tmp_path / "kept.skvae").feature_names_in_)[0] == "Unnamed: 0"


def test_an_empty_column_is_an_error_naming_columns(tmp_path, capsys):
    """A comma at the end of every line (an unnamed, empty column) and a named empty
    column stop fit with an error that names --columns and the columns to keep."""
    trailing = tmp_path / "trailing.csv"
    trailing.write_text("a,b,\n1.5,x,\n2.5,y,\n0.5,x,\n")
    assert run("fit", trailing, "-o", tmp_path / "m.skvae", *FIT) == 1
    assert capsys.readouterr().err == (
        f"skvae fit: error: {trailing}: column(s) ['Unnamed: 2'] have no header and no values "
        "(a comma at the end of every line?); leave them out with --columns a,b\n"
    )
    named = tmp_path / "named.csv"
    named.write_text("a,notes,b\n1.5,,x\n2.5,,y\n")
    assert run("fit", named, "-o", tmp_path / "m.skvae", *FIT) == 1
    assert capsys.readouterr().err == (
        f"skvae fit: error: {named}: column(s) ['notes'] have no values; leave them out with "
        "--columns a,b\n"
    )


def test_fit_warns_about_a_column_of_distinct_consecutive_integers(tmp_path, capsys):
    """An integer column holding each of 1001..1060 once (an identifier) gets a warning
    naming --columns; a year column with repeats does not."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": rng.permutation(np.arange(1001, 1061)),
            "year": [2007, 2008, 2009] * 20,
            "x": rng.normal(size=60),
        }
    )
    frame.to_csv(tmp_path / "ids.csv", index=False)
    assert run("fit", tmp_path / "ids.csv", "-o", tmp_path / "m.skvae", *FIT) == 0
    notices = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert notices[0] == (
        f"skvae fit: warning: {tmp_path / 'ids.csv'}: column 'id' holds 60 distinct consecutive "
        "whole numbers (1001..1060): a row number or identifier? The model fits it as data; "
        "leave it out with --columns if so"
    )
    assert not any("'year'" in line for line in notices)


def test_na_values_reads_markers_as_missing_and_the_error_suggests_it_first(tmp_path, capsys):
    """A '?' in a numeric column: the error suggests --na-values '?' before --categorical;
    with --na-values fit models the column as numbers and score reads the file too."""
    rng = np.random.default_rng(0)
    mass = rng.normal(4000, 500, size=60).round(1).astype(str)
    mass[::20] = "?"
    path = tmp_path / "qmark.csv"
    pd.DataFrame({"mass": mass, "species": ["Adelie", "Gentoo"] * 30}).to_csv(path, index=False)
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, *FIT) == 1
    assert capsys.readouterr().err == (
        f"skvae fit: error: {path}: column 'mass', row 1: '?' is not a number (if it marks a "
        "missing value, pass --na-values '?'; name the column in --categorical if it holds "
        "categories)\n"
    )
    assert run("fit", path, "-o", model, "--na-values", "?,n/a", *FIT) == 0
    fitted = skvae.load(model)
    assert list(fitted.column_kinds_) == ["student_t", "categorical"]
    assert run("score", model, path, "-o", tmp_path / "s.csv") == 1
    assert "pass --na-values '?'" in capsys.readouterr().err
    assert run("score", model, path, "-o", tmp_path / "s.csv", "--na-values", "?") == 0
    scores = pd.read_csv(tmp_path / "s.csv")["log_likelihood"].to_numpy()
    expected = fitted.score_samples(pd.read_csv(path, na_values=["?"]).astype({"species": object}))
    np.testing.assert_allclose(scores, expected, rtol=1e-6)


def test_na_values_blanks_text_cells_of_a_parquet_file(tmp_path, capsys):
    """In a Parquet file a marker is a text cell: --na-values makes it missing, so it is
    not a category of the model."""
    pytest.importorskip("pyarrow")
    path = tmp_path / "t.parquet"
    colors = ["red", "blue", "n/a"] * 20
    pd.DataFrame({"x": np.linspace(0, 1, 60), "color": colors}).to_parquet(path)
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, "--na-values", "n/a", *FIT) == 0
    assert list(skvae.load(model).categories_[1]) == ["blue", "red"]


def test_codes_named_categorical_keep_their_text_through_fit_sample_and_conditions(
    tmp_path, capsys
):
    """Zip codes 02139, ... named in --categorical stay text: sample writes 02139 (not
    2139) and --conditions zip=02139 draws rows of that code; a code column with blank
    cells keeps its codes 1, 2, 3 (not 1.0)."""
    rng = np.random.default_rng(0)
    zips = rng.choice(["02139", "02140", "10001"], size=90)
    region = rng.choice(["1", "2", "3"], size=90).astype(object)
    region[::15] = ""
    path = tmp_path / "zips.csv"
    pd.DataFrame({"x": rng.normal(size=90), "zip": zips, "region": region}).to_csv(
        path, index=False
    )
    model, out = tmp_path / "m.skvae", tmp_path / "s.csv"
    assert run("fit", path, "-o", model, "--categorical", "zip,region", *FIT) == 0
    assert list(skvae.load(model).categories_[1]) == ["02139", "02140", "10001"]
    assert run("sample", model, "-n", "30", "-o", out, "--random-state", "0") == 0
    drawn = pd.read_csv(out, dtype=str)
    assert set(drawn["zip"]) <= {"02139", "02140", "10001"}
    assert set(drawn["region"]) <= {"1", "2", "3"}
    args = ("-n", "5", "-o", out, "--random-state", "0", "--conditions", "zip=02139")
    assert run("sample", model, *args) == 0
    assert (pd.read_csv(out, dtype=str)["zip"] == "02139").all()
    capsys.readouterr()


def test_blank_looking_cells_are_missing_and_padded_markers_match(tmp_path, capsys):
    """A cell of spaces is missing, as an empty cell is, and a marker padded with spaces
    (' n.a. ') matches --na-values n.a., as the error suggests: both were errors that no
    option could get past."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=40).round(3).astype(str).astype(object)
    x[3], x[7] = "   ", " n.a. "
    path = tmp_path / "padded.csv"
    pd.DataFrame({"x": x, "y": rng.normal(size=40)}).to_csv(path, index=False)
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, *FIT) == 1
    assert "' n.a. ' is not a number (if it marks a missing value, pass --na-values n.a.;" in (
        capsys.readouterr().err
    )
    assert run("fit", path, "-o", model, "--na-values", "n.a.", *FIT) == 0
    assert skvae.load(model).column_kinds_.tolist() == ["student_t", "student_t"]


def test_number_cells_with_separators_get_advice_about_the_separators(tmp_path, capsys):
    """'3,000' in a --numeric column is not called a missing-value marker (--na-values
    splits at commas, so the old advice could not work): the error names the separators."""
    path = tmp_path / "thousands.csv"
    pd.DataFrame({"price": ["3,000", "1,250"] * 20, "x": np.arange(40.0)}).to_csv(path, index=False)
    assert run("fit", path, "-o", tmp_path / "m.skvae", "--numeric", "price", *FIT) == 1
    err = capsys.readouterr().err
    assert "'3,000' is not a number (it looks like a number written with thousands" in err
    assert "--na-values" not in err


def test_a_fitted_models_commands_say_to_refit_for_categories(tmp_path, capsys):
    """score on a file with a word in a numeric column suggests --na-values or refitting
    with --categorical, which score itself does not take."""
    rng = np.random.default_rng(0)
    path, bad = tmp_path / "fine.csv", tmp_path / "word.csv"
    frame = pd.DataFrame({"x": rng.normal(size=40), "y": rng.normal(size=40)})
    frame.to_csv(path, index=False)
    frame.astype({"x": object}).assign(x=["low"] + list(frame["x"][1:])).to_csv(bad, index=False)
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, *FIT) == 0
    assert run("score", model, bad, "-o", tmp_path / "s.csv") == 1
    assert "if the column holds categories, refit the model with the column in --categorical" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--contamination", "abc", "'abc' is not auto or a number in (0, 0.5]"),
        ("--hidden", "128,abc", "'128,abc' is not comma-separated layer widths"),
        ("--n-components", "foo", "'foo' is not an integer, auto or sqrt"),
        ("--batch-size", "foo", "'foo' is not an integer or auto"),
    ],
)
def test_bad_option_values_are_usage_errors_saying_what_is_accepted(
    option, value, message, tmp_path, capsys
):
    """A bad numeric option is argparse's usage error (status 2) saying what it takes,
    not a traceback ('--contamination abc', '--hidden 128,abc') or 'invalid <lambda>'."""
    with pytest.raises(SystemExit) as exit_:
        run("fit", tmp_path / "d.csv", "-o", tmp_path / "m.skvae", option, value)
    assert exit_.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err


def test_impute_keeps_the_files_other_columns_in_their_places(tmp_path, capsys):
    """impute fills the model's columns and writes the file's identifier, left out of the
    fit with --columns, where it was, as its text (it used to write the model's columns
    only, so filled rows could be matched back by position alone)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=60)
    frame = pd.DataFrame(
        {
            "x": np.where(np.arange(60) % 10 == 0, np.nan, 10 + z),
            "patient_id": [f"P{i:04d}" for i in range(60)],
            "y": 10 + z + 0.1 * rng.normal(size=60),
        }
    )
    path, model, out = tmp_path / "patients.csv", tmp_path / "m.skvae", tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    fit = ("--estimator", "imputer", "--columns", "x,y", *FIT)
    assert run("fit", path, "-o", model, *fit) == 0
    assert run("impute", model, path, "-o", out) == 0
    filled = pd.read_csv(out)
    assert list(filled.columns) == ["x", "patient_id", "y"]
    assert filled["patient_id"].tolist() == frame["patient_id"].tolist()
    assert filled["x"].notna().all()
    np.testing.assert_allclose(filled["y"], frame["y"])
    observed = frame["x"].notna()
    np.testing.assert_allclose(filled["x"][observed], frame["x"][observed])
    capsys.readouterr()


def test_an_infinite_cell_is_an_error_naming_its_column_and_row(tmp_path, capsys):
    """'inf' or 1e400 in a numeric cell names the column and row, as a word does (it was
    scikit-learn's 'Input contains infinity' with neither)."""
    path = tmp_path / "inf.csv"
    path.write_text("x,y\n1,2\n1e400,3\n4,5\n")
    assert run("fit", path, "-o", tmp_path / "m.skvae", *FIT) == 1
    assert capsys.readouterr().err == (
        f"skvae fit: error: {path}: column 'x', row 2: 'inf' is infinite or too large for a "
        "number; replace it with a finite value, or leave the cell empty to mark it missing\n"
    )


def test_the_estimators_errors_name_the_options(tmp_path, capsys):
    """An estimator's parameter error speaks of the option typed (--max-iter), not of
    scikit-learn's 'max_iter' parameter of VAETransformer."""
    path = tmp_path / "ok.csv"
    pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20.0) ** 0.5}).to_csv(path, index=False)
    assert run("fit", path, "-o", tmp_path / "m.skvae", "--max-iter", "0") == 1
    err = capsys.readouterr().err
    assert "error: " in err and "--max-iter must be an int in the range [1, inf)" in err
    assert "parameter of VAETransformer" not in err


def test_padded_categories_and_the_row_index_header_stay_as_the_file_has_them(tmp_path, capsys):
    """Spaces around a category are kept (a model fitted on a file written with ", "
    knows ' red'), only blank cells are missing; impute writes the row index's empty
    header empty, not pandas' 'Unnamed: 0'."""
    rng = np.random.default_rng(0)
    x = np.where(np.arange(40) % 8 == 0, np.nan, rng.normal(size=40))
    frame = pd.DataFrame({"x": x, "y": rng.normal(size=40), "color": [" red", " blue"] * 20})
    path = tmp_path / "padded.csv"
    frame.to_csv(path)  # with pandas' row index, under an empty header
    model, out = tmp_path / "m.skvae", tmp_path / "f.csv"
    fit = ("--columns", "x,y,color", "--estimator", "imputer", *FIT)
    assert run("fit", path, "-o", model, *fit) == 0
    assert sorted(skvae.load(model).categories_[2]) == [" blue", " red"]
    assert run("impute", model, path, "-o", out) == 0
    assert open(out).readline().startswith(",x,y,color")
    assert pd.read_csv(out, index_col=0)["x"].notna().all()
    capsys.readouterr()
