"""The verdict against the issue's demands: drawn lines, pluses, triangles and letters
are refused, MNIST's test images and drawn digits pass at the rate the calibration
promises, and the shape detector learns from nothing it is then measured on."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.analysis import predict_image
from mnist_core.analysis.benchmarks import auroc
from mnist_core.data.handdrawn import handdrawn_set
from mnist_core.data.nondigits import draw_nondigit, exposure_set
from mnist_core.explain import build_judge, digit_space
from mnist_core.explain import shapes, verdict
from mnist_core.explain.shapes import EXPOSURE_SEED, shape_score

#: Seeds used nowhere else: not the detector's (EXPOSURE_SEED), not bench's (2026, 2027).
UNSEEN = 424242


@pytest.fixture(scope="module")
def judge(mnist, mnist_classic):
    return build_judge(mnist_classic.model, mnist)


def _pen(lines: list[list[tuple[int, int]]], width: int = 20) -> np.ndarray:
    """Polylines stroked on the app's 280x280 canvas with a round pen: RGBA, ink in alpha."""
    img = Image.new("L", (280, 280), 0)
    draw = ImageDraw.Draw(img)
    for line in lines:
        draw.line(line, fill=255, width=width, joint="curve")
        for x, y in (line[0], line[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.asarray(img)
    return rgba


def _verdict(judge, canvas) -> str:
    return predict_image(judge.model, canvas, judge).verdict.verdict


def test_a_diagonal_line_a_plus_and_a_triangle_are_not_digits(judge):
    """The three kinds that passed as digits most often before the shape detector."""
    assert _verdict(judge, _pen([[(70, 220), (210, 60)]])) == "not_a_digit"  # read as a 1 or a 7 before
    assert _verdict(judge, _pen([[(60, 140), (220, 140)], [(140, 60), (140, 220)]])) == "not_a_digit"  # a 4
    assert _verdict(judge, _pen([[(140, 50), (230, 220), (50, 220), (140, 50)]])) == "not_a_digit"


def test_most_drawn_shapes_and_letters_of_unseen_seeds_are_refused(judge):
    """The kinds that passed most often before (a model trained for one epoch here: its
    own features tell scribbles less well than the full recipe's, see ``bench --explain``)."""
    rng = np.random.default_rng(UNSEEN)
    refused = {}
    for kind in ("diagonal", "plus", "triangle", "letter", "glyph", "scribble"):
        verdicts = [_verdict(judge, draw_nondigit(kind, rng)) for _ in range(8)]
        refused[kind] = verdicts.count("not_a_digit")
    # before the detector: diagonal 25 %, plus 35 %, triangle 42 %, letter 50 %, scribble 60 % (full recipe)
    assert min(refused[k] for k in ("diagonal", "plus", "triangle", "letter", "glyph")) >= 4, refused
    assert sum(refused.values()) >= 0.6 * 8 * len(refused), refused


def test_mnist_test_images_pass_at_the_calibrated_rate(mnist, judge):
    """The thresholds reject verdict.REJECT of the (left-out) training sample; the test
    images, which no threshold saw, are rejected at about that rate."""
    rows = np.random.default_rng(UNSEEN).choice(len(mnist.x_test), 3000, replace=False)
    x = mnist.floats(mnist.x_test[rows]).reshape(-1, 28, 28)
    verdicts = [v.verdict for v in judge.judge_all(x, judge.model.predict_proba(x))]
    rejected = float(np.isin(verdicts, ["blank", "not_a_digit"]).mean())
    assert rejected <= 2 * verdict.REJECT, rejected
    assert verdicts.count("digit") > 0.9 * len(verdicts)


def test_drawn_digits_of_an_unseen_seed_pass(judge):
    drawings, labels = handdrawn_set(per_digit=6, seed=UNSEEN)
    verdicts = [_verdict(judge, d) for d in drawings]
    assert verdicts.count("not_a_digit") + verdicts.count("blank") <= 1, verdicts


def test_the_shape_detector_separates_unseen_drawings(judge):
    """Its AUROC on a fresh exposure set (another seed) and on MNIST's test images."""
    bad, good = exposure_set((28, 28), seed=UNSEEN, shapes=160, digits=100)
    weights = judge.space.detector
    assert auroc(shape_score(weights, good), shape_score(weights, bad)) > 0.97
    assert auroc(shape_score(weights, judge.space.images[judge.space.sample]), shape_score(weights, bad)) > 0.97
    assert UNSEEN != EXPOSURE_SEED


def test_the_detector_never_learns_from_the_calibration_sample(digits, monkeypatch, tmp_path):
    """The sample's scores set the threshold, so the sample must be unseen by it; and the
    detector, with its scores, comes back from the cache as it was built."""
    seen = {}
    real = shapes.train_detector

    def spy(images, seed=0):
        seen["images"] = images
        return real(images, seed)

    monkeypatch.setattr(verdict, "train_detector", spy)
    space = digit_space(digits, cache_dir=tmp_path)
    trained = {row.tobytes() for row in seen["images"]}
    counts: dict[bytes, int] = {}
    for row in space.images:
        counts[row.tobytes()] = counts.get(row.tobytes(), 0) + 1
    unique = [row.tobytes() for row in space.images[space.sample] if counts[row.tobytes()] == 1]
    assert len(trained) > 100 and len(unique) > 100
    assert not any(row in trained for row in unique)  # (an image that occurs twice may be on both sides)
    again = digit_space(digits, cache_dir=tmp_path)
    assert "images" in seen and all(np.array_equal(again.detector[k], space.detector[k]) for k in space.detector)
    np.testing.assert_array_equal(again.sample_distances["shape"], space.sample_distances["shape"])


def test_auroc_counts_pairs():
    assert auroc([0, 1], [2, 3]) == 1.0 and auroc([2, 3], [0, 1]) == 0.0
    assert auroc([1, 1], [1, 1]) == 0.5 and auroc([], [1]) is None
