"""The network picture and the microscope in the app (AppTest): on Inside for the classic
network and the CNN, a click on the picture and the chooser pick the same unit, the sum
written out is the model's own forward pass; on Draw's panel for a drawing."""
from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import inside as open_inside, ok
from mnist_core.storage import ModelStore, gallery
from mnist_core.training import TrainConfig
from mnist_core.training.pipeline import train_model

pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks
CHART = "network_inside_chart"


@pytest.fixture(scope="module")
def trained(digits):
    return {kind: train_model(kind, digits, {}, TrainConfig(epochs=e, batch_size=32))
            for kind, e in (("classic", 10), ("cnn", 2))}


def inside(rec_key: str, test_image: int = 0) -> AppTest:
    return ok(open_inside(rec_key, inside_test=test_image))


def chooser(at: AppTest) -> tuple[int, int]:
    layer = next(s for s in at.selectbox if s.label == "Layer")
    unit = next(n for n in at.number_input if n.label in ("Unit", "Map"))
    return int(layer.value), int(unit.value)


def title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### Layer"))


def activation_shown(at: AppTest) -> float:
    return float(re.search(r"activation (-?[\d.,]+)$", title(at)).group(1).replace(",", ""))


def the_sum(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "bias" in m.value and "→" in m.value)


@pytest.mark.parametrize("kind", ["classic", "cnn"])
def test_inside_shows_the_network_and_a_microscope_on_the_unit_that_pushed_hardest(trained, digits, kind):
    result = trained[kind]
    model = result.model
    rec = gallery().save(result.model, result.meta, name=f"{kind}-net")
    at = inside(rec.key)
    assert at.tabs[0].label == "The network"
    assert at.get("vega_lite_chart"), "the picture is a clickable chart"
    image = digits.floats(digits.x_test[0:1]).reshape(model.image_shape)
    acts = [a[0] for _, a in model.layer_activations(image[None])]
    answer = int(np.argmax(model.predict_proba(image[None])[0]))
    layer, unit = chooser(at)
    assert layer == len(acts) - 2, "by default: a unit of the layer that feeds the outputs"
    # the unit that pushed the answer hardest: its weight x activation into the answer's output is the largest
    terms = model.unit_terms(image, len(acts) - 1, answer)["terms"]
    assert unit == max(terms, key=lambda term: term[3])[0]
    assert activation_shown(at) == pytest.approx(float(acts[layer].ravel()[unit]), abs=2e-3)
    assert "Its weights into the ten outputs" in "\n".join(c.value for c in at.caption)
    assert any("training images" in c.value and "excite this unit" in c.value for c in at.caption)

    # a click on the picture's first hidden layer picks that unit (a CNN's: a feature map)
    at.session_state[CHART] = {"selection": {"unit": [{"layer": 1, "unit": 2}]}}
    ok(at.run())
    assert chooser(at) == (1, 2)
    first = acts[1][2] if acts[1].ndim == 3 else acts[1][2:3]
    assert activation_shown(at) == pytest.approx(float(first.max()), abs=2e-3)
    captions = "\n".join(c.value for c in at.caption)
    if kind == "cnn":
        assert "map 2 at row" in title(at) and "The input under the kernel" in captions
    else:
        assert "unit 2" in title(at) and "pixel (" in at.table[-1].value.to_string()

    # the chooser does the same, and "the unit that pushed hardest" comes back
    next(s for s in at.selectbox if s.label == "Layer").set_value(len(acts) - 1).run()
    ok(at)
    next(n for n in at.number_input if n.label == "Unit").set_value(3).run()
    ok(at)
    assert chooser(at) == (len(acts) - 1, 3) and "unit 3" in title(at)
    assert activation_shown(at) == pytest.approx(float(acts[-1][3]), abs=2e-3)
    at.button(key="network_inside_auto_reset").click().run()
    ok(at)
    assert chooser(at) == (len(acts) - 2, unit)


def test_the_sum_written_out_adds_up(trained, digits):
    result = trained["classic"]
    rec = gallery().save(result.model, result.meta, name="classic-sum")
    at = inside(rec.key, test_image=5)
    layer, unit = chooser(at)
    image = digits.floats(digits.x_test[5:6]).reshape(result.model.image_shape)
    s = result.model.unit_terms(image, layer, unit)
    numbers = [float(x) for x in re.findall(r"-?\d+\.\d+", the_sum(at))]
    assert numbers[-2] == pytest.approx(s["preactivation"], abs=2e-3) and numbers[-1] == pytest.approx(s["activation"],
                                                                                                        abs=2e-3)
    shown = at.table[-1].value.map(lambda v: float(str(v).replace(",", "")))
    assert len(shown) == 8 and np.allclose(shown.iloc[:, 0] * shown.iloc[:, 1], shown.iloc[:, 2], atol=2e-2)


def _draw_panel() -> None:
    """Draw's panel, as the Draw page calls it after the answer, for a drawn 7."""
    import numpy as np

    from mnist_core.data.handdrawn import draw_digit
    from mnist_core.data.preprocess import prepare
    from mnist_core.storage import ModelStore
    from studio_ui.network import network_panel

    rec = ModelStore().list()[0]
    network_panel(rec, prepare(draw_digit(7, np.random.default_rng(0)), (8, 8)))


@pytest.mark.parametrize("kind", ["classic", "cnn"])
def test_draw_shows_the_network_for_the_drawing_and_follows_another_digit(trained, kind):
    result = trained[kind]
    gallery().save(result.model, result.meta, name=f"{kind}-draw")
    at = ok(AppTest.from_function(_draw_panel, default_timeout=120).run())
    assert at.get("vega_lite_chart") and at.button(key="network_draw_auto_look")
    assert any("contributions to" in c.value for c in at.caption)
    at.get("button_group")[0].set_value(3).run()  # "Follow the digit": 3
    ok(at)
    assert any("contributions to 3" in c.value for c in at.caption)
