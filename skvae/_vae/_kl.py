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
        Posterior means, real numbers (infinite ones give an infinite KL).
    var : array-like
        Posterior variances, strictly positive (``inf`` gives an infinite KL); broadcast
        against ``mean``.

    Returns
    -------
    kl : ndarray
        Element-wise KL divergence, with the broadcast shape of ``mean`` and ``var``;
        ``inf`` where a mean or a variance is infinite, or the KL exceeds float64's range.

    Raises
    ------
    TypeError
        If ``mean`` or ``var`` holds something other than real numbers (None, text,
        complex numbers).
    ValueError
        If ``mean`` or ``var`` holds NaN, a variance is not strictly positive, or the shapes
        do not broadcast.

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
    >>> float(gaussian_kl(0.0, np.inf))  # a posterior of infinite variance
    inf
    """
    mean, var = _real_numbers(mean, "mean"), _real_numbers(var, "var")
    if np.isnan(var).any() or np.isnan(mean).any():
        raise ValueError(
            f"{'var' if np.isnan(var).any() else 'mean'} holds NaN; a KL divergence needs "
            "the posterior's mean and variance as numbers"
        )
    if np.any(var <= 0):
        raise ValueError(f"var must be strictly positive; got minimum {float(np.min(var))!r}")
    try:
        np.broadcast_shapes(mean.shape, var.shape)
    except ValueError:
        raise ValueError(
            f"mean and var must broadcast together; got shapes {mean.shape} and {var.shape}"
        ) from None
    # var - log(var) is +inf for var = inf (inf - inf in floating point would be NaN), and
    # mean**2 overflows to the right answer, +inf, past 1e154.
    with np.errstate(over="ignore", invalid="ignore"):
        kl = 0.5 * (var + mean**2 - 1.0 - np.log(var))
        return np.where(np.isinf(var), np.inf, kl)[()]


def _real_numbers(values, name):
    """``values`` as a float64 array, or a TypeError saying what it holds instead."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got {values!r:.80} (dtype {array.dtype})")
    return array.astype(np.float64)
