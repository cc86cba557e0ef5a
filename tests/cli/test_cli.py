"""The skvae command line, run as a new user would: files in, files out, clear errors."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import skvae
from skvae._cli import main


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A CSV of rows near a line in 3-D, with a label column and a few empty cells."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    frame = pd.DataFrame(
        {
            "a": z,
            "b": 2 * z + 0.1 * rng.normal(size=300),
            "c": -z + 0.1 * rng.normal(size=300),
            "label": (z > 0).astype(int),
        }
    )
    path = tmp_path_factory.mktemp("cli") / "data.csv"
    frame.to_csv(path, index=False)
    return path, frame


def run(*argv):
    return main([str(a) for a in argv])


def test_fit_transform_score_sample_inverse_round_trip(table, tmp_path, capsys):
    """fit writes a model; transform, score, sample and inverse write sensible tables."""
    data, frame = table
    model = tmp_path / "m.skvae"
    assert (
        run(
            "fit",
            data,
            "-o",
            model,
            "--columns",
            "a,b,c",
            "--n-components",
            "1",
            "--batch-size",
            "32",
            "--max-iter",
            "20",
            "--random-state",
            "0",
        )
        == 0
    )
    assert "fitted VAETransformer on 300 rows x 3 columns" in capsys.readouterr().out
    fitted = skvae.load(model)
    assert list(fitted.feature_names_in_) == ["a", "b", "c"]

    assert run("transform", model, data, "-o", tmp_path / "z.csv") == 0
    latents = pd.read_csv(tmp_path / "z.csv")
    assert list(latents.columns) == ["vaetransformer0"]
    np.testing.assert_allclose(
        latents.to_numpy(), fitted.transform(frame[["a", "b", "c"]]), rtol=1e-6
    )

    assert run("score", model, data, "-o", tmp_path / "s.csv") == 0
    assert "mean log-likelihood" in capsys.readouterr().out
    scores = pd.read_csv(tmp_path / "s.csv")["log_likelihood"].to_numpy()
    np.testing.assert_allclose(scores, fitted.score_samples(frame[["a", "b", "c"]]), rtol=1e-6)

    assert run("sample", model, "-n", 50, "-o", tmp_path / "new.csv", "--random-state", 0) == 0
    new = pd.read_csv(tmp_path / "new.csv")
    assert list(new.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(new.to_numpy(), fitted.sample(50, random_state=0), rtol=1e-6)

    assert run("inverse", model, tmp_path / "z.csv", "-o", tmp_path / "back.csv") == 0
    back = pd.read_csv(tmp_path / "back.csv")
    np.testing.assert_allclose(
        back.to_numpy(), fitted.inverse_transform(latents.to_numpy()), rtol=1e-5, atol=1e-6
    )


def test_detect_and_impute(table, tmp_path):
    """detect writes labels in {1, -1}; impute fills the empty cells of a CSV."""
    data, frame = table
    detector = tmp_path / "d.skvae"
    assert (
        run(
            "fit",
            data,
            "-o",
            detector,
            "--estimator",
            "detector",
            "--columns",
            "a,b,c",
            "--contamination",
            "0.1",
            "--n-components",
            "1",
            "--max-iter",
            "5",
            "--random-state",
            "0",
        )
        == 0
    )
    assert run("detect", detector, data, "-o", tmp_path / "labels.csv") == 0
    labels = pd.read_csv(tmp_path / "labels.csv")
    assert set(labels["label"]) == {1, -1}
    assert (labels["label"] == -1).mean() == pytest.approx(0.1, abs=0.01)

    holes = frame[["a", "b", "c"]].copy()
    holes.loc[::5, "b"] = np.nan
    holes.to_csv(tmp_path / "holes.csv", index=False)
    imputer = tmp_path / "i.skvae"
    assert (
        run(
            "fit",
            tmp_path / "holes.csv",
            "-o",
            imputer,
            "--estimator",
            "imputer",
            "--n-components",
            "1",
            "--max-iter",
            "5",
            "--random-state",
            "0",
        )
        == 0
    )
    assert run("impute", imputer, tmp_path / "holes.csv", "-o", tmp_path / "filled.csv") == 0
    filled = pd.read_csv(tmp_path / "filled.csv")
    assert not filled.isna().any().any()
    # The CLI writes what the saved imputer's transform gives: observed cells unchanged,
    # and each hole of b near 2 a, the line the rows lie on (b's spread is 2).
    np.testing.assert_allclose(
        filled.to_numpy(), skvae.load(imputer).transform(holes), rtol=1e-6, atol=1e-9
    )
    observed = holes.notna().to_numpy()
    np.testing.assert_array_equal(filled.to_numpy()[observed], holes.to_numpy()[observed])
    gaps = (filled["b"] - 2 * filled["a"])[holes["b"].isna()]
    assert np.abs(gaps).max() < 0.5, np.abs(gaps).max()
    # Options left out take the imputer's own defaults, not the transformer's.
    defaults = tmp_path / "d.skvae"
    args = ("fit", tmp_path / "holes.csv", "-o", defaults, "--estimator", "imputer")
    assert run(*args, "--max-iter", "2") == 0
    fitted = skvae.load(defaults)
    assert (fitted.n_components, fitted.likelihood, fitted.hidden_layer_sizes) == (
        "auto",
        "gaussian",
        (),
    )


def test_errors_name_the_file_column_and_value(table, tmp_path, capsys):
    """Bad files, columns, values and model kinds fail with one clear line and status 1."""
    data, frame = table
    assert run("fit", tmp_path / "nope.csv", "-o", tmp_path / "m.skvae") == 1
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert run("fit", data, "-o", tmp_path / "m.skvae", "--columns", "a,zz") == 1
    assert "no column(s) ['zz']" in capsys.readouterr().err
    bad = frame.astype(object)
    bad.loc[7, "b"] = "oops"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert run("fit", tmp_path / "bad.csv", "-o", tmp_path / "m.skvae") == 1
    assert "column 'b', row 8: 'oops' is not a number" in capsys.readouterr().err
    assert not (tmp_path / "m.skvae").exists()  # nothing partial left behind
    model = tmp_path / "t.skvae"
    assert run("fit", data, "-o", model, "--max-iter", "2", "--random-state", "0") == 0
    assert run("detect", model, data, "-o", tmp_path / "x.csv") == 1
    assert "needs a model fitted with `skvae fit --estimator detector`" in capsys.readouterr().err
    # inverse reads latents: its hint is about them, not about fit's --categorical.
    assert run("inverse", model, tmp_path / "bad.csv", "-o", tmp_path / "x.csv") == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(
            "'oops' is not a number (LATENTS holds latent coordinates, numbers as "
            "`skvae transform` writes them)"
        )
    )
    assert not (tmp_path / "x.csv").exists()


def test_an_output_path_that_cannot_be_written_fails_before_any_work(table, tmp_path, capsys):
    """-o in a missing directory, or naming a directory, fails with one line naming the
    path, before fit trains or transform reads (it used to fit first, then print a
    traceback about a hidden temporary file)."""
    data, _ = table
    missing = tmp_path / "no_such_dir" / "m.skvae"
    assert run("fit", data, "-o", missing, "--max-iter", "2000") == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        f"skvae fit: error: cannot write {missing}: directory {missing.parent} does not exist"
    )
    assert run("sample", tmp_path / "absent.skvae", "-n", "3", "-o", tmp_path) == 1
    assert capsys.readouterr().err.strip() == (
        f"skvae sample: error: cannot write {tmp_path}: it is a directory; name a file"
    )
    assert list(tmp_path.iterdir()) == []


def test_sample_takes_column_values_as_pairs(table, tmp_path):
    """sample --conditions b=1.5 on a model without condition_on draws the rows that
    sample(conditions={"b": 1.5}) draws: b is 1.5 in every row."""
    data, _ = table
    model, out = tmp_path / "m.skvae", tmp_path / "s.csv"
    assert run("fit", data, "-o", model, "--columns", "a,b,c", "--max-iter", "5") == 0
    argv = ("-n", "20", "-o", out, "--conditions", "b=1.5", "--random-state", "0")
    assert run("sample", model, *argv) == 0
    written = pd.read_csv(out)
    np.testing.assert_array_equal(written["b"], 1.5)
    expected = skvae.load(model).sample(20, random_state=0, conditions={"b": 1.5})
    np.testing.assert_allclose(written.to_numpy(), expected, rtol=1e-12)


def test_conditions_of_the_wrong_form_are_errors_in_the_command_lines_words(
    table, tmp_path, capsys
):
    """sample and inverse say --conditions and --condition-on, not the Python API's
    conditions=, when --conditions has the wrong form for the model: values for a model
    without condition columns, pairs, none or a wrong count for one with them. The Python
    API keeps saying conditions=."""
    data, _ = table
    plain, conditioned = tmp_path / "plain.skvae", tmp_path / "conditioned.skvae"
    fit = ("--max-iter", "2", "--random-state", "0")
    assert run("fit", data, "-o", plain, "--columns", "a,b,c", *fit) == 0
    columns = ("--columns", "a,b,label", "--condition-on", "label")
    assert run("fit", data, "-o", conditioned, *columns, *fit) == 0
    capsys.readouterr()
    latents = tmp_path / "z.csv"
    pd.DataFrame({"vaetransformer0": [0.0, 1.0]}).to_csv(latents, index=False)
    out = ("-o", tmp_path / "rows.csv")
    conditioned_on = "the model is conditioned on 1 column(s) ['label'] (fit's --condition-on)"
    cases = [
        (
            ("sample", plain, *out, "--conditions", "1.5"),
            "skvae sample: error: --conditions 1.5: this model was fitted without "
            "--condition-on, so --conditions takes column=value pairs, the values the rows "
            "are drawn with (e.g. --conditions a=VALUE)",
        ),
        (
            ("inverse", plain, latents, *out, "--conditions", "b=1.5"),
            "skvae inverse: error: --conditions b=1.5: this model was fitted without "
            "--condition-on, so its latents decode without conditions; leave --conditions out",
        ),
        (
            ("inverse", conditioned, latents, *out),
            f"skvae inverse: error: no --conditions, but {conditioned_on}: give --conditions "
            "one value per column, in that order",
        ),
        (
            ("inverse", conditioned, latents, *out, "--conditions", "0,1"),
            f"skvae inverse: error: --conditions 0,1 gives 2 value(s), but {conditioned_on}: "
            "give --conditions one value per column, in that order",
        ),
        (
            ("sample", conditioned, *out, "--conditions", "label=1"),
            "skvae sample: error: --conditions label=1: column=value pairs are for models "
            "fitted without --condition-on; this one is conditioned on ['label']: give their "
            "values alone, one per column in that order",
        ),
    ]
    for argv, message in cases:
        assert run(*argv) == 1
        assert capsys.readouterr().err.strip() == message
    assert run("sample", conditioned, *out, "--conditions", "1", "-n", "5") == 0
    assert pd.read_csv(tmp_path / "rows.csv")["label"].tolist() == [1] * 5
    with pytest.raises(ValueError, match=r"\(condition_on=\['label'\]\): pass conditions=, "):
        skvae.load(conditioned).inverse_transform(np.zeros((2, 2)))


def test_sample_without_conditions_draws_the_training_conditions(table, tmp_path):
    """sample with no --conditions on a model fitted with --condition-on writes the rows
    that sample(n) writes: labels drawn with their training shares."""
    data, _ = table
    model, out = tmp_path / "m.skvae", tmp_path / "s.csv"
    fit = ("--columns", "a,b,label", "--condition-on", "label", "--max-iter", "2")
    assert run("fit", data, "-o", model, *fit, "--random-state", "0") == 0
    assert run("sample", model, "-n", "400", "-o", out, "--random-state", "0") == 0
    written = pd.read_csv(out)
    expected = skvae.load(model).sample(400, random_state=0)
    np.testing.assert_allclose(written.to_numpy(), expected, rtol=1e-12)
    training = pd.read_csv(data)["label"].value_counts(normalize=True)
    drawn = written["label"].value_counts(normalize=True)
    assert set(drawn.index) <= set(training.index)
    assert (drawn - training).abs().max() < 0.08  # 400 draws: sd of a share <= 0.025


def test_help_runs_as_a_program():
    """`python -m skvae --help` lists every subcommand."""
    out = subprocess.run(
        [sys.executable, "-m", "skvae", "--help"], capture_output=True, text=True, check=True
    ).stdout
    # The subcommands are the first word of each line of the "positional arguments" block
    # (the description above it names most of them too, so a substring would prove nothing).
    block = out.split("positional arguments:")[1].split("options:")[0]
    listed = {line.split()[0] for line in block.splitlines()[2:] if line.startswith("    ")}
    listed.discard("write")  # the help line of a long name ("transform") wraps
    assert listed == {
        "demo",
        "fit",
        "transform",
        "score",
        "impute",
        "detect",
        "inverse",
        "report",
        "sample",
    }


def test_bare_options_run_the_demo(monkeypatch, capsys):
    """`skvae --n-components 2 --max-iter 1` runs the demo with those options."""
    seen = {}
    monkeypatch.setattr("skvae._cli._demo.run_demo", lambda *a: seen.setdefault("args", a) and [])
    monkeypatch.setattr("skvae._cli._demo.format_table", lambda rows, n: f"table for {n}")
    assert main(["--n-components", "2", "--max-iter", "1"]) == 0
    assert seen["args"] == (2, 1, 0)
    assert capsys.readouterr().out.strip() == "table for 2"


def test_categorical_columns_from_a_flag(tmp_path, capsys):
    """--categorical keeps a text column as categories; samples and scores use them."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    path = tmp_path / "colors.csv"
    pd.DataFrame({"x": z, "color": np.where(z > 0, "red", "blue")}).to_csv(path, index=False)
    model, samples = tmp_path / "m.skvae", tmp_path / "s.csv"
    args = [
        "--max-iter",
        "40",
        "--batch-size",
        "32",
        "--learning-rate",
        "0.01",
        "--random-state",
        "0",
    ]
    assert run("fit", path, "-o", model, "--categorical", "color", *args) == 0
    assert skvae.load(model).column_kinds_.tolist() == ["student_t", "categorical"]
    assert run("sample", model, "-n", "200", "-o", samples, "--random-state", "0") == 0
    generated = pd.read_csv(samples)
    assert set(generated["color"]) == {"red", "blue"}
    # The latent factor ties colour to the sign of x in generated rows too.
    assert (generated["color"] == np.where(generated["x"] > 0, "red", "blue")).mean() > 0.8
    capsys.readouterr()
    assert run("score", model, path) == 0
    score = float(capsys.readouterr().out.split(":")[1].split()[0])
    assert np.isfinite(score)
    # Without the flag the text column is inferred to hold categories, and the table of
    # columns and kinds is printed before the fit; --numeric makes it an error naming the
    # cell and the remedy.
    inferred = tmp_path / "inferred.skvae"
    assert run("fit", path, "-o", inferred, *args) == 0
    assert "color   categorical (2 categories)" in capsys.readouterr().err
    assert skvae.load(inferred).column_kinds_.tolist() == ["student_t", "categorical"]
    assert run("fit", path, "-o", tmp_path / "bad.skvae", "--numeric", "color", *args) == 1
    assert "column 'color', row 1: 'red' is not a number" in capsys.readouterr().err


def test_report_reads_the_models_text_columns_as_categories(tmp_path, capsys):
    """report runs on the model's own training CSV when it has a text column."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=120)
    path = tmp_path / "colors.csv"
    pd.DataFrame({"x": z, "y": 2 * z, "color": np.where(z > 0, "red", "blue")}).to_csv(
        path, index=False
    )
    model, page = tmp_path / "m.skvae", tmp_path / "r.html"
    args = ["--max-iter", "3", "--hidden", "8", "--random-state", "0"]
    assert run("fit", path, "-o", model, *args) == 0
    assert skvae.load(model).column_kinds_[-1] == "categorical"
    capsys.readouterr()
    assert run("report", model, path, "-o", page) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"wrote {page}: a report on 120 rows of {path}" in out
    assert page.read_text().count("data:image/png;base64,") > 0


def test_fit_infers_booleans_and_refuses_identifier_columns(tmp_path, capsys):
    """A True/False column is read as Bernoulli; a text column with a value per row (an
    identifier) is a clear error instead of a one-hot block per row."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    frame = pd.DataFrame({"x": z, "ok": z > 0, "id": [f"row-{i}" for i in range(200)]})
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    assert run("fit", path, "-o", tmp_path / "m.skvae", "--max-iter", "2") == 1
    assert "column 'id' has 200 distinct text values in 200 rows" in capsys.readouterr().err
    model = tmp_path / "ok.skvae"
    assert run("fit", path, "-o", model, "--columns", "x,ok", "--max-iter", "2") == 0
    assert "\nok      bernoulli (True/False)" in capsys.readouterr().err
    assert skvae.load(model).column_kinds_.tolist() == ["student_t", "bernoulli"]


def test_fit_refuses_a_column_of_dates_with_the_estimators_advice(tmp_path, capsys):
    """A text column of ISO dates stops the fit with advice on converting them (it was
    read as 12 categories, or with many dates called an identifier and --categorical
    advised); --categorical still reads each date as a category when asked to."""
    rng = np.random.default_rng(0)
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 12, 200) * 31, "D")
    frame = pd.DataFrame({"x": rng.normal(size=200), "month": days.strftime("%Y-%m-%d")})
    path = tmp_path / "dates.csv"
    frame.to_csv(path, index=False)
    assert run("fit", path, "-o", tmp_path / "m.skvae", "--max-iter", "2") == 1
    err = capsys.readouterr().err
    assert "column 'month' holds dates (such as '2024-" in err
    assert "Convert them to numbers first (say, days since a start date" in err
    # Timestamps with two UTC offsets (across a change of summer time) too: they raised
    # pandas' "Mixed timezones detected" as a traceback.
    hours = pd.date_range("2024-03-30", periods=200, freq="h", tz="Europe/Berlin")
    mixed = tmp_path / "offsets.csv"
    frame.assign(month=[t.isoformat() for t in hours]).to_csv(mixed, index=False)
    assert run("fit", mixed, "-o", tmp_path / "m.skvae", "--max-iter", "2") == 1
    assert "column 'month' holds dates (such as '2024-03-30T00:00:00+01:00')" in (
        capsys.readouterr().err
    )
    model = tmp_path / "c.skvae"
    assert run("fit", path, "-o", model, "--max-iter", "2", "--categorical", "month") == 0
    assert skvae.load(model).column_kinds_.tolist() == ["student_t", "categorical"]


def test_fit_reads_whole_number_columns_as_integers_also_with_empty_cells(tmp_path, capsys):
    """CSV columns of whole numbers are "integer" columns, also with an empty cell (which
    pandas alone reads as float); a column written with decimals stays continuous, and
    sampled counts come back as whole numbers."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    path = tmp_path / "counts.csv"
    lines = ["visits,children,x"]
    for i, value in enumerate(z):
        children = "" if i == 3 else str(rng.poisson(1.0))
        lines.append(f"{rng.poisson(np.exp(1 + 0.5 * value))},{children},{value:.3f}")
    path.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, "--max-iter", "5", "--random-state", "0") == 0
    err = capsys.readouterr().err
    for line in ("visits    integer", "children  integer", "x         student_t"):
        assert line in err
    assert skvae.load(model).column_kinds_.tolist() == ["integer", "integer", "student_t"]
    samples = tmp_path / "s.csv"
    assert run("sample", model, "-n", "50", "-o", samples, "--random-state", "0") == 0
    generated = pd.read_csv(samples)
    assert (generated["visits"] % 1 == 0).all() and generated["visits"].min() >= 0


def test_ctrl_c_during_fit_stops_cleanly_and_saves_the_model_so_far(tmp_path):
    """A first Ctrl-C ends `skvae fit` after the current steps; the model so far is saved."""
    import os
    import signal

    rng = np.random.default_rng(0)
    data = tmp_path / "data.csv"
    pd.DataFrame(rng.normal(size=(1000, 5)), columns=list("abcde")).to_csv(data, index=False)
    model = tmp_path / "m.skvae"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "skvae", "fit", str(data), "-o", str(model)]
    options = ["--max-iter", "5000", "--progress", "--random-state", "0"]
    process = subprocess.Popen(
        command + options, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    for line in process.stdout:  # wait until training runs (the handler is in place)
        if "loss" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    assert "stopped by Ctrl-C after" in out
    assert "Ctrl-C again to abort" in err
    fitted = skvae.load(model)
    assert 1 <= fitted.n_iter_ < 5000
    assert np.isfinite(fitted.score(pd.read_csv(data)))


def test_a_vqvae_model_file_is_refused_with_a_clear_error(table, tmp_path, capsys):
    """A VQ-VAE saved with skvae.save is refused by the commands, naming its class."""
    data, frame = table
    vq = skvae.VQVAETransformer(n_codes=4, hidden_layer_sizes=(4,), max_iter=1, random_state=0)
    model = tmp_path / "vq.skvae"
    skvae.save(vq.fit(frame[["a", "b", "c"]]), model)
    assert run("transform", model, data, "-o", tmp_path / "z.csv") == 1
    assert "holds a VQVAETransformer, which the command-line tool" in capsys.readouterr().err
    assert not (tmp_path / "z.csv").exists()


def test_fit_builds_a_two_layer_model_with_the_estimators_warm_up(table, tmp_path):
    """--n-components-lower gives a ladder VAE; without --kl-warmup the estimator's own
    default ("auto": min(20, epochs // 10) epochs for the hierarchy) applies."""
    data, frame = table
    model = tmp_path / "h.skvae"
    argv = ["fit", data, "-o", model, "--columns", "a,b,c", "--n-components", "1"]
    argv += ["--n-components-lower", "2", "--max-iter", "30", "--random-state", "0"]
    assert run(*argv) == 0
    fitted = skvae.load(model)
    assert fitted.n_components_lower == 2
    assert fitted.kl_warmup == "auto" and fitted.kl_warmup_epochs_ == 3
    assert fitted.transform(frame[["a", "b", "c"]]).shape == (300, 1)
    assert fitted.kl_per_dimension_.shape == (3,)


def test_fit_parses_the_named_latent_widths():
    """`skvae fit --n-components` takes an int, "sqrt" or "auto", passes them on as such,
    and refuses any other word."""
    from skvae._cli._parser import build_parser

    parser = build_parser()
    for value, parsed in (("3", 3), ("sqrt", "sqrt"), ("auto", "auto")):
        args = parser.parse_args(["fit", "data.csv", "-o", "m.skvae", "--n-components", value])
        assert args.n_components == parsed
    with pytest.raises(SystemExit):
        parser.parse_args(["fit", "data.csv", "-o", "m.skvae", "--n-components", "half"])


def test_a_csv_header_that_repeats_a_name_is_an_error(tmp_path, capsys):
    """A CSV header a,a,c fails with one line naming 'a' and status 1, as the Python API
    refuses such a table (pandas alone renames the second column to a.1, and fit used to
    save a model of columns a, a.1, c); two empty header cells are not a repeat."""
    rng = np.random.default_rng(0)
    path = tmp_path / "dup.csv"
    pd.DataFrame(rng.normal(size=(50, 3)), columns=list("aac")).to_csv(path, index=False)
    model = tmp_path / "m.skvae"
    assert run("fit", path, "-o", model, "--max-iter", "2") == 1
    assert capsys.readouterr().err.strip() == (
        f"skvae fit: error: {path}: the header repeats column(s) ['a']; name each column once"
    )
    assert not model.exists()
    assert run("fit", path, "-o", model, "--columns", "c", "--max-iter", "2") == 1
    assert "the header repeats column(s) ['a']" in capsys.readouterr().err
    unnamed = tmp_path / "unnamed.csv"
    pd.DataFrame(rng.normal(size=(50, 3)), columns=["", "", "c"]).to_csv(unnamed, index=False)
    assert run("fit", unnamed, "-o", model, "--max-iter", "2", "--random-state", "0") == 0
    assert skvae.load(model).feature_names_in_.tolist() == ["Unnamed: 0", "Unnamed: 1", "c"]


def test_a_true_false_column_with_empty_cells_is_bernoulli_in_csv_and_parquet(tmp_path, capsys):
    """A True/False column with empty cells is read as a Bernoulli column (pandas' nullable
    boolean), as the Python API reads it, from CSV and Parquet; it was read as numbers
    (student_t), so impute filled 0.55 and sample wrote 0.0 and 1.0."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    frame = pd.DataFrame({"x": z, "owner": pd.array(z > 0, dtype="boolean")})
    frame.loc[::8, "owner"] = pd.NA
    for path in (tmp_path / "holes.csv", tmp_path / "holes.parquet"):
        frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path)
        model = tmp_path / f"m{path.suffix}.skvae"
        args = ("--max-iter", "2", "--random-state", "0")
        assert run("fit", path, "-o", model, "--estimator", "imputer", *args) == 0
        assert "\nowner   bernoulli (True/False)" in capsys.readouterr().err
        filled = tmp_path / "filled.csv"
        assert run("impute", model, path, "-o", filled) == 0
        assert set(pd.read_csv(filled)["owner"].astype(str)) == {"True", "False"}


def test_a_semicolon_separated_file_is_an_error_not_one_column(tmp_path, capsys):
    """A semicolon-separated CSV (a spreadsheet's export in many locales), which pandas
    reads as one column of fragments, fails with a line saying skvae reads commas; it was
    fitted as one garbage column, or called an identifier column."""
    frame = pd.DataFrame({"a": np.arange(60) / 7, "b": np.arange(60.0)})
    for decimal in (".", ","):
        path = tmp_path / "semi.csv"
        frame.to_csv(path, index=False, sep=";", decimal=decimal)
        assert run("fit", path, "-o", tmp_path / "m.skvae", "--max-iter", "2") == 1
        err = capsys.readouterr().err
        assert "read as one column named 'a;b'; skvae reads comma-separated files" in err


def test_transform_and_inverse_work_for_detector_and_imputer_models(table, tmp_path):
    """skvae transform writes the latent means for every kind of model (a detector has no
    transform: it printed a traceback; an imputer's transform fills rows: it wrote the
    filled table), and skvae inverse decodes them."""
    data, frame = table
    prefixes = {"detector": "vaeoutlierdetector", "imputer": "vaeimputer"}
    for estimator, prefix in prefixes.items():
        model = tmp_path / f"{estimator}.skvae"
        args = ("--columns", "a,b,c", "--max-iter", "2", "--random-state", "0")
        assert run("fit", data, "-o", model, "--estimator", estimator, *args) == 0
        latents, rows = tmp_path / "z.csv", tmp_path / "rows.csv"
        assert run("transform", model, data, "-o", latents) == 0
        Z = pd.read_csv(latents)
        fitted = skvae.load(model)
        assert list(Z.columns) == [f"{prefix}{j}" for j in range(fitted.n_components_)]
        expected = fitted.encode(frame[["a", "b", "c"]])
        np.testing.assert_allclose(Z.to_numpy(), expected, rtol=1e-6)
        assert run("inverse", model, latents, "-o", rows) == 0
        assert list(pd.read_csv(rows).columns) == ["a", "b", "c"]


def test_conditions_take_true_false_and_a_category_with_a_comma(tmp_path):
    """--conditions owner=True sets a True/False column (it was refused as 'numeric'), and
    a category holding a comma is one value: region=north, upper (pairs split only before
    another name=), or "north, upper" in CSV quotes for a conditioned model."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    frame = pd.DataFrame(
        {"x": z, "owner": z > 0, "region": np.where(z > 0.5, "north, upper", "south")}
    )
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    model, out = tmp_path / "m.skvae", tmp_path / "s.csv"
    assert run("fit", path, "-o", model, "--max-iter", "2", "--random-state", "0") == 0
    given = "owner=True,region=north, upper"
    assert run("sample", model, "-n", "5", "-o", out, "--conditions", given) == 0
    drawn = pd.read_csv(out)
    assert drawn["owner"].all() and (drawn["region"] == "north, upper").all()
    conditioned = tmp_path / "c.skvae"
    fit_args = ("--condition-on", "region", "--max-iter", "2", "--random-state", "0")
    assert run("fit", path, "-o", conditioned, *fit_args) == 0
    quoted = '"north, upper"'
    assert run("sample", conditioned, "-n", "5", "-o", out, "--conditions", quoted) == 0
    assert (pd.read_csv(out)["region"] == "north, upper").all()
