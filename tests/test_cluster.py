"""The cycle on a real Dask cluster: a scheduler and workers started here, on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from evalkit import run as runner
from evalkit.data.ingest import ingest_round
from evalkit.demo.files import write_demo
from evalkit.exceptions import RunError

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, each worker with ``KERNELS`` to give."""

    def __init__(
        self, folder: Path, workers: int = 2, *, kernels: int = 1, tls: dict | None = None
    ):
        self.folder, self.tls = folder, tls or {}
        folder.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []
        options = [f"--{name}={path}" for name, path in self.tls.items()]
        file = folder / "scheduler.json"
        self.scheduler = self._start(
            "distributed.cli.dask_scheduler",
            "--host=127.0.0.1",
            "--port=0",
            "--no-dashboard",
            f"--scheduler-file={file}",
            *(["--protocol=tls"] if tls else []),
            *options,
        )
        for _ in range(600):
            if file.exists() and json.loads(file.read_text() or "{}").get("address"):
                break
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        self.workers = [
            self._start(
                "distributed.cli.dask_worker",
                self.address,
                "--host=127.0.0.1",
                f"--nthreads={kernels}",
                f"--resources=KERNELS={kernels}",
                "--no-dashboard",
                "--no-nanny",
                *options,
            )
            for _ in range(workers)
        ]
        with distributed.Client(self.address, security=self.security(), timeout="60s") as c:
            c.wait_for_workers(workers, timeout=120)

    def _start(self, module: str, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{module.rsplit('_', 1)[-1]}-{len(self.processes)}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", module, *args], stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def security(self):
        if not self.tls:
            return None
        return distributed.security.Security(
            tls_ca_file=self.tls["tls-ca-file"],
            tls_client_cert=self.tls["tls-cert"],
            tls_client_key=self.tls["tls-key"],
            require_encryption=True,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("cluster"))
    yield started
    started.stop()


def _place(folder: Path, name: str, rounds: int, seed: int = 3) -> Path:
    place = write_demo(folder / name.lower(), seed=seed, name=name, n_rounds=6)
    for number in range(1, rounds + 1):
        incoming = place / "incoming" / f"round-{number:02d}"
        ingest_round(place, number, ratings=incoming / "ratings.csv", ties=incoming / "ties.csv")
    return place


def _summaries(outputs: Path) -> dict[str, dict]:
    return {
        p.parent.relative_to(outputs).as_posix(): json.loads(p.read_text())
        for p in sorted(outputs.rglob("summary.json"))
    }


def _evalkit(*args, env=None, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _leftovers(outputs: Path) -> list[str]:
    return [p.name for p in outputs.rglob(".*")]


def test_a_programme_on_the_cluster_gives_what_a_local_run_gives(
    cluster, demo_programme_outputs, tmp_path
):
    import shutil

    programme, local = demo_programme_outputs
    copy = tmp_path / "programme"
    shutil.copytree(programme, copy, ignore=shutil.ignore_patterns(".cache"))  # trends anew
    outputs = tmp_path / "outputs"
    results = runner.run(copy, outputs_dir=outputs, scheduler=cluster.address, progress=False)
    assert {r.status for r in results} == {"ok"}, [r.error for r in results if not r.ok]
    assert len(results) == 28
    ours, theirs = _summaries(outputs), _summaries(local)
    assert sorted(ours) == sorted(theirs)
    for name in theirs:  # a summary holds no timings and no path: equal, key for key
        assert ours[name] == theirs[name], name
    again = runner.run(copy, outputs_dir=outputs, scheduler=cluster.address, progress=False)
    assert {r.status for r in again} == {"up to date"}
    assert not _leftovers(outputs)


def test_a_failing_notebook_on_the_cluster_is_isolated_as_locally(cluster, tmp_path):
    place = _place(tmp_path, "Ashby", 3)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    broken = nbformat.read(runner.notebook_path("round_report"), as_version=4)
    at = next(i for i, c in enumerate(broken.cells) if "parameters" in c.metadata.get("tags", []))
    broken.cells.insert(
        at + 1, nbformat.v4.new_code_cell("if round == 2:\n    raise RuntimeError('on purpose')")
    )
    nbformat.write(broken, notebooks / "round_report.ipynb")
    outputs = tmp_path / "outputs"
    done = _evalkit(
        "run", place, "--out", outputs, "--quiet", "--scheduler", cluster.address,
        env={"EVALKIT_NOTEBOOKS": str(notebooks)},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "3 notebooks executed, 0 up to date, 1 failed" in done.stdout
    assert "on purpose" in done.stderr
    assert (outputs / "ashby" / "round-01" / "round_report.html").exists()
    assert not (outputs / "ashby" / "round-02").exists()
    failed = outputs / "ashby" / "round-02.failed"
    executed = nbformat.read(failed / "round_report.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "on purpose"  # run once: not retried, not hidden
    assert json.loads((failed / runner.BUILD_FILE).read_text())["status"] == "failed"
    assert not _leftovers(outputs)


def _kernels_of(pid: int) -> list[int]:
    """Processes started by ``pid`` (a worker's kernels)."""
    children = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(status.parent.name))
    return children


def test_a_worker_killed_mid_notebook_loses_nothing(tmp_path):
    cluster = Cluster(tmp_path / "killed", workers=2)
    try:
        place = _place(tmp_path, "Bexley", 3, seed=5)
        outputs = tmp_path / "outputs"
        command = [sys.executable, "-m", "evalkit", "run", str(place), "--out", str(outputs)]
        command += ["--quiet", "--scheduler", cluster.address]
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = None
        for _ in range(1200):  # wait until a worker is executing a notebook (it has a kernel)
            victim = next((w for w in cluster.workers if _kernels_of(w.pid)), None)
            if victim is not None:
                break
            time.sleep(0.1)
        assert victim is not None, "no worker started a kernel"
        os.kill(victim.pid, signal.SIGKILL)
        out, err = run.communicate(timeout=900)
        assert run.returncode == 0, err
        assert "4 notebooks executed, 0 up to date, 0 failed" in out
        for report in ("round-01", "round-02", "round-03", "trajectory"):
            folder = outputs / "bexley" / report
            assert json.loads((folder / "summary.json").read_text())["place"] == "bexley"
            assert json.loads((folder / runner.BUILD_FILE).read_text())["status"] == "ok"
            page = next(folder.glob("*.html")).read_text()
            assert page.rstrip().endswith("</html>")
        assert not _leftovers(outputs)
        assert not list(outputs.rglob("*.failed"))
    finally:
        cluster.stop()


def _certificates(folder: Path) -> dict[str, str]:
    """A self-signed CA and a certificate it signed, for 127.0.0.1, as PEM files."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("evalkit test CA"))
        .issuer_name(name("evalkit test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"tls-ca-file": folder / "ca.pem", "tls-cert": folder / "cert.pem"}
    paths["tls-key"] = folder / "key.pem"
    paths["tls-ca-file"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["tls-cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["tls-key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {name: str(path) for name, path in paths.items()}


def test_a_cycle_over_tls(tmp_path):
    tls = _certificates(tmp_path)
    cluster = Cluster(tmp_path / "tls", workers=1, kernels=2, tls=tls)
    try:
        assert cluster.address.startswith("tls://")
        place = _place(tmp_path, "Crewe", 2, seed=7)
        outputs = tmp_path / "outputs"
        plain = _evalkit("run", place, "--out", outputs, "--quiet", "--scheduler", cluster.address)
        assert plain.returncode == 2 and "Could not reach the Dask scheduler" in plain.stderr
        assert not outputs.exists()  # without certificates nothing is sent, nothing written
        done = _evalkit(
            "run", place, "--out", outputs, "--quiet", "--scheduler", cluster.address,
            "--tls-ca-file", tls["tls-ca-file"], "--tls-cert", tls["tls-cert"],
            "--tls-key", tls["tls-key"],
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "2 notebooks executed" in done.stdout
        assert "not encrypted" not in done.stderr
        assert sorted(_summaries(outputs)) == ["crewe/round-01", "crewe/round-02"]
    finally:
        cluster.stop()


def test_an_unreachable_scheduler_fails_fast_and_changes_nothing(tmp_path):
    import socket

    place = _place(tmp_path, "Dudley", 1, seed=9)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "keep.txt").write_text("earlier outputs")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _evalkit(
        "run", place, "--out", outputs, "--scheduler", f"tcp://127.0.0.1:{port}", timeout=120
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Could not reach the Dask scheduler at tcp://127.0.0.1" in done.stderr
    assert sorted(p.name for p in outputs.iterdir()) == ["keep.txt"]


def test_workers_without_kernels_to_give_are_refused(tmp_path):
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as local:
        place = _place(tmp_path, "Eccles", 1, seed=11)
        with pytest.raises(RunError) as err:
            runner.run(place, outputs_dir=tmp_path / "out", scheduler=local.scheduler_address)
        assert "offers the KERNELS resource" in str(err.value)
