"""A workspace exists on disk only once it holds something: opening pages writes nothing,
the first save makes it (under the key the URL held from the start), and a reset of the
class leaves no folder behind, nor lets one come back."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import APP, ok  # the AppTest helpers

from mnist_core.cli import main as cli_main
from mnist_core.data.handdrawn import draw_digit
from mnist_core.errors import MnistError
from mnist_core.settings import studio_home
from mnist_core.storage import workspace_store
from mnist_core.storage.classroom import class_handwriting, class_overview, reset_class
from mnist_core.storage.firstwrite import default_name, ensure, exists, was_removed
from mnist_core.storage.handwriting import workspace_handwriting
from mnist_core.storage.publishing import is_publisher
from mnist_core.storage.teacher import as_teacher
from mnist_core.storage.workspaces import create_workspace, list_workspaces, new_key, open_workspace, workspaces_root
from mnist_core.training import run_records

KEY = "a teacher key for tests"


@pytest.fixture(autouse=True)
def teacher_key(monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", KEY)


def folders() -> list[str]:
    root = workspaces_root()
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def page(name: str, workspace: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if workspace:
        at.query_params["workspace"] = workspace
    at.run()
    at.switch_page(f"pages/{name.capitalize()}.py")
    return at.run()


def picture(seed: int = 9) -> bytes:
    """A drawn 7 as the canvas gives it (RGBA), as a PNG upload."""
    buf = io.BytesIO()
    Image.fromarray(draw_digit(7, np.random.default_rng(seed))).save(buf, format="PNG")
    return buf.getvalue()


# -- the engine ---------------------------------------------------------------------------
def test_reading_a_workspace_that_holds_nothing_fails_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    key = new_key()
    assert workspace_store(key).list() == [] and workspace_handwriting(key).list() == []
    assert run_records.interrupted(key) == []
    assert list_workspaces() == [] and class_overview(as_teacher(KEY)) == [] and len(class_handwriting()) == 0
    assert not exists(key) and folders() == []
    with pytest.raises(MnistError):
        open_workspace(key)  # nothing to open yet


def test_the_first_save_makes_the_workspace_under_its_key_and_name(tmp_path, monkeypatch, digits):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    key = new_key()
    ink = draw_digit(3, np.random.default_rng(0))
    workspace_handwriting(key).save(ink, 3)
    assert folders() == [key] and exists(key)
    assert open_workspace(key).name == default_name(key) == default_name(key)
    assert [w.key for w in list_workspaces()] == [key]
    other = new_key()
    assert ensure(other, "ñandú-42").name == "ñandú-42" and open_workspace(other).name == "ñandú-42"
    assert ensure(other).name == "ñandú-42"  # made once: a later write keeps its name


def test_a_pending_key_published_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    from mnist_core.storage import gallery

    assert all(not is_publisher(r, new_key()) for r in gallery().list())
    assert folders() == []


def test_the_cli_lists_only_workspaces_that_exist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    new_key()  # a session that saved nothing
    assert cli_main(["workspaces"]) == 0 and "no workspaces yet" in capsys.readouterr().out
    create_workspace("anna")
    assert cli_main(["workspaces"]) == 0 and "anna" in capsys.readouterr().out


# -- resetting the class --------------------------------------------------------------------
def test_a_reset_leaves_no_folder_and_nothing_makes_one_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    anna, ben = create_workspace("anna"), create_workspace("ben")
    workspace_handwriting(anna.key).save(draw_digit(1, np.random.default_rng(1)), 1)
    stale = studio_home() / ".workspaces-removed-1"  # an earlier reset that could not delete all
    (stale / "x").mkdir(parents=True)
    gone = reset_class(as_teacher(KEY))
    assert gone["workspaces"] == 2 and folders() == [] and list_workspaces() == []
    assert not list(studio_home().glob(".workspaces-removed-*"))  # no trash left
    assert was_removed(anna.key) and was_removed(ben.key)
    # a session still open, and a run the reset stopped that saves late, make nothing again
    with pytest.raises(MnistError, match="removed"):
        workspace_handwriting(anna.key).save(draw_digit(2, np.random.default_rng(2)), 2)
    with pytest.raises(MnistError, match="removed"):
        workspace_store(ben.key).save_bytes(b"not reached", {"model": "classic", "dataset": "digits"})
    run_records.save(run_records.RunRecord("r1", anna.key, "classic", "digits", {}, {}))
    assert folders() == [] and list_workspaces() == []
    fresh = new_key()  # a new pupil after the reset
    workspace_handwriting(fresh).save(draw_digit(4, np.random.default_rng(4)), 4)
    assert folders() == [fresh]


def test_a_reset_with_no_workspace_yet_is_clean(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    assert reset_class(as_teacher(KEY)) == {"workspaces": 0, "models": 0}
    assert folders() == [] and not list(studio_home().glob(".workspaces-removed-*"))


# -- the app --------------------------------------------------------------------------------
@pytest.mark.usefixtures("app_state", "digits_only")
def test_opening_pages_makes_no_workspace_and_the_first_save_does():
    at = ok(page("draw"))
    key = at.session_state["workspace"]
    name = next(m.value for m in at.sidebar.markdown if "Workspace:" in m.value)
    for other in ("home", "train", "handwriting", "class"):
        at.switch_page(f"pages/{other.capitalize()}.py")
        ok(at.run())
    assert folders() == [] and at.session_state["workspace"] == key and at.query_params["workspace"] in (key, [key])
    at.switch_page("pages/Draw.py")
    ok(at.run())
    at.radio(key="draw_source").set_value("Upload")
    at.run()
    at.file_uploader(key="draw_upload").set_value(("seven.png", picture(), "image/png"))
    ok(at.run())
    at.button(key="save_my_7").click()
    ok(at.run())
    assert folders() == [key] and [d.label for d in workspace_handwriting(key).list()] == [7]
    assert name.endswith(default_name(key))  # the name the session showed from the start
    again = ok(page("handwriting", workspace=key))  # the link (or a reload) opens it now
    assert again.session_state["workspace"] == key and not again.warning
    assert any(default_name(key) in m.value for m in again.sidebar.markdown)


@pytest.mark.usefixtures("app_state", "digits_only")
def test_a_rename_by_its_owner_makes_the_workspace():
    at = ok(page("home"))
    key = at.session_state["workspace"]
    at.sidebar.text_input(key="workspace_rename").set_value("Ayaka")
    at.run()
    at.sidebar.button(key="workspace_rename_button").click()
    ok(at.run())
    assert folders() == [key] and open_workspace(key).name == "Ayaka"
    assert [w.name for w in list_workspaces()] == ["Ayaka"]


@pytest.mark.usefixtures("app_state", "digits_only")
def test_a_session_open_during_a_reset_gets_a_fresh_workspace_not_its_old_folder():
    at = ok(page("home"))
    key = at.session_state["workspace"]
    ensure(key)
    reset_class(as_teacher(KEY))
    ok(at.run())
    assert at.session_state["workspace"] != key and folders() == []


def test_first_writes_at_once_make_one_workspace_and_leave_nothing_half_made(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    key = new_key()
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda i: ensure(key), range(16)))
    assert {w.name for w in made} == {default_name(key)} and len({w.created for w in made}) == 1
    assert folders() == [key] and [w.key for w in list_workspaces()] == [key]  # no staging folder left
