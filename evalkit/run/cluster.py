"""Running a cycle's reports on a Dask cluster (``evalkit run ... --scheduler ADDRESS``).

Planning, fingerprints, ``build.json`` and the index stay with the runner that asked; the workers
compute the place trends and execute the notebooks (:mod:`evalkit.run.execute`) and send each
report's files back, and the runner writes them atomically into ``outputs/``. So ``outputs/`` need
not be on shared storage, but every worker must see the places' data folders at the same paths
(a shared filesystem) and have evalkit and its kernel installed.

Each notebook task asks for one unit of the worker resource ``KERNELS``: a worker started with
``--resources KERNELS=2`` runs at most two kernels at once, whatever Dask's memory limits (which do
not see kernels, separate processes) allow. Longest notebooks go first (task priorities); a task
whose worker dies is run again on another (Dask's ``allowed-failures``, three by default); a
notebook that fails is not retried but reported, as on one machine. ``tls://`` addresses encrypt
everything that crosses the network (Dask's ``Security``, from the options or Dask's own
configuration); ``tcp://`` is for a trusted network only.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

from evalkit.exceptions import RunError
from evalkit.run.execute import Executed, compute_trends, execute

__all__ = ["KERNELS", "connect", "run_on_cluster", "security_from_files"]

#: The worker resource each notebook (and each trends task) takes one unit of.
KERNELS = "KERNELS"
#: How long to try to reach a scheduler before giving up.
CONNECT_TIMEOUT = "10s"


def security_from_files(ca_file=None, cert=None, key=None):
    """A Dask ``Security`` for ``tls://`` from certificate files (None: Dask's configuration)."""
    if not any((ca_file, cert, key)):
        return None
    from distributed.security import Security

    missing = [name for name, value in (("--tls-ca-file", ca_file), ("--tls-cert", cert),
                                        ("--tls-key", key)) if not value]  # fmt: skip
    if missing:
        raise RunError(f"TLS needs a CA file, a certificate and its key: add {', '.join(missing)}.")
    return Security(
        tls_ca_file=str(ca_file),
        tls_client_cert=str(cert),
        tls_client_key=str(key),
        require_encryption=True,
    )


@contextlib.contextmanager
def connect(scheduler: str, *, security=None, progress: bool = True) -> Iterator[object]:
    """A Dask client for ``scheduler``: an address, or ``local`` / ``local:N`` for a
    ``LocalCluster`` of N single-kernel workers on this machine (default: one per core).

    Raises :class:`RunError`, before anything else is done, when the scheduler cannot be
    reached or no worker offers the ``KERNELS`` resource.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise RunError(
            "Running on a cluster needs dask.distributed: pip install 'evalkit[cluster]'."
        ) from err
    cluster = None
    with contextlib.ExitStack() as stack:
        if scheduler == "local" or scheduler.startswith("local:"):
            count = _local_workers(scheduler)
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    resources={KERNELS: 1},
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            _warn_if_unencrypted(scheduler)
            try:
                client = stack.enter_context(
                    Client(scheduler, timeout=CONNECT_TIMEOUT, security=security)
                )
            except Exception as err:  # refused, timed out, TLS without certificates, ...
                tls = ""
                if scheduler.startswith("tls://") and security is None:
                    tls = " A tls:// address needs --tls-ca-file, --tls-cert and --tls-key."
                raise RunError(
                    f"Could not reach the Dask scheduler at {scheduler} ({err}).{tls} Check the "
                    "address and that the scheduler is running; nothing was run and outputs/ is "
                    "as it was."
                ) from None
        _check_kernels(client, scheduler)
        if progress:
            print(f"Dask dashboard: {client.dashboard_link}", flush=True)
        yield client


def _local_workers(scheduler: str) -> int:
    _, _, count = scheduler.partition(":")
    if not count:
        return os.cpu_count() or 1
    if not count.isdigit() or int(count) < 1:
        raise RunError(
            f"--scheduler {scheduler}: write local or local:N with N workers, e.g. local:2."
        )
    return int(count)


def _warn_if_unencrypted(scheduler: str) -> None:
    parts = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parts.scheme == "tls":
        return
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(parts.hostname or "").is_loopback:
            return
    if parts.hostname in ("localhost",):
        return
    print(
        f"evalkit run: {scheduler} is not encrypted: survey data and reports would cross the "
        "network in the clear. Use it on a trusted network only; a tls:// address encrypts them.",
        file=sys.stderr,
    )


def _check_kernels(client, scheduler: str) -> None:
    workers = client.scheduler_info().get("workers", {})
    if not any(w.get("resources", {}).get(KERNELS) for w in workers.values()):
        raise RunError(
            f"No worker of {scheduler} offers the {KERNELS} resource, so no notebook could run. "
            f"Start workers with e.g. 'dask worker {scheduler} --nthreads 2 --resources "
            f"{KERNELS}=2' (at most that many kernels at once on each)."
        )


def run_on_cluster(todo, client, *, show_code: bool = False) -> Iterator[tuple]:
    """Submit the trends and the notebooks of ``todo`` to ``client``; yield ``(job, Executed)``
    as each finishes (a lost worker's tasks run again elsewhere)."""
    from distributed import as_completed

    from evalkit.run.runner import priority

    run_id = uuid.uuid4().hex[:8]
    trends = {}
    for key in sorted({key for job in todo for key in job.trends}, key=lambda k: -k[1]):
        name = hashlib.sha256(repr(key).encode()).hexdigest()[:12]
        trends[key] = client.submit(
            _trends_or_nothing,
            *key,
            key=f"evalkit-trends-{name}-{run_id}",
            resources={KERNELS: 1},
            priority=10_000,
            pure=False,
        )
    futures = {}
    for job in todo:
        future = client.submit(
            _execute_after,
            job,
            job.notebook.read_bytes(),
            show_code,
            *[trends[key] for key in job.trends],
            key=f"evalkit-{job.name.replace('/', '-')}-{run_id}",
            resources={KERNELS: 1},
            priority=priority(job),
            retries=1,
            pure=False,
        )
        futures[future] = job
    for future in as_completed(futures):
        job = futures[future]
        try:
            executed = future.result()
        except Exception as err:  # a worker lost too often (KilledWorker), a cancelled task
            executed = Executed(job.name, {}, f"{type(err).__name__}: {err}", 0.0)
        yield job, executed
    for future in trends.values():
        future.release()


def _trends_or_nothing(place_dir: str, through_round: int, k_min: int) -> str | None:
    """Compute a place's trends; a failure is left for the notebooks that need them to report."""
    try:
        return compute_trends(place_dir, through_round, k_min)
    except Exception:
        return None


def _execute_after(job, notebook: bytes, show_code: bool, *trends) -> Executed:
    """:func:`~evalkit.run.execute.execute`, once the trends it reads (its arguments) exist."""
    return execute(job, notebook, show_code)
