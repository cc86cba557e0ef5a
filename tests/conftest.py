"""Shared set-up of the test suite, whose folders mirror the package (tests/vae for
skvae/_vae, tests/nn for skvae/_nn, ...): the shared data helpers of tests/synthetic_data.py
are importable from every folder."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
