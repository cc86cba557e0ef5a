"""skvae: variational autoencoders as scikit-learn estimators, built on Keras 3.

Importing skvae is light: Keras and its backend are imported only when a model is built.
"""

from skvae._persistence._format import load, save
from skvae._persistence._pickle_paths import alias_legacy_modules as _alias_legacy_modules
from skvae._persistence._pickle_paths import skops_trusted_types
from skvae._vae._base import PosteriorCollapseWarning
from skvae._vae._imputer import VAEImputer
from skvae._vae._kl import gaussian_kl
from skvae._vae._outlier import VAEOutlierDetector
from skvae._vae._transformer import VAETransformer
from skvae._version import __version__
from skvae._vqvae._transformer import CodebookCollapseWarning, VQVAETransformer

__all__ = [
    "CodebookCollapseWarning",
    "PosteriorCollapseWarning",
    "VAEImputer",
    "VAEOutlierDetector",
    "VAETransformer",
    "VQVAETransformer",
    "gaussian_kl",
    "load",
    "save",
    "skops_trusted_types",
    "__version__",
]

# Pickles of skvae 0.1 name its old module paths: make them importable.
_alias_legacy_modules()
