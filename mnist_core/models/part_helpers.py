"""A batch's later parts computed in forked helper processes, on the other cores.

Threads of one process (:mod:`mnist_core.models.threads`) share the GIL: numpy holds it
between its calls and in short ones, and a CNN half-batch makes hundreds, so two threads
waited for each other (py-spy: ~14 % of a step, at conv1's slice copies and col2im's
adds).  One half alone took 4.1-4.4 ms, a whole step on two threads 6.0-6.2 ms; with a
forked helper, 5.0 ms (same run, synthetic batches).  A forked process has its own
interpreter and shares what it needs through memory, not the GIL.

How, during one training run (:func:`part_helpers`):

* At the first split batch the model's parameters move, in place in ``params``, into
  anonymous shared memory, and one helper per extra core is forked.  The optimizer
  updates the parameters there, so a helper sees each step's weights without a copy.
* Each step the parent writes a part's images and labels into a helper's shared
  buffers and a 16-byte command into its pipe, computes its own part, then reads the
  helper's answer (loss and number right); the helper's gradients are in shared arrays.
* The parts and their order of summation are those of the threads: the same seed
  trains the same weights on one core, on two threads or with a helper.
* A helper that fails, dies or hangs (:data:`PATIENCE`) leaves its part to the parent
  for the rest of the run (nothing is lost).  It ends when its pipe closes: at the
  run's end, or with the parent (and then also by ``PR_SET_PDEATHSIG``).  At the end
  the parameters go back to private memory.

Linux only (elsewhere threads).  Forking a process that has other threads (a Dask
worker's) is safe for what a helper does -- numpy on its own arrays, no lock another
thread may hold: the parent's objects are frozen for the garbage collector (no
finalizer of theirs runs in the helper), signals wait until the helper has its own
handlers, and it closes every inherited file descriptor but its two pipes.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import mmap
import os
import select
import signal
import struct
import sys
import time
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn

import numpy as np

from .threads import Gradients, Part

if TYPE_CHECKING:
    from .base import Model


_COMMAND = struct.Struct("<qq")  # images in the part, images in the whole batch
_ANSWER = struct.Struct("<dq")  # the part's summed loss, number right
_PR_SET_PDEATHSIG = 1
_ENDING = {signal.SIGINT, signal.SIGTERM}
#: Seconds a helper may take over its part (or 100 times the parent's own, if longer)
#: before it is taken for hung, ended, and its part computed by the parent.
PATIENCE = 60.0
_peak_helper_mib = 0.0


def can_fork() -> bool:
    """Whether helpers are used here (Linux), rather than threads."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def shared_array(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """A zeroed array in anonymous shared memory: a process forked afterwards and this
    one see each other's writes."""
    dtype, count = np.dtype(dtype), int(np.prod(shape, dtype=np.int64))
    return np.frombuffer(mmap.mmap(-1, max(count * dtype.itemsize, 1)), dtype, count).reshape(shape)


def peak_helper_mib() -> float:
    """The most private memory (MiB) this process's helpers of one run held together,
    measured as each run ended: what they add to the parent's own peak."""
    return _peak_helper_mib


def _read(fd: int, size: int) -> bytes | None:
    """Exactly ``size`` bytes from ``fd``, or None at its end."""
    data = b""
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            return None
        data += more
    return data


def _private_mib(pid: int) -> float:
    """Memory only ``pid`` holds (its private pages), MiB; 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean", "Private_Dirty"))) / 1024
    except (OSError, ValueError, IndexError):
        return 0.0


class Helper:
    """One forked process computing ``part(x, y, batch)`` on its shared buffers."""

    def __init__(self, part: Part, x_shape: tuple[int, ...], x_dtype: np.dtype,
                 grads_like: dict[str, np.ndarray]) -> None:
        self.x = shared_array(x_shape, x_dtype)
        self.y = shared_array(x_shape[:1], np.intp)
        self.grads = {name: shared_array(g.shape, g.dtype) for name, g in grads_like.items()}
        fds = (*os.pipe(), *os.pipe())
        command_in, self._command, self._answer, answer_out = fds
        parent, prctl = os.getpid(), _prctl()
        # No Ctrl-C between the fork and the helper's own handlers (it would unwind the
        # helper through the parent's code), and the parent's objects frozen: never
        # collected, nor their finalizers run, in the helper.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
        gc.freeze()
        try:
            pid = os.fork()
        except BaseException:
            gc.unfreeze()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            for fd in fds:
                os.close(fd)
            raise
        if pid == 0:
            _serve(self, part, command_in, answer_out, parent, prctl, mask)
        gc.unfreeze()
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(command_in)
        os.close(answer_out)
        self.pid, self.alive = pid, True

    def fits(self, x: np.ndarray) -> bool:
        return self.alive and x.dtype == self.x.dtype and x.shape[1:] == self.x.shape[1:] and len(x) <= len(self.x)

    def send(self, x: np.ndarray, y: np.ndarray, batch: int) -> None:
        self.x[:len(x)], self.y[:len(y)] = x, y
        try:
            os.write(self._command, _COMMAND.pack(len(x), batch))
        except OSError:  # it died
            self._end()

    def receive(self, patience: float) -> Gradients | None:
        """Its part's result (the gradients in its shared arrays), or None if it died or
        gave none within ``patience`` seconds (then it is ended)."""
        answer = None
        if self.alive:
            poller = select.poll()
            poller.register(self._answer, select.POLLIN)
            answer = _read(self._answer, _ANSWER.size) if poller.poll(patience * 1000) else None
        if answer is None:
            self._end()
            return None
        loss, right = _ANSWER.unpack(answer)
        return loss, int(right), self.grads

    def _end(self) -> None:
        """Kill it, once (its pid is not waited for until :meth:`close`, so it is not reused)."""
        if self.alive:
            self.alive = False
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def close(self) -> float:
        """End it and wait for it (killed if it has not ended within a second of its
        pipe closing); its private memory (MiB) just before."""
        mib = _private_mib(self.pid)
        os.close(self._command)  # its read ends: it exits
        os.close(self._answer)
        try:
            for _ in range(100):
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    return mib
                time.sleep(0.01)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # already waited for
            pass
        return mib


def _prctl() -> Callable[..., int] | None:
    """libc's prctl (looked up in the parent: nothing is loaded in the helper), or None."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _serve(helper: Helper, part: Part, command_in: int, answer_out: int, parent: int,
           prctl: Callable[..., int] | None, mask: set) -> NoReturn:
    """The helper's life: a part per command, until the pipe closes.  Never returns."""
    code = 1
    try:
        gc.disable()  # what it makes has no cycles; the parent's objects stay as they are
        for sig, action in ((signal.SIGINT, signal.SIG_IGN), (signal.SIGTERM, signal.SIG_DFL)):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, action)  # Ctrl-C stops the parent, whose pipe then closes
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # ends with the thread that forked it
        if os.getppid() != parent:
            return
        keep = sorted((command_in, answer_out))
        os.closerange(3, keep[0])
        os.closerange(keep[0] + 1, keep[1])
        os.closerange(keep[1] + 1, 1 << 20)
        while (command := _read(command_in, _COMMAND.size)) is not None:
            n, batch = _COMMAND.unpack(command)
            loss, right, grads = part(helper.x[:n], helper.y[:n], batch)
            for name, g in grads.items():
                helper.grads[name][...] = g
            os.write(answer_out, _ANSWER.pack(loss, right))
        code = 0
    finally:
        os._exit(code)  # never back into the parent's code


class PartHelpers:
    """Up to ``count`` helpers for one model's training run, forked at its first split batch."""

    def __init__(self, params: dict[str, np.ndarray], count: int) -> None:
        self.params, self.count = params, count
        self.helpers: list[Helper] | None = None

    def run(self, part: Part, x: np.ndarray, y: np.ndarray, slices: list[slice]) -> list[Gradients]:
        """Each slice's ``part(x[s], y[s], len(y))``, in order: the first here, the others
        on helpers at the same time (here, after, for a part no helper can take)."""
        n = len(y)
        if self.helpers is None:
            self._start(part, (max(s.stop - s.start for s in slices[1:]), *x.shape[1:]), x.dtype)
        sent = [(h, s) for h, s in zip(self.helpers, slices[1:]) if h.fits(x[s])]
        for helper, s in sent:
            helper.send(x[s], y[s], n)
        started = time.perf_counter()
        results = [part(x[slices[0]], y[slices[0]], n)]
        patience = max(PATIENCE, 100 * (time.perf_counter() - started))  # a helper that hangs is ended
        answers = {s.start: helper.receive(patience) for helper, s in sent}
        for s in slices[1:]:
            answer = answers.get(s.start)
            results.append(answer if answer is not None else part(x[s], y[s], n))
        return results

    def _start(self, part: Part, x_shape: tuple[int, ...], x_dtype: np.dtype) -> None:
        for name, p in self.params.items():
            shared = shared_array(p.shape, p.dtype)
            shared[...] = p
            self.params[name] = shared
        self.helpers = []
        for _ in range(self.count):
            try:
                self.helpers.append(Helper(part, x_shape, x_dtype, self.params))
            except OSError:  # no fork here (memory, process limits): the parent does the part
                break

    def close(self) -> None:
        """End the helpers and give the parameters back their private memory."""
        global _peak_helper_mib
        if self.helpers is None:
            return
        _peak_helper_mib = max(_peak_helper_mib, sum(h.close() for h in self.helpers))
        for name, p in self.params.items():
            self.params[name] = np.array(p)
        self.helpers = None


@contextlib.contextmanager
def part_helpers(model: Model) -> Iterator[None]:
    """While the block (a training run) goes on, ``model.helpers`` computes its batches'
    later parts in forked processes, when the model may use more than one thread (its
    ``threads``, set before) and this is Linux; otherwise it stays None (threads)."""
    if model.threads < 2 or not can_fork():
        yield
        return
    model.helpers = PartHelpers(model.params, model.threads - 1)
    try:
        yield
    finally:
        helpers, model.helpers = model.helpers, None
        helpers.close()
