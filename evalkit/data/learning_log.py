"""The learning log: what partners decided at a workshop becomes an event for the next cycle.

``evalkit log PLACE_DIR --round N --kind decision "text"`` appends one row to round N's log, a
small CSV in the events format kept beside (not inside) the round's events file, so that
re-ingesting a corrected events file never drops a logged decision. Each entry writes a new
version of the round's log through the ordinary ingest: validated, loaded in one transaction,
the earlier version kept in ``raw/``. Logged events are read with the round's events
(:func:`evalkit.data.store.read_events`), drawn on every time axis, and change the data
fingerprint, so the next ``evalkit run`` re-executes the reports that show them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from evalkit.config import load_place, store_path
from evalkit.data import store
from evalkit.data.ingest import IngestResult, ingest_round
from evalkit.data.vocabulary import COLUMNS

__all__ = ["log_event"]


def log_event(
    place_dir: str | Path,
    round_number: int,
    description: str,
    *,
    kind: str = "decision",
    date: dt.date | None = None,
) -> IngestResult:
    """Add an event to a round's learning log.

    Parameters
    ----------
    place_dir : str or Path
        The place folder.
    round_number : int
        The round the event belongs to: it is drawn just before that round's survey. A decision
        taken at the workshop on round 5's results belongs to round 6.
    description : str
        What happened or was decided, in a few words.
    kind : str
        ``decision`` (default), ``intervention`` or ``context``.
    date : date, optional
        When (default: today).

    Raises
    ------
    ValidationError
        If the round is not in place.yml, the kind is unknown or the description is blank.
    """
    place = load_place(place_dir)
    rows = _logged(place.dir, round_number)
    rows.append(
        {
            "round": str(round_number),
            "date": (date or dt.date.today()).isoformat(),
            "kind": kind,
            "description": " ".join(str(description).split()),
        }
    )
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS["log"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"learning-log-round-{round_number:02d}.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
        return ingest_round(place.dir, round_number, ratings=None, log=path, replace=True)


def _logged(place_dir: Path, round_number: int) -> list[dict]:
    """The rows of the round's current log file (none yet: an empty list)."""
    if not store_path(place_dir).exists():
        return []
    files = store.read_files(place_dir)
    current = files[files["active"] & (files["kind"] == "log") & (files["round"] == round_number)]
    if current.empty:
        return []
    raw = place_dir / current["raw_path"].iloc[0]
    with open(raw, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))
