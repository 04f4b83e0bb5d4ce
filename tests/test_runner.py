"""The cycle runner: incremental, parallel, failure-isolated, parameters checked before kernels."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from evalkit import run as runner
from evalkit.data.ingest import ingest_round
from evalkit.exceptions import RunError

pytestmark = pytest.mark.slow
ROUNDS = 3


@pytest.fixture(scope="module")
def small_place(tmp_path_factory):
    """A demo place of its own with three rounds ingested, since these tests change its data."""
    from evalkit.demo.files import write_demo
    from evalkit.demo.simulator import DEFAULT_SEED

    place = write_demo(tmp_path_factory.mktemp("runner") / "demo", seed=DEFAULT_SEED)
    for number in range(1, ROUNDS + 1):
        folder = place / "incoming" / f"round-{number:02d}"
        ingest_round(place, number, ratings=folder / "ratings.csv", events=folder / "events.csv")
    return place


@pytest.fixture(scope="module")
def first_run(small_place, tmp_path_factory):
    outputs = tmp_path_factory.mktemp("outputs")
    results = runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)
    return outputs, results


def _statuses(results):
    return {r.job.name: r.status for r in results}


def _snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_first_run_executes_every_report_and_records_its_inputs(first_run, small_place):
    outputs, results = first_run
    expected = {f"demo/round-{n:02d}" for n in range(1, ROUNDS + 1)} | {"demo/trajectory"}
    assert _statuses(results) == dict.fromkeys(expected, "ok"), [r.error for r in results]
    build = json.loads((outputs / "demo" / "round-02" / runner.BUILD_FILE).read_text())
    assert build["parameters"] == {
        "place": str(small_place.resolve()),
        "k_min": 5,
        "round": 2,
        "figures_dir": "figures",
    }
    summary = json.loads((outputs / "demo" / "round-02" / "summary.json").read_text())
    assert build["data_sha256"] == summary["data_sha256"]  # the notebook read what was hashed
    assert build["notebook"] == "round_report.ipynb" and build["status"] == "ok"
    assert not list(outputs.glob("demo/.*")), "no temporary folders are left behind"


def test_second_run_executes_nothing_and_touches_nothing(first_run, small_place):
    outputs, _ = first_run
    before = _snapshot(outputs / "demo")
    results = runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)
    assert set(_statuses(results).values()) == {"up to date"}
    assert _snapshot(outputs / "demo") == before


def test_changed_round_reexecutes_exactly_the_notebooks_that_read_it(first_run, small_place):
    outputs, _ = first_run
    source = small_place / "incoming" / "round-02" / "ratings.csv"
    with open(source, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[1][3] = "7" if rows[1][3] != "7" else "6"  # one rating of one respondent
    changed = source.with_name("ratings-corrected.csv")
    with open(changed, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    ingest_round(small_place, 2, ratings=changed, replace=True)
    round_one = _snapshot(outputs / "demo" / "round-01")

    results = runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)

    assert _statuses(results) == {
        "demo/round-01": "up to date",
        "demo/round-02": "ok",
        "demo/round-03": "ok",
        "demo/trajectory": "ok",
    }
    assert _snapshot(outputs / "demo" / "round-01") == round_one
    # the last cycle's findings are kept for "what changed since the last cycle"
    previous = json.loads((outputs / "demo" / "round-02" / "previous_summary.json").read_text())
    current = json.loads((outputs / "demo" / "round-02" / "summary.json").read_text())
    assert previous["data_sha256"] != current["data_sha256"]


def test_force_reexecutes_everything(first_run, small_place):
    outputs, _ = first_run
    jobs = runner.plan(small_place, rounds=[1], outputs_dir=outputs).jobs
    [result] = runner.run_jobs(jobs, workers=1, force=True, progress=False)
    assert result.status == "ok"


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"rounds": 2}, "unknown parameter 'rounds' (did you mean 'round'?)"),
        ({"round": "2"}, "parameter 'round' must be int, not str '2'"),
        ({"round": True}, "parameter 'round' must be int"),
    ],
)
def test_bad_parameters_are_refused_before_any_kernel_starts(
    small_place, tmp_path, parameters, message
):
    job = runner.Job(
        "demo/round-02",
        runner.notebook_path("round_report"),
        tmp_path / "demo" / "round-02",
        {"place": str(small_place), "k_min": 5, **parameters},
    )
    with pytest.raises(RunError) as error:
        runner.run_jobs([job], progress=False)
    assert str(error.value).startswith("round_report.ipynb: ")
    assert message in str(error.value)
    assert not (tmp_path / "demo").exists(), "nothing was started"


def test_a_round_that_does_not_exist_fails_at_once(small_place, tmp_path):
    with pytest.raises(RunError, match=r"round 9 is not listed in place.yml"):
        runner.plan(small_place, rounds=[9], outputs_dir=tmp_path)
    with pytest.raises(RunError, match=r"round 5 has no ratings ingested yet"):
        runner.plan(small_place, rounds=[5], outputs_dir=tmp_path)


def test_failing_notebook_is_isolated_and_the_command_exits_1(small_place, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    broken = nbformat.read(runner.notebook_path("round_report"), as_version=4)
    at = next(i for i, c in enumerate(broken.cells) if "parameters" in c.metadata.get("tags", []))
    broken.cells.insert(
        at + 1,
        nbformat.v4.new_code_cell(
            "if round == 2:\n    raise RuntimeError('deliberate failure in round 2')"
        ),
    )
    nbformat.write(broken, notebooks / "round_report.ipynb")
    outputs = tmp_path / "outputs"
    command = [sys.executable, "-m", "evalkit", "run", str(small_place), "--all"]
    command += ["--out", str(outputs), "--workers", "2", "--quiet"]
    env = {**os.environ, "EVALKIT_NOTEBOOKS": str(notebooks)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    assert done.returncode == 1, done.stderr
    assert "demo/round-02" in done.stderr and "deliberate failure in round 2" in done.stderr
    # the trajectory, not in that folder, is the built-in one (before, it was silently dropped)
    assert "3 notebooks executed, 0 up to date, 1 failed" in done.stdout
    for number in (1, 3):
        assert (outputs / "demo" / f"round-{number:02d}" / "round_report.html").exists()
    assert not (outputs / "demo" / "round-02").exists()
    failed = outputs / "demo" / "round-02.failed"
    executed = nbformat.read(failed / "round_report.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "deliberate failure in round 2"
    page = (failed / "round_report.html").read_text()
    assert "deliberate failure in round 2" in page
    assert json.loads((failed / runner.BUILD_FILE).read_text())["status"] == "failed"


def test_reports_reference_nothing_remote(first_run):
    outputs, _ = first_run
    remote = re.compile(
        r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
    )
    pages = sorted(outputs.rglob("*.html"))
    assert len(pages) == ROUNDS + 2  # round reports, trajectory, index
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not remote.search(text), f"{page} fetches something from the network"
        assert "<script" not in text or page.name == "index.html"


def test_help_notebook_lists_declared_parameters():
    done = subprocess.run(
        [sys.executable, "-m", "evalkit", "run", "--help-notebook", "round_report"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "round_report.ipynb takes:"
    assert re.match(r"\s+round\s+int\s+default 1\s+round to report on", lines[2])


def test_editing_place_yml_reruns_exactly_the_reports_that_show_it(first_run, small_place):
    outputs, _ = first_run
    runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)  # all up to date
    settings = small_place / "place.yml"
    original = settings.read_text(encoding="utf-8")
    try:
        # a round's label shows in its own report and in the trajectory, not in earlier rounds
        renamed = original.replace("label: Round 3 (autumn 2024)", "label: Round three")
        assert renamed != original, "the demo labels its round 3 'Round 3 (autumn 2024)'"
        settings.write_text(renamed, encoding="utf-8")
        results = runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)
        assert _statuses(results) == {
            "demo/round-01": "up to date",
            "demo/round-02": "up to date",
            "demo/round-03": "ok",
            "demo/trajectory": "ok",
        }
        summary = json.loads((outputs / "demo" / "round-03" / "summary.json").read_text())
        assert summary["round_label"] == "Round three"
        # an alias masks quotes in every round's report: every report is rebuilt
        aliased = renamed.replace("aliases: [ICB]", "aliases: [ICB, the board]")
        assert aliased != renamed
        settings.write_text(aliased, encoding="utf-8")
        results = runner.run(small_place, outputs_dir=outputs, workers=2, progress=False)
        assert set(_statuses(results).values()) == {"ok"}
    finally:
        settings.write_text(original, encoding="utf-8")


def test_a_first_cycle_with_two_rounds_runs_cleanly_and_says_when_the_trajectory_comes(
    tmp_path,
):
    from evalkit.demo.files import write_demo

    place = write_demo(tmp_path / "newtown", seed=4, name="Newtown")
    for number in (1, 2):
        folder = place / "incoming" / f"round-{number:02d}"
        ingest_round(place, number, ratings=folder / "ratings.csv")
    cycle = runner.plan(place, outputs_dir=tmp_path / "outputs")
    assert [j.name for j in cycle.jobs] == ["newtown/round-01", "newtown/round-02"]
    assert [w.reason for w in cycle.waiting] == [
        "The trajectory starts at round 3: it needs 3 rounds and 2 have been ingested."
    ]
    command = [sys.executable, "-m", "evalkit", "run", str(place), "--all", "--quiet"]
    command += ["--out", str(tmp_path / "outputs"), "--workers", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr  # before: "1 failed", exit 1
    assert "2 notebooks executed, 0 up to date, 0 failed" in done.stdout
    index = (tmp_path / "outputs" / "index.html").read_text(encoding="utf-8")
    assert "The trajectory starts at round 3" in index


def test_without_a_scheduler_dask_is_not_imported():
    code = (
        "import sys\n"
        "from evalkit import run as runner\n"
        "from evalkit.cli import main\n"
        "assert runner.run_jobs([], progress=False) == []\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
