"""Saving and loading estimators with skvae's pickle-free file format."""

import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import NotFittedError

import skvae
from skvae import VAEOutlierDetector, VAETransformer, VQVAETransformer
from skvae._persistence._format import load, save, state_sha256

TINY = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wine_frame():
    return load_wine(as_frame=True).data


@pytest.fixture(scope="module")
def transformer(wine_frame):
    return VAETransformer(n_components=3, **TINY).fit(wine_frame)


@pytest.fixture(scope="module")
def detector(wine_frame):
    return VAEOutlierDetector(contamination=0.1, **TINY).fit(wine_frame.to_numpy())


@pytest.fixture(scope="module")
def saved(transformer, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "wine.skvae"
    save(transformer, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json")), archive.read("arrays.npz")


def _rewrite(source, target, manifest=None, arrays=None, sign_state=True):
    """Copy a model file to target, replacing the manifest (a dict) or arrays.npz bytes.

    A replaced manifest's state checksum is recomputed, as a deliberate forgery would, so
    that the checks behind it are what a test reaches (unless ``sign_state=False``)."""
    old_manifest, old_arrays = _members(source)
    manifest = old_manifest if manifest is None else manifest
    if sign_state and "state_sha256" in manifest:
        manifest["state_sha256"] = state_sha256(manifest["state"])
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("arrays.npz", old_arrays if arrays is None else arrays)
    return target


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _arrays(path):
    _, data = _members(path)
    with np.load(io.BytesIO(data)) as npz:
        return {key: npz[key] for key in npz.files}


def _array_keys(encoded):
    """The arrays.npz keys referenced anywhere in an encoded state."""
    if isinstance(encoded, dict):
        if encoded.get("type") == "ndarray":
            return [encoded["key"]]
        return [k for v in encoded.values() for k in _array_keys(v)]
    if isinstance(encoded, list):
        return [k for v in encoded for k in _array_keys(v)]
    return []


def _weight_key(manifest, index):
    return manifest["state"]["items"]["_model_weights"][index]["key"]


# -- round trips ------------------------------------------------------------------------
def test_transformer_round_trip(transformer, saved, wine_frame):
    """A loaded VAETransformer has the same parameters, attributes and outputs."""
    restored = load(saved)
    assert type(restored) is VAETransformer
    assert restored.get_params() == transformer.get_params()
    assert restored.hidden_layer_sizes == (8,)
    np.testing.assert_array_equal(restored.transform(wine_frame), transformer.transform(wine_frame))
    np.testing.assert_array_equal(
        restored.score_samples(wine_frame), transformer.score_samples(wine_frame)
    )
    np.testing.assert_array_equal(
        restored.sample(3, random_state=0), transformer.sample(3, random_state=0)
    )
    assert restored.history_ == transformer.history_
    assert restored.n_iter_ == 3
    assert restored._seed == transformer._seed
    assert restored._fit_dtype == np.dtype("float64")
    np.testing.assert_array_equal(restored.active_units_, transformer.active_units_)
    assert restored.active_units_.dtype == bool


def test_feature_names_come_back_as_object_array(transformer, saved, wine_frame):
    """feature_names_in_ from a DataFrame loads as the same object array of str."""
    restored = load(saved)
    assert restored.feature_names_in_.dtype == object
    assert restored.feature_names_in_.tolist() == list(wine_frame.columns)
    assert restored.feature_names_in_[0] == "alcohol"
    assert restored.get_feature_names_out().tolist() == [
        "vaetransformer0",
        "vaetransformer1",
        "vaetransformer2",
    ]


def test_detector_round_trip(detector, wine_frame, tmp_path):
    """A loaded VAEOutlierDetector keeps contamination, offset_ and its predictions."""
    X = wine_frame.to_numpy()
    save(detector, tmp_path / "detector.skvae")
    restored = load(tmp_path / "detector.skvae")
    assert type(restored) is VAEOutlierDetector
    assert restored.get_params() == detector.get_params()
    assert restored.contamination == 0.1
    assert restored.offset_ == detector.offset_
    np.testing.assert_array_equal(restored.score_samples(X), detector.score_samples(X))
    np.testing.assert_array_equal(restored.predict(X), detector.predict(X))
    assert (restored.predict(X) == -1).sum() == (detector.predict(X) == -1).sum() > 0
    np.testing.assert_array_equal(
        restored.sample(3, random_state=0), detector.sample(3, random_state=0)
    )
    assert not hasattr(restored, "feature_names_in_")


def test_metadata_routing_requests_are_saved_and_restored(wine_frame, tmp_path):
    """A model given set_fit_request(callbacks=True), as metadata routing needs to pass
    callbacks through GridSearchCV or a Pipeline, saves (it was refused: a MetadataRequest
    cannot be stored) and loads with the same requests, routing enabled or not."""
    import sklearn

    with sklearn.config_context(enable_metadata_routing=True):
        vae = VAETransformer(**TINY).set_fit_request(callbacks=True).fit(wine_frame)
        save(vae, tmp_path / "routed.skvae")
    restored = load(tmp_path / "routed.skvae")
    assert restored.get_metadata_routing().fit.requests == {"callbacks": True}
    np.testing.assert_array_equal(restored.transform(wine_frame), vae.transform(wine_frame))
    with sklearn.config_context(enable_metadata_routing=True):
        assert load(tmp_path / "routed.skvae").get_metadata_routing().fit.requests == {
            "callbacks": True
        }
    assert "_metadata_requests" not in restored.__dict__


def test_imputer_round_trip(wine_frame, tmp_path):
    """A loaded VAEImputer (its default linear model with a latent mixture prior, fitted
    on rows with holes) fills, draws multiple imputations and scores as the original."""
    X = wine_frame.to_numpy().copy()
    X[np.random.default_rng(0).uniform(size=X.shape) < 0.2] = np.nan
    imputer = skvae.VAEImputer(max_iter=3, random_state=0).fit(X)
    save(imputer, tmp_path / "imputer.skvae")
    restored = load(tmp_path / "imputer.skvae")
    assert type(restored) is skvae.VAEImputer
    params, restored_params = imputer.get_params(), restored.get_params()
    assert np.isnan(params.pop("missing_values")) and np.isnan(
        restored_params.pop("missing_values")
    )  # NaN != NaN: compared apart
    assert restored_params == params
    for name in ("prior_weights_", "prior_means_", "prior_covariances_", "mean_", "scale_"):
        np.testing.assert_array_equal(getattr(restored, name), getattr(imputer, name))
    filled = restored.transform(X)
    np.testing.assert_array_equal(filled, imputer.transform(X))
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(filled[observed], X[observed])
    np.testing.assert_array_equal(
        restored.multiple_imputations(X[:20], n_imputations=3, random_state=0),
        imputer.multiple_imputations(X[:20], n_imputations=3, random_state=0),
    )
    np.testing.assert_array_equal(restored.score_samples(X), imputer.score_samples(X))


def _vq_outputs(vq, X):
    """Every output and fitted attribute of a VQVAETransformer, for exact comparison."""
    codes = vq.transform(X)
    X_new, new_codes = vq.sample(25, random_state=0, return_codes=True)
    embeddings = vq.set_params(output="embeddings").transform(X)
    decoded_embeddings = vq.inverse_transform(embeddings)
    vq.set_params(output="indices")
    return {
        "codes": codes,
        "decoded": vq.inverse_transform(codes),
        "embeddings": embeddings,
        "decoded_embeddings": decoded_embeddings,
        "sample": X_new,
        "sample_codes": new_codes,
        "score_samples": vq.score_samples(X),
        "score": vq.score(X),
        "codebook_": vq.codebook_,
        "code_usage_": vq.code_usage_,
        "perplexity_": vq.perplexity_,
        "prior_codes_": vq.prior_codes_,
        "prior_": vq.prior_,
        "mean_": vq.mean_,
        "scale_": vq.scale_,
        "weights": vq._model.get_weights(),
    }


@pytest.mark.parametrize("likelihood", ["gaussian", "heteroscedastic", "bernoulli"])
def test_vqvae_round_trip(likelihood, wine_frame, tmp_path):
    """A loaded (or unpickled) VQVAETransformer gives bit-identical outputs and attributes."""
    X = wine_frame if likelihood != "bernoulli" else (wine_frame > wine_frame.median()) * 1.0
    vq = VQVAETransformer(n_codes=8, code_dim=3, n_latents=2, likelihood=likelihood, **TINY)
    vq.fit(X)
    save(vq, tmp_path / "vq.skvae")
    restored = load(tmp_path / "vq.skvae")
    unpickled = pickle.loads(pickle.dumps(vq))
    assert type(restored) is VQVAETransformer
    assert restored.get_params() == vq.get_params()
    assert restored.feature_names_in_.tolist() == list(wine_frame.columns)
    assert restored.history_ == vq.history_ and restored.n_iter_ == 3
    expected = _vq_outputs(vq, X)
    assert expected["codes"].shape == (len(X), 2) and np.isfinite(expected["score"])
    for copy in (restored, unpickled):
        outputs = _vq_outputs(copy, X)
        assert outputs.keys() == expected.keys()
        for key, value in expected.items():
            if key == "weights":
                assert len(outputs[key]) == len(value)
                for got, want in zip(outputs[key], value, strict=True):
                    np.testing.assert_array_equal(got, want)
            else:
                np.testing.assert_array_equal(outputs[key], value, err_msg=key)
    assert restored.perplexity_ == vq.perplexity_ > 1.0
    assert restored.get_feature_names_out().tolist() == [
        "vqvaetransformer0",
        "vqvaetransformer1",
    ]


def test_vqvae_file_stores_the_codebook_state_and_no_derived_keras_objects(wine_frame, tmp_path):
    """The VQ-VAE's file holds its weights (codebook and EMA state included) as arrays."""
    vq = VQVAETransformer(n_codes=8, code_dim=3, **TINY).fit(wine_frame)
    save(vq, tmp_path / "vq.skvae")
    manifest, _ = _members(tmp_path / "vq.skvae")
    assert manifest["estimator"] == "VQVAETransformer"
    assert manifest["format_version"] == 1
    items = manifest["state"]["items"]
    assert not {"_model", "encoder_", "decoder_", "_obs_log_var"} & set(items)
    assert items["n_codes"] == 8 and items["_prior_params"]["shape"] == [8, 13]
    shapes = [w["shape"] for w in items["_model_weights"]]
    weights = vq._model.get_weights()
    assert shapes == [list(w.shape) for w in weights]
    # The codebook is among the weights, and the loaded model uses exactly it.
    assert any(np.array_equal(w, vq.codebook_.astype(np.float32)) for w in weights)
    restored = load(tmp_path / "vq.skvae")
    np.testing.assert_array_equal(restored._model.codebook.numpy(), vq._model.codebook.numpy())
    np.testing.assert_array_equal(restored._model.ema_count.numpy(), vq._model.ema_count.numpy())


def test_vqvae_with_invalid_parameters_is_refused(wine_frame, tmp_path):
    """A VQ-VAE file whose parameters are invalid is refused, naming the class."""
    vq = VQVAETransformer(n_codes=8, code_dim=3, **TINY).fit(wine_frame)
    save(vq, tmp_path / "vq.skvae")
    manifest, _ = _members(tmp_path / "vq.skvae")
    manifest["state"]["items"]["n_codes"] = 1
    path = _rewrite(tmp_path / "vq.skvae", tmp_path / "bad.skvae", manifest=manifest)
    with pytest.raises(ValueError, match=r"does not hold a valid VQVAETransformer.*n_codes"):
        load(path)


def test_manifest_is_readable_json(transformer, saved):
    """The manifest records format, versions, class, tagged tuples and a valid checksum."""
    manifest, arrays = _members(saved)
    assert manifest["format"] == "skvae-model"
    assert manifest["format_version"] == 1
    assert manifest["skvae_version"] == skvae.__version__
    assert manifest["estimator"] == "VAETransformer"
    assert manifest["arrays_sha256"] == hashlib.sha256(arrays).hexdigest()
    canonical = json.dumps(manifest["state"], sort_keys=True, separators=(",", ":"))
    assert manifest["state_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    state = manifest["state"]["items"]
    assert state["hidden_layer_sizes"] == {"type": "tuple", "items": [8]}
    # The training dtype is stored by name (no numpy.dtype in the state, for skops); the
    # codec still tags dtypes (test_new_attribute_types_round_trip below).
    assert state["_fit_dtype"] == "float64"
    assert state["n_components"] == 3
    assert state["feature_names_in_"]["items"][:2] == ["alcohol", "malic_acid"]
    weights = state["_model_weights"]
    assert len(weights) == len(transformer._model.get_weights())
    assert all(w["type"] == "ndarray" for w in weights)
    assert state["mean_"]["shape"] == [13]
    assert state["active_units_"]["dtype"] == "|b1"
    assert sorted(_array_keys(manifest["state"])) == sorted(_arrays(saved))


def test_new_attribute_types_round_trip(saved, tmp_path):
    """Attributes of any supported type (as later versions may add) load back exactly."""
    estimator = load(saved)
    extra = {
        "nested": ((1, 2.5), [None, True, "x"], {"inner": (np.float32(1.5),)}),
        "non_finite": [float("nan"), float("inf"), float("-inf")],
        "scalars": [np.int64(7), np.bool_(True), np.float32(0.25), np.str_("s")],
        "dtype": np.dtype("float32"),
        "columns": np.array([0, 3], dtype=np.intp),
        "mask": np.array([[True, False]]),
        "names": np.array(["a", "bc"]),
        "empty": np.empty((0, 2)),
    }
    estimator.conditioning_ = extra
    save(estimator, tmp_path / "extra.skvae")
    back = load(tmp_path / "extra.skvae").conditioning_
    assert back["nested"] == ((1, 2.5), [None, True, "x"], {"inner": (np.float32(1.5),)})
    assert type(back["nested"]) is tuple and type(back["nested"][1]) is list
    assert np.isnan(back["non_finite"][0]) and back["non_finite"][1:] == [np.inf, -np.inf]
    assert [type(v) for v in back["scalars"]] == [np.int64, np.bool_, np.float32, np.str_]
    assert back["scalars"] == [7, True, 0.25, "s"]
    assert back["dtype"] == np.dtype("float32")
    for key in ("columns", "mask", "names", "empty"):
        assert back[key].dtype == extra[key].dtype
        np.testing.assert_array_equal(back[key], extra[key])


def test_round_trip_in_fresh_process(transformer, saved, wine_frame, tmp_path):
    """A file loaded by a new Python process gives the same score_samples, bit for bit."""
    out = tmp_path / "scores.npy"
    script = textwrap.dedent(
        f"""
        import numpy as np
        from sklearn.datasets import load_wine
        from skvae._persistence._format import load
        X = load_wine(as_frame=True).data
        np.save({str(out)!r}, load({str(saved)!r}).score_samples(X))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, env=env)
    np.testing.assert_array_equal(np.load(out), transformer.score_samples(wine_frame))


# -- files load refuses -----------------------------------------------------------------
def test_load_refuses_a_file_that_is_not_a_zip(tmp_path):
    """A text file is rejected as not an skvae model file."""
    path = tmp_path / "notes.skvae"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"not an skvae model file: .*notes\.skvae"):
        load(path)


def test_load_refuses_a_truncated_file(saved, tmp_path):
    """A file cut in half is rejected with the file's path, not a zipfile traceback."""
    data = saved.read_bytes()
    path = tmp_path / "half.skvae"
    path.write_bytes(data[: len(data) // 2])
    message = r"not an skvae model file: .*half\.skvae \(not a zip archive, or a truncated one"
    with pytest.raises(ValueError, match=message):
        load(path)


def test_load_refuses_a_damaged_member(saved, tmp_path):
    """One flipped byte inside arrays.npz is reported as damage (the zip's CRC check)."""
    path = _rewrite(saved, tmp_path / "flipped.skvae")  # stored uncompressed by _rewrite
    _, arrays = _members(path)
    data = bytearray(path.read_bytes())
    data[data.find(arrays) + len(arrays) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"flipped\.skvae is damaged: its member arrays\.npz"):
        load(path)


def test_load_refuses_a_zip_with_other_members(tmp_path):
    """A zip without exactly manifest.json and arrays.npz is not an skvae model file."""
    path = tmp_path / "other.skvae"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", "{}")
    with pytest.raises(ValueError, match=r"not an skvae model file: .*its members are"):
        load(path)


def test_load_refuses_altered_arrays(saved, tmp_path):
    """Changing one weight array under the old checksum is detected."""
    manifest, _ = _members(saved)
    arrays = _arrays(saved)
    key = _weight_key(manifest, 2)
    arrays[key] = arrays[key] + np.float32(0.5)
    path = _rewrite(saved, tmp_path / "altered.skvae", arrays=_npz_bytes(arrays))
    with pytest.raises(ValueError, match=r"altered\.skvae has been modified or damaged \(checksum"):
        load(path)


@pytest.mark.parametrize(
    ("key", "value"), [("n_components", 5), ("n_iter_", 2), ("activation", "tanh")]
)
def test_load_refuses_an_edited_state(saved, tmp_path, key, value):
    """Changing a parameter or fitted attribute in the manifest, under the old state
    checksum, is detected (it loaded, with a network that disagreed with get_params)."""
    manifest, _ = _members(saved)
    assert manifest["state"]["items"][key] != value
    manifest["state"]["items"][key] = value
    path = _rewrite(saved, tmp_path / "edited.skvae", manifest=manifest, sign_state=False)
    with pytest.raises(
        ValueError,
        match=r"edited\.skvae has been modified or damaged \(checksum mismatch of the manifest's",
    ):
        load(path)


def test_file_without_a_state_checksum_loads(saved, transformer, tmp_path, wine_frame):
    """A file from before the state checksum (no state_sha256) loads and scores as saved."""
    manifest, _ = _members(saved)
    del manifest["state_sha256"]
    restored = load(_rewrite(saved, tmp_path / "unsigned.skvae", manifest=manifest))
    np.testing.assert_array_equal(
        restored.score_samples(wine_frame), transformer.score_samples(wine_frame)
    )


def test_load_refuses_arrays_of_the_wrong_shape(saved, tmp_path):
    """An array whose shape differs from the manifest is rejected, even with a valid checksum."""
    manifest, _ = _members(saved)
    arrays = _arrays(saved)
    # The encoder's first kernel (13 features x 8 units).
    n_weights = len(manifest["state"]["items"]["_model_weights"])
    key = next(
        _weight_key(manifest, i)
        for i in range(n_weights)
        if arrays[_weight_key(manifest, i)].shape == (13, 8)
    )
    arrays[key] = arrays[key][:, :4]
    data = _npz_bytes(arrays)
    manifest["arrays_sha256"] = hashlib.sha256(data).hexdigest()
    path = _rewrite(saved, tmp_path / "shape.skvae", manifest=manifest, arrays=data)
    with pytest.raises(ValueError, match=r"shape\.skvae is damaged.*shape \(13, 4\).*\(13, 8\)"):
        load(path)


def test_load_refuses_weights_that_do_not_fit_the_architecture(saved, tmp_path):
    """Consistent arrays for a different network make a ValueError naming the file."""
    manifest, _ = _members(saved)
    manifest["state"]["items"]["hidden_layer_sizes"]["items"] = [4]
    path = _rewrite(saved, tmp_path / "arch.skvae", manifest=manifest)
    with pytest.raises(ValueError, match=r"arch\.skvae does not hold a valid VAETransformer"):
        load(path)


def test_load_refuses_invalid_parameters(saved, tmp_path):
    """Parameters are validated before any network is built from them."""
    manifest, _ = _members(saved)
    manifest["state"]["items"]["activation"] = "os.system"
    path = _rewrite(saved, tmp_path / "param.skvae", manifest=manifest)
    with pytest.raises(ValueError, match=r"param\.skvae does not hold.*'activation' param"):
        load(path)


def test_load_refuses_another_skvae_version(saved, tmp_path):
    """A file from another skvae version is refused, naming both versions."""
    manifest, _ = _members(saved)
    manifest["skvae_version"] = "0.0.1"
    path = _rewrite(saved, tmp_path / "old.skvae", manifest=manifest)
    running = re.escape(skvae.__version__)
    with pytest.raises(
        ValueError, match=rf"saved by skvae 0\.0\.1, but skvae {running} is running\. Refit"
    ):
        load(path)


@pytest.mark.parametrize(
    "class_name", ["os.system", "subprocess.Popen", "evil_persistence_probe.Payload"]
)
def test_load_refuses_classes_outside_the_whitelist(saved, tmp_path, monkeypatch, class_name):
    """A manifest naming another class is refused, and nothing named in it is imported."""
    marker = tmp_path / "imported.txt"
    (tmp_path / "evil_persistence_probe.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Payload:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    manifest, _ = _members(saved)
    manifest["estimator"] = class_name
    path = _rewrite(saved, tmp_path / "crafted.skvae", manifest=manifest)
    with pytest.raises(ValueError, match=rf"names estimator class '{re.escape(class_name)}'"):
        load(path)
    assert not marker.exists()
    assert "evil_persistence_probe" not in sys.modules


def test_load_refuses_pickled_object_arrays(saved, tmp_path):
    """An object array in arrays.npz is rejected without being unpickled."""
    marker = tmp_path / "unpickled.txt"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    payload = np.empty(1, dtype=object)
    payload[0] = Payload()
    manifest, _ = _members(saved)
    arrays = _arrays(saved)
    key = _weight_key(manifest, 0)
    arrays[key] = payload
    data = _npz_bytes(arrays)
    assert b"pathlib" in data  # the pickle really is in the file
    manifest["arrays_sha256"] = hashlib.sha256(data).hexdigest()
    path = _rewrite(saved, tmp_path / "pickled.skvae", manifest=manifest, arrays=data)
    with pytest.raises(ValueError, match=r"pickled\.skvae is damaged.*allow_pickle=False"):
        load(path)
    assert not marker.exists()
    pickle.loads(pickle.dumps(Payload()))  # the payload does work when unpickled
    assert marker.exists()


def test_load_refuses_malformed_state(saved, tmp_path):
    """An unknown type tag in the state is a ValueError naming the attribute."""
    manifest, _ = _members(saved)
    manifest["state"]["items"]["n_iter_"] = {"type": "callable", "name": "os.system"}
    path = _rewrite(saved, tmp_path / "tag.skvae", manifest=manifest)
    with pytest.raises(ValueError, match=r"tag\.skvae is damaged.*n_iter_.*'callable'"):
        load(path)


# -- what save refuses ------------------------------------------------------------------
def test_save_refuses_an_unfitted_estimator(tmp_path):
    """Saving an unfitted estimator raises NotFittedError and writes nothing."""
    with pytest.raises(NotFittedError, match="not fitted yet"):
        save(VAETransformer(), tmp_path / "unfitted.skvae")
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_directory_names_the_users_path(transformer, tmp_path):
    """save into a directory that does not exist raises FileNotFoundError naming the path
    given, not the temporary file written beside it."""
    path = tmp_path / "no_such_dir" / "m.skvae"
    with pytest.raises(FileNotFoundError) as raised:
        save(transformer, path)
    assert str(raised.value) == (
        f"[Errno 2] cannot write {path}: No such file or directory (in {path.parent})"
    )
    assert ".tmp" not in str(raised.value)


def test_save_refuses_a_random_state_instance(wine_frame, tmp_path):
    """random_state=RandomState(0) raises a TypeError that says what to do instead."""
    params = {**TINY, "random_state": np.random.RandomState(0)}
    estimator = VAETransformer(**params).fit(wine_frame)
    message = (
        "random_state holds a RandomState instance, which cannot be saved safely; "
        "refit with an int random_state"
    )
    with pytest.raises(TypeError, match=re.escape(message) + ".*or use pickle"):
        save(estimator, tmp_path / "rs.skvae")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_subclasses(transformer, tmp_path):
    """A subclass is refused at save time, since load would not know its name."""

    class MyVAE(VAETransformer):
        pass

    estimator = MyVAE()
    estimator.__dict__.update(transformer.__dict__)
    with pytest.raises(
        TypeError,
        match=r"save supports VAEImputer, VAEOutlierDetector, VAETransformer, VQVAETransformer",
    ):
        save(estimator, tmp_path / "sub.skvae")


@pytest.mark.parametrize("fail_at", ["write", "replace"])
def test_failed_save_leaves_no_partial_file(transformer, saved, tmp_path, monkeypatch, fail_at):
    """A save failing mid-write or at the rename keeps the old file and removes the temp."""
    target = tmp_path / "model.skvae"
    target.write_bytes(b"previous model")
    if fail_at == "write":
        original = zipfile.ZipFile.writestr

        def writestr(self, name, data, *args, **kwargs):
            if name == "arrays.npz":
                raise OSError("No space left on device")
            return original(self, name, data, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    else:

        def replace(src, dst):
            raise OSError("No space left on device")

        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        save(transformer, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skvae"]
    assert target.read_bytes() == b"previous model"
    monkeypatch.undo()
    save(transformer, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skvae"]
    assert _members(target)[0]["state"] == _members(saved)[0]["state"]
