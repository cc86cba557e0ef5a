"""Save fitted skvae estimators to a file and load them back, without pickle.

A model file (extension ``.skvae`` by convention) is a zip archive with exactly two
members:

``manifest.json``
    The format name (``"skvae-model"``) and version (1), the skvae version that wrote
    the file, the estimator's class name, its state (constructor parameters and fitted
    attributes) encoded as JSON, and the SHA-256 of ``arrays.npz``.
``arrays.npz``
    Every numeric or boolean array of the state (the network weights included), as a
    NumPy ``.npz`` archive; the manifest refers to each by key, with its dtype and shape.

Unlike pickle, loading executes no code from the file: the manifest is read with
:mod:`json`, the arrays with ``numpy.load(..., allow_pickle=False)``, and the class is
looked up in a fixed list of skvae estimators, never resolved from a name in the file.
Strings, tuples, dicts, NumPy scalars and dtypes are tagged in the JSON so that they come
back with their exact types (``get_params()`` after loading equals the one before saving).
"""

import hashlib
import io
import json
import math
import os
import secrets
import zipfile
import zlib

import numpy as np
from sklearn.utils.validation import check_is_fitted

FORMAT_NAME = "skvae-model"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
ARRAYS_NAME = "arrays.npz"

# Kinds that np.load reads back without pickle: these arrays go into arrays.npz.
_NPZ_KINDS = frozenset("biufcSmM")
# NumPy scalar kinds with an exact Python (JSON) counterpart.
_SCALAR_KINDS = frozenset("biufU")


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
    from skvae import __version__

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
    arrays = {}
    state = _encode(estimator.__getstate__(), "", arrays, params)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    arrays_bytes = buffer.getvalue()
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skvae_version": __version__,
        "estimator": name,
        "arrays_sha256": hashlib.sha256(arrays_bytes).hexdigest(),
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
    version, for one of skvae's estimator classes, and its arrays must match the
    checksum, dtypes and shapes recorded in the manifest. The checksum detects damage and
    accidental edits, not a deliberate forgery (anyone can recompute it): loading a
    forged file executes nothing, but its model may still give wrong answers, so load
    models only from sources you trust to have trained them.

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
    from skvae import __version__

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
    try:
        arrays = _read_arrays(arrays_bytes)
        state = _decode(manifest.get("state"), "state", arrays)
        if not isinstance(state, dict):
            raise _Malformed("the state is not a dict")
        unused = sorted(set(arrays) - arrays.keys_used)
        if unused:
            raise _Malformed(f"{ARRAYS_NAME} holds arrays the manifest does not use: {unused}")
        weights = state.get("_model_weights")
        if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
            raise _Malformed("the state holds no list of model weights (_model_weights)")
    except _Malformed as exc:
        raise ValueError(f"{path} is damaged or not a valid skvae model file: {exc}") from None

    # Validate the parameters before building a network from them, so that a damaged
    # manifest gives a parameter error rather than a failure inside Keras.
    params = cls().get_params(deep=False)
    if "distribution" in params:
        # Files written before the distribution parameter existed train on one device.
        state.setdefault("distribution", None)
    if "dtype_policy" in params:
        # ... and those written before dtype_policy existed were trained in float32.
        state.setdefault("dtype_policy", "float32")
    if name == "VQVAETransformer":
        # VQ-VAE files written before it took mixed tables have no table parameters (and
        # no table attributes: __setstate__ fills those in).
        from skvae._vqvae._transformer import TABLE_PARAMETER_DEFAULTS

        for key, value in TABLE_PARAMETER_DEFAULTS.items():
            state.setdefault(key, value)
    missing = sorted(set(params) - set(state))
    estimator = cls.__new__(cls)
    try:
        if missing:
            raise ValueError(f"missing parameters {missing}")
        estimator.__dict__.update({key: state[key] for key in params})
        estimator._validate_params()
        estimator.__setstate__(state)
        check_is_fitted(estimator)
    except Exception as exc:
        raise ValueError(
            f"{path} does not hold a valid {name}: {type(exc).__name__}: {exc}"
        ) from None
    return estimator


class _Malformed(Exception):
    """The manifest or the arrays do not have the structure that save writes."""


class _ArrayStore(dict):
    """The arrays of arrays.npz by key, remembering which keys the manifest used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_used = set()


def _estimator_classes():
    # Imported here: skvae/__init__ imports this module, and the estimators import skvae.
    from skvae._vae._imputer import VAEImputer
    from skvae._vae._outlier import VAEOutlierDetector
    from skvae._vae._transformer import VAETransformer
    from skvae._vqvae._transformer import VQVAETransformer

    return {
        "VAETransformer": VAETransformer,
        "VAEOutlierDetector": VAEOutlierDetector,
        "VAEImputer": VAEImputer,
        "VQVAETransformer": VQVAETransformer,
    }


def _sklearn_version():
    import sklearn

    return sklearn.__version__


# -- encoding: Python values -> JSON, with arrays set aside for arrays.npz --------------
def _encode(value, where, arrays, params):
    """JSON form of ``value``; numeric arrays are added to ``arrays`` and referenced by key.

    ``where`` is the attribute path, for error messages. Exact type checks (not
    isinstance) keep subclasses such as namedtuples or np.float64 (a float subclass)
    from being saved as something that loads back as a different type.
    """
    if isinstance(value, np.generic):
        return _encode_scalar(value, where, params)
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"type": "float", "value": repr(value)}
    if kind is list:
        return [_encode(v, f"{where}[{i}]", arrays, params) for i, v in enumerate(value)]
    if kind is tuple:
        items = [_encode(v, f"{where}[{i}]", arrays, params) for i, v in enumerate(value)]
        return {"type": "tuple", "items": items}
    if kind is dict:
        items = {}
        for key, v in value.items():
            if type(key) is not str:
                raise TypeError(
                    f"{where or 'the state'} is a dict with a key of type "
                    f"{type(key).__name__} ({key!r}), which cannot be saved safely (only str "
                    "keys can); use pickle for this estimator"
                )
            items[key] = _encode(v, f"{where}[{key!r}]" if where else key, arrays, params)
        return {"type": "dict", "items": items}
    if kind is np.ndarray:
        return _encode_array(value, where, arrays, params)
    if isinstance(value, np.dtype):
        return {"type": "dtype", "name": _dtype_name(value, where, params)}
    raise _unsupported(where, value, params)


def _encode_scalar(value, where, params):
    item = value.item()
    # longdouble and datetime scalars have no exact Python counterpart to write as JSON.
    if value.dtype.kind not in _SCALAR_KINDS or type(item) not in (bool, int, float, str):
        raise _unsupported(where, value, params)
    if isinstance(item, float) and not math.isfinite(item):
        item = {"type": "float", "value": repr(item)}
    return {"type": "numpy_scalar", "dtype": value.dtype.str, "value": item}


def _encode_array(value, where, arrays, params):
    if value.dtype.kind in _NPZ_KINDS and value.dtype.fields is None:
        key = f"array_{len(arrays)}"
        arrays[key] = value
        return {
            "type": "ndarray",
            "key": key,
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    if value.dtype.kind == "U" or (
        value.dtype.kind == "O" and all(type(v) is str for v in value.flat)
    ):
        # Strings (feature_names_in_) stay readable in the manifest instead of needing
        # object arrays, which np.load could only read with pickle.
        return {
            "type": "str_array",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "items": [str(v) for v in value.flat],
        }
    raise TypeError(
        f"{where} is an array of dtype {value.dtype} holding values other than numbers or "
        "strings, which cannot be saved safely; use pickle for this estimator"
    )


def _dtype_name(dtype, where, params):
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind == "V":
        raise _unsupported(where, dtype, params)
    # The plain name unless it loses information (byte order, string length).
    return dtype.name if np.dtype(dtype.name) == dtype else dtype.str


def _unsupported(where, value, params):
    what = f"{where} holds a {type(value).__name__} instance, which cannot be saved safely"
    top = where.split("[", 1)[0]
    if top == "random_state":
        # The fitted model keeps its own seed, but get_params() must load back unchanged.
        return TypeError(f"{what}; refit with an int random_state (or None) or use pickle")
    if top in params:
        return TypeError(
            f"{what}; refit with {top} set to None, a bool, int, float or str, or a list, "
            "tuple or dict of them, or use pickle"
        )
    return TypeError(
        f"{what} (an skvae file stores only None, bool, int, float, str, lists, tuples, "
        "dicts with str keys, NumPy bool, int, float and str scalars, dtypes, and arrays of "
        "numbers or strings); use pickle for this estimator"
    )


# -- decoding: JSON -> Python values, checking every shape the file could take ----------
def _decode(value, where, arrays):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(v, f"{where}[{i}]", arrays) for i, v in enumerate(value)]
    if type(value) is not dict:
        raise _Malformed(f"{where} has an unexpected JSON value {value!r}")
    tag = value.get("type")
    if tag == "tuple":
        return tuple(_decode(_field(value, "items", list, where), where, arrays))
    if tag == "dict":
        items = _field(value, "items", dict, where)
        return {k: _decode(v, f"{where}[{k!r}]", arrays) for k, v in items.items()}
    if tag == "float":
        text = _field(value, "value", str, where)
        if text not in ("nan", "inf", "-inf"):
            raise _Malformed(f"{where} has an invalid non-finite float {text!r}")
        return float(text)
    if tag == "numpy_scalar":
        dtype = _dtype(_field(value, "dtype", str, where), where, _SCALAR_KINDS)
        item = _decode(value.get("value"), where, arrays)
        if type(item) not in (bool, int, float, str):
            raise _Malformed(f"{where} has an invalid scalar value {item!r}")
        try:
            return dtype.type(item)
        except (TypeError, ValueError, OverflowError) as exc:
            raise _Malformed(f"{where}: {exc}") from None
    if tag == "dtype":
        return _dtype(_field(value, "name", str, where), where, None)
    if tag == "ndarray":
        return _decode_array(value, where, arrays)
    if tag == "str_array":
        return _decode_str_array(value, where)
    raise _Malformed(f"{where} has an unknown type tag {tag!r}")


def _decode_array(value, where, arrays):
    key = _field(value, "key", str, where)
    dtype = _dtype(_field(value, "dtype", str, where), where, _NPZ_KINDS)
    shape = _shape(value, where)
    if key not in arrays:
        raise _Malformed(f"{where} refers to array {key!r}, which {ARRAYS_NAME} lacks")
    if key in arrays.keys_used:
        raise _Malformed(f"{where} refers to array {key!r}, which is already used")
    arrays.keys_used.add(key)
    array = arrays[key]
    if array.dtype != dtype or array.shape != shape:
        raise _Malformed(
            f"{where}: array {key!r} has dtype {array.dtype} and shape {array.shape}; the "
            f"manifest records {dtype} and {shape}"
        )
    return array


def _decode_str_array(value, where):
    dtype = _dtype(_field(value, "dtype", str, where), where, frozenset("UO"))
    shape = _shape(value, where)
    items = _field(value, "items", list, where)
    if not all(type(v) is str for v in items) or len(items) != math.prod(shape):
        raise _Malformed(f"{where} does not hold {math.prod(shape)} strings")
    if dtype.kind == "O":
        # Filled element by element: np.array(list, dtype=object) would build nested
        # lists or a 2-D array for some inputs instead of a flat array of str.
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)
    return np.array(items, dtype=dtype).reshape(shape)


def _field(value, name, kind, where):
    field = value.get(name)
    if type(field) is not kind:
        raise _Malformed(f"{where} lacks a valid {name!r} field")
    return field


def _shape(value, where):
    shape = _field(value, "shape", list, where)
    if not all(type(n) is int and n >= 0 for n in shape):
        raise _Malformed(f"{where} has an invalid shape {shape!r}")
    return tuple(shape)


def _dtype(text, where, kinds):
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError) as exc:
        raise _Malformed(f"{where} has an invalid dtype {text!r} ({exc})") from None
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind == "V":
        raise _Malformed(f"{where} has an unsupported dtype {text!r}")
    if kinds is not None and dtype.kind not in kinds:
        raise _Malformed(f"{where} has an unexpected dtype {text!r}")
    return dtype


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


def _read_arrays(data):
    """The arrays of arrays.npz, read without pickle."""
    try:
        npz = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise _Malformed(f"{ARRAYS_NAME} is not an .npz archive")
        with npz:
            return _ArrayStore((key, npz[key]) for key in npz.files)
    except _Malformed:
        raise
    except Exception as exc:
        # Object arrays (which need pickle) land here too, as a ValueError from np.load.
        raise _Malformed(f"{ARRAYS_NAME} cannot be read: {exc}") from None


def _write_atomically(path, manifest_bytes, arrays_bytes):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # os.open with mode 0o666 lets the umask decide the final file's permissions, as
    # for any new file (mkstemp would make it private to the owner).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
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
