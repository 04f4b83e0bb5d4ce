"""Fingerprints of what a result is built from: the place's settings, its data and evalkit itself.

A report, a cached assessment or a build record is reused only while its fingerprint is the same,
so each fingerprint must cover everything the result reads. :func:`place_sha256` covers
``place.yml`` as the report sees it (the rounds up to its own, every organisation, alias, sector,
role and threshold) and the framework file's content; :func:`code_sha256` covers evalkit's own
files, so an edited checkout reruns its reports as a new version would.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

__all__ = ["code_sha256", "place_sha256", "sha256_json", "sha256_text"]

_CODE_SUFFIXES = {".py", ".j2", ".json", ".yml", ".css", ".ipynb"}


def sha256_text(text: str) -> str:
    """SHA-256 of UTF-8 text, in hex.

    >>> sha256_text("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_json(value) -> str:
    """SHA-256 of a value's canonical JSON (sorted keys; dates and paths as text)."""
    return sha256_text(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False))


@functools.cache
def code_sha256() -> str:
    """A hash of evalkit's own files (code, templates, frameworks, shipped notebooks)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def place_sha256(place, through_round: int | None = None) -> str:
    """A hash of a place's settings as a report up to ``through_round`` reads them.

    Every setting of ``place.yml`` counts (organisations and their aliases, sectors, roles,
    ``k_min``, names to mask, ...) except the rounds after ``through_round``, which such a report
    never shows, so naming next year's rounds does not rerun this year's reports. The framework
    counts by its content, whether built in or a file of the place's own.

    Examples
    --------
    >>> from evalkit.config import Place, Round, load_framework
    >>> fw = load_framework("system-behaviours")
    >>> place = Place(Path("x"), "x", "X", fw, (Round(1, "Spring"), Round(2, "Summer")), (),
    ...               sectors={}, roles={})
    >>> later = dataclasses.replace(place, rounds=(Round(1, "Spring"), Round(2, "Autumn")))
    >>> place_sha256(place, 1) == place_sha256(later, 1), place_sha256(place) == place_sha256(later)
    (True, False)
    """
    settings = {
        field.name: getattr(place, field.name)
        for field in dataclasses.fields(place)
        # how reports are written and by which notebooks count in each job's own inputs
        if field.name
        not in ("dir", "framework", "rounds", "organisations", "formats", "paper", "notebooks")
    }
    settings["rounds"] = [
        (r.number, r.label, r.date)
        for r in place.rounds
        if through_round is None or r.number <= through_round
    ]
    settings["framework"] = _framework_sha256(place.framework)
    settings["organisations"] = [(o.id, o.name, o.sector, o.aliases) for o in place.organisations]
    return sha256_json(settings)


def _framework_sha256(framework) -> str:
    source = Path(framework.source) if framework.source else None
    if source is not None and source.is_file():
        return hashlib.sha256(source.read_bytes()).hexdigest()
    return sha256_json(dataclasses.asdict(framework))
