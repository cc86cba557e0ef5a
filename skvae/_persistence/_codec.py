"""An estimator's state as JSON plus an ``.npz`` archive of its arrays, and back.

:func:`encode_state` turns the state dict that ``__getstate__`` returns into a JSON value
and the bytes of an ``.npz`` archive holding every numeric or boolean array (the network
weights included), which the JSON refers to by key, with dtype and shape.
:func:`decode_state` reverses it, checking every shape the JSON and the archive could take,
and reads the archive without pickle. Strings, tuples, dicts, NumPy scalars, dtypes and
``pd.NA`` are tagged in the JSON so that they come back with their exact types
(``get_params()`` after loading equals the one before saving).
"""

import io
import math

import numpy as np

# The model file's member that holds the arrays (see skvae._persistence._format); the
# decoding errors name it.
ARRAYS_NAME = "arrays.npz"

# Kinds that np.load reads back without pickle: these arrays go into arrays.npz.
_NPZ_KINDS = frozenset("biufcSmM")
# NumPy scalar kinds with an exact Python (JSON) counterpart.
_SCALAR_KINDS = frozenset("biufU")


class Malformed(Exception):
    """The manifest or the arrays do not have the structure that save writes.

    Examples
    --------
    >>> from skvae._persistence._codec import Malformed, decode_state, encode_state
    >>> _, no_arrays = encode_state({}, set())
    >>> try:
    ...     decode_state({"type": "set", "items": []}, no_arrays)
    ... except Malformed as exc:
    ...     print(exc)
    state has an unknown type tag 'set'
    """


def encode_state(state, params):
    """JSON form of an estimator's state, with its numeric arrays set aside in an ``.npz``.

    Parameters
    ----------
    state : dict
        The estimator's ``__getstate__()``: parameters and fitted attributes.
    params : set of str
        The estimator's parameter names, so that the error for a value that cannot be
        stored can say which parameter to change.

    Returns
    -------
    encoded : dict
        JSON-serialisable (strict JSON: non-finite floats are tagged).
    arrays_bytes : bytes
        The ``.npz`` archive of the arrays ``encoded`` refers to.

    Raises
    ------
    TypeError
        If a value cannot be stored without pickle.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._persistence._codec import encode_state
    >>> state = {"hidden_layer_sizes": (8,), "scale_": np.ones(3)}
    >>> encoded, arrays_bytes = encode_state(state, {"hidden_layer_sizes"})
    >>> encoded["items"]["hidden_layer_sizes"]
    {'type': 'tuple', 'items': [8]}
    >>> encoded["items"]["scale_"]
    {'type': 'ndarray', 'key': 'array_0', 'dtype': '<f8', 'shape': [3]}
    """
    arrays = {}
    encoded = _encode(state, "", arrays, params)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return encoded, buffer.getvalue()


def decode_state(encoded, arrays_bytes):
    """The state that :func:`encode_state` encoded, read without pickle.

    Parameters
    ----------
    encoded : object
        The JSON value, as read from the file (not trusted: every field is checked).
    arrays_bytes : bytes
        The ``.npz`` archive.

    Returns
    -------
    state : dict

    Raises
    ------
    Malformed
        If ``encoded`` or the archive is not what :func:`encode_state` writes: unknown
        tags, arrays missing, used twice, unused or of another dtype or shape than
        recorded, object arrays (which need pickle), or a state that is not a dict.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._persistence._codec import decode_state, encode_state
    >>> state = {"hidden_layer_sizes": (8,), "scale_": np.ones(3), "tol": float("inf")}
    >>> decoded = decode_state(*encode_state(state, set()))
    >>> decoded["hidden_layer_sizes"], decoded["scale_"], decoded["tol"]
    ((8,), array([1., 1., 1.]), inf)
    """
    arrays = _read_arrays(arrays_bytes)
    state = _decode(encoded, "state", arrays)
    if not isinstance(state, dict):
        raise Malformed("the state is not a dict")
    unused = sorted(set(arrays) - arrays.keys_used)
    if unused:
        raise Malformed(f"{ARRAYS_NAME} holds arrays the manifest does not use: {unused}")
    return state


class _ArrayStore(dict):
    """The arrays of arrays.npz by key, remembering which keys the manifest used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_used = set()


def _read_arrays(data):
    """The arrays of arrays.npz, read without pickle."""
    try:
        npz = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise Malformed(f"{ARRAYS_NAME} is not an .npz archive")
        with npz:
            return _ArrayStore((key, npz[key]) for key in npz.files)
    except Malformed:
        raise
    except Exception as exc:
        # Object arrays (which need pickle) land here too, as a ValueError from np.load.
        raise Malformed(f"{ARRAYS_NAME} cannot be read: {exc}") from None


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
    if kind.__module__.startswith("pandas") and kind.__name__ == "NAType":
        return {"type": "pandas_na"}  # VAEImputer(missing_values=pd.NA), as scikit-learn's
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
        "dicts with str keys, NumPy bool, int, float and str scalars, dtypes, pd.NA, and "
        "arrays of numbers or strings); use pickle for this estimator"
    )


# -- decoding: JSON -> Python values, checking every shape the file could take ----------
def _decode(value, where, arrays):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(v, f"{where}[{i}]", arrays) for i, v in enumerate(value)]
    if type(value) is not dict:
        raise Malformed(f"{where} has an unexpected JSON value {value!r}")
    tag = value.get("type")
    if tag == "tuple":
        return tuple(_decode(_field(value, "items", list, where), where, arrays))
    if tag == "dict":
        items = _field(value, "items", dict, where)
        return {k: _decode(v, f"{where}[{k!r}]", arrays) for k, v in items.items()}
    if tag == "float":
        text = _field(value, "value", str, where)
        if text not in ("nan", "inf", "-inf"):
            raise Malformed(f"{where} has an invalid non-finite float {text!r}")
        return float(text)
    if tag == "numpy_scalar":
        dtype = _dtype(_field(value, "dtype", str, where), where, _SCALAR_KINDS)
        item = _decode(value.get("value"), where, arrays)
        if type(item) not in (bool, int, float, str):
            raise Malformed(f"{where} has an invalid scalar value {item!r}")
        try:
            return dtype.type(item)
        except (TypeError, ValueError, OverflowError) as exc:
            raise Malformed(f"{where}: {exc}") from None
    if tag == "dtype":
        return _dtype(_field(value, "name", str, where), where, None)
    if tag == "ndarray":
        return _decode_array(value, where, arrays)
    if tag == "str_array":
        return _decode_str_array(value, where)
    if tag == "pandas_na":
        import pandas as pd

        return pd.NA
    raise Malformed(f"{where} has an unknown type tag {tag!r}")


def _decode_array(value, where, arrays):
    key = _field(value, "key", str, where)
    dtype = _dtype(_field(value, "dtype", str, where), where, _NPZ_KINDS)
    shape = _shape(value, where)
    if key not in arrays:
        raise Malformed(f"{where} refers to array {key!r}, which {ARRAYS_NAME} lacks")
    if key in arrays.keys_used:
        raise Malformed(f"{where} refers to array {key!r}, which is already used")
    arrays.keys_used.add(key)
    array = arrays[key]
    if array.dtype != dtype or array.shape != shape:
        raise Malformed(
            f"{where}: array {key!r} has dtype {array.dtype} and shape {array.shape}; the "
            f"manifest records {dtype} and {shape}"
        )
    return array


def _decode_str_array(value, where):
    dtype = _dtype(_field(value, "dtype", str, where), where, frozenset("UO"))
    shape = _shape(value, where)
    items = _field(value, "items", list, where)
    if not all(type(v) is str for v in items) or len(items) != math.prod(shape):
        raise Malformed(f"{where} does not hold {math.prod(shape)} strings")
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
        raise Malformed(f"{where} lacks a valid {name!r} field")
    return field


def _shape(value, where):
    shape = _field(value, "shape", list, where)
    if not all(type(n) is int and n >= 0 for n in shape):
        raise Malformed(f"{where} has an invalid shape {shape!r}")
    return tuple(shape)


def _dtype(text, where, kinds):
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError) as exc:
        raise Malformed(f"{where} has an invalid dtype {text!r} ({exc})") from None
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind == "V":
        raise Malformed(f"{where} has an unsupported dtype {text!r}")
    if kinds is not None and dtype.kind not in kinds:
        raise Malformed(f"{where} has an unexpected dtype {text!r}")
    return dtype
