"""Moments of the posterior locations that the collapse diagnostics read, merged over
``partial_fit`` calls (see ``skvae._vae._stream_summaries``).

Unlike the data's summaries, these depend on the model: each call's moments were computed
under that call's weights. The merged moments therefore weight the latest calls only.
"""


def merged_posterior_moments(earlier, later):
    """Rows, mean KL per dimension, and mean and variance of the posterior location, of
    the union of two sets of rows (pooled moments), from each set's; ``later`` where
    there is no ``earlier``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._posterior_moments import merged_posterior_moments
    >>> a = (1, np.array([1.0]), np.array([0.0]), np.array([0.0]))
    >>> b = (1, np.array([3.0]), np.array([2.0]), np.array([0.0]))
    >>> [np.asarray(value).tolist() for value in merged_posterior_moments(a, b)]
    [2, [2.0], [1.0], [1.0]]
    """
    if earlier is None:
        return later
    (n_e, kl_e, mean_e, var_e), (n_l, kl_l, mean_l, var_l) = earlier, later
    w_e, w_l = n_e / (n_e + n_l), n_l / (n_e + n_l)
    between = w_e * w_l * (mean_e - mean_l) ** 2
    return (
        n_e + n_l,
        w_e * kl_e + w_l * kl_l,
        w_e * mean_e + w_l * mean_l,
        w_e * var_e + w_l * var_l + between,
    )


def recent_moments(earlier, n_later):
    """``earlier`` posterior moments counting at most as many rows as the latest calls
    keep: ``RECENT_ROWS`` or ``RECENT_CHUNKS`` chunks of ``n_later`` rows, whichever is
    more. Older calls then fade geometrically, as the model that encoded them did.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._posterior_moments import recent_moments
    >>> moments = (50_000, np.array([1.0]), np.array([0.0]), np.array([2.0]))
    >>> recent_moments(moments, 100)[0], recent_moments(moments, 1_000)[0]
    (1000, 4000)
    """
    return (min(earlier[0], max(RECENT_ROWS, RECENT_CHUNKS * n_later)), *earlier[1:])


# partial_fit's collapse diagnostics describe about the latest RECENT_ROWS rows, or the
# latest RECENT_CHUNKS chunks where those are larger (see recent_moments).
RECENT_ROWS, RECENT_CHUNKS = 1000, 4
