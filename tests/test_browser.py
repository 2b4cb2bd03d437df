"""One real-browser run: every page renders, and a vertical stroke on /Draw reads as 1.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package; skips without
them unless REQUIRE_BROWSER=1 (CI), where a missing browser fails instead.
Screenshots go to artifacts/screenshots/ (gitignored).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
        # pages of other windows run at full speed, as ten pupils' browsers would
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
PAGES = [("", "home"), ("Dataset", "dataset"), ("Train", "train"), ("Draw", "draw"), ("Inside", "inside"), ("Mistakes", "mistakes"),
         ("Compare", "compare")]


def _need_browser():
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed"
    else:
        missing = None if Path(CHROMIUM).exists() else f"no chromium at {CHROMIUM}"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, env_extra: dict[str, str], drop: tuple[str, ...] = ()):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(MNIST_STUDIO_HOME=str(tmp_path / "home"), **env_extra)
    log = open(tmp_path / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text(errors="replace")[-2000:])


@pytest.fixture
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def app_url(tmp_path):
    _need_browser()
    proc, url = _serve(tmp_path, {})
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def digits_url(tmp_path):
    _need_browser()
    proc, url = _serve(tmp_path, {"MNIST_CACHE_DIR": str(tmp_path / "no-mnist")}, drop=("MNIST_DATA_DIR",))
    yield url
    proc.terminate()
    proc.wait(10)


def _settle(page, timeout=90):
    """Wait for the page's script to finish: the 'Running' status widget has gone
    and stayed gone for a moment (it shows a little after a run starts)."""
    page.wait_for_selector("h1", timeout=timeout * 1000)
    deadline, quiet_since = time.time() + timeout, None
    while time.time() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since > 0.5:
            break
        time.sleep(0.1)


def _draw_one(page) -> str:
    """Draw a vertical stroke and return the Prediction metric's text.  The canvas's
    drawing library starts a moment after the element appears, so a stroke that
    went nowhere is drawn again (up to three times)."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=90_000)
    metric = page.locator('[data-testid="stMetricValue"]').first
    for attempt in range(3):
        time.sleep(1.0)
        box = canvas.bounding_box()
        x = box["x"] + box["width"] / 2
        page.mouse.move(x, box["y"] + 50)
        page.mouse.down()
        for i in range(1, 19):
            page.mouse.move(x, box["y"] + 50 + i * 10)
        page.mouse.up()
        try:
            metric.wait_for(timeout=10_000)
            break
        except Exception:
            page.screenshot(path=str(SHOTS / f"draw-attempt-{attempt}.png"), full_page=True)
    _settle(page)
    return metric.inner_text().strip()


def _save_second_model(home: Path, mnist) -> str:
    """A quick second classic network in the app's store."""
    from mnist_core.storage import ModelStore
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", mnist, {"hidden": 20}, TrainConfig(epochs=1))
    return ModelStore(home / "models").save(result.model, result.meta, name="classic-h20").name


def test_every_page_and_draw_a_one(browser, app_url, tmp_path, mnist, mnist_classic):
    from mnist_core.storage import ModelStore

    SHOTS.mkdir(parents=True, exist_ok=True)
    ModelStore(tmp_path / "home" / "models").save(mnist_classic.model, mnist_classic.meta)  # trained once per session
    # Streamlit scrolls inside its main area, so a tall viewport shows whole pages.
    page = browser.new_page(viewport={"width": 1400, "height": 3200})
    for path, name in PAGES:
        page.goto(f"{app_url}/{path}")
        _settle(page)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {name}"
    page.goto(f"{app_url}/Draw")
    _settle(page)
    assert _draw_one(page) == "1"
    page.screenshot(path=str(SHOTS / "draw-one.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    _save_second_model(tmp_path / "home", mnist)  # Compare has two now
    page.goto(f"{app_url}/Compare")
    _settle(page)
    page.screenshot(path=str(SHOTS / "compare-two.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("gets wrong; the reverse:").count() == 1
    assert page.locator('[data-testid="stDataFrame"]').count() >= 3


def test_digits_default_model_reads_a_vertical_stroke_as_one(browser, digits_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{digits_url}/Draw")  # the server's very first request, straight to a page
    _settle(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Home" in nav and "Compare" in nav and "streamlit app" not in nav  # our navigation, not pages/ alone
    assert page.get_by_text("Page not found").count() == 0
    assert _draw_one(page) == "1"
    page.screenshot(path=str(SHOTS / "draw-one-digits.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_ten_first_visits_at_once_all_render(browser, digits_url):
    """A class opening the link together: ten sessions' first requests to a fresh
    server, half straight to /Draw; every one gets its page and no exception."""
    pages = [browser.new_context(viewport={"width": 1200, "height": 900}).new_page() for _ in range(10)]
    for i, page in enumerate(pages):
        page.goto(f"{digits_url}/{'Draw' if i % 2 else ''}", wait_until="commit")
    for i, page in enumerate(pages):
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception in session {i}"
        assert page.get_by_text("Page not found").count() == 0
        heading = page.locator("h1").first.inner_text()
        assert heading == ("Draw a digit" if i % 2 else "MNIST studio"), heading
    for page in pages:
        page.context.close()
