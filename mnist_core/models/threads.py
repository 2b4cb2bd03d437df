"""A mini-batch's gradients computed on several cores at once, in threads.

NumPy releases the GIL inside its GEMMs and element-wise loops, which are nearly all
of a CNN step, so a batch split into parts whose forward and backward passes run in
threads of one process uses every core without copying the weights.  Each part scales
its gradients by the *whole* batch's size, so their sum is exactly the gradient of the
batch's mean loss (up to float rounding): the recipe and the learning rate keep their
meaning.  On Linux the later parts run in forked helper processes instead, which share
no GIL (:mod:`mnist_core.models.part_helpers`, 0.88x the threads' time); the split and
the sum are the same.

Why threads and not BLAS threads: every GEMM of a small CNN is small (N = 16 or 32
output maps), and OpenBLAS's two threads meet after each one, spinning while they wait;
on a shared or busy machine that made a step 2-4x *slower*.  A split batch meets once
per step.  BLAS stays at one thread per caller (see the training loop).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from .part_helpers import PartHelpers

#: Fewest images per part: below this a thread's hand-over costs more than it saves.
MIN_PART = 8

Gradients = tuple[float, int, dict[str, np.ndarray]]
#: ``part(x_part, y_part, batch_size)`` -> a part's :data:`Gradients`.
Part = Callable[[np.ndarray, np.ndarray, int], Gradients]

_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a container's share)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def _executor() -> ThreadPoolExecutor:
    """One pool per process, made on first use (a forked worker makes its own)."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool, _pool_pid = ThreadPoolExecutor(max_workers=max(usable_cores() - 1, 1),
                                              thread_name_prefix="mnist-batch"), os.getpid()
    return _pool


def split_gradients(part: Part, x: np.ndarray, y: np.ndarray,
                    parts: int, threads: int, helpers: PartHelpers | None = None) -> Gradients:
    """``part(x_part, y_part, batch_size)`` -> (summed loss, number right, grads of the
    batch's mean loss restricted to the part), run on ``parts`` equal parts of x (B, ...),
    y (B,) (fewer if a part would hold under :data:`MIN_PART` images), and summed in
    order.  With ``threads`` > 1 they run at once, the caller's thread taking the first;
    with 1, one after the other.  With ``helpers`` (forked processes, Linux:
    :mod:`mnist_core.models.part_helpers`) the later parts run there instead of in threads.
    The parts, not the threads, decide the arithmetic: a seed trains the same weights on
    one core as on two."""
    n = len(y)
    parts = max(min(parts, n // MIN_PART), 1)
    bounds = [n * i // parts for i in range(parts + 1)]
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    if threads > 1 and parts > 1 and helpers is not None:
        results = helpers.run(part, x, y, slices)
    elif threads > 1 and parts > 1:
        pool = _executor()
        later = [pool.submit(part, x[s], y[s], n) for s in slices[1:]]
        results = [part(x[slices[0]], y[slices[0]], n)] + [f.result() for f in later]
    else:
        results = [part(x[s], y[s], n) for s in slices]
    loss, right, grads = results[0]
    for more_loss, more_right, more in results[1:]:
        loss += more_loss
        right += more_right
        for name, g in more.items():
            grads[name] += g
    return loss, right, grads
