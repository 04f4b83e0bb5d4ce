"""The catalogue of bad inputs, and good inputs in every format evalkit reads.

Every file listed in ``tests/data/bad/catalogue.yml`` is explained by ``evalkit validate`` (exit
2, in text and in JSON) and refused by ``evalkit ingest`` with the same problems, leaving the
place's store and ``raw/`` byte for byte as they were. Good files in other encodings, delimiters,
workbooks and answer labels give exactly the tidy rows of their plain UTF-8 CSV equivalent.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import importlib.util
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.cli import main
from evalkit.data import store
from evalkit.data.ingest import ingest_round
from evalkit.exceptions import ValidationError

BAD = Path(__file__).parent / "data" / "bad"
GOOD = BAD / "good"
CATALOGUE = yaml.safe_load((BAD / "catalogue.yml").read_text(encoding="utf-8"))
KEY = "5e" * 32  # one key for every copy of the place, so respondents hash alike in all
NOT_CATALOGUED = {"catalogue.yml", "make_xlsx.py", ".gitattributes", "good", "place", "mappings"}


def _make_xlsx():
    spec = importlib.util.spec_from_file_location("make_xlsx", BAD / "make_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_xlsx = _make_xlsx()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file's sha256 and every folder under ``folder``: equal snapshots = nothing changed."""
    return {
        p.relative_to(folder).as_posix(): "folder"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workbooks")
    make_xlsx.write_catalogue_workbooks(folder)
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """The catalogue's place with round 1 ingested: a store and raw/ to protect."""
    folder = tmp_path_factory.mktemp("base") / "larkhill"
    shutil.copytree(BAD / "place", folder)
    (folder / ".evalkit-key").write_text(KEY + "\n")
    ingest_round(folder, 1, ratings=GOOD / "ratings-round1.csv")
    return folder


@pytest.fixture
def place(ingested, tmp_path) -> Path:
    return shutil.copytree(ingested, tmp_path / "larkhill")


# --- the catalogue -------------------------------------------------------------------------------


def _entry_path(entry, workbooks: Path) -> Path:
    return (workbooks if entry["file"].endswith(".xlsx") else BAD) / entry["file"]


def _arguments(entry, path: Path) -> list[str]:
    files = {"ratings": GOOD / "ratings-round2.csv", entry["kind"]: path}
    if entry["kind"] == "export":  # a survey tool's export holds the ratings
        files = {"export": path}
        if "mapping" in entry:
            files["mapping"] = BAD / "mappings" / entry["mapping"]
    args = ["--round", str(entry["round"])]
    for kind, file in files.items():
        args += [f"--{kind}", str(file)]
    return args + (["--sheet", entry["sheet"]] if "sheet" in entry else [])


def _assert_listed(records: list[dict], expected: list[dict], file: str) -> None:
    """Every expected problem is reported once, and nothing else is."""
    left = list(records)
    for want in expected:
        hit = next(
            (
                r
                for r in left
                if (r["row"], r["column"]) == (want["row"], want["column"])
                and want["message"] in r["message"]
                and want.get("hint", "") in r["hint"]
                and Path(r["file"]).name == want.get("in", file)
            ),
            None,
        )
        assert hit is not None, f"{want} is not among {left}"
        left.remove(hit)
    assert not left, f"unexpected: {left}"


def test_the_catalogue_lists_every_file_in_the_folder_and_has_at_least_30(workbooks):
    listed = [entry["file"] for entry in CATALOGUE]
    assert len(listed) == len(set(listed)) >= 30
    on_disk = {p.name for p in BAD.iterdir() if p.name not in NOT_CATALOGUED}
    on_disk |= {p.name for p in workbooks.iterdir()}
    assert set(listed) == on_disk
    for entry in CATALOGUE:
        assert entry["kind"] in ("ratings", "ties", "reflections", "events", "export")
        assert entry["problems"], entry["file"]


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["file"] for e in CATALOGUE])
def test_validate_explains_and_ingest_refuses_without_writing(entry, place, workbooks, capsys):
    path = _entry_path(entry, workbooks)
    args = [str(place), *_arguments(entry, path)]
    before = snapshot(place)

    assert main(["validate", *args]) == 2
    text = capsys.readouterr().out
    for want in entry["problems"] + entry.get("warnings", []):
        assert want["message"] in text and want.get("hint", "") in text
    assert "Nothing was written" in text

    assert main(["validate", *args, "--json"]) == 2
    records = json.loads(capsys.readouterr().out)
    assert all(
        set(r) == {"file", "row", "column", "value", "message", "hint", "level"} for r in records
    )
    errors = [r for r in records if r["level"] == "error"]
    _assert_listed(errors, entry["problems"], entry["file"])
    warnings = [r for r in records if r["level"] == "warning"]
    _assert_listed(warnings, entry.get("warnings", []), entry["file"])

    assert main(["ingest", *args]) == 2
    refusal = capsys.readouterr().err
    assert all(want["message"] in refusal for want in entry["problems"])
    files = {k: v for k, v in zip(args[3::2], args[4::2], strict=False) if k != "--sheet"}
    with pytest.raises(ValidationError) as excinfo:
        ingest_round(
            place,
            entry["round"],
            sheet=entry.get("sheet"),
            **{option.removeprefix("--"): file for option, file in files.items()},
        )
    assert [p.to_dict() for p in excinfo.value.problems] == [
        {k: v for k, v in r.items() if k != "level"} for r in errors
    ]
    assert snapshot(place) == before


# --- good inputs in every format -----------------------------------------------------------------

PLAIN = GOOD / "ratings-round2.csv"
NO_ANSWER = ["Don't know", "N/A", "prefer not to say", " n/a ", "DK", "Don\u2019t know"]
END_LABELS = {"10": ["10 - Fully present", "Fully present (10)"], "1": ["Not present at all"]}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _rated(text: str, relabel) -> str:
    """The file with each rating cell (a number or blank) replaced by ``relabel(cell, i)``."""
    rows = _rows(text)
    count = 0
    for row in rows[1:]:
        for j in range(3, len(row)):
            new = relabel(row[j], count)
            count += new != row[j]
            row[j] = new
    return _csv(rows)


def _no_answer(cell: str, i: int) -> str:
    return NO_ANSWER[i % len(NO_ANSWER)] if cell == "" else cell


def _end_label(cell: str, i: int) -> str:
    labels = END_LABELS.get(cell)
    return labels[i % len(labels)] if labels else cell


# variant -> (bytes from the plain text, suffix, how validate describes it)
ENCODED = {
    "UTF-8 with BOM": (lambda t: codecs.BOM_UTF8 + t.encode(), "UTF-8 with BOM"),
    "UTF-16": (lambda t: t.encode("utf-16"), "UTF-16, comma"),
    "UTF-16 big-endian, tab": (
        lambda t: codecs.BOM_UTF16_BE + _csv(_rows(t), "\t").encode("utf-16-be"),
        "UTF-16, tab",
    ),
    "Windows-1252": (lambda t: t.encode("cp1252"), "Windows-1252"),
    "semicolons": (lambda t: _csv(_rows(t), ";").encode(), "UTF-8, semicolon"),
    "tabs": (lambda t: _csv(_rows(t), "\t").encode(), "UTF-8, tab"),
    "Windows line endings": (lambda t: t.replace("\n", "\r\n").encode(), "UTF-8, comma"),
    "no-answer labels": (lambda t: _rated(t, _no_answer).encode(), "UTF-8, comma"),
    "scale end labels": (lambda t: _rated(t, _end_label).encode(), "UTF-8, comma"),
}


def _variant(name: str, folder: Path, place: Path) -> tuple[Path, dict, str]:
    """Write the variant of the plain file; return its path, ingest options and description."""
    text = PLAIN.read_text(encoding="utf-8")
    if name in ENCODED:
        encode, described = ENCODED[name]
        path = folder / "ratings.csv"
        path.write_bytes(encode(text))
        return path, {}, described
    if name == "fractions allowed":
        with open(place / "place.yml", "a", encoding="utf-8") as handle:
            handle.write("allow_fraction_ratings: true\n")
        path = folder / "ratings.csv"
        path.write_text(_rated(text, lambda c, i: f"{c}/10" if c else c), encoding="utf-8")
        return path, {}, "UTF-8, comma"
    rows = make_xlsx.rows_of_csv(PLAIN)
    if name == "workbook, one sheet":
        path = make_xlsx.write_workbook(folder / "ratings.xlsx", {"Survey": rows})
        return path, {}, "sheet 'Survey'"
    sheets = {
        "Notes": [["Exported on 1 October"]],
        "Round 1": make_xlsx.rows_of_csv(GOOD / "ratings-round1.csv"),
        "Round 2": rows,
    }
    path = make_xlsx.write_workbook(folder / "ratings.xlsx", sheets)
    return path, {"sheet": "Round 2"}, "sheet 'Round 2'"


VARIANTS = [*ENCODED, "fractions allowed", "workbook, one sheet", "workbook, --sheet"]


@pytest.fixture(scope="module")
def plain_rows(ingested, tmp_path_factory) -> pd.DataFrame:
    folder = shutil.copytree(ingested, tmp_path_factory.mktemp("plain") / "larkhill")
    ingest_round(folder, 2, ratings=PLAIN)
    return store.read_ratings(folder)


@pytest.mark.parametrize("name", VARIANTS)
def test_good_input_gives_the_rows_of_its_plain_csv(name, place, plain_rows, tmp_path, capsys):
    path, options, described = _variant(name, tmp_path, place)
    sheet = ["--sheet", options["sheet"]] if options else []
    args = [str(place), "--round", "2", "--ratings", str(path), *sheet]
    assert main(["validate", *args]) == 0
    report = capsys.readouterr().out
    assert report.startswith("All good") and described in report and "warning" not in report

    assert main(["ingest", *args]) == 0
    n = (plain_rows["round"] == 2).sum()
    assert capsys.readouterr().out == f"Round 2: ratings ingested ({n} rows).\n"
    pd.testing.assert_frame_equal(store.read_ratings(place), plain_rows)
    files = store.read_files(place)
    [raw_path] = files.loc[files["round"] == 2, "raw_path"]
    assert (place / raw_path).read_bytes() == path.read_bytes()
    assert raw_path.endswith(path.suffix)


@pytest.mark.parametrize("form", ["Windows-1252", "workbooks"])
def test_ties_reflections_and_events_in_other_forms_give_the_same_rows(form, ingested, tmp_path):
    """Accented names and text survive Windows-1252; workbook dates are read as dates."""
    plain = {
        kind: GOOD / f"{kind}-round2.csv" for kind in ("ratings", "ties", "reflections", "events")
    }
    other = {}
    for kind, path in plain.items():
        if form == "workbooks":
            rows = make_xlsx.rows_of_csv(path)
            other[kind] = make_xlsx.write_workbook(tmp_path / f"{kind}.xlsx", {kind: rows})
        else:
            other[kind] = tmp_path / f"{kind}.csv"
            other[kind].write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    read = {}
    for label, files in (("plain", plain), ("other", other)):
        folder = shutil.copytree(ingested, tmp_path / label)
        ingest_round(folder, 2, **files)
        read[label] = [
            reader(folder)
            for reader in (store.read_ties, store.read_reflections, store.read_events)
        ]
    for plain_table, other_table in zip(read["plain"], read["other"], strict=True):
        pd.testing.assert_frame_equal(plain_table, other_table)
    reflections = read["other"][1]
    assert "café included" in reflections["text"].iloc[0] + reflections["text"].iloc[1]
