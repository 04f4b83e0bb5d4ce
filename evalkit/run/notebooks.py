"""Where the report notebooks are, and which kind of report each one makes.

The built-in notebooks live in the repository's top-level ``notebooks/`` folder, where people open
them in JupyterLab; building the wheel copies them into the package (``evalkit/notebooks/``), so a
plain ``pip install`` finds them with :mod:`importlib.resources`. From a source checkout (an
editable install) they are found in the checkout.

A place (or a programme) may have a folder of notebooks of its own (``evalkit run --notebooks
DIR``, or ``notebooks:`` in ``place.yml`` or ``programme.yml``). A notebook there runs in place of
the built-in one of the same name, or beside the built-ins. Its parameters cell says what kind of
report it is (:func:`notebook_kind`): ``place`` and ``round`` make one report per round,
``place`` and ``through_round`` one per place over its rounds so far, ``places`` one for the
programme. Any other notebook in the folder (a scratch book, a helper) is left alone.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from evalkit.exceptions import RunError

__all__ = [
    "BUILTIN_KINDS",
    "ReportNotebook",
    "builtin_notebooks",
    "copy_notebooks",
    "notebook_kind",
    "notebook_path",
    "report_notebooks",
]

#: The built-in report notebooks and the kind of report each makes.
BUILTIN_KINDS = {"round_report": "round", "trajectory": "trajectory", "programme": "programme"}
_KIND_WORDS = {
    "round": "one report per round",
    "trajectory": "one report per place over its rounds",
    "programme": "one report for the programme",
}


@dataclass(frozen=True)
class ReportNotebook:
    """A notebook the runner plans: its file, its kind (round, trajectory or programme), and
    whether it is (or stands in for) a built-in one, whose outputs the index reads."""

    path: Path
    kind: str
    builtin: bool

    @property
    def name(self) -> str:
        return self.path.stem


def builtin_notebooks() -> Path:
    """The folder of the built-in notebooks.

    Raises :class:`~evalkit.exceptions.RunError` when it cannot be found (an installation
    without its notebooks).
    """
    candidates = [
        Path(str(resources.files("evalkit") / "notebooks")),  # installed from a wheel
        Path(__file__).resolve().parents[2] / "notebooks",  # a source checkout
    ]
    for folder in candidates:
        if (folder / "round_report.ipynb").is_file():
            return folder
    raise RunError(
        "evalkit's report notebooks are missing from this installation (looked in "
        + " and ".join(str(c) for c in candidates)
        + "). Reinstall evalkit from its wheel or source."
    )


def notebook_path(name: str, folder: str | Path | None = None) -> Path:
    """A notebook by name (``"round_report"`` or ``"round_report.ipynb"``): the one in
    ``folder`` when that folder has it, else the built-in one.

    Examples
    --------
    >>> notebook_path("trajectory").name
    'trajectory.ipynb'
    """
    file = f"{name.removesuffix('.ipynb')}.ipynb"
    if folder is not None and (Path(folder) / file).is_file():
        return Path(folder) / file
    builtin = builtin_notebooks()
    if not (builtin / file).is_file():
        known = ", ".join(sorted(p.stem for p in builtin.glob("*.ipynb")))
        raise RunError(f"no notebook called '{name}' (there are: {known}).")
    return builtin / file


def notebook_kind(path: str | Path) -> str | None:
    """The kind of report a notebook makes, from the parameters it declares: ``"round"``
    (``place`` and ``round``), ``"trajectory"`` (``place`` and ``through_round``),
    ``"programme"`` (``places``), or None for a notebook the runner does not plan.

    Raises :class:`RunError` for a notebook whose parameters cell cannot be read.

    >>> notebook_kind(notebook_path("round_report")), notebook_kind(notebook_path("explore"))
    ('round', None)
    """
    from evalkit.run.params import notebook_parameters

    declared = notebook_parameters(path)
    if "places" in declared:
        return "programme"
    if "place" in declared and "round" in declared:
        return "round"
    if "place" in declared and "through_round" in declared:
        return "trajectory"
    return None


def report_notebooks(folder: str | Path | None = None) -> tuple[list[ReportNotebook], list[str]]:
    """The report notebooks to plan: the built-ins, each replaced by the notebook of the same
    name in ``folder``, and the other report notebooks of ``folder`` beside them, by name.

    Also returns a sentence for each notebook of ``folder`` left alone, saying why. Raises
    :class:`RunError` when a notebook replacing a built-in one makes another kind of report or
    writes no summary (the index and the next cycle's comparison read it).
    """
    builtin = builtin_notebooks()
    chosen = {name: ReportNotebook(builtin / f"{name}.ipynb", kind, True)
              for name, kind in BUILTIN_KINDS.items()}  # fmt: skip
    skipped: list[str] = []
    if folder is None:
        return list(chosen.values()), skipped
    folder = Path(folder)
    if not folder.is_dir():
        raise RunError(f"{folder}: no such folder of notebooks.")
    from evalkit.run.params import notebook_parameters

    for path in sorted(folder.glob("*.ipynb")):
        if path.stem in BUILTIN_KINDS:
            kind = notebook_kind(path)
            wanted = BUILTIN_KINDS[path.stem]
            if kind != wanted:
                raise RunError(
                    f"{path}: it replaces the built-in {path.stem} notebook, which makes "
                    f"{_KIND_WORDS[wanted]}, so its parameters cell must declare the same "
                    "parameters (copy it with 'evalkit notebooks copy DIR' and edit the copy)."
                )
            if "summary_path" not in notebook_parameters(path):
                raise RunError(
                    f"{path}: it replaces the built-in {path.stem} notebook, so it must "
                    "declare summary_path and write the summary there, as the built-in does."
                )
            chosen[path.stem] = ReportNotebook(path, kind, True)
            continue
        try:
            kind = notebook_kind(path)
        except RunError as err:  # a scratch book without a parameters cell, say
            skipped.append(f"{path.name} is not run: {str(err).removeprefix(path.name + ': ')}")
            continue
        if kind is None:
            skipped.append(
                f"{path.name} is not run: its parameters cell declares neither place and round, "
                "nor place and through_round, nor places."
            )
        else:
            chosen[path.stem] = ReportNotebook(path, kind, False)
    return list(chosen.values()), skipped


def copy_notebooks(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the built-in notebooks (the reports, and the explorer) into ``folder`` to start from.

    Refuses to overwrite a notebook already there unless ``force``. Returns the copies.
    """
    folder = Path(folder)
    sources = sorted(builtin_notebooks().glob("*.ipynb"))
    clashes = [folder / s.name for s in sources if (folder / s.name).exists()]
    if clashes and not force:
        raise RunError(
            f"{folder} already has {', '.join(c.name for c in clashes)}: nothing was copied. "
            "Copy into another folder, or add --force to overwrite them."
        )
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(s, folder / s.name)) for s in sources]
