"""The app's own benchmarks, measured through a real server and headless Chromium.

    python tools/bench_app.py [--drawings 30] [--sessions 10] [--json]
    python tools/bench_app.py --only first_use --root /path/to/old/checkout [--rounds 2]
    python tools/bench_app.py --only draw --root /path/to/old/checkout [--drawings 30]

1. ``watched``: the default classic run started from the Train page, watched until
   "Saved as" shows (timed in the page: Playwright's wait polls, see ``watched_run``),
   against the same run by ``python -m mnist_core train`` -- both wall-clock and the
   training loop's own seconds.  The first run on a fresh server
   (which starts the workers and sends them the data) is reported apart.
2. ``draw``: mouse-up to a new prediction on the Draw page (what the network sees and the
   server's time under it change), median over N strokes, once the verdict is ready.
   ``--root DIR`` (repeatable) measures other checkouts too, each on a server of its own,
   in alternating blocks of strokes, so before and after share the machine's load.
3. ``two_jobs``: two default classic runs at once on two workers, against one alone.
4. ``sessions``: the server's resident memory with N sessions open on Draw (its
   worker processes reported apart).
5. ``first_use``: a fresh server (empty model store, empty data cache, MNIST in
   MNIST_DATA_DIR): seconds from launching it until a pupil who opened Draw and drew a 1
   reads the model's answer (a digit in the answer's container, ``.st-key-draw_answer``),
   and until the verdict's sentence (the studio may show the answer while the verdict
   still calibrates; older checkouts show both at once).  ``--root DIR`` (repeatable)
   measures other checkouts of the studio in the same run, alternating, so before and
   after share the machine's load.

Needs MNIST (``MNIST_DATA_DIR``), Debian's chromium and the playwright package; it
starts its own server on a free port of 127.0.0.1 with a fresh MNIST_STUDIO_HOME.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: mnist_core is beside tools/
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def chromium(idle: bool) -> str:
    """Chromium's path, or with ``idle`` a script that runs it under Linux's SCHED_IDLE
    policy (``chrt --idle``; its processes inherit it): it then takes only what the server
    leaves of the cores, as a browser on a device of its own would.  (A nice value does
    not do: Chromium sets its own processes' nice values.)"""
    if not idle:
        return CHROMIUM
    script = Path(tempfile.mkdtemp()) / "chromium-idle"
    script.write_text(f'#!/bin/sh\nexec chrt --idle 0 {CHROMIUM} "$@"\n')
    script.chmod(0o755)
    return str(script)


def entry(root: Path) -> str:
    """The README's command for ``root``: ``serve.py`` (workers warmed at launch) where the
    checkout has one, else ``streamlit_app.py``; ``--entry`` picks one for every checkout."""
    return ENTRY or ("serve.py" if (root / "serve.py").exists() else "streamlit_app.py")


ENTRY: str | None = None


def serve(home: Path, root: Path = ROOT, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MNIST_STUDIO_HOME": str(home), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", entry(root), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def settle(page, timeout: float = 120) -> None:
    page.wait_for_selector("h1", timeout=timeout * 1000)
    deadline, quiet = time.time() + timeout, None
    while time.time() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count():
            quiet = None
        elif quiet is None:
            quiet = time.time()
        elif time.time() - quiet > 0.5:
            return
        time.sleep(0.05)


def cli_run() -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "mnist_core", "train", "--model", "classic", "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return {"wall": time.perf_counter() - start, "train_seconds": json.loads(out.strip().splitlines()[-1])["train_seconds"]}


def new_workspace(home: Path, name: str) -> str:
    """A workspace made in the server's ``home`` through the engine, as the app makes one;
    its key (a workspace is opened by its key, ``?workspace=KEY``, never by its name)."""
    from mnist_core.storage.workspaces import create_workspace

    before = os.environ.get("MNIST_STUDIO_HOME")
    os.environ["MNIST_STUDIO_HOME"] = str(home)
    try:
        return create_workspace(name).key
    finally:
        if before is None:
            os.environ.pop("MNIST_STUDIO_HOME")
        else:
            os.environ["MNIST_STUDIO_HOME"] = before


#: In the page, before the app: the time of the latest click, and of the first frame drawn
#: after "Saved as" entered the page following a click.
SEEN = """window.__clicked = null; window.__saved = null;
document.addEventListener('click', () => { window.__clicked = Date.now(); window.__saved = null; }, true);
new MutationObserver((changes) => {
  if (window.__clicked === null || window.__saved !== null) return;
  for (const change of changes)
    for (const node of change.type === 'characterData' ? [change.target] : change.addedNodes)
      if ((node.textContent || '').includes('Saved as')) {
        window.__saved = 0; requestAnimationFrame(() => setTimeout(() => { window.__saved = Date.now(); })); return; }
}).observe(document, {childList: true, characterData: true, subtree: true});"""


def watched_run(browser, url: str, home: Path, workspace: str) -> dict:
    """The default run started from Train in the workspace keyed ``workspace``, until "Saved as".
    ``wall``: from the click to the first frame drawn with "Saved as", timed in the page
    (:data:`SEEN`); ``wall_polled``: until Playwright's wait for the text returned, which
    polls: it returned 0.1-0.7 s after the text was in the page (this bench's figure until 2026-12-05)."""
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.add_init_script(SEEN)
    page.goto(f"{url}/Train?workspace={workspace}")
    settle(page)
    start = time.perf_counter()
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Saved as").first.wait_for(timeout=600_000)
    polled = time.perf_counter() - start
    try:
        page.wait_for_function("window.__saved > 0", timeout=10_000)
        wall = page.evaluate("(window.__saved - window.__clicked) / 1000")
    except Exception:  # noqa: BLE001 -- the page's timer missed it: the polled figure alone
        wall = None
    meta_files = sorted(home.glob(f"workspaces/{workspace}/models/*.npz"), key=lambda p: p.stat().st_mtime)
    from mnist_core.storage import read_metadata

    page.close()
    return {"wall": wall, "wall_polled": round(polled, 3),
            "train_seconds": read_metadata(meta_files[-1])["train_seconds"]}


#: What changes on the Draw page with every new prediction, on this checkout and older ones
#: (default view): what the network sees (a new image URL per drawing) and the server's time under it.
DRAWN = """() => [...document.querySelectorAll('[data-testid="stImage"] img')].map(i => i.getAttribute('src')).join(' ')
  + [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].map(c => c.innerText)
      .filter(t => t.startsWith('Preprocessing, prediction')).join(' ')"""


def stroke(page, box: dict, i: int) -> None:
    """The i-th stroke: a short line down the canvas, moved along a little each time."""
    x = box["x"] + 20 + (i * 37) % (box["width"] - 40)
    page.mouse.move(x, box["y"] + 40)
    page.mouse.down()
    for k in range(1, 12):
        page.mouse.move(x + k, box["y"] + 40 + k * 18)
    page.mouse.up()


def draw_page(browser, url: str) -> tuple:
    """Draw open on ``url``, its model trained and its verdict ready (a stroke, then its
    sentence): what the strokes measured next wait for is the prediction alone."""
    import re

    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/Draw", timeout=300_000)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=900_000)  # a fresh server trains the default model first
    settle(page, 300)
    box = canvas.bounding_box()
    stroke(page, box, 0)
    page.get_by_text(re.compile(ANSWER)).first.wait_for(timeout=900_000)
    settle(page, 60)
    return page, box


def steady(page, quiet: float = 0.3, most: float = 10.0) -> str:
    """What :data:`DRAWN` reads once it has not changed for ``quiet`` seconds (the previous
    stroke's answer may still be arriving: it must not count as the next one's)."""
    shown, since, deadline = page.evaluate(DRAWN), time.perf_counter(), time.perf_counter() + most
    while time.perf_counter() - since < quiet and time.perf_counter() < deadline:
        time.sleep(0.02)
        now = page.evaluate(DRAWN)
        if now != shown:
            shown, since = now, time.perf_counter()
    return shown


def draw_latency(drawing: tuple, strokes: int, first: int = 1) -> list[float]:
    """Milliseconds from mouse-up to a new prediction, for ``strokes`` strokes (numbered from
    ``first``) on ``drawing`` (:func:`draw_page`'s page and canvas box)."""
    page, box = drawing
    times = []
    for i in range(first, first + strokes):
        before = steady(page)
        stroke(page, box, i)
        start = time.perf_counter()
        deadline = start + 20
        while time.perf_counter() < deadline and page.evaluate(DRAWN) == before:
            time.sleep(0.005)
        times.append((time.perf_counter() - start) * 1000)
    return times


def draw_compare(browser, urls: dict[str, str], strokes: int, block: int = 5) -> dict:
    """Draw latency on each server of ``urls`` (name -> URL), ``strokes`` each, measured in
    alternating blocks of ``block`` strokes after one warm-up stroke each: {name: summary}."""
    pages = {name: draw_page(browser, url) for name, url in urls.items()}
    times: dict[str, list[float]] = {name: [] for name in urls}
    for name, page in pages.items():
        draw_latency(page, 1, first=1)  # warm up
    done = 0
    while done < strokes:
        n = min(block, strokes - done)
        for name, page in pages.items():
            times[name] += draw_latency(page, n, first=2 + done)
        done += n
    for page, _ in pages.values():
        page.close()
    return {name: {"median": round(statistics.median(t), 1), "min": round(min(t), 1), "max": round(max(t), 1),
                   "n": len(t)} for name, t in times.items()}


#: The Draw page's answer, in any of its verdicts (English).
ANSWER = r"This is a \d|Probably \d|does not look like any digit|too little ink"


#: The model's answer in the Draw page's answer container: a digit (with "?" when unsure).
DIGIT = r"^\s*\d\??\s*$"


def first_use(browser, root: Path) -> dict:
    """Seconds from launching a fresh server of ``root`` to the model's answer to a drawn 1
    (``answer_s``: a digit in the answer's container) and to the verdict's sentence (``verdict_s``);
    ``strokes_after_answer``: strokes drawn again while waiting for the verdict (one every 20 s)."""
    import re

    home, cache = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    start = time.perf_counter()
    server, url = serve(home, root, {"MNIST_CACHE_DIR": str(cache)})
    times: dict[str, float] = {}
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/Draw", timeout=300_000)
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for(timeout=300_000)
        answer = page.locator(".st-key-draw_answer [data-testid='stMetricValue']").filter(has_text=re.compile(DIGIT))
        verdict = page.get_by_text(re.compile(ANSWER)).first
        deadline = time.perf_counter() + 900  # a machine shared with others: minutes, not seconds
        drawn = 0.0
        while time.perf_counter() < deadline:
            box = canvas.bounding_box()
            # a 1: one stroke down the middle, drawn again while no model answers yet; once the
            # answer shows, the pupil waits for the verdict (the page rereads the drawing when it is
            # ready), drawing again only now and then
            if box and ("answer_s" not in times or time.perf_counter() - drawn > 20):
                drawn = time.perf_counter()
                if "answer_s" in times:
                    times["strokes_after_answer"] = times.get("strokes_after_answer", 0) + 1
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.2)
                page.mouse.down()
                for k in range(1, 13):
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * (0.2 + 0.05 * k))
                page.mouse.up()
            waited = time.perf_counter()
            while time.perf_counter() - waited < 3:  # each within 50 ms of showing
                if "answer_s" not in times and answer.count():
                    times["answer_s"] = round(time.perf_counter() - start, 1)
                if verdict.count():
                    times["verdict_s"] = round(time.perf_counter() - start, 1)
                    times.setdefault("answer_s", times["verdict_s"])  # both at once (the digit is above it)
                    times.setdefault("strokes_after_answer", 0)
                    return times
                time.sleep(0.05)
        raise SystemExit(f"no answer within 900 s from {root}: {times}")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def two_jobs() -> dict:
    from mnist_core.data import load_mnist
    from mnist_core.storage import ModelStore
    from mnist_core.training import JobManager, cluster

    os.environ["MNIST_STUDIO_WORKERS"] = "2"
    mnist, store, manager = load_mnist(), ModelStore(tempfile.mkdtemp()), JobManager()

    def run(n: int) -> float:
        start = time.perf_counter()
        jobs = [manager.submit(f"bench-{n}-{i}", "classic", mnist, store=store) for i in range(n)]
        while not all(j.status.finished for j in jobs):  # set by the manager itself: no polling traffic
            time.sleep(0.02)
        return time.perf_counter() - start

    run(1)  # warm the workers (imports, the dataset sent once)
    one, two = run(1), run(2)
    cluster.shutdown()
    return {"one_job_s": round(one, 2), "two_jobs_s": round(two, 2), "ratio": round(two / one, 2)}


def sessions_rss(browser, url: str, server: subprocess.Popen, n: int) -> dict:
    pages = []
    peak = 0.0
    for _ in range(n):
        page = browser.new_context().new_page()
        page.goto(f"{url}/Draw")
        settle(page)
        pages.append(page)
        peak = max(peak, psutil.Process(server.pid).memory_info().rss)
    workers = sum(p.memory_info().rss for p in psutil.Process(server.pid).children(recursive=True))
    for page in pages:
        page.context.close()
    return {"server_rss_mib": round(peak / 2**20, 1), "workers_rss_mib": round(workers / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--root", type=Path, action="append",
                        help="first_use and draw: also measure this checkout (repeatable)")
    parser.add_argument("--only", choices=["two_jobs", "watched", "draw", "sessions", "first_use"], action="append",
                        help="run only these measurements (repeatable)")
    parser.add_argument("--rounds", type=int, default=2, help="first_use: times each checkout is measured")
    parser.add_argument("--home", type=Path, help="watched/draw/sessions: this MNIST_STUDIO_HOME (default: a fresh "
                        "one, where the server first trains the studio's model); again: a server restarted")
    parser.add_argument("--entry", choices=["serve.py", "streamlit_app.py"],
                        help="the file every server runs (default: serve.py where a checkout has it)")
    parser.add_argument("--browser-idle", action="store_true",
                        help="run Chromium under SCHED_IDLE: as a pupil's browser on a device of its own, taking "
                             "only what the server leaves of the cores (default: the same priority as the server)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    global ENTRY
    ENTRY = args.entry
    only = set(args.only or ["two_jobs", "watched", "draw", "sessions"])
    from playwright.sync_api import sync_playwright

    result: dict = {"two_jobs": two_jobs()} if "two_jobs" in only else {}
    if "first_use" in only:
        roots = [ROOT, *(r.resolve() for r in args.root or [])]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(args.browser_idle), headless=True, args=ARGS)
            for _ in range(args.rounds):  # alternating: before and after share the machine's load
                for root in roots:
                    for what, seconds in first_use(browser, root).items():
                        result.setdefault(f"first_use_{what}", {}).setdefault(str(root), []).append(seconds)
            browser.close()
        if only == {"first_use"}:
            print(json.dumps(result) if args.json else json.dumps(result, indent=2))
            return
    home = args.home or Path(tempfile.mkdtemp())
    home.mkdir(parents=True, exist_ok=True)
    if "watched" in only:  # before the server: what it starts at launch would share the cores with it
        result["cli"] = cli_run()
    server, url = serve(home)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(args.browser_idle), headless=True, args=ARGS)
            if "watched" in only:
                first, second = new_workspace(home, "bench first"), new_workspace(home, "bench second")
                result["watched_first"] = watched_run(browser, url, home, first)  # starts the workers
                result["watched"] = watched_run(browser, url, home, second)
                for run in ("watched_first", "watched"):
                    result[f"{run}_over_cli"] = {k: result[run][k] and round(result[run][k] / result["cli"][key], 2)
                                                 for k, key in (("wall", "wall"), ("wall_polled", "wall"),
                                                                ("train_seconds", "train_seconds"))}
            if "draw" in only:  # other checkouts: a server each, with a home of its own
                others = {str(r.resolve()): serve(Path(tempfile.mkdtemp()), r.resolve()) for r in args.root or []}
                try:
                    result["draw_ms"] = draw_compare(browser, {str(ROOT): url, **{k: u for k, (_, u) in others.items()}},
                                                     args.drawings)
                finally:
                    for proc, _ in others.values():
                        proc.terminate()
                        proc.wait(30)
            if "sessions" in only:
                result["sessions"] = sessions_rss(browser, url, server, args.sessions)
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
