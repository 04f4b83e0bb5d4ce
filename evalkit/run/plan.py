"""What a cycle executes: one job per report, with the fingerprint of everything it is built from.

:func:`plan` turns a place folder, or a programme folder of places, into jobs: a notebook, its
parameters and the hashes of what it reads (the place's data, its settings in ``place.yml`` and
its framework, the notebook, evalkit itself). A job whose output folder was built from the same
fingerprint is up to date and is not executed again. A report a place does not have enough rounds
for yet is not planned: the plan says when it will be.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from evalkit import __version__
from evalkit.config import PLACE_FILE, Place, Programme, load_place, load_programme
from evalkit.exceptions import RunError
from evalkit.fingerprint import code_sha256, place_sha256, sha256_text
from evalkit.limits import MIN_BREAKPOINT_POINTS, MIN_TREND_ROUNDS
from evalkit.run.notebooks import ReportNotebook, report_notebooks

__all__ = [
    "BUILD_FILE",
    "MIN_TREND_ROUNDS",
    "PROGRAMME_DIR",
    "Job",
    "Plan",
    "Waiting",
    "find_places",
    "plan",
    "plan_place",
]

#: The file in each output folder recording what it was built from.
BUILD_FILE = "build.json"
#: The programme view's folder in ``outputs/``.
PROGRAMME_DIR = "programme"


@dataclass(frozen=True)
class Job:
    """One notebook to execute into one output folder, and the hashes of what it reads.

    ``trends`` names the place trends the notebook reads (place folder, last round, threshold),
    which the runner computes once, before any notebook that needs them starts. ``kind`` is the
    report's kind (round, trajectory or programme); ``summary`` says whether the notebook is
    given ``summary_path`` and must write ``summary.json`` there (a built-in, or a notebook
    standing in for one; the index and the next cycle read it).
    """

    name: str
    notebook: Path
    out_dir: Path
    parameters: dict = field(default_factory=dict)
    data_sha256: str = ""
    config_sha256: str = ""
    trends: tuple = ()
    formats: tuple[str, ...] = ("html",)
    paper: str = "a4"
    kind: str = "round"
    summary: bool = True

    def inputs(self) -> dict:
        """What the output is built from: the notebook, the parameters, the data, the place's
        settings and framework, evalkit (its version and a hash of its files)."""
        return {
            "notebook": self.notebook.name,
            "notebook_sha256": hashlib.sha256(self.notebook.read_bytes()).hexdigest(),
            "parameters": self.parameters,
            "data_sha256": self.data_sha256,
            "config_sha256": self.config_sha256,
            "formats": list(self.formats),
            "paper": self.paper,
            "evalkit_version": __version__,
            "evalkit_sha256": code_sha256(),
        }

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`inputs`: equal fingerprints mean re-executing would change nothing."""
        return sha256_text(json.dumps(self.inputs(), sort_keys=True, default=str))

    def up_to_date(self) -> bool:
        """Whether the output folder is complete and was built from exactly these inputs."""
        try:
            build = json.loads((self.out_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return build.get("fingerprint") == self.fingerprint()


@dataclass(frozen=True)
class Waiting:
    """A report not planned yet: which, for which place, and why (in words for the index)."""

    name: str
    place: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """The jobs of a cycle, the reports that will come once there are enough rounds, a
    sentence for each notebook of a place's own folder that is not run, and the programme's
    name (from ``programme.yml``; empty when it has none)."""

    jobs: list[Job]
    waiting: list[Waiting] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    name: str = ""


def find_places(directory: str | Path) -> list[Path]:
    """The place folders in ``directory``: itself if it has place.yml, else its sub-folders that do.

    Raises :class:`RunError` when there are none.
    """
    directory = Path(directory)
    if (directory / PLACE_FILE).exists():
        return [directory]
    places = (
        sorted(p.parent for p in directory.glob(f"*/{PLACE_FILE}")) if directory.is_dir() else []
    )
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
    formats: tuple[str, ...] | None = None,
    notebooks: str | Path | None = None,
) -> Plan:
    """The jobs of a cycle for a place or a programme of places.

    Every round report (or those of ``rounds``); with no ``rounds``, each place's trajectory
    once it has :data:`MIN_TREND_ROUNDS` rounds, and, for two or more such places, the programme
    view. ``formats`` (html, pdf, docx) overrides each place's ``formats`` in ``place.yml`` (and
    the programme's in ``programme.yml``). ``notebooks`` is a folder of report notebooks run in
    place of the built-ins of the same name and beside the others (see
    :mod:`evalkit.run.notebooks`); without it, each place's ``notebooks:`` and the programme's.
    """
    directory = Path(directory)
    outputs = Path(outputs_dir).resolve()
    places = find_places(directory)
    # a place folder on its own has no programme settings; a programme folder may
    alone = (directory / PLACE_FILE).exists()
    programme = Programme(directory) if alone else load_programme(directory)
    settings = _Settings(formats, notebooks, programme)
    plans = [_plan_place(load_place(p), rounds, outputs, settings) for p in places]
    jobs = [job for place_plan, _ in plans for job in place_plan.jobs]
    waiting = [w for place_plan, _ in plans for w in place_plan.waiting]
    skipped = list(dict.fromkeys(s for place_plan, _ in plans for s in place_plan.skipped))
    if len(plans) > 1 and rounds is None:
        every = [p for _, p in plans]
        ready = [(place, ingested) for place, ingested in every
                 if len(ingested) >= MIN_TREND_ROUNDS]  # fmt: skip
        later = [place.name for place, ingested in every if len(ingested) < MIN_TREND_ROUNDS]
        chosen, more = report_notebooks(settings.notebooks or programme.notebooks)
        skipped += [s for s in more if s not in skipped]
        for notebook in (n for n in chosen if n.kind == "programme"):
            if not notebook.builtin:
                jobs.append(_programme_job(notebook, every, jobs, outputs, settings))
            elif len(ready) >= 2:
                jobs.append(_programme_job(notebook, ready, jobs, outputs, settings))
                if later:
                    waiting.append(
                        Waiting(
                            PROGRAMME_DIR,
                            "",
                            f"{', '.join(later)} join the programme view once they have "
                            f"{MIN_TREND_ROUNDS} rounds.",
                        )
                    )
            else:
                waiting.append(
                    Waiting(
                        PROGRAMME_DIR,
                        "",
                        f"The programme view starts when two places have {MIN_TREND_ROUNDS} "
                        "rounds.",
                    )
                )
    return Plan(jobs, waiting, skipped, programme.name)


def plan_place(
    place_dir: str | Path, *, rounds: list[int] | None = None, outputs_dir: str | Path = "outputs"
) -> Plan:
    """The jobs for one place: a round report for the given rounds, or for every ingested round
    followed by the trajectory over all of them.

    Raises :class:`RunError` naming the round when a round is not in ``place.yml`` or has no data.
    """
    settings = _Settings(None, None, Programme(Path(place_dir)))
    place_plan, _ = _plan_place(
        load_place(place_dir), rounds, Path(outputs_dir).resolve(), settings
    )
    return place_plan


@dataclass(frozen=True)
class _Settings:
    """What the command line and the programme set for every report: formats and notebooks."""

    formats: tuple[str, ...] | None
    notebooks: str | Path | None
    programme: Programme

    def formats_for(self, place: Place | None) -> tuple[str, ...]:
        own = place.formats if place is not None else None
        return self.formats or own or self.programme.formats or ("html",)

    def paper_for(self, place: Place | None) -> str:
        own = place.paper if place is not None else None
        return own or self.programme.paper or "a4"


def _plan_place(
    place: Place, rounds: list[int] | None, outputs: Path, settings: _Settings
) -> tuple[Plan, tuple[Place, list[int]]]:
    from evalkit.data import store

    files = store.active_files(place.dir)
    ingested = sorted({r for r, kind, _ in files if kind == "ratings"})
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
    place_out = outputs / place.id
    folder = str(place.dir.resolve())
    notebooks, skipped = report_notebooks(
        settings.notebooks or place.notebooks or settings.programme.notebooks
    )

    def job(notebook: ReportNotebook, out_dir: Path, through: int, **parameters) -> Job:
        so_far = [r for r in ingested if r <= through]
        trajectory = notebook.kind == "trajectory" and len(so_far) >= MIN_TREND_ROUNDS
        needs_trends = trajectory or len(so_far) >= MIN_BREAKPOINT_POINTS
        return Job(
            name=out_dir.relative_to(outputs).as_posix(),
            notebook=notebook.path,
            out_dir=out_dir,
            parameters=_declared(notebook, {"place": folder, **parameters, "k_min": place.k_min}),
            data_sha256=store.files_hash(files, through),
            config_sha256=place_sha256(place, through),
            trends=((folder, through, place.k_min),) if needs_trends else (),
            formats=settings.formats_for(place),
            paper=settings.paper_for(place),
            kind=notebook.kind,
            summary=notebook.builtin,
        )

    jobs, waiting = [], []
    for notebook in (n for n in notebooks if n.kind == "round"):
        base = place_out if notebook.builtin else place_out / notebook.name
        jobs += [job(notebook, base / f"round-{n:02d}", n, round=n) for n in sorted(rounds)]
    for notebook in (n for n in notebooks if n.kind == "trajectory" and trajectory_wanted):
        last = max(rounds)
        if not notebook.builtin:
            jobs.append(job(notebook, place_out / notebook.name, last, through_round=last))
        elif len(rounds) >= MIN_TREND_ROUNDS:
            jobs.append(job(notebook, place_out / "trajectory", last, through_round=last))
        else:
            due = _round_due(place, ingested, MIN_TREND_ROUNDS)
            waiting.append(
                Waiting(
                    f"{place.id}/trajectory",
                    place.id,
                    f"The trajectory starts at round {due}: it needs {MIN_TREND_ROUNDS} rounds "
                    f"and {len(rounds)} {'has' if len(rounds) == 1 else 'have'} been ingested.",
                )
            )
    return Plan(jobs, waiting, skipped), (place, ingested)


def _declared(notebook: ReportNotebook, parameters: dict) -> dict:
    """The parameters a notebook declares, of those the runner gives (a notebook of one's own
    need not take ``k_min``); the built-ins take them all."""
    if notebook.builtin:
        return parameters
    from evalkit.run.params import notebook_parameters

    declared = notebook_parameters(notebook.path)
    return {name: value for name, value in parameters.items() if name in declared}


def _round_due(place: Place, ingested: list[int], needed: int) -> int:
    """The number of the round that brings a place to ``needed`` ingested rounds."""
    later = [r for r in place.round_numbers if r not in ingested and r > max(ingested, default=0)]
    missing = needed - len(ingested)
    if len(later) >= missing:
        return later[missing - 1]
    return max([*place.round_numbers, *ingested]) + missing - len(later)


def _programme_job(
    notebook: ReportNotebook, places, jobs: list[Job], outputs: Path, settings: _Settings
) -> Job:
    """The programme view (or a programme notebook of one's own) over ``places``: its data and
    settings are those of each place's last round report, or trajectory where there is one."""
    by_place: dict[str, Job] = {}
    for job in jobs:  # a place's trajectory, else its latest round report, reads all it has
        place_id = job.name.split("/")[0]
        if job.kind == "trajectory" and job.name.endswith("/trajectory"):
            by_place[place_id] = job
        elif job.kind == "round" and job.name.count("/") == 1:
            by_place.setdefault(place_id, job)
            if job.parameters.get("round", 0) > by_place[place_id].parameters.get("round", 0):
                by_place[place_id] = job
    parts = [by_place[place.id] for place, _ in places]
    out_dir = outputs / (PROGRAMME_DIR if notebook.builtin else f"{PROGRAMME_DIR}-{notebook.name}")
    parameters = {
        "places": [str(place.dir.resolve()) for place, _ in places],
        "k_min": 0,  # each place's own threshold, as in its own reports
    }
    return Job(
        name=out_dir.relative_to(outputs).as_posix(),
        notebook=notebook.path,
        out_dir=out_dir,
        parameters=_declared(notebook, parameters),
        data_sha256=sha256_text("".join(f"{j.name}:{j.data_sha256}\n" for j in parts)),
        config_sha256=sha256_text("".join(f"{j.name}:{j.config_sha256}\n" for j in parts)),
        trends=tuple(t for j in parts for t in j.trends if j.kind == "trajectory"),
        formats=settings.formats
        or settings.programme.formats
        or tuple(f for f in ("html", "pdf", "docx") if any(f in j.formats for j in parts)),
        paper=settings.programme.paper or parts[0].paper,
        kind="programme",
        summary=notebook.builtin,
    )
