"""``evalkit init``: a commented ``place.yml`` to start a new place from, which
:func:`evalkit.config.load_place` accepts as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evalkit.config import DEFAULT_SECTORS, PLACE_FILE, load_framework
from evalkit.exceptions import EvalkitError

__all__ = ["init_place", "place_yaml"]


def place_yaml(name: str, framework: str = "system-behaviours", *, today=None) -> str:
    """The text of a new place's ``place.yml``: every setting, explained, with examples.

    Examples
    --------
    >>> print(place_yaml("Larkhill", today=dt.date(2026, 1, 15)).splitlines()[0])
    # Larkhill: the place evalkit evaluates. Edit every line marked EDIT, then run
    """
    fw = load_framework(framework)
    today = today or dt.date.today()
    sectors = "\n".join(f"  {k}: {v}" for k, v in DEFAULT_SECTORS.items())
    return f"""# {name}: the place evalkit evaluates. Edit every line marked EDIT, then run
#   evalkit survey . --round 1 --format xlsform   (the questionnaire), and after the round
#   evalkit ingest . --round 1 --export EXPORT    (its export).
name: {name}   # EDIT: as reports name the place
# The behaviours rated: a built-in framework ({fw.name}, {len(fw.behaviours)} behaviours on a
# {fw.scale_min} to {fw.scale_max} scale) or the path of your own framework file.
framework: {framework}
# Smallest group shown in any report (quotes, ratings, network ties): 5 is the usual choice.
k_min: 5
# A rating written "7/10" is read as 7 only if this is true.
allow_fraction_ratings: false
# One line per round of the survey: its number, the label reports use, and when it ran.
rounds:
  - {{number: 1, label: "Round 1", date: {today.isoformat()}}}   # EDIT
# The sectors reports compare, in the order they show them (id: label).
sectors:
{sectors}
# The roles respondents choose from (id: label).
roles:
  senior_leader: Senior leader
  manager: Manager
  frontline: Frontline worker
  expert_by_experience: Expert by experience
# The organisations taking part: a short id, the name people know, its sector, and other
# names respondents write for it (aliases), so their answers are matched and quotes masked.
organisations:   # EDIT: one line per organisation
  - {{id: council, name: {name} Council, sector: public, aliases: [The Council]}}
  - {{id: nhs-trust, name: {name} NHS Trust, sector: public, aliases: []}}
  - {{id: food-bank, name: {name} Food Bank, sector: voluntary, aliases: []}}
  - {{id: voices, name: {name} Lived Experience Network, sector: lived_experience, aliases: []}}
"""


def init_place(place_dir, *, name: str | None = None, framework: str | None = None) -> Path:
    """Write ``place.yml`` in a new or empty place folder; refuse to overwrite a place."""
    folder = Path(place_dir)
    path = folder / PLACE_FILE
    if path.exists():
        raise EvalkitError(f"{path} already exists: edit it, or choose a new folder.")
    if folder.exists() and not folder.is_dir():
        raise EvalkitError(f"{folder} is a file; give a folder for the place.")
    if folder.exists() and any(folder.iterdir()):
        raise EvalkitError(f"{folder} is not empty; give a new or empty folder for the place.")
    fw = framework or "system-behaviours"
    text = place_yaml(name or folder.name.replace("-", " ").title(), fw)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
