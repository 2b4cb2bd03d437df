"""The CLI's contract: through its ``main`` in this process (what ``python -m
mnist_core`` calls), and once as a user runs it, in a subprocess."""
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, require_mnist
from mnist_core.cli import main


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: (returncode, stdout, stderr) as a subprocess would give them."""
    def run(*args, check=True):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        proc = SimpleNamespace(returncode=code, stdout=out, stderr=err)
        if check:
            assert code == 0, err
        return proc
    return run


def test_train_digits_json_contract(tmp_path, run):
    out = tmp_path / "m.npz"
    proc = run("train", "--dataset", "digits", "--hidden", "50", "--epochs", "10", "--batch-size", "8",
               "--seed", "1", "--out", str(out), "--json")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("test_accuracy", "train_seconds", "model", "dataset", "hidden", "lr", "epochs",
                "batch_size", "n_train", "n_test", "peak_rss_mib"):
        assert key in result
    assert result["model"] == "classic" and result["dataset"] == "digits" and result["hidden"] == 50
    assert result["epochs"] == 10 and result["batch_size"] == 8 and result["n_train"] == 1437
    assert 0.8 < result["test_accuracy"] <= 1.0 and out.is_file()
    evaluated = json.loads(run("evaluate", "--model", str(out), "--json").stdout.splitlines()[-1])
    assert evaluated["accuracy"] == pytest.approx(result["test_accuracy"])
    assert np.array(evaluated["confusion"]).sum() == 360


@pytest.mark.parametrize("args, words", [
    (["train", "--hidden", "0"], "Hidden nodes"),
    (["train", "--lr", "-0.1"], "Learning rate"),
    (["train", "--lr", "1e9"], "Learning rate"),
    (["train", "--epochs", "0"], "Epochs"),
    (["train", "--hidden", "many"], "not a valid value"),
    (["evaluate", "--model", "missing.npz"], "no such model"),
    (["predict", "--model", "missing.npz", "x.png"], "no such model"),
    (["train", "--dataset", "digits", "--out", "/no/such/folder/m.npz"], "does not exist"),
    (["train", "--model", "cnn", "--solver", "lbfgs"], "does not apply"),
])
def test_bad_arguments_exit_nonzero_with_one_line(args, words, run):
    proc = run(*args, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]


def test_mnist_missing_is_explained_by_the_real_command(tmp_path):
    """As a user runs it: ``python -m mnist_core`` in a subprocess."""
    env = {"PATH": "/usr/bin:/bin", "MNIST_DATA_DIR": str(tmp_path), "MNIST_CACHE_DIR": str(tmp_path / "c")}
    proc = subprocess.run([sys.executable, "-m", "mnist_core", "train"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 1 and "MNIST was not found" in proc.stderr and "Traceback" not in proc.stderr


def draw_png(path, polarity):
    img = np.zeros((120, 90), np.uint8)
    img[15:105, 40:52] = 255  # a vertical stroke: a 1
    if polarity == "dark-on-light":
        img = 255 - img
    if polarity == "transparent":
        rgba = np.zeros((120, 90, 4), np.uint8)
        rgba[..., 3] = img
        Image.fromarray(rgba).save(path)
    else:
        Image.fromarray(img).convert("RGB").save(path)
    return path


def test_predict_reads_any_polarity_and_refuses_non_images(tmp_path, mnist_classic, run):
    require_mnist()
    from mnist_core.storage.modelfile import save_model

    model = save_model(mnist_classic.model, tmp_path / "mnist.npz", mnist_classic.meta)
    files = [draw_png(tmp_path / f"{p}.png", p) for p in ("light-on-dark", "dark-on-light", "transparent")]
    jpeg = tmp_path / "one.jpg"
    Image.open(files[0]).save(jpeg, quality=85)
    proc = run("predict", "--model", str(model), *map(str, files), str(jpeg), "--json")
    lines = [json.loads(line) for line in proc.stdout.strip().splitlines()]
    assert [Path(r["file"]).name for r in lines] == [f.name for f in files] + ["one.jpg"]
    for r in lines:
        assert r["digit"] == 1 and len(r["probabilities"]) == 10
        assert sum(r["probabilities"]) == pytest.approx(1.0, abs=1e-4)
        assert r["verdict"] in ("digit", "unsure") and r["evidence"]["pixel_threshold"] > 0
    blank = tmp_path / "blank.png"
    Image.new("L", (280, 280), 0).save(blank)
    line = tmp_path / "line.png"
    canvas = Image.new("L", (280, 280), 0)
    canvas.paste(255, (40, 130, 240, 150))
    canvas.save(line)
    proc = run("predict", "--model", str(model), str(blank), str(line), "--json")
    empty, flat = [json.loads(x) for x in proc.stdout.strip().splitlines()]
    assert empty["verdict"] == "blank" and empty["digit"] is None and empty["probabilities"] is None
    assert flat["verdict"] == "not_a_digit" and flat["digit"] == max(range(10), key=flat["probabilities"].__getitem__)
    (tmp_path / "notes.txt").write_text("not an image")
    proc = run("predict", "--model", str(model), str(tmp_path / "notes.txt"), check=False)
    assert proc.returncode == 1 and "not an image" in proc.stderr and "Traceback" not in proc.stderr


def test_engine_never_imports_streamlit():
    for path in (ROOT / "mnist_core").rglob("*.py"):
        text = path.read_text()
        assert "import streamlit" not in text and "from streamlit" not in text, path
    code = ("import sys, mnist_core.cli, mnist_core.training, mnist_core.storage, mnist_core.analysis, "
            "mnist_core.data; assert not any(m.startswith('streamlit') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_full_disk_is_a_sentence(tmp_path, run, monkeypatch):
    import errno

    import mnist_core.cli.commands as commands

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "m.npz"))

    monkeypatch.setattr(commands, "save_model", full)
    proc = run("train", "--dataset", "digits", "--epochs", "1", "--out", tmp_path / "m.npz", check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and "No space left on device" in lines[-1] and "Traceback" not in proc.stderr


def test_mistakes_agrees_with_evaluate(tmp_path, run):
    out = tmp_path / "m.npz"
    run("train", "--dataset", "digits", "--epochs", "3", "--hidden", "20", "--out", out)
    confusion = json.loads(run("evaluate", "--model", out, "--json").stdout.splitlines()[-1])["confusion"]
    every = [json.loads(line) for line in run("mistakes", "--model", out, "--json").stdout.splitlines()]
    assert len(every) == sum(confusion[t][p] for t in range(10) for p in range(10) if t != p)
    assert all(r["true"] != r["predicted"] for r in every)
    for true, pred in [(8, 1), (3, 3)]:
        rows = run("mistakes", "--model", out, "--true", true, "--pred", pred, "--json").stdout.splitlines()
        assert len(rows) == confusion[true][pred]
    proc = run("mistakes", "--model", out, "--min-confidence", "2", check=False)
    assert proc.returncode == 1 and "between 0 and 1" in proc.stderr


def test_evaluate_refuses_a_model_with_nan_weights_in_one_line(tmp_path, run):
    from test_persistence import nan_model_file

    path = nan_model_file(tmp_path / "nan.npz")
    proc = run("evaluate", "--model", path, check=False)
    assert proc.returncode != 0 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "not all finite numbers" in proc.stderr
