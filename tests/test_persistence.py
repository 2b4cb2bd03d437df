import json

import numpy as np
import pytest

from mnist_core.errors import MnistError, ModelFileError
from mnist_core.models import build_model
from mnist_core.storage.modelfile import load_model, model_metadata, save_model
from mnist_core.storage.store import ModelStore


def small_model():
    return build_model("classic", seed=1, n_inputs=64, hidden=12)


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = small_model()
    path = save_model(model, tmp_path / "m.npz", {**model_metadata(model), "dataset": "digits", "test_accuracy": 0.5})
    loaded, meta = load_model(path)
    for name, arr in model.get_params().items():
        np.testing.assert_array_equal(arr, loaded.get_params()[name])
    assert meta["model"] == "classic" and meta["dataset"] == "digits" and meta["test_accuracy"] == 0.5
    assert meta["hyperparameters"]["hidden"] == 12 and "package_version" in meta and "created" in meta
    x = np.random.default_rng(0).random((5, 64), dtype=np.float32)
    np.testing.assert_array_equal(model.predict_proba(x), loaded.predict_proba(x))
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp file left behind


def _rewrite(path, out, change):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(out, **arrays)


def test_bad_files_give_clear_errors(tmp_path):
    good = save_model(small_model(), tmp_path / "good.npz")
    (tmp_path / "text.npz").write_text("not a model")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))

    def wrong_kind(arrays):
        meta = json.loads(arrays["__meta__.json"].tobytes())
        meta["model"] = "transformer"
        arrays["__meta__.json"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)

    _rewrite(good, tmp_path / "kind.npz", wrong_kind)
    _rewrite(good, tmp_path / "shape.npz", lambda a: a.update(w_ih=np.zeros((3, 3), np.float32)))
    _rewrite(good, tmp_path / "meta.npz", lambda a: a.update({"__meta__.json": np.frombuffer(b"{oops", np.uint8)}))
    expected = {"text": "not an .npz", "truncated": "not a readable", "foreign": "not one saved",
                "kind": "transformer", "shape": "do not fit", "meta": "corrupted"}
    for stem, words in expected.items():
        with pytest.raises(ModelFileError, match=words):
            load_model(tmp_path / f"{stem}.npz")
    with pytest.raises(ModelFileError, match="no such"):
        load_model(tmp_path / "missing.npz")


def test_pickled_arrays_are_never_loaded(tmp_path):
    good = save_model(small_model(), tmp_path / "good.npz")
    _rewrite(good, tmp_path / "evil.npz", lambda a: a.update(w_ih=np.array([object()], dtype=object)))
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "evil.npz")


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = save_model(small_model(), tmp_path / "m.npz")
    before = path.read_bytes()
    monkeypatch.setattr("os.replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        save_model(build_model("classic", n_inputs=64, hidden=5), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_store_save_list_rename_delete(tmp_path):
    store = ModelStore(tmp_path)
    model = small_model()
    rec = store.save(model, {**model_metadata(model), "dataset": "digits", "test_accuracy": 0.9})
    assert rec.name == "classic-digits-1"
    assert [r.name for r in store.list()] == [rec.name]
    assert store.list(dataset="mnist") == []
    before = (tmp_path / f"{rec.name}.npz").read_bytes()
    store.rename(rec.name, "my-first")
    assert (tmp_path / "my-first.npz").read_bytes() == before  # a rename moves the file, unchanged
    model, meta = store.load("my-first")
    assert "name" not in meta and meta["test_accuracy"] == 0.9
    with pytest.raises(MnistError, match="already exists"):
        store.save(small_model(), name="my-first")
    with pytest.raises(MnistError, match="already exists"):
        store.rename("my-first", "my-first")
    for bad in ("../escape", "abc\n", ""):
        with pytest.raises(MnistError, match="not a usable model name"):
            store.rename("my-first", bad)
    (tmp_path / "broken.npz").write_text("x")
    listed = {r.name: r for r in store.list()}
    assert listed["broken"].error and listed["my-first"].error is None
    store.delete("my-first")
    with pytest.raises(MnistError, match="no model named"):
        store.delete("my-first")


def test_concurrent_saves_never_overwrite(tmp_path):
    """Two writers saving auto-named models at once: every save is a file of its own."""
    import threading

    store, model = ModelStore(tmp_path), small_model()
    names: list[str] = []
    writers = [threading.Thread(target=lambda: names.extend(store.save(model).name for _ in range(20)))
               for _ in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert len(set(names)) == 40 and len(store.list()) == 40
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".npz"]  # no temporary file left


def nan_model_file(path, value=np.nan):
    """A classic model file whose first weight is ``value`` (written past the save's check)."""
    save_model(build_model("classic", n_inputs=64, hidden=8), path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["w_ih"] = arrays["w_ih"].copy()
    arrays["w_ih"][0, 0] = value
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_weights_that_are_not_finite_are_refused_loading_and_saving(tmp_path, value):
    path = nan_model_file(tmp_path / "bad.npz", value)
    with pytest.raises(ModelFileError, match=r"bad.npz: its weights are not all finite numbers \(w_ih holds NaN"):
        load_model(path)
    model = build_model("classic", n_inputs=64, hidden=8)
    model.w_ho[3, 2] = value
    with pytest.raises(ModelFileError, match="The model to save: its weights are not all finite"):
        save_model(model, tmp_path / "never.npz")
    assert not (tmp_path / "never.npz").exists()


def test_a_nan_model_in_the_gallery_breaks_nothing(tmp_path):
    """Listed (with its metadata), refused with a sentence when loaded; the others load."""
    store = ModelStore(tmp_path, shared=True)
    store.save(build_model("classic", n_inputs=64, hidden=8), name="good")
    nan_model_file(tmp_path / "bad.npz")
    assert {r.name for r in store.list()} == {"good", "bad"}
    store.load("good")
    with pytest.raises(ModelFileError, match="not all finite"):
        store.load("bad")
