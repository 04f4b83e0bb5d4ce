"""Nothing lost: an ``evalkit ingest`` killed at any point leaves the store as before or complete.

Each trial copies a demo place with rounds 1 and 2 ingested, starts ``python -m evalkit ingest``
as a child process and SIGKILLs it: after a random delay from the start, a random delay after
its first raw copy appears (the write phase), or as soon as DuckDB's write-ahead log appears
(the commit). The store must then equal either the place before the ingest or a copy where the
same ingest completed, never something in between; it must open without complaint; ``raw/``
must hold no half-written visible file; the earlier raw files must be intact; and running the
same ingest again must succeed and leave every active file's raw copy in place.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from evalkit.config import raw_dir, store_path
from evalkit.data import store
from evalkit.data.ingest import ingest_round
from evalkit.demo.files import write_demo
from evalkit.demo.simulator import DEFAULT_SEED

pytestmark = pytest.mark.slow

KINDS = ("ratings", "ties", "reflections", "events")
TABLE_READERS = {
    "ratings": store.read_ratings,
    "ties": store.read_ties,
    "reflections": store.read_reflections,
    "events": store.read_events,
}
POLL = 0.0005  # seconds between looks at the place folder while waiting for a phase
SEED = 20261126


@dataclass(frozen=True)
class Scenario:
    """One ingest to interrupt: its round, its files, and whether it replaces earlier ones."""

    name: str
    round_number: int
    files: dict[str, Path]
    replace: bool

    def command(self, place_dir: Path) -> list[str]:
        args = [sys.executable, "-m", "evalkit", "ingest", str(place_dir)]
        args += ["--round", str(self.round_number)]
        for kind, path in self.files.items():
            args += [f"--{kind}", str(path)]
        return args + (["--replace"] if self.replace else [])

    def ingest(self, place_dir: Path):
        return ingest_round(place_dir, self.round_number, **self.files, replace=self.replace)


def _incoming(place_dir: Path, round_number: int) -> dict[str, Path]:
    folder = place_dir / "incoming" / f"round-{round_number:02d}"
    return {kind: folder / f"{kind}.csv" for kind in KINDS}


def _corrected(place_dir: Path) -> dict[str, Path]:
    """Round 2 exported again with its last response removed (the events file unchanged)."""
    folder = place_dir / "corrected" / "round-02"
    corrected = {kind: folder / f"{kind}.csv" for kind in ("ratings", "ties", "reflections")}
    if not folder.exists():
        folder.mkdir(parents=True)
        for kind, path in corrected.items():
            lines = _incoming(place_dir, 2)[kind].read_bytes().splitlines(keepends=True)
            path.write_bytes(b"".join(lines[:-1]))
    return {**_incoming(place_dir, 2), **corrected}


def _copy(place_dir: Path, to: Path) -> Path:
    """The place folder without its incoming files (the scenarios read them from the original)."""
    shutil.copytree(place_dir, to, ignore=shutil.ignore_patterns("incoming", "corrected"))
    return to


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(place_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table of the store as evalkit reads it (the ingest times left out)."""
    files = store.read_files(place_dir).drop(columns="ingested_at")
    files = files.sort_values(["round", "kind", "active", "sha256"]).reset_index(drop=True)
    tables = {name: read(place_dir) for name, read in TABLE_READERS.items()}
    return {"files": files, **tables}


def _same(one: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame]) -> bool:
    try:
        for name in one:
            pd.testing.assert_frame_equal(one[name], other[name])
    except AssertionError:
        return False
    return True


def _raw_files(place_dir: Path) -> dict[str, str]:
    """Visible files under raw/: path relative to the place folder -> sha256."""
    root = place_dir / "raw"
    return {
        path.relative_to(place_dir).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    }


def _raw_problems(place_dir: Path, earlier: dict[str, str], scenario: Scenario) -> list[str]:
    """What is wrong in raw/: a changed or missing earlier file, a half-written or stray file."""
    problems = []
    now = _raw_files(place_dir)
    for path, sha in earlier.items():
        if now.get(path) != sha:
            problems.append(f"{path} was {'changed' if path in now else 'removed'}")
    incoming = {_sha256(path) for path in scenario.files.values()}
    for path, sha in now.items():
        if path in earlier:
            continue
        kind, short, suffix = Path(path).name.split(".")
        if sha not in incoming or not sha.startswith(short) or kind not in KINDS:
            problems.append(f"{path} is not a complete copy of an incoming file")
    target = raw_dir(place_dir, scenario.round_number)
    if target.exists():
        for name in os.listdir(target):
            if name.startswith(".") and not name.endswith(".tmp"):
                problems.append(f"{target / name} is a hidden file that is not a temporary copy")
    return problems


def _missing_raw_copies(place_dir: Path) -> list[str]:
    """Active files of the store whose raw copy is missing or differs from the recorded hash."""
    files = store.read_files(place_dir)
    missing = []
    for row in files[files["active"]].itertuples():
        path = place_dir / row.raw_path
        if not path.is_file() or _sha256(path) != row.sha256:
            missing.append(f"round {row.round} {row.kind}: {row.raw_path}")
    return missing


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A demo place with rounds 1 and 2 ingested, and a corrected export of round 2 beside it."""
    place_dir = write_demo(tmp_path_factory.mktemp("kill") / "demo", seed=DEFAULT_SEED)
    for round_number in (1, 2):
        ingest_round(place_dir, round_number, **_incoming(place_dir, round_number))
    _corrected(place_dir)
    return place_dir


SCENARIOS = {
    "round 3": lambda place_dir: Scenario("round 3", 3, _incoming(place_dir, 3), False),
    "replace round 2": lambda place_dir: Scenario(
        "replace round 2", 2, _corrected(place_dir), True
    ),
}


def _wait_for(proc: subprocess.Popen, condition, timeout: float = 60.0) -> bool:
    """Poll until ``condition()`` holds (True) or the process ends (False)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL)
    return False


def _kill_plan(duration: float, rng: random.Random) -> list[tuple[str, float]]:
    """(trigger, delay) pairs: from the start over the whole run, into the write phase, and at
    the commit."""
    plan = [("start", rng.uniform(0.05, 1.05) * duration) for _ in range(4)]
    plan += [("raw copy", rng.uniform(0.0, 0.15)) for _ in range(4)]
    plan += [("write-ahead log", delay) for delay in (0.0, rng.uniform(0.0, 0.01))]
    return plan


def _interrupt(scenario: Scenario, place_dir: Path, trigger: str, delay: float) -> str:
    """Run the scenario's ingest on ``place_dir`` and SIGKILL it; say when it was killed."""
    target = raw_dir(place_dir, scenario.round_number)
    wal = store_path(place_dir).with_name(store_path(place_dir).name + ".wal")
    conditions = {
        "start": lambda: True,
        "raw copy": lambda: target.is_dir() and any(n.startswith(".") for n in os.listdir(target)),
        "write-ahead log": wal.exists,
    }
    proc = subprocess.Popen(
        scenario.command(place_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        seen = _wait_for(proc, conditions[trigger])
        if seen and delay:
            time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"killed {delay * 1000:.0f} ms after {trigger}"
        stderr = proc.stderr.read().decode()
        assert proc.returncode == 0, stderr
        return "finished before the kill"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_killed_ingest_leaves_the_store_as_before_or_complete(place, name, tmp_path):
    scenario = SCENARIOS[name](place)
    before = _snapshot(place)
    earlier_raw = _raw_files(place)

    reference = _copy(place, tmp_path / "reference")
    started = time.perf_counter()
    completed = subprocess.run(scenario.command(reference), capture_output=True, text=True)
    duration = time.perf_counter() - started
    assert completed.returncode == 0, completed.stderr
    after = _snapshot(reference)
    assert not _same(before, after), "the scenario's ingest changed nothing"
    assert _raw_problems(reference, earlier_raw, scenario) == []

    rng = random.Random(f"{SEED}-{name}")
    outcomes = []
    for i, (trigger, delay) in enumerate(_kill_plan(duration, rng)):
        trial = _copy(place, tmp_path / f"trial-{i:02d}")
        when = _interrupt(scenario, trial, trigger, delay)
        state = _snapshot(trial)  # opens the store: it must not complain
        outcome = "before" if _same(state, before) else "complete" if _same(state, after) else None
        assert outcome, f"{name}, {when}: the store is neither as before nor complete"
        assert _raw_problems(trial, earlier_raw, scenario) == [], f"{name}, {when}"
        outcomes.append(f"{when}: {outcome}")

        result = scenario.ingest(trial)  # the same ingest again succeeds
        assert _same(_snapshot(trial), after), f"{name}, {when}: ingest again is not complete"
        assert _raw_problems(trial, earlier_raw, scenario) == [], f"{name}, {when}, again"
        assert _missing_raw_copies(trial) == [], f"{name}, {when}: {result}"
        shutil.rmtree(trial)
    print(f"{name} (uninterrupted {duration:.2f} s):", *outcomes, sep="\n  ")
    assert any(o.endswith(": before") for o in outcomes), outcomes


def test_ingest_again_from_the_command_line_after_a_kill(place, tmp_path):
    """The command people type works on a store whose ingest was killed at the commit."""
    scenario = SCENARIOS["round 3"](place)
    trial = _copy(place, tmp_path / "trial")
    _interrupt(scenario, trial, "write-ahead log", 0.0)
    again = subprocess.run(scenario.command(trial), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Round 3:")
    assert store.ingested_rounds(trial) == [1, 2, 3]
    assert _missing_raw_copies(trial) == []
