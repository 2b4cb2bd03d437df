"""The Inside page (AppTest) for every model kind, its "Why?" entries from Draw and
Mistakes, and a published model keeping its training snapshots."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, calibrated, inside, ok
from mnist_core.data.handdrawn import draw_digit
from mnist_core.data.preprocess import ink_map, prepare
from mnist_core.storage import gallery, publish, workspace_store
from mnist_core.storage.modelfile import load_snapshots
from mnist_core.training import TrainConfig
from mnist_core.training.pipeline import train_model

pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks


@pytest.fixture(scope="module")
def trained(digits):
    return {kind: train_model(kind, digits, {}, TrainConfig(epochs=e, batch_size=32))
            for kind, e in (("classic", 20), ("mlp", 10), ("cnn", 4), ("logreg", 1))}


@pytest.mark.parametrize("kind", ["classic", "mlp", "cnn", "logreg"])
def test_inside_renders_for_every_kind(trained, kind):
    result = trained[kind]
    rec = gallery().save(result.model, result.meta, name=f"{kind}-inside", snapshots=result.snapshots)
    at = ok(inside(rec.key))
    assert at.title[0].value == "Inside the network"
    assert [t.label for t in at.tabs] == ["The network", "Hidden units", "What it imagines", "Which pixels decided",
                                         "Nearest training images", "Training in motion", "Map of the digits"]
    assert at.metric[0].value in {*(str(d) for d in range(10)), *(f"{d}?" for d in range(10)), "?"}
    captions = "\n".join(c.value for c in at.caption)
    assert "Saliency" in captions and "Occlusion" in captions and "Nearest in pixels" in captions
    if kind in ("classic", "mlp", "cnn"):
        assert at.select_slider, "the training snapshots play back with a slider"
        at.select_slider[0].set_value(0).run()
        ok(at)
    if kind == "logreg":
        assert any("no hidden units" in i.value for i in at.info)
    at.number_input[0].set_value(17).run()  # another test image
    ok(at)
    assert "labelled" in image_captions(at)


def image_captions(at: AppTest) -> str:
    """Every st.image caption of the page (AppTest lists images as Image elements)."""
    found, stack = [], [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "image":
            found += [img.caption for img in node.proto.imgs]
        stack += list(getattr(node, "children", {}).values())
    return " ".join(found)


def test_inside_answers_while_the_verdict_calibrates(trained, monkeypatch):
    """The page never waits for the verdict's calibration: the answer, the pictures and a
    line saying so meanwhile; the nearest images (searched in its indexes) say when they come."""
    import studio_ui.cache

    result = trained["classic"]
    rec = gallery().save(result.model, result.meta, name="classic-calibrating")
    monkeypatch.setattr(studio_ui.cache, "judge_ready", lambda record: None)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_models"] = {"digits": rec.key}
    at.run()
    at.switch_page("pages/Inside.py").run()
    ok(at)
    captions = "\n".join(c.value for c in at.caption)
    assert "Still calibrating the verdict" in captions and "once the verdict has calibrated" in captions
    assert "Saliency" in captions and "Nearest in pixels" not in captions
    assert at.metric[0].value in {str(d) for d in range(10)}  # the answer, without its verdict
    monkeypatch.undo()  # calibrating for real, in the background: then the verdict and the neighbours
    captions = "\n".join(c.value for c in ok(calibrated(at.run())).caption)
    assert "Still calibrating the verdict" not in captions and "Nearest in pixels" in captions


def test_a_drawing_is_explained_and_why_from_mistakes_opens_its_test_image(trained):
    result = trained["classic"]
    rec = gallery().save(result.model, result.meta, name="classic-why")
    canvas = draw_digit(3, np.random.default_rng(4))
    drawing = {"seen": prepare(canvas, (8, 8)), "ink": ink_map(canvas)}
    at = ok(inside(rec.key, last_drawing=drawing, inside_source="Your drawing"))
    assert at.radio[0].value == "Your drawing"
    assert "What the network sees" in image_captions(at) and "labelled" not in image_captions(at)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_models"] = {"digits": rec.key}  # before the first run: no default model is trained meanwhile
    at.run()
    at.switch_page("pages/Mistakes.py").run()
    ok(at)
    pick = int(at.dataframe[0].value["index"].iloc[0]) if at.dataframe else None
    at.button(key="mistake_why").click().run()
    ok(at)
    assert at.title[0].value == "Inside the network"
    assert at.radio[0].value == "A test image" and at.number_input[0].value == pick


def test_publishing_keeps_the_training_snapshots(trained, tmp_path):
    result = trained["mlp"]
    rec = workspace_store("room-1").save(result.model, result.meta, name="mine", snapshots=result.snapshots)
    shared = publish(rec, "room-1")
    before, after = load_snapshots(rec.path), load_snapshots(shared.path)
    assert before is not None and after is not None
    np.testing.assert_array_equal(before.frames, after.frames)


def test_a_row_chosen_in_a_longer_list_does_not_break_mistakes(trained, digits):
    from mnist_core.analysis import evaluate

    result = trained["classic"]
    rec = gallery().save(result.model, result.meta, name="classic-rows")
    confusion = evaluate(result.model, digits).confusion()
    true, pred = next((t, p) for t in range(10) for p in range(10) if t != p and 1 <= confusion[t][p] <= 3)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_models"] = {"digits": rec.key}  # before the first run: no default model is trained meanwhile
    at.run()
    at.switch_page("pages/Mistakes.py").run()
    at.session_state["confusion_pick"] = {"selection": {"cell": [{"true": true, "predicted": pred}]}}
    ok(at.run())
    at.session_state["mistake_rows"] = {"selection": {"rows": [5], "columns": []}}  # a row of a longer list
    ok(at.run())
