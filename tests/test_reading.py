"""How a drawing is read (mnist_core.analysis.prediction.read_proba): the model's
probabilities averaged over the drawing and turned copies of it, the same for the Draw
page, ``predict`` and ``bench``; MNIST's own test images stay read by the plain model."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from mnist_core.analysis import evaluate, predict_image, read_proba
from mnist_core.analysis.prediction import READ_TURNS, views
from mnist_core.data.handdrawn import draw_digit
from mnist_core.data.preprocess import prepare


def _axis_degrees(image: np.ndarray) -> float:
    """The angle of the ink's principal axis from the vertical, from its second moments."""
    rows, cols = np.mgrid[:image.shape[0], :image.shape[1]]
    m = image.sum()
    cy, cx = (rows * image).sum() / m, (cols * image).sum() / m
    mu_rr = ((rows - cy) ** 2 * image).sum() / m
    mu_cc = ((cols - cx) ** 2 * image).sum() / m
    mu_rc = ((rows - cy) * (cols - cx) * image).sum() / m
    return float(np.degrees(0.5 * np.arctan2(2 * mu_rc, mu_rr - mu_cc)))


def test_the_views_are_the_image_and_copies_turned_by_the_stated_angles():
    bar = np.zeros((1, 28, 28), np.float32)
    bar[0, 4:24, 13:15] = 1.0  # an upright stroke: a 1
    v = views(bar)
    assert v.shape == (1, 1 + len(READ_TURNS), 28, 28) and v.dtype == np.float32
    np.testing.assert_array_equal(v[0, 0], bar[0])
    assert abs(_axis_degrees(v[0, 0])) < 0.5
    turns = [_axis_degrees(view) for view in v[0, 1:]]
    for measured, stated in zip(turns, READ_TURNS):
        assert abs(abs(measured) - abs(stated)) < 1.5, (measured, stated)
    assert len(set(np.sign(turns))) == len(set(np.sign(READ_TURNS)))  # turned both ways, as stated
    assert 0.0 <= v.min() and v.max() <= 1.0
    com = [ndimage.center_of_mass(view) for view in v[0]]
    assert np.ptp(np.array(com), axis=0).max() < 0.6  # turned about the centre of the field


def test_a_drawing_is_read_as_the_mean_of_its_views(mnist_classic):
    model = mnist_classic.model
    rng = np.random.default_rng(3)
    seen = np.stack([prepare(draw_digit(d, rng), (28, 28)) for d in (1, 4, 7)])
    read = read_proba(model, seen)
    v = views(seen)
    expected = np.mean([model.predict_proba(v[:, i]) for i in range(v.shape[1])], axis=0)
    np.testing.assert_allclose(read, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(read.sum(axis=1), 1.0, atol=1e-4)
    assert not np.allclose(read, model.predict_proba(seen))  # the turned views do count


def test_predict_image_gives_the_reading_and_shows_the_drawing_itself(mnist_classic):
    """Draw, ``predict`` and ``bench`` all go through predict_image: one reading."""
    model = mnist_classic.model
    canvas = draw_digit(3, np.random.default_rng(5))
    p = predict_image(model, canvas)
    np.testing.assert_array_equal(p.image, prepare(canvas, (28, 28)))  # what the network sees: unturned
    np.testing.assert_allclose(p.proba, read_proba(model, p.image[None])[0], rtol=1e-6)


def test_an_8x8_model_reads_a_drawing_plainly(digits):
    from mnist_core.training import TrainConfig
    from mnist_core.training.pipeline import train_model

    model = train_model("logreg", digits, {}, TrainConfig(epochs=1, batch_size=32)).model
    x = digits.floats(digits.x_test[:20]).reshape(-1, 8, 8)
    assert views(x).shape == (20, 1, 8, 8)
    np.testing.assert_allclose(read_proba(model, x), model.predict_proba(x), rtol=1e-6)


def test_the_test_accuracy_is_the_plain_models(mnist, mnist_classic):
    model = mnist_classic.model
    result = evaluate(model, mnist)
    plain = model.predict(mnist.floats(mnist.x_test))
    assert np.array_equal(result.y_pred, plain)
