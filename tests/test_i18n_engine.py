"""The engine's sentences in Japanese: errors keep their English template and values
apart (``str(err)`` is the English, ``sentence(err, "ja")`` the Japanese), sentences the
engine builds for the pages are marked and translated, every message found in
``mnist_core`` has a Japanese translation with the same placeholders, and no engine
error is raised with a message assembled in place (an f-string, a concatenation)."""
from __future__ import annotations

import ast
import gzip
import pickle
import re
import string
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_core.errors import ImageError, IdxError, InvalidParameter, MnistError, sentence
from mnist_core.i18n import Text, translate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import messages  # noqa: E402  (tools/messages.py)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


# -- errors --------------------------------------------------------------------------
def test_an_engine_error_is_english_by_default_and_japanese_when_asked(tmp_path):
    from mnist_core.data.preprocess import load_image

    with pytest.raises(ImageError) as caught:
        load_image(tmp_path / "seven.png")
    err = caught.value
    assert str(err) == "seven.png: no such file."  # the English, exactly as before
    assert (err.message, err.params) == ("{name}: no such file.", {"name": "seven.png"})
    assert sentence(err) == str(err) == sentence(err, "en")
    assert sentence(err, "ja") == "seven.png: ファイルがありません。"
    assert sentence(err, "ja-JP") == sentence(err, "ja")


def test_format_specs_stay_in_the_template_and_japanese_reorders_the_values():
    from mnist_core.data.idx import parse_idx

    header = bytes([0, 0, 0x08, 1]) + (5000).to_bytes(4, "big")
    with pytest.raises(IdxError) as caught:
        parse_idx(header + bytes(10), "labels.idx")
    err = caught.value
    assert str(err) == "labels.idx: truncated: header shape (5000,) needs 5,000 bytes of data, found 10."
    ja = sentence(err, "ja")
    assert "5,000 バイト" in ja and "10 バイトしかありません" in ja and JAPANESE.search(ja)
    with pytest.raises(IdxError) as caught:  # the other case is its own whole sentence
        parse_idx(header + bytes(5001), "labels.idx")
    assert "longer than its header says" in str(caught.value)
    assert "ヘッダーに書かれているより長い" in sentence(caught.value, "ja")


def test_a_label_inside_an_error_is_translated_with_it():
    from mnist_core.models import build_model

    with pytest.raises(InvalidParameter) as caught:
        build_model("mlp", lr=0)
    assert str(caught.value) == "Learning rate must be between 1e-06 and 10 (got 0)."
    assert sentence(caught.value, "ja") == "学習率は 1e-06 以上 10 以下にしてください（指定された値: 0）。"
    with pytest.raises(InvalidParameter) as caught:
        build_model("mlp", hidden=(64,) * 9)
    assert str(caught.value) == "The number of entries in hidden layers must be between 1 and 5 (got 9)."
    assert sentence(caught.value, "ja").startswith("隠れ層に指定する値の個数は 1 以上 5 以下")


def test_other_failures_are_sentences_in_either_language():
    full = OSError(28, "No space left on device", "/data/m.npz")
    assert sentence(full) == "The file system refused (/data/m.npz): No space left on device."
    assert sentence(full, "ja") == "ファイルシステムが操作を拒否しました（/data/m.npz）: No space left on device。"
    odd = KeyError("weights")
    assert sentence(odd) == "Something unexpected went wrong (KeyError: 'weights'). Saved models are untouched."
    assert sentence(odd, "ja").startswith("予期しないエラーが起きました（KeyError: 'weights'）。")


def test_a_sentence_kept_for_later_can_still_be_shown_in_japanese():
    """A run's failure is a sentence made on a worker and shown later: in English it is a
    Text (a str), which survives pickling and translates afterwards, also inside another."""
    err = MnistError("A model named {name!r} already exists: choose another name.", name="cnn-1")
    kept = pickle.loads(pickle.dumps(sentence(err)))
    assert isinstance(kept, str) and kept == "A model named 'cnn-1' already exists: choose another name."
    assert translate(kept, "ja") == "'cnn-1' という名前のモデルはすでにあります。別の名前を選んでください。"
    outer = Text("The model was trained but could not be saved: {reason}", reason=kept)
    assert outer == "The model was trained but could not be saved: " + kept
    assert translate(outer, "ja") == ("モデルの学習はできましたが、保存できませんでした: "
                                      "'cnn-1' という名前のモデルはすでにあります。別の名前を選んでください。")
    assert translate("The run was cancelled.", "ja") == "実行は取り消されました。"


# -- sentences the engine builds for the pages ----------------------------------------
def test_the_preprocessing_steps_are_marked_and_translate():
    from mnist_core.explain.steps import preprocessing_steps

    drawing = np.zeros((120, 120), np.uint8)
    drawing[20:100, 55:65] = 255
    for shape in ((28, 28), (8, 8)):
        for step in preprocessing_steps(drawing, shape):
            for text in (step.title, step.why):
                assert JAPANESE.search(translate(text, "ja")), text
    crop = preprocessing_steps(drawing, (28, 28))[1].title
    assert crop == "Cropped to the ink (80x10)" and translate(crop, "ja") == "インクの部分を切り抜き（80x10）"


def test_verdicts_methods_models_and_comparisons_translate():
    import pandas as pd

    from mnist_core.analysis.comparison import pair_sentence, training_text
    from mnist_core.explain import FEATURE_SPACE, SENTENCES
    from mnist_core.explain.imagine import METHOD
    from mnist_core.models import MODELS

    texts = [*SENTENCES.values(), *METHOD.values(), *FEATURE_SPACE.values()]
    texts += [t for cls in MODELS.values() for t in (cls.title, cls.description)]
    for text in texts:
        assert JAPANESE.search(translate(text, "ja")), text
    said = translate(SENTENCES["unsure"], "ja", digit=4, confidence=0.51, runner_up=9)
    assert said == "おそらく 4 です（51%）が、モデルは迷っています。9 の可能性もほとんど同じくらいあります。"
    matrix = pd.DataFrame([[0, 1], [0, 0]], index=["cnn-1", "mlp-1"], columns=["cnn-1", "mlp-1"])
    assert pair_sentence(matrix) == "cnn-1 gets 1 test image right that mlp-1 gets wrong; the reverse: 0."
    assert translate(pair_sentence(matrix), "ja") == \
        "mlp-1 が間違えたテスト画像のうち 1 枚を、cnn-1 は正しく分類しました。その逆は 0 枚です。"
    trained = training_text({"training": {"epochs": 3, "batch_size": 16, "augment": True}})
    assert trained == "3 epochs of batch 16, augmented"
    assert translate(trained, "ja") == "バッチサイズ 16 で 3 エポック、データ拡張あり"


# -- the catalogue ----------------------------------------------------------------------
def test_every_engine_message_has_a_japanese_translation_with_the_same_placeholders():
    found = messages.messages()
    engine = [m for m, where in found.items() if where.startswith("mnist_core")]
    assert len(engine) > 200
    problems = messages.problems("ja")
    assert not [p for p in problems if p.startswith("mnist_core")], problems
    assert not [p for p in problems if "has placeholders" in p], problems


# -- the source -----------------------------------------------------------------------
def _engine_errors(trees: dict[Path, ast.Module]) -> set[str]:
    """MnistError and every class in mnist_core derived from it (by name)."""
    names = {"MnistError"}
    while True:
        more = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                and any(getattr(b, "id", getattr(b, "attr", None)) in names for b in node.bases)} - names
        if not more:
            return names
        names |= more


def test_no_engine_error_is_made_from_an_assembled_message():
    """Every engine error created in mnist_core has a plain string literal as its
    message (no f-string, concatenation or .format), and its keyword arguments are
    exactly the template's placeholders (so ``str(err)`` can always be formatted)."""
    trees = {p: ast.parse(p.read_text(), str(p)) for p in sorted((ROOT / "mnist_core").rglob("*.py"))}
    engine = _engine_errors(trees)
    assert {"ImageError", "InvalidParameter", "HandwritingError", "EmptyImage"} <= engine
    wrong, seen = [], 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in engine or not node.args:
                continue
            seen += 1
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            message = node.args[0]
            if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
                wrong.append(f"{where}: {ast.unparse(message)[:80]}")
                continue
            given = {k.arg for k in node.keywords}
            if fields(message.value) != given:
                wrong.append(f"{where}: placeholders {sorted(fields(message.value))} but values {sorted(given)}")
    assert seen > 100
    assert not wrong, "\n".join(wrong)


def test_the_gzip_helper_still_reads_a_file_its_errors_name(tmp_path):
    """An IDX error from a file on disk names the file in both languages."""
    from mnist_core.data.idx import read_idx

    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01")[:-6])
    with pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value).startswith("t10k-labels-idx1-ubyte.gz: the gzip data is corrupted or truncated (")
    assert sentence(caught.value, "ja").startswith("t10k-labels-idx1-ubyte.gz: gzip データが壊れているか、途中で切れています（")
