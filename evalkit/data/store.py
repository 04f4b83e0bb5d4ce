"""The place's DuckDB store: its schema and the functions that read it.

Writing is :mod:`evalkit.data.ingest`'s job; everything here opens the store read-only, so many
report kernels can read at once. Respondents appear only as keyed hashes: raw ids never enter
the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from evalkit.config import store_path
from evalkit.exceptions import StoreError

__all__ = [
    "connect",
    "create_tables",
    "read_ratings",
    "read_ties",
    "read_reflections",
    "read_events",
    "read_files",
    "read_sources",
    "ingested_rounds",
    "data_hash",
    "files_hash",
]

#: Every table of the store: column -> DuckDB type, in column order.
TABLES: dict[str, dict[str, str]] = {
    "files": {
        "round": "INTEGER",
        "kind": "VARCHAR",
        "filename": "VARCHAR",
        "sha256": "VARCHAR",
        "raw_path": "VARCHAR",
        "ingested_at": "TIMESTAMP",
        "active": "BOOLEAN",
    },
    "ratings": {
        "round": "INTEGER",
        "respondent": "VARCHAR",
        "organisation": "VARCHAR",
        "sector": "VARCHAR",
        "role": "VARCHAR",
        "behaviour": "VARCHAR",
        "rating": "DOUBLE",  # NULL = no answer
    },
    "ties": {
        "round": "INTEGER",
        "respondent": "VARCHAR",
        "organisation": "VARCHAR",
        "partner": "VARCHAR",
        "depth": "VARCHAR",
        "trust": "DOUBLE",
    },
    "reflections": {
        "round": "INTEGER",
        "respondent": "VARCHAR",
        "organisation": "VARCHAR",
        "sector": "VARCHAR",
        "role": "VARCHAR",
        "behaviours": "VARCHAR",
        "valence": "VARCHAR",
        "consent": "BOOLEAN",
        "text": "VARCHAR",
    },
    "events": {"round": "INTEGER", "date": "DATE", "kind": "VARCHAR", "description": "VARCHAR"},
    # Which export and which mapping gave a file read from a survey tool's export (files.sha256
    # is then the fingerprint of the two together): both are kept in raw/, so the round can be
    # read again the same way.
    "sources": {
        "round": "INTEGER",
        "kind": "VARCHAR",
        "sha256": "VARCHAR",
        "tool": "VARCHAR",
        "export_path": "VARCHAR",
        "export_sha256": "VARCHAR",
        "mapping_path": "VARCHAR",
        "mapping_sha256": "VARCHAR",
        "sheet": "VARCHAR",
    },
    "log": {"round": "INTEGER", "date": "DATE", "kind": "VARCHAR", "description": "VARCHAR"},
    # facts about the store itself, e.g. the fingerprint of the key it was made with
    "meta": {"name": "VARCHAR", "value": "VARCHAR"},
}

# Sort keys that make every reader's output deterministic.
_ORDER = {
    "files": ["round", "kind", "ingested_at", "sha256"],
    "ratings": ["round", "respondent", "behaviour"],
    "ties": ["round", "respondent", "partner"],
    "reflections": ["round", "organisation", "respondent", "text", "behaviours", "valence"],
    "events": ["round", "date", "kind", "description"],
    "sources": ["round", "kind", "sha256"],
    "log": ["round", "date", "kind", "description"],
    "meta": ["name"],
}


def connect(place_dir: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the place's store; read-only unless asked, and only if it already exists then.

    Raises
    ------
    StoreError
        If a read-only store does not exist yet, or DuckDB cannot open it (e.g. another process
        is writing to it).
    """
    path = store_path(place_dir)
    if read_only and not path.exists():
        raise StoreError(
            f"There is no store at {path} yet: run `evalkit ingest` for a round first."
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as err:
        raise StoreError(f"Could not open the store {path}: {err}") from err


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create any missing table of :data:`TABLES` (run inside the ingest transaction)."""
    for table, columns in TABLES.items():
        ddl = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")


def _read(place_dir, table: str, rounds: Iterable[int] | None, where: str = "") -> pd.DataFrame:
    columns = ", ".join(f'"{c}"' for c in TABLES[table])
    clauses, params = [where] if where else [], []
    if rounds is not None:
        clauses.append("list_contains(?, round)")
        params.append([int(r) for r in rounds])
    sql = f"SELECT {columns} FROM {table}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY " + ", ".join(f'"{c}"' for c in _ORDER[table])
    con = connect(place_dir)
    try:
        return con.execute(sql, params).df()
    except duckdb.CatalogException as err:
        raise StoreError(
            f"The store {store_path(place_dir)} has no {table} table: run `evalkit ingest` first."
        ) from err
    finally:
        con.close()


def read_ratings(place_dir: str | Path, rounds: Iterable[int] | None = None) -> pd.DataFrame:
    """Ratings, one row per respondent x behaviour x round (``rating`` NaN = no answer).

    Returns
    -------
    DataFrame
        round, respondent, organisation, sector, role, behaviour, rating.
    """
    return _read(place_dir, "ratings", rounds)


def read_ties(place_dir: str | Path, rounds: Iterable[int] | None = None) -> pd.DataFrame:
    """Ties between organisations: round, respondent, organisation, partner, depth, trust."""
    return _read(place_dir, "ties", rounds)


def read_reflections(place_dir: str | Path, rounds: Iterable[int] | None = None) -> pd.DataFrame:
    """Reflections: round, respondent, organisation, sector, role, behaviours (``;``-separated),
    valence, consent, text."""
    return _read(place_dir, "reflections", rounds)


def read_events(place_dir: str | Path, rounds: Iterable[int] | None = None) -> pd.DataFrame:
    """Events from the events files and the learning log: round, date, kind, description."""
    events = _read(place_dir, "events", rounds)
    try:
        logged = _read(place_dir, "log", rounds)
    except StoreError:  # a store from before the learning log existed
        return events
    if logged.empty:
        return events
    both = pd.concat([events, logged], ignore_index=True)
    return both.sort_values(_ORDER["events"], ignore_index=True)


def read_files(place_dir: str | Path) -> pd.DataFrame:
    """The ingest log: every file ever ingested, superseded ones with ``active`` False."""
    return _read(place_dir, "files", None)


def read_sources(place_dir: str | Path) -> pd.DataFrame:
    """Files read from a survey tool's export: round, kind, sha256 (as in :func:`read_files`),
    tool, the raw copies of the export and of the mapping that read it, their hashes, sheet.

    Empty for a store whose rounds all came in evalkit's own layout.
    """
    try:
        return _read(place_dir, "sources", None)
    except StoreError:  # a store from before exports were read
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES["sources"]})


def ingested_rounds(place_dir: str | Path) -> list[int]:
    """Rounds that have an active ratings file, in order."""
    files = _read(place_dir, "files", None, where="active AND kind = 'ratings'")
    return sorted(int(r) for r in files["round"].unique())


def data_hash(place_dir: str | Path, rounds: Iterable[int] | None) -> str:
    """A fingerprint of the data behind a report: changes if any active file of those rounds does.

    Notes
    -----
    SHA-256 over the sorted lines ``"<round>:<kind>:<sha256>\\n"`` of the active files.
    """
    return files_hash(_read(place_dir, "files", rounds, where="active"))


def files_hash(files: pd.DataFrame, through_round: int | None = None) -> str:
    """:func:`data_hash` from an ingest log already read (its active files up to a round).

    Examples
    --------
    >>> files = pd.DataFrame({"round": [1, 2], "kind": ["ratings", "ratings"],
    ...                       "sha256": ["aa", "bb"], "active": [True, True]})
    >>> files_hash(files, 1) == files_hash(files[files["round"] == 1])
    True
    """
    files = files[files["active"]] if "active" in files else files
    if through_round is not None:
        files = files[files["round"] <= through_round]
    keys = zip(files["round"], files["kind"], files["sha256"], strict=True)
    lines = sorted(f"{r}:{k}:{s}\n" for r, k, s in keys)
    return hashlib.sha256("".join(lines).encode()).hexdigest()
