"""pytest set-up shared by the tests, the docstring examples and the docs' examples."""

import os

# TensorFlow logs its start-up (CPU features, CUDA probing) from C++; import it once here,
# quietly, so the log does not land inside the first doctest that builds a model.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402, F401
