"""The argument parser of the ``skvae`` command: its subcommands and their options."""

import argparse

from skvae._cli._commands import (
    cmd_demo,
    cmd_detect,
    cmd_fit,
    cmd_impute,
    cmd_inverse,
    cmd_report,
    cmd_sample,
    cmd_score,
    cmd_transform,
)
from skvae._cli._io import ESTIMATORS
from skvae._table._codes import KINDS

NA_VALUES_HELP = (
    "comma-separated cells that mark a missing value, e.g. '?,n/a,-' (empty cells and "
    "pandas' usual markers, such as NA, are missing anyway)"
)


def _int_or(*words):
    """An argparse type: an integer, or one of ``words``; a bad value is argparse's
    usage error (exit status 2) saying what is accepted, not a traceback."""

    def parse(value):
        if value in words:
            return value
        try:
            return int(value)
        except ValueError:
            accepted = ", ".join(["an integer", *words[:-1]]) + f" or {words[-1]}"
            raise argparse.ArgumentTypeError(f"{value!r} is not {accepted}") from None

    parse.__name__ = "integer"  # argparse's fallback message names the type
    return parse


def _contamination(value):
    """An argparse type: ``auto`` or a number (the estimator checks its range)."""
    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not auto or a number in (0, 0.5]") from None


def _layer_sizes(value):
    """An argparse type: ``none`` (a linear model) or comma-separated positive widths."""
    if value.strip().lower() == "none":
        return ()
    try:
        return tuple(int(size) for size in value.split(",") if size.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not comma-separated layer widths (e.g. 64,32) or none"
        ) from None


def build_parser():
    """The argument parser of the ``skvae`` command.

    Each subcommand's parsed arguments carry ``func``, the function that runs it.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from skvae._cli._parser import build_parser
    >>> args = build_parser().parse_args(["sample", "m.skvae", "-o", "new.csv"])
    >>> args.command, args.n_samples, args.func.__name__
    ('sample', 100, 'cmd_sample')
    """
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
    demo.set_defaults(func=cmd_demo)

    _add_fit(sub)

    for name, func, help_text in [
        ("transform", cmd_transform, "write the latent means of each row"),
        ("score", cmd_score, "print the mean log-likelihood; -o writes it per row"),
        ("impute", cmd_impute, "fill missing cells (model from --estimator imputer)"),
        ("detect", cmd_detect, "write outlier labels and scores (--estimator detector)"),
    ]:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("model", help="model file written by `skvae fit`")
        command.add_argument("data", help="table with the training columns")
        command.add_argument("-o", "--output", required=name != "score", help="output table")
        command.add_argument("--na-values", help=NA_VALUES_HELP)
        command.set_defaults(func=func)

    inverse = sub.add_parser("inverse", help="decode a table of latents into rows")
    inverse.add_argument("model")
    inverse.add_argument("data", help="table of latents, one column per component")
    inverse.add_argument("-o", "--output", required=True)
    inverse.add_argument("--conditions", help="condition values, comma-separated")
    inverse.set_defaults(func=cmd_inverse)

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
    report.add_argument("--na-values", help=NA_VALUES_HELP)
    report.set_defaults(func=cmd_report)

    sample = sub.add_parser("sample", help="generate new rows")
    sample.add_argument("model")
    sample.add_argument(
        "-n", "--n-samples", type=int, default=100, help="rows to generate (default 100)"
    )
    sample.add_argument("-o", "--output", required=True)
    sample.add_argument(
        "--conditions",
        help="comma-separated: the condition columns' values (a model fitted with "
        "--condition-on; left out, each row's are drawn with their training shares), or "
        "column=value pairs (rows with those values, any other model)",
    )
    sample.add_argument("--random-state", type=int, default=None)
    sample.set_defaults(func=cmd_sample)
    return parser


def _add_fit(sub):
    """``skvae fit`` and its options: most of the estimators' parameters."""
    fit = sub.add_parser("fit", help="fit a model on a table and save it")
    fit.add_argument("data", help="training table (.csv or .parquet), with a header row")
    fit.add_argument("-o", "--output", required=True, help="model file to write (.skvae)")
    fit.add_argument("--estimator", choices=sorted(ESTIMATORS), default="transformer")
    fit.add_argument("--columns", help="comma-separated columns to use (default: all)")
    fit.add_argument("--condition-on", help="comma-separated columns to condition on")
    fit.add_argument(
        "--categorical",
        help="comma-separated columns holding categories (text or codes); text columns are "
        "categories anyway",
    )
    fit.add_argument(
        "--numeric",
        help="comma-separated columns that must hold numbers (a non-number is then an error "
        "instead of making the column categorical)",
    )
    fit.add_argument("--na-values", help=NA_VALUES_HELP)
    fit.add_argument(
        "--n-components",
        type=_int_or("auto", "sqrt"),
        default=None,
        help="latent dimension; sqrt: ceil(sqrt(columns)), auto: one per column (default: "
        "the estimator's: sqrt for the transformer, auto for the imputer and the detector)",
    )
    fit.add_argument(
        "--n-components-lower",
        type=int,
        default=None,
        help="width of a second, lower latent layer (a two-layer ladder VAE; default: none)",
    )
    fit.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=None,
        help="hidden layer sizes, e.g. 128,64; 'none' for a linear model (default: the "
        "estimator's: 64,32, or none for the imputer)",
    )
    fit.add_argument(
        "--likelihood",
        default=None,
        # Every kind a numeric column can have (categorical is for text columns).
        choices=[kind for kind in KINDS if kind != "categorical"],
        help="likelihood of the numeric columns (default: the estimator's: student_t, or "
        "gaussian for the imputer)",
    )
    fit.add_argument(
        "--handle-unknown",
        choices=["error", "ignore"],
        default="error",
        help="a category not seen in fit, in the table of a later command: an error, or "
        "read as a missing value (kept in the model; default: error)",
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
    fit.add_argument(
        "--batch-size",
        type=_int_or("auto"),
        default="auto",
        help="rows per batch, or auto (the estimator's: about four batches per epoch, 32-128; "
        "about sixteen for the imputer)",
    )
    fit.add_argument("--max-iter", type=int, default=None, help="epochs (default: the estimator's)")
    fit.add_argument("--early-stopping", action="store_true")
    fit.add_argument(
        "--contamination",
        type=_contamination,
        default="auto",
        help="detector only: auto or 0-0.5",
    )
    fit.add_argument("--random-state", type=int, default=None)
    fit.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="print each epoch's number and losses (default: only on a terminal)",
    )
    fit.set_defaults(func=cmd_fit)
