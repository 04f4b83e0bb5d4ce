"""Run the report notebooks for a place with papermill and leave shareable outputs.

Every notebook runs in its own worker process (papermill changes the process's working folder, so
threads would trip over each other) and writes into a temporary folder that is renamed into place
only when it is complete: an interrupted or failed run never replaces an earlier good report.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .config import load_place
from .exceptions import RunError

__all__ = ["NOTEBOOKS_DIR", "Job", "JobResult", "plan_place", "run_jobs", "run_place"]

NOTEBOOKS_DIR = Path(
    os.environ.get("EVALKIT_NOTEBOOKS", Path(__file__).parent.parent / "notebooks")
)
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class Job:
    """One notebook to execute into one output folder."""

    name: str
    notebook: Path
    out_dir: Path
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str = ""

    def __str__(self) -> str:
        status = "ok" if self.ok else f"FAILED ({self.error})"
        return f"{self.job.name:<24} {status:<10} {self.seconds:6.1f} s"


def plan_place(
    place_dir: str | Path, *, rounds: list[int] | None = None, outputs_dir: str | Path = "outputs"
) -> list[Job]:
    """The jobs for a place: a round report for the given rounds, or for every ingested round
    followed by the trajectory over all of them.

    Raises :class:`RunError` naming the round when a round is not in ``place.yml`` or has no data.
    """
    place = load_place(place_dir)
    ingested = store.ingested_rounds(place.dir)
    trajectory_wanted = rounds is None
    if rounds is None:
        rounds = ingested
        if not rounds:
            raise RunError(f"{place.dir}: no rounds ingested yet. Run 'evalkit ingest' first.")
    for number in rounds:
        if number not in place.round_numbers:
            raise RunError(
                f"{place.dir}: round {number} is not listed in place.yml "
                f"(rounds are {place.round_numbers})."
            )
        if number not in ingested:
            raise RunError(
                f"{place.dir}: round {number} has no ratings ingested yet. Run "
                f"'evalkit ingest {place.dir} --round {number} --ratings FILE' first."
            )
    notebook = NOTEBOOKS_DIR / "round_report.ipynb"
    place_out = Path(outputs_dir).resolve() / place.id
    common = {"place": str(place.dir.resolve()), "k_min": place.k_min}
    jobs = [
        Job(
            name=f"{place.id}/round-{n:02d}",
            notebook=notebook,
            out_dir=place_out / f"round-{n:02d}",
            parameters={**common, "round": n},
        )
        for n in sorted(rounds)
    ]
    trajectory = NOTEBOOKS_DIR / "trajectory.ipynb"
    if trajectory_wanted and trajectory.exists():
        jobs.append(
            Job(
                name=f"{place.id}/trajectory",
                notebook=trajectory,
                out_dir=place_out / "trajectory",
                parameters={**common, "through_round": max(rounds)},
            )
        )
    return jobs


def run_jobs(
    jobs: list[Job], *, workers: int | None = None, show_code: bool = False, progress: bool = True
) -> list[JobResult]:
    """Execute jobs in parallel worker processes; a failure does not stop the others."""
    from tqdm.auto import tqdm

    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs) or 1))
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_execute, job, show_code) for job in jobs]
        with tqdm(total=len(jobs), disable=not progress, unit="report") as bar:
            for future in futures:
                result = future.result()
                results.append(result)
                bar.update()
                bar.write(str(result))
    return results


def run_place(
    place_dir: str | Path,
    *,
    rounds: list[int] | None = None,
    outputs_dir: str | Path = "outputs",
    workers: int | None = None,
    show_code: bool = False,
    progress: bool = True,
) -> list[JobResult]:
    """Run every round report of a place and refresh ``outputs/index.html``."""
    from .report import write_index

    jobs = plan_place(place_dir, rounds=rounds, outputs_dir=outputs_dir)
    results = run_jobs(jobs, workers=workers, show_code=show_code, progress=progress)
    write_index(outputs_dir)
    return results


def _execute(job: Job, show_code: bool) -> JobResult:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .report import export_html, provenance_stamp

    start = time.perf_counter()
    job.out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = job.out_dir.parent / f".{job.out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    executed = work / job.notebook.name
    summary_path = work / "summary.json"
    error = ""
    try:
        try:
            papermill.execute_notebook(
                str(job.notebook),
                str(executed),
                parameters={**job.parameters, "summary_path": str(summary_path)},
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                kernel_manager_class="evalkit._kernel.IPCKernelManager",
            )
        except PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue}"
        if summary_path.exists():
            stamp = provenance_stamp(json.loads(summary_path.read_text(encoding="utf-8")))
        else:
            stamp = f"{job.name} · this run failed: {error or 'no summary was written'}"
        export_html(executed, executed.with_suffix(".html"), provenance=stamp, show_code=show_code)
        if not error and not summary_path.exists():
            error = "the notebook finished without writing summary.json"
        target = job.out_dir if not error else job.out_dir.with_name(job.out_dir.name + ".failed")
        _replace_dir(work, target)
        if not error:
            shutil.rmtree(job.out_dir.with_name(job.out_dir.name + ".failed"), ignore_errors=True)
    except Exception as err:  # anything else: report it, keep the earlier outputs
        shutil.rmtree(work, ignore_errors=True)
        error = error or f"{type(err).__name__}: {err}"
    return JobResult(job, not error, time.perf_counter() - start, error)


def _replace_dir(source: Path, target: Path) -> None:
    """Swap ``source`` in as ``target``; the old ``target`` is removed only after the swap."""
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)
