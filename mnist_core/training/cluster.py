"""Where training runs: Dask ``distributed`` workers, never the web server's process.

By default the first call to :func:`client` starts an embedded ``LocalCluster`` of
worker *processes* with one thread each -- one worker per core (at least one), or
``MNIST_STUDIO_WORKERS`` -- so a training run has a core and a GIL of its own, and
at most as many runs go at once as there are workers; the rest wait in Dask's queue.
With ``MNIST_STUDIO_SCHEDULER=tcp://host:8786`` it connects to an existing cluster
instead (a lab: ``dask scheduler`` on one machine, ``dask worker tcp://host:8786``
on the others).  Workers need no MNIST files: datasets are sent to them.

The client is one per process, made on first use and shared by every session.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from ..errors import MnistError

if TYPE_CHECKING:
    from distributed import Client

_lock = threading.Lock()
_client: Client | None = None


def worker_count() -> int:
    """Workers of the embedded cluster: ``MNIST_STUDIO_WORKERS``, else one per core."""
    text = os.environ.get("MNIST_STUDIO_WORKERS", "")
    try:
        return max(1, int(text)) if text.strip() else max(1, os.cpu_count() or 1)
    except ValueError:
        raise MnistError("MNIST_STUDIO_WORKERS must be a whole number (got {text!r}).", text=text) from None


def current() -> Client | None:
    """The process's client if it is connected, else None (never starts a cluster)."""
    with _lock:
        return _client if _client is not None and _client.status in ("running", "connecting") else None


def client() -> Client:
    """The process's Dask client, connecting (or starting the local cluster) on first use;
    a client that lost its cluster is closed, with its cluster, and made anew."""
    global _client
    with _lock:
        if _client is not None and _client.status in ("running", "connecting"):
            return _client
        if _client is not None:
            _close(_client)
            _client = None
        import dask
        from distributed import Client, LocalCluster

        # The workers' statistical profiler wakes 100 times a second to walk the training
        # thread's stack: a cost for nothing here (the embedded cluster has no dashboard).
        dask.config.set({"distributed.worker.profile.enabled": False,
                         # a worker that dies mid-run (out of memory) is not given the run again
                         "distributed.scheduler.allowed-failures": 0})
        address = os.environ.get("MNIST_STUDIO_SCHEDULER", "").strip()
        try:
            if address:
                _client = Client(address, timeout="10s", set_as_default=False)
            else:
                cluster = LocalCluster(n_workers=worker_count(), threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR)
                _client = Client(cluster, set_as_default=False)
        except (OSError, TimeoutError) as err:
            if address:
                raise MnistError("Training cannot start: the Dask scheduler at {address} is not reachable ({reason}).",
                                 address=address, reason=str(err)) from err
            raise MnistError("Training cannot start: a local Dask cluster is not reachable ({reason}).",
                             reason=str(err)) from err
        return _client


def _close(old: Client) -> None:
    cluster = old.cluster
    try:
        old.close()
    finally:
        if cluster is not None:
            cluster.close()


def shutdown() -> None:
    """Close the client (and the embedded cluster, if this process started it)."""
    global _client
    with _lock:
        if _client is not None:
            _close(_client)
        _client = None
