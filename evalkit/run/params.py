"""The parameters a report notebook declares, read without starting a kernel.

A notebook's cell tagged ``parameters`` declares one parameter per line, with a type and a help
comment, as papermill reads them::

    round: int = 1  # round to report on

:func:`check_parameters` refuses unknown names and wrong types before anything is executed, so a
typo fails in a fraction of a second with a message naming the notebook and the parameter, not
minutes later inside a kernel. The cell is read by papermill's own inspector (what papermill will
inject is what is checked), then held to evalkit's stricter rule: every line a parameter with a
type papermill knows, a literal default and a help comment. Each notebook is read once per run.
"""

from __future__ import annotations

import ast
import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from evalkit.exceptions import RunError

__all__ = ["Parameter", "check_parameters", "describe_parameters", "notebook_parameters"]

_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,), "list": (list,)}
_TYPES["dict"] = (dict,)


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type name, default value and help text."""

    name: str
    type: str
    default: object
    help: str

    def accepts(self, value) -> bool:
        """Whether ``value`` has this parameter's type (a bool is not an int here).

        >>> p = Parameter("round", "int", 1, "round to report on")
        >>> p.accepts(3), p.accepts(True), p.accepts("3")
        (True, False, False)
        """
        if isinstance(value, bool) and self.type != "bool":
            return False
        return isinstance(value, _TYPES[self.type])


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameters declared in a notebook's ``parameters`` cell, in order.

    Raises :class:`RunError` when the notebook has no such cell, or a line of it is not
    ``name: type = value  # help`` with a type among int, float, str, bool, list and dict and a
    literal value.

    Examples
    --------
    >>> from evalkit.run.notebooks import notebook_path
    >>> params = notebook_parameters(notebook_path("round_report"))
    >>> params["round"]
    Parameter(name='round', type='int', default=1, help='round to report on')
    """
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as err:
        raise RunError(f"{path}: cannot read the notebook ({err}).") from err
    return dict(_parameters(str(path), content))


@functools.lru_cache(maxsize=64)
def _parameters(path: str, content: bytes) -> tuple[tuple[str, Parameter], ...]:
    import nbformat
    import papermill

    name = Path(path).name
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
    except (ValueError, UnicodeDecodeError) as err:
        raise RunError(f"{name}: cannot read the notebook ({err}).") from err
    cells = [
        c
        for c in notebook.cells
        if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if len(cells) != 1:
        raise RunError(f"{name}: needs exactly one code cell tagged 'parameters'.")
    try:
        inferred = papermill.inspect_notebook(path)
    except Exception as err:  # papermill's own errors for a notebook it cannot read
        raise RunError(f"{name}: papermill cannot read its parameters ({err}).") from err
    found = []
    for number, line in enumerate(cells[0].source.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        declared = line.split(":", 1)[0].strip()
        parameter = inferred.get(declared)
        if (
            parameter is None
            or parameter["inferred_type_name"] not in _TYPES
            or not parameter["help"]
        ):
            raise RunError(
                f"{name}, parameters cell line {number}: write each parameter as "
                "'name: type = value  # help', with type int, float, str, bool, list or dict."
            )
        try:
            default = ast.literal_eval(parameter["default"])
        except (ValueError, SyntaxError) as err:
            raise RunError(
                f"{name}, parameters cell line {number}: the default of '{declared}' must be a "
                f"literal value, not {parameter['default']!r}."
            ) from err
        found.append(
            (
                declared,
                Parameter(declared, parameter["inferred_type_name"], default, parameter["help"]),
            )
        )
    return tuple(found)


def check_parameters(path: str | Path, values: dict) -> None:
    """Refuse parameters a notebook does not declare, or of the wrong type, listing every one.

    Examples
    --------
    >>> from evalkit.run.notebooks import notebook_path
    >>> check_parameters(notebook_path("round_report"), {"rounds": 3})
    Traceback (most recent call last):
    ...
    evalkit.exceptions.RunError: round_report.ipynb: unknown parameter 'rounds' (did you mean 'round'?). It takes: place, round, k_min, summary_path, figures_dir.
    """  # noqa: E501
    path = Path(path)
    declared = notebook_parameters(path)
    problems = []
    for name, value in values.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"unknown parameter '{name}'{hint}")
        elif not declared[name].accepts(value):
            problems.append(
                f"parameter '{name}' must be {declared[name].type}, "
                f"not {type(value).__name__} {value!r}"
            )
    if problems:
        raise RunError(f"{path.name}: {'; '.join(problems)}. It takes: {', '.join(declared)}.")


def describe_parameters(path: str | Path) -> str:
    """A notebook's parameters as text, one per line: name, type, default and help.

    >>> from evalkit.run.notebooks import notebook_path
    >>> print(describe_parameters(notebook_path("trajectory")))  # doctest: +ELLIPSIS
    trajectory.ipynb takes:
      place           str   default '...'  folder of the place to report on
      through_round   int   default 8  last round to include
    ...
    """
    path = Path(path)
    params = notebook_parameters(path)
    width = max((len(name) for name in params), default=0) + 2
    lines = [f"{path.name} takes:"]
    for p in params.values():
        lines.append(f"  {p.name:<{width}} {p.type:<5} default {p.default!r}  {p.help}".rstrip())
    return "\n".join(lines)
