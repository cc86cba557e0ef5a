"""Which parameters a ``partial_fit`` call may change, and the error for the others.

The first ``partial_fit`` (or ``fit``) builds the model from the parameters: its
architecture, likelihoods, scaling, latent structure and seed. Later calls continue that
model, so a parameter changed with ``set_params`` in between would be reported by
``get_params()`` but not used. Only the parameters that each call reads afresh may change;
the others raise, as scikit-learn's ``IncrementalPCA`` raises when ``n_components``
changes between its ``partial_fit`` calls.
"""

import numpy as np

# Read at every partial_fit call (the optimiser's step size and the batches of this call,
# the progress output) or not used by partial_fit at all (the stopping rule of fit,
# scoring's draws, unseen categories at transform time).
PER_CALL_PARAMS = frozenset(
    {
        "learning_rate",
        "batch_size",
        "verbose",
        "max_iter",
        "early_stopping",
        "n_iter_no_change",
        "tol",
        "validation_fraction",
        "n_importance_samples",
        "handle_unknown",
    }
)


def check_model_params_unchanged(fitted_params, params):
    """Raise ``ValueError`` if a parameter that built the model differs from its value at
    the fit that built it (``fitted_params``; None for a model saved before this check).

    Examples
    --------
    >>> from skvae._vae._partial_fit import check_model_params_unchanged
    >>> check_model_params_unchanged({"n_components": 2, "learning_rate": 1e-3},
    ...                              {"n_components": 2, "learning_rate": 1e-4})
    >>> try:
    ...     check_model_params_unchanged({"n_components": 2}, {"n_components": 3})
    ... except ValueError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    partial_fit continues the model built with n_components=2, but the parameters now ...
    """
    if fitted_params is None:
        return
    changed = [
        name
        for name, value in params.items()
        if name not in PER_CALL_PARAMS and not _same(fitted_params.get(name), value)
    ]
    if changed:
        built = ", ".join(f"{name}={fitted_params.get(name)!r}" for name in changed)
        now = ", ".join(f"{name}={params[name]!r}" for name in changed)
        raise ValueError(
            f"partial_fit continues the model built with {built}, but the parameters now "
            f"say {now} (changed by set_params?); call fit to train a new model with them, "
            "or set them back"
        )


def _same(a, b):
    """Whether two parameter values are equal (arrays element-wise, objects by identity
    where == does not give a bool)."""
    if a is b:
        return True
    try:
        equal = a == b
        return bool(equal) if np.ndim(equal) == 0 else bool(np.array_equal(a, b))
    except (TypeError, ValueError):
        return False
