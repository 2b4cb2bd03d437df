"""The map of all the digits (mnist_core.explain.digitmap) and ``map --json``: built in
the model's own feature space, test images and drawings placed on it without refitting,
kept in the cache."""
import json

import numpy as np
import pytest
from PIL import Image

from mnist_core.cli import main
from mnist_core.explain.digitmap import cached_map, digit_map, keep_map
from mnist_core.explain.gradients import features
from mnist_core.storage import save_model
from mnist_core.storage.modelfile import model_metadata
from mnist_core.training import TrainConfig
from mnist_core.training.pipeline import train_model


@pytest.fixture(scope="module")
def digits_model(digits):
    return train_model("classic", digits, {"hidden": 64}, TrainConfig(epochs=20, batch_size=8)).model


@pytest.fixture(scope="module")
def built(digits_model, digits, tmp_path_factory):
    cache = tmp_path_factory.mktemp("maps")
    heard = []
    the_map, cached = digit_map(digits_model, digits, cache_dir=cache, progress=lambda s, stage: heard.append(s))
    return the_map, cached, cache, heard


def test_map_of_every_training_image_with_test_images_placed(built, digits, digits_model):
    the_map, cached, _, heard = built
    assert not cached and heard and heard[-1] == 1.0 and heard == sorted(heard)
    n, m = len(digits.x_train), len(digits.x_test)  # fewer than 5,000: all of them
    assert the_map.train_xy.shape == (n, 2) and the_map.test_xy.shape == (m, 2)
    assert np.array_equal(np.sort(the_map.train_index), np.arange(n))
    assert np.array_equal(the_map.train_labels, digits.y_train[the_map.train_index])
    assert np.array_equal(the_map.test_pred, digits_model.predict(digits.floats(digits.x_test)))
    # the digits form their own regions: most test images land among their own digit
    assert the_map.lands_among_own(the_map.test_xy, the_map.test_labels) > 0.85
    # ... and far more than on a map whose labels were shuffled
    shuffled = np.random.default_rng(0).permutation(the_map.test_labels)
    assert the_map.lands_among_own(the_map.test_xy, shuffled) < 0.3


def test_a_training_image_placed_again_lands_beside_its_own_point(built, digits, digits_model):
    the_map = built[0]
    rows = np.arange(0, len(the_map.train_index), 97)
    images = digits.floats(digits.x_train[the_map.train_index[rows]])
    placed = the_map.place_images(digits_model, images)
    spread = np.ptp(the_map.train_xy, axis=0).max()
    assert np.median(np.linalg.norm(placed - the_map.train_xy[rows], axis=1)) < 0.05 * spread


def test_place_is_the_median_of_the_nearest_in_feature_space(built, digits, digits_model):
    the_map = built[0]
    f = features(digits_model, digits.floats(digits.x_test[:3]))
    d = ((f[:, None, :] - the_map.train_features[None]) ** 2).sum(-1)  # brute force
    expected = np.median(the_map.train_xy[np.argsort(d, axis=1)[:, :10]], axis=1)
    np.testing.assert_allclose(the_map.place(f), expected, atol=1e-4)


def test_the_map_is_kept_and_read_back(built, digits, digits_model):
    the_map, _, cache, _ = built
    again, cached = digit_map(digits_model, digits, cache_dir=cache, progress=lambda s, stage: pytest.fail("rebuilt"))
    assert cached
    for name, array in the_map.arrays().items():
        assert np.array_equal(array, getattr(again, name)), name
    other = train_model("classic", digits, {"hidden": 16}, TrainConfig(epochs=1, batch_size=8)).model
    assert cached_map(other, digits, cache_dir=cache) is None  # another model: another map
    for path in cache.rglob("*.npz"):  # a damaged file is not a map: it is rebuilt, not trusted
        path.write_bytes(b"not a map")
    assert cached_map(digits_model, digits, cache_dir=cache) is None


def test_a_cache_that_cannot_be_written_is_ignored(built, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    keep_map(built[0], blocked / "maps" / "map.npz")  # no error: the page still has its map
    assert blocked.read_text() == "not a folder" and not list(tmp_path.glob(".*.part"))
    keep_map(built[0], tmp_path / "maps" / "map.npz")  # a folder made as needed, no temporary file left
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a-file", "map.npz"]


def test_cli_map_json_contract(tmp_path, monkeypatch, capsys, digits_model, digits):
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cache"))
    model_file = tmp_path / "m.npz"
    save_model(digits_model, model_file, model_metadata(digits_model, digits))
    image = tmp_path / "seven.png"
    ink = (digits.x_test[digits.y_test == 7][0] / digits.pixel_max * 255).astype(np.uint8)
    Image.fromarray(255 - np.kron(ink, np.ones((20, 20), np.uint8))).save(image)  # dark ink on white
    assert main(["map", "--model", str(model_file), "--image", str(image), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "t-SNE" in out["method"]
    train = [p for p in out["points"] if p["split"] == "train"]
    test = [p for p in out["points"] if p["split"] == "test"]
    assert len(train) == len(digits.x_train) and len(test) == len(digits.x_test)
    assert set(train[0]) >= {"index", "split", "label", "x", "y"}
    xy = np.array([[p["x"], p["y"]] for p in train])
    labels = np.array([p["label"] for p in train])
    near = labels[np.argsort(((xy - [out["image"]["x"], out["image"]["y"]]) ** 2).sum(1))[:10]]
    assert np.bincount(near, minlength=10).argmax() == 7  # the drawn 7 lands among the 7s
    assert main(["map", "--model", str(tmp_path / "missing.npz"), "--json"]) == 1


def test_a_map_is_built_on_a_worker_and_kept(digits_model, digits, tmp_path, monkeypatch):
    import time

    from mnist_core.training import cluster, maps
    from mnist_core.training.maps import MapBuilds

    monkeypatch.setenv("MNIST_STUDIO_WORKERS", "1")
    # a build in this process would fail: only a worker process (with its own modules) may fit it
    monkeypatch.setattr(maps, "build_map", lambda *a, **k: pytest.fail("built in the web process"))
    builds = MapBuilds()
    try:
        seen, deadline = [], time.time() + 240
        state = builds.state(digits_model, digits, cache_dir=tmp_path)
        while state.map is None and state.error is None and time.time() < deadline:
            seen.append(state.share)
            time.sleep(0.2)
            state = builds.state(digits_model, digits, cache_dir=tmp_path)
        assert state.error is None and state.map is not None and not state.from_cache
        assert seen and all(0.0 <= s <= 1.0 for s in seen)
        again = builds.state(digits_model, digits, cache_dir=tmp_path)
        assert again.from_cache and np.array_equal(again.map.train_xy, state.map.train_xy)
    finally:
        cluster.shutdown()
