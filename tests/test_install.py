"""A plain (not editable) install from the wheel runs the reports, notebooks included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with evalkit installed from its wheel, outside the checkout.

    The wheel is built from this checkout and installed without ``-e``. Its dependencies are
    the project's own environment's (a path entry to its site-packages, and ``JUPYTER_PATH`` to
    its Jupyter data, where nbconvert keeps its base templates), so the test needs no download;
    evalkit itself can only come from the wheel.
    """
    folder = tmp_path_factory.mktemp("install")
    wheels = folder / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
    )
    [wheel] = wheels.glob("evalkit-*.whl")
    env = folder / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=600,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, folder


def _run(python: Path, folder: Path, *args: str, timeout: int = 900):
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    env.pop("EVALKIT_NOTEBOOKS", None)
    done = subprocess.run(
        [str(python), *args], cwd=folder, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_evalkit_comes_from_the_wheel_with_its_notebooks(installed):
    python, folder = installed
    found = json.loads(
        _run(
            python,
            folder,
            "-c",
            "import json, evalkit; from evalkit.run import builtin_notebooks; "
            "print(json.dumps([evalkit.__file__, str(builtin_notebooks())]))",
        )
    )
    package, notebooks = map(Path, found)
    assert str(ROOT) not in str(package) and "site-packages" in package.parts
    assert notebooks == package.parent / "notebooks"
    assert sorted(p.name for p in notebooks.glob("*.ipynb")) == [
        "explore.ipynb",
        "programme.ipynb",
        "round_report.ipynb",
        "trajectory.ipynb",
    ]


def test_the_installed_package_runs_round_reports_trajectories_and_the_programme(installed):
    python, folder = installed
    script = textwrap.dedent(
        """
        from evalkit.data.ingest import ingest_round
        from evalkit.demo.files import write_demo

        for name, seed in (("Ashby", 3), ("Bexley", 5)):
            place = write_demo(f"data/{name.lower()}", seed=seed, name=name, n_rounds=6)
            for number in (1, 2, 3):
                folder = place / "incoming" / f"round-{number:02d}"
                ingest_round(place, number, ratings=folder / "ratings.csv",
                             ties=folder / "ties.csv", reflections=folder / "reflections.csv")
        """
    )
    _run(python, folder, "-c", script)
    out = _run(python, folder, "-m", "evalkit", "run", "data", "--out", "outputs", "--quiet")
    assert "9 notebooks executed, 0 up to date, 0 failed" in out
    outputs = folder / "outputs"
    for place in ("ashby", "bexley"):
        for report in ("round-01", "round-02", "round-03", "trajectory"):
            summary = json.loads((outputs / place / report / "summary.json").read_text())
            assert summary["place"] == place
    programme = json.loads((outputs / "programme" / "summary.json").read_text())
    assert {p["place"] for p in programme["places"]} == {"ashby", "bexley"}
    assert "programme/programme.html" in (outputs / "index.html").read_text()
