"""Where training runs: Dask ``distributed`` workers, never the web server's process.

By default the first call to :func:`client` starts an embedded ``LocalCluster`` of
worker *processes* with one thread each -- one worker per core (at least one), or
``MNIST_STUDIO_WORKERS`` -- so a training run has a core and a GIL of its own, and
at most as many runs go at once as there are workers; the rest wait in Dask's queue.
With ``MNIST_STUDIO_SCHEDULER=tls://host:8786`` (and the certificate files of
:func:`~mnist_core.settings.scheduler_tls`) it connects to a lab's cluster instead;
the README's lab section says how to start one.  Workers need no MNIST files: a
lab's are sent the datasets, the embedded ones open them memory-mapped from the
scratch directory (:mod:`mnist_core.data.mapped`).

Anyone who can talk to a Dask scheduler can run code on its workers (``Client.run``),
so neither cluster is an open door:

* the embedded one speaks TLS with temporary certificates only this process holds
  (``security=True``), listens on 127.0.0.1, and serves no HTTP pages;
* a lab's is reached over ``tls://`` with the lab's certificates; plain ``tcp://`` is
  accepted only on this machine's loopback (a test, a single machine).

Each embedded worker has a memory limit (:data:`~mnist_core.settings.WORKER_MEMORY_BYTES`)
and a scratch directory of this cluster's own, removed when it shuts down.  The workers
are started without the web server's ``__main__`` (see :func:`_spawn_without_app`).

The client is one per process, made on first use and shared by every session; it is
closed (runs' data released first) when the process exits.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import settings
from ..errors import MnistError

if TYPE_CHECKING:
    from distributed import Client

_lock = threading.Lock()
_client: Client | None = None
_scratch: str | None = None  # the embedded cluster's scratch directory
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: Dask settings for every cluster this process starts or joins (and for its workers,
#: which receive the parent's configuration).
CONFIG: dict[str, Any] = {
    # The workers' statistical profiler wakes 100 times a second to walk the training
    # thread's stack: a cost for nothing here (nobody reads a dashboard).
    "distributed.worker.profile.enabled": False,
    # a worker that dies mid-run (out of memory) is not given the run again
    "distributed.scheduler.allowed-failures": 0,
    # datasets are scattered to every worker (broadcast); the Active Memory Manager would
    # drop all copies but one, and restarting the worker holding it (a hard stop, see
    # .hard_stop) would lose data no worker can compute again: the next run failed
    "distributed.scheduler.active-memory-manager.start": False,
    # no HTTP pages: Dask starts an HTTP server even without a dashboard (JSON state,
    # a proxy, metrics); with no routes it answers nothing but 404
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
}


def worker_count() -> int:
    """Workers of the embedded cluster: ``MNIST_STUDIO_WORKERS``, else one per core."""
    return settings.workers_setting(max(1, os.cpu_count() or 1))


def shared_folder() -> str | None:
    """A folder the embedded cluster's workers read as this process writes it (its
    scratch directory, on this machine, removed with it); None for a lab's cluster."""
    with _lock:
        return _scratch if _client is not None else None


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

        dask.config.set(CONFIG)
        address = settings.scheduler_address()
        try:
            _client = _connect(address) if address else _embedded()
        except (OSError, TimeoutError) as err:
            if address:
                raise MnistError("Training cannot start: the Dask scheduler at {address} is not reachable ({reason}).",
                                 address=address, reason=str(err)) from err
            raise MnistError("Training cannot start: a local Dask cluster is not reachable ({reason}).",
                             reason=str(err)) from err
        atexit.register(shutdown)  # release the runs' data before the cluster goes: no ERROR lines at exit
        return _client


def lab_security(address: str) -> Any:
    """The ``distributed.security.Security`` for a lab's scheduler at ``address``: its
    certificates for ``tls://``; nothing for ``tcp://`` on the loopback; else a sentence."""
    from distributed.security import Security

    scheme, host = urlsplit(address).scheme, urlsplit(address).hostname or ""
    if scheme == "tls":
        tls = settings.scheduler_tls()
        if tls is None:
            raise MnistError("{address} is a tls:// scheduler: set MNIST_STUDIO_TLS_CA, MNIST_STUDIO_TLS_CERT and "
                             "MNIST_STUDIO_TLS_KEY to the lab's certificate files (see the README's lab section).",
                             address=address)
        ca, cert, key = (str(p) for p in tls)
        return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
    if scheme == "tcp" and host in _LOOPBACK:
        return Security()
    raise MnistError("MNIST_STUDIO_SCHEDULER={address}: a scheduler on another machine is reached over tls:// with "
                     "certificates, never plain tcp:// (anyone on the network could run code on its workers; "
                     "see the README's lab section).", address=address)


def _connect(address: str) -> Client:
    from distributed import Client

    return Client(address, timeout="10s", set_as_default=False, security=lab_security(address))


def _embedded() -> Client:
    """A LocalCluster only this process can use: TLS with temporary certificates, no
    HTTP pages, a memory limit and a scratch directory per worker."""
    global _scratch
    from distributed import Client, LocalCluster

    _spawn_without_app()
    _scratch = tempfile.mkdtemp(prefix="mnist-studio-dask-")
    try:
        cluster = LocalCluster(n_workers=worker_count(), threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR, security=True,
                               memory_limit=settings.WORKER_MEMORY_BYTES, local_directory=_scratch,
                               # its HTTP server (no routes: 404 only) on a free loopback port, not 8787
                               scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})
        return Client(cluster, set_as_default=False)
    except BaseException:
        _remove_scratch()
        raise


def _spawn_without_app() -> None:
    """Start worker processes without re-running the web server's ``__main__``.

    Dask starts workers with multiprocessing's *spawn*, which re-runs the parent's
    ``__main__.__file__`` in each new process (as ``__mp_main__``).  Under Streamlit,
    ``__main__`` is the page script being run (Streamlit installs it there), so every
    worker ran ``streamlit_app.py`` or a page in bare mode -- ~49 warnings, and Streamlit
    in every worker.  The workers need nothing from ``__main__`` (their tasks name
    importable functions), so the spawn data this process sends leaves it out."""
    from multiprocessing import spawn

    if getattr(spawn.get_preparation_data, "mnist_studio", False):
        return
    original = spawn.get_preparation_data

    def preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    preparation_data.mnist_studio = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = preparation_data


def _remove_scratch() -> None:
    global _scratch
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)
        _scratch = None


def _close(old: Client) -> None:
    """Release every future first (scattered datasets), then close the client and its
    cluster, then remove the scratch directory: no "lose scattered data" ERROR lines."""
    cluster = old.cluster
    try:
        old.close()
    finally:
        try:
            if cluster is not None:
                cluster.close()
        finally:
            if cluster is not None:
                _remove_scratch()


def shutdown() -> None:
    """Close the client (and the embedded cluster, if this process started it)."""
    global _client
    with _lock:
        if _client is not None:
            _close(_client)
        _client = None
