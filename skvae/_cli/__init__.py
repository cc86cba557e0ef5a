"""The ``skvae`` command line: fit, apply and inspect VAEs on CSV (or Parquet) files.

Every subcommand reads and writes tables with a header row (``report`` writes an HTML
page); models are files written by :func:`skvae.save`. Outputs are written to a temporary
file and renamed into place, so a failure never leaves a partial file. Errors print one
line naming the file, column or value at fault and exit with status 1 (2 for a wrong
command line).

``main`` is the entry point (``skvae._cli:main``, also run by ``python -m skvae``). The
modules: ``_main`` (dispatch and errors), ``_parser`` (the options), ``_commands`` (one
function per subcommand), ``_io`` (tables and model files), ``_warnings`` (warnings as one
line), ``_interrupt`` (Ctrl-C during a fit) and ``_demo`` (the digits comparison that
``skvae`` alone runs).
"""

from skvae._cli._main import main

__all__ = ["main"]
