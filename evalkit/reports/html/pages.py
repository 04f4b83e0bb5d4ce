"""evalkit's own page templates (Jinja2, autoescaped): the index page and the result cards.

The report pages themselves are nbconvert exports, from the template in
``templates/evalkit_report``.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["TEMPLATES_DIR", "page_template"]

#: The folder of evalkit's templates.
TEMPLATES_DIR = Path(__file__).parent / "templates"


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )


def page_template(name: str):
    """One of evalkit's own page templates (``pages/NAME``), with autoescape on."""
    return _environment().get_template(f"pages/{name}")
