"""skvae: variational autoencoders as scikit-learn estimators, built on Keras 3.

Importing skvae is light: Keras and its backend are imported only when a model is built.
"""

from skvae._base import PosteriorCollapseWarning
from skvae._estimator import VAETransformer
from skvae._imputer import VAEImputer
from skvae._kl import gaussian_kl
from skvae._outlier import VAEOutlierDetector
from skvae._persistence import load, save
from skvae._vqvae import CodebookCollapseWarning, VQVAETransformer

__version__ = "0.1.0"

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
    "__version__",
]
