"""The ``skvae`` command line: fit, apply and inspect VAEs on CSV (or Parquet) files.

Every subcommand reads and writes tables with a header row (``report`` writes an HTML
page); models are files written by :func:`skvae.save`. Outputs are written to a temporary
file and renamed into place, so a failure never leaves a partial file. Errors print one
line naming the file, column or value at fault and exit with status 1 (2 for a wrong
command line).
"""

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading

ESTIMATORS = {
    "transformer": "VAETransformer",
    "detector": "VAEOutlierDetector",
    "imputer": "VAEImputer",
}


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def _read_table(path, columns=None, categorical=()):
    """A DataFrame from a CSV or Parquet file, NaN for empty cells.

    Columns named in ``categorical`` keep their values (as categories); every other column
    must hold numbers, so a typo in a numeric column is an error naming the cell rather
    than a new category.
    """
    import pandas as pd

    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    try:
        if path.endswith(".parquet"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except ImportError as error:
        raise CLIError(f"{path}: reading Parquet needs pyarrow ({error})") from error
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CLIError(f"{path}: not a readable table ({error})") from error
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CLIError(f"{path}: no column(s) {missing}; the file has {list(frame.columns)}")
        frame = frame[columns]
    for name in frame.columns:
        if name in categorical:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if bad.any():
            row = int(bad.idxmax())
            raise CLIError(
                f"{path}: column {name!r}, row {row + 1}: {frame[name][row]!r} is not a number "
                "(name the column in --categorical if it holds categories)"
            )
        frame[name] = values.astype(float)
    if frame.empty:
        raise CLIError(f"{path}: the table has no rows")
    return frame


def _write_table(frame, path):
    """Write a DataFrame atomically: a temporary file beside ``path``, then a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".skvae-", suffix=".tmp")
    os.close(handle)
    # mkstemp makes the file private (0600); give it the permissions of a normal new file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        if path.endswith(".parquet"):
            frame.to_parquet(temporary, index=False)
        else:
            frame.to_csv(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _load_model(path, kind=None):
    import skvae

    if not os.path.exists(path):
        raise CLIError(f"{path}: no such model file")
    try:
        model = skvae.load(path)
    except ValueError as error:
        raise CLIError(str(error)) from error
    if type(model).__name__ not in ESTIMATORS.values():
        raise CLIError(
            f"{path} holds a {type(model).__name__}, which the command-line tool does not "
            "handle; use it from Python (skvae.load)"
        )
    if kind is not None and type(model).__name__ != ESTIMATORS[kind]:
        raise CLIError(
            f"{path} holds a {type(model).__name__}; this command needs a model fitted with "
            f"`skvae fit --estimator {kind}`"
        )
    return model


def _split(text):
    return [item.strip() for item in text.split(",") if item.strip()] if text else None


def _cmd_fit(args):
    import skvae

    categorical = _split(args.categorical) or []
    data = _read_table(args.data, _split(args.columns), categorical)
    params = dict(
        n_components=args.n_components,
        likelihood=args.likelihood,
        column_types={name: "categorical" for name in categorical} or None,
        n_components_lower=args.n_components_lower,
        beta=args.beta,
        free_bits=args.free_bits,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        early_stopping=args.early_stopping,
        condition_on=_split(args.condition_on),
        random_state=args.random_state,
        verbose=1 if args.progress else 0,
    )
    # Unless given, the estimator's own defaults (the imputer's differ from the others').
    if args.hidden is not None:
        sizes = [] if args.hidden.strip().lower() == "none" else _split(args.hidden) or []
        params["hidden_layer_sizes"] = tuple(int(size) for size in sizes)
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    if args.kl_warmup is not None:
        params["kl_warmup"] = args.kl_warmup
    cls = getattr(skvae, ESTIMATORS[args.estimator])
    if args.estimator == "detector":
        params["contamination"] = (
            "auto" if args.contamination == "auto" else float(args.contamination)
        )
    with _first_interrupt_stops_training() as (stop, callback):
        try:
            model = cls(**params).fit(data, callbacks=[callback])
        except KeyboardInterrupt:
            raise CLIError("interrupted: nothing was written") from None
        except ValueError as error:
            raise CLIError(f"{args.data}: {error}") from error
    skvae.save(model, args.output)
    stopped = "stopped by Ctrl-C after" if stop.is_set() else "in"
    print(
        f"fitted {type(model).__name__} on {len(data)} rows x {data.shape[1]} columns "
        f"{stopped} {model.n_iter_} epochs; final loss {model.history_['loss'][-1]:.3f}; "
        f"saved to {args.output}"
    )


@contextlib.contextmanager
def _first_interrupt_stops_training():
    """During fit, a first Ctrl-C ends training after the current steps and keeps the
    weights so far (the best ones with --early-stopping); a second one aborts.

    Yields an event that tells, afterwards, whether training was stopped that way, and
    the Keras callback to pass to ``fit`` that ends training once it is set.
    """
    import keras

    interrupted = threading.Event()

    class StopWhenInterrupted(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if interrupted.is_set():
                self.model.stop_training = True

    def handler(signum, frame):
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        print(
            "stopping after the current steps; Ctrl-C again to abort without saving",
            file=sys.stderr,
        )

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl-C as it is
        previous = None
    try:
        yield interrupted, StopWhenInterrupted()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _model_categorical(model):
    """Columns whose categories are text: the table keeps them as they are."""
    return [
        name
        for name, categories in zip(model.feature_names_in_, model.categories_, strict=True)
        if categories is not None and categories.dtype == object
    ]


def _apply(args, kind, method):
    model = _load_model(args.model, kind)
    data = _read_table(args.data, list(model.feature_names_in_), _model_categorical(model))
    try:
        return model, data, getattr(model, method)(data)
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error


def _cmd_transform(args):
    import pandas as pd

    model, _, Z = _apply(args, None, "transform")
    _write_table(pd.DataFrame(Z, columns=model.get_feature_names_out()), args.output)


def _cmd_inverse(args):
    import pandas as pd

    model = _load_model(args.model)
    latents = _read_table(args.data).to_numpy()
    try:
        rows = model.inverse_transform(latents, conditions=_conditions(args))
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error
    _write_table(pd.DataFrame(rows, columns=model.feature_names_in_), args.output)


def _conditions(args):
    values = _split(getattr(args, "conditions", None))
    if values is None:
        return None
    # Numbers where they parse; category names stay text.
    parsed = []
    for value in values:
        try:
            parsed.append(float(value))
        except ValueError:
            parsed.append(value)
    return parsed


def _cmd_sample(args):
    import pandas as pd

    model = _load_model(args.model)
    try:
        rows = model.sample(
            args.n_samples, random_state=args.random_state, conditions=_conditions(args)
        )
    except ValueError as error:
        raise CLIError(str(error)) from error
    _write_table(pd.DataFrame(rows, columns=model.feature_names_in_), args.output)


def _cmd_score(args):
    import pandas as pd

    _, _, scores = _apply(args, None, "score_samples")
    print(f"mean log-likelihood: {scores.mean():.4f} nats per row over {len(scores)} rows")
    if args.output:
        _write_table(pd.DataFrame({"log_likelihood": scores}), args.output)


def _cmd_impute(args):
    import pandas as pd

    model, _, filled = _apply(args, "imputer", "transform")
    _write_table(pd.DataFrame(filled, columns=model.feature_names_in_), args.output)


def _cmd_detect(args):
    import pandas as pd

    model, data, decision = _apply(args, "detector", "decision_function")
    labels = (decision >= 0).astype(int) * 2 - 1
    print(f"{int((labels == -1).sum())} of {len(labels)} rows flagged as outliers")
    _write_table(pd.DataFrame({"label": labels, "decision": decision}), args.output)


def _cmd_report(args):
    import pandas as pd

    model = _load_model(args.model)
    names = getattr(model, "feature_names_in_", None)
    data = _read_table(args.data, None if names is None else list(names))
    labels = None
    if args.label:
        # Read as it is: labels may be words, which _read_table would reject.
        table = (
            pd.read_parquet(args.data) if args.data.endswith(".parquet") else pd.read_csv(args.data)
        )
        if args.label not in table.columns:
            raise CLIError(
                f"{args.data}: no column {args.label!r} for --label; the file has "
                f"{list(table.columns)}"
            )
        labels = table[args.label].to_numpy()
    image_shape = None
    if args.image_shape:
        try:
            image_shape = tuple(int(size) for size in _split(args.image_shape))
        except ValueError:
            raise CLIError(
                f"--image-shape must be HEIGHT,WIDTH, e.g. 8,8; got {args.image_shape!r}"
            ) from None
    from skvae.plot import report

    try:
        report(model, data, args.output, y=labels, image_shape=image_shape, title=args.title)
    except ImportError as error:
        raise CLIError(str(error)) from error
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error
    print(f"wrote {args.output}: a report on {len(data)} rows of {args.data}")


def _cmd_demo(args):
    from skvae._demo import format_table, run_demo

    rows = run_demo(args.n_components, args.max_iter, args.random_state)
    print(format_table(rows, args.n_components))


def build_parser():
    """The argument parser of the ``skvae`` command."""
    parser = argparse.ArgumentParser(
        prog="skvae",
        description="Variational autoencoders on tables: fit, transform, sample, score, "
        "impute and detect outliers in CSV or Parquet files. Without a subcommand, run "
        "the digits demo.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fit on scikit-learn's digits; compare with PCA and FA")
    demo.add_argument("--n-components", type=int, default=8, help="latent dimension (8)")
    demo.add_argument("--max-iter", type=int, default=200, help="VAE training epochs (200)")
    demo.add_argument("--random-state", type=int, default=0, help="seed (0)")
    demo.set_defaults(func=_cmd_demo)

    fit = sub.add_parser("fit", help="fit a model on a table and save it")
    fit.add_argument("data", help="training table (.csv or .parquet), with a header row")
    fit.add_argument("-o", "--output", required=True, help="model file to write (.skvae)")
    fit.add_argument("--estimator", choices=sorted(ESTIMATORS), default="transformer")
    fit.add_argument("--columns", help="comma-separated columns to use (default: all)")
    fit.add_argument("--condition-on", help="comma-separated columns to condition on")
    fit.add_argument(
        "--categorical",
        help="comma-separated columns holding categories (text or codes); others must be numbers",
    )
    fit.add_argument("--n-components", type=int, default=2)
    fit.add_argument(
        "--n-components-lower",
        type=int,
        default=None,
        help="width of a second, lower latent layer (a two-layer ladder VAE; default: none)",
    )
    fit.add_argument(
        "--hidden",
        default=None,
        help="hidden layer sizes, e.g. 128,64; 'none' for a linear model (default: the "
        "estimator's: 64,32, or none for the imputer)",
    )
    fit.add_argument(
        "--likelihood",
        default="gaussian",
        choices=["gaussian", "heteroscedastic", "mixture", "bernoulli"],
        help="likelihood of the numeric columns (gaussian)",
    )
    fit.add_argument("--beta", type=float, default=1.0)
    fit.add_argument(
        "--kl-warmup",
        type=int,
        default=None,
        help="epochs of KL warm-up (default: the estimator's: none for one latent layer, "
        "min(20, epochs // 10) with --n-components-lower)",
    )
    fit.add_argument("--free-bits", type=float, default=0.0)
    fit.add_argument("--learning-rate", type=float, default=1e-3)
    fit.add_argument("--batch-size", type=int, default=128)
    fit.add_argument("--max-iter", type=int, default=None, help="epochs (default: the estimator's)")
    fit.add_argument("--early-stopping", action="store_true")
    fit.add_argument("--contamination", default="auto", help="detector only: auto or 0-0.5")
    fit.add_argument("--random-state", type=int, default=None)
    fit.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="print one line per epoch (default: only on a terminal)",
    )
    fit.set_defaults(func=_cmd_fit)

    for name, func, help_text in [
        ("transform", _cmd_transform, "write the latent means of each row"),
        ("score", _cmd_score, "print the mean log-likelihood; -o writes it per row"),
        ("impute", _cmd_impute, "fill missing cells (model from --estimator imputer)"),
        ("detect", _cmd_detect, "write outlier labels and scores (--estimator detector)"),
    ]:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("model", help="model file written by `skvae fit`")
        command.add_argument("data", help="table with the training columns")
        command.add_argument("-o", "--output", required=name != "score", help="output table")
        command.set_defaults(func=func)

    inverse = sub.add_parser("inverse", help="decode a table of latents into rows")
    inverse.add_argument("model")
    inverse.add_argument("data", help="table of latents, one column per component")
    inverse.add_argument("-o", "--output", required=True)
    inverse.add_argument("--conditions", help="condition values, comma-separated")
    inverse.set_defaults(func=_cmd_inverse)

    report = sub.add_parser(
        "report", help="write an HTML page of plots and key numbers (needs matplotlib)"
    )
    report.add_argument("model", help="model file written by `skvae fit`")
    report.add_argument("data", help="table with the training columns (held-out rows tell more)")
    report.add_argument("-o", "--output", required=True, help="HTML file to write")
    report.add_argument("--label", help="column of DATA to colour the latent space by")
    report.add_argument(
        "--image-shape", help="draw rows as images of HEIGHT,WIDTH pixels (e.g. 8,8)"
    )
    report.add_argument("--title", help="page title (default: the estimator's name)")
    report.set_defaults(func=_cmd_report)

    sample = sub.add_parser("sample", help="generate new rows")
    sample.add_argument("model")
    sample.add_argument("-n", "--n-samples", type=int, default=100)
    sample.add_argument("-o", "--output", required=True)
    sample.add_argument("--conditions", help="condition values, comma-separated")
    sample.add_argument("--random-state", type=int, default=None)
    sample.set_defaults(func=_cmd_sample)
    return parser


def main(argv=None):
    """Run the ``skvae`` command line; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["demo", *argv]  # `skvae --n-components 4`: options of the default demo
    args = build_parser().parse_args(argv)
    if args.command is None:  # `python -m skvae` alone: the README's main job
        args = build_parser().parse_args(["demo"])
    if getattr(args, "progress", False) is None:
        args.progress = sys.stderr.isatty()
    try:
        args.func(args)
    except CLIError as error:
        print(f"skvae {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0
