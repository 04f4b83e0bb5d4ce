"""Executing a cycle's jobs with papermill and leaving shareable outputs.

:func:`run_jobs` executes the jobs whose fingerprint changed, in parallel worker processes
(papermill changes the process's working folder, so threads would trip over each other), each
kernel in its own temporary folder that is renamed into place only when complete: an interrupted
or failed run never replaces an earlier good report, and a failed notebook leaves its partial
copy, with the error, in ``NAME.failed/``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from evalkit._io import replace_dir
from evalkit.run.params import check_parameters
from evalkit.run.plan import BUILD_FILE, KERNEL_NAME, Job, plan

__all__ = ["JobResult", "run", "run_jobs"]


@dataclass(frozen=True)
class JobResult:
    job: Job
    status: str  # "ok", "failed" or "up to date"
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def __str__(self) -> str:
        return f"{self.job.name:<28} {self.status:<10} {self.seconds:6.1f} s"


def run_jobs(
    jobs: list[Job],
    *,
    workers: int | None = None,
    show_code: bool = False,
    force: bool = False,
    progress: bool = True,
) -> list[JobResult]:
    """Execute the jobs that are not up to date, in parallel; a failure does not stop the others.

    Every job's parameters are checked against its notebook's declarations first, so a bad one
    fails before any kernel starts. Returns one result per job, in the order given; jobs already
    up to date are not executed (unless ``force``) and have status ``"up to date"``.
    """
    for job in jobs:
        check_parameters(job.notebook, {**job.parameters, "summary_path": ""})
    todo = [job for job in jobs if force or not job.up_to_date()]
    # the longest notebooks (trajectories, programme) first: no worker is left alone with one
    todo.sort(key=lambda job: "/round-" in job.name)
    results = {job.name: JobResult(job, "up to date", 0.0) for job in jobs if job not in todo}
    if todo:
        from tqdm.auto import tqdm

        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        bar_shown = progress and sys.stderr.isatty()
        with (
            ProcessPoolExecutor(max_workers=workers) as pool,
            tqdm(total=len(todo), disable=not bar_shown, unit="notebook", leave=False) as bar,
        ):
            futures = [pool.submit(_execute, job, show_code) for job in todo]
            for future in as_completed(futures):
                result = future.result()
                results[result.job.name] = result
                bar.update()
                if progress:
                    tqdm.write(str(result))
    return [results[job.name] for job in jobs]


def run(
    directory: str | Path,
    *,
    rounds: list[int] | None = None,
    outputs_dir: str | Path = "outputs",
    workers: int | None = None,
    show_code: bool = False,
    force: bool = False,
    progress: bool = True,
) -> list[JobResult]:
    """Run a cycle for a place or a programme folder and refresh ``outputs/index.html``."""
    from evalkit.reports.html.index import write_index

    jobs = plan(directory, rounds=rounds, outputs_dir=outputs_dir)
    _remove_leftovers({job.out_dir.parent for job in jobs})
    results = run_jobs(jobs, workers=workers, show_code=show_code, force=force, progress=progress)
    write_index(outputs_dir)
    return results


def _execute(job: Job, show_code: bool) -> JobResult:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from evalkit._io import write_json
    from evalkit.reports.html.export import export_html, provenance_stamp

    start = time.perf_counter()
    job.out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = job.out_dir.parent / f".{job.out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    executed = work / job.notebook.name
    summary_path = work / "summary.json"
    failed_dir = job.out_dir.with_name(job.out_dir.name + ".failed")
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
                cwd=str(work),
                kernel_manager_class="evalkit.run.kernel.IPCKernelManager",
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
        previous = job.out_dir / "summary.json"
        if not error and previous.exists():
            _keep_previous(previous, summary_path, work)
        write_json(
            work / BUILD_FILE,
            {
                **job.inputs(),
                "fingerprint": job.fingerprint(),
                "status": "failed" if error else "ok",
                "error": error,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        )
        replace_dir(work, job.out_dir if not error else failed_dir)
        if not error:
            shutil.rmtree(failed_dir, ignore_errors=True)
    except Exception as err:  # anything else: report it, keep the earlier outputs
        shutil.rmtree(work, ignore_errors=True)
        error = error or f"{type(err).__name__}: {err}"
    return JobResult(job, "failed" if error else "ok", time.perf_counter() - start, error)


def _remove_leftovers(folders) -> None:
    """Remove the hidden temporary folders an interrupted run (Ctrl-C, a kill) left behind."""
    for folder in folders:
        for left in folder.glob(".*.tmp-*"):
            shutil.rmtree(left, ignore_errors=True)
        for left in folder.glob(".*.old-*"):
            shutil.rmtree(left, ignore_errors=True)


def _keep_previous(old_summary: Path, new_summary: Path, work: Path) -> None:
    """Keep the last cycle's summary beside the new one, for "what changed since last cycle".

    When the data changed, the old summary is the last cycle; when only the notebook or evalkit
    changed, the old folder's own ``previous_summary.json`` (if any) still is.
    """
    old = json.loads(old_summary.read_text(encoding="utf-8"))
    new = json.loads(new_summary.read_text(encoding="utf-8"))
    source = old_summary
    if old.get("data_sha256") == new.get("data_sha256"):
        source = old_summary.with_name("previous_summary.json")
    if source.exists():
        shutil.copyfile(source, work / "previous_summary.json")
