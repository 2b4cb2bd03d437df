"""Server time of the pages' clicks, measured with Streamlit's AppTest (the script run
itself: what a click costs the server, without the browser).

    MNIST_DATA_DIR=... python tools/bench_pages.py [--repeats 7] [--model classic | --file M.npz] [--json]

Trains the kind's default model on MNIST once into a fresh MNIST_STUDIO_HOME, then
reports medians, warm (every cache filled by a first run):

* ``inside_ms``: the Inside page for one test image (all five panels), then another image;
* ``network_ms`` and ``microscope_ms``: of ``inside_ms``, the network's picture (its
  activations, edges, rendering and chart; Draw's panel is the same call) and the
  microscope on the unit that pushed hardest (the training images that excite it most
  found by the cold first run);
* ``mistakes_first_ms``: the Mistakes page's first run once the evaluation is cached;
* ``mistakes_cell_ms``: clicking a confusion-matrix cell (the selection set, the page rerun);
* ``mistakes_thumbnail_ms``: clicking a thumbnail of the gallery;
* ``dataset_click_ms``: the Dataset page's rerun after a click on a thumbnail never
  inspected before (its heatmap and pixel table are new; the page's other parts warm);
  it was a test's 300 ms limit once, and belongs here: a timing, not a behaviour;
* ``draw_verdict_ms``: the Draw page's run (the canvas cannot be drawn on in AppTest: the
  figure is the page without a drawing, for reference) -- see ``bench --explain`` for a
  drawing's prediction with its verdict.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "streamlit_app.py")


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--model", default="classic")
    parser.add_argument("--file", help="a saved model (.npz) to measure instead of training --model's default")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["MNIST_STUDIO_HOME"] = tempfile.mkdtemp(prefix="bench-pages-")
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    from mnist_core.data import load_mnist
    from mnist_core.models import recommended_training
    from mnist_core.storage import ModelStore
    from mnist_core.training.pipeline import train_model

    if args.file:
        from mnist_core.storage import load_model
        from mnist_core.storage.modelfile import load_snapshots

        model, meta = load_model(args.file)
        rec = ModelStore().save(model, meta, name=f"bench-{meta.get('model')}", snapshots=load_snapshots(args.file))
        args.model = meta.get("model")
    else:
        result = train_model(args.model, load_mnist(), config=recommended_training(args.model))
        rec = ModelStore().save(result.model, result.meta, name=f"bench-{args.model}", snapshots=result.snapshots)

    def app(page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=600)
        at.run()
        at.session_state["active_models"] = {"mnist": rec.key}
        at.session_state["active_dataset"] = "mnist"
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    out: dict[str, float] = {"model": args.model}
    inside = app("Inside")  # cold: imagines, loads the snapshots; the verdict calibrates in the background
    while any("Still calibrating the verdict" in c.value for c in inside.caption):  # timed with it, as before
        time.sleep(0.2)
        inside.run()
    times, network, microscope = [], [], []
    for i in range(args.repeats):
        inside.number_input[0].set_value(100 + i)
        times.append(timed(inside.run))
        network.append(inside.session_state["network_ms"])
        microscope.append(inside.session_state["microscope_ms"])
    out["inside_ms"] = statistics.median(times)
    out["network_ms"] = statistics.median(network)
    out["microscope_ms"] = statistics.median(microscope)
    first = []
    for _ in range(3):
        first.append(timed(lambda: app("Mistakes")))  # includes the first (navigation) run: an upper bound
    out["mistakes_first_ms"] = statistics.median(first)
    mistakes = app("Mistakes")
    cells, thumbs = [], []
    for i in range(args.repeats):
        true, pred = (7, 2) if i % 2 else (4, 9)
        mistakes.session_state["confusion_pick"] = {"selection": {"cell": [{"true": true, "predicted": pred}]}}
        cells.append(timed(mistakes.run))
        mistakes.session_state["mistake_rows"] = {"selection": {"rows": [i % 3], "columns": []}}
        thumbs.append(timed(mistakes.run))
        assert not mistakes.exception, [e.value for e in mistakes.exception]
    out["mistakes_cell_ms"] = statistics.median(cells)
    out["mistakes_thumbnail_ms"] = statistics.median(thumbs)
    dataset = app("Dataset")
    clicks = []
    for i, index in enumerate([1, 2, *range(3, 3 + args.repeats)]):
        dataset.session_state["browse_thumbs_mnist_train"] = {"selection": {"thumb": [{"index": index}]}}
        took = timed(dataset.run)
        assert not dataset.exception, [e.value for e in dataset.exception]
        if i >= 2:  # the first two build the charts' specs
            clicks.append(took)
    out["dataset_click_ms"] = statistics.median(clicks)
    out["load_average"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}))
    else:
        for key, value in out.items():
            print(f"{key:>24}: {value:.1f}" if isinstance(value, float) else f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
