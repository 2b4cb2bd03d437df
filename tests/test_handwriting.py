"""The user's own handwriting: kept in the workspace, exported and imported (IDX and
CSV) to the byte, bad imports refused with a sentence, and added to a training run."""
from __future__ import annotations

import gzip
import io
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from mnist_core.data import exchange, handwriting as hwm
from mnist_core.data.handdrawn import draw_digit
from mnist_core.data.exchange import export_csv, export_idx, export_zip, idx_bytes, read_upload
from mnist_core.data.handwriting import HandwritingStore, arrays
from mnist_core.data import mnist_files
from mnist_core.data.csv_digits import read_csv_file
from mnist_core.storage.handwriting import workspace_handwriting
from mnist_core.data.preprocess import prepare
from mnist_core.errors import EmptyImage, MnistError, sentence
from mnist_core.storage import ModelStore, workspace_store
from mnist_core.training import TrainConfig
from mnist_core.training.pipeline import add_handwriting, train_model

from conftest import ok, ws  # the AppTest helpers
from test_app import last_job, page

pytestmark = pytest.mark.usefixtures("app_state")  # conftest: no cache leaks between tests


def canvases(n: int, seed: int = 0) -> tuple[list[np.ndarray], list[int]]:
    """``n`` mouse-like drawings as the canvas gives them (RGBA 280x280) and their digits."""
    rng = np.random.default_rng(seed)
    labels = [int(d) for d in rng.integers(0, 10, n)]
    return [draw_digit(d, rng) for d in labels], labels


def random_set(n: int = 23, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    return images, rng.integers(0, 10, n).astype(np.uint8)


# -- keeping drawings --------------------------------------------------------------------
def test_a_drawing_is_kept_in_the_workspace_beside_its_models(tmp_path):
    hw = workspace_handwriting("room-12")
    assert hw.root == workspace_store("room-12").root.parent / "handwriting"
    pictures, labels = canvases(2)
    first = hw.save(pictures[0], labels[0])
    hw.save(pictures[1], labels[1])
    kept = hw.list()
    assert [d.id for d in kept] == sorted(d.id for d in kept) and kept[0].id == first.id  # oldest first
    assert [d.label for d in kept] == labels
    assert np.array_equal(kept[0].raw(), pictures[0])  # the raw canvas, as PNG
    assert len(kept[0].raw_png) < 20_000
    assert kept[0].image.dtype == np.uint8 and kept[0].image.shape == (28, 28)
    assert np.array_equal(kept[0].image, np.rint(prepare(pictures[0]) * 255).astype(np.uint8))
    assert np.array_equal(kept[0].seen_as((8, 8)), prepare(pictures[0], (8, 8)))  # from the raw canvas
    assert kept[0].created[:2] == "20"

    hw.relabel(first.id, (labels[0] + 1) % 10)
    assert hw.list()[0].label == (labels[0] + 1) % 10 and len(hw.list()) == 2
    hw.delete(first.id)
    assert [d.label for d in hw.list()] == labels[1:]
    with pytest.raises(MnistError, match="gone"):
        hw.relabel(first.id, 3)
    assert len(hw.list()) == 1  # relabelling a deleted drawing does not bring it back


def test_blank_drawings_and_bad_labels_are_refused(tmp_path):
    hw = HandwritingStore(tmp_path / "hw")
    with pytest.raises(EmptyImage):
        hw.save(np.zeros((280, 280, 4), np.uint8), 3)
    picture = canvases(1)[0][0]
    for label in (10, -1, "7", True):
        with pytest.raises(MnistError, match="not a digit"):
            hw.save(picture, label)
    assert hw.list() == []


def test_two_sessions_saving_at_once_lose_no_drawing(tmp_path):
    pictures, labels = canvases(4)
    start = threading.Barrier(8)

    def session(k: int) -> None:
        hw = workspace_handwriting("shared-ws")  # each session has its own store object
        start.wait()
        for i in range(5):
            hw.save(pictures[(k + i) % 4], labels[(k + i) % 4])

    threads = [threading.Thread(target=session, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(workspace_handwriting("shared-ws").list()) == 40


def test_a_workspace_keeps_a_bounded_number(tmp_path, monkeypatch):
    monkeypatch.setattr(hwm, "MAX_DRAWINGS", 5)
    hw = HandwritingStore(tmp_path / "hw")
    images, labels = random_set(4)
    hw.add(images, labels)
    with pytest.raises(MnistError, match="at most 5"):
        hw.add(images, labels)
    assert len(hw.list()) == 4
    hw.add(images[:5], labels[:5], replace=True)  # replacing frees the room
    assert len(hw.list()) == 4


# -- export and import -------------------------------------------------------------------------
def test_idx_round_trip_is_byte_identical(tmp_path):
    images, labels = random_set(23)
    hw = HandwritingStore(tmp_path / "a")
    hw.add(images, labels)
    kept_images, kept_labels = arrays(hw.list())
    assert np.array_equal(kept_images, images) and np.array_equal(kept_labels, labels)

    files = export_idx(kept_images, kept_labels)
    assert sorted(files) == sorted(f.gz for f in mnist_files.FILES)
    test_labels = gzip.decompress(files["t10k-labels-idx1-ubyte.gz"])[8:]
    assert list(test_labels) == list(labels[4::5])  # every 5th drawing is in the test pair
    assert gzip.decompress(files["train-images-idx3-ubyte.gz"])[:16] == bytes.fromhex("00000803") + \
        (23 - 4).to_bytes(4, "big") + (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    packed = export_zip(kept_images, kept_labels)
    with zipfile.ZipFile(io.BytesIO(packed)) as zf:
        assert {i.filename: zf.read(i) for i in zf.infolist()} == files

    for upload in ([("my-handwriting-idx.zip", packed)], list(files.items()),
                   [(name.removesuffix(".gz"), gzip.decompress(data)) for name, data in files.items()]):
        back_images, back_labels = read_upload(upload)
        assert back_images.dtype == np.uint8 and back_images.shape == (23, 28, 28)
        assert np.array_equal(back_images, images) and np.array_equal(back_labels, labels)

    other = HandwritingStore(tmp_path / "b")
    other.add(*read_upload([("x.zip", packed)]))
    assert export_zip(*arrays(other.list())) == packed  # to the byte


def test_csv_round_trip_is_byte_identical(tmp_path):
    images, labels = random_set(17, seed=2)
    text = export_csv(images, labels)
    lines = text.decode().splitlines()
    assert len(lines) == 17 and lines[0].split(",")[0] == str(labels[0]) and len(lines[0].split(",")) == 785
    assert lines[0].split(",")[1:] == [str(v) for v in images[0].ravel()]  # no header, label then pixels
    back_images, back_labels = read_upload([("my-handwriting.csv", text)])
    assert np.array_equal(back_images, images) and np.array_equal(back_labels, labels)
    hw = HandwritingStore(tmp_path / "hw")
    hw.add(back_images, back_labels)
    assert export_csv(*arrays(hw.list())) == text
    assert read_upload([("tutorial.csv", text.replace(b"\n", b"\r\n"))])[1].tolist() == labels.tolist()


def _idx_files(images, labels, **changes) -> list[tuple[str, bytes]]:
    files = export_idx(images, labels)
    files.update(changes)
    return [(name, data) for name, data in files.items() if data is not None]


IMAGES, LABELS = random_set(10, seed=3)
CSV = export_csv(IMAGES, LABELS)
ZIP = export_zip(IMAGES, LABELS)
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
BAD_LABELS = LABELS.copy()
BAD_LABELS[2] = 12
BAD = {
    "idx 27x28": (_idx_files(np.zeros((10, 27, 28), np.uint8), LABELS), "27x28 images: MNIST's are 28x28"),
    "idx label 12": (_idx_files(IMAGES, BAD_LABELS), "label 12 is not a digit"),
    "idx truncated gzip": (_idx_files(IMAGES, LABELS, **{TRAIN_IMAGES: export_idx(IMAGES, LABELS)[TRAIN_IMAGES][:-30]}),
                           "truncated"),
    "idx truncated data": (_idx_files(IMAGES, LABELS, **{TRAIN_IMAGES: gzip.compress(idx_bytes(IMAGES[:8])[:-5])}),
                           "truncated"),
    "idx bad magic": (_idx_files(IMAGES, LABELS, **{TRAIN_LABELS: gzip.compress(b"\x01\x02" + idx_bytes(LABELS[:8])[2:])}),
                      "not an IDX file"),
    "idx counts differ": (_idx_files(IMAGES, LABELS, **{TRAIN_LABELS: gzip.compress(idx_bytes(LABELS[:7]))}),
                          "do not belong together"),
    "idx labels missing": (_idx_files(IMAGES, LABELS, **{TRAIN_LABELS: None}), "came without its labels file"),
    "idx unknown name": ([("digits.gz", gzip.compress(b"x"))], "not one of MNIST's four file names"),
    "zip truncated": ([("my-handwriting-idx.zip", ZIP[: len(ZIP) // 2])], "damaged or truncated"),
    "csv 784 values": ([("a.csv", b"".join(line.rsplit(b",", 1)[0] + b"\n" for line in CSV.splitlines()))],
                       "784 values where a line has 785"),
    "csv label 12": ([("a.csv", CSV.replace(CSV.split(b",", 1)[0] + b",", b"12,", 1))], "label 12 is not a digit"),
    "csv truncated": ([("a.csv", CSV[: len(CSV) * 2 // 3])], "values where a line has 785"),
    "csv not a number": ([("a.csv", b"3,1.5" + CSV.split(b"\n")[0][CSV.index(b",", 2):] + b"\n")], "'1.5' is not a whole"),
    "csv pixel 256": ([("a.csv", b"3," + b",".join([b"256"] + [b"0"] * 783) + b"\n")], "pixel value 256 is outside 0-255"),
    "csv pixel -1": ([("a.csv", b"3," + b",".join([b"0"] * 783 + [b"-1"]) + b"\n")], "pixel value -1 is outside"),
    "csv empty": ([("a.csv", b"\n")], "holds no lines"),
    "csv 23 digits": ([("a.csv", b"3," + b",".join([b"0"] * 783 + [b"1" * 23]) + b"\n")],
                      "pixel value 11111111111111111111111 is outside 0-255"),
    "csv 1_0": ([("a.csv", b"3," + b",".join([b"1_0"] + [b"0"] * 783) + b"\n")], "'1_0' is not a whole number"),
    "csv binary": ([("a.csv", bytes(range(256)))], "not a CSV of numbers"),
    "nothing": ([], "Choose a file"),
}


def test_a_csv_with_a_header_line_imports_as_the_dataset_reader_reads_it(tmp_path):
    header = b"label," + b",".join(b"pixel%d" % i for i in range(784)) + b"\n"
    images, labels = read_upload([("kaggle.csv", header + CSV)])
    assert labels.tolist() == LABELS.tolist() and (images == IMAGES).all()
    path = tmp_path / "kaggle.csv"
    path.write_bytes(header + CSV)
    assert (read_csv_file(path)[0] == images).all()


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_import_gets_a_sentence_and_changes_nothing(case, tmp_path):
    files, words = BAD[case]
    hw = HandwritingStore(tmp_path / "hw")
    hw.add(*random_set(3))
    before = hw.stamp()
    with pytest.raises(MnistError) as caught:
        hw.add(*read_upload(files), replace=True)
    text = sentence(caught.value)
    assert words in text, text
    assert "\n" not in text and "Traceback" not in text and text.endswith(".")
    assert hw.stamp() == before


# -- training with the handwriting -------------------------------------------------------------
def test_a_model_trained_with_the_handwriting_sees_it(digits, tmp_path):
    hw = HandwritingStore(tmp_path / "hw")
    pictures, labels = canvases(6)
    for picture, label in zip(pictures, labels):
        hw.save(picture, label)
    images, kept = hwm.training_arrays(hw.list(), digits.image_shape, digits.pixel_max)  # 8x8, 0-16
    assert images.shape == (6, 8, 8) and images.max() <= 16 and kept.tolist() == labels
    bigger = add_handwriting(digits, images, kept, repeat=4)
    assert len(bigger.x_train) == len(digits.x_train) + 24 and len(bigger.x_test) == len(digits.x_test)
    assert np.array_equal(bigger.x_train[-6:], images) and np.array_equal(bigger.y_train[-12:-6], kept)
    result = train_model("classic", bigger, {"hidden": 16}, TrainConfig(epochs=1))
    assert result.meta["n_train"] == len(digits.x_train) + 24
    for bad in ((images, kept, 0), (images, kept, 51), (images[:, :7], kept, 1), (images, kept[:5], 1)):
        with pytest.raises(MnistError):
            add_handwriting(digits, *bad)


# -- the app ---------------------------------------------------------------------------------------
def _fill(workspace: str, n: int = 6) -> list[int]:
    hw = workspace_handwriting(workspace)
    pictures, labels = canvases(n, seed=5)
    for picture, label in zip(pictures, labels):
        hw.save(picture, label)
    return labels


def test_train_form_adds_the_handwriting_and_the_run_records_it(digits_only):
    at = ok(page("train", workspace=ws("hw-train")))
    labels = _fill(ws("hw-train"), 5)
    at.run()
    assert at.checkbox(key="train_hw_add").label == "Add my handwriting (5 drawings)"
    at.checkbox(key="train_hw_add").check()
    at.number_input(key="train_hw_repeat").set_value(3)
    at.number_input(key="train_classic_digits_epochs").set_value(1)
    at.number_input(key="hp_classic_hidden").set_value(16)
    next(b for b in at.button if b.label == "Start training").click()
    at.run()
    snap = last_job(at)
    assert snap.status == "done"
    meta = workspace_store(ws("hw-train")).list("digits")[0].meta
    assert meta["handwriting"] == {"images": len(labels), "repeat": 3}
    assert meta["n_train"] == 1437 + 3 * len(labels) and snap.total == meta["n_train"]  # 1 epoch: it saw them
    assert "5 x 3" in at.dataframe[-1].value["my handwriting"].tolist()


def test_train_form_without_drawings_says_so(digits_only):
    at = ok(page("train", workspace=ws("hw-none")))
    at.checkbox(key="train_hw_add").check()
    next(b for b in at.button if b.label == "Start training").click()
    at.run()
    assert any("no saved drawings yet" in e.value for e in at.error)
    from mnist_core.training import manager

    assert manager().jobs(ws("hw-none")) == []


def _model_for(digits) -> None:
    result = train_model("classic", digits, {"hidden": 16}, TrainConfig(epochs=2))
    ModelStore().save(result.model, {**result.meta, "published_by": "studio"})  # the studio's model: every session's default


def test_handwriting_page_grid_relabel_delete_accuracy(digits_only, digits):
    at = ok(page("handwriting", workspace=ws("hw-page")))
    assert any("No drawings yet" in i.value for i in at.info)
    _model_for(digits)
    labels = _fill(ws("hw-page"), 6)
    ok(at.run())
    hw = workspace_handwriting(ws("hw-page"))
    ids = [d.id for d in hw.list()]
    assert at.selectbox(key=f"hw_label_{ids[0]}").value == labels[0]
    at.selectbox(key=f"hw_label_{ids[0]}").set_value((labels[0] + 1) % 10)
    ok(at.run())
    assert hw.list()[0].label == (labels[0] + 1) % 10
    at.button(key=f"hw_delete_{ids[1]}").click()
    ok(at.run())
    assert [d.id for d in hw.list()] == [ids[0], *ids[2:]]
    assert f"hw_delete_{ids[1]}" not in [b.key for b in at.button]
    metric = next(m for m in at.metric if m.label == "Active model on your handwriting")
    assert metric.value.endswith("%")
    table = at.dataframe[-1].value
    assert len(table) == 1 and 0 <= table["on my handwriting"].iloc[0] <= 1
    assert {b.label for b in at.get("download_button")} == {"Download the IDX files (.zip)", "Download the CSV"}


def test_handwriting_page_imports_and_refuses_bad_files(digits_only):
    at = ok(page("handwriting", workspace=ws("hw-import")))
    hw = workspace_handwriting(ws("hw-import"))
    images, labels = random_set(7)
    at.file_uploader(key="hw_import_files").set_value(("mine.csv", export_csv(images, labels), "text/csv"))
    at.button(key="hw_import").click()
    ok(at.run())
    assert any("Imported 7 drawings" in s.value for s in at.success)
    assert np.array_equal(arrays(hw.list())[0], images)
    before = hw.stamp()
    bad = export_csv(images, labels).replace(b"\n", b",0\n", 1)
    at.file_uploader(key="hw_import_files").set_value(("bad.csv", bad, "text/csv"))
    at.button(key="hw_import").click()
    at.run()
    assert not at.exception and any("786 values" in e.value.replace("\\", "") for e in at.error)
    assert hw.stamp() == before


def test_draw_saves_as_my_digit(digits_only):
    at = ok(page("draw", workspace=ws("hw-draw")))
    at.radio(key="draw_source").set_value("Upload")
    at.run()
    picture = canvases(1, seed=9)[0][0]
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG")
    at.file_uploader(key="draw_upload").set_value(("seven.png", buf.getvalue(), "image/png"))
    ok(at.run())
    at.button(key="save_my_7").click()
    ok(at.run())
    kept = workspace_handwriting(ws("hw-draw")).list()
    assert [d.label for d in kept] == [7] and np.array_equal(kept[0].raw(), picture)
    assert any("Saved as your 7" in s.value for s in at.success)


def test_a_run_with_bad_handwriting_is_refused_before_it_is_queued(digits, tmp_path):
    from mnist_core.training import JobManager

    jobs, images = JobManager(), digits.x_test[:4]
    for bad, words in (((images, digits.y_test[:4], 0), "repeat factor"),
                       ((images.astype(np.uint16) * 100, digits.y_test[:4], 2), "images of 0-16")):
        with pytest.raises(MnistError, match=words):
            jobs.submit(ws("hw-bad"), "classic", digits, {}, TrainConfig(epochs=1), ModelStore(tmp_path), handwriting=bad)
    assert jobs.jobs(ws("hw-bad")) == []


def test_a_damaged_drawing_file_is_left_out(tmp_path):
    hw = HandwritingStore(tmp_path / "hw")
    hw.add(*random_set(2))
    (hw.root / "00000000000000ff-00000000.npz").write_bytes(b"not a drawing")
    (hw.root / "notes.npz").write_bytes(b"not ours")
    assert len(hw.list()) == 2


def test_handwriting_page_on_mnist(mnist_classic):
    ModelStore().save(mnist_classic.model, {**mnist_classic.meta, "published_by": "studio"})
    labels = _fill(ws("hw-mnist"), 5)
    at = ok(page("handwriting", workspace=ws("hw-mnist")))
    assert "MNIST" in "\n".join(c.value for c in at.caption)
    assert len([s for s in at.selectbox if s.key.startswith("hw_label_")]) == len(labels)
    assert any(m.label == "Active model on your handwriting" for m in at.metric)


def test_handwriting_page_pages_through_many_drawings(digits_only):
    hw = workspace_handwriting(ws("hw-many"))
    hw.add(*random_set(30))
    at = ok(page("handwriting", workspace=ws("hw-many")))
    cards = lambda: [s for s in at.selectbox if s.key.startswith("hw_label_")]  # noqa: E731
    assert len(cards()) == 24
    at.number_input(key="hw_page").set_value(2)
    ok(at.run())
    assert len(cards()) == 6  # the oldest six
    for card in cards():
        hw.delete(card.key.removeprefix("hw_label_"))
    ok(at.run())  # one page left: it shows the page there is
    assert len(cards()) == 24
