"""The network as one picture (mnist_core.explain.network): a block per layer with a
cell per unit, edges that are the model's largest weight x activation terms, and a
picture drawn for every kind of model."""
import numpy as np
import pytest

from mnist_core.explain.network import network_layout, network_view, render
from mnist_core.training import TrainConfig
from mnist_core.training.pipeline import train_model

KINDS = {"classic": {"hidden": 24}, "mlp": {"hidden": "32,16"}, "cnn": {"channels": "4,8", "hidden": 16},
         "logreg": {}}


@pytest.fixture(scope="module")
def models(digits):
    config = TrainConfig(epochs=2, batch_size=16)
    return {kind: train_model(kind, digits, dict(hyper), config).model for kind, hyper in KINDS.items()}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_drawn_with_a_cell_per_unit(models, digits, kind):
    model = models[kind]
    image = digits.floats(digits.x_test[0]).reshape(model.image_shape)
    layout = network_layout(model)
    acts = model.layer_activations(image[None])
    assert [b.name for b in layout.blocks] == [name for name, _ in acts]
    for block, (_, a) in zip(layout.blocks, acts):
        units = a[0].shape[0] if a[0].ndim == 3 else a[0].size  # feature maps: a tile per map
        assert len(block.cells) == units
        assert (block.cells[:, 2] > block.cells[:, 0]).all() and (block.cells[:, 3] <= layout.height).all()
    view = network_view(model, image)
    assert view.digit == int(model.predict(image[None])[0])
    picture = render(layout, view, selected=(len(acts) - 1, view.digit))
    assert picture.shape == (layout.height, layout.width, 3) and picture.dtype == np.uint8
    assert view.edges and all(0 <= e.source < len(layout.blocks[e.layer - 1].cells) for e in view.edges)


def test_the_edges_into_the_answer_are_its_largest_terms(models, digits):
    model = models["classic"]  # output d's input is sum_j w_ho[d, j] h_j, the book's forward pass
    image = digits.floats(digits.x_test[3]).reshape(model.image_shape)
    h = model.forward(model.scale_inputs(model.inputs(image[None])))[0][0]
    for digit in (int(model.predict(image[None])[0]), 0):
        view = network_view(model, image, digit)
        products = model.w_ho[digit] * h
        into_answer = [e for e in view.edges if e.layer == 2]
        expected = set(np.argsort(-np.abs(products))[:len(into_answer)])
        assert {e.source for e in into_answer} == expected and all(e.target == digit for e in into_answer)
        for e in into_answer:
            assert e.value == pytest.approx(products[e.source], rel=1e-4, abs=1e-6)
        # then each of those hidden units' own strongest pixels, from the scaled input
        below = [e for e in view.edges if e.layer == 1]
        assert below and {e.target for e in below} <= {e.source for e in into_answer}
        x = model.scale_inputs(model.inputs(image[None]))[0]
        for e in below:
            assert e.value == pytest.approx(model.w_ih[e.target, e.source] * x[e.source], rel=1e-4, abs=1e-6)


def test_a_cnn_edge_into_a_map_is_that_maps_whole_sum(models, digits):
    model = models["cnn"]
    image = digits.floats(digits.x_test[5]).reshape(model.image_shape)
    view = network_view(model, image)
    dense = len(model.layer_names()) - 2
    first = [e for e in view.edges if e.layer == dense]  # dense unit <- pooled maps
    assert first
    e = first[0]
    terms = model.unit_terms(image, dense, e.target)["terms"]
    per_map = int(np.prod(model.layer_activations(image[None])[dense - 1][1][0].shape[1:]))
    assert e.value == pytest.approx(sum(t[3] for t in terms if t[0] // per_map == e.source), rel=1e-4, abs=1e-6)


def test_cli_explain_json_against_the_models_own_forward_pass(models, digits, tmp_path, capsys):
    import json

    from PIL import Image
    from scipy.special import expit

    from mnist_core.cli import main
    from mnist_core.data import load_image, prepare
    from mnist_core.storage import save_model
    from mnist_core.storage.modelfile import model_metadata

    model = models["classic"]
    path = tmp_path / "m.npz"
    save_model(model, path, model_metadata(model, digits))
    image = tmp_path / "d.png"
    ink = (digits.x_test[7] / digits.pixel_max * 255).astype(np.uint8)
    Image.fromarray(255 - np.kron(ink, np.ones((16, 16), np.uint8))).save(image)
    assert main(["explain", "--model", str(path), str(image), "--unit", "1:5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    seen = prepare(load_image(image), model.image_shape).reshape(-1)
    x = seen * 0.99 + 0.01  # the book's scaling, written out here
    hidden = expit(model.w_ih.astype(np.float64) @ x)
    output = expit(model.w_ho.astype(np.float64) @ hidden)
    assert [layer["name"] for layer in out["layers"]] == ["input", "hidden", "output"]
    np.testing.assert_allclose(out["layers"][0]["activations"], x, atol=1e-5)
    np.testing.assert_allclose(out["layers"][1]["activations"], hidden, atol=1e-5)
    np.testing.assert_allclose(out["layers"][2]["activations"], output, atol=1e-5)
    unit = out["unit"]
    assert unit["layer"] == 1 and unit["index"] == 5 and len(unit["terms"]) == model.config.n_inputs
    assert [t[0] for t in unit["terms"]] == list(range(model.config.n_inputs))
    for i, weight, value, product in unit["terms"][::7]:
        assert weight == pytest.approx(model.w_ih[5, i], rel=1e-5) and value == pytest.approx(x[i], abs=1e-6)
        assert product == pytest.approx(weight * value, rel=1e-6, abs=1e-9)
    assert unit["preactivation"] == pytest.approx(model.w_ih[5].astype(np.float64) @ x, rel=1e-5)
    assert unit["activation"] == pytest.approx(hidden[5], rel=1e-5)
    assert main(["explain", "--model", str(path), str(image), "--unit", "9:0"]) == 1  # no such layer: a sentence
    assert "Layer 9" in capsys.readouterr().err
    assert main(["explain", "--model", str(path), str(image), "--unit", "one"]) == 1
