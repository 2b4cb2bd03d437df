"""Models: every backward pass against finite differences, the classic network against
the tutorial's own code, logistic regression against the tutorial's numbers, quick
learning on the 8x8 digits, save/load round trips and parameter validation."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import scipy.special
from threadpoolctl import threadpool_limits

from mnist_core.data.augment import affine_grids, augment_batch
from mnist_core.data.datasets import Dataset, load_digits
from mnist_core.errors import InvalidParameter
from mnist_core.config import specs
from mnist_core.models import MODELS, build_model, recommended_training
from mnist_core.models.layers import (add_channel_bias, conv_backward, conv_forward, conv_pool_backward,
                                      conv_pool_forward, dense_backward, dense_forward, maxpool_backward,
                                      maxpool_forward, relu_backward, relu_forward, softmax_cross_entropy)
from mnist_core.models.tutorial import TutorialNetwork
from mnist_core.models.optim import Adam, scheduled_lr
from mnist_core.storage.modelfile import load_model, save_model
from mnist_core.training import TrainConfig, train


@pytest.fixture(autouse=True)
def one_blas_thread():
    """As the training loop does: two OpenBLAS pools on two cores spin against each other."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits()


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f() with respect to every entry of x (in place)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f()
        x[i] = old - eps
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def close(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


# -- layer gradients (float64, tiny shapes) ------------------------------------------

RNG = np.random.default_rng(1)


def test_dense_backward():
    x, w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    g = RNG.standard_normal((4, 3))  # d(loss)/d(out) of loss = sum(out * g)
    f = lambda: float(np.sum(dense_forward(x, w, b) * g))
    dx, dw, db = dense_backward(g, x, w)
    close(dx, numeric_grad(f, x))
    close(dw, numeric_grad(f, w))
    close(db, numeric_grad(f, b))


def test_relu_backward():
    x = RNG.standard_normal((4, 6))
    x[np.abs(x) < 0.05] = 0.5  # keep off the kink
    g = RNG.standard_normal(x.shape)
    f = lambda: float(np.sum(relu_forward(x.copy()) * g))
    close(relu_backward(g.copy(), relu_forward(x.copy())), numeric_grad(f, x))


def test_softmax_cross_entropy_backward():
    logits, y = RNG.standard_normal((5, 10)) * 3, np.array([0, 3, 9, 3, 7])
    loss, p, grad = softmax_cross_entropy(logits.copy(), y)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert loss == pytest.approx(-np.log(scipy.special.softmax(logits, axis=1)[np.arange(5), y]).sum())
    close(grad, numeric_grad(lambda: softmax_cross_entropy(logits.copy(), y)[0], logits))


@pytest.mark.parametrize("c_in,pad,side", [(1, 1, 5), (3, 1, 6), (1, 0, 6), (2, 0, 7)])
def test_conv_backward(c_in, pad, side):
    k, c_out = 3, 4
    x = RNG.standard_normal((2, side, side, c_in))
    w, b = RNG.standard_normal((k, k, c_in, c_out)), RNG.standard_normal(c_out)
    out, cols = conv_forward(x, w, b, pad)
    assert out.shape == (2, side + 2 * pad - k + 1, side + 2 * pad - k + 1, c_out)
    g = RNG.standard_normal(out.shape)
    f = lambda: float(np.sum(conv_forward(x, w, b, pad)[0] * g))
    dx, dw, db = conv_backward(g, cols, x.shape, w, pad)
    close(dx, numeric_grad(f, x))
    close(dw, numeric_grad(f, w))
    close(db, numeric_grad(f, b))


def test_conv_is_a_cross_correlation():
    x = RNG.standard_normal((1, 6, 6, 1))
    w = RNG.standard_normal((3, 3, 1, 1))
    out, _ = conv_forward(x, w, np.zeros(1), 0)
    ref = np.array([[np.sum(x[0, i:i + 3, j:j + 3, 0] * w[:, :, 0, 0]) for j in range(4)] for i in range(4)])
    close(out[0, :, :, 0], ref)


@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (1, 5, 7, 2)])
def test_maxpool_backward(shape):
    x = RNG.standard_normal(shape)
    out, masks = maxpool_forward(x)
    assert out.shape == (shape[0], shape[1] // 2, shape[2] // 2, shape[3])
    g = RNG.standard_normal(out.shape)
    f = lambda: float(np.sum(maxpool_forward(x, need_grad=False)[0] * g))
    close(maxpool_backward(g, masks, x.shape), numeric_grad(f, x))


@pytest.mark.parametrize("c_in,pad,side", [(1, 1, 5), (3, 1, 6), (1, 0, 7), (2, 0, 8)])
def test_conv_pool_backward(c_in, pad, side):
    """Conv and pool fused: the output of conv -> pool -> + bias, and its gradients."""
    k, c_out = 3, 4
    x = RNG.standard_normal((2, side, side, c_in))
    w, b = RNG.standard_normal((k, k, c_in, c_out)), RNG.standard_normal(c_out)
    out, cache = conv_pool_forward(x, w, b, pad)
    separate = add_channel_bias(maxpool_forward(conv_forward(x, w, None, pad)[0], need_grad=False)[0], b)
    close(out, separate)
    g = RNG.standard_normal(out.shape)
    f = lambda: float(np.sum(conv_pool_forward(x, w, b, pad, need_grad=False)[0] * g))
    dx, dw, db = conv_pool_backward(g, cache, x.shape, w, pad)
    close(dx, numeric_grad(f, x))
    close(dw, numeric_grad(f, w))
    close(db, numeric_grad(f, b))
    assert conv_pool_backward(g, cache, x.shape, w, pad, need_dx=False)[0] is None


def test_conv_pool_ties_send_the_gradient_once():
    x = np.zeros((1, 6, 6, 1))  # blank: every conv output of a block ties
    w = RNG.standard_normal((3, 3, 1, 2))
    _, (cols, masks) = conv_pool_forward(x, w, np.zeros(2), 0)
    assert (masks.sum(axis=0) == 1).all()


def test_maxpool_ties_send_the_gradient_once():
    x = np.full((1, 2, 2, 1), 0.3)  # a blank block: all four equal (e.g. the bias)
    _, masks = maxpool_forward(x)
    dx = maxpool_backward(np.ones((1, 1, 1, 1)), masks, x.shape)
    assert dx.sum() == 1.0 and np.count_nonzero(dx) == 1


@pytest.mark.parametrize("kind,hp", [
    ("mlp", {"n_inputs": 6, "hidden": [5, 4]}),
    ("cnn", {"n_inputs": 64, "channels": [2, 3], "kernel_size": 3, "hidden": 5, "padding": "same"}),
    ("cnn", {"n_inputs": 100, "channels": [2, 3], "kernel_size": 3, "hidden": 0, "padding": "valid"}),
])
def test_whole_model_gradients(kind, hp):
    model = build_model(kind, **hp)
    model.params = {k: v.astype(np.float64) + 0.01 * RNG.standard_normal(v.shape) for k, v in model.params.items()}
    x, y = RNG.random((3, hp["n_inputs"])), np.array([1, 2, 3])
    _, _, grads = model.gradients(x, y)
    for name, p in model.params.items():  # gradients are of the mean loss
        close(grads[name], numeric_grad(lambda: model.gradients(x, y)[0] / len(y), p))


# -- the classic network is the tutorial's -------------------------------------------

def tutorial_network(wih: np.ndarray, who: np.ndarray, lr: float) -> TutorialNetwork:
    """The tutorial's own class (mnist_core.models.tutorial), starting from these weights."""
    net = TutorialNetwork(wih.shape[1], wih.shape[0], who.shape[0], lr)
    net.wih, net.who = wih.astype(np.float64), who.astype(np.float64)
    return net


def tutorial_record(image: np.ndarray, label: int, pixel_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's scaling: inputs = pixels / max * 0.99 + 0.01; targets 0.01 / 0.99."""
    inputs = np.asarray(image, np.float64).ravel() / pixel_max * 0.99 + 0.01
    targets = np.zeros(10) + 0.01
    targets[label] = 0.99
    return inputs, targets


def test_classic_matches_the_tutorial_sample_by_sample(digits):
    model = build_model("classic", n_inputs=64, hidden=30, lr=0.3, seed=3)
    tutorial = tutorial_network(model.w_ih, model.w_ho, 0.3)
    for i in range(200):
        x = digits.floats(digits.x_train[i:i + 1])
        model.train_batch(x, digits.y_train[i:i + 1])
        tutorial.train(*tutorial_record(digits.x_train[i], digits.y_train[i], digits.pixel_max))
    np.testing.assert_allclose(model.w_ih, tutorial.wih, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.w_ho, tutorial.who, rtol=1e-5, atol=1e-6)


def test_classic_batch_is_the_sum_of_per_sample_updates(digits):
    model = build_model("classic", n_inputs=64, hidden=30, lr=0.1, seed=4)
    w_ih0, w_ho0 = model.w_ih.astype(np.float64), model.w_ho.astype(np.float64)
    d_ih, d_ho = np.zeros_like(w_ih0), np.zeros_like(w_ho0)
    for i in range(16):  # each update computed from the same starting weights
        t = tutorial_network(w_ih0, w_ho0, 0.1)
        t.train(*tutorial_record(digits.x_train[i], digits.y_train[i], digits.pixel_max))
        d_ih += t.wih - w_ih0
        d_ho += t.who - w_ho0
    model.train_batch(digits.floats(digits.x_train[:16]), digits.y_train[:16])
    np.testing.assert_allclose(model.w_ih, w_ih0 + d_ih, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.w_ho, w_ho0 + d_ho, rtol=1e-5, atol=1e-6)


# -- logistic regression: the second tutorial, exactly ---------------------------------

def test_logreg_liblinear_reproduces_the_tutorial(digits):
    model = build_model("logreg", n_inputs=64, solver="liblinear", pixel_scale=16)
    history = train(model, digits, TrainConfig())
    assert history.test_accuracy == pytest.approx(0.9611111, abs=1e-6)
    predictions = model.predict(digits.floats(digits.x_test[:30]))
    assert " ".join(map(str, predictions)) == "6 9 3 7 2 1 5 2 5 2 1 8 4 0 4 2 3 7 8 8 4 3 9 7 5 6 3 5 6 3"


def test_logreg_lbfgs_notes_non_convergence(digits):
    model = build_model("logreg", n_inputs=64, solver="lbfgs", pixel_scale=16, max_iter=100)
    history = train(model, digits, TrainConfig())
    assert 0.96 < history.test_accuracy < 0.98
    assert any("max_iter" in note for note in model.notes)


# -- the NumPy networks learn --------------------------------------------------------

@pytest.mark.parametrize("kind,epochs", [("mlp", 20), ("cnn", 10)])
def test_learns_the_8x8_digits_quickly(digits, kind, epochs):
    model = build_model(kind, n_inputs=64, seed=0)
    history = train(model, digits, TrainConfig(epochs=epochs, batch_size=32))
    assert history.test_accuracy > 0.93


def test_epoch_hook_follows_the_schedule():
    model = build_model("mlp", lr=0.01, lr_schedule="cosine")
    model.on_epoch_start(1, 10)
    assert model.optimizer.lr == pytest.approx(0.01)
    model.on_epoch_start(10, 10)
    assert model.optimizer.lr < 0.001
    assert scheduled_lr(0.1, "step", 10, 10) == pytest.approx(0.001)
    assert scheduled_lr(0.1, "constant", 7, 10) == 0.1


def test_adam_minimises_a_quadratic():
    target = np.array([1.0, -2.0, 3.0])
    params = {"p": np.zeros(3)}
    opt = Adam(0.1)
    for _ in range(500):
        opt.step(params, {"p": 2 * (params["p"] - target)})
    np.testing.assert_allclose(params["p"], target, atol=1e-3)


# -- persistence -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(MODELS))
def test_save_load_round_trip(tmp_path, digits, kind):
    hp = {"pixel_scale": 16} if kind == "logreg" else {}
    model = build_model(kind, n_inputs=64, seed=1, **hp)
    train(model, digits, TrainConfig(epochs=1, batch_size=64))
    path = save_model(model, tmp_path / f"{kind}.npz")
    loaded, meta = load_model(path)
    assert meta["model"] == kind and type(loaded) is type(model)
    assert loaded.config == model.config
    x = digits.floats(digits.x_test)
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    with np.load(path, allow_pickle=False) as archive:  # plain arrays, never a pickle
        assert all(archive[key].dtype != object for key in archive.files)


# -- hyperparameters -------------------------------------------------------------------

@pytest.mark.parametrize("kind,hp", [
    ("mlp", {"lr": -1.0}), ("mlp", {"hidden": [0]}), ("mlp", {"hidden": "a,b"}), ("mlp", {"hidden": []}),
    ("mlp", {"optimizer": "rmsprop"}), ("mlp", {"lr_schedule": "linear"}), ("mlp", {"dropout": 1.0}),
    ("cnn", {"kernel_size": 4}), ("cnn", {"n_inputs": 50}), ("cnn", {"channels": [8, 8, 8, 8, 8]}),
    ("cnn", {"n_inputs": 64, "padding": "valid"}), ("cnn", {"padding": "full"}), ("cnn", {"lr": 0.0}),
    ("logreg", {"solver": "saga"}), ("logreg", {"C": 0.0}), ("logreg", {"max_iter": 0}),
    ("logreg", {"pixel_scale": -1.0}), ("mlp", {"no_such_thing": 1}),
])
def test_bad_hyperparameters_raise(kind, hp):
    with pytest.raises(InvalidParameter):
        build_model(kind, **hp)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_config_survives_json_and_describes_every_field(kind):
    cls = MODELS[kind]
    config = cls.Config()
    assert config == cls.Config(**json.loads(json.dumps(dataclasses.asdict(config))))
    assert cls.title and cls.description
    described = list(specs(cls.Config, include_derived=True))
    assert [s.name for s in described] == [f.name for f in dataclasses.fields(cls.Config)]
    for s in described:
        assert s.label and s.help, f"{kind}.{s.name} has no label or help"
        assert s.choices or s.type == "bool" or (s.low is not None and s.high is not None), f"{kind}.{s.name}: no range"
        if s.type in ("int", "float"):  # the default lies in the range, and one step outside is refused
            assert s.low <= s.default <= s.high
            with pytest.raises(InvalidParameter):
                build_model(kind, **{s.name: s.high * 2 + 1})


def test_mlp_hidden_accepts_text():
    assert build_model("mlp", hidden="64, 32").config.hidden == (64, 32)


def test_recommended_training():
    assert recommended_training("classic").epochs == 5 and recommended_training("classic").batch_size == 16
    assert recommended_training("classic", n_train=1437).epochs >= 30  # a small set gets more epochs
    assert recommended_training("logreg", n_train=1437).epochs == 1  # one fit, whatever the size
    assert recommended_training("mlp", seed=3, epochs=None).seed == 3  # None keeps the recommendation
    with pytest.raises(InvalidParameter, match="Epochs"):
        recommended_training("cnn", epochs=0)


# -- augmentation ----------------------------------------------------------------------

def test_augment_identity_and_reference(digits):
    x = digits.floats(digits.x_train[:40]).reshape(-1, 8, 8)
    same = augment_batch(x, np.random.default_rng(0), 0, 0, (1.0, 1.0), 0)
    np.testing.assert_allclose(same, x, atol=1e-6)
    from scipy.ndimage import map_coordinates

    out = augment_batch(x, np.random.default_rng(5))
    grids = affine_grids(40, 8, 8, np.random.default_rng(5))
    ref = np.stack([map_coordinates(x[i], grids[:, i], order=1, mode="grid-constant") for i in range(40)])
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(out, augment_batch(x, np.random.default_rng(5)))
    elastic = augment_batch(x, np.random.default_rng(1), elastic_alpha=34)
    assert elastic.shape == x.shape and np.isfinite(elastic).all()


# -- what explanations ask of every kind, against its own forward pass -----------------

INTERFACE = ("features_chunk", "logits_chunk", "input_gradient", "layer_names", "layer_activations", "unit_terms",
             "first_layer_images")
TINY = {"classic": {"n_inputs": 16, "hidden": 6},
        "mlp": {"n_inputs": 16, "hidden": [7, 5]},
        "cnn": {"n_inputs": 36, "channels": [2, 3], "kernel_size": 3, "hidden": 6, "padding": "same"},
        "logreg": {"n_inputs": 16}}
SQUASH = {"relu": lambda z: max(z, 0.0), "sigmoid": lambda z: float(scipy.special.expit(z)), "max": lambda z: z}


def tiny_model(kind: str):
    """A small model of ``kind`` with float64 weights and non-zero biases (fitted, for logreg)."""
    model = build_model(kind, seed=3, **TINY[kind])
    rng = np.random.default_rng(7)
    if kind == "logreg":
        x = rng.random((200, 16))
        model.fit_all(x, np.arange(200) % 10)
    elif kind == "classic":
        model.w_ih, model.w_ho = model.w_ih.astype(np.float64), model.w_ho.astype(np.float64)
    else:
        model.params = {k: v.astype(np.float64) + 0.1 * rng.standard_normal(v.shape) for k, v in model.params.items()}
    return model


def test_every_registered_kind_implements_the_whole_interface():
    from mnist_core.models.base import Model

    assert set(TINY) == set(MODELS), "a new kind: add it to TINY so the checks below cover it"
    for kind, cls in MODELS.items():
        missing = [name for name in INTERFACE if getattr(cls, name) is getattr(Model, name)]
        assert not missing, (kind, missing)
        assert cls.feature_space and cls.imagine_method, kind


@pytest.mark.parametrize("kind", sorted(TINY))
def test_logits_and_layers_follow_the_models_own_forward_pass(kind):
    model = tiny_model(kind)
    x = np.random.default_rng(2).random((4, model.config.n_inputs)).astype(np.float32)
    logits, proba = model.logits(x), model.predict_proba(x)
    assert logits.shape == proba.shape == (4, 10)
    np.testing.assert_allclose(model.squash(logits), proba, rtol=1e-5, atol=1e-6)
    assert (logits.argmax(axis=1) == proba.argmax(axis=1)).all()
    if kind == "logreg":  # its logits are scikit-learn's own linear scores
        np.testing.assert_allclose(logits, model.estimator.decision_function(x.astype(np.float64)), rtol=1e-5)
    layers = model.layer_activations(x)
    assert [name for name, _ in layers] == model.layer_names() and layers[0][0] == "input"
    assert layers[0][1].shape == (4, model.config.n_inputs) and layers[-1][1].shape == (4, 10)
    if len(layers) > 2:  # the features are the last hidden layer
        np.testing.assert_allclose(model.features(x), layers[-2][1].reshape(4, -1), rtol=1e-5, atol=1e-6)
    if kind != "classic":  # its sigmoid outputs are normalised by predict_proba only
        np.testing.assert_allclose(layers[-1][1], proba, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_input_gradient_matches_finite_differences(kind):
    model = tiny_model(kind)
    rng = np.random.default_rng(5)
    x = rng.random((2, model.config.n_inputs))
    upstream = rng.standard_normal((2, 10))
    grad = model.input_gradient(x, upstream)
    assert grad.shape == x.shape
    eps = 1e-3
    numeric = np.zeros_like(x)
    for r, i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[r, i] += eps
        down[r, i] -= eps
        numeric[r, i] = ((model.logits(up)[r] - model.logits(down)[r]) @ upstream[r]) / (2 * eps)
    assert np.linalg.norm(grad - numeric) <= 2e-3 * np.linalg.norm(numeric), kind


@pytest.mark.parametrize("kind", sorted(TINY))
def test_unit_terms_add_up_to_the_forward_pass(kind):
    """Every unit of every layer: its terms read the previous layer's activations, add up
    (with the bias) to its preactivation, whose squashing is the unit's activation; the
    output units' preactivations are the logits."""
    model = tiny_model(kind)
    image = np.random.default_rng(4).random(model.config.n_inputs).astype(np.float32)
    layers = model.layer_activations(image[None])
    logits = model.logits(image[None])[0]
    for layer in range(1, len(layers)):
        before, here = layers[layer - 1][1][0].ravel(), layers[layer][1][0].ravel()
        for index in range(len(here)):
            u = model.unit_terms(image, layer, index)
            assert (u["layer"], u["index"]) == (layer, index)
            idx, w, inp, prod = (np.array(c, np.float64) for c in zip(*u["terms"]))
            assert len(set(idx.tolist())) == len(idx) and idx.min() >= 0 and idx.max() < len(before)
            np.testing.assert_allclose(inp, before[idx.astype(int)], rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(prod, w * inp, rtol=1e-9, atol=1e-12)
            assert prod.sum() + u["bias"] == pytest.approx(u["preactivation"], rel=1e-6, abs=1e-9)
            assert u["activation"] == pytest.approx(float(here[index]), rel=1e-4, abs=1e-5)
            if u["function"] in SQUASH:
                assert SQUASH[u["function"]](u["preactivation"]) == pytest.approx(u["activation"], rel=1e-4, abs=1e-5)
            if layer == len(layers) - 1:
                assert u["preactivation"] == pytest.approx(float(logits[index]), rel=1e-4, abs=1e-5)
            elif layers[layer][1].ndim == 2:  # a dense unit reads every unit before it
                assert len(idx) == len(before)
    with pytest.raises(InvalidParameter):
        model.unit_terms(image, 0, 0)
    with pytest.raises(InvalidParameter):
        model.unit_terms(image, len(layers), 0)
    with pytest.raises(InvalidParameter):
        model.unit_terms(image, 1, layers[1][1][0].size)


def test_a_cnn_conv_unit_reads_its_whole_kernel_inside_the_image():
    model = tiny_model("cnn")
    image = np.random.default_rng(4).random(36).astype(np.float32)
    channels_in = 2  # conv 2 reads pool 1's two maps
    centre = int(np.ravel_multi_index((1, 1, 1), (3, 3, 3)))  # map 1 at (1, 1) of conv 2's 3x3
    assert len(model.unit_terms(image, 3, centre)["terms"]) == 3 * 3 * channels_in
    assert len(model.unit_terms(image, 3, 0)["terms"]) == 2 * 2 * channels_in  # a corner: padding left out
    assert len(model.unit_terms(image, 1, 0)["terms"]) == 2 * 2
    with pytest.raises(InvalidParameter):
        model.unit_drive()


def test_cnn_batch_halves_give_the_batch_gradient_on_one_thread_or_two():
    """The halves' sum is the whole batch's gradient of the mean loss, and the threads
    change nothing of the arithmetic (the same seed trains the same weights anywhere)."""
    model = build_model("cnn", n_inputs=64, channels=[2, 3], kernel_size=3, hidden=5, padding="same")
    model.params = {k: v.astype(np.float64) for k, v in model.params.items()}
    x, y = RNG.random((37, 64)), RNG.integers(0, 10, 37)
    loss, right, grads = model.part_gradients(x, y, len(y))  # unsplit
    runs = []
    for threads in (1, 2):
        model.threads = threads
        runs.append(model.gradients(x, y))
    for split_loss, split_right, split in runs:
        assert split_right == right and split_loss == pytest.approx(loss, rel=1e-12)
        for name in grads:
            close(split[name], grads[name])
    for name in grads:
        assert np.array_equal(runs[0][2][name], runs[1][2][name])
