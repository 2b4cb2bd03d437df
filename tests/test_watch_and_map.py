"""Inside's "Map of the digits" (a map built on the 8x8 digits by the engine, and one
built through a real worker from the page's button) and the training snapshots' player
(Play, Pause, Step) on Inside (AppTest)."""
from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, inside, ok
from mnist_core.explain.digitmap import digit_map
from mnist_core.storage import gallery
from mnist_core.training import TrainConfig, cluster
from mnist_core.training.pipeline import train_model

pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks


@pytest.fixture(scope="module")
def classic(digits):
    return train_model("classic", digits, {}, TrainConfig(epochs=6, batch_size=32))


def charts(at: AppTest) -> list:
    """The page's Vega-Lite charts (AppTest keeps them as unknown elements)."""
    found, stack = [], [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) in ("vega_lite_chart", "arrow_vega_lite_chart"):
            found.append(node.proto)
        stack += list(getattr(node, "children", {}).values())
    return found


def datasets(proto) -> dict[str, pd.DataFrame]:
    return {d.name: pa.ipc.open_stream(io.BytesIO(d.data.data)).read_all().to_pandas() for d in proto.datasets}


def the_map_chart(at: AppTest) -> dict[str, pd.DataFrame]:
    found = [datasets(c) for c in charts(at) if "pick" in c.spec]
    assert found, "no map on the page"
    return found[0]


def test_the_map_shows_every_point_the_misread_and_the_image_explained(classic, digits):
    rec = gallery().save(classic.model, classic.meta, name="mapped", snapshots=classic.snapshots)
    built, from_cache = digit_map(classic.model, digits)
    assert not from_cache
    at = ok(inside(rec.key, inside_source="A test image", inside_test=5))
    assert "Map of the digits" in [t.label for t in at.tabs]
    data = the_map_chart(at)
    points, me = data["points"], data["me"]
    assert len(points) == len(built.train_index) + len(built.test_index)
    assert (points["kind"] == "misread test image").sum() == int((built.test_pred != built.test_labels).sum())
    assert points["url"].str.startswith("data:image/png;base64,").all()  # hovering shows the picture
    expected = built.place_images(classic.model, digits.floats(digits.x_test[5:6]))
    assert len(me) == 1 and np.allclose(me[["x", "y"]].to_numpy(), expected) and me["text"][0] == "test image 5"
    # a click on a test point: Inside explains that test image
    misread = points[points["kind"] == "misread test image"]
    row = misread.iloc[0] if len(misread) else points[points["split"] == "test"].iloc[0]
    at.session_state["digit_map_inside"] = {"selection": {"pick": [{"split": "test", "index": int(row["index"])}]}}
    ok(at.run())
    assert any(f"Test image {int(row['index'])}, labelled" in c.value for c in at.caption)


def test_the_button_builds_the_map_on_a_worker_with_progress(classic, digits, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_WORKERS", "1")
    rec = gallery().save(classic.model, classic.meta, name="to-map")
    at = ok(inside(rec.key))
    assert not charts(at) or all("pick" not in c.spec for c in charts(at))
    at.button(key="build_map_inside").click().run()
    try:
        deadline = time.time() + 240
        while not any("pick" in c.spec for c in charts(ok(at))):
            assert time.time() < deadline, "the map was not built"
            time.sleep(1)
            at.run()
        points = the_map_chart(at)["points"]
        assert (points["split"] == "train").sum() == min(5000, len(digits.x_train))
    finally:
        cluster.shutdown()


def press(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def playing(at: AppTest) -> bool:
    where = next(b for b in at.button if b.label == "Play").key.removeprefix("play_")
    return bool(at.session_state[f"play_on_{where}"]) if f"play_on_{where}" in at.session_state else False


def frame_text(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Frame"))


def test_the_snapshots_play_pause_and_step(classic):
    rec = gallery().save(classic.model, classic.meta, name="player", snapshots=classic.snapshots)
    at = ok(inside(rec.key))
    n = len(classic.snapshots)
    assert frame_text(at).startswith(f"**Frame {n} of {n}**")  # the end: the trained model
    press(at, "Step")  # from the last frame, Step goes round to the start
    assert frame_text(ok(at)).startswith(f"**Frame 1 of {n}**: epoch 0")
    press(at, "Step")
    assert frame_text(ok(at)).startswith(f"**Frame 2 of {n}**")
    tests = [datasets(c)["cells"] for c in charts(at) if "cells" in c.spec][0]
    assert len(tests) == 16 and set(tests["label"]) == set(range(10))
    press(at, "Play")
    assert playing(at) and not next(b for b in at.button if b.label == "Pause").disabled
    at.run()  # a tick
    playing_at = int(frame_text(ok(at)).split()[1])
    assert playing_at > 2
    press(at, "Pause")
    assert not playing(at)
    at.run()
    assert int(frame_text(ok(at)).split()[1]) == int(frame_text(at).split()[1])  # paused: it stays
    curve = [datasets(c) for c in charts(at) if "now" in c.spec][0]
    assert curve["now"]["epoch"][0] == classic.snapshots.epoch[int(frame_text(at).split()[1]) - 1]


def test_a_model_saved_before_predictions_plays_without_them(classic):
    from mnist_core.storage.snapshots import Snapshots

    s = classic.snapshots
    old = Snapshots(s.units, s.frames, s.scales, s.samples_seen, s.epoch)  # no predictions, as files before them
    rec = gallery().save(classic.model, classic.meta, name="older", snapshots=old)
    at = ok(inside(rec.key))
    assert any("saved before predictions were recorded" in i.value for i in at.info)
    assert frame_text(at).startswith("**Frame")


def frame_numbers(at: AppTest) -> tuple[int, int, float, int]:
    """The frame shown, of how many, its epoch and images seen ("**Frame 3 of 9**: epoch 0.25, 359 images seen")."""
    import re

    m = re.match(r"\*\*Frame (\d+) of (\d+)\*\*: epoch ([\d.]+), ([\d,]+) images seen", frame_text(at))
    assert m, frame_text(at)
    return int(m[1]), int(m[2]), float(m[3]), int(m[4].replace(",", ""))


def test_a_run_plays_while_it_goes_and_its_saved_frames_take_over_at_the_same_moment(monkeypatch):
    from mnist_core.training import manager

    monkeypatch.setenv("MNIST_STUDIO_WORKERS", "1")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("pages/Train.py")
    ok(at.run())
    at.number_input(key="train_classic_digits_epochs").set_value(1000)  # long: stopped below
    at.number_input(key="train_classic_digits_batch_size").set_value(1)
    next(b for b in at.button if b.label == "Start training").click()
    ok(at.run())
    job = manager().jobs(at.session_state["workspace"])[0]
    try:
        deadline = time.time() + 240
        while not any(m.value.startswith("**Frame") for m in at.markdown) or frame_numbers(at)[1] < 8:
            assert time.time() < deadline, "the running job's frames were not played"
            time.sleep(0.5)
            ok(at.run())
        assert not job.status.finished
        shown, total, _, _ = frame_numbers(at)
        assert shown == total and playing(at)  # it follows the newest frame
        tests = [datasets(c)["cells"] for c in charts(at) if "cells" in c.spec][0]
        assert len(tests) == 16  # the fixed test images, as read at that moment
        press(at, "Pause")
        at.select_slider(key=f"play_frame_{job.id}").set_value(2)  # back to the third frame
        ok(at.run())
        shown, more, epoch, moment = frame_numbers(at)
        assert shown == 3 and not playing(at)
        curve = [datasets(c) for c in charts(at) if "now" in c.spec][0]
        assert len(curve["curve"]) and round(curve["now"]["epoch"][0], 2) == epoch  # the curve, marked then
        while frame_numbers(at)[1] == more:  # more frames come; the moment stays
            assert time.time() < deadline, "no more frames"
            time.sleep(0.5)
            ok(at.run())
        assert frame_numbers(at)[0] == 3 and frame_numbers(at)[3] == moment
        next(b for b in at.button if b.label == "Stop").click()
        ok(at.run())
        while not job.status.finished:
            assert time.time() < deadline, "the run did not stop"
            time.sleep(0.2)
        ok(at.run())
        ok(at.run())
        assert any("Saved as" in w.value for w in at.warning)  # stopped early, saved
        assert frame_numbers(at)[0] == 3 and frame_numbers(at)[3] == moment  # the file's frames, same moment
    finally:
        manager().stop(job.id)
        cluster.shutdown()
