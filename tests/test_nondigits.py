import numpy as np
import pytest

from mnist_core.data.nondigits import KINDS, draw_nondigit, mnist_on_canvas, nondigit_set
from mnist_core.data.preprocess import prepare


def _bbox(alpha: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _angle(alpha: np.ndarray) -> float:
    """The ink's main direction, in degrees from the horizontal (0-90, either way)."""
    ys, xs = np.nonzero(alpha)
    _, vecs = np.linalg.eigh(np.cov(np.stack([xs, ys])))
    dx, dy = vecs[:, -1]
    return float(np.degrees(np.arctan2(abs(dy), abs(dx))))


@pytest.fixture(scope="module")
def drawn():
    return nondigit_set(per_kind=3, seed=11)


def test_the_set_is_reproducible_and_canvas_shaped(drawn):
    images, kinds = drawn
    assert images.shape == (3 * len(KINDS), 280, 280, 4) and images.dtype == np.uint8
    assert kinds == [k for k in KINDS for _ in range(3)]
    np.testing.assert_array_equal(images, nondigit_set(per_kind=3, seed=11)[0])
    assert not np.array_equal(images, nondigit_set(per_kind=3, seed=12)[0])
    assert (images[..., :3] == 255).all()  # white ink, like the canvas's pen
    assert draw_nondigit("star", np.random.default_rng(0), size=140).shape == (140, 140, 4)


def test_the_kinds_cover_what_people_scrawl_and_no_digit():
    assert {"hline", "diagonal", "plus", "cross", "star", "asterisk", "scribble", "letter", "dot", "blank"} <= set(KINDS)
    assert not {"vline", "circle", "line", "0", "1"} & set(KINDS)
    with pytest.raises(ValueError, match="Unknown kind"):
        draw_nondigit("circle", np.random.default_rng(0))


def test_blanks_are_empty_and_everything_else_is_inked_inside_the_canvas(drawn):
    images, kinds = drawn
    for img, kind in zip(images, kinds):
        alpha = img[..., 3]
        if kind == "blank":
            assert not alpha.any()
            continue
        assert alpha.max() == 255 and (alpha > 127).sum() > 60, kind
        border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        assert not border.any(), f"{kind} runs off the canvas"
        if kind != "dot":
            assert max(_bbox(alpha)) > 60, f"{kind} is as small as a dot"


def test_a_dot_is_a_dab_at_most_two_pen_widths_long():
    rng = np.random.default_rng(3)
    for _ in range(40):
        h, w = _bbox(draw_nondigit("dot", rng)[..., 3])
        assert max(h, w) <= 2 * min(h, w) and max(h, w) <= 60  # the short side is about the pen


def test_lines_lie_the_way_they_are_named():
    rng = np.random.default_rng(4)
    for _ in range(15):
        assert _angle(draw_nondigit("hline", rng)[..., 3]) < 15
        assert 18 < _angle(draw_nondigit("diagonal", rng)[..., 3]) < 72


def test_mnist_on_canvas_takes_floats_or_bytes():
    x = np.zeros((2, 28, 28), np.float32)
    x[0, 8:20, 12:16] = 1.0
    x[1, 5:23, 5:23] = 0.5
    canvas = mnist_on_canvas(x)
    assert canvas.shape == (2, 280, 280, 4) and canvas.dtype == np.uint8
    assert (canvas[..., :3] == 255).all() and canvas[0, 140, 140, 3] == 255 and canvas[0, 10, 10, 3] == 0
    as_bytes = mnist_on_canvas(np.rint(x * 255).astype(np.uint8)).astype(int)
    assert np.abs(as_bytes - canvas).max() <= 1
    assert mnist_on_canvas(x, size=56).shape == (2, 56, 56, 4)


def test_mnist_on_canvas_then_prepare_gives_the_digit_back(mnist):
    x = mnist.x_test[:20]
    back = np.stack([prepare(img) for img in mnist_on_canvas(x)])
    error = np.abs(back - x / 255.0).mean(axis=(1, 2))
    assert error.max() < 0.08 and error.mean() < 0.04


def test_glyphs_are_letters_from_system_fonts_never_digits(monkeypatch):
    from mnist_core.data import glyphs

    assert not set("0123456789OIlSZBGTqgbo") & set(glyphs.GLYPHS)
    if glyphs.system_fonts():
        a = glyphs.draw_glyph(np.random.default_rng(5))
        assert a.shape == (280, 280, 4) and (a[..., 3] > 127).sum() > 60
        np.testing.assert_array_equal(a, glyphs.draw_glyph(np.random.default_rng(5)))
    monkeypatch.setattr(glyphs, "system_fonts", lambda: ())  # no fonts: the kind falls back to drawn letters
    fallback = draw_nondigit("glyph", np.random.default_rng(5))
    assert fallback[..., 3].any()
    with pytest.raises(FileNotFoundError):
        glyphs.draw_glyph(np.random.default_rng(5))


def test_the_exposure_set_is_prepared_shapes_and_digits():
    from mnist_core.data.nondigits import exposure_set

    bad, good = exposure_set((28, 28), seed=3, shapes=30, digits=20)
    assert bad.shape == (30, 28, 28) and good.shape == (20, 28, 28) and bad.dtype == np.float32
    assert 0.0 <= bad.min() and bad.max() <= 1.0 and (bad.reshape(30, -1).max(axis=1) > 0.5).all()
    np.testing.assert_array_equal(bad, exposure_set((28, 28), seed=3, shapes=30, digits=20)[0])
    small, _ = exposure_set((8, 8), seed=3, shapes=5, digits=2)
    assert small.shape == (5, 8, 8)


def test_appending_the_glyph_kind_kept_the_older_kinds_drawings():
    """The development set of seed 2027 is measured before and after: kinds added at the
    end of KINDS leave every earlier drawing as it was."""
    images, kinds = nondigit_set(per_kind=1, seed=2027)
    rng = np.random.default_rng(2027)
    for img, kind in zip(images[:3], kinds[:3]):
        np.testing.assert_array_equal(img, draw_nondigit(kind, rng))
    assert kinds[-1] == "glyph"
