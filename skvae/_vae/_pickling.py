"""Pickling a VAE estimator: weights as arrays, the Keras model rebuilt on load.

Pickles (and :func:`skvae.save` files, which store the same state) never hold Keras
objects, so a model trained on a GPU loads on a CPU and under another backend.
"""

import contextlib

import numpy as np

from skvae._nn._lazy import import_keras_module
from skvae._persistence._migrations import upgrade_vae_state
from skvae._persistence._pandas_na import marker_as_pd_na, pd_na_as_marker
from skvae._persistence._routing import STATE_KEY as ROUTING_KEY
from skvae._persistence._routing import requests_of, restore_requests


def build_vae(config):
    """A freshly initialised VAE for a :class:`skvae._nn._config.NetworkConfig`.

    Examples
    --------
    >>> from skvae._nn._config import NetworkConfig
    >>> from skvae._nn._layout import ColumnLayout
    >>> from skvae._vae._pickling import build_vae
    >>> layout = ColumnLayout(["gaussian"] * 3, [0] * 3, 1, [0.0] * 3, 0.01)
    >>> model = build_vae(NetworkConfig(layout, 2, (8,), "relu", seed=0))
    >>> model.n_features, model.n_components
    (3, 2)
    """
    return import_keras_module("skvae._vae._model").VAE(config)


def weights_in_place_of_model(state):
    """The state with the Keras model (and its encoder_/decoder_) replaced by its weights.

    Shared by the VAE and VQ-VAE estimators' ``__getstate__``; ``__setstate__`` rebuilds the
    model from its config and sets these weights.

    Examples
    --------
    >>> from skvae._vae._pickling import weights_in_place_of_model
    >>> weights_in_place_of_model({"n_iter_": 3, "encoder_": None})
    {'n_iter_': 3}
    """
    model = state.pop("_model", None)
    state.pop("encoder_", None)
    state.pop("decoder_", None)
    if model is not None:
        state["_model_weights"] = [np.asarray(w) for w in model.get_weights()]
    return state


class PicklingMixin:
    """``__getstate__``/``__setstate__`` of every VAE estimator.

    Examples
    --------
    >>> import pickle
    >>> import numpy as np
    >>> from skvae import VAETransformer
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> vae = VAETransformer(max_iter=2, random_state=0).fit(X)
    >>> restored = pickle.loads(pickle.dumps(vae))
    >>> bool(np.array_equal(restored.score_samples(X), vae.score_samples(X)))
    True
    """

    def __getstate__(self):
        # The aggregate posterior's mixture is fitted now if it was not yet: the file
        # or pickle holds the mixture, never the training rows' codes.
        self._aggregate_mixture()
        # A copy: on Python >= 3.11 the base __getstate__ may return the live __dict__,
        # and popping from it would strip the model from the estimator being pickled.
        state = dict(super().__getstate__())
        # A distribution strategy belongs to the running process (devices, cluster):
        # never stored; the restored estimator's fit trains on one device unless given
        # another, and its partial_fit continues on one device (the model was built so).
        if state.get("distribution") is not None:
            state["distribution"] = None
        # ...nor in the parameters the model was built with (partial_fit's check), so that
        # they agree with the restored distribution=None.
        built_with = state.get("_model_params")
        if built_with is not None and built_with.get("distribution") is not None:
            state["_model_params"] = {**built_with, "distribution": None}
        # sample's calibrations, from reference draws: recomputed, identically, when needed.
        state.pop("_calibrations", None)
        # The training rows' codes stay with the live estimator only (pickling it must not
        # change what a later partial_fit merges); the file holds the mixture fitted above.
        state.pop("_aggregate_codes", None)
        state.pop("_aggregate_code_groups", None)
        # Routing requests (set_fit_request) as a plain dict: scikit-learn's MetadataRequest
        # refers back to its estimator, a cycle that skops cannot store; nor can it store
        # pd.NA (missing_values), held as a plain marker (skvae._persistence._pandas_na).
        return weights_in_place_of_model(pd_na_as_marker(requests_of(state)))

    def __setstate__(self, state):
        # A copy leaves the caller's dict as it was; pickles from an earlier skvae get
        # what they lack (distribution, dtype_policy, _hierarchy, trim) filled in.
        state = marker_as_pd_na(upgrade_vae_state(dict(state)))
        weights = state.pop("_model_weights", None)
        requests = state.pop(ROUTING_KEY, None)
        super().__setstate__(state)
        restore_requests(self, requests)
        if weights is not None:
            model = build_vae(self._network_config(self._build_layout()))
            model.set_weights(weights)
            self._set_fitted_model(model)


@contextlib.contextmanager
def state_restored_on_failure(estimator):
    """Put the estimator's whole state back as it was if the block raises (or is interrupted).

    Fitting sets attributes step by step; on any error none of them must survive, so a
    failed fit leaves no half-fitted estimator and a failed refit keeps the earlier model.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skvae._vae._pickling import state_restored_on_failure
    >>> estimator = SimpleNamespace(n_iter_=3)
    >>> try:
    ...     with state_restored_on_failure(estimator):
    ...         estimator.n_iter_ = 4
    ...         raise ValueError("training diverged")
    ... except ValueError:
    ...     pass
    >>> estimator.n_iter_
    3
    """
    previous_state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(previous_state)
        raise
