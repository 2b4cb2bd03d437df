"""The app's own benchmarks, measured through a real server and headless Chromium.

    python tools/bench_app.py [--drawings 30] [--sessions 10] [--json]

1. ``watched``: the default classic run started from the Train page, watched until
   "Saved as" shows, against the same run by ``python -m mnist_core train`` -- both
   wall-clock and the training loop's own seconds.  The first run on a fresh server
   (which starts the workers and sends them the data) is reported apart.
2. ``draw``: mouse-up to a new prediction on the Draw page, median over N strokes.
3. ``two_jobs``: two default classic runs at once on two workers, against one alone.
4. ``sessions``: the server's resident memory with N sessions open on Draw (its
   worker processes reported apart).
5. ``first_use``: a fresh server (empty model store, empty data cache, MNIST in
   MNIST_DATA_DIR): seconds from launching it until a pupil who opened Draw and drew a 1
   reads the model's answer.  ``--root DIR`` (repeatable) measures other checkouts of the
   studio in the same run, alternating, so before and after share the machine's load.

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


def serve(home: Path, root: Path = ROOT, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MNIST_STUDIO_HOME": str(home), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
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


def watched_run(browser, url: str, home: Path, workspace: str) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(f"{url}/Train?workspace={workspace}")
    settle(page)
    start = time.perf_counter()
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Saved as").first.wait_for(timeout=600_000)
    wall = time.perf_counter() - start
    meta_files = sorted(home.glob(f"workspaces/{workspace}/models/*.npz"), key=lambda p: p.stat().st_mtime)
    from mnist_core.storage import read_metadata

    page.close()
    return {"wall": wall, "train_seconds": read_metadata(meta_files[-1])["train_seconds"]}


def draw_latency(browser, url: str, strokes: int) -> list[float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/Draw")
    settle(page)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=120_000)
    time.sleep(1.0)
    box = canvas.bounding_box()
    seen = page.locator('[data-testid="stImage"] img')  # "what the network sees": a new src per drawing

    def shown() -> str:
        return (seen.first.get_attribute("src") or "") if seen.count() else ""

    times = []
    for i in range(strokes + 1):  # the first stroke warms up
        before = shown()
        x = box["x"] + 20 + (i * 37) % (box["width"] - 40)
        page.mouse.move(x, box["y"] + 40)
        page.mouse.down()
        for k in range(1, 12):
            page.mouse.move(x + k, box["y"] + 40 + k * 18)
        page.mouse.up()
        start = time.perf_counter()
        deadline = start + 20
        while time.perf_counter() < deadline:
            if shown() != before:
                break
            time.sleep(0.005)
        if i:
            times.append((time.perf_counter() - start) * 1000)
    page.close()
    return times


#: The Draw page's answer, in any of its verdicts (English).
ANSWER = r"This is a \d|Probably \d|does not look like any digit|too little ink"


def first_use(browser, root: Path) -> float:
    """Seconds from launching a fresh server of ``root`` to the answer to a drawn 1."""
    import re

    home, cache = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    start = time.perf_counter()
    server, url = serve(home, root, {"MNIST_CACHE_DIR": str(cache)})
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/Draw", timeout=300_000)
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for(timeout=300_000)
        answer = page.get_by_text(re.compile(ANSWER)).first
        deadline = time.perf_counter() + 900  # a machine shared with others: minutes, not seconds
        while time.perf_counter() < deadline:
            box = canvas.bounding_box()
            if box:  # a 1: one stroke down the middle (drawn again while no model answers yet)
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.2)
                page.mouse.down()
                for k in range(1, 13):
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * (0.2 + 0.05 * k))
                page.mouse.up()
            try:
                answer.wait_for(timeout=3000)
                return time.perf_counter() - start
            except Exception:  # noqa: BLE001 -- not yet: the model is still being prepared
                pass
        raise SystemExit(f"no answer within 900 s from {root}")
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
    parser.add_argument("--root", type=Path, action="append", help="first_use: also measure this checkout")
    parser.add_argument("--only", choices=["two_jobs", "watched", "draw", "sessions", "first_use"], action="append",
                        help="run only these measurements (repeatable)")
    parser.add_argument("--rounds", type=int, default=2, help="first_use: times each checkout is measured")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    only = set(args.only or ["two_jobs", "watched", "draw", "sessions"])
    from playwright.sync_api import sync_playwright

    result: dict = {"two_jobs": two_jobs()} if "two_jobs" in only else {}
    if "first_use" in only:
        roots = [ROOT, *(r.resolve() for r in args.root or [])]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for _ in range(args.rounds):  # alternating: before and after share the machine's load
                for root in roots:
                    result.setdefault("first_use_s", {}).setdefault(str(root), []).append(
                        round(first_use(browser, root), 1))
            browser.close()
        if only == {"first_use"}:
            print(json.dumps(result) if args.json else json.dumps(result, indent=2))
            return
    home = Path(tempfile.mkdtemp())
    server, url = serve(home)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            if "watched" in only:
                result["cli"] = cli_run()
                result["watched_first"] = watched_run(browser, url, home, "bench-first")  # starts the workers
                result["watched"] = watched_run(browser, url, home, "bench-second")
                result["watched_over_cli"] = {k: round(result["watched"][k] / result["cli"][k], 2)
                                              for k in ("wall", "train_seconds")}
            if "draw" in only:
                times = draw_latency(browser, url, args.drawings)
                result["draw_ms"] = {"median": round(statistics.median(times), 1), "min": round(min(times), 1),
                                     "max": round(max(times), 1), "n": len(times)}
            if "sessions" in only:
                result["sessions"] = sessions_rss(browser, url, server, args.sessions)
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
