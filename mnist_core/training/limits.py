"""What a run may cost, checked before it is queued: the size of its weights, its
estimated memory and arithmetic (each model kind estimates its own, :meth:`Model.run_cost`),
and the class's queue.  A refusal is a sentence that names the setting to lower."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from ..config import TrainConfig, _LowerLabel, specs
from ..errors import InvalidParameter, MnistError
from ..models.base import Model
from ..settings import MAX_RUN_BYTES, MAX_RUN_FLOPS, RUNS_PER_WORKER

#: Images the loop converts to float32 at once (see :func:`.loop.batches`).
LOOP_CHUNK = 4096


def run_cost(cls: type[Model], settings: Any, config: TrainConfig, n_train: int) -> tuple[float, float]:
    """(bytes, FLOPs) of a run: the model's own estimate, plus the loop's float32 chunk of
    training images (twice with augmentation: the deformed copy)."""
    memory, flops = cls.run_cost(settings, config, n_train)
    chunk = max(LOOP_CHUNK, config.batch_size) * settings.n_inputs * 4 * (2 if config.augment else 1)
    return memory + (chunk if cls.iterative else 0), flops


def check_weights(cls: type[Model], settings: Any) -> None:
    """Refuse a model whose weights could not be saved (:data:`MAX_WEIGHT_BYTES`)."""
    from ..storage.modelfile import MAX_WEIGHT_BYTES

    weights = sum(int(_count(shape)) for shape in cls.shapes(settings).values()) * 8
    if weights > MAX_WEIGHT_BYTES:
        raise MnistError("A model this large ({mib:,.0f} MiB of weights) could not be saved here "
                         "(the limit is {most} MiB): choose smaller layers.", mib=weights / 2**20,
                         most=MAX_WEIGHT_BYTES // 2**20)


def check_budget(cls: type[Model], settings: Any, config: TrainConfig, n_train: int) -> tuple[float, float]:
    """Refuse, with a sentence naming the setting to lower, a run estimated above
    :data:`MAX_RUN_BYTES` of memory or :data:`MAX_RUN_FLOPS` of arithmetic; returns the estimate."""
    memory, flops = run_cost(cls, settings, config, n_train)
    if memory > MAX_RUN_BYTES:
        raise MnistError("This run would need about {need:,.1f} GiB of memory, more than the {most:,.1f} GiB a run "
                         "may use here: lower {setting}.", need=memory / 2**30, most=MAX_RUN_BYTES / 2**30,
                         setting=_biggest_saving(cls, settings, config, n_train, 0))
    if flops > MAX_RUN_FLOPS:
        raise MnistError("This run would need about {need:.1e} operations, more than the {most:.0e} a run may do "
                         "here (it could not finish in time): lower {setting}.", need=flops, most=MAX_RUN_FLOPS,
                         setting=_biggest_saving(cls, settings, config, n_train, 1))
    return memory, flops


def _count(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d if isinstance(d, int) else d[1]
    return n


def _biggest_saving(cls: type[Model], settings: Any, config: TrainConfig, n_train: int, which: int) -> str:
    """The label of the setting whose halving lowers the estimate most (epochs, batch size,
    a layer size, max_iter...): what the sentence tells the person to lower."""
    base = run_cost(cls, settings, config, n_train)[which]
    best, label = base, "Epochs"
    for holder, spec in [*((config, s) for s in specs(TrainConfig)), *((settings, s) for s in specs(type(settings)))]:
        value = getattr(holder, spec.name)
        if spec.type == "int" and value > 1:
            smaller = value // 2 if spec.name != "kernel_size" else max(1, value - 2)
        elif spec.type == "ints" and max(value) > 1:
            smaller = tuple(max(1, v // 2) for v in value)
        else:
            continue
        try:
            changed = dataclasses.replace(holder, **{spec.name: smaller})
            pair = (changed, settings) if holder is config else (config, changed)
            cost = run_cost(cls, pair[1], pair[0], n_train)[which]
        except (InvalidParameter, TypeError, ValueError):
            continue
        if cost < best * 0.99:
            best, label = cost, spec.label
    return _LowerLabel(label)  # "lower batch size" in English, the label's own translation elsewhere


def class_full(active: int, workers: int) -> None:
    """Refuse a run when the whole class already has :data:`RUNS_PER_WORKER` runs per
    worker queued or running (one person may have many workspaces)."""
    most = RUNS_PER_WORKER * max(1, workers)
    if active >= most:
        raise MnistError("The class's queue is full ({active} runs queued or running, at most {most}): wait for a "
                         "run to finish, then try again.", active=active, most=most)


def free_bytes(folder: str | Path) -> int:
    """Free space where ``folder`` is (its nearest existing parent); 0 if unknown."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 0
