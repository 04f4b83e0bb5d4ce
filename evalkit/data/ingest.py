"""Load a checked round into the place's store in one transaction, keeping the raw files.

:func:`ingest_round` validates the files (:mod:`evalkit.data.validate`), pseudonymises respondents
(:mod:`evalkit.data.keys`), copies each file byte for byte into ``raw/round-NN/`` and loads its
tidy rows into the DuckDB store, all or nothing: a failure at any point leaves the place folder
as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from evalkit._io import fsync_dir
from evalkit.config import Place, load_place, raw_dir, store_path
from evalkit.data import store
from evalkit.data.keys import KEY_FILE, key_fingerprint, load_or_create_key, pseudonymise
from evalkit.data.problems import warning_lines
from evalkit.data.validate import RoundCheck, ValidatedFile, ValidatedRound, validate_round
from evalkit.exceptions import EvalkitError, Problem, StoreError

__all__ = ["IngestResult", "ingest_round", "store_conflicts"]


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with each kind of file: ``"ingested"``, ``"unchanged"`` or ``"replaced"``.

    Examples
    --------
    >>> print(IngestResult(2, {"ratings": "replaced", "events": "unchanged"}, {"ratings": 90}))
    Round 2: ratings replaced (90 rows), events unchanged.
    """

    round_number: int
    status: dict[str, str]
    rows: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        parts = []
        for kind, status in self.status.items():
            n = self.rows.get(kind)
            parts.append(f"{kind} {status}" + ("" if n is None else f" ({n} row{'s' * (n != 1)})"))
        text = f"Round {self.round_number}: {', '.join(parts)}."
        return text + (f"\n{warning_lines(self.warnings)}" if self.warnings else "")


def _active_files(con: duckdb.DuckDBPyConnection, round_number: int) -> dict[str, dict]:
    rows = con.execute("SELECT * FROM files WHERE round = ? AND active", [round_number]).df()
    return {row["kind"]: row for row in rows.to_dict("records")}


def _differs(kind: str, new: ValidatedFile, old: dict) -> str:
    return (
        f"{kind}: {new.path} (sha256 {new.sha256[:12]}) differs from the "
        f"'{old['filename']}' ingested {old['ingested_at']:%Y-%m-%d %H:%M} UTC "
        f"(sha256 {old['sha256'][:12]}, kept as {old['raw_path']})"
    )


def _plan(active: dict[str, dict], checked: ValidatedRound, replace: bool) -> dict[str, str]:
    plan, conflicts = {}, []
    for kind, new in checked.files.items():
        old = active.get(kind)
        if old is None:
            plan[kind] = "ingested"
        elif old["sha256"] == new.sha256:
            plan[kind] = "unchanged"
        elif replace:
            plan[kind] = "replaced"
        else:
            conflicts.append(f"  - {_differs(kind, new, old)}")
    if conflicts:
        raise StoreError(
            f"Round {checked.round_number} already has different files:\n"
            + "\n".join(conflicts)
            + "\nIf the new files are the right ones, use --replace "
            "(the earlier files stay in raw/)."
        )
    return plan


def _read_active(place: Place, round_number: int) -> dict[str, dict]:
    """The round's files already in the store (none if there is no store yet); read-only."""
    if not store_path(place.dir).exists():
        return {}
    con = store.connect(place.dir)
    with contextlib.closing(con), contextlib.suppress(duckdb.CatalogException):
        return _active_files(con, round_number)
    return {}


def store_conflicts(place: Place, check: RoundCheck) -> list[Problem]:
    """Warnings for checked files that differ from those already ingested for their round.

    Ingest refuses such a file unless told ``replace``; this says so before it is tried.
    """
    active = _read_active(place, check.round_number)
    return [
        Problem(
            str(new.path),
            None,
            None,
            None,
            f"is not the {kind} file already ingested for round {check.round_number} "
            f"('{active[kind]['filename']}', {active[kind]['ingested_at']:%Y-%m-%d %H:%M} UTC)",
            "Ingest refuses it unless you add --replace (the earlier file stays in raw/).",
        )
        for kind, new in check.files.items()
        if kind in active and active[kind]["sha256"] != new.sha256
    ]


def _load_kind(con, checked: ValidatedRound, kind: str, raw_path: str, key: bytes) -> int:
    """Replace the round's rows of one kind, inside the caller's transaction."""
    new = checked.files[kind]
    table = new.table.assign(round=checked.round_number)
    if "respondent_id" in table:
        ids = table["respondent_id"].unique()
        hashed = dict(zip(ids, pseudonymise(ids, key), strict=True))
        table["respondent"] = table["respondent_id"].map(hashed)
    table = table[list(store.TABLES[kind])]
    n = checked.round_number
    con.execute("UPDATE files SET active = false WHERE round = ? AND kind = ?", [n, kind])
    con.execute(f"DELETE FROM {kind} WHERE round = ?", [n])
    con.register("incoming", table)
    try:
        con.execute(f"INSERT INTO {kind} SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, true)",
        [n, kind, new.path.name, new.sha256, raw_path, now],
    )
    return len(table)


def _undo(created: list[Path]) -> None:
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)


def ingest_round(
    place_dir: str | Path,
    round_number: int,
    *,
    ratings=None,
    ties=None,
    reflections=None,
    events=None,
    log=None,
    sheet: str | None = None,
    replace: bool = False,
    export=None,
    mapping=None,
    new_key: bool = False,
) -> IngestResult:
    """Check a round's files and load them into the place's store, all or nothing.

    Parameters
    ----------
    ratings, ties, reflections, events : str or Path
        The round's files (CSV or Excel workbooks). Files already ingested with the same bytes
        are left as they are.
    export, mapping : str or Path, optional
        A survey tool's export (Qualtrics, SurveyMonkey, Microsoft Forms, Google Forms,
        KoboToolbox) and the mapping file that reads it, in place of ``ratings``, ``ties`` and
        ``reflections``; without ``mapping`` the export must be of a questionnaire evalkit wrote.
        Both are kept in ``raw/round-NN/`` (``export.<hash>.csv``, ``mapping.<hash>.yml``) and
        the store's ``sources`` table says which mapping read which export.
    sheet : str, optional
        The sheet to read in each workbook (required for a workbook with several sheets).
    replace : bool
        Replace files already ingested for this round by different ones (the earlier raw files
        are kept, marked inactive).
    new_key : bool
        Make a new pseudonymisation key although the store already holds rounds: only for a key
        lost for good, since respondents from then on are not linked to earlier rounds.

    Returns
    -------
    IngestResult
        Per kind: ``"ingested"``, ``"unchanged"`` or ``"replaced"``; and the warnings.

    Raises
    ------
    ValidationError
        If any file has problems.
    StoreError
        If a file differs from the one already ingested for its kind and round, without
        ``replace``; if the place's key is missing (without ``new_key``) or is not the key the
        store was made with.

    Notes
    -----
    Rows are loaded in one DuckDB transaction. Raw copies go to temporary names in
    ``raw/round-NN/`` and are renamed to ``<kind>.<12 hex of sha256>.csv`` (``.xlsx`` for a
    workbook), byte for byte as received, just before COMMIT; on any
    error the transaction is rolled back and every file and folder created is removed.
    """
    if export is not None and (ratings or ties or reflections):
        raise EvalkitError(
            "Give the round's ratings file (with its ties and reflections files), or a survey "
            "tool's export, not both."
        )
    place = load_place(place_dir)
    checked = validate_round(
        place,
        round_number,
        ratings=ratings,
        ties=ties,
        reflections=reflections,
        events=events,
        log=log,
        sheet=sheet,
        export=export,
        mapping=mapping,
    )
    plan = _plan(_read_active(place, round_number), checked, replace)
    if all(status == "unchanged" for status in plan.values()):
        return IngestResult(round_number, plan, warnings=checked.warnings)
    rows, notes = _load(place, checked, plan, replace, new_key)
    return IngestResult(round_number, plan, rows, (*checked.warnings, *notes))


def _load(
    place: Place, checked: ValidatedRound, plan: dict[str, str], replace: bool, new_key: bool
) -> tuple[dict, list[Problem]]:
    """Copy raw files and load rows for the kinds not unchanged.

    Returns the rows loaded per kind, and a warning when a new key had to be made.
    """
    round_number = checked.round_number
    target = raw_dir(place.dir, round_number)
    db = store_path(place.dir)
    recorded, has_data = _key_record(place)
    _remove_stale_copies(place)
    created = [] if db.exists() else [db, db.with_name(db.name + ".wal")]
    renames: list[tuple[Path, Path]] = []
    try:
        key, replaced = load_or_create_key(
            place.dir, created, recorded=recorded, has_data=has_data, new_key=new_key
        )
        for folder in (target.parent, target):
            if not folder.exists():
                folder.mkdir()
                created.append(folder)
        raw_paths: dict[str, str] = {}
        copies: dict[Path, bytes] = {}
        sources: dict[str, list] = {}
        for kind in [kind for kind, status in plan.items() if status != "unchanged"]:
            new = checked.files[kind]
            origin = new.origin
            if origin is None:
                final = target / f"{kind}.{new.sha256[:12]}{new.suffix}"
                copies[final] = new.content
            else:  # read from an export: keep the export and the mapping that read it
                final = target / f"export.{origin.sha256[:12]}{origin.suffix}"
                kept_mapping = target / f"mapping.{origin.mapping_sha256[:12]}.yml"
                copies[final] = origin.content
                copies[kept_mapping] = origin.mapping_content
                sources[kind] = [
                    new.sha256,
                    origin.tool,
                    final.relative_to(place.dir).as_posix(),
                    origin.sha256,
                    kept_mapping.relative_to(place.dir).as_posix(),
                    origin.mapping_sha256,
                    origin.sheet,
                ]
            raw_paths[kind] = final.relative_to(place.dir).as_posix()
        for final, content in copies.items():
            if not final.exists():  # raw copies are never overwritten
                temp = target / f".{final.name}.{secrets.token_hex(4)}.tmp"
                created.append(temp)
                with open(temp, "xb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
                renames.append((temp, final))
        con = store.connect(place.dir, read_only=False)
        with contextlib.closing(con):
            try:
                con.execute("BEGIN TRANSACTION")
                store.create_tables(con)
                if _plan(_active_files(con, round_number), checked, replace) != plan:
                    raise StoreError("The store changed during ingest: run the ingest again.")
                rows = {
                    kind: _load_kind(con, checked, kind, path, key)
                    for kind, path in raw_paths.items()
                }
                for kind, record in sources.items():
                    con.execute(
                        "DELETE FROM sources WHERE round = ? AND kind = ? AND sha256 = ?",
                        [round_number, kind, record[0]],
                    )
                    con.execute(
                        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [round_number, kind, *record],
                    )
                con.execute("DELETE FROM meta WHERE name = 'key_fingerprint'")
                con.execute(
                    "INSERT INTO meta VALUES ('key_fingerprint', ?)", [key_fingerprint(key)]
                )
                # Raw copies get their final names before COMMIT, so a committed store never
                # names a file that only a hidden temporary holds. Named by content hash, a
                # copy left by a kill before COMMIT is complete and is reused next time.
                for temp, final in renames:
                    temp.rename(final)
                    created.append(final)
                if renames:
                    fsync_dir(target)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
    except BaseException:
        _undo(created)
        raise
    store.remember_files(place.dir)
    notes = []
    if replaced:
        notes.append(
            Problem(
                str(place.dir / KEY_FILE),
                None,
                None,
                None,
                f"is a new key: respondents from round {round_number} on are not linked to "
                "those of earlier rounds",
                "Keep a backup of this key outside the place folder.",
            )
        )
    return rows, notes


def _record_key(con, key: bytes) -> None:
    """Keep the key's fingerprint in the store, inside the caller's transaction."""
    con.execute("DELETE FROM meta WHERE name = 'key_fingerprint'")
    con.execute("INSERT INTO meta VALUES ('key_fingerprint', ?)", [key_fingerprint(key)])


def _key_record(place: Place) -> tuple[str | None, bool]:
    """The key fingerprint the store holds (None if none), and whether it holds any round."""
    if not store_path(place.dir).exists():
        return None, False
    con = store.connect(place.dir)
    with contextlib.closing(con):
        try:
            has_data = bool(con.execute("SELECT count(*) FROM files").fetchone()[0])
        except duckdb.CatalogException:
            return None, False
        try:
            found = con.execute("SELECT value FROM meta WHERE name = 'key_fingerprint'").fetchone()
        except duckdb.CatalogException:  # a store from before the key was recorded
            found = None
    return (found[0] if found else None), has_data


def _remove_stale_copies(place: Place) -> None:
    """Hidden temporary raw copies left by an ingest that was killed before it could rename
    them: never named by the store, so never needed."""
    for left in raw_dir(place.dir).glob("round-*/.*.tmp"):
        with contextlib.suppress(OSError):
            left.unlink()
