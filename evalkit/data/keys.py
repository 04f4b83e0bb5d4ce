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

__all__ = ["KEY_FILE", "key_fingerprint", "load_or_create_key", "pseudonymise", "read_key"]


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


def key_fingerprint(key: bytes) -> str:
    """A fingerprint of the key, kept in the store to tell the right key from another.

    It is an HMAC of a fixed text under the key, so it says nothing about the key itself.

    >>> key_fingerprint(bytes(32))
    '644c6ee3eeb21a32753db67a65ff4e9c'
    """
    return hmac.new(key, b"evalkit key check", hashlib.sha256).hexdigest()[:32]


def read_key(place_dir: Path) -> bytes | None:
    """The place's key, or None when there is no key file; a damaged one is refused."""
    path = Path(place_dir) / KEY_FILE
    if not path.exists():
        return None
    with contextlib.suppress(ValueError, OSError):
        key = bytes.fromhex(path.read_text().strip())
        if len(key) == 32:
            return key
    raise StoreError(
        f"{path} is not a valid key: restore it from a backup (a new key would stop "
        "respondents being linked across rounds)."
    )


def load_or_create_key(
    place_dir: Path, created: list[Path], *, recorded: str | None, has_data: bool, new_key: bool
) -> tuple[bytes, bool]:
    """The key to pseudonymise this ingest with, and whether it is a new one.

    ``recorded`` is the key fingerprint the store holds (None for a store without one) and
    ``has_data`` whether the store already holds rounds. A missing key is created only for a
    place with no data yet, or when asked (``new_key``); a key that does not reproduce the
    recorded fingerprint is refused. A created key file is appended to ``created`` so a failed
    ingest can remove it.
    """
    path = Path(place_dir) / KEY_FILE
    key = read_key(place_dir)
    if key is not None:
        if recorded is not None and key_fingerprint(key) != recorded:
            raise StoreError(
                f"{path} is not the key this place's store was made with, so its respondents "
                "would not be linked to earlier rounds. Put the right key back in its place "
                "(from the backup you keep of it) and ingest again."
            )
        return key, False
    if has_data and not new_key:
        raise StoreError(
            f"{path} is missing, but the store already holds rounds pseudonymised with it. "
            f"Restore the key from your backup (copy it to {path}: note that 'cp -r place/*' "
            "skips this hidden file) and ingest again. Only if it is lost for good, ingest with "
            "--new-key: respondents from then on will not be linked to those of earlier rounds."
        )
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    created.append(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
    return key, has_data
