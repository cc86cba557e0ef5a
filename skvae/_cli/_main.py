"""The entry point of the ``skvae`` command: parse the command line, run, map errors."""

import os
import sys

from skvae._cli._io import CLIError, check_output_path
from skvae._cli._parser import build_parser
from skvae._cli._warnings import command_line_warnings, option_names


def main(argv=None):
    """Run the ``skvae`` command line; returns the exit status.

    Options with no subcommand go to the demo (``skvae --n-components 4``), and no
    arguments at all run it with its defaults. A :class:`CLIError` prints one line on
    stderr and gives status 1; a wrong command line exits with status 2 (argparse's).
    Warnings print as one line too (``skvae fit: warning: ...``), naming options where
    the estimators' advice names their parameters.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 on an error the message explains.

    Examples
    --------
    >>> from skvae._cli import main
    >>> main(["fit", "no-such-table.csv", "-o", "m.skvae"])  # the error goes to stderr
    1
    """
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
        # Warnings as one line in the command line's words; Python's rendering after.
        with command_line_warnings(args.command):
            if getattr(args, "output", None):
                check_output_path(args.output)
            args.func(args)
    except CLIError as error:
        # The estimators' errors name their parameters: the options, as they are typed.
        print(f"skvae {args.command}: error: {option_names(str(error))}", file=sys.stderr)
        return 1
    return 0
