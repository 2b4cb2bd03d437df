"""Every translated page, opened in Japanese (?lang=ja) with AppTest, shows no English
sentence: every text the page puts on screen is collected, and any run of three or more
English words that is not a name (a model's, a dataset's, a library's) fails the test."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP  # the AppTest helpers

ROOT = Path(__file__).resolve().parent.parent
#: The pages whose every text is translated (a page joins once it is).
TRANSLATED: list[str] = ["Home", "Dataset", "Train", "Draw", "Handwriting", "Inside", "Mistakes", "Compare", "Class"]
#: Words allowed in Japanese text: names of things, units and the like.
NAMES = {"mnist", "cnn", "mlp", "relu", "softmax", "adam", "sgd", "idx", "csv", "numpy", "png", "jpeg", "gif",
         "webp", "bmp", "lbfgs", "liblinear", "classic", "logreg", "digits", "studio", "by", "the", "class",
         "momentum", "cosine", "constant", "step", "auto", "valid", "same", "ms", "px", "lecun", "rashid",
         "scikit", "learn", "uci", "hog", "pca", "dask", "gz", "ubyte", "idx3", "idx1", "t10k", "train",
         "images", "labels", "test", "none"}
ENGLISH = re.compile(r"[A-Za-z][A-Za-z']+(?:[ ,:;.()\-]+[A-Za-z][A-Za-z']+){2,}")


pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks


def on_screen(at: AppTest) -> list[str]:
    """Every text of the page and its sidebar: elements' values, labels, captions, help, options."""
    out, stack = [], [at.main, at.sidebar]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None:
            for field in ("body", "label", "caption", "help", "placeholder", "text"):
                value = getattr(proto, field, None)
                if isinstance(value, str) and value:
                    out.append(value)
            for option in getattr(proto, "options", []) or []:
                if isinstance(option, str):
                    out.append(option)
            for img in getattr(proto, "imgs", []) or []:
                out.append(img.caption)
        stack += list(getattr(node, "children", {}).values())
    return out


def english_left(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        plain = re.sub(r"\S*/\S*|`[^`]*`", "", text)  # a path, a URL or code is a name, whatever words it holds
        plain = re.sub(r"[\\`*_#>\[\]]", "", plain)
        for run in ENGLISH.findall(plain):
            words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z']+", run)]
            if any(w not in NAMES for w in words):
                found.append(run)
    return found


@pytest.mark.parametrize("name", TRANSLATED)
def test_page_in_japanese_has_no_english_sentence(name):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "ja"
    at.query_params["workspace"] = "ws-1"  # a random name's letters could read as English words
    at.run()
    at.switch_page(f"pages/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    left = english_left(on_screen(at))
    assert not left, left


def test_the_detector_finds_english_and_lets_names_pass():
    assert english_left(["Draw a digit on the black square"]) == ["digit on the black square"]
    assert english_left(["モデル classic-mnist-1 (by the class) の正解率"]) == []
    assert english_left(["数字を描いてください。"]) == []


def test_the_sidebar_switches_the_language_and_the_url_follows():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert "### Active" in [m.value for m in at.sidebar.markdown]
    at.sidebar.selectbox(key="language_choice").set_value("ja").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "### 使用中" in [m.value for m in at.sidebar.markdown]
    assert at.query_params["lang"] in ("ja", ["ja"])
    at.query_params["lang"] = "en"  # a link in English wins over the earlier choice
    at.run()
    assert "### Active" in [m.value for m in at.sidebar.markdown]


def test_a_name_a_user_gave_is_never_translated():
    """A model named "Train" (a word the catalogue translates as 学習) keeps its name on a
    Japanese page: the sidebar, Draw's caption and the saved-models table."""
    from mnist_core.data.datasets import load_digits
    from mnist_core.storage import workspace_store
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", load_digits(), {"hidden": 8}, TrainConfig(epochs=1))
    workspace_store("ws-1").save(result.model, result.meta, name="Train")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "ja"
    at.query_params["workspace"] = "ws-1"
    at.session_state["active_models"] = {"digits": "mine/Train"}  # chosen (a new session's default is the studio's)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    model = " ".join(x.value for x in at.sidebar.text)
    assert model.startswith("Train (") and "学習" not in model, model
    at.switch_page("pages/Draw.py")
    at.run()
    assert any("Train" in c.value and "学習" not in c.value for c in at.caption if "classic" in c.value)


def test_a_count_picks_its_plural_form():
    """One plural message (ngettext) instead of two sentences: English has two forms,
    Japanese one, the count written into it."""
    from mnist_core.i18n import translate_plural

    one, many = "Imported {count} drawing.", "Imported {count} drawings."
    assert translate_plural(one, many, 1, "en", count=1) == "Imported 1 drawing."
    assert translate_plural(one, many, 3, "en", count=3) == "Imported 3 drawings."
    ja = translate_plural(one, many, 3, "ja", count=3)
    assert ja != "Imported 3 drawings." and ja == translate_plural(one, many, 1, "ja", count=1).replace("1", "3")


def test_the_class_page_opened_by_the_teacher_in_japanese(monkeypatch):
    """The Class page past its teacher key, with a pupil's published model and drawings."""
    import numpy as np

    from mnist_core.data.datasets import load_digits
    from mnist_core.data.handwriting import HandwritingStore
    from mnist_core.storage import gallery, workspace_store
    from mnist_core.storage.publishing import publish
    from mnist_core.storage.workspaces import create_workspace
    from mnist_core.training import TrainConfig, train_model

    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", "a long phrase only the teacher knows")
    result = train_model("classic", load_digits(), {"hidden": 8}, TrainConfig(epochs=1))
    gallery().save(result.model, {**result.meta, "published_by": "studio"})
    pupil = create_workspace("ws-2")
    publish(workspace_store(pupil.key).save(result.model, result.meta), pupil)
    picture = np.zeros((28, 28, 4), np.uint8)
    picture[4:24, 12:15] = 255
    HandwritingStore(pupil.handwriting_root).save(picture, 1, shared=True)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "ja"
    at.run()
    at.switch_page("pages/Class.py")
    at.run()
    at.text_input(key="teacher_key").input("a long phrase only the teacher knows")
    at.main.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.subheader) == 5
    left = english_left(on_screen(at))
    assert not left, left
