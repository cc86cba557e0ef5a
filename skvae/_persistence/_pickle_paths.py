"""Where pickles find skvae's classes, and the skops types they are.

pickle (and joblib) store a class by its module and name. Pickles written by skvae 0.1
name the flat modules of that release's layout (``skvae._estimator``, ``skvae._outlier``,
``skvae._imputer``, ``skvae._vqvae``); :func:`alias_legacy_modules` makes those names
lead to the modules that define the classes now, so such pickles still load.
(``skvae._vqvae`` is a package now; it lends the class by attribute.)
"""

import importlib
import sys

from skvae._persistence._registry import SAVABLE_ESTIMATORS

# Module of skvae 0.1 -> module that defines its estimator class now.
LEGACY_MODULES = {
    "skvae._estimator": "skvae._vae._transformer",
    "skvae._outlier": "skvae._vae._outlier",
    "skvae._imputer": "skvae._vae._imputer",
}


def alias_legacy_modules():
    """Register the modules of skvae 0.1 that pickles name, as aliases (idempotent).

    Examples
    --------
    >>> import sys
    >>> import skvae
    >>> sys.modules["skvae._estimator"].VAETransformer is skvae.VAETransformer
    True
    """
    for old, new in LEGACY_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))


def skops_trusted_types():
    """The type names that skops must trust to load a fitted skvae estimator.

    MLflow stores scikit-learn models with skops, which refuses types it does not know
    unless they are listed; a fitted skvae estimator holds only built-in and NumPy values
    beside its own class (the network is stored as arrays), so the list is skvae's
    estimator classes, by their full names. Pass it as
    ``skops.io.load(file, trusted=skvae.skops_trusted_types())`` or to
    ``mlflow.sklearn.log_model(..., skops_trusted_types=skvae.skops_trusted_types())``.

    Returns
    -------
    names : list of str
        Full names (module and class) of skvae's savable estimators, sorted.

    Examples
    --------
    >>> import skvae
    >>> skvae.skops_trusted_types()[-1]
    'skvae._vqvae._transformer.VQVAETransformer'
    """
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in SAVABLE_ESTIMATORS.values())
