"""The aggregate posterior: a Gaussian mixture fitted on the training rows' latent codes.

A VAE's prior N(0, I) and the codes its encoder gives real rows (the aggregate posterior,
the average of q(z|x) over the training rows) never match exactly: the prior has "holes"
where no training row's code lies, and rows decoded from there look like no real row.
Sampling z from a mixture fitted on the codes instead (pythae's ``GaussianMixtureSampler``;
Ghosh et al., 2020, "From variational to deterministic autoencoders") keeps generated rows
where the data are. The mixture is fitted when first needed (``sample``, pickling or
saving); a file or pickle holds the mixture's parameters, never the codes.
"""

import numpy as np
from scipy.special import logsumexp
from sklearn.mixture import GaussianMixture

from skvae._blas import one_blas_thread

# Codes of at most this many training rows fit the mixture: enough for its <= 10
# components in a few dimensions, and a fixed cost per fit whatever the table's size.
MAX_CODE_ROWS = 2000
MAX_MIXTURE_COMPONENTS = 10
# At least this many rows per component, so that a small table gets few components
# (each a full covariance) rather than one per cluster of a handful of rows.
ROWS_PER_COMPONENT = 50
# Below this many rows there is no mixture to speak of: sample() uses the prior.
MIN_CODE_ROWS = 10


def code_rows(n_rows, seed):
    """Sorted indices of the training rows whose codes fit the mixture (all, up to 2000).

    Examples
    --------
    >>> from skvae._vae._aggregate_posterior import code_rows
    >>> len(code_rows(5000, seed=0)), code_rows(3, seed=0).tolist()
    (2000, [0, 1, 2])
    """
    if n_rows <= MAX_CODE_ROWS:
        return np.arange(n_rows)
    rng = np.random.default_rng([seed, 6])
    return np.sort(rng.choice(n_rows, size=MAX_CODE_ROWS, replace=False))


def fit_aggregate_posterior(codes, seed):
    """Weights, means and Cholesky factors of a full-covariance mixture fitted on codes.

    Parameters
    ----------
    codes : ndarray of shape (n_rows, n_components)
        Latent codes of training rows (draws from their posteriors).
    seed : int
        Seeds the mixture's initialisation.

    Returns
    -------
    mixture : dict or None
        ``"weights"`` (k,), ``"means"`` (k, d) and ``"cholesky"`` (k, d, d), float64;
        None for fewer than 10 rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._aggregate_posterior import fit_aggregate_posterior
    >>> codes = np.random.default_rng(0).normal(loc=3.0, size=(40, 2))  # one component
    >>> mixture = fit_aggregate_posterior(codes, seed=0)
    >>> mixture["weights"].tolist(), np.round(mixture["means"], 1).tolist()
    ([1.0], [[3.1, 3.2]])
    """
    if len(codes) < MIN_CODE_ROWS:
        return None
    n_mixture = int(min(MAX_MIXTURE_COMPONENTS, max(1, len(codes) // ROWS_PER_COMPONENT)))
    with one_blas_thread():  # EM on small matrices (skvae._blas)
        mixture = GaussianMixture(
            n_mixture, covariance_type="full", reg_covar=1e-4, random_state=seed
        ).fit(codes)
    return {
        "weights": mixture.weights_,
        "means": mixture.means_,
        "cholesky": np.linalg.cholesky(mixture.covariances_),
    }


def component_shares_by_group(mixture, codes, groups, n_groups):
    """Each group's shares of the mixture's components: the responsibilities of its
    codes, summed and normalised (a conditional model's p(component | condition)).

    Parameters
    ----------
    mixture : dict
        From :func:`fit_aggregate_posterior`.
    codes : ndarray of shape (n_rows, n_components)
        The codes the mixture was fitted on.
    groups : ndarray of shape (n_rows,)
        Each code's group, in ``range(n_groups)``.
    n_groups : int
        Number of groups.

    Returns
    -------
    shares : ndarray of shape (n_groups, n_mixture_components)
        Rows sum to 1; a group without codes gets the mixture's weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._aggregate_posterior import component_shares_by_group
    >>> mixture = {"weights": np.array([0.5, 0.5]), "means": np.array([[-5.0], [5.0]]),
    ...            "cholesky": np.array([[[1.0]], [[1.0]]])}
    >>> codes = np.array([[-5.0], [-4.0], [5.0]])
    >>> component_shares_by_group(mixture, codes, np.array([0, 0, 1]), 3).round(3).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    """
    log_joint = _component_log_joint(mixture, codes)
    log_joint -= log_joint.max(axis=1, keepdims=True)
    responsibilities = np.exp(log_joint)
    responsibilities /= responsibilities.sum(axis=1, keepdims=True)
    shares = np.zeros((n_groups, len(mixture["means"])))
    np.add.at(shares, groups, responsibilities)
    totals = shares.sum(axis=1, keepdims=True)
    empty = totals[:, 0] == 0
    shares[empty], totals[empty] = mixture["weights"], 1.0
    return shares / totals


def aggregate_log_density(mixture, z):
    """The log-density of the mixture of :func:`fit_aggregate_posterior` at points z.

    Parameters
    ----------
    mixture : dict
        From :func:`fit_aggregate_posterior`.
    z : ndarray of shape (n_points, n_components)

    Returns
    -------
    log_density : ndarray of shape (n_points,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._aggregate_posterior import aggregate_log_density
    >>> mixture = {"weights": np.array([1.0]), "means": np.array([[0.0]]),
    ...            "cholesky": np.array([[[1.0]]])}
    >>> round(float(aggregate_log_density(mixture, np.zeros((1, 1)))[0]), 4)  # N(0; 0, 1)
    -0.9189
    """
    log_joint = _component_log_joint(mixture, z)
    return logsumexp(log_joint, axis=1) - 0.5 * z.shape[1] * np.log(2 * np.pi)


def _component_log_joint(mixture, z):
    """log weight_k + log N(z; mean_k, cov_k) per point and component, less the
    normalising constant (2 pi)^(-d/2) that every component shares."""
    means, cholesky = mixture["means"], mixture["cholesky"]
    log_joint = np.empty((len(z), len(means)))
    for k in range(len(means)):
        whitened = np.linalg.solve(cholesky[k], (z - means[k]).T).T
        log_det = np.log(np.abs(np.diag(cholesky[k]))).sum()
        log_joint[:, k] = np.log(mixture["weights"][k]) - log_det - 0.5 * (whitened**2).sum(1)
    return log_joint


def draw_from_aggregate_posterior(mixture, n_samples, rng, row_shares=None):
    """``n_samples`` latent points drawn from a mixture of :func:`fit_aggregate_posterior`;
    with ``row_shares`` (n_samples, n_mixture_components), each row's component is drawn
    from its own shares instead of the mixture's weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._vae._aggregate_posterior import draw_from_aggregate_posterior
    >>> mixture = {"weights": np.array([1.0]), "means": np.array([[5.0]]),
    ...            "cholesky": np.array([[[0.1]]])}
    >>> z = draw_from_aggregate_posterior(mixture, 1000, np.random.RandomState(0))
    >>> round(float(z.mean()), 1), round(float(z.std()), 2)
    (5.0, 0.1)
    """
    if row_shares is None:
        weights = mixture["weights"] / mixture["weights"].sum()  # exactly 1 for choice
        component = rng.choice(len(weights), size=n_samples, p=weights)
    else:
        cumulative = np.cumsum(row_shares, axis=1)
        # .random: both a RandomState (sample's) and a Generator (partial_fit's) have it.
        u = rng.random(n_samples)[:, None] * cumulative[:, -1:]
        component = np.minimum((u >= cumulative).sum(axis=1), row_shares.shape[1] - 1)
    eps = rng.standard_normal((n_samples, mixture["means"].shape[1]))
    return mixture["means"][component] + np.einsum(
        "nij,nj->ni", mixture["cholesky"][component], eps
    )
