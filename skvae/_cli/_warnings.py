"""Warnings as the command line prints them: one line in its own words.

Python's default rendering names the file and line that triggered the warning, which for
the ``skvae`` command is its launcher script (``…/bin/skvae:8: … sys.exit(main())``), and
the estimators' advice names their parameters (``kl_warmup``) where the command line has
options (``--kl-warmup``).
"""

import contextlib
import re
import sys
import warnings

# Estimator parameters that the command line exposes as options, and those options. Only
# names with an underscore (plus beta): words such as "likelihood" are also plain English.
OPTIONS = {
    "n_components_lower": "--n-components-lower",
    "n_components": "--n-components",
    "hidden_layer_sizes": "--hidden",
    "beta": "--beta",
    "kl_warmup": "--kl-warmup",
    "free_bits": "--free-bits",
    "learning_rate": "--learning-rate",
    "batch_size": "--batch-size",
    "max_iter": "--max-iter",
    "early_stopping": "--early-stopping",
    "random_state": "--random-state",
    "condition_on": "--condition-on",
    "handle_unknown": "--handle-unknown",
    "n_samples": "-n",
}

# A parameter name standing alone: not inside a quoted name (a column called 'max_iter')
# or a longer identifier. `name=value` becomes `--option value`, as it is typed.
_PARAMETER = re.compile(
    r"(?<![\w'\"-])(" + "|".join(OPTIONS) + r")(?![\w'\"])(?:=(['\"]?)([\w.+-]+)\2)?"
)


# scikit-learn's parameter validation: "The 'max_iter' parameter of VAETransformer must be".
_VALIDATED = re.compile(r"The '(" + "|".join(OPTIONS) + r")' parameter of \w+ must be")


def option_names(message):
    """``message`` with the parameters it names written as the command line's options.

    Parameters
    ----------
    message : str
        A warning's or an error's text, from the estimators.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skvae._cli._warnings import option_names
    >>> option_names("try kl_warmup (e.g. 10 epochs), a smaller beta, or fewer n_components.")
    'try --kl-warmup (e.g. 10 epochs), a smaller --beta, or fewer --n-components.'
    >>> option_names("n_components=5 is too many; handle_unknown='ignore' keeps 'max_iter'")
    "--n-components 5 is too many; --handle-unknown ignore keeps 'max_iter'"
    >>> option_names("The 'max_iter' parameter of VAETransformer must be an int. Got 0.")
    '--max-iter must be an int. Got 0.'
    """
    message = _VALIDATED.sub(lambda match: f"{OPTIONS[match[1]]} must be", message)

    def option(match):
        name, value = OPTIONS[match[1]], match[3]
        return name if value is None else f"{name} {value}"

    return _PARAMETER.sub(option, message)


def format_warning(command, message):
    """The one line the command line prints for a warning raised by ``skvae command``.

    Examples
    --------
    >>> from skvae._cli._warnings import format_warning
    >>> format_warning("fit", UserWarning("try free_bits (e.g. 0.1 nats)"))
    'skvae fit: warning: try --free-bits (e.g. 0.1 nats)'
    """
    return f"skvae {command}: warning: {option_names(str(message))}"


@contextlib.contextmanager
def command_line_warnings(command):
    """Within the block, warnings print as :func:`format_warning` lines on standard error.

    Python's own rendering (and the warning filters) come back when the block ends, so
    a program that calls :func:`skvae._cli.main` keeps its own.

    Examples
    --------
    >>> import contextlib, io, warnings
    >>> from skvae._cli._warnings import command_line_warnings
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err), command_line_warnings("fit"):
    ...     warnings.warn("try kl_warmup", UserWarning)
    >>> err.getvalue()
    'skvae fit: warning: try --kl-warmup\\n'
    """

    def show(message, category, filename, lineno, file=None, line=None):
        # sys.stderr is looked up when the warning comes, so a redirection applies.
        print(format_warning(command, message), file=file or sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
