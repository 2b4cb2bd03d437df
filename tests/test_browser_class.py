"""Issue 18 in a real browser: pupils (browser contexts of their own) and a teacher on one
server.  A pupil's workspace comes back when the class link is opened again in the same
browser (a cookie); another pupil cannot open it by the name the screen shows; opening
pages keeps nothing on disk until a workspace holds something; the teacher sees both; the language stays across a page switch and a reload.

Same machinery as tests/test_browser.py (Debian's chromium, Playwright, a server on a
free port; skipped without them).  Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from test_browser import SHOTS, _need_browser, _serve, _settle, browser  # noqa: F401 -- the same machinery (and fixture)

TEACHER_KEY = "a long phrase only the teacher knows"


@pytest.fixture
def class_url(tmp_path):
    _need_browser()
    proc, url = _serve(tmp_path, {"MNIST_CACHE_DIR": str(tmp_path / "no-mnist"), "MNIST_STUDIO_TEACHER_KEY": TEACHER_KEY},
                       drop=("MNIST_DATA_DIR",))
    yield url
    proc.terminate()
    try:
        proc.wait(30)  # the server stops its cluster first: slow on a loaded machine
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _key(page) -> str:
    return parse_qs(urlsplit(page.url).query).get("workspace", [""])[0]


def _shown_name(page) -> str:
    """The workspace's display name, as the sidebar shows it."""
    text = page.locator('[data-testid="stSidebar"] p', has_text=re.compile(r"^Workspace:")).first.inner_text()
    return text.split(":", 1)[1].strip()


def _open_panel(page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text("Workspace", exact=True).click()


def _workspaces_on_disk(url_home) -> list[str]:
    root = url_home / "home" / "workspaces"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_pupils_and_a_teacher(class_url, browser, tmp_path):
    from playwright.sync_api import sync_playwright  # noqa: F401 -- the fixture's

    SHOTS.mkdir(parents=True, exist_ok=True)
    a_ctx, b_ctx, teacher_ctx = (browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3))
    a = a_ctx.new_page()
    a.goto(class_url + "/")
    _settle(a)
    key_a, name_a = _key(a), _shown_name(a)
    assert len(key_a) == 25 and name_a and key_a not in a.locator("body").inner_text()
    assert {c["name"]: c["value"] for c in a_ctx.cookies()}.get("mnist_studio_workspace") == key_a

    again = a_ctx.new_page()  # the same pupil opens the class link again: the workspace comes back
    again.goto(class_url + "/")
    _settle(again)
    assert _key(again) == key_a and _shown_name(again) == name_a
    again.close()

    assert _workspaces_on_disk(tmp_path) == []  # pages opened, nothing kept: no workspace on disk yet
    _open_panel(a)
    a.get_by_role("button", name="Link to this workspace").click()  # asking for the link keeps it (as a run, a model, a drawing)
    _settle(a)
    assert _workspaces_on_disk(tmp_path) == [key_a]

    b = b_ctx.new_page()  # another pupil: a workspace of their own, and A's name opens nothing
    b.goto(class_url + "/")
    _settle(b)
    key_b = _key(b)
    assert key_b and key_b != key_a
    _open_panel(b)
    b.get_by_label("Open another workspace").fill(name_a)
    b.get_by_label("Open another workspace").press("Enter")
    _settle(b)
    b.locator(".st-key-workspace_open button").click()
    _settle(b)
    assert "a name opens nothing" in b.locator('[data-testid="stSidebar"]').inner_text()
    assert _key(b) == key_b
    b.screenshot(path=str(SHOTS / "class-pupil-refused.png"))
    b.get_by_role("button", name="Link to this workspace").click()  # B keeps theirs too
    _settle(b)
    assert _workspaces_on_disk(tmp_path) == sorted([key_a, key_b])

    t = teacher_ctx.new_page()
    t.goto(class_url + "/Class")
    _settle(t)
    t.get_by_label("Teacher key").fill(TEACHER_KEY)
    t.get_by_role("button", name="Open the class").click()
    _settle(t)
    t.get_by_text(re.compile("Reset the class")).first.wait_for(timeout=120_000)  # the last panel: drawn
    body = t.locator('[data-testid="stMain"]').inner_text()
    assert name_a in body and _shown_name(b) in body and key_a not in body and key_b not in body
    for section in ("Workspaces", "Class gallery", "Leaderboard", "The class's handwriting", "Reset the class"):
        assert section in body, section
    t.screenshot(path=str(SHOTS / "class-teacher.png"), full_page=True)

    ja = a_ctx.new_page()  # the language stays: a page switch, then a reload without ?lang=
    ja.goto(class_url + "/?lang=ja")
    _settle(ja)
    ja.locator('[data-testid="stSidebarNav"] a').nth(3).click()
    _settle(ja)
    assert "lang=ja" in ja.url and "/Draw" in ja.url, ja.url
    ja.goto(class_url + "/Dataset")
    _settle(ja)
    assert "使用中" in ja.locator('[data-testid="stSidebar"]').inner_text()
    assert _key(ja) == key_a
    ja.screenshot(path=str(SHOTS / "class-pupil-japanese.png"))
    for ctx in (a_ctx, b_ctx, teacher_ctx):
        ctx.close()
