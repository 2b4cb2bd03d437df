"""Issue 18 in the app, through AppTest: workspaces opened by their key (never by the
name the screen shows), the gallery that changes nobody's model, the teacher's Class
page, and the language that stays across a page switch."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, ok  # the AppTest helpers

from mnist_core.data.datasets import load_digits
from mnist_core.storage import ModelStore, gallery, workspace_store
from mnist_core.storage.firstwrite import default_name
from mnist_core.storage.publishing import class_default, publish
from mnist_core.storage.workspaces import create_workspace, list_workspaces, lookup
from mnist_core.training import TrainConfig, train_model

TEACHER_KEY = "a long phrase only the teacher knows"

pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks


def session(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    return ok(at)


def model(hidden: int = 8, studio: bool = False, into: ModelStore | None = None, name: str | None = None):
    """A quickly trained classic model on the digits; ``studio``: the studio's own, in the gallery."""
    result = train_model("classic", load_digits(), {"hidden": hidden}, TrainConfig(epochs=1))
    meta = {**result.meta, **({"published_by": "studio"} if studio else {})}
    return (into or (gallery() if studio else ModelStore())).save(result.model, meta, name)


def sidebar_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "text", "caption", "code")
                     for e in getattr(at.sidebar, kind))


def page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "text", "caption", "code", "info", "error", "subheader",
                                                "title", "warning")
                     for e in getattr(at, kind))


# -- workspaces ------------------------------------------------------------------------
def test_the_sidebar_shows_the_display_name_never_the_key():
    at = session()
    key = at.session_state["workspace"]
    text = sidebar_text(at)
    assert default_name(key) in text and key not in text  # nothing saved yet: the name it will be made with
    at.sidebar.button(key="workspace_link").click().run()  # the owner asks for the link: now it shows
    assert f"workspace={key}" in sidebar_text(at)
    assert lookup(key).name == default_name(key)  # and asking for it kept the workspace: the link opens it


def test_another_workspace_opens_by_its_key_or_link_never_by_its_name():
    other = create_workspace("quiet heron 12")
    at = session()
    mine = at.session_state["workspace"]
    at.sidebar.text_input(key="workspace_switch").input(other.name).run()
    at.sidebar.button(key="workspace_open").click().run()
    assert at.session_state["workspace"] == mine  # a display name opens nothing
    assert any("name opens nothing" in w.value for w in at.sidebar.warning)
    at.sidebar.text_input(key="workspace_switch").input(f"http://class.local/Draw?workspace={other.key}").run()
    at.sidebar.button(key="workspace_open").click().run()
    assert at.session_state["workspace"] == other.key and "quiet heron 12" in sidebar_text(at)


def test_the_url_key_reopens_the_workspace_and_start_afresh_leaves_it():
    first = session()
    key = first.session_state["workspace"]
    first.sidebar.text_input(key="workspace_rename").input("Mika").run()
    first.sidebar.button(key="workspace_rename_button").click().run()  # it holds something: it exists
    again = session(workspace=key)  # a bookmark or a reload
    assert again.session_state["workspace"] == key
    again.sidebar.button(key="workspace_afresh").click().run()
    assert again.session_state["workspace"] != key and again.query_params["workspace"] in (
        again.session_state["workspace"], [again.session_state["workspace"]])
    assert again.session_state["cookies_set"]["mnist_studio_workspace"] == again.session_state["workspace"]


def test_renaming_the_workspace_keeps_its_key():
    at = session()
    key = at.session_state["workspace"]
    at.sidebar.text_input(key="workspace_rename").input("ñandú-42").run()
    at.sidebar.button(key="workspace_rename_button").click().run()
    assert lookup(key).name == "ñandú-42" and "ñandú" in sidebar_text(at)  # markdown-escaped


# -- the gallery -------------------------------------------------------------------------
def test_a_new_session_gets_the_studios_model_not_the_newest_published():
    studio = model(studio=True)
    pupil = create_workspace("lucky otter 50")
    publish(model(hidden=4, into=workspace_store(pupil.key)), pupil)  # newer than the studio's
    at = session()
    assert at.session_state["active_models"]["digits"] == studio.key
    assert "(by studio)" in sidebar_text(at)


def test_publishing_changes_nobodys_active_model_and_the_publisher_can_unpublish():
    studio = model(studio=True)
    at = session("Train")
    mine = model(hidden=4, into=workspace_store(at.session_state["workspace"]), name="my-model")
    at.run()
    at.button(key="publish").click().run()
    assert at.session_state["active_models"]["digits"] == studio.key  # not even the publisher's changes
    published = [r for r in gallery().list("digits") if r.meta.get("published_by") != "studio"]
    assert len(published) == 1 and published[0].meta["published_by"] == lookup(at.session_state["workspace"]).name
    assert at.session_state["workspace"] not in published[0].name
    at.selectbox(key="gallery_pick").set_value(published[0].key).run()
    at.button(key="gallery_unpublish").click().run()
    assert ok(at) and [r.key for r in gallery().list("digits")] == [studio.key] and mine.path.exists()


# -- the Class page ------------------------------------------------------------------------
def test_class_without_a_teacher_key_says_how_to_set_one(monkeypatch):
    monkeypatch.delenv("MNIST_STUDIO_TEACHER_KEY", raising=False)
    at = session("Class")
    assert "MNIST_STUDIO_TEACHER_KEY" in page_text(at) and "[teacher]" in page_text(at)
    assert not at.main.text_input


def test_class_refuses_a_wrong_key(monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", TEACHER_KEY)
    at = session("Class")
    at.text_input(key="teacher_key").input("guess")
    at.main.button[0].click().run()
    assert ["not the teacher key" in e.value for e in at.error] == [True] and not at.subheader


def teacher(monkeypatch) -> AppTest:
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", TEACHER_KEY)
    at = session("Class")
    assert at.text_input(key="teacher_key").label == "Teacher key"
    at.text_input(key="teacher_key").input(TEACHER_KEY)
    at.main.button[0].click().run()
    return ok(at)


def test_class_with_the_key_shows_every_section(monkeypatch):
    model(studio=True)
    pupil = create_workspace("brave lynx 31")
    model(into=workspace_store(pupil.key))
    at = teacher(monkeypatch)
    assert [s.value for s in at.subheader] == ["Workspaces", "Class gallery", "Leaderboard", "The class's handwriting",
                                               "Reset the class"]
    assert "brave lynx 31" in [e.label.split(" · ")[0] for e in at.expander]
    assert pupil.key not in page_text(at)


def test_make_class_default_changes_new_sessions_not_existing_ones(monkeypatch):
    studio = model(studio=True)
    pupil = create_workspace("keen fox 77")
    theirs = publish(model(hidden=4, into=workspace_store(pupil.key)), pupil)
    before = session()
    assert before.session_state["active_models"]["digits"] == studio.key
    at = teacher(monkeypatch)
    at.selectbox(key="class_pick").set_value(theirs.key).run()
    at.button(key="class_default").click().run()
    assert ok(at) and class_default("digits").key == theirs.key
    before.run()
    assert before.session_state["active_models"]["digits"] == studio.key  # an open session keeps its model
    assert session().session_state["active_models"]["digits"] == theirs.key  # a new one gets the class default


def test_the_teacher_unpublishes(monkeypatch):
    model(studio=True)
    pupil = create_workspace("tidy owl 20")
    theirs = publish(model(hidden=4, into=workspace_store(pupil.key)), pupil)
    at = teacher(monkeypatch)
    at.selectbox(key="class_pick").set_value(theirs.key).run()
    at.button(key="class_unpublish").click().run()
    assert ok(at) and not theirs.path.exists()


def test_reset_the_class_asks_twice(monkeypatch):
    model(studio=True)
    create_workspace("merry seal 64")
    at = teacher(monkeypatch)
    at.button(key="class_reset").click().run()
    assert list_workspaces() and any("Really" in w.value for w in at.warning)  # asked, nothing gone yet
    at.button(key="class_reset_no").click().run()
    assert list_workspaces()
    at.button(key="class_reset").click().run()
    at.button(key="class_reset_yes").click().run()
    assert ok(at) and all(w.name != "merry seal 64" for w in list_workspaces())


# -- the language ------------------------------------------------------------------------
def test_the_language_stays_across_a_page_switch():
    at = session(lang="ja")
    at.switch_page("pages/Draw.py")  # a page switch clears the URL's parameters
    at.query_params.pop("lang", None)
    at.run()
    assert at.query_params["lang"] in ("ja", ["ja"]) and "### 使用中" in [m.value for m in at.sidebar.markdown]
    assert at.session_state["cookies_set"]["mnist_studio_lang"] == "ja"


def test_an_old_bookmark_by_name_opens_once_migrated_to_a_key():
    from mnist_core.storage.workspaces import is_key

    old = model(into=workspace_store("bright-otter-42"), name="kept")  # a workspace of before keys
    at = session(workspace="bright-otter-42")
    key = at.session_state["workspace"]
    assert is_key(key) and at.query_params["workspace"] in (key, [key])  # the URL now holds the new key
    assert workspace_store(key).names() == ["kept"] and not old.path.exists()
    assert "bright-otter-42" in sidebar_text(at).replace("\\", "")  # its old name is its display name
    other = session()
    other.sidebar.text_input(key="workspace_switch").input("bright-otter-42").run()
    other.sidebar.button(key="workspace_open").click().run()
    assert other.session_state["workspace"] != key  # typed into the box, the old name opens nothing now
