"""Project hygiene: notebooks stored clean, and the two dependency lists kept in step."""

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# conda-forge names for the same packages; pypandoc-binary is pypandoc with pandoc inside it
CONDA_NAMES = {"python-duckdb": "duckdb", "pypandoc": "pypandoc-binary"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"]}
    pip_names |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_names = {CONDA_NAMES.get(_name(d), _name(d)) for d in conda if isinstance(d, str)}
    assert conda_names - {"python", "pip", "pandoc"} == pip_names


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_kernel_metadata_and_one_parameters_cell(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert notebook["metadata"]["language_info"]["name"] == "python"
    tagged = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    for line in "".join(tagged[0]["source"]).splitlines():
        # papermill's --help-notebook reads 'name: type = literal  # help'
        assert re.match(r"^\w+: \w+ = .+  # .+$", line), line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_infers_every_parameter_with_its_type_and_help(path):
    import papermill

    inferred = papermill.inspect_notebook(str(path))
    source = next(
        c
        for c in json.loads(path.read_text())["cells"]
        if "parameters" in c["metadata"].get("tags", [])
    )
    names = [line.split(":")[0] for line in "".join(source["source"]).splitlines()]
    assert list(inferred) == names
    assert all(p["inferred_type_name"] != "None" and p["help"] for p in inferred.values())


def test_the_repository_stands_alone():
    """No file points outside the checkout: a user's clone has nothing beside it."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    folder = "shar" + "ed"  # spelt in two, so this test does not find itself
    outside = re.compile(
        rf"""\.\./{folder}|{folder}/reference|["']{folder}["']|parents\[\d\]\.parent"""
    )
    found = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".py", ".md", ".ipynb", ".yml", ".toml", ".cfg", ".txt", ""}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{name}:{i + 1}" for i, line in enumerate(text.splitlines())
                      if outside.search(line)]  # fmt: skip
    assert not found, found


def test_the_readme_describes_every_folder_of_the_package():
    section = (ROOT / "README.md").read_text().split("## How the code is organised")[1]
    section = section.split("\n## ")[0]
    packages = sorted(
        p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "evalkit").glob("*/__init__.py")
    )
    missing = [p for p in packages if f"`{p}/`" not in section]
    assert not missing, f"the README's layout table lacks {missing}"
