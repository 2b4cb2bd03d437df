"""Datasets: real MNIST, where it is looked for, scikit-learn's digits, and CSV files."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mnist_core.data import datasets
from mnist_core.data.csv_digits import read_csv_file
from mnist_core.data.datasets import (
    candidate_dirs,
    default_cache_dir,
    load_csv,
    load_dataset,
    load_digits,
    load_mnist,
)
from mnist_core.data.mnist_files import pair
from mnist_core.errors import DatasetNotFound, IdxError, MnistError
from mnist_core.data.idx import write_idx

DATA_DIR = os.environ.get("MNIST_DATA_DIR")  # read before the autouse fixture clears it
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No test sees the developer's real data dir or cache."""
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.delenv("MNIST_MIRRORS", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "empty-cache"))


@pytest.fixture(scope="module")
def real_mnist():
    if not DATA_DIR or datasets.mnist_files_in(DATA_DIR) is None:
        pytest.skip("MNIST_DATA_DIR is not set to a folder holding the four MNIST files")
    return load_mnist(DATA_DIR)


def _fake_mnist(folder: Path, n_train: int, n_test: int = 2, gz: bool = True) -> Path:
    """Four tiny valid MNIST files; the sizes tell the folders apart."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = (f.stem for f in pair(split))
        write_idx(folder / (images + suffix), np.full((n, 28, 28), 7, dtype=np.uint8))
        write_idx(folder / (labels + suffix), np.arange(n, dtype=np.uint8) % 10)
    return folder


def test_real_mnist_shapes_and_counts(real_mnist):
    ds = real_mnist
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.y_train.shape == (60000,) and ds.y_test.shape == (10000,)
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert arr.dtype == np.uint8
    counts = ds.label_counts()
    assert counts["train"].tolist() == TRAIN_COUNTS
    assert counts["test"].tolist() == TEST_COUNTS
    assert ds.pixel_max == 255 and ds.x_train.max() == 255 and ds.image_shape == (28, 28)
    assert ds.n_inputs == 784


def test_real_mnist_floats(real_mnist):
    x = real_mnist.floats(real_mnist.x_test[:100])
    assert x.shape == (100, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == pytest.approx(1.0)


def test_real_mnist_via_env(real_mnist, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", real_mnist.source)
    assert datasets.locate_mnist() == Path(real_mnist.source)


def test_lookup_order(tmp_path, monkeypatch):
    arg = _fake_mnist(tmp_path / "arg", 3)
    env = _fake_mnist(tmp_path / "env", 4, gz=False)
    cache = _fake_mnist(tmp_path / "cache", 5)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(cache))
    assert len(load_mnist().y_train) == 5
    monkeypatch.setenv("MNIST_DATA_DIR", str(env))
    assert len(load_mnist().y_train) == 4  # env beats the cache
    ds = load_mnist(arg)
    assert len(ds.y_train) == 3 and ds.source == str(arg)  # the argument beats env
    assert [why for why, _ in candidate_dirs(arg)] == ["--data-dir", "cache"]


def test_incomplete_folder_falls_through_to_cache(tmp_path, monkeypatch):
    cache = _fake_mnist(tmp_path / "cache", 5)
    partial = _fake_mnist(tmp_path / "partial", 3)
    (partial / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("MNIST_CACHE_DIR", str(cache))
    assert load_mnist(partial).source == str(cache)


def test_not_found_message(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "env-dir"))
    with pytest.raises(DatasetNotFound) as info:
        load_mnist()
    msg = str(info.value)
    assert "MNIST_DATA_DIR" in msg and str(tmp_path / "env-dir") in msg
    assert str(tmp_path / "empty-cache") in msg and "download" in msg
    with pytest.raises(DatasetNotFound, match="--data-dir"):
        load_mnist(tmp_path / "nothing-here")


def test_cache_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "mnist-studio"


def test_corrupted_file_in_folder_is_an_idx_error(tmp_path):
    folder = _fake_mnist(tmp_path / "d", 3)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b broken")
    with pytest.raises(IdxError, match="train-images-idx3-ubyte.gz"):
        load_mnist(folder)


def test_wrong_image_size_is_refused(tmp_path):
    folder = _fake_mnist(tmp_path / "d", 3)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 8, 8), dtype=np.uint8))
    with pytest.raises(IdxError, match="not 28x28"):
        load_mnist(folder)


def test_load_digits():
    ds = load_digits()
    assert len(ds.y_train) == 1437 and len(ds.y_test) == 360
    assert ds.x_train.shape == (1437, 8, 8) and ds.x_train.dtype == np.uint8
    assert ds.pixel_max == 16 and ds.x_train.max() == 16
    assert ds.floats(ds.x_test).max() == pytest.approx(1.0)
    again = load_digits()
    np.testing.assert_array_equal(ds.y_test, again.y_test)  # random_state=42, reproducible


def test_load_dataset_by_name():
    assert load_dataset("digits").name == "digits"
    with pytest.raises(MnistError, match="Unknown dataset 'fashion'"):
        load_dataset("fashion")
    with pytest.raises(DatasetNotFound):
        load_dataset("mnist")


def _csv_rows(labels, pixel=0) -> str:
    return "".join(f"{lab}," + ",".join([str(pixel)] * 784) + "\n" for lab in labels)


def test_csv_loading(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    rows = [f"{d}," + ",".join(str((d * 31 + i) % 256) for i in range(784)) for d in (3, 1, 4)]
    train.write_text("\n".join(rows) + "\n")
    test.write_text(_csv_rows([9], pixel=255))
    ds = load_csv(train, test)
    assert ds.x_train.shape == (3, 28, 28) and ds.x_train.dtype == np.uint8
    assert ds.y_train.tolist() == [3, 1, 4] and ds.y_test.tolist() == [9]
    assert ds.x_train[0, 0, :3].tolist() == [93, 94, 95] and ds.x_train[1, 27, 27] == (31 + 783) % 256
    assert ds.x_test.max() == 255 and ds.pixel_max == 255


@pytest.mark.parametrize("content, match", [
    (",".join(["1"] + ["0"] * 783) + "\n", "line 1: 784 values where a line has 785"),
    (_csv_rows([3, 12]), "line 2: label 12 is not a digit 0-9"),
    (_csv_rows([-1]), "label -1 is not a digit 0-9"),
    (_csv_rows([5], pixel=300), "pixel value 300 is outside 0-255"),
    (_csv_rows([5], pixel=-2), "pixel value -2 is outside 0-255"),
    ("5," + ",".join(["0"] * 783) + ",x\n", "'x' is not a whole number"),
    # issue 21: a 23-digit value is a value out of range (not an OverflowError) ...
    ("5," + ",".join(["0"] * 783) + "," + "9" * 23 + "\n", "pixel value 99999999999999999999... is outside 0-255"),
    ("1" * 23 + "," + ",".join(["0"] * 784) + "\n", "label 11111111111111111111111 is not a digit"),
    ("5," + ",".join(["0"] * 783) + "," + "7" * 5000 + "\n", "pixel value 77777777777777777777... is outside"),
    # ... and Python's digit separator is not a plain decimal number
    ("1_0," + ",".join(["0"] * 784) + "\n", "'1_0' is not a whole number"),
    ("5," + ",".join(["0"] * 783) + ",1_0\n", "'1_0' is not a whole number"),
    ("5," + ",".join(["0"] * 783) + ",1.0\n", "'1.0' is not a whole number"),
    ("\n\n", "holds no lines"),
])
def test_csv_errors(tmp_path, content, match):
    path = tmp_path / "digits.csv"
    path.write_text(content)
    with pytest.raises(MnistError, match=match) as info:
        read_csv_file(path)
    assert "digits.csv" in str(info.value)


def test_csv_missing_file(tmp_path):
    with pytest.raises(MnistError, match="absent.csv"):
        read_csv_file(tmp_path / "absent.csv")


def test_csv_with_a_header_row_loads(tmp_path):
    path = tmp_path / "with-header.csv"
    path.write_text("label," + ",".join(f"p{i}" for i in range(784)) + "\n" + _csv_rows([1, 2], pixel=7))
    images, labels = read_csv_file(path)
    assert labels.tolist() == [1, 2] and images.shape == (2, 28, 28) and images.max() == 7


def test_a_dataset_written_as_files_opens_memory_mapped_read_only_once_per_process(tmp_path):
    from mnist_core.data.mapped import as_dataset, open_files, write_files

    digits = load_digits()
    files = write_files(digits, tmp_path / "d")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["x_test.npy", "x_train.npy", "y_test.npy",
                                                                 "y_train.npy"]  # no part left
    opened = as_dataset(files)
    assert opened is open_files(files) and as_dataset(digits) is digits
    for name in ("x_train", "y_train", "x_test", "y_test"):
        array = getattr(opened, name)
        assert type(array) is np.ndarray and isinstance(array.base, np.memmap) and not array.flags.writeable
        assert np.array_equal(getattr(opened, name), getattr(digits, name))
    assert (opened.name, opened.pixel_max, opened.source) == (digits.name, digits.pixel_max, digits.source)
    with pytest.raises(ValueError):
        opened.x_train[0, 0, 0] = 1  # shared by every run: nobody changes it
