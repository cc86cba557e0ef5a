"""``python -m skvae`` / ``skvae``: the command line (alone, it runs the digits demo)."""

import sys

from skvae._cli import main

if __name__ == "__main__":
    sys.exit(main())
