"""The place's DuckDB store: its schema and the functions that read it.

Writing is :mod:`evalkit.data.ingest`'s job; everything here opens the store read-only, so many
report kernels can read at once. Respondents appear only as keyed hashes: raw ids never enter
the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
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
    "FILES_INDEX",
    "active_files",
    "data_hash",
    "files_hash",
    "remember_files",
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
    return sorted({r for r, kind, _ in active_files(place_dir) if kind == "ratings"})


def data_hash(place_dir: str | Path, rounds: Iterable[int] | None) -> str:
    """A fingerprint of the data behind a report: changes if any active file of those rounds does.

    Notes
    -----
    SHA-256 over the sorted lines ``"<round>:<kind>:<sha256>\\n"`` of the active files.
    """
    wanted = None if rounds is None else {int(r) for r in rounds}
    return files_hash([f for f in active_files(place_dir) if wanted is None or f[0] in wanted])


def files_hash(files: Iterable[tuple], through_round: int | None = None) -> str:
    """:func:`data_hash` from active files already read, ``(round, kind, sha256)`` each.

    Examples
    --------
    >>> files = [(1, "ratings", "aa"), (2, "ratings", "bb")]
    >>> files_hash(files, 1) == files_hash(files[:1])
    True
    """
    keys = [f for f in files if through_round is None or f[0] <= through_round]
    lines = sorted(f"{r}:{k}:{s}\n" for r, k, s in keys)
    return hashlib.sha256("".join(lines).encode()).hexdigest()


#: A small copy of the store's active files beside it, read when planning a cycle so that
#: hundreds of places can be planned without opening hundreds of stores.
FILES_INDEX = ".store-files.json"


def active_files(place_dir: str | Path) -> list[tuple[int, str, str]]:
    """The active files of the ingest log as ``(round, kind, sha256)``, oldest round first.

    Read from :data:`FILES_INDEX` when it was written for the store as it is now (the same file,
    size and times, and the same write-ahead log beside it: a process killed after committing
    leaves its data there), else from the store, and the index rewritten.

    Raises
    ------
    StoreError
        If there is no store yet.
    """
    path = store_path(place_dir)
    if not path.exists():
        raise StoreError(
            f"There is no store at {path} yet: run `evalkit ingest` for a round first."
        )
    index = Path(place_dir) / FILES_INDEX
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        stored = json.loads(index.read_text(encoding="utf-8"))
        if stored["store"] == _store_state(path):
            return [(int(r), str(k), str(s)) for r, k, s in stored["files"]]
    return remember_files(place_dir)


def _store_state(path: Path) -> list:
    """What changes whenever the store does: the file's and its write-ahead log's identity,
    size and times (the log is absent once DuckDB has checkpointed)."""
    state = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            s = file.stat()
        except FileNotFoundError:
            state.append(None)
            continue
        state.append([s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns])
    return state


def remember_files(place_dir: str | Path) -> list[tuple[int, str, str]]:
    """Read the active files from the store and keep them in :data:`FILES_INDEX` (called after
    every write to the store; planning reads the index)."""
    from evalkit._io import write_json

    path = store_path(place_dir)
    files = read_files(place_dir)
    files = files[files["active"]]
    rows = sorted(
        (int(r), str(k), str(s))
        for r, k, s in zip(files["round"], files["kind"], files["sha256"], strict=True)
    )
    with contextlib.suppress(OSError):  # a place this process may read but not write
        write_json(
            Path(place_dir) / FILES_INDEX,
            {"store": _store_state(path), "files": [list(r) for r in rows]},
        )
    return rows
