"""Save fitted skvae estimators to a file and load them back, without pickle.

A model file (extension ``.skvae`` by convention) is a zip archive with exactly two
members:

``manifest.json``
    The format name (``"skvae-model"``) and version (1), the skvae version that wrote
    the file, the estimator's class name, its state (constructor parameters and fitted
    attributes) encoded as JSON, the SHA-256 of ``arrays.npz`` and the SHA-256 of the state
    (of its canonical JSON: :func:`state_sha256`).
``arrays.npz``
    Every numeric or boolean array of the state (the network weights included), as a
    NumPy ``.npz`` archive; the manifest refers to each by key, with its dtype and shape.

Unlike pickle, loading executes no code from the file: the manifest is read with
:mod:`json`, the arrays with ``numpy.load(..., allow_pickle=False)``, and the class is
looked up in a fixed list of skvae estimators, never resolved from a name in the file.
Strings, tuples, dicts, NumPy scalars and dtypes are tagged in the JSON so that they come
back with their exact types (``get_params()`` after loading equals the one before saving);
the encoding is in :mod:`skvae._persistence._codec`, and what a state saved by an earlier
skvae lacks is filled in by :mod:`skvae._persistence._migrations`.
"""

import hashlib
import json
import os
import secrets
import zipfile
import zlib

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skvae._persistence._codec import ARRAYS_NAME, Malformed, decode_state, encode_state
from skvae._persistence._migrations import upgrade_state
from skvae._persistence._pandas_na import marker_as_pd_na
from skvae._persistence._registry import SAVABLE_ESTIMATORS
from skvae._version import __version__

FORMAT_NAME = "skvae-model"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def save(estimator, path):
    """Save a fitted skvae estimator to a single file, without pickle.

    The file is a zip archive holding ``manifest.json`` (parameters, fitted attributes
    and metadata as JSON) and ``arrays.npz`` (the arrays, network weights included); see
    the module docstring. It is written to a temporary file in the same directory and then
    renamed onto ``path``, so an interrupted or failed save never leaves a partial file
    (an existing file at ``path`` stays as it was).

    Parameters
    ----------
    estimator : VAETransformer, VAEOutlierDetector, VAEImputer or VQVAETransformer
        A fitted estimator.
    path : str or path-like
        Destination file; ``.skvae`` is the recommended extension. Overwritten if it exists.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If the estimator is not one of skvae's estimators (a subclass included), or if a
        parameter or attribute holds a value that cannot be stored without pickle (for
        example ``random_state`` given as a ``RandomState`` instance).

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae._persistence._format import save
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save(vae, os.path.join(tmp, "wine.skvae"))
    ...     sorted(os.listdir(tmp))
    ['wine.skvae']
    """
    classes = _estimator_classes()
    name = type(estimator).__name__
    if classes.get(name) is not type(estimator):
        raise TypeError(
            f"save supports {', '.join(classes)} estimators; got "
            f"{type(estimator).__module__}.{type(estimator).__qualname__}. Use pickle or "
            "joblib for other estimators."
        )
    check_is_fitted(estimator)
    params = set(estimator.get_params(deep=False))
    # Encode everything before touching the disk: most failures (unsupported values)
    # then happen before any file exists.
    # __getstate__ holds the routing requests as a plain dict (skvae._persistence._routing);
    # pd.NA goes back in place of its marker, for the codec's own pandas_na tag.
    state = marker_as_pd_na(dict(estimator.__getstate__()))
    state, arrays_bytes = encode_state(state, params)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skvae_version": __version__,
        "estimator": name,
        "arrays_sha256": hashlib.sha256(arrays_bytes).hexdigest(),
        "state_sha256": state_sha256(state),
        # For diagnosing a file only; load does not check these.
        "saved_with": {"numpy": np.__version__, "scikit-learn": _sklearn_version()},
        "state": state,
    }
    # allow_nan=False: non-finite floats are tagged, so the manifest stays strict JSON.
    manifest_bytes = json.dumps(manifest, indent=1, allow_nan=False).encode("utf-8")
    _write_atomically(os.fspath(path), manifest_bytes, arrays_bytes)


def load(path):
    """Load an estimator saved by :func:`save`, executing no code from the file.

    The file is checked before anything is built: it must be a zip archive with exactly
    the expected members, of a known format version, written by the running skvae
    version, for one of skvae's estimator classes, its state (parameters and fitted
    attributes) must match the checksum recorded in the manifest, and its arrays the
    checksum, dtypes and shapes recorded there. The checksums detect damage and accidental
    edits of the state or the arrays, not a deliberate forgery (anyone can recompute them):
    loading a forged file executes nothing, but its model may still give wrong answers, so
    load models only from sources you trust to have trained them. (Files written before
    skvae recorded the state's checksum have none, and load without that check.)

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save`.

    Returns
    -------
    estimator : VAETransformer, VAEOutlierDetector, VAEImputer or VQVAETransformer
        The fitted estimator, with the same parameters, attributes and predictions as the
        one that was saved.

    Raises
    ------
    ValueError
        If the file is not an skvae model file, is truncated, damaged or modified, was
        written by another skvae version, or names an estimator class skvae does not
        provide. The message names the file and what is wrong.

    See Also
    --------
    save : Write the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae._persistence._format import load, save
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save(vae, os.path.join(tmp, "wine.skvae"))
    ...     restored = load(os.path.join(tmp, "wine.skvae"))
    >>> restored.get_params() == vae.get_params()
    True
    >>> bool(np.array_equal(restored.score_samples(X), vae.score_samples(X)))
    True
    """
    path = os.fspath(path)
    manifest_bytes, arrays_bytes = _read_members(path)
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not an skvae model file: {path} (unreadable manifest: {exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"not an skvae model file: {path} (the manifest names no skvae format)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION or type(version) is not int:
        raise ValueError(
            f"{path} uses skvae file format version {version!r}, which this skvae "
            f"({__version__}) cannot read; it reads version {FORMAT_VERSION}"
        )
    saved_by = manifest.get("skvae_version")
    if saved_by != __version__:
        # The state layout is private to each release, so only an exact match is safe.
        saved_by = saved_by if isinstance(saved_by, str) else repr(saved_by)
        raise ValueError(
            f"{path} was saved by skvae {saved_by}, but skvae {__version__} is running. "
            f"Refit the model with skvae {__version__} and save it again, or load the file "
            f"with skvae {saved_by}."
        )
    classes = _estimator_classes()
    name = manifest.get("estimator")
    # A fixed table, never an import or getattr by a name taken from the file.
    cls = classes.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(
            f"{path} names estimator class {name!r}, which is not one skvae can load "
            f"(known: {', '.join(classes)})"
        )
    if manifest.get("arrays_sha256") != hashlib.sha256(arrays_bytes).hexdigest():
        raise ValueError(f"{path} has been modified or damaged (checksum mismatch)")
    # Files saved before the state's checksum was recorded (the v0.1 files among them) have
    # none; their state is still checked value by value below.
    if "state_sha256" in manifest and manifest["state_sha256"] != state_sha256(
        manifest.get("state")
    ):
        raise ValueError(
            f"{path} has been modified or damaged (checksum mismatch of the manifest's state)"
        )
    try:
        state = decode_state(manifest.get("state"), arrays_bytes)
        weights = state.get("_model_weights")
        if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
            raise Malformed("the state holds no list of model weights (_model_weights)")
    except Malformed as exc:
        raise ValueError(f"{path} is damaged or not a valid skvae model file: {exc}") from None

    # Validate the parameters before building a network from them, so that a damaged
    # manifest gives a parameter error rather than a failure inside Keras.
    params = cls().get_params(deep=False)
    estimator = cls.__new__(cls)
    try:
        # Here, not only in __setstate__: parameters that an earlier skvae did not have
        # must be filled in before they are checked. Inside the try, because a damaged
        # state can make a migration fail.
        upgrade_state(name, state)
        missing = sorted(set(params) - set(state))
        if missing:
            raise ValueError(f"missing parameters {missing}")
        estimator.__dict__.update({key: state[key] for key in params})
        estimator._validate_params()
        estimator.__setstate__(state)  # sets the routing requests too
        check_is_fitted(estimator)
    except Exception as exc:
        raise ValueError(
            f"{path} does not hold a valid {name}: {type(exc).__name__}: {exc}"
        ) from None
    return estimator


def state_sha256(state):
    """The SHA-256 of an encoded state (the manifest's ``"state"``), as hex digits.

    Computed on the state's canonical JSON (sorted keys, no spaces), so that it does not
    depend on how the manifest is laid out, only on the values: the state read back from
    the manifest gives the digest that :func:`save` recorded.

    Examples
    --------
    >>> from skvae._persistence._format import state_sha256
    >>> state_sha256({"b": 1, "a": [0.5]}) == state_sha256({"a": [0.5], "b": 1})
    True
    >>> state_sha256({"n_components": 3}) == state_sha256({"n_components": 5})
    False
    """
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _estimator_classes():
    # Registered by their modules (see skvae._persistence._registry), all imported by
    # `import skvae`, which runs before any of skvae's modules; sorted by name so that
    # messages listing them do not depend on the order of imports.
    return dict(sorted(SAVABLE_ESTIMATORS.items()))


def _sklearn_version():
    import sklearn

    return sklearn.__version__


# -- the file ---------------------------------------------------------------------------
def _read_members(path):
    """The bytes of manifest.json and arrays.npz; ValueError if path is no such zip."""
    with open(path, "rb") as file:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise ValueError(
                f"not an skvae model file: {path} (not a zip archive, or a truncated one: {exc})"
            ) from None
        with archive:
            names = archive.namelist()
            if sorted(names) != sorted([MANIFEST_NAME, ARRAYS_NAME]):
                raise ValueError(
                    f"not an skvae model file: {path} (a zip archive, but its members are "
                    f"{names}, not {[MANIFEST_NAME, ARRAYS_NAME]})"
                )
            members = []
            for name in (MANIFEST_NAME, ARRAYS_NAME):
                try:
                    members.append(archive.read(name))
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                    # Bad CRC, corrupt compressed data, unsupported compression method.
                    raise ValueError(
                        f"{path} is damaged: its member {name} cannot be read ({exc})"
                    ) from None
            return members


def _write_atomically(path, manifest_bytes, arrays_bytes):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # os.open with mode 0o666 lets the umask decide the final file's permissions, as
    # for any new file (mkstemp would make it private to the owner).
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as error:
        # Name the user's path, not the hidden temporary file beside it.
        raise type(error)(
            error.errno, f"cannot write {path}: {error.strerror} (in {directory})"
        ) from None
    try:
        with os.fdopen(fd, "wb") as file:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST_NAME, manifest_bytes)
                archive.writestr(ARRAYS_NAME, arrays_bytes)
            file.flush()
            # On disk before the rename, so a crash cannot leave a renamed empty file.
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
