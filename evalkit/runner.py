"""Run a cycle's report notebooks with papermill and leave shareable outputs.

:func:`plan` turns a place folder, or a programme folder of places, into jobs: one notebook, its
parameters and the fingerprint of everything it is built from. :func:`run_jobs` executes the jobs
whose fingerprint changed, in parallel worker processes (papermill changes the process's working
folder, so threads would trip over each other), each kernel in its own temporary folder that is
renamed into place only when complete: an interrupted or failed run never replaces an earlier good
report, and a failed notebook leaves its partial copy, with the error, in ``NAME.failed/``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import load_place
from .exceptions import RunError
from .notebook_params import check_parameters

__all__ = [
    "BUILD_FILE",
    "NOTEBOOKS_DIR",
    "Job",
    "JobResult",
    "find_places",
    "plan",
    "plan_place",
    "run",
    "run_jobs",
    "run_place",
]

NOTEBOOKS_DIR = Path(
    os.environ.get("EVALKIT_NOTEBOOKS", Path(__file__).parent.parent / "notebooks")
)
KERNEL_NAME = "python3"
#: The file in each output folder recording what it was built from.
BUILD_FILE = "build.json"
PROGRAMME_DIR = "programme"


@dataclass(frozen=True)
class Job:
    """One notebook to execute into one output folder, and the hash of the data it reads."""

    name: str
    notebook: Path
    out_dir: Path
    parameters: dict = field(default_factory=dict)
    data_sha256: str = ""

    def inputs(self) -> dict:
        """What the output is built from: the notebook, the parameters, the data, evalkit (its
        version and a hash of its files)."""
        return {
            "notebook": self.notebook.name,
            "notebook_sha256": hashlib.sha256(self.notebook.read_bytes()).hexdigest(),
            "parameters": self.parameters,
            "data_sha256": self.data_sha256,
            "evalkit_version": __version__,
            "evalkit_sha256": _package_sha256(),
        }

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`inputs`: equal fingerprints mean re-executing would change nothing."""
        text = json.dumps(self.inputs(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def up_to_date(self) -> bool:
        """Whether the output folder is complete and was built from exactly these inputs."""
        try:
            build = json.loads((self.out_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return build.get("fingerprint") == self.fingerprint()


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


def find_places(directory: str | Path) -> list[Path]:
    """The place folders in ``directory``: itself if it has place.yml, else its sub-folders that do.

    Raises :class:`RunError` when there are none.
    """
    directory = Path(directory)
    if (directory / "place.yml").exists():
        return [directory]
    places = sorted(p.parent for p in directory.glob("*/place.yml")) if directory.is_dir() else []
    if not places:
        raise RunError(
            f"{directory}: no place.yml here or in its sub-folders. Give a place folder, or a "
            "programme folder holding place folders."
        )
    return places


def plan(
    directory: str | Path,
    *,
    rounds: list[int] | None = None,
    outputs_dir: str | Path = "outputs",
) -> list[Job]:
    """The jobs of a cycle for a place or a programme of places.

    Every round report (or those of ``rounds``); with no ``rounds``, each place's trajectory too,
    and, for two or more places, the programme view.
    """
    places = find_places(directory)
    jobs = [
        job for place in places for job in plan_place(place, rounds=rounds, outputs_dir=outputs_dir)
    ]
    notebook = NOTEBOOKS_DIR / "programme.ipynb"
    if len(places) > 1 and rounds is None and notebook.exists():
        configs = [load_place(p) for p in places]
        hashes = "".join(
            f"{j.name}:{j.data_sha256}\n" for j in jobs if j.name.endswith("/trajectory")
        )
        jobs.append(
            Job(
                name=PROGRAMME_DIR,
                notebook=notebook,
                out_dir=Path(outputs_dir).resolve() / PROGRAMME_DIR,
                parameters={
                    "places": [str(c.dir.resolve()) for c in configs],
                    "k_min": max(c.k_min for c in configs),
                },
                data_sha256=_sha256(hashes),
            )
        )
    return jobs


def plan_place(
    place_dir: str | Path, *, rounds: list[int] | None = None, outputs_dir: str | Path = "outputs"
) -> list[Job]:
    """The jobs for one place: a round report for the given rounds, or for every ingested round
    followed by the trajectory over all of them.

    Raises :class:`RunError` naming the round when a round is not in ``place.yml`` or has no data.
    """
    from . import store

    place = load_place(place_dir)
    files = store.read_files(place.dir)
    files = files[files["active"]]
    ingested = sorted(int(r) for r in files.loc[files["kind"] == "ratings", "round"].unique())
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

    def data_sha256(through: int) -> str:  # as store.data_hash, from the one read above
        part = files[files["round"] <= through]
        keys = zip(part["round"], part["kind"], part["sha256"], strict=True)
        return _sha256("".join(sorted(f"{r}:{k}:{s}\n" for r, k, s in keys)))

    place_out = Path(outputs_dir).resolve() / place.id
    common = {"place": str(place.dir.resolve()), "k_min": place.k_min}
    jobs = [
        Job(
            name=f"{place.id}/round-{n:02d}",
            notebook=NOTEBOOKS_DIR / "round_report.ipynb",
            out_dir=place_out / f"round-{n:02d}",
            parameters={**common, "round": n},
            data_sha256=data_sha256(n),
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
                data_sha256=data_sha256(max(rounds)),
            )
        )
    return jobs


@functools.cache
def _package_sha256() -> str:
    """A hash of evalkit's files: an edited checkout reruns its reports, as a new version does."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if (
            path.suffix in {".py", ".j2", ".json", ".yml", ".css"}
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
    from .report import write_index

    jobs = plan(directory, rounds=rounds, outputs_dir=outputs_dir)
    _remove_leftovers({job.out_dir.parent for job in jobs})
    results = run_jobs(jobs, workers=workers, show_code=show_code, force=force, progress=progress)
    write_index(outputs_dir)
    return results


def run_place(place_dir: str | Path, **options) -> list[JobResult]:
    """Run one place's reports (see :func:`run`)."""
    return run(place_dir, **options)


def _execute(job: Job, show_code: bool) -> JobResult:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .report import export_html, provenance_stamp, write_json

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
        _replace_dir(work, job.out_dir if not error else failed_dir)
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


def _replace_dir(source: Path, target: Path) -> None:
    """Swap ``source`` in as ``target``; the old ``target`` is removed only after the swap."""
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)
