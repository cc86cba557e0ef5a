"""The command line's user-facing error."""


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit status 1.

    Examples
    --------
    >>> from skvae._cli._errors import CLIError
    >>> try:
    ...     raise CLIError("data.csv: no such file")
    ... except CLIError as error:
    ...     print(error)
    data.csv: no such file
    """
