"""Workspaces that are private: a key opens one, a display name never does; any text is a
name, kept as text; old folders named by their name open once more and move to a key."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from mnist_core.data.handwriting import HandwritingStore
from mnist_core.errors import sentence
from mnist_core.settings import MAX_WORKSPACE_NAME
from mnist_core.storage import workspace_store
from mnist_core.storage.accounts import user_key, user_workspace
from mnist_core.storage.workspaces import (KEY_LENGTH, WorkspaceError, check_display_name, create_workspace,
                                           list_workspaces, migrate_legacy, new_key, open_workspace,
                                           random_display_name, rename, workspaces_root)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_a_key_has_at_least_96_random_bits_and_names_the_folder():
    keys = {new_key() for _ in range(2000)}
    assert len(keys) == 2000  # no repeats
    assert all(re.fullmatch(r"[0-9a-z]+", k) and len(k) == KEY_LENGTH for k in keys)
    assert KEY_LENGTH * math.log2(36) >= 96
    # every position takes many values: the characters are random, not a pattern
    assert all(len({k[i] for k in keys}) > 30 for i in range(KEY_LENGTH))
    ws = create_workspace("Anna")
    assert ws.root == workspaces_root() / ws.key and ws.root.is_dir()
    assert json.loads((ws.root / "workspace.json").read_text(encoding="utf-8"))["name"] == "Anna"
    assert workspace_store(ws.key).root == ws.models_root  # the job manager's store takes the key as it is


def test_a_key_opens_its_workspace_and_a_display_name_never_does():
    anna = create_workspace("anna")
    assert open_workspace(anna.key) == anna
    assert open_workspace(f"  {anna.key} ") == anna  # pasted with spaces
    for typed in ("anna", "Anna", anna.key[:-1], anna.key.upper(), "", "studio", "../" + anna.key):
        with pytest.raises(WorkspaceError) as err:
            open_workspace(typed)
        assert anna.key not in sentence(err.value) and "\n" not in sentence(err.value)
    with pytest.raises(WorkspaceError, match="a name opens nothing"):
        open_workspace("anna", legacy=True)  # not even as an old-style link
    assert open_workspace(anna.key, legacy=True) == anna


def test_a_key_shaped_name_opens_nothing_but_its_own_workspace():
    key_like = new_key()  # a person may type anything as a name, even what looks like a key
    ws = create_workspace(key_like)
    assert ws.key != key_like
    with pytest.raises(WorkspaceError):
        open_workspace(key_like)


def test_display_names_are_any_text_kept_as_text():
    assert check_display_name("ñandú-42") == "ñandú-42"
    assert check_display_name("  さくら   組 ") == "さくら 組"
    assert check_display_name("e\u0301") == "é"  # one way of writing each letter (NFC)
    assert check_display_name("👩\u200d🔬 lab") == "👩\u200d🔬 lab"  # an emoji sequence keeps its joiner
    assert check_display_name(random_display_name())  # the name a first visit gets
    long = "x" * MAX_WORKSPACE_NAME
    a, b = create_workspace(long[:-1] + "a"), create_workspace(long[:-1] + "b")  # differ in the last character
    assert a.key != b.key and {a.name, b.name} == {long[:-1] + "a", long[:-1] + "b"}
    same = [create_workspace("Anna"), create_workspace("Anna")]  # two people may share a name
    assert same[0].key != same[1].key
    assert open_workspace(create_workspace("ñandú-42").key).name == "ñandú-42"
    for bad, why in [("", "cannot be empty"), ("   ", "cannot be empty"), ("x" * (MAX_WORKSPACE_NAME + 1), "at most"),
                     ("a\x00b", "control"), ("a\u202eb", "control"), ("Studio", "studio's own name"), (42, "text")]:
        with pytest.raises(WorkspaceError, match=why):
            create_workspace(bad)


def test_rename_keeps_the_key_and_the_files():
    ws = create_workspace("old name")
    (ws.models_root).mkdir(parents=True)
    (ws.models_root / "marker.npz").write_bytes(b"x")
    renamed = rename(ws.key, "new name")
    assert renamed.key == ws.key and open_workspace(ws.key).name == "new name"
    assert (ws.models_root / "marker.npz").exists()
    with pytest.raises(WorkspaceError):
        rename("new name", "taken over")  # a name renames nothing either


def test_list_workspaces_by_display_name():
    for name in ("zoe", "Anna", "ñandú"):
        create_workspace(name)
    assert [w.name for w in list_workspaces()] == ["Anna", "zoe", "ñandú"]


def _legacy(name: str) -> None:
    """A workspace as versions before keys kept it: a folder named by its name."""
    hw = HandwritingStore(workspaces_root() / name / "handwriting")
    hw.add(np.zeros((2, 28, 28), np.uint8), np.array([3, 4], np.uint8))
    (workspaces_root() / name / "models").mkdir()
    (workspaces_root() / name / "models" / "mine.npz").write_bytes(b"model")


def test_a_legacy_workspace_opens_once_from_its_old_link_and_moves_to_a_key():
    _legacy("bright-otter-3f9a2c71")
    listed = list_workspaces()
    assert [(w.name, w.legacy) for w in listed] == [("bright-otter-3f9a2c71", True)]
    with pytest.raises(WorkspaceError):
        open_workspace("bright-otter-3f9a2c71")  # typed in a box: never
    moved = open_workspace("bright-otter-3f9a2c71", legacy=True)  # the owner's bookmark
    assert moved.key != "bright-otter-3f9a2c71" and len(moved.key) == KEY_LENGTH
    assert moved.name == "bright-otter-3f9a2c71"  # its old name is its display name
    assert (moved.models_root / "mine.npz").read_bytes() == b"model"  # files kept
    assert [d.label for d in HandwritingStore(moved.handwriting_root).list()] == [3, 4]
    assert not (workspaces_root() / "bright-otter-3f9a2c71").exists()
    assert open_workspace(moved.key) == moved
    with pytest.raises(WorkspaceError, match="a name opens nothing"):  # the old name is only a name now
        open_workspace("bright-otter-3f9a2c71", legacy=True)


def test_every_legacy_workspace_can_be_migrated_at_once():
    _legacy("room-12")
    _legacy("room-13")
    create_workspace("new one")
    moved = migrate_legacy()
    assert sorted(w.name for w in moved) == ["room-12", "room-13"]
    assert not any(w.legacy for w in list_workspaces()) and len(list_workspaces()) == 3


def test_a_signed_in_user_has_a_stable_key_that_their_email_alone_does_not_give(home):
    first = user_workspace("pupil@school.example", "Pupil")
    again = user_workspace("pupil@school.example", "Another name")
    assert first.key == again.key and again.name == "Pupil" and len(first.key) == KEY_LENGTH
    assert user_key("other@school.example") != first.key
    (home / ".secret").write_bytes(b"s" * 32)  # another server's secret: another key
    assert user_key("pupil@school.example") != first.key


def test_a_signed_in_users_workspace_of_before_is_taken_over():
    import hashlib

    old = "u-" + hashlib.sha256(b"sub-123").hexdigest()[:16]
    _legacy(old)
    ws = user_workspace("sub-123", "Kim")
    assert (ws.models_root / "mine.npz").exists() and not (workspaces_root() / old).exists()


def test_a_whole_link_pasted_opens_its_workspace():
    ws = create_workspace("anna")
    for pasted in (f"http://studio.example:8501/Draw?workspace={ws.key}&lang=ja", f"?workspace={ws.key}",
                   f"workspace={ws.key}"):
        assert open_workspace(pasted) == ws
    with pytest.raises(WorkspaceError):
        open_workspace("http://studio.example:8501/Draw?workspace=anna")


def test_the_cli_lists_workspaces_with_their_keys_and_migrates_old_ones(capsys):
    from mnist_core.cli import main

    ws = create_workspace("ñandú-42")
    _legacy("room-12")
    assert main(["workspaces", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["workspaces"]
    assert [(r["name"], r["key"], r["legacy"]) for r in rows] == [("room-12", "room-12", True), ("ñandú-42", ws.key, False)]
    assert main(["workspaces", "--migrate", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["workspaces"]
    moved = next(r for r in rows if r["name"] == "room-12")
    assert moved["migrated"] and not moved["legacy"] and open_workspace(moved["key"]).name == "room-12"
    assert moved["models"] == 1 and (workspaces_root() / moved["key"] / "models" / "mine.npz").exists()
