"""The class gallery: publishing shows the display name and never the key, only the
publisher or the teacher unpublishes, the studio's model is the default unless the
teacher chose another, and no two models a person sees share a label."""
from __future__ import annotations

import pytest

from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelStore, gallery, publish, workspace_store
from mnist_core.storage.publishing import (GalleryError, class_default, clear_class_default, default_model, file_prefix,
                                        is_publisher, is_studio, label_of, labels, make_class_default, studio_model,
                                        unpublish)
from mnist_core.storage.store import ModelRecord
from mnist_core.storage.teacher import Teacher, TeacherError, as_teacher, keys_match, teacher_by_email
from mnist_core.storage.workspaces import create_workspace, workspaces_root
from mnist_core.training import TrainConfig, train_model

TEACHER_KEY = "correct horse battery staple"


@pytest.fixture(scope="module")
def trained(digits):
    return train_model("classic", digits, {"hidden": 8}, TrainConfig(epochs=1))


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", TEACHER_KEY)
    return tmp_path / "home"


@pytest.fixture
def teacher() -> Teacher:
    return as_teacher(TEACHER_KEY)


def own_model(trained, workspace, name=None, **meta) -> ModelRecord:
    """A model saved in ``workspace`` the way the job manager saves one (an automatic name)."""
    return workspace_store(workspace.key).save(trained.model, {**trained.meta, **meta}, name=name)


def studio_default(trained, **meta) -> ModelRecord:
    """The studio's own model, as ``JobManager.default_job`` saves it into the gallery."""
    return gallery().save(trained.model, {**trained.meta, "published_by": "studio",
                                          "published_at": "2026-12-01T09:00:00+0000", **meta})


def test_publishing_shows_the_display_name_never_the_key(trained):
    ws = create_workspace("ñandú-42")
    mine = own_model(trained, ws)
    shared = publish(mine, ws.key)  # the session holds the key
    shown = [shared.name, shared.label, shared.title, str(shared.path), *map(str, shared.meta.values())]
    assert not any(ws.key in text for text in shown)
    assert shared.name == f"nandu-42.{mine.name}" and shared.meta["published_by"] == "ñandú-42"
    assert shared.label == f"{mine.title} (by ñandú-42)" and shared.title == mine.title
    assert ModelStore(gallery().root, shared=True).list()[0].label == shared.label  # read back, the same
    assert file_prefix("さくら") == "class" and file_prefix("  Mr. O'Brien ") == "mr-o-brien"
    assert mine.path.exists()  # the workspace keeps its own (and its active model is untouched)


def test_unpublish_by_the_publisher_or_the_teacher_only(trained, teacher):
    anna, ben = create_workspace("anna"), create_workspace("ben")
    first = publish(own_model(trained, anna), anna)
    second = publish(own_model(trained, anna, name="second"), anna)
    assert is_publisher(first, anna.key) and not is_publisher(first, ben.key)
    for who in (ben.key, ben, "anna", anna.name, "studio"):  # another workspace, or a display name
        with pytest.raises(GalleryError) as err:
            unpublish(first, by=who)
        assert sentence(err.value).startswith("Only the workspace that published") and first.path.exists()
    unpublish(first, by=anna.key)
    assert not first.path.exists()
    unpublish(second, by=teacher)
    assert gallery().list() == []
    with pytest.raises(GalleryError, match="no longer in the gallery"):
        unpublish(second, by=teacher)


def test_a_model_published_before_keys_is_still_its_legacy_workspaces(trained):
    legacy = workspace_store("room-12")  # a folder named by its name
    rec = legacy.save(trained.model, trained.meta, name="old")
    shared = publish(rec, "room-12")
    assert shared.name == "room-12.old" and shared.label == "old (by room-12)" and "publisher" not in shared.meta
    from mnist_core.storage.workspaces import open_workspace

    moved = open_workspace("room-12", legacy=True)
    assert is_publisher(shared, moved.key) and not is_publisher(shared, create_workspace("room-12").key)
    with pytest.raises(GalleryError, match="Only the workspace that published"):
        unpublish(shared, by="room-12")  # its old name is no key any more
    unpublish(shared, by=moved.key)
    assert gallery().names() == []


def test_only_the_teacher_key_makes_a_teacher(monkeypatch):
    assert keys_match(TEACHER_KEY, TEACHER_KEY) and not keys_match("wrong", TEACHER_KEY) and not keys_match("", "")
    with pytest.raises(TeacherError, match="not the teacher key"):
        as_teacher("correct horse battery stapl")
    with pytest.raises(TeacherError):
        Teacher("key")  # not without the check
    assert as_teacher("from secrets!", secret="from secrets!").via == "key"  # [teacher] key from the app
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", "short")
    with pytest.raises(TeacherError, match="too short"):
        as_teacher("short")
    monkeypatch.delenv("MNIST_STUDIO_TEACHER_KEY")
    with pytest.raises(TeacherError, match="No teacher key is set: set MNIST_STUDIO_TEACHER_KEY"):
        as_teacher("")
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_EMAILS", " Teacher@School.example , other@school.example")
    assert teacher_by_email("teacher@school.example") is not None
    assert teacher_by_email("pupil@school.example") is None and teacher_by_email(None) is None


def test_the_studios_model_is_the_default_unless_the_teacher_chose_another(trained, teacher):
    assert default_model("digits") is None  # nothing yet: the app trains the studio's
    studio = studio_default(trained)
    assert is_studio(studio) and studio.label.endswith("(by studio)")
    ws = create_workspace("anna")
    mine = own_model(trained, ws)
    newest = publish(mine, ws)  # newer than the studio's: still not anybody's default
    assert default_model("digits").name == studio.name and studio_model("digits").name == studio.name
    assert default_model("mnist") is None
    with pytest.raises(GalleryError, match="Only the teacher"):
        make_class_default(newest, by=ws.key)
    with pytest.raises(GalleryError, match="readable model of the gallery"):
        make_class_default(mine, by=teacher)
    make_class_default(newest, by=teacher)
    assert class_default("digits").name == newest.name and default_model("digits").name == newest.name
    clear_class_default("digits", by=teacher)
    assert class_default("digits") is None and default_model("digits").name == studio.name
    make_class_default(newest, by=teacher)
    unpublish(newest, by=ws.key)  # gone: the studio's again, and no stale default
    assert default_model("digits").name == studio.name
    stopped = publish(own_model(trained, ws, name="stopped", status="stopped"), ws)
    with pytest.raises(GalleryError, match="did not finish"):
        make_class_default(stopped, by=teacher)


def test_no_two_models_a_person_sees_share_a_label(trained):
    studio = studio_default(trained)
    anna, other_anna = create_workspace("Anna"), create_workspace("Anna")
    mine = own_model(trained, anna)  # a pupil's first model: "classic h8 lr0.1 e1 · 1", like the studio's
    again = workspace_store(anna.key).save_bytes(mine.path.read_bytes(), mine.meta, mine.name, unique=True)
    assert mine.title == studio.title and again.title != mine.title  # "· 1" and "· 1-2"
    shared = [publish(mine, anna), publish(own_model(trained, other_anna), other_anna), publish(mine, anna)]
    seen = [*workspace_store(anna.key).list(), *gallery().list()]
    shown = labels(seen)
    assert len(set(shown)) == len(seen) == 6
    assert len(set(label_of(seen).values())) == 6
    assert next(s for s, r in zip(shown, seen) if r.key == studio.key).endswith("(by studio)")
    assert all("(by Anna" in s for s, r in zip(shown, seen) if r.key in {x.key for x in shared})
    assert not any(k in s for s in shown for k in (anna.key, other_anna.key))


def test_a_record_cannot_be_published_twice_from_the_gallery(trained):
    with pytest.raises(MnistError, match="in the gallery already"):
        publish(studio_default(trained), create_workspace("x"))


def test_no_folder_is_made_for_a_workspace_that_does_not_exist(trained):
    rec = studio_default(trained)
    with pytest.raises(MnistError):
        unpublish(rec, by="no-such-workspace-key-here")
    assert not workspaces_root().exists()



def test_the_metadata_holds_only_a_hash_of_the_key_and_a_display_name(trained):
    from mnist_core.errors import ModelFileError

    with pytest.raises(ModelFileError, match="publisher"):
        gallery().save(trained.model, {**trained.meta, "published_by": "x", "publisher": "../../etc"}, name="forged")
    with pytest.raises(ModelFileError, match="published_by"):
        gallery().save(trained.model, {**trained.meta, "published_by": "n" * 61}, name="too-long")
    assert gallery().names() == []
