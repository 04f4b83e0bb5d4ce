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
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from evalkit._io import replace_dir
from evalkit.run.params import check_parameters
from evalkit.run.plan import BUILD_FILE, KERNEL_NAME, PROGRAMME_DIR, Job, plan

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
    fails before any kernel starts. The place trends the jobs read are computed first, once each
    (:func:`~evalkit.reports.assessments.place_trends`), and a job starts once its trends are
    ready: every report then reads the same verdicts. Returns one result per job, in the order
    given; jobs already up to date are not executed (unless ``force``) and have status
    ``"up to date"``.
    """
    for job in jobs:
        check_parameters(job.notebook, {**job.parameters, "summary_path": ""})
    todo = [job for job in jobs if force or not job.up_to_date()]
    results = {job.name: JobResult(job, "up to date", 0.0) for job in jobs if job not in todo}
    if todo:
        from tqdm.auto import tqdm

        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        bar_shown = progress and sys.stderr.isatty()
        with (
            ProcessPoolExecutor(max_workers=workers) as pool,
            tqdm(total=len(todo), disable=not bar_shown, unit="notebook", leave=False) as bar,
        ):
            for result in _schedule(pool, todo, workers, show_code):
                results[result.job.name] = result
                bar.update()
                if progress:
                    tqdm.write(str(result))
    return [results[job.name] for job in jobs]


def _priority(job: Job) -> tuple:
    """Longest first (the programme view, trajectories, then the latest rounds), so no worker is
    left alone with a long notebook at the end."""
    return ("/round-" in job.name, job.name != PROGRAMME_DIR, [-ord(c) for c in job.name])


def _schedule(pool, todo: list[Job], workers: int, show_code: bool):
    """Run the trends the jobs need, then each job once its trends are ready; yield results.

    At most ``workers`` tasks are in the pool at a time, so the longest ready job always goes
    next.
    """
    needed = sorted({key for job in todo for key in job.trends}, key=lambda k: -k[1])
    tasks = [("trends", key) for key in needed]
    waiting = {job.name: set(job.trends) for job in todo}
    jobs = sorted(todo, key=_priority)
    running: dict = {}
    while tasks or jobs or running:
        while len(running) < workers and (tasks or jobs):
            ready = next((j for j in jobs if not waiting[j.name]), None)
            if tasks:  # trends before any notebook: most notebooks wait for them
                kind, key = tasks.pop(0)
                running[pool.submit(_compute_trends, *key)] = (kind, key)
            elif ready is not None:
                jobs.remove(ready)
                running[pool.submit(_execute, ready, show_code)] = ("job", ready)
            else:
                break
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            kind, what = running.pop(future)
            if kind == "trends":
                # a failure here fails again, with its message, in each notebook that needs it
                future.exception()
                for names in waiting.values():
                    names.discard(what)
            else:
                yield future.result()


def _compute_trends(place_dir: str, through_round: int, k_min: int) -> None:
    from evalkit.reports.assessments import place_trends

    place_trends(place_dir, through_round, k_min=k_min)


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
    """Run a cycle for a place or a programme folder and refresh ``outputs/index.html``.

    Reports a place has too few rounds for are not run; the index says when they will come.
    """
    from evalkit.reports.html.index import write_index

    cycle = plan(directory, rounds=rounds, outputs_dir=outputs_dir)
    _remove_leftovers({job.out_dir.parent for job in cycle.jobs})
    results = run_jobs(
        cycle.jobs, workers=workers, show_code=show_code, force=force, progress=progress
    )
    write_index(outputs_dir, waiting=cycle.waiting)
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
