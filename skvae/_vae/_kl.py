"""The closed-form Gaussian KL divergence as a public NumPy function."""

import numpy as np


def gaussian_kl(mean, var):
    """KL divergence from N(mean, var) to the standard normal prior N(0, 1), in nats.

    This is the KL term of the ELBO for one latent dimension of a diagonal-Gaussian
    posterior: ``KL = 1/2 (var + mean**2 - 1 - log(var))``. It is zero only when
    ``mean = 0`` and ``var = 1``. Sum it over latent dimensions for a full posterior.

    Parameters
    ----------
    mean : array-like
        Posterior means.
    var : array-like
        Posterior variances, strictly positive; broadcast against ``mean``.

    Returns
    -------
    kl : ndarray
        Element-wise KL divergence, with the broadcast shape of ``mean`` and ``var``.

    Examples
    --------
    A 1-D encoder with ``z_mean = (x - 2.49) / 1.31`` and ``z_var = 0.5``:

    >>> import numpy as np
    >>> from skvae import gaussian_kl
    >>> x = np.array([1.0, 2.5, 3.8, 1.2, 4.1, 2.0, 3.5, 0.8, 4.5, 1.5])
    >>> kl = gaussian_kl((x - 2.49) / 1.31, 0.5)
    >>> round(float(kl[8]), 2)  # x = 4.5
    1.27
    >>> round(float(kl.mean()), 3)
    0.601
    """
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    if np.any(~(var > 0)):
        raise ValueError(f"var must be strictly positive; got minimum {np.min(var)!r}")
    return 0.5 * (var + mean**2 - 1.0 - np.log(var))
