"""How a process trains fastest: BLAS threads, batch threads, and big arrays reused.

* BLAS runs on one thread per caller: the small GEMMs of these models gain nothing from
  OpenBLAS's threads, which spin while they wait for each other (and a process holds
  two OpenBLAS copies, numpy's and scipy's, each with its own threads).
* A model that splits its batches (the CNN) gets as many cores as it may use and the
  process has: forked helper processes on Linux (:mod:`mnist_core.models.part_helpers`),
  threads elsewhere (:mod:`mnist_core.models.threads`).
* glibc hands out every array above a threshold (128 KiB, rising to the largest array
  freed so far) as fresh pages from the kernel, and takes them back when it is freed:
  a CNN step allocates ~25 MB of im2col rows and gradients, and the kernel zeroing
  them page by page took a quarter of the step.  While training, big blocks stay in the
  heap and are reused; afterwards the heap is trimmed, so a long-lived worker gives the
  memory back.  (Linux/glibc only; elsewhere this part does nothing.)
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import threading
from typing import Iterator

from threadpoolctl import threadpool_limits

from ..models.base import Model
from ..models.part_helpers import part_helpers
from ..models.threads import usable_cores

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: While training, blocks up to 32 MiB (glibc's largest threshold; a CNN batch's biggest
#: array is 6.5 MB) come from the heap, which keeps up to 256 MiB free.
_MMAP_BYTES, _KEEP_BYTES = 32 * 2**20, 256 * 2**20
_DEFAULT_MMAP, _DEFAULT_TRIM = 128 * 1024, 128 * 1024


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@contextlib.contextmanager
def reuse_big_arrays() -> Iterator[None]:
    """Keep freed big arrays in the heap while the block runs; trim it afterwards."""
    libc = _libc()
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES)
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP)
        libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
        libc.malloc_trim(0)


@contextlib.contextmanager
def training_runtime(model: Model) -> Iterator[None]:
    """Run the block (a training loop) with one BLAS thread, ``model.threads`` set to
    what it may use of this machine (with forked helpers on Linux), and big arrays reused."""
    model.threads = min(model.max_threads, usable_cores())
    with threadpool_limits(limits=model.blas_threads, user_api="blas"), reuse_big_arrays(), part_helpers(model):
        yield


def lower_priority(nice: int) -> None:
    """Give the calling thread the nice value ``nice`` (Linux: a thread has its own, and
    threads it starts inherit it; it ends with the thread).  Work that can wait -- the
    verdict's calibration, the studio's own model -- yields to pupils' runs and pages.
    Where threads have no nice value of their own, or it may not be set, nothing changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError):
        pass
