"""What a cycle executes: one job per report, with the fingerprint of everything it is built from.

:func:`plan` turns a place folder, or a programme folder of places, into jobs: a notebook, its
parameters and the hashes of the data, configuration and code it reads. A job whose output folder
was built from the same fingerprint is up to date and is not executed again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from evalkit import __version__
from evalkit.config import load_place
from evalkit.exceptions import RunError

__all__ = [
    "BUILD_FILE",
    "Job",
    "NOTEBOOKS_DIR",
    "find_places",
    "plan",
    "plan_place",
    "KERNEL_NAME",
    "PROGRAMME_DIR",
]


NOTEBOOKS_DIR = Path(os.environ.get("EVALKIT_NOTEBOOKS", Path(__file__).parents[2] / "notebooks"))


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
    from evalkit.data import store

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
