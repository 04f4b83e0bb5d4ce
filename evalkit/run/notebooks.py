"""Where the report notebooks are: inside the installed package, or beside it.

The built-in notebooks live in the repository's top-level ``notebooks/`` folder, where people open
them in JupyterLab; building the wheel copies them into the package (``evalkit/notebooks/``), so a
plain ``pip install`` finds them with :mod:`importlib.resources`. From a source checkout (an
editable install) they are found in the checkout. A notebook of the same name in the folder named
by ``EVALKIT_NOTEBOOKS`` is used in place of a built-in one.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from evalkit.exceptions import RunError

__all__ = ["builtin_notebooks", "notebook_path"]


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


def notebook_path(name: str) -> Path:
    """A notebook by name (``"round_report"`` or ``"round_report.ipynb"``): the one in
    ``EVALKIT_NOTEBOOKS`` when that folder has it, else the built-in one.

    Examples
    --------
    >>> notebook_path("trajectory").name
    'trajectory.ipynb'
    """
    file = f"{name.removesuffix('.ipynb')}.ipynb"
    override = os.environ.get("EVALKIT_NOTEBOOKS")
    if override and (Path(override) / file).is_file():
        return Path(override) / file
    folder = builtin_notebooks()
    if not (folder / file).is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.ipynb")))
        raise RunError(f"no notebook called '{name}' (there are: {known}).")
    return folder / file
