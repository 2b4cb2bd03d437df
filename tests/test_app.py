"""Every page through streamlit.testing.v1.AppTest, on the embedded digits and on MNIST."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, ok  # the AppTest helpers

from mnist_core.data.datasets import locate_mnist
from mnist_core.storage import ModelStore, gallery, workspace_store
from mnist_core.storage.publishing import file_prefix
from mnist_core.storage.firstwrite import ensure
from mnist_core.storage.workspaces import lookup
from mnist_core.training import manager

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["home", "dataset", "train", "draw", "handwriting", "inside", "mistakes", "compare"]
HAS_MNIST = bool(os.environ.get("MNIST_DATA_DIR")) and locate_mnist() is not None


pytestmark = pytest.mark.usefixtures("app_state")  # conftest: no cache leaks between tests



def page(name: str, workspace: str | None = None) -> AppTest:
    # a first render on MNIST waits for one-time work (the verdict's calibration, the workers' start) that the
    # cache-clearing fixture makes every test do again, beside the previous test's still running: minutes on 2 cores
    at = AppTest.from_file(APP, default_timeout=240)
    if workspace:
        at.query_params["workspace"] = workspace  # a bookmark, or a reload
    at.run()  # st.navigation registers the pages
    at.switch_page(f"pages/{name.capitalize()}.py")
    return at.run()


def mine(at: AppTest) -> ModelStore:
    """The store of the session's workspace."""
    return workspace_store(at.session_state["workspace"])


def last_job(at: AppTest, timeout: float = 60):
    """The workspace's newest job, once it has finished (and the page has rerun)."""
    job = manager().jobs(at.session_state["workspace"])[0]
    deadline = time.time() + timeout
    while not manager().snapshot(job).finished and time.time() < deadline:
        time.sleep(0.1)
    at.run()
    return manager().snapshot(job)


def texts(at: AppTest, kind: str = "caption") -> str:
    return "\n".join(str(e.value) for e in [*getattr(at, kind), *getattr(at.sidebar, kind)])


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_on_digits(digits_only, name):
    at = ok(page(name))
    assert "Digits" in texts(at, "markdown")  # the sidebar names the active dataset
    if name in ("draw", "mistakes"):  # the studio trained its default model on a worker, into the gallery
        shared = ModelStore().list("digits")
        assert len(shared) == 1 and shared[0].meta["published_by"] == "studio" and mine(at).list() == []


@pytest.mark.skipif(not HAS_MNIST, reason="MNIST_DATA_DIR does not hold MNIST")
@pytest.mark.parametrize("name", PAGES)
def test_pages_render_on_mnist(name, mnist_classic):
    ModelStore().save(mnist_classic.model, {**mnist_classic.meta, "published_by": "studio"})  # the studio's default
    at = ok(page(name))
    assert "MNIST" in texts(at, "markdown")


def test_home_offers_download_without_mnist(digits_only):
    at = ok(page("home"))
    assert any(b.label == "Download MNIST" for b in at.button)


def test_plain_rerun_never_trains(digits_only):
    at = ok(page("train"))
    at.run()
    assert manager().jobs(at.session_state["workspace"]) == []
    assert mine(at).list() == [] and ModelStore().list() == []


def _train(at: AppTest, epochs: int = 3, hidden: int = 16) -> AppTest:
    at.number_input(key="train_classic_digits_epochs").set_value(epochs)
    at.number_input(key="hp_classic_hidden").set_value(hidden)
    next(b for b in at.button if b.label == "Start training").click()
    at.run()
    last_job(at)
    return at


def test_train_through_the_form(digits_only):
    at = ok(_train(ok(page("train"))))
    snap = last_job(at)
    assert snap.status == "done" and snap.pid != os.getpid()  # trained by a worker process
    saved = mine(at).list("digits")
    assert [r.name for r in saved] == [snap.saved_name] and ModelStore().list() == []  # private until published
    assert saved[0].meta["hyperparameters"]["hidden"] == 16 and len(saved[0].meta["history"]) == 3
    assert any(m.label == "Test accuracy" for m in at.metric)
    assert at.session_state["active_models"]["digits"] == f"mine/{snap.saved_name}"
    shown = saved[0].title  # the automatic name, shown short: "classic h16 lr0.1 e3 · 1"
    assert any(f"Saved as {shown} and made active." in e.value.replace("\\", "") for e in at.success)
    assert shown in texts(at, "text")  # the sidebar shows it


def test_form_ranges_come_from_the_config(digits_only):
    at = ok(page("train"))
    hidden, lr = at.number_input(key="hp_classic_hidden"), at.number_input(key="hp_classic_lr")
    assert (hidden.min, hidden.max) == (1, 10_000) and lr.min == 1e-6 and lr.max == 10.0
    assert at.number_input(key="train_classic_digits_epochs").min == 1


def test_bad_hyperparameter_shows_a_sentence(digits_only):
    at = ok(page("train"))
    at.selectbox(key="train_kind").set_value("mlp")
    ok(at.run())
    at.text_input(key="hp_mlp_hidden").set_value("64,0")
    next(b for b in at.button if b.label == "Start training").click()
    at.run()
    assert not at.exception and manager().jobs(at.session_state["workspace"]) == []  # refused before queueing
    assert any("Hidden layers must be between 1 and 8192" in e.value for e in at.error)


def test_rename_publish_and_delete_models(digits_only):
    at = _train(ok(page("train")), epochs=1)
    old = last_job(at).saved_name
    at.text_input(key="rename_to").set_value("my-model")
    next(b for b in at.button if b.label == "Rename").click()
    ok(at.run())
    assert mine(at).names() == ["my-model"]
    assert at.session_state["active_models"]["digits"] == "mine/my-model"
    next(b for b in at.button if b.label == "Publish to class").click()
    ok(at.run())
    workspace = at.session_state["workspace"]
    published, shown = ModelStore().list(), lookup(workspace).name  # the display name, never the key
    assert [r.name for r in published] == [f"{file_prefix(shown)}.my-model"] and published[0].meta["published_by"] == shown
    assert at.session_state["active_models"]["digits"] == "mine/my-model"  # publishing changed no active model
    other = ok(page("train"))  # another person: sees the published copy, not the private model
    assert other.session_state["workspace"] != workspace and mine(other).names() == []
    assert [o for o in other.selectbox(key="gallery_pick").options if "my-model" in o]
    at.text_input(key="rename_to").set_value("bad name!")
    next(b for b in at.button if b.label == "Rename").click()
    at.run()
    assert any("not a usable model name" in e.value for e in at.error)
    at.checkbox(key="delete_sure").check()
    at.run()
    next(b for b in at.button if b.label == "Delete").click()
    ok(at.run())
    assert mine(at).names() == [] and old != "my-model" and len(ModelStore().names()) == 1


def gallery_rows(at: AppTest):
    return next(d.value for d in at.dataframe if "confidence" in d.value.columns)


def test_mistakes_filters_and_a_clicked_cell_drive_the_gallery(digits_only):
    at = ok(page("mistakes"))
    from mnist_core.analysis.kept import kept_evaluation
    from mnist_core.data import load_digits

    ev = kept_evaluation(ModelStore().list()[0].path, load_digits())  # the worker kept it: what the page shows
    shown = gallery_rows(at)
    assert f"{ev.n_errors:,} images misread match" in texts(at) and set(shown["true"] != shown["predicted"]) == {True}
    confusion = ev.confusion()
    t, p = max(((t, p) for t in range(10) for p in range(10) if t != p), key=lambda c: confusion[c])
    at.session_state["confusion_pick"] = {"selection": {"cell": [{"true": t, "predicted": p}]}}
    ok(at.run())
    shown = gallery_rows(at)
    assert f"{confusion[t, p]:,} images misread match" in texts(at)
    assert set(shown["true"]) == {t} and set(shown["predicted"]) == {p}
    at.session_state["confusion_pick"] = {"selection": {"cell": [{"true": 3, "predicted": 3}]}}
    ok(at.run())
    shown = gallery_rows(at)
    assert f"{confusion[3, 3]:,} images read right match" in texts(at) and set(shown["predicted"]) == {3}
    assert list(shown["confidence"]) == sorted(shown["confidence"])  # the doubtful right answers first
    # the filters: the label misread most, its less confident half (a band of 5 % steps, as the slider has)
    label = int(max(range(10), key=lambda v: confusion[v].sum() - confusion[v, v]))
    high = float(np.ceil(np.median(ev.select(label).confidence) * 20) / 20)
    expected = ev.select(label, None, 0.0, high, most_confident_first=True)
    assert not expected.empty  # the filters pick some images: the check below has something to check
    at.session_state["confusion_pick"] = {"selection": {"cell": []}}
    at.selectbox(key="mistake_true").set_value(label)
    at.slider(key="mistake_conf").set_value((0.0, high))
    ok(at.run())
    shown = gallery_rows(at)
    assert f"{len(expected):,} images misread match" in texts(at)
    assert list(shown["index"]) == list(expected["index"][:len(shown)]) and len(shown) == min(24, len(expected))


def test_draw_shows_a_hint_on_an_empty_canvas(digits_only):
    at = ok(page("draw"))
    assert any("Draw a digit" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label == "Prediction"]


def _path_of(block, key: str, path: tuple = ()) -> tuple | None:
    """Where the widget keyed ``key`` is in the page: its indices, block by block, from
    the block that holds the page's title (AppTest does not always show the containers around it)."""
    children = getattr(block, "children", {})
    if not path and not any(type(c).__name__ == "Title" for c in children.values()):
        for child in children.values():
            found = _path_of(child, key)
            if found:
                return found
        return None
    for i, child in children.items():
        if getattr(child, "key", None) == key:
            return (*path, i)
        found = _path_of(child, key, (*path, i))
        if found:
            return found
    return None


def test_the_canvas_keeps_its_place_when_the_verdict_is_ready(digits_only, monkeypatch):
    """While the verdict calibrates, a line above the canvas says so; when it goes, the
    canvas must stay where it was in the page: a component that moves is mounted afresh,
    and the drawing on it was lost while its answer stayed (seen in a browser)."""
    import studio_ui.cache

    monkeypatch.setattr(studio_ui.cache, "judge_ready", lambda record: None)
    at = ok(page("draw"))
    assert any("Still calibrating the verdict" in c.value for c in at.caption)
    calibrating = _path_of(at.main, "draw_source")
    monkeypatch.setattr(studio_ui.cache, "judge_ready", lambda record: object())  # ready (no drawing to judge)
    at = ok(at.run())
    assert not any("Still calibrating the verdict" in c.value for c in at.caption)
    assert calibrating is not None and _path_of(at.main, "draw_source") == calibrating


def test_failed_download_says_why_and_app_stays_usable(digits_only, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/")
    at = ok(page("dataset"))
    next(b for b in at.button if b.label == "Download MNIST").click()
    at.run()
    assert not at.exception
    assert any("download failed" in e.value.lower() for e in at.error)
    at.selectbox(key="browse_label").set_value(2)
    at.run()
    assert not at.exception and at.session_state["active_dataset"] == "digits"


def test_form_is_generic_over_registered_models(digits_only, monkeypatch):
    """A model registered later (here the MLP, if present) gets its own form fields."""
    at = ok(page("train"))
    at.selectbox(key="train_kind").set_value("mlp")
    ok(at.run())
    labels = {w.label for w in [*at.number_input, *at.text_input]}
    assert "Hidden layers" in labels and "Learning rate" in labels and "Input size" not in labels
    at.text_input(key="hp_mlp_hidden").set_value("16")
    at.number_input(key="train_mlp_digits_epochs").set_value(2)
    next(b for b in at.button if b.label == "Start training").click()
    at.run()
    snap = last_job(at)
    ok(at)
    assert snap.status == "done", snap.error
    assert mine(at).load(snap.saved_name)[1]["model"] == "mlp"


def _save_digits_model(hidden: int, epochs: int = 2) -> str:
    """A model in the class gallery (the store's top folder), as if published."""
    from mnist_core.data.datasets import load_digits
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", load_digits(), {"hidden": hidden}, TrainConfig(epochs=epochs))
    return ModelStore().save(result.model, result.meta, name=f"classic-h{hidden}").name


def test_compare_asks_for_a_second_model(digits_only):
    at = ok(page("compare"))
    assert any("Train another model" in i.value for i in at.info)
    assert not at.dataframe
    _save_digits_model(8)
    at = ok(page("compare"))
    assert any("there is 1 saved model yet" in i.value for i in at.info)  # ngettext: the singular
    assert not at.dataframe


def test_compare_two_models(digits_only):
    _save_digits_model(8)
    _save_digits_model(32, epochs=3)
    at = ok(page("compare"))
    assert not at.info
    assert at.multiselect(key="compare_pick").value == ["gallery/classic-h32", "gallery/classic-h8"]  # newest first
    assert len(at.dataframe) == 3  # summary, per label, right/wrong matrix
    summary = at.dataframe[0].value
    assert list(summary.index) == ["classic-h32", "classic-h8"] and list(summary["model"]) == ["classic", "classic"]
    matrix = at.dataframe[2].value
    assert matrix.shape == (2, 2) and matrix.loc["classic-h8", "classic-h8"] == 0
    assert "test images right that" in texts(at, "text") or "test image right that" in texts(at, "text")
    at.multiselect(key="compare_pick").set_value(["gallery/classic-h8"])
    at = ok(at.run())
    assert any("at least two" in i.value for i in at.info)


def test_augmented_training_through_the_form(digits_only):
    at = ok(page("train"))
    at.checkbox(key="train_classic_digits_augment").check()
    at = ok(_train(at, epochs=1))
    snap = last_job(at)
    assert snap.status == "done", snap.error
    assert mine(at).load(snap.saved_name)[1]["training"]["augment"] is True


def test_train_page_describes_the_model_kind(digits_only):
    at = ok(page("train"))
    assert "Make Your Own Neural Network" in texts(at)
    at.selectbox(key="train_kind").set_value("logreg")
    at = ok(at.run())
    assert "liblinear reproduces the second tutorial exactly" in texts(at)


def test_the_active_model_belongs_to_the_session_and_runs_reattach(digits_only):
    a = _train(ok(page("train")), epochs=1)
    b = _train(ok(page("train")), epochs=1)
    b_active = b.session_state["active_models"]["digits"]
    a = _train(a, epochs=2)  # A trains again: A's active model changes, B's does not
    assert a.session_state["active_models"]["digits"] == f"mine/{last_job(a).saved_name}"
    b.run()
    assert b.session_state["active_models"]["digits"] == b_active
    with pytest.raises(Exception, match="no model named"):  # B cannot delete A's private model
        mine(b).delete(last_job(a).saved_name)
    again = AppTest.from_file(APP, default_timeout=120)  # A reloads the page: same workspace, same runs
    again.query_params["workspace"] = a.session_state["workspace"]
    again.run()
    again.switch_page("pages/Train.py")
    ok(again.run())
    assert again.session_state["workspace"] == a.session_state["workspace"]
    assert sum("Run " in m.value for m in again.markdown) == 2


def test_bad_files_never_break_a_page_and_show_as_text(digits_only):
    import json

    import numpy as np

    good = Path(ModelStore().root / f"{_save_digits_model(8)}.npz")  # a usable model in the gallery
    at = ok(page("train"))
    ensure(at.session_state["workspace"])  # files put in by hand: into a workspace that exists (it holds them)
    own = mine(at).root
    own.mkdir(parents=True, exist_ok=True)
    with np.load(good) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(arrays["__meta__.json"].tobytes())
    meta["created"] = "![x](http://example.invalid/x.png)"
    arrays["__meta__.json"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(own / "pretty.npz", **arrays)
    (own / "junk.npz").write_text("not a model")
    (ModelStore().root / "junk.npz").write_text("not a model either")
    workspace = at.session_state["workspace"]
    for name in PAGES:
        ok(page(name, workspace))  # every page renders, on the good model, beside the bad files
    at = ok(page("train", workspace))
    shown = texts(at, "text")
    assert "junk.npz: not a saved model" in shown and "![x](http://example.invalid/x.png)" in shown  # as text
    assert "example.invalid" not in texts(at, "markdown")
    next(b for b in at.button if b.key == "delete_broken_junk").click()
    ok(at.run())
    assert sorted(mine(at).names()) == ["pretty"]


def test_a_stopped_model_is_never_made_active_by_itself(digits_only):
    from mnist_core.data.datasets import load_digits
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", load_digits(), {"hidden": 8}, TrainConfig(epochs=1))
    ModelStore().save(result.model, {**result.meta, "status": "stopped", "stopped": True}, name="half-done")
    at = ok(page("draw"))  # the only model is a stopped one: the studio trains its default instead
    assert at.session_state["active_models"]["digits"] != "gallery/half-done"


def en(label: object) -> str:
    """A label as the English page shows it (a studio-made one is an i18n Text)."""
    return label.translated("en") if hasattr(label, "translated") else str(label)


def test_a_run_made_active_is_the_sidebars_model_in_that_page_run_with_a_label_unlike_the_studios(digits_only, digits):
    from mnist_core.models import recommended_training
    from mnist_core.storage.publishing import label_of
    from mnist_core.training.pipeline import train_model

    config = recommended_training("classic", len(digits.x_train)).replace(epochs=3)
    made = train_model("classic", digits, {"hidden": 16}, config)
    studio = gallery().save(made.model, {**made.meta, "published_by": "studio"})  # the studio's default
    at = ok(page("train"))
    assert en(studio.label) in texts(at, "text")  # the studio's model is active, in the sidebar
    at.number_input(key="train_classic_digits_epochs").set_value(3)
    at.number_input(key="hp_classic_hidden").set_value(16)
    next(b for b in at.button if b.label == "Start training").click()
    ok(at.run())
    job = manager().jobs(at.session_state["workspace"])[0]
    deadline = time.time() + 60
    while not manager().snapshot(job).finished and time.time() < deadline:
        time.sleep(0.1)
    at.session_state[f"live_{job.id}"] = False  # as the run's status fragment leaves it when it reruns the page
    ok(at.run())  # that one page run: the run ended, was made active, and says so
    own = mine(at).list("digits")[0]
    assert own.title == studio.title  # the same recipe and number: "classic h16 lr0.1 e3 · 1"
    shown = {k: en(v) for k, v in label_of([own, studio]).items()}
    assert shown[own.key] != shown[studio.key]
    saved = [e.value.replace("\\", "") for e in at.success if "made active" in e.value]
    assert saved == [f"Saved as {shown[own.key]} and made active."]
    sidebar = [e.value for e in at.sidebar.text]
    assert any(v.startswith(shown[own.key] + " (classic") for v in sidebar), sidebar
    assert not any(shown[studio.key] in v for v in sidebar), sidebar


def test_the_studios_default_is_announced_by_its_label_never_a_pupils(digits_only):
    at = ok(page("draw"))  # no model yet: the studio trains its default
    studio = gallery().list("digits")[0]
    toasts = [str(x.value) for x in at.toast]
    assert any(f"Trained and saved {en(studio.label)}" in v.replace("\\", "") for v in toasts), toasts
    assert "(by studio)" in en(studio.label)
