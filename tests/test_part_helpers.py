"""A CNN batch's second half in a forked helper process: the same arithmetic as threads."""
from __future__ import annotations

import mmap
import os
import signal

import numpy as np
import pytest

from mnist_core.data.datasets import load_digits
from mnist_core.models import build_model
from mnist_core.models.part_helpers import PartHelpers, can_fork, part_helpers, peak_helper_mib
from mnist_core.training import TrainConfig, train
from mnist_core.training import runtime

pytestmark = pytest.mark.skipif(not can_fork(), reason="helpers are forked processes (Linux)")
RNG = np.random.default_rng(7)


def tiny_cnn():
    model = build_model("cnn", n_inputs=64, channels=[2, 3], kernel_size=3, hidden=5, padding="same")
    model.params = {k: v.astype(np.float64) for k, v in model.params.items()}
    return model


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def in_shared_memory(a: np.ndarray) -> bool:
    while a is not None and not isinstance(a, mmap.mmap):
        a = a.obj if isinstance(a, memoryview) else getattr(a, "base", None)
    return a is not None


def same(a: tuple, b: tuple) -> None:
    assert a[0] == b[0] and a[1] == b[1] and a[2].keys() == b[2].keys()
    for name in a[2]:
        assert np.array_equal(a[2][name], b[2][name]), name


def threads_result(model, x, y):
    model.threads, model.helpers = 2, None
    return model.gradients(x, y)


def test_a_helper_gives_the_threads_gradients_and_sees_each_steps_weights():
    model = tiny_cnn()
    x, y = RNG.random((37, 64)), RNG.integers(0, 10, 37)
    expected = threads_result(model, x, y)
    with part_helpers(model):
        assert model.helpers is not None
        same(model.gradients(x, y), expected)
        assert all(in_shared_memory(p) for p in model.params.values())
        pid = model.helpers.helpers[0].pid
        for p in model.params.values():  # an optimizer's step: in place
            p *= 0.5
        moved = model.gradients(x, y)
    assert model.helpers is None and gone(pid)
    assert not any(in_shared_memory(p) for p in model.params.values())  # private again
    same(moved, threads_result(model, x, y))  # the helper computed with the new weights
    assert peak_helper_mib() > 0


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP], ids=["dies", "hangs"])
def test_a_helper_that_dies_or_hangs_is_ended_and_its_part_done_here(sig, monkeypatch):
    from mnist_core.models import part_helpers as helpers_module

    monkeypatch.setattr(helpers_module, "PATIENCE", 0.3)  # a stopped helper answers nothing
    model = tiny_cnn()
    x, y = RNG.random((40, 64)), RNG.integers(0, 10, 40)
    expected = threads_result(model, x, y)
    model.threads = 2
    with part_helpers(model):
        same(model.gradients(x, y), expected)
        helper = model.helpers.helpers[0]
        os.kill(helper.pid, sig)
        if sig == signal.SIGKILL:
            os.waitpid(helper.pid, 0)
        same(model.gradients(x, y), expected)
        assert not helper.alive
        same(model.gradients(x, y), expected)
    assert gone(helper.pid)


def test_one_helper_per_extra_core_and_none_on_one_core(monkeypatch):
    started = []
    real_start = PartHelpers._start
    monkeypatch.setattr(PartHelpers, "_start", lambda self, *a: (started.append(self.count), real_start(self, *a)))
    digits = load_digits()
    weights = {}
    for cores in (1, 2):
        monkeypatch.setattr(runtime, "usable_cores", lambda: cores)
        model = build_model("cnn", n_inputs=64, channels=[2, 3], kernel_size=3, hidden=8, padding="same")
        train(model, digits, TrainConfig(epochs=1, batch_size=64))
        weights[cores] = model.get_params()
        assert model.helpers is None
    assert started == [1]  # one run with one helper, the run on one core none
    for name, w in weights[1].items():
        assert np.array_equal(w, weights[2][name]), name  # the same weights: the halves fix the arithmetic

