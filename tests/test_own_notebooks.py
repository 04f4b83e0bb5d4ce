"""Notebooks of one's own: copied from the built-ins, planned by what their parameters declare,
run beside (or in place of) the built-ins, listed in the index, and rerun only when changed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from evalkit.data.ingest import ingest_round
from evalkit.demo.files import write_demo
from evalkit.exceptions import RunError
from evalkit.reports.html.export import page_title
from evalkit.run.notebooks import copy_notebooks, notebook_path, report_notebooks
from evalkit.run.plan import plan

ROOT = Path(__file__).resolve().parents[1]
BOARD = ROOT / "examples" / "notebooks" / "board_questions.ipynb"


def _notebook(folder: Path, name: str, parameters: str, body: str = "print('hello')") -> Path:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell, nbformat.v4.new_code_cell(body)]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def _place(folder: Path, name: str, rounds: int) -> Path:
    place = write_demo(folder / name.lower(), seed=4, name=name, n_rounds=6)
    for number in range(1, rounds + 1):
        ingest_round(
            place, number, ratings=place / "incoming" / f"round-{number:02d}" / "ratings.csv"
        )
    return place


@pytest.fixture(scope="module")
def two_places(tmp_path_factory):
    folder = tmp_path_factory.mktemp("programme")
    return folder, _place(folder, "Ashby", 2), _place(folder, "Bury", 1)


def _evalkit(*args):
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=1200,
        env={k: v for k, v in os.environ.items() if k != "EVALKIT_NOTEBOOKS"},
    )


def test_a_folder_s_notebooks_are_sorted_by_what_their_parameters_declare(tmp_path):
    copy_notebooks(tmp_path)
    _notebook(tmp_path, "board", 'place: str = ""  # place\nround: int = 1  # round')
    _notebook(tmp_path, "year_on", 'place: str = ""  # place\nthrough_round: int = 1  # last')
    _notebook(tmp_path, "national", "places: list = []  # places")
    _notebook(tmp_path, "scratch", "x: int = 1  # anything")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "untagged.ipynb")
    chosen, skipped = report_notebooks(tmp_path)
    kinds = {n.name: (n.kind, n.builtin, n.path.parent == tmp_path) for n in chosen}
    assert kinds == {
        "round_report": ("round", True, True),
        "trajectory": ("trajectory", True, True),
        "programme": ("programme", True, True),
        "board": ("round", False, True),
        "year_on": ("trajectory", False, True),
        "national": ("programme", False, True),
    }
    # explore.ipynb (copied too) and the scratch books are left alone, each with its reason
    reasons = {s.split(" ")[0]: s for s in skipped}
    assert sorted(reasons) == ["explore.ipynb", "scratch.ipynb", "untagged.ipynb"]
    assert "declares neither place and round" in reasons["scratch.ipynb"]
    assert "needs exactly one code cell tagged 'parameters'" in reasons["untagged.ipynb"]
    builtin_only, _ = report_notebooks(None)
    assert {n.path for n in builtin_only} == {
        notebook_path(n) for n in ("round_report", "trajectory", "programme")
    }


def test_a_notebook_replacing_a_built_in_one_must_make_the_same_kind_of_report(tmp_path):
    _notebook(tmp_path, "trajectory", 'place: str = ""  # place\nround: int = 1  # round')
    with pytest.raises(RunError, match="trajectory.*same parameters"):
        report_notebooks(tmp_path)
    _notebook(tmp_path, "trajectory", 'place: str = ""  # place\nthrough_round: int = 1  # last')
    with pytest.raises(RunError, match="summary_path"):
        report_notebooks(tmp_path)


def test_copy_refuses_to_overwrite_unless_forced(tmp_path):
    copies = copy_notebooks(tmp_path / "mine")
    assert sorted(p.name for p in copies) == sorted(
        p.name for p in notebook_path("round_report").parent.glob("*.ipynb")
    )
    (tmp_path / "mine" / "round_report.ipynb").write_text("{}")
    with pytest.raises(RunError, match="round_report.ipynb.*nothing was copied.*--force"):
        copy_notebooks(tmp_path / "mine")
    assert (tmp_path / "mine" / "round_report.ipynb").read_text() == "{}"
    copy_notebooks(tmp_path / "mine", force=True)
    assert (tmp_path / "mine" / "round_report.ipynb").read_bytes() == (
        notebook_path("round_report").read_bytes()
    )


def test_the_plan_gives_each_kind_its_jobs_parameters_and_folders(two_places, tmp_path):
    programme, ashby, bury = two_places
    _notebook(tmp_path, "year_on", 'place: str = ""  # place\nthrough_round: int = 1  # last')
    _notebook(tmp_path, "national", "places: list = []  # places")
    (tmp_path / "board_questions.ipynb").write_bytes(BOARD.read_bytes())
    outputs = tmp_path / "outputs"
    cycle = plan(programme, outputs_dir=outputs, notebooks=tmp_path)
    jobs = {job.name: job for job in cycle.jobs}
    assert sorted(jobs) == [
        "ashby/board_questions/round-01",
        "ashby/board_questions/round-02",
        "ashby/round-01",
        "ashby/round-02",
        "ashby/year_on",
        "bury/board_questions/round-01",
        "bury/round-01",
        "bury/year_on",
        "programme-national",
    ]
    board = jobs["ashby/board_questions/round-02"]
    assert board.parameters == {"place": str(ashby.resolve()), "round": 2, "k_min": 5}
    assert board.out_dir == outputs.resolve() / "ashby" / "board_questions" / "round-02"
    assert not board.summary and jobs["ashby/round-02"].summary
    # a notebook of one's own gets only what it declares (year_on takes no k_min)
    assert jobs["bury/year_on"].parameters == {"place": str(bury.resolve()), "through_round": 1}
    assert jobs["programme-national"].parameters == {
        "places": [str(ashby.resolve()), str(bury.resolve())]
    }
    # the built-in trajectory and programme view still wait for three rounds
    assert {w.name for w in cycle.waiting} == {"ashby/trajectory", "bury/trajectory", "programme"}
    # the fingerprint follows the notebook's content
    before = board.fingerprint()
    nb = nbformat.read(tmp_path / "board_questions.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("One more line for the board."))
    nbformat.write(nb, tmp_path / "board_questions.ipynb")
    again = {j.name: j for j in plan(programme, outputs_dir=outputs, notebooks=tmp_path).jobs}
    assert again["ashby/board_questions/round-02"].fingerprint() != before
    assert again["ashby/round-02"].fingerprint() == jobs["ashby/round-02"].fingerprint()


def test_place_yml_names_the_place_s_own_notebooks(two_places, tmp_path):
    _, ashby, _ = two_places
    import shutil

    place = tmp_path / "ashby"
    shutil.copytree(ashby, place)
    (place / "board").mkdir()
    (place / "board" / "board_questions.ipynb").write_bytes(BOARD.read_bytes())
    settings = (place / "place.yml").read_text()
    (place / "place.yml").write_text(settings + "notebooks: board\n")
    names = {job.name for job in plan(place, outputs_dir=tmp_path / "out").jobs}
    assert "ashby/board_questions/round-02" in names
    (place / "place.yml").write_text(settings + "notebooks: no_such_folder\n")
    with pytest.raises(Exception, match=r"place.yml.*notebooks.*is not a folder"):
        plan(place, outputs_dir=tmp_path / "out")


@pytest.mark.slow
def test_an_extra_notebook_runs_is_indexed_and_reruns_only_when_changed(two_places, tmp_path):
    _, ashby, _ = two_places
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "board_questions.ipynb").write_bytes(BOARD.read_bytes())
    outputs = tmp_path / "outputs"
    first = _evalkit("run", ashby, "--out", outputs, "--notebooks", mine, "--quiet")
    assert first.returncode == 0, first.stderr
    assert "4 notebooks executed, 0 up to date, 0 failed" in first.stdout
    page = outputs / "ashby" / "board_questions" / "round-02" / "board_questions.html"
    text = page.read_text(encoding="utf-8")
    assert page_title(text) == "Ashby: the board's question, Round 2 (summer 2024)"
    assert "Do partners in every sector see power as shared?" in text
    # its table is the round's own power-sharing levels, as the round report computes them
    from evalkit.reports.round import build_round_report

    report = build_round_report(ashby, 2)
    everyone = report.levels_for("all").set_index("behaviour").loc["power_shared", "mean"]
    assert f"Power shared</em> is {everyone:.1f} on the scale" in text
    index = (outputs / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(ashby/board_questions/[^"]+)">([^<]+)</a>', index)
    assert [href for href, _ in links] == [
        "ashby/board_questions/round-01/board_questions.html",
        "ashby/board_questions/round-02/board_questions.html",
    ]
    assert links[1][1].startswith("Ashby: the board&#39;s question, Round 2")

    again = _evalkit("run", ashby, "--out", outputs, "--notebooks", mine, "--quiet")
    assert "0 notebooks executed, 4 up to date" in again.stdout, again.stderr
    notebook = nbformat.read(mine / "board_questions.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("Asked by the board in March."))
    nbformat.write(notebook, mine / "board_questions.ipynb")
    changed = _evalkit("run", ashby, "--out", outputs, "--notebooks", mine)
    assert "2 notebooks executed, 2 up to date, 0 failed" in changed.stdout, changed.stderr
    executed = re.findall(r"^(\S+)\s+ok\s", changed.stdout + changed.stderr, flags=re.M)
    assert sorted(executed) == ["ashby/board_questions/round-01", "ashby/board_questions/round-02"]
    assert "Asked by the board in March." in page.read_text(encoding="utf-8")


def test_notebooks_copy_on_the_command_line(tmp_path):
    done = _evalkit("notebooks", "copy", tmp_path / "mine")
    assert done.returncode == 0, done.stderr
    assert "round_report.ipynb" in done.stdout and "one report per round" in done.stdout
    assert "explore.ipynb" in done.stdout and "evalkit run leaves it alone" in done.stdout
    refused = _evalkit("notebooks", "copy", tmp_path / "mine")
    assert refused.returncode == 2
    assert "already has" in refused.stderr and "--force" in refused.stderr
