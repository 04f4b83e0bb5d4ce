"""A national programme's cost: planning hundreds of places, and a cycle on a cluster.

In one run, on this machine:

(1) writes a programme of ``--places`` small places (default 100; 3 rounds of about 60
    respondents each, ingested), runs one place's reports for real, and gives every other place's
    reports that place's outputs with their own fingerprints, so that every report of the
    programme is up to date, as after a cycle;
(2) times ``evalkit run PROGRAMME --all`` (the whole command, imports included), which plans
    every place, checks every fingerprint and rewrites the index, executing nothing: the
    no-change run (target: under 5 s for 100 places);
(3) times the same ``--reports`` round reports (default 8) executed by the local process pool
    and by a two-worker Dask cluster on this machine (a real ``dask scheduler`` and two ``dask
    worker`` processes on 127.0.0.1): the cluster's overhead per report;
(4) projects, from the measured time per report and the cluster's overhead, the wall time of a
    300-place, 12-round cycle (300 x (12 round reports + 1 trajectory) + 1 programme view) on 16,
    64 and 256 worker cores, and prints the arithmetic.

The last line is JSON with ``plan_seconds_100`` and ``overhead_per_report_seconds``.

Run: .venv/bin/python benchmarks/programme_scale.py [--places N] [--reports N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def write_places(programme: Path, count: int) -> list[Path]:
    """``count`` small places of three rounds each, ingested (each a different seed)."""
    import yaml

    from evalkit.data.ingest import ingest_round
    from evalkit.demo.simulator import simulate

    places = []
    for i in range(count):
        data = simulate(seed=100 + i, n_rounds=6, name=f"Place {i:03d}")
        folder = programme / f"place-{i:03d}"
        folder.mkdir(parents=True)
        place = {**data.place, "rounds": data.place["rounds"][:3]}
        (folder / "place.yml").write_text(yaml.safe_dump(place, sort_keys=False))
        people = data.ratings["respondent_id"].drop_duplicates().sample(frac=0.25, random_state=i)
        for number in (1, 2, 3):
            rows = data.ratings[
                (data.ratings["round"] == number) & data.ratings["respondent_id"].isin(people)
            ]
            path = folder / f"ratings-{number}.csv"
            rows.drop(columns="round").to_csv(path, index=False)
            ingest_round(folder, number, ratings=path)
        places.append(folder)
    return places


def copy_outputs(jobs, template_place: str, outputs: Path) -> None:
    """Give every job the outputs of the template place's job of the same kind, with its own
    fingerprint and names: what a finished cycle leaves (the index reads the summaries)."""
    from evalkit._io import write_json
    from evalkit.run.plan import PROGRAMME_DIR

    for job in jobs:
        kind = job.name.split("/", 1)[-1]
        source = outputs / template_place / kind
        if job.name == PROGRAMME_DIR:  # its page is not read by anything timed: the record only
            write_json(job.out_dir / "build.json", {"fingerprint": job.fingerprint()})
            continue
        if job.out_dir == source or not source.exists():
            continue
        shutil.copytree(source, job.out_dir, dirs_exist_ok=True)
        summary = json.loads((job.out_dir / "summary.json").read_text())
        place = job.name.split("/")[0]
        summary.update(place=place, place_name=place.replace("-", " ").title())
        write_json(job.out_dir / "summary.json", summary)
        build = json.loads((job.out_dir / "build.json").read_text())
        write_json(job.out_dir / "build.json", {**build, "fingerprint": job.fingerprint()})


def timed(*command: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def start_cluster(folder: Path, workers: int = 2):
    """A scheduler and ``workers`` single-kernel workers on 127.0.0.1; returns (address, stop)."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host=127.0.0.1",
                "--port=0",
                "--no-dashboard",
                f"--scheduler-file={file}",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    while not (file.exists() and json.loads(file.read_text() or "{}").get("address")):
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    address,
                    "--host=127.0.0.1",
                    "--nthreads=1",
                    "--resources=KERNELS=1",
                    "--no-dashboard",
                ],  # fmt: skip
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    import distributed

    with distributed.Client(address, timeout="60s") as client:
        client.wait_for_workers(workers, timeout=120)

    def stop():
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)

    return address, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    from evalkit import run as runner

    folder = Path(args.keep or tempfile.mkdtemp(prefix="evalkit-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        programme, outputs = folder / "programme", folder / "outputs"
        places = write_places(programme, args.places)
        first = places[0].name
        runner.run(places[0], outputs_dir=outputs, progress=False)
        jobs = runner.plan(programme, outputs_dir=outputs).jobs
        copy_outputs(jobs, first, outputs)
        nochange, printed = timed(
            str(BIN / "evalkit"), "run", str(programme), "--all", "--out", str(outputs), "--quiet"
        )
        executed = printed.strip().splitlines()[-1]
        print(f"(2) no-change run over {args.places} places, {len(jobs)} reports: "
              f"{nochange:.2f} s ({executed})")  # fmt: skip

        subset = places[1 : args.reports + 1]  # one round report each: --round 3
        pick = programme.parent / "pick"
        pick.mkdir()
        for place in subset:
            (pick / place.name).symlink_to(place)
        local, _ = timed(str(BIN / "evalkit"), "run", str(pick), "--round", "3", "--force",
                         "--out", str(folder / "local"), "--quiet", "--workers", "2")  # fmt: skip
        address, stop = start_cluster(folder)
        try:
            cluster, _ = timed(str(BIN / "evalkit"), "run", str(pick), "--round", "3", "--force",
                               "--out", str(folder / "cluster"), "--quiet",
                               "--scheduler", address)  # fmt: skip
        finally:
            stop()
        reports = len(subset)
        per_report = 2 * local / reports  # core-seconds per report on the local pool
        overhead = (cluster - local) * 2 / reports  # extra core-seconds per report on the cluster
        print(f"(3) {reports} round reports: local pool {local:.1f} s, two-worker cluster "
              f"{cluster:.1f} s; {per_report:.2f} core-s per report, cluster overhead "
              f"{overhead:+.2f} core-s per report (wall ratio {cluster / local:.3f})")  # fmt: skip
        total = 300 * (12 + 1) + 1
        print(f"(4) a 300-place, 12-round cycle: 300 x (12 + 1) + 1 = {total} reports x "
              f"({per_report:.2f} + {max(overhead, 0):.2f}) core-s = "
              f"{total * (per_report + max(overhead, 0)) / 3600:.1f} core-hours")  # fmt: skip
        projected, each = {}, per_report + max(overhead, 0)
        for cores in (16, 64, 256):
            hours = total * each / cores / 3600
            projected[str(cores)] = round(hours, 2)
            print(f"    on {cores:3d} worker cores: {total} x {each:.2f} / {cores} = "
                  f"{hours * 60:.0f} minutes")  # fmt: skip
        print(
            json.dumps(
                {
                    "places": args.places,
                    "reports_planned": len(jobs),
                    f"plan_seconds_{args.places}": round(nochange, 2),
                    "plan_seconds_100": round(nochange * 100 / args.places, 2),
                    "reports_timed": reports,
                    "seconds_local": round(local, 2),
                    "seconds_cluster": round(cluster, 2),
                    "seconds_per_report": round(per_report, 3),
                    "overhead_per_report_seconds": round(overhead, 3),
                    "projected_hours_300x12": projected,
                }
            )
        )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
