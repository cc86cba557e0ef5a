"""Bringing the saved state of an estimator from an earlier skvae up to date.

Both ways of restoring an estimator pass its state through these functions: unpickling
(``__setstate__`` of the VAEs and of the VQ-VAE) and :func:`skvae.load`, which needs the
parameters complete before it validates them. Each change of the state layout is handled
here, once. A migration fills in or renames only what an older state lacks, with the value
the older code behaved as, so a current state passes unchanged and a second pass changes
nothing.

All the changes covered were made during the development of skvae 0.1.0 (the version the
files record did not change), so each is named by the commit that made it. Only NumPy is
imported: this module is loaded with skvae, before any Keras backend.
"""

import numpy as np

# Parameters added when the VQ-VAE learned to take mixed tables: pickles and files
# from before have none, and were fitted with these values.
TABLE_PARAMETER_DEFAULTS = {"column_types": None, "handle_unknown": "error"}


def _dtype_as_name(state):
    # The training dtype became a name (not a numpy.dtype) when skvae told skops which types
    # its state holds (skvae.skops_trusted_types): states from before hold the dtype object.
    if "_fit_dtype" in state:
        state["_fit_dtype"] = np.dtype(state["_fit_dtype"]).name


def _without_whitening(state):
    # Models from before whitening modelled every column in its own coordinates.
    state.setdefault("whitening_", None)
    state.setdefault("whitened_features_", None)


def upgrade_vae_state(state):
    """Fill in what the state of an older VAE (transformer, detector, imputer) lacks.

    - ``distribution`` (added in 2b961b2, "Older pickles and model files without the
      distribution parameter load with None"): None, training on one device.
    - ``dtype_policy`` (added in e2be960, "dtype_policy parameter"): ``"float32"``, the
      precision every earlier model was trained in.
    - ``_hierarchy`` (added in 440dac1, "Hierarchy: ladder architecture"): a fitted
      two-layer model (``n_components_lower`` set) from before has the ``"separate"``
      architecture, not the ladder that new fits build.
    - ``_fit_dtype`` (a name since skops support): a ``numpy.dtype`` becomes its name.
    - ``trim`` of an outlier detector (the state with ``contamination``; added for issue
      20, robust training): 0, since older detectors were fitted once, on every row.
    - ``n_components_`` of a fitted model (added with ``n_components="auto"``): its
      ``n_components``, the only value there was.
    - ``max_iter_`` of a fitted model (added with ``max_iter="auto"``): its ``max_iter``,
      the only limit there was.
    - ``whiten`` (added for issue 18, whitened real-valued columns): False, and a fitted
      model's ``whitening_`` and ``whitened_features_`` None: older models used the
      columns' own coordinates.
    - ``_train_decoder`` of a fitted model (added for issue 20, the linear Gaussian VAE
      fitted by EM on incomplete rows): True, since older models trained their decoder
      (it matters to ``partial_fit`` after loading).
    - ``n_prior_components`` of an imputer (the state with ``missing_values``; added for
      issue 20, the latent mixture prior): 1, and a fitted imputer's ``prior_weights_``,
      ``prior_means_`` and ``prior_covariances_`` the standard normal prior, the only
      prior older imputers filled with.

    Parameters
    ----------
    state : dict
        The state as pickled or saved (``__getstate__()``). Modified in place.

    Returns
    -------
    state : dict
        The same dict, brought up to date.

    Examples
    --------
    >>> from skvae._persistence._migrations import upgrade_vae_state
    >>> upgrade_vae_state({"contamination": 0.1})["trim"]
    0
    >>> state = upgrade_vae_state({"n_components_lower": 2, "_model_weights": []})
    >>> state["distribution"], state["dtype_policy"], state["_hierarchy"]
    (None, 'float32', 'separate')
    >>> state = upgrade_vae_state({"n_components": 3, "_model_weights": []})
    >>> state["n_components_"], state["_train_decoder"]
    (3, True)
    >>> upgrade_vae_state({"max_iter": 200, "_model_weights": []})["max_iter_"]
    200
    >>> state = upgrade_vae_state({"missing_values": None, "n_components": 2, "_model_weights": []})
    >>> state["n_prior_components"], state["prior_means_"].tolist()
    (1, [[0.0, 0.0]])
    >>> upgrade_vae_state({"distribution": None, "dtype_policy": "mixed_bfloat16", "whiten": True})
    {'distribution': None, 'dtype_policy': 'mixed_bfloat16', 'whiten': True}
    """
    state.setdefault("distribution", None)
    state.setdefault("dtype_policy", "float32")
    state.setdefault("whiten", False)
    if "_model_weights" in state:
        state.setdefault("n_components_", state.get("n_components"))
        state.setdefault("max_iter_", state.get("max_iter"))
        state.setdefault("_train_decoder", True)
        _without_whitening(state)
    if "contamination" in state:
        state.setdefault("trim", 0)
    if "missing_values" in state:
        state.setdefault("n_prior_components", 1)
        if "_model_weights" in state and "prior_weights_" not in state:
            q = state["n_components_"]
            state["prior_weights_"], state["prior_means_"] = np.ones(1), np.zeros((1, q))
            state["prior_covariances_"] = np.eye(q)[None]
    if state.get("n_components_lower") is not None and "_model_weights" in state:
        state.setdefault("_hierarchy", "separate")
    _dtype_as_name(state)
    return state


def upgrade_vqvae_state(state):
    """Fill in and rename what the state of an older VQ-VAE lacks.

    - Mixed tables (a2f0138, "VQVAETransformer takes mixed tables through the shared
      TableEstimatorMixin"): an older state has neither the table parameters
      (:data:`TABLE_PARAMETER_DEFAULTS`) nor, when fitted, the table attributes. Such a
      model was fitted on numeric columns with one ``likelihood`` each and returned arrays
      (even when fitted on a DataFrame), so its outputs stay as they were.
    - The prior's decoding on ColumnLayout (42c3c68, "VQ-VAE: save/load support, and its
      likelihoods on ColumnLayout"): a fitted state from before caches the decoded prior
      as ``_prior_first`` and ``_prior_log_var`` instead of ``_prior_params``. Those are
      dropped; ``_prior_params`` stays missing, and ``__setstate__`` decodes it anew once
      the network is rebuilt.
    - ``_fit_dtype`` (a name since skops support): a ``numpy.dtype`` becomes its name.
    - ``whitening_`` and ``whitened_features_`` of a fitted model (added with the VAEs'
      ``whiten``; the VQ-VAE never whitens): None.

    Parameters
    ----------
    state : dict
        The state as pickled or saved (``__getstate__()``). Modified in place.

    Returns
    -------
    state : dict
        The same dict, brought up to date.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._persistence._migrations import upgrade_vqvae_state
    >>> old = {"n_features_in_": 2, "_fit_dtype": np.dtype("float64"),
    ...        "likelihood": "gaussian", "_model_weights": [], "_prior_first": np.zeros(1)}
    >>> state = upgrade_vqvae_state(old)
    >>> state["column_types"], state["handle_unknown"], state["column_kinds_"]
    (None, 'error', array(['gaussian', 'gaussian'], dtype=object))
    >>> state["_column_schema"]
    {'as_frame': False, 'columns': [{'dtype': 'float64'}, {'dtype': 'float64'}]}
    >>> "_prior_first" in state
    False
    """
    for key, value in TABLE_PARAMETER_DEFAULTS.items():
        state.setdefault(key, value)
    if "n_features_in_" in state and "column_kinds_" not in state:
        n_features = state["n_features_in_"]
        dtype = np.dtype(state["_fit_dtype"]).name
        state["column_kinds_"] = np.asarray([state["likelihood"]] * n_features, dtype=object)
        state["categories_"] = [None] * n_features
        state["_column_schema"] = {
            "as_frame": False,
            "columns": [{"dtype": dtype} for _ in range(n_features)],
        }
    if "n_features_in_" in state:
        _without_whitening(state)
    if state.get("_model_weights") is not None and "_prior_params" not in state:
        for old in ("_prior_first", "_prior_log_var"):
            state.pop(old, None)
    _dtype_as_name(state)
    return state


# The migrations of each estimator class that skvae.load reads, by class name.
_UPGRADES = {
    "VAETransformer": upgrade_vae_state,
    "VAEOutlierDetector": upgrade_vae_state,
    "VAEImputer": upgrade_vae_state,
    "VQVAETransformer": upgrade_vqvae_state,
}


def upgrade_state(estimator_name, state):
    """Bring the state of a saved estimator of the named skvae class up to date.

    Parameters
    ----------
    estimator_name : {"VAETransformer", "VAEOutlierDetector", "VAEImputer", \
"VQVAETransformer"}
        The estimator's class name, as recorded in the model file.
    state : dict
        Its decoded state. Modified in place.

    Returns
    -------
    state : dict
        The same dict, after :func:`upgrade_vae_state` or :func:`upgrade_vqvae_state`.

    Examples
    --------
    >>> from skvae._persistence._migrations import upgrade_state
    >>> upgrade_state("VQVAETransformer", {})
    {'column_types': None, 'handle_unknown': 'error'}
    >>> upgrade_state("VAEImputer", {})
    {'distribution': None, 'dtype_policy': 'float32', 'whiten': False}
    """
    return _UPGRADES[estimator_name](state)
