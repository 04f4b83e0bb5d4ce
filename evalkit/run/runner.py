"""Running a cycle: the jobs whose fingerprint changed, in parallel, with shareable outputs.

:func:`run` plans a cycle (:mod:`evalkit.run.plan`), then :func:`run_jobs` executes the jobs that
are not up to date: on this machine in worker processes (the default), or on a Dask cluster
(``scheduler``, see :mod:`evalkit.run.cluster`). Either way the work is the same
(:func:`evalkit.run.execute.execute`: papermill in a fresh kernel, in a folder of its own), the
place trends a job reads are computed first, once each, and the report's files come back here to
be written: each report goes into a hidden temporary folder that is renamed into place only when
complete, so an interrupted or failed run never replaces an earlier good report, and a failed
notebook leaves its partial copy, with the error, in ``NAME.failed/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from evalkit._io import replace_dir, write_files, write_json
from evalkit.run.execute import Executed, compute_trends, execute
from evalkit.run.params import check_parameters
from evalkit.run.plan import BUILD_FILE, PROGRAMME_DIR, Job, plan

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
    scheduler: str | None = None,
    security=None,
) -> list[JobResult]:
    """Execute the jobs that are not up to date, in parallel; a failure does not stop the others.


    Every job to run has its parameters checked against its notebook's declarations first, so a
    bad one fails before any kernel starts. The place trends the jobs read are computed first,
    once each (:func:`~evalkit.reports.assessments.place_trends`), and a job starts once its
    trends are
    ready: every report then reads the same verdicts. ``scheduler`` runs the work on a Dask
    cluster instead of local processes (see :mod:`evalkit.run.cluster`; ``security`` for
    ``tls://``), reached before anything in ``outputs/`` changes. Returns one result per job, in
    the order given; jobs already up to date are not executed (unless ``force``) and have status
    ``"up to date"``.
    """
    todo = [job for job in jobs if force or not job.up_to_date()]
    for job in todo:  # an up-to-date job ran with exactly these parameters and this notebook
        given = {**job.parameters, "summary_path": ""} if job.summary else job.parameters
        check_parameters(job.notebook, given)
    results = {job.name: JobResult(job, "up to date", 0.0) for job in jobs if job not in todo}
    if todo:
        from tqdm.auto import tqdm

        with contextlib.ExitStack() as stack:
            if scheduler is None:
                count = max(1, min(workers or os.cpu_count() or 1, len(todo)))
                pool = stack.enter_context(ProcessPoolExecutor(max_workers=count))
                executions = _schedule(pool, todo, count, show_code)
            else:
                from evalkit.run.cluster import connect, run_on_cluster

                client = stack.enter_context(
                    connect(scheduler, security=security, progress=progress)
                )
                executions = run_on_cluster(todo, client, show_code=show_code)
            _remove_leftovers({job.out_dir.parent for job in todo})
            bar_shown = progress and sys.stderr.isatty()
            bar = stack.enter_context(
                tqdm(total=len(todo), disable=not bar_shown, unit="notebook", leave=False)
            )
            for job, executed in executions:
                result = _finish(job, executed)
                results[job.name] = result
                bar.update()
                if progress:
                    tqdm.write(str(result))
    return [results[job.name] for job in jobs]


def priority(job: Job) -> int:
    """Longest first (the programme view, trajectories, then the latest rounds), so that no
    worker is left alone with a long notebook at the end: a larger number runs sooner."""
    if job.name == PROGRAMME_DIR:
        return 3_000
    if job.name.endswith("/trajectory"):
        return 2_000
    number = job.name.rsplit("-", 1)[-1]
    return 1_000 + int(number) if number.isdigit() else 1_000


def _schedule(pool, todo: list[Job], workers: int, show_code: bool) -> Iterator[tuple]:
    """Run the trends the jobs need, then each job once its trends are ready.

    At most ``workers`` tasks are in the pool at a time, so the longest ready job always goes
    next. Yields ``(job, Executed)`` as each finishes.
    """
    needed = sorted({key for job in todo for key in job.trends}, key=lambda k: -k[1])
    waiting = {job.name: set(job.trends) for job in todo}
    jobs = sorted(todo, key=priority, reverse=True)
    running: dict = {}
    while needed or jobs or running:
        while len(running) < workers and (needed or jobs):
            if needed:  # trends first: most notebooks wait for them
                key = needed.pop(0)
                running[pool.submit(compute_trends, *key)] = ("trends", key)
                continue
            ready = next((j for j in jobs if not waiting[j.name]), None)
            if ready is None:
                break
            jobs.remove(ready)
            task = pool.submit(execute, ready, ready.notebook.read_bytes(), show_code)
            running[task] = ("job", ready)
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            kind, what = running.pop(future)
            if kind == "trends":
                # a failure here fails again, with its message, in each notebook that needs it
                future.exception()
                for names in waiting.values():
                    names.discard(what)
            else:
                yield what, _outcome(what, future)


def _outcome(job: Job, future) -> Executed:
    """The future's result, or the reason it has none as a failed execution."""
    error = future.exception()
    if error is None:
        return future.result()
    return Executed(job.name, {}, f"{type(error).__name__}: {error}", 0.0)


def run(
    directory: str | Path,
    *,
    rounds: list[int] | None = None,
    outputs_dir: str | Path = "outputs",
    workers: int | None = None,
    show_code: bool = False,
    force: bool = False,
    progress: bool = True,
    scheduler: str | None = None,
    security=None,
    formats: tuple[str, ...] | None = None,
    notebooks: str | Path | None = None,
) -> list[JobResult]:
    """Run a cycle for a place or a programme folder and refresh ``outputs/index.html``.

    Reports a place has too few rounds for are not run; the index says when they will come.
    With ``scheduler`` (a Dask scheduler's address, or ``"local"``/``"local:N"``) the notebooks
    run on that cluster; the cluster is reached before anything in ``outputs/`` changes.
    ``formats`` (html, pdf, docx) overrides the places' own ``formats`` in ``place.yml``;
    ``notebooks`` is a folder of report notebooks of one's own (see
    :mod:`evalkit.run.notebooks`), which overrides the places' ``notebooks:``. A notebook of that
    folder that is not a report is named on stderr (unless ``progress`` is off) and left alone.
    """
    from evalkit.reports.html.index import write_index

    cycle = plan(
        directory, rounds=rounds, outputs_dir=outputs_dir, formats=formats, notebooks=notebooks
    )
    if progress:
        for sentence in cycle.skipped:
            print(sentence, file=sys.stderr)
    results = run_jobs(
        cycle.jobs,
        workers=workers,
        show_code=show_code,
        force=force,
        progress=progress,
        scheduler=scheduler,
        security=security,
    )
    write_index(
        outputs_dir, waiting=cycle.waiting, title=f"Reports: {cycle.name}" if cycle.name else ""
    )
    return results


def _finish(job: Job, executed: Executed) -> JobResult:
    """Write an execution's files into the job's output folder, whole or not at all.

    A success replaces the earlier report (keeping the last cycle's summary beside the new one);
    a failure goes to ``NAME.failed/`` and leaves the earlier report as it was.
    """
    job.out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = job.out_dir.parent / f".{job.out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    failed_dir = job.out_dir.with_name(job.out_dir.name + ".failed")
    error = executed.error
    try:
        work.mkdir()
        write_files(work, executed.files)
        previous = job.out_dir / "summary.json"
        if not error and previous.exists():
            _keep_previous(previous, work / "summary.json", work)
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
        replace_dir(work, failed_dir if error else job.out_dir)
        if not error:
            shutil.rmtree(failed_dir, ignore_errors=True)
    except Exception as err:  # anything else: report it, keep the earlier outputs
        shutil.rmtree(work, ignore_errors=True)
        error = error or f"{type(err).__name__}: {err}"
    return JobResult(job, "failed" if error else "ok", executed.seconds, error)


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
