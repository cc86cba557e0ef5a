"""Metadata-routing requests (``set_fit_request(callbacks=True)``) in a stored state.

scikit-learn keeps an estimator's requests in a ``MetadataRequest`` object, which refers
back to its estimator: skops cannot store that cycle, and skvae's file format stores only
plain values and arrays. So every skvae estimator's ``__getstate__`` (what pickle, joblib,
deepcopy, skops and :func:`skvae.save` store) holds them as a
``{method: {parameter: request}}`` dict, and ``__setstate__`` sets them again: a model
fitted under routing (its ``callbacks`` passed through ``GridSearchCV`` or a ``Pipeline``)
is stored and restored with its requests.
"""

import sklearn

STATE_KEY = "_metadata_requests"


def requests_of(state):
    """Replace the ``MetadataRequest`` in an estimator's ``state`` (a copy of its
    ``__dict__``) by the plain dict of its requests set by the user; returns ``state``.

    Examples
    --------
    >>> import sklearn
    >>> from skvae import VAETransformer
    >>> from skvae._persistence._routing import requests_of
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     vae = VAETransformer().set_fit_request(callbacks=True)
    >>> requests_of(dict(vae.__dict__))["_metadata_requests"]
    {'fit': {'callbacks': True}}
    """
    request = state.pop("_metadata_request", None)
    if request is not None:
        methods = {
            method: {name: value for name, value in requests.requests.items() if value is not None}
            for method, requests in vars(request).items()
            if hasattr(requests, "requests")
        }
        state[STATE_KEY] = {method: chosen for method, chosen in methods.items() if chosen}
    return state


def restore_requests(estimator, requests):
    """Set the requests of :func:`requests_of` on a loaded estimator again.

    Examples
    --------
    >>> import sklearn
    >>> from skvae import VAETransformer
    >>> from skvae._persistence._routing import restore_requests
    >>> vae = VAETransformer()
    >>> restore_requests(vae, {"fit": {"callbacks": True}})
    >>> vae.get_metadata_routing().fit.requests
    {'callbacks': True}
    """
    # set_*_request exists only while routing is enabled; the requests belong to the
    # estimator whatever the config is at load time.
    with sklearn.config_context(enable_metadata_routing=True):
        for method, chosen in (requests or {}).items():
            getattr(estimator, f"set_{method}_request")(**chosen)
