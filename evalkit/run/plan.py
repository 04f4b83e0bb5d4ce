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
from evalkit.config import PLACE_FILE, Place, load_place
from evalkit.exceptions import RunError
from evalkit.fingerprint import code_sha256, place_sha256, sha256_text
from evalkit.limits import MIN_BREAKPOINT_POINTS, MIN_TREND_ROUNDS
from evalkit.run.notebooks import notebook_path

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
    which the runner computes once, before any notebook that needs them starts.
    """

    name: str
    notebook: Path
    out_dir: Path
    parameters: dict = field(default_factory=dict)
    data_sha256: str = ""
    config_sha256: str = ""
    trends: tuple = ()

    def inputs(self) -> dict:
        """What the output is built from: the notebook, the parameters, the data, the place's
        settings and framework, evalkit (its version and a hash of its files)."""
        return {
            "notebook": self.notebook.name,
            "notebook_sha256": hashlib.sha256(self.notebook.read_bytes()).hexdigest(),
            "parameters": self.parameters,
            "data_sha256": self.data_sha256,
            "config_sha256": self.config_sha256,
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
    """The jobs of a cycle, and the reports that will come once there are enough rounds."""

    jobs: list[Job]
    waiting: list[Waiting] = field(default_factory=list)


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
) -> Plan:
    """The jobs of a cycle for a place or a programme of places.

    Every round report (or those of ``rounds``); with no ``rounds``, each place's trajectory
    once it has :data:`MIN_TREND_ROUNDS` rounds, and, for two or more such places, the programme
    view.
    """
    outputs = Path(outputs_dir).resolve()
    plans = [_plan_place(load_place(p), rounds, outputs) for p in find_places(directory)]
    jobs = [job for place_plan, _ in plans for job in place_plan.jobs]
    waiting = [w for place_plan, _ in plans for w in place_plan.waiting]
    if len(plans) > 1 and rounds is None:
        ready = [(place, ingested) for place_plan, (place, ingested) in plans
                 if len(ingested) >= MIN_TREND_ROUNDS]  # fmt: skip
        later = [place.name for place, ingested in (p for _, p in plans)
                 if len(ingested) < MIN_TREND_ROUNDS]  # fmt: skip
        if len(ready) >= 2:
            jobs.append(_programme_job(ready, jobs, outputs))
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
                    f"The programme view starts when two places have {MIN_TREND_ROUNDS} rounds.",
                )
            )
    return Plan(jobs, waiting)


def plan_place(
    place_dir: str | Path, *, rounds: list[int] | None = None, outputs_dir: str | Path = "outputs"
) -> Plan:
    """The jobs for one place: a round report for the given rounds, or for every ingested round
    followed by the trajectory over all of them.

    Raises :class:`RunError` naming the round when a round is not in ``place.yml`` or has no data.
    """
    place_plan, _ = _plan_place(load_place(place_dir), rounds, Path(outputs_dir).resolve())
    return place_plan


def _plan_place(
    place: Place, rounds: list[int] | None, outputs: Path
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
    common = {"place": folder, "k_min": place.k_min}

    def job(name: str, notebook: str, through: int, **parameters) -> Job:
        so_far = [r for r in ingested if r <= through]
        needs_trends = name == "trajectory" or len(so_far) >= MIN_BREAKPOINT_POINTS
        return Job(
            name=f"{place.id}/{name}",
            notebook=notebook_path(notebook),
            out_dir=place_out / name,
            parameters={**common, **parameters},
            data_sha256=store.files_hash(files, through),
            config_sha256=place_sha256(place, through),
            trends=((folder, through, place.k_min),) if needs_trends else (),
        )

    jobs = [job(f"round-{n:02d}", "round_report.ipynb", n, round=n) for n in sorted(rounds)]
    waiting = []
    if trajectory_wanted:
        if len(rounds) >= MIN_TREND_ROUNDS:
            last = max(rounds)
            jobs.append(job("trajectory", "trajectory.ipynb", last, through_round=last))
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
    return Plan(jobs, waiting), (place, ingested)


def _round_due(place: Place, ingested: list[int], needed: int) -> int:
    """The number of the round that brings a place to ``needed`` ingested rounds."""
    later = [r for r in place.round_numbers if r not in ingested and r > max(ingested, default=0)]
    missing = needed - len(ingested)
    if len(later) >= missing:
        return later[missing - 1]
    return max([*place.round_numbers, *ingested]) + missing - len(later)


def _programme_job(ready, jobs: list[Job], outputs: Path) -> Job:
    places = [place for place, _ in ready]
    trajectories = {j.name.split("/")[0]: j for j in jobs if j.name.endswith("/trajectory")}
    parts = [trajectories[p.id] for p in places]
    return Job(
        name=PROGRAMME_DIR,
        notebook=notebook_path("programme"),
        out_dir=outputs / PROGRAMME_DIR,
        parameters={
            "places": [str(p.dir.resolve()) for p in places],
            "k_min": 0,  # each place's own threshold, as in its own reports
        },
        data_sha256=sha256_text("".join(f"{j.name}:{j.data_sha256}\n" for j in parts)),
        config_sha256=sha256_text("".join(f"{j.name}:{j.config_sha256}\n" for j in parts)),
        trends=tuple(t for j in parts for t in j.trends),
    )
