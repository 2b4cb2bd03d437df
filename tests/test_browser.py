"""One real-browser run: every page renders, and a vertical stroke on /Draw reads as 1.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package; skips without
them unless REQUIRE_BROWSER=1 (CI), where a missing browser fails instead.
Screenshots go to artifacts/screenshots/ (gitignored).
"""
from __future__ import annotations

import os
import re
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
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
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


def _answer_on_screen(page, viewport: dict, where: str) -> None:
    """The whole canvas and the whole answer -- the digit and the verdict's sentence, once
    the verdict is calibrated -- inside the window, the page not scrolled."""
    page.get_by_text(re.compile(r"This is a \d|Probably \d|does not look like any digit")).first.wait_for(
        timeout=120_000)
    _settle(page)
    assert page.evaluate("window.scrollY") == 0, where
    for name, box in (("canvas", page.locator("canvas.upper-canvas").first.bounding_box()),
                      ("answer", page.locator(".st-key-draw_answer").first.bounding_box())):
        assert box is not None, (where, name)
        assert box["x"] >= 0 and box["y"] >= 0, (where, name, box)
        assert box["x"] + box["width"] <= viewport["width"] + 1, (where, name, box)
        assert box["y"] + box["height"] <= viewport["height"] + 1, (where, name, box)


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


# -- Any screen, presenter mode, touch (studio_ui.screen) -----------------------------------
_FIT_JS = """() => {
  // What does not fit the main block: the main area scrolling sideways, elements cut
  // by hidden overflow or an ellipsis, elements reaching past the main block (inside a
  // scroller, such as a wide table's, they may: they scroll), and the canvas's box.
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  const edge = block.getBoundingClientRect();
  const name = el => {
    const r = el.getBoundingClientRect(), owner = el.closest && el.closest('[data-testid]');
    return `${el.tagName} ${(el.getAttribute('data-testid') || el.className || '').toString().slice(0, 40)} in `
      + `${owner ? owner.getAttribute('data-testid') : '?'} [${Math.round(r.left)}, ${Math.round(r.right)}] `
      + `"${(el.innerText || el.value || '').toString().trim().slice(0, 30)}"`;
  };
  const cut = [], outside = [];
  const walk = (root, inScroller) => {
    for (const el of root.children) {
      const cs = getComputedStyle(el), r = el.getBoundingClientRect();
      const a11y = el.tagName === 'INPUT' && ['range', 'radio', 'checkbox'].includes(el.type);  // visually hidden
      const visible = r.width > 2 && r.height > 2 && cs.visibility !== 'hidden' && cs.opacity !== '0' && !a11y;
      const hides = cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.textOverflow === 'ellipsis';
      if (visible && hides && el.scrollWidth > el.clientWidth + 1) cut.push(name(el));
      if (visible && !inScroller && (r.right > edge.right + 1 || r.left < edge.left - 1)) outside.push(name(el));
      const scroller = inScroller || cs.overflowX === 'auto' || cs.overflowX === 'scroll';
      if (el.shadowRoot) walk(el.shadowRoot, scroller);
      walk(el, scroller);
    }
  };
  walk(block, false);
  const side_by_side = [];
  for (const row of block.querySelectorAll('[data-testid="stHorizontalBlock"]')) {
    const width = row.getBoundingClientRect().width;
    for (const col of row.children)
      if (col.getAttribute('data-testid') === 'stColumn' && col.getBoundingClientRect().width > 0
          && col.getBoundingClientRect().width < width - 1) side_by_side.push(name(col));
  }
  // the app's own rows (studio_ui.screen.columns): keyed cells in a keyed horizontal container
  for (const row of block.querySelectorAll('[class*="st-key-row-"]')) {
    const width = row.getBoundingClientRect().width;
    for (const cell of row.querySelectorAll(':scope > [class*="st-key-cell"], :scope > * > [class*="st-key-cell"]'))
      if (cell.getBoundingClientRect().width > 0 && cell.getBoundingClientRect().width < width - 1)
        side_by_side.push(name(cell));
  }
  const host = [...block.querySelectorAll('*')].find(e => e.shadowRoot && e.shadowRoot.querySelector('canvas'));
  const scroll = host && host.shadowRoot.querySelector('.dc-scroll');
  return {main: [main.scrollWidth, main.clientWidth], block: [block.scrollWidth, block.clientWidth],
          cut, outside, side_by_side, canvasScroll: scroll ? [scroll.scrollWidth, scroll.clientWidth] : null,
          edge: [edge.left, edge.right]};
}"""


def _fits(page, where: str) -> dict:
    fit = page.evaluate(_FIT_JS)
    assert fit["main"][0] <= fit["main"][1], f"{where}: the main area scrolls sideways {fit['main']}"
    assert fit["block"][0] <= fit["block"][1], f"{where}: the main block overflows {fit['block']}"
    assert not fit["cut"], f"{where}: cut off: {fit['cut']}"
    assert not fit["outside"], f"{where}: past the main block: {fit['outside']}"
    return fit


def _canvas_box(page, where: str, viewport: dict, fit: dict) -> dict:
    """The canvas's box, checked whole in the viewport, in the main block and not scrolled in its frame."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=90_000)
    box = canvas.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, (where, box)
    assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"], (where, box)
    assert fit["edge"][0] - 1 <= box["x"] and box["x"] + box["width"] <= fit["edge"][1] + 1, (where, box, fit["edge"])
    assert fit["canvasScroll"] and fit["canvasScroll"][0] <= fit["canvasScroll"][1], (where, fit["canvasScroll"])
    return box


def test_every_page_fits_800_wide_and_draw_uses_a_big_screen(browser, app_url, tmp_path, mnist, mnist_classic):
    """800x900 with the sidebar open (the main area is 500 pixels): no page scrolls or is
    cut sideways, columns stack, the whole canvas is on screen and draws; no Deploy
    button.  1920x1080: the canvas grows; in presenter mode (?present=1) the sidebar is
    folded, the canvas bigger still and the answer very large."""
    from mnist_core.storage import ModelStore

    SHOTS.mkdir(parents=True, exist_ok=True)
    ModelStore(tmp_path / "home" / "models").save(mnist_classic.model, mnist_classic.meta)
    _save_second_model(tmp_path / "home", mnist)  # Compare shows its tables
    narrow = {"width": 800, "height": 900}
    page = browser.new_page(viewport=narrow)
    pages = PAGES + [p for p in [("Handwriting", "handwriting")] if p not in PAGES]
    for path, name in pages + [("Draw?present=1", "draw-present")]:
        page.goto(f"{app_url}/{path}")
        _settle(page)
        page.screenshot(path=str(SHOTS / f"narrow-{name}.png"))
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {name}"
        assert page.get_by_role("button", name="Deploy").count() == 0, name
        fit = _fits(page, name)
        assert not fit["side_by_side"], f"{name}: columns side by side: {fit['side_by_side']}"  # they stack
        if name.startswith("draw"):
            _canvas_box(page, name, narrow, fit)
    for path in ("Draw", "Draw?present=1"):  # canvas and answer (digit and verdict) on screen, no scrolling
        page.goto(f"{app_url}/{path}")
        _settle(page)
        assert _draw_one(page) == "1"
        _answer_on_screen(page, narrow, path)
    _fits(page, "draw after a stroke")

    big = {"width": 1920, "height": 1080}
    page.set_viewport_size(big)
    page.goto(f"{app_url}/Draw")
    _settle(page)
    box = _canvas_box(page, "draw 1920", big, _fits(page, "draw 1920"))
    assert box["width"] >= 540, box  # 280 before
    assert _draw_one(page) == "1"
    page.screenshot(path=str(SHOTS / "big-draw.png"))
    page.goto(f"{app_url}/Draw?present=1")
    _settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, sidebar  # folded away
    box = _canvas_box(page, "draw 1920 presenting", big, _fits(page, "draw 1920 presenting"))
    assert box["width"] >= 640, box
    assert page.locator('[data-testid="stMain"] [data-testid="stRadio"]').count() == 0  # no upload choice
    assert _draw_one(page) == "1"
    digit = page.locator('[data-testid="stMetricValue"]').first
    assert digit.bounding_box()["height"] >= 150, digit.bounding_box()  # zoomed very large (studio_ui.screen)
    page.screenshot(path=str(SHOTS / "big-draw-present.png"))
    assert "present=1" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def _touch_stroke(cdp, x: float, y0: float, y1: float, steps: int = 20) -> None:
    """One finger from (x, y0) to (x, y1): the touch events a touchscreen sends."""
    def point(y):
        return [{"x": x, "y": y, "id": 1, "radiusX": 2, "radiusY": 2, "force": 1}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(y0)})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": point(y0 + (y1 - y0) * i / steps)})
        time.sleep(0.02)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_draws_a_one_and_the_page_stays_put(browser, app_url, tmp_path, mnist_classic):
    """A touchscreen (Playwright's has_touch, Chromium's touch events): a finger drawn
    up the canvas is read as 1 and the page does not scroll under it; the same swipe
    beside the canvas does scroll the page (so the test would see it)."""
    from mnist_core.storage import ModelStore

    ModelStore(tmp_path / "home" / "models").save(mnist_classic.model, mnist_classic.meta)
    context = browser.new_context(viewport={"width": 800, "height": 900}, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/Draw")
    _settle(page)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=90_000)
    scrolled = 'document.querySelector(\'[data-testid="stMain"]\').scrollTop'
    cdp = context.new_cdp_session(page)
    metric = page.locator('[data-testid="stMetricValue"]').first
    for attempt in range(3):  # the drawing library starts a moment after the element appears
        time.sleep(1.0)
        box = canvas.bounding_box()
        before = page.evaluate(scrolled)
        _touch_stroke(cdp, box["x"] + box["width"] / 2, box["y"] + 0.85 * box["height"], box["y"] + 0.15 * box["height"])
        assert page.evaluate(scrolled) == before, "the page scrolled under the finger"
        try:
            metric.wait_for(timeout=10_000)
            break
        except Exception:
            page.screenshot(path=str(SHOTS / f"touch-attempt-{attempt}.png"))
    _settle(page)
    assert metric.inner_text().strip() == "1"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "touch-one.png"))
    main = page.locator('[data-testid="stMain"]').bounding_box()
    before = page.evaluate(scrolled)
    _touch_stroke(cdp, main["x"] + main["width"] - 8, 850, 350)  # the page's right margin, beside the canvas
    time.sleep(1.0)
    assert page.evaluate(scrolled) > before, "a swipe beside the canvas should scroll the page"
    context.close()
