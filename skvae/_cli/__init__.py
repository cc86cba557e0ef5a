"""The ``skvae`` command line (``skvae._cli:main``, also run by ``python -m skvae``)."""

from skvae._cli._commands import main

__all__ = ["main"]
