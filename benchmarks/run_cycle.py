"""How long a cycle takes with ``evalkit run``, against the loop a user would otherwise write.

On the demo programme (three places, eight rounds each), times in one run:

(a) the baseline: the ``papermill`` command once per notebook, with the same parameters as
    ``evalkit run`` uses, one after another, each followed by ``jupyter nbconvert --to html``;
(b) ``evalkit run DIR --all --force``: the same notebooks, in parallel workers;
(c) ``evalkit run DIR --all`` again, with nothing changed;
(d) ``evalkit run DIR --all --force --scheduler ADDRESS`` on a two-worker Dask cluster on this
    machine (a real ``dask scheduler`` and two single-kernel ``dask worker`` processes on
    127.0.0.1), the same parallelism as (b)'s two worker processes.

Prints the times and the ratios b/a, c/a and d/b; the last line is JSON. Targets on a 2-core
machine: b/a at most 0.6, c/a at most 0.05, d/b (``ratio_dask``, Dask's overhead) at most 1.15.

Run: .venv/bin/python benchmarks/run_cycle.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from programme_scale import start_cluster

from evalkit import run as runner
from evalkit.demo.files import ingest_incoming, write_programme

BIN = Path(sys.executable).parent


def build_programme(folder: Path) -> Path:
    """Write and ingest the demo programme, as ``make demo`` does."""
    programme = folder / "demo"
    for place in write_programme(programme):
        ingest_incoming(place)
    return programme


def baseline(jobs: list[runner.Job], out: Path) -> float:
    """(a): papermill's command line, then nbconvert's, once per notebook, in sequence."""
    start = time.perf_counter()
    for job in jobs:
        target = out / job.name / job.notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        parameters = {**job.parameters, "summary_path": str(target.parent / "summary.json")}
        command = [str(BIN / "papermill"), str(job.notebook), str(target), "--no-progress-bar"]
        for name, value in parameters.items():
            command += ["-y", json.dumps({name: value})]  # YAML, so lists stay lists
        subprocess.run(command, check=True, capture_output=True, cwd=target.parent)
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(target)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def evalkit_run(programme: Path, out: Path, *extra: str) -> float:
    start = time.perf_counter()
    command = [str(BIN / "evalkit"), "run", str(programme), "--all", "--out", str(out), "--quiet"]
    subprocess.run([*command, *extra], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="evalkit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        programme = build_programme(folder)
        jobs = runner.plan(programme, outputs_dir=folder / "outputs").jobs
        print(
            f"{len(jobs)} notebooks: {sum('/round-' in j.name for j in jobs)} round reports, "
            f"{sum(j.name.endswith('/trajectory') for j in jobs)} trajectories, "
            f"{sum(j.name == runner.PROGRAMME_DIR for j in jobs)} programme view; "
            f"{os.cpu_count()} cores"
        )
        a = baseline(jobs, folder / "baseline")
        print(f"(a) papermill + nbconvert, one notebook at a time: {a:7.1f} s")
        b = evalkit_run(programme, folder / "outputs", "--force")
        print(f"(b) evalkit run --force:                           {b:7.1f} s   b/a = {b / a:.3f}")
        c = evalkit_run(programme, folder / "outputs")
        print(f"(c) evalkit run, nothing changed:                  {c:7.1f} s   c/a = {c / a:.4f}")
        address, stop = start_cluster(folder / "cluster")
        try:
            d = evalkit_run(programme, folder / "outputs", "--force", "--scheduler", address)
        finally:
            stop()
        print(f"(d) evalkit run --force on a 2-worker cluster:     {d:7.1f} s   d/b = {d / b:.3f}")
        result = {
            "notebooks": len(jobs),
            "seconds_baseline": round(a, 2),
            "seconds_full": round(b, 2),
            "seconds_nochange": round(c, 3),
            "ratio_full": round(b / a, 4),
            "ratio_nochange": round(c / a, 5),
            "seconds_dask": round(d, 2),
            "ratio_dask": round(d / b, 4),
        }
        print(json.dumps(result))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
