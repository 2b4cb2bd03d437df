import numpy as np

from mnist_core.data.handdrawn import handdrawn_set, prepared_set


def test_the_set_is_reproducible_and_canvas_shaped():
    a, labels = handdrawn_set(per_digit=2, seed=5)
    b, _ = handdrawn_set(per_digit=2, seed=5)
    assert a.shape == (20, 280, 280, 4) and a.dtype == np.uint8
    assert labels.tolist() == [d for d in range(10) for _ in range(2)]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, handdrawn_set(per_digit=2, seed=6)[0])
    assert (a[..., 3].reshape(20, -1).max(axis=1) == 255).all()  # every drawing has ink


def test_a_model_trained_on_mnist_reads_most_drawings(mnist_classic):
    x, y = prepared_set((28, 28), per_digit=10)
    assert x.shape == (100, 28, 28)
    accuracy = float(np.mean(mnist_classic.model.predict(x) == y))
    assert 0.7 < accuracy <= 1.0
