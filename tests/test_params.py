"""A notebook's parameters: read by papermill's inspector, held to evalkit's stricter rule."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from evalkit.exceptions import RunError
from evalkit.run.notebooks import builtin_notebooks
from evalkit.run.params import check_parameters, notebook_parameters


@pytest.mark.parametrize("name", ["round_report", "trajectory", "programme", "explore"])
def test_the_parameters_are_what_papermill_will_inject(name):
    path = builtin_notebooks() / f"{name}.ipynb"
    ours = notebook_parameters(path)
    theirs = papermill.inspect_notebook(str(path))
    assert list(ours) == list(theirs)
    assert {n: p.type for n, p in ours.items()} == {
        n: p["inferred_type_name"] for n, p in theirs.items()
    }
    assert all(p.help == theirs[n]["help"] for n, p in ours.items())


def _notebook(tmp_path, source: str):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell, nbformat.v4.new_code_cell("print(place)")]
    path = tmp_path / "custom.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("round = 3", "line 2: write each parameter as 'name: type = value  # help'"),
        ("round: int = 3", "line 2: write each parameter"),  # no help for --help-notebook
        ("when: date = None  # survey date", "line 2: write each parameter"),
        ("round: int = 1 + 2  # round", "the default of 'round' must be a literal value"),
    ],
)
def test_a_line_papermill_would_read_loosely_is_refused(tmp_path, line, message):
    path = _notebook(tmp_path, f'place: str = "x"  # the place\n{line}\n')
    with pytest.raises(RunError, match="custom.ipynb") as error:
        notebook_parameters(path)
    assert message in str(error.value)


def test_types_are_checked_strictly(tmp_path):
    path = _notebook(tmp_path, 'place: str = "x"  # the place\nround: int = 1  # the round\n')
    check_parameters(path, {"place": "y", "round": 2})
    with pytest.raises(RunError, match="parameter 'round' must be int, not bool True"):
        check_parameters(path, {"round": True})
