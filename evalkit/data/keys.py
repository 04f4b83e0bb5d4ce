"""Pseudonymous respondents: ids are replaced at ingest by a keyed hash (HMAC-SHA256) under the
place's secret key, so the same person is followed across rounds and no raw id enters the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from evalkit.exceptions import StoreError

__all__ = [
    "pseudonymise",
    "KEY_FILE",
]


KEY_FILE = ".evalkit-key"


def pseudonymise(ids: Iterable[str], key: bytes) -> list[str]:
    """Replace respondent ids by keyed hashes: the first 16 hex digits of HMAC-SHA256(key, id).

    The same id and key always give the same hash, so respondents can be followed across rounds;
    without the key, ids cannot be recovered by hashing likely ones.

    Examples
    --------
    >>> pseudonymise(["R001", "R002", "R001"], bytes(32))
    ['52be4ad659a411e0', 'ab744b319961a3fe', '52be4ad659a411e0']
    """
    return [hmac.new(key, str(i).encode("utf-8"), hashlib.sha256).hexdigest()[:16] for i in ids]


def load_or_create_key(place_dir: Path, created: list[Path]) -> bytes:
    path = place_dir / KEY_FILE
    if path.exists():
        with contextlib.suppress(ValueError):
            key = bytes.fromhex(path.read_text().strip())
            if len(key) == 32:
                return key
        raise StoreError(
            f"{path} is not a valid key: restore it from a backup (a new key "
            "would stop respondents being linked across rounds)."
        )
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    created.append(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
    return key
