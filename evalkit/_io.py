"""Writing files so that a reader never sees half of one: atomic writes, and JSON for people.

Every file evalkit writes outside the store goes through :func:`write_atomic` (or its bytes,
text and JSON forms): the content goes to a hidden temporary file in the same folder, which is
flushed to disk and renamed over the target, and the folder itself is synced, so a crash leaves
the old file or the new one, never a mix. :func:`replace_dir` does the same for a whole folder.
:func:`jsonable` is the one conversion of results to JSON-ready values.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "fsync_dir",
    "jsonable",
    "replace_dir",
    "write_atomic",
    "write_bytes_atomic",
    "write_files",
    "write_json",
    "write_text_atomic",
]


def fsync_dir(folder: str | Path) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows, which cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then move the finished file to ``path`` in one step.

    The temporary file is hidden (``.NAME.XXXXXXXX.tmp``) beside ``path``; it is synced to disk
    before the rename and the folder after it. On any error it is removed and ``path`` is left
    as it was.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = write_atomic(Path(folder) / "a.txt", lambda p: p.write_text("hello"))
    ...     target.read_text(), sorted(p.name for p in Path(folder).iterdir())
    ('hello', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        write(temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def write_files(folder: str | Path, files: dict[str, bytes]) -> None:
    """Write files (relative name -> bytes) into a new folder's tree, each synced to disk.

    For a folder that is then moved into place whole with :func:`replace_dir`.
    """
    folder = Path(folder)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    fsync_dir(folder)


def write_bytes_atomic(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, lambda temp: temp.write_bytes(content))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json(path: str | Path, payload) -> Path:
    """Write ``payload`` (made :func:`jsonable`) as indented UTF-8 JSON, atomically."""
    text = json.dumps(jsonable(payload), indent=2, ensure_ascii=False, allow_nan=False)
    return write_text_atomic(path, text + "\n")


def replace_dir(source: Path, target: Path) -> None:
    """Swap the folder ``source`` in as ``target``; the old ``target`` goes only after the swap.

    Between the two renames ``target`` is briefly missing, never half-written; a folder left by
    an interruption is hidden (``.NAME.old-XXXXXXXX``) for the next run to remove.
    """
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    if target.exists():
        os.replace(target, old)
    os.replace(source, target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def jsonable(value, *, digits: int | None = None):
    """``value`` with every part JSON can hold: NaN and NA as None, numpy as Python, dates as text.

    Dicts, lists, tuples and DataFrames (as records) are converted all the way down. With
    ``digits``, floats are rounded to that many decimals and whole floats become ints, as
    ``summary.json`` shows them.

    Examples
    --------
    >>> import numpy as np
    >>> jsonable({"p": np.float64("nan"), "n": np.int64(3), "when": dt.date(2025, 3, 1)})
    {'p': None, 'n': 3, 'when': '2025-03-01'}
    >>> jsonable([0.123456, 2.0], digits=4)
    [0.1235, 2]
    """
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): jsonable(v, digits=digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, digits=digits) for v in value]
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict("records"), digits=digits)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if digits is not None:
            if value.is_integer() and abs(value) < 2**53:
                return int(value)
            return round(value, digits)
    return value
