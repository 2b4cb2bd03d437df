"""Issue 21: the clusters are not open doors.  The embedded cluster needs its temporary
certificates, serves no HTTP pages, limits its workers' memory, cleans its scratch
directory, and its workers never run the web app; a lab's cluster is reached over TLS
with the certificates the README says how to make (a real ``dask scheduler`` and
``dask worker`` here, on 127.0.0.1)."""
from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mnist_core import settings
from mnist_core.errors import MnistError
from mnist_core.storage import ModelStore
from mnist_core.training import JobManager, JobStatus, TrainConfig, cluster
from conftest import lab_client, wait_job


#: A Dask client's attempt, in a process of its own: "connected" once it got in.
_ATTEMPT = """import os, pickle, sys
from distributed import Client
try:
    client = Client(sys.argv[1], timeout="5s", set_as_default=False, **pickle.loads(sys.stdin.buffer.read()))
except Exception:  # any refusal: a TLS handshake failure, a timeout
    os._exit(0)
print("connected", flush=True)
client.close()
os._exit(0)
"""


def _refused(address: str, **kwargs) -> bool:
    """Whether a Dask client without this cluster's credentials is kept out.  Tried in a
    process of its own: in the test process, a refused client's cleanup can deadlock
    (seen in CI: the garbage collector closed an earlier refused client inside the next
    one's start, which holds Dask's LoopRunner lock, and the test hung for 14 minutes)."""
    try:
        out = subprocess.run([sys.executable, "-c", _ATTEMPT, address], input=pickle.dumps(kwargs),
                             capture_output=True, timeout=60).stdout
    except subprocess.TimeoutExpired as hung:  # stuck after its attempt: what it said before
        out = hung.stdout or b""
    return b"connected" not in out


def _http_status(url: str) -> int | None:
    """The HTTP status a GET gets (None: nothing listens there)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


@pytest.fixture
def app_as_main(tmp_path, monkeypatch):
    """``__main__`` as Streamlit leaves it while a page runs: a module whose ``__file__``
    is the script (here one that leaves a mark, and imports streamlit, when it runs)."""
    mark = tmp_path / "app-ran"
    script = tmp_path / "fake_streamlit_app.py"
    script.write_text(f"import pathlib, streamlit\npathlib.Path({str(mark)!r}).touch()\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    return mark


def test_the_embedded_cluster_is_closed_to_others_and_its_workers_never_run_the_app(app_as_main, monkeypatch):
    cluster.shutdown()
    monkeypatch.setenv("MNIST_STUDIO_WORKERS", "1")
    monkeypatch.delenv("MNIST_STUDIO_SCHEDULER", raising=False)
    client = cluster.client()
    try:
        client.wait_for_workers(1, timeout=60)
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert _refused(address)  # no certificate: no entry
        assert _refused(address.replace("tls://", "tcp://"))
        http = client.cluster.scheduler.http_server.port
        for page in ("/json/identity.json", "/info/main/workers.html", "/health", "/metrics"):
            assert _http_status(f"http://127.0.0.1:{http}{page}") in (404, None), page
        workers = client.scheduler_info()["workers"]
        assert [w["memory_limit"] for w in workers.values()] == [settings.WORKER_MEMORY_BYTES]
        scratch = Path(cluster._scratch)
        assert all(Path(w["local_directory"]).is_relative_to(scratch) for w in workers.values())
        imported = client.run(lambda: sorted(m for m in sys.modules if m.split(".")[0] == "streamlit"))
        assert list(imported.values()) == [[]]
        assert not app_as_main.exists()
        ran = client.submit(lambda: "fake_streamlit_app" in str(getattr(sys.modules["__main__"], "__file__", "")))
        assert ran.result(timeout=30) is False
    finally:
        cluster.shutdown()
    assert not scratch.exists()


def _certificates(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """The README's openssl commands: a CA, and one key and certificate it signed."""
    ca_key, ca, key, cert = (folder / f"{name}{s}" for s in ("-ca.key", "-ca.pem", ".key", ".pem"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={name} CA",
        "-keyout", str(ca_key), "-out", str(ca))
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={name}",
        "-CA", str(ca), "-CAkey", str(ca_key), "-keyout", str(key), "-out", str(cert),
        "-addext", "basicConstraints=critical,CA:FALSE",
        "-addext", "extendedKeyUsage=serverAuth,clientAuth", "-addext", f"subjectAltName=DNS:{name}")
    return ca, cert, key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_tls_lab_cluster_trains_for_the_studio_and_refuses_a_client_without_certificates(
        digits, tmp_path, monkeypatch):
    from distributed.security import Security

    from conftest import ROOT

    ca, cert, key = _certificates(tmp_path, "mnist-lab")
    other_ca, other_cert, other_key = _certificates(tmp_path, "stranger")
    port, http = _free_port(), _free_port()
    tls = ["--tls-ca-file", str(ca), "--tls-cert", str(cert), "--tls-key", str(key)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MNIST_", "DASK_"))}
    env.update(PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0",
               DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES="[]", DASK_DISTRIBUTED__WORKER__HTTP__ROUTES="[]",
               DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
    address = f"tls://127.0.0.1:{port}"
    quiet = {"cwd": tmp_path, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--protocol", "tls",
                               "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
                               "--dashboard-address", f"127.0.0.1:{http}", *tls], **quiet)]
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                       "--nthreads", "1", "--memory-limit", "2GiB", "--no-dashboard",
                                       "--dashboard-address", "127.0.0.1:0", *tls], **quiet))
        cluster.shutdown()
        monkeypatch.setenv("MNIST_STUDIO_SCHEDULER", address)
        monkeypatch.setenv("MNIST_STUDIO_TLS_CA", str(ca))
        monkeypatch.setenv("MNIST_STUDIO_TLS_CERT", str(cert))
        monkeypatch.setenv("MNIST_STUDIO_TLS_KEY", str(key))
        lab_client()
        manager = JobManager()
        job = manager.submit("ws-lab", "classic", digits, {"hidden": 16}, TrainConfig(epochs=2), ModelStore(tmp_path))
        snap = wait_job(manager, job, timeout=120)
        assert snap.status == JobStatus.DONE and snap.pid != os.getpid(), snap.error

        assert _refused(address)  # no certificates at all
        assert _refused(address.replace("tls://", "tcp://"))
        stranger = Security(tls_ca_file=str(other_ca), tls_client_cert=str(other_cert),
                            tls_client_key=str(other_key), require_encryption=True)
        assert _refused(address, security=stranger)  # certificates the lab's CA did not sign
        assert not _refused(address, security=cluster.lab_security(address))  # the lab's own get in
        for page in ("/json/identity.json", "/info/main/workers.html", "/health"):
            assert _http_status(f"http://127.0.0.1:{http}{page}") in (404, None), page
    finally:
        cluster.shutdown()
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(20)


def test_the_studio_refuses_plain_tcp_to_another_machine_and_tls_without_certificates(monkeypatch):
    for name in ("MNIST_STUDIO_TLS_CA", "MNIST_STUDIO_TLS_CERT", "MNIST_STUDIO_TLS_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MnistError, match="never plain tcp://"):
        cluster.lab_security("tcp://192.0.2.7:8786")
    with pytest.raises(MnistError, match="MNIST_STUDIO_TLS_CA"):
        cluster.lab_security("tls://192.0.2.7:8786")
    monkeypatch.setenv("MNIST_STUDIO_TLS_CA", "/nonexistent/ca.pem")
    with pytest.raises(MnistError, match="MNIST_STUDIO_TLS_CERT is not set"):
        settings.scheduler_tls()
    monkeypatch.setenv("MNIST_STUDIO_TLS_CERT", "/nonexistent/cert.pem")
    monkeypatch.setenv("MNIST_STUDIO_TLS_KEY", "/nonexistent/key.pem")
    with pytest.raises(MnistError, match="no such file"):
        settings.scheduler_tls()
    assert cluster.lab_security("tcp://127.0.0.1:8786").require_encryption is False
