"""Build hook: the report notebooks live at the top of the repository (``notebooks/``), where people
open them, and are copied into the package when a wheel is built, so a plain ``pip install`` has
them (found by ``evalkit.run.notebooks``). Everything else is in ``pyproject.toml``."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithNotebooks(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "evalkit" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted(Path(__file__).parent.joinpath("notebooks").glob("*.ipynb")):
            shutil.copy2(notebook, target / notebook.name)


setup(cmdclass={"build_py": BuildWithNotebooks})
