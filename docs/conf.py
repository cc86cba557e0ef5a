"""Sphinx configuration for the skvae documentation.

Build from the repository root with::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import filecmp
import os
import re
import shutil
import sys

# Import skvae from the checkout, without installing it.
sys.path.insert(0, os.path.abspath(".."))
# Keep TensorFlow's C++ start-up log out of the build output (autodoc does not build a
# model, so Keras is normally not even imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import skvae  # noqa: E402

# -- Project -----------------------------------------------------------------------------
project = "skvae"
author = "skvae developers"
copyright = "skvae developers"
version = skvae.__version__
release = skvae.__version__

# -- General -----------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
exclude_patterns = ["_build"]
templates_path = []
# Plain `text` in reST is literal code, as in the docstrings.
default_role = "literal"

# -- autodoc -----------------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
# Documented parameters live in the docstrings; keep signatures short.
autodoc_typehints = "none"

# -- numpydoc ----------------------------------------------------------------------------
# api.rst lists the members explicitly with :members:; letting numpydoc add its own member
# tables as well would document every method twice (duplicate object warnings).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery ----------------------------------------------------------------------
# The examples/ scripts run at every build (a minute in all: small models, few epochs) and
# their figures become the gallery in auto_examples/ (generated, not committed).
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
}
# The README shows this gallery figure; the build copies it to a committed path.
README_FIGURE = (
    "auto_examples/images/sphx_glr_plot_digits_latent_space_001.png",
    "_static/digits_latent_space.png",
)

# -- HTML --------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skvae {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Variational autoencoders as scikit-learn estimators, on Keras 3",
    "fixed_sidebar": False,
}


# -- Docstring adjustments ---------------------------------------------------------------
# These run before numpydoc and change only what Sphinx renders, never the source.
# Cross-references into scikit-learn's own documentation, found in the docstrings of the
# methods VAETransformer inherits from scikit-learn (set_output, ...). Without intersphinx
# these labels cannot be resolved.
_TITLED_REF = re.compile(r":ref:`([^`<]+?)\s*<[^`>]+>`")
_GALLERY_REF = re.compile(r":ref:`sphx_glr_\w+?_(plot_\w+\.py)`")
_BARE_REF = re.compile(r":ref:`([^`]+)`")
_VERSION_DIRECTIVE = re.compile(r"^(\s*)\.\. (versionadded|versionchanged|deprecated)::")


def _clean_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    from_sklearn = module.startswith("sklearn")
    cleaned = []
    skip_indent = None
    for line in lines:
        if skip_indent is not None:
            # Drop the body of a version directive (more indented, or blank).
            if not line.strip() or len(line) - len(line.lstrip()) > skip_indent:
                continue
            skip_indent = None
            if cleaned and cleaned[-1].strip():
                cleaned.append("")
        if from_sklearn:
            directive = _VERSION_DIRECTIVE.match(line)
            if directive:
                # Versions of scikit-learn, not of skvae: misleading here.
                skip_indent = len(directive.group(1))
                continue
            line = _TITLED_REF.sub(lambda m: "scikit-learn " + m.group(1), line)
            line = _GALLERY_REF.sub(r"the scikit-learn example ``\1``", line)
            line = _BARE_REF.sub(r"``\1``", line)
        cleaned.append(line)
    lines[:] = cleaned


def _copy_readme_figure(app, exception):
    source, target = (os.path.join(app.srcdir, path) for path in README_FIGURE)
    if exception is not None or not os.path.exists(source):
        return
    # Copied only when it changed, so an unchanged build leaves the checkout clean.
    if not os.path.exists(target) or not filecmp.cmp(source, target, shallow=False):
        shutil.copyfile(source, target)


def setup(app):
    # Priority below numpydoc's default (500): clean the raw numpydoc text first.
    app.connect("autodoc-process-docstring", _clean_docstring, priority=100)
    app.connect("build-finished", _copy_readme_figure)
