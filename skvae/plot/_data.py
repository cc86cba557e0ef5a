"""What the plots of skvae.plot show, without matplotlib: encodings, decodings, samples.

VAEOutlierDetector and VAEImputer have no transform/inverse_transform of latents, so these
go through the model methods that BaseVAE shares, as VAETransformer's own methods do.
"""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae.metrics import MAX_DISCRETE_VALUES, ks_statistic, total_variation


def encode(estimator, X):
    """(posterior locations, validated rows in the model's coding) of X."""
    check_is_fitted(estimator)
    X = estimator._validate_rows(X)
    location = estimator._posterior_location(estimator._prediction_inputs(X))
    return location[:, : estimator.n_components], X


def decode(estimator, Z, conditions=None):
    """Decoder means of latent rows Z as full rows in X's units (conditions included),
    in the model's coding (a categorical column holds its most probable category's code)."""
    check_is_fitted(estimator)
    Z = np.asarray(Z, dtype=np.float64)
    C = estimator._check_conditions(conditions, len(Z))
    values = estimator._model.layout.columns_from_encoded(estimator._decode(Z, C))
    return estimator._assemble_codes(values, C)


def data_columns(estimator):
    """Indices of the modelled (non-condition) columns."""
    return np.setdiff1d(np.arange(estimator.n_features_in_), estimator.condition_columns_)


def feature_names(estimator):
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(estimator.n_features_in_)]
    return [str(name) for name in names]


def standardised(estimator, rows):
    """Modelled columns of full rows as (x - mean_) / scale_, comparable across features."""
    return (rows[:, data_columns(estimator)] - estimator.mean_) / estimator.scale_


def marginal_distance(real, sampled):
    """("TV", distance) when both samples are discrete on the real values, else ("KS", ...).

    skvae.metrics.marginal_distances picks total variation from the real column alone; a
    continuous likelihood samples values between the real ones (digit pixels are integers,
    samples are not), and the total variation is then 1 whatever the fit.
    """
    values = np.unique(real)
    if len(values) <= MAX_DISCRETE_VALUES and np.isin(sampled, values).all():
        return "TV", total_variation(real, sampled)
    return "KS", ks_statistic(real, sampled)


def conditions_of(estimator, X):
    """Condition values of validated rows X, or None for an unconditional model."""
    return X[:, estimator.condition_columns_] if len(estimator.condition_columns_) else None


def real_and_sampled(estimator, X, n_samples, random_state):
    """Complete rows of X and as many rows sampled from the model, modelled columns only."""
    check_is_fitted(estimator)
    X = estimator._validate_rows(X)
    conditions = conditions_of(estimator, X)
    n = len(X) if n_samples is None else n_samples
    if conditions is not None:
        # Generate under the real rows' own conditions, so the marginals are comparable.
        rng = np.random.default_rng(0)
        conditions = conditions[rng.integers(len(X), size=n)] if n != len(X) else conditions
    if conditions is None:
        conditions = np.zeros((n, 0))
    # In the model's coding, like X here (sample() may return a DataFrame).
    sampled = estimator._sample_codes(n, check_random_state(random_state), conditions)
    columns = data_columns(estimator)
    real = X[:, columns].astype(np.float64)
    return real[~np.isnan(real).any(axis=1)], sampled[:, columns].astype(np.float64), columns
