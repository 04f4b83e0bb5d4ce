"""Writing the demo as place folders: ``place.yml``, ``incoming/round-NN/*.csv`` as a survey tool
would export them, and ``truth.json``; and ingesting them as ``make demo`` does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from evalkit.demo.exports import EXPORTERS
from evalkit.demo.simulator import PROGRAMME, simulate
from evalkit.exceptions import EvalkitError

__all__ = ["ingest_incoming", "write_demo", "write_programme"]


_GENERATED = ("place.yml", "truth.json", "incoming", "mapping.yml")

#: The file a demo place's mapping is written to, beside place.yml.
MAPPING_FILE = "mapping.yml"


_INGESTED = ("raw", ".evalkit-key")  # and store.duckdb*


def write_demo(
    out_dir,
    *,
    seed: int = 1,
    name: str = "Northbridge",
    n_rounds: int = 8,
    variant: int = 0,
    layout: str = "evalkit",
) -> Path:
    """Write a fictional place folder (``place.yml``, ``incoming/``, ``truth.json``) to ``out_dir``.

    ``layout`` "evalkit" writes each round's ratings, ties and reflections in evalkit's layout;
    "export" writes them as the survey tool of :data:`~evalkit.demo.exports.EXPORTERS` exports
    them (``incoming/round-NN/export.csv``), with ``mapping.yml`` beside ``place.yml``.

    A folder holding an earlier demo is rewritten; a folder holding anything else, or a store
    ingested from a different demo, is refused, so nothing is lost or left stale. ``seed``,
    ``name``, ``n_rounds`` and ``variant`` are as for :func:`simulate`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     place_dir = write_demo(Path(tmp) / "demo")
    ...     sorted(p.name for p in (place_dir / "incoming" / "round-05").iterdir())
    ['events.csv', 'ratings.csv', 'reflections.csv', 'ties.csv']
    """
    out = Path(out_dir)
    data = simulate(seed, n_rounds, name=name, variant=variant)
    truth_json = json.dumps(data.truth, indent=2, ensure_ascii=False) + "\n"
    _clear_previous_demo(out, truth_json)
    out.mkdir(parents=True, exist_ok=True)
    (out / "place.yml").write_text(_place_yaml(data.place, seed, variant), encoding="utf-8")
    (out / "truth.json").write_text(truth_json, encoding="utf-8")
    exporter = EXPORTERS.get(name) if layout == "export" else None
    if layout == "export" and exporter is None:
        raise EvalkitError(f"The demo writes no survey tool's export for {name}.")
    if exporter is not None:
        (out / MAPPING_FILE).write_text(exporter[1](data), encoding="utf-8")
    for r in data.truth["rounds"]:
        folder = out / "incoming" / f"round-{r:02d}"
        folder.mkdir(parents=True)
        if exporter is not None:
            (folder / "export.csv").write_bytes(exporter[0](data, r, seed))
        kinds = ("events",) if exporter else ("ratings", "ties", "reflections", "events")
        for kind in kinds:
            frame = getattr(data, kind)
            rows = frame.loc[frame["round"] == r]
            rows = rows if kind == "events" else rows.drop(columns="round")
            rows.to_csv(folder / f"{kind}.csv", index=False, lineterminator="\n", encoding="utf-8")
    return out


def ingest_incoming(place_dir) -> list:
    """Ingest every round a demo wrote under ``incoming/round-NN/``, in order (as ``make demo``).

    Returns the :class:`~evalkit.data.ingest.IngestResult` of each round.
    """
    from evalkit.data.ingest import ingest_round

    results = []
    for folder in sorted((Path(place_dir) / "incoming").glob("round-[0-9][0-9]")):
        files = {kind: folder / f"{kind}.csv" for kind in ("ties", "reflections", "events")}
        if (folder / "export.csv").exists():  # a survey tool's export, read by mapping.yml
            files = {
                "export": folder / "export.csv",
                "mapping": Path(place_dir) / MAPPING_FILE,
                "events": folder / "events.csv",
            }
        else:
            files["ratings"] = folder / "ratings.csv"
        results.append(
            ingest_round(
                place_dir,
                int(folder.name.split("-")[1]),
                **{kind: path for kind, path in files.items() if path.exists()},
            )
        )
    return results


def write_programme(out_dir, *, n_rounds: int = 8, layout: str = "export") -> list[Path]:
    """Write the demo programme: one place folder per entry of :data:`PROGRAMME` in ``out_dir``.

    With ``layout`` "export" (the default, as ``make demo``), the places of
    :data:`~evalkit.demo.exports.EXPORTERS` come as survey tools' exports (Kingsford from
    Qualtrics, Millbrook from KoboToolbox) and the others in evalkit's layout; "evalkit" writes
    every place in evalkit's layout.

    Each place is written by :func:`write_demo` into a sub-folder named after it in lower case
    (``northbridge``, ...), which is also its place id; ``out_dir`` may hold other places too.

    Returns
    -------
    list of Path
        The place folders, Northbridge (the default demo place) first.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_programme(tmp, n_rounds=7)]
    ['northbridge', 'kingsford', 'millbrook']
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise EvalkitError(f"{out} is a file; give a folder for the demo programme.")
    return [
        write_demo(
            out / "-".join(name.lower().split()),
            seed=seed,
            name=name,
            n_rounds=n_rounds,
            variant=variant,
            layout="export" if layout == "export" and name in EXPORTERS else "evalkit",
        )
        for name, seed, variant in PROGRAMME
    ]


def _place_yaml(place: dict, seed: int, variant: int = 0) -> str:
    """place.yml as people write it: one line per round and per organisation."""

    def dump(value, flow: bool) -> str:
        return yaml.safe_dump(
            value, sort_keys=False, allow_unicode=True, width=1_000, default_flow_style=flow
        )

    made = f"seed {seed}" + (f", variant {variant}" if variant else "")
    text = f"# A fictional place generated by evalkit.demo ({made}); not real data.\n"
    for key, value in place.items():
        if isinstance(value, list) and not all(isinstance(item, dict) for item in value):
            text += f"{key}: {dump(value, True)}"  # a list of names, on one line
        elif isinstance(value, list):
            text += f"{key}:\n" + "".join(f"  - {dump(item, True)}" for item in value)
        else:
            text += dump({key: value}, False)
    return text


def _clear_previous_demo(out: Path, truth_json: str) -> None:
    """Remove an earlier demo's generated files; refuse if anything else would be lost or stale."""
    if out.exists() and not out.is_dir():
        raise EvalkitError(f"{out} is a file; give a folder for the demo place.")
    entries = sorted(p.name for p in out.iterdir()) if out.exists() else []
    ingested = [e for e in entries if e in _INGESTED or e.startswith("store.duckdb")]
    other = [e for e in entries if e not in _GENERATED and e not in ingested]
    if other:
        raise EvalkitError(
            f"{out} already holds files that are not part of a demo ({', '.join(other[:5])}). "
            "Choose a new or empty folder for the demo."
        )
    earlier = out / "truth.json"
    if ingested and (not earlier.exists() or earlier.read_text(encoding="utf-8") != truth_json):
        raise EvalkitError(
            f"{out} holds a store ingested from a different demo; delete the folder, or choose "
            "a new one, to start again."
        )
    for name in _GENERATED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
