"""mnist_core.settings: the environment's settings and the limits, each said once."""
from __future__ import annotations

import numpy as np
import pytest

from mnist_core import settings
from mnist_core.data.datasets import load_digits
from mnist_core.errors import InvalidParameter, sentence
from mnist_core.training.pipeline import add_handwriting


@pytest.mark.parametrize("repeat", [1, 10, 50, np.int64(7)])
def test_a_repeat_in_range_is_kept(repeat):
    assert settings.check_repeat(repeat) == int(repeat) and type(settings.check_repeat(repeat)) is int


@pytest.mark.parametrize("repeat", [0, 51, -3, True, 2.0, "5", None])
def test_a_repeat_out_of_range_gets_the_one_sentence(repeat):
    with pytest.raises(InvalidParameter) as caught:
        settings.check_repeat(repeat)
    assert str(caught.value) == "The handwriting's repeat factor must be between 1 and 50."
    assert sentence(caught.value, "ja") == "手書きデータの繰り返し回数は 1〜50 にしてください。"


def test_the_pipeline_says_the_same_sentence():
    digits = load_digits()
    images, labels = digits.x_train[:3], digits.y_train[:3]
    with pytest.raises(InvalidParameter, match="must be between 1 and 50"):
        add_handwriting(digits, images, labels, settings.MAX_REPEAT + 1)
    assert len(add_handwriting(digits, images, labels, 2).x_train) == len(digits.x_train) + 6


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "c"))
    assert settings.cache_dir() == tmp_path / "c"
    monkeypatch.setenv("MNIST_CACHE_DIR", " ")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == tmp_path / "xdg" / "mnist-studio"


def test_mirrors_are_split_and_trimmed(monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", " http://a/ ,, http://b ")
    assert settings.mirrors_setting() == ["http://a/", "http://b"]
