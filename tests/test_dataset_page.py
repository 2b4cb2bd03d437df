"""The Dataset page's image browser through AppTest: filters, paging (every image once,
back to page 1 when a filter changes), thumbnails to click, and the clicked image's
pixels as a heatmap and as a table; on the embedded digits, and on MNIST when present."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from conftest import ok  # the AppTest helpers

from mnist_core.data import load_digits
from mnist_core.data.datasets import locate_mnist

ROOT = Path(__file__).resolve().parent.parent
HAS_MNIST = bool(os.environ.get("MNIST_DATA_DIR")) and locate_mnist() is not None


pytestmark = pytest.mark.usefixtures("app_state")  # conftest: no cache leaks between tests



def dataset_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()  # st.navigation registers the pages
    at.switch_page("pages/Dataset.py")
    return ok(at.run())


def chart_data(at: AppTest, name: str) -> pd.DataFrame:
    """The data set ``name`` of the page's Vega-Lite charts (what the browser draws)."""
    for chart in at.get("vega_lite_chart"):
        for data in chart.proto.datasets:
            if data.name == name:
                return dataframe_util.convert_arrow_bytes_to_pandas_df(data.data.data)
    raise AssertionError(f"no chart draws {name!r}")


def thumbnails(at: AppTest) -> pd.DataFrame:
    return chart_data(at, "thumbnails")


def pager(at: AppTest):
    (widget,) = [p for p in at.pagination if p.key.startswith("browse_page_")]
    return widget


def inspected(at: AppTest) -> str:
    return next(s.value for s in at.subheader if " image #" in s.value)


def click(at: AppTest, index: int, split: str = "train", name: str = "digits") -> AppTest:
    """What a click on a thumbnail sends: the chart's point selection."""
    at.session_state[f"browse_thumbs_{name}_{split}"] = {"selection": {"thumb": [{"index": index}]}}
    return ok(at.run())


def every_page(at: AppTest) -> list[int]:
    """The thumbnails' indices, page after page, turned with the pager."""
    seen, widget = [], pager(at)
    assert widget.value == 1
    for number in range(1, widget.num_pages + 1):
        if number > 1:
            pager(at).set_value(number)
            ok(at.run())
        assert pager(at).value == number
        seen += list(thumbnails(at)["index"])
    return seen


def test_thumbnails_follow_the_filters(digits_only):
    at = dataset_page()
    assert thumbnails(at)["label"].nunique() > 1  # unfiltered: a mix of labels
    at.selectbox(key="browse_label").set_value(3)
    ok(at.run())
    shown = thumbnails(at)
    assert len(shown) == 32 and set(shown["label"]) == {3}  # a full page, every image a 3
    assert list(shown["caption"][:2]) == [f"#{i}: 3" for i in shown["index"][:2]]
    at.radio(key="browse_split").set_value("test")
    ok(at.run())
    assert set(thumbnails(at)["label"]) == {3}


@pytest.mark.parametrize("split, label", [("test", "all"), ("train", 7)])
def test_paging_covers_every_image_exactly_once(digits_only, split, label):
    ds = load_digits()
    y = ds.y_test if split == "test" else ds.y_train
    expected = [int(i) for i in range(len(y)) if label == "all" or y[i] == label]
    at = dataset_page()
    at.radio(key="browse_split").set_value(split)
    at.selectbox(key="browse_label").set_value(label)
    ok(at.run())
    assert pager(at).num_pages == -(-len(expected) // 32)
    assert f"{len(expected):,} images; page 1 of {pager(at).num_pages}" in "".join(c.value for c in at.caption)
    assert every_page(at) == expected  # in order, none twice, none left out


def test_page_goes_back_to_1_when_a_filter_changes(digits_only):
    at = dataset_page()
    pager(at).set_value(3)
    ok(at.run())
    assert thumbnails(at)["index"].iloc[0] == 64
    at.radio(key="browse_split").set_value("test")
    ok(at.run())
    assert pager(at).value == 1 and thumbnails(at)["index"].iloc[0] == 0
    pager(at).set_value(2)
    ok(at.run())
    at.selectbox(key="browse_label").set_value(5)
    ok(at.run())
    ds = load_digits()
    assert pager(at).value == 1 and thumbnails(at)["index"].iloc[0] == int(np.flatnonzero(ds.y_test == 5)[0])
    at.radio(key="browse_split").set_value("train")
    at.selectbox(key="browse_label").set_value("all")
    ok(at.run())
    assert pager(at).value == 1  # back where we were: page 1 again, not page 3


def test_clicking_a_thumbnail_inspects_it(digits_only):
    ds = load_digits()
    at = dataset_page()
    assert inspected(at) == f"Train image #0: label {ds.y_train[0]}"  # the page's first, until a click
    assert list(thumbnails(at)["inspected"]).index(True) == 0
    click(at, 13)
    assert inspected(at) == f"Train image #13: label {ds.y_train[13]}"
    assert list(thumbnails(at)["inspected"]).index(True) == 13  # shaded in the grid
    pixels = chart_data(at, "pixels")
    assert len(pixels) == 64 and np.array_equal(pixels["value"].to_numpy().reshape(8, 8), ds.x_train[13])
    assert set(pixels.loc[pixels["value"] > 0, "text"]) == {str(v) for v in ds.x_train[13].ravel() if v}
    (table,) = at.table
    assert table.value.shape == (8, 8) and np.array_equal(table.value.to_numpy(), ds.x_train[13])
    pager(at).set_value(2)  # the clicked image is not on this page: its first is inspected
    ok(at.run())
    assert inspected(at) == f"Train image #32: label {ds.y_train[32]}"
    pager(at).set_value(1)
    ok(at.run())
    assert inspected(at).startswith("Train image #13:")  # back on its page, still chosen
    at.radio(key="browse_split").set_value("test")  # another split: #13 there is another image
    ok(at.run())
    assert inspected(at) == f"Test image #0: label {ds.y_test[0]}"
    click(at, 5, "test")
    assert inspected(at) == f"Test image #5: label {ds.y_test[5]}"


@pytest.mark.skipif(not HAS_MNIST, reason="MNIST_DATA_DIR does not hold MNIST")
def test_mnist_browser_shows_28x28_and_pages_through_60000():
    from mnist_core.data import load_mnist

    ds = load_mnist()
    at = dataset_page()
    assert at.session_state["active_dataset"] == "mnist" and pager(at).num_pages == 1875
    pager(at).set_value(1875)
    ok(at.run())
    last = thumbnails(at)
    assert list(last["index"]) == list(range(59_968, 60_000)) and list(last["label"]) == list(ds.y_train[59_968:])
    click(at, 59_999, name="mnist")
    (table,) = at.table
    assert table.value.shape == (28, 28) and np.array_equal(table.value.to_numpy(), ds.x_train[59_999])
    assert len(chart_data(at, "pixels")) == 784
    at.radio(key="dataset_picker").set_value("digits")  # the other dataset: its own pages, from 1
    ok(at.run())
    assert pager(at).value == 1 and pager(at).num_pages == -(-1437 // 32)
    assert inspected(at).startswith("Train image #0:")
    assert at.table[0].value.shape == (8, 8)
