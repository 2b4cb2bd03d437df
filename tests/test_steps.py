"""The preprocessing steps shown on Draw: they are the real pipeline, step by step."""
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.data import prepare
from mnist_core.data.handdrawn import draw_digit
from mnist_core.errors import EmptyImage, ImageError
from mnist_core.explain.steps import preprocessing_steps
from studio_ui.steps import SIZE, picture


@pytest.fixture(scope="module")
def drawing():
    return draw_digit(3, np.random.default_rng(0))


@pytest.mark.parametrize("shape, keys", [((28, 28), ["canvas", "crop", "fit", "centre", "model"]),
                                         ((8, 8), ["canvas", "crop", "bitmap", "model"])])
def test_last_step_is_what_prepare_gives(drawing, shape, keys):
    steps = preprocessing_steps(drawing, shape)
    assert [s.key for s in steps] == keys
    last = steps[-1].image
    expected = prepare(drawing, shape)
    assert last.shape == shape and last.dtype == expected.dtype
    np.testing.assert_array_equal(last, expected)
    for step in steps:
        assert step.image.ndim == 2 and 0.0 <= step.image.min() and step.image.max() <= 1.0
        assert step.title and step.why.endswith(".") and "\n" not in step.why


@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_box_is_tight_around_all_the_ink(drawing, shape):
    canvas = preprocessing_steps(drawing, shape)[0]
    top, left, bottom, right = canvas.box
    ink = canvas.image > 0
    assert canvas.image.shape == drawing.shape[:2]
    inside = np.zeros_like(ink)
    inside[top:bottom, left:right] = True
    assert ink[inside].any() and not ink[~inside].any()
    assert ink[top].any() and ink[bottom - 1].any() and ink[:, left].any() and ink[:, right - 1].any()
    crop = preprocessing_steps(drawing, shape)[1].image
    assert crop.shape == (bottom - top, right - left)


def test_fit_and_centre_of_mass(drawing):
    steps = {s.key: s for s in preprocessing_steps(drawing, (28, 28))}
    assert max(steps["fit"].image.shape) == 20
    cy, cx = steps["centre"].point
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    assert steps["centre"].image.shape == (28, 28)


def test_digits_bitmap_adds_up_to_the_counts(drawing):
    steps = {s.key: s for s in preprocessing_steps(drawing, (8, 8))}
    bitmap = steps["bitmap"].image
    assert bitmap.shape == (32, 32) and set(np.unique(bitmap)) <= {0.0, 1.0}
    np.testing.assert_array_equal(bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16, steps["model"].image)


@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_blank_raises_empty_image(shape):
    with pytest.raises(EmptyImage):
        preprocessing_steps(np.zeros((280, 280, 4), np.uint8), shape)
    with pytest.raises(ImageError):
        preprocessing_steps(np.full((10, 10), 255, np.uint8), (16, 16))


def test_pictures_are_tiles_with_red_marks(drawing):
    steps = preprocessing_steps(drawing, (28, 28))
    for step in steps:
        tile = picture(step)
        assert tile.shape == (SIZE, SIZE, 4) and tile.dtype == np.uint8
    red = lambda t: (t[..., 0] > 200) & (t[..., 1] < 80) & (t[..., 3] == 255)  # noqa: E731
    assert red(picture(steps[0])).any() and red(picture(steps[3])).any()  # the box, the cross
    assert not red(picture(steps[4])).any()
    model = picture(steps[4])  # 28 px grown 5 times: each pixel a sharp 5x5 block
    np.testing.assert_array_equal(model[::5, ::5, 0], np.round(steps[4].image * 255).astype(np.uint8))


def _panel_app(shape):
    import numpy as np

    from mnist_core.data.handdrawn import draw_digit
    from studio_ui.steps import preprocessing_steps_panel

    image = draw_digit(3, np.random.default_rng(0)) if shape else np.zeros((280, 280, 4), np.uint8)
    preprocessing_steps_panel(image, tuple(shape or (28, 28)))


@pytest.mark.parametrize("shape, count", [((28, 28), 5), ((8, 8), 4), (None, 0)])
def test_panel_renders_one_picture_per_step(shape, count):
    at = AppTest.from_function(_panel_app, args=(shape,), default_timeout=30).run()
    assert not at.exception
    images = at.get("image")
    assert len(images) == count
    assert all(len(image.captions) == 1 and image.captions[0].startswith("**") for image in images)  # the titles
    assert len(at.caption) == count  # the sentences
    assert len(at.info) == (0 if count else 1)
