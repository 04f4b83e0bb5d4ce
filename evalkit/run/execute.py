"""Executing one report where the work is done: a local worker process or a cluster's worker.

:func:`execute` runs a job's notebook with papermill in a fresh kernel, in a temporary folder of
its own on the machine it runs on, exports the HTML, and returns every file of the report as
bytes (:class:`Executed`). It writes nothing under ``outputs/``: the runner that planned the job
writes the files there, atomically, so outputs need not be on storage the workers share, and a
worker lost half-way can never leave half a report. The notebook travels with the job, so a
worker needs evalkit and its kernel, and to see the place's data folder, but not the notebooks.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KERNEL_MANAGER", "KERNEL_NAME", "Executed", "compute_trends", "execute"]

#: The kernel every report runs in: the Python of the environment evalkit is installed in.
KERNEL_NAME = "python3"

#: Kernels on IPC sockets in a short, unique path: no TCP port to collide on (papermill #511).
KERNEL_MANAGER = "evalkit.run.kernel.IPCKernelManager"


@dataclass(frozen=True)
class Executed:
    """What executing a job left: its files by name, the error (empty if none), the time taken."""

    name: str
    files: dict[str, bytes] = field(repr=False)
    error: str
    seconds: float


def execute(job, notebook: bytes, show_code: bool = False) -> Executed:
    """Run ``job``'s notebook (its bytes, ``notebook``) and return the report's files.

    The kernel runs in its own temporary folder (through the notebook client's ``resources``,
    not by changing this process's working folder, which threads share). A notebook that fails
    is not an exception here: its partial copy, with the error at the failing cell, and its HTML
    come back with ``error`` set.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from evalkit.reports.html.export import export_html, provenance_stamp

    start = time.perf_counter()
    error = ""
    with tempfile.TemporaryDirectory(prefix="evalkit-") as folder:
        work = Path(folder)
        source = work / "source" / job.notebook.name
        source.parent.mkdir()
        source.write_bytes(notebook)
        out = work / "report"
        out.mkdir()
        executed = out / job.notebook.name
        summary_path = out / "summary.json"
        parameters = dict(job.parameters)
        if job.summary:
            parameters["summary_path"] = str(summary_path)
        try:
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                kernel_manager_class=KERNEL_MANAGER,
                resources={"metadata": {"path": str(out)}},
            )
        except PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue}"
        except Exception as err:  # the kernel would not start, the notebook would not read, ...
            error = f"{type(err).__name__}: {err}"
        summary = None
        if job.summary and summary_path.exists():
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if executed.exists():
            if summary is not None:
                stamp = provenance_stamp(summary)
            elif error or job.summary:
                stamp = f"{job.name} · this run failed: {error or 'no summary was written'}"
            else:  # a notebook of a place's own: what it was built from, without a summary
                stamp = provenance_stamp({"report": job.name, "data_sha256": job.data_sha256})
            page = executed.with_suffix(".html")
            export_html(executed, page, provenance=stamp, show_code=show_code)
            if not error and (summary is not None or not job.summary):
                error = _documents(job, page, summary)
        if not error and job.summary and summary is None:
            error = "the notebook finished without writing summary.json"
        files = {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
    return Executed(job.name, files, error, time.perf_counter() - start)


def _documents(job, page: Path, summary: dict | None) -> str:
    """The report's PDF and Word file beside its page, as ``job.formats`` asks; the error, if
    one could not be made (the report is then failed, and kept in ``NAME.failed/``)."""
    from evalkit.reports.html.documents import print_pdf, write_docx
    from evalkit.reports.html.export import page_title

    if summary is not None:
        header = " · ".join(s for s in (summary.get("place_name"), summary.get("round_label")) if s)
    else:
        header = page_title(page.read_text(encoding="utf-8"))
    try:
        if "pdf" in job.formats:
            print_pdf(page, page.with_suffix(".pdf"), header=header, paper=job.paper)
        if "docx" in job.formats:
            write_docx(page, page.with_suffix(".docx"))
    except Exception as err:  # no Chromium, pandoc failing, ...
        return f"{type(err).__name__}: {err}"
    return ""


def compute_trends(place_dir: str, through_round: int, k_min: int, *_: object) -> str:
    """Compute (and cache in the place folder) a place's trends; return the place's folder."""
    from evalkit.reports.assessments import place_trends

    place_trends(place_dir, through_round, k_min=k_min)
    return place_dir
