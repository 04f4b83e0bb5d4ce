"""Nobody exposed: no group under k_min can be seen or worked out by subtraction, no output holds
a respondent id, a contact detail or the key, and exports cannot run formulas."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import indicators
from evalkit.config import load_place
from evalkit.data import store
from evalkit.data.export import FORMULA_PREFIXES, neutralise, write_csv, write_xlsx
from evalkit.data.keys import KEY_FILE
from evalkit.indicators import LEVEL_COLUMNS
from evalkit.privacy import hidden_groups

# --- subtraction-safe suppression ---------------------------------------------------------------


def _audit(sizes: dict[str, int], hidden: dict[str, bool], k_min: int) -> list[str]:
    """What a reader could work out of sibling groups shown beside their total.

    The reader knows the shown counts, the total (shown when it is at least ``k_min``) and that
    every group listed holds at least one person, so each hidden group holds from 1 to
    H - (h - 1), with H the hidden groups' total and h their number.
    """
    problems = [f"{g} ({n}) is shown" for g, n in sizes.items() if n < k_min and not hidden[g]]
    people = {g: n for g, n in sizes.items() if n > 0}
    concealed = {g: n for g, n in people.items() if hidden[g]}
    total = sum(people.values())
    if not concealed or total < k_min:  # nothing hidden, or the total is hidden too
        return problems
    h, count = sum(concealed.values()), len(concealed)
    if count < 2:
        problems.append(f"{list(concealed)} is the total minus the groups shown")
    if h < k_min:
        problems.append(f"{list(concealed)} hold {h} people together, fewer than {k_min}")
    if count < len(people) and h - (count - 1) <= 1:
        problems.append(f"{list(concealed)} can only hold one person each")
    complements = [n for n in concealed.values() if n >= k_min]
    shown = [n for g, n in people.items() if not hidden[g]]
    if complements and shown and max(complements) > min(shown):
        problems.append("a larger group is hidden while a smaller one is shown")
    if complements:  # hiding one group fewer would not have been enough
        last = max(complements)
        fewer, rest = count - 1, h - last
        if fewer >= 2 and rest >= k_min and rest > fewer:
            problems.append(f"a group of {last} is hidden without need")
    return problems


def _sibling_table(sets: list[list[int]]) -> pd.DataFrame:
    rows = []
    for i, sizes in enumerate(sets):
        rows.append({"round": i, "group_by": "all", "group": "all", "n": sum(sizes)})
        rows += [
            {"round": i, "group_by": "sector", "group": f"s{j}", "n": n}
            for j, n in enumerate(sizes)
        ]
    return pd.DataFrame(rows)


@settings(max_examples=400, deadline=None)
@given(
    sets=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=8), min_size=1, max_size=3),
    k_min=st.integers(1, 12),
    order=st.randoms(use_true_random=False),
)
def test_no_hidden_group_can_be_worked_out_from_the_total(sets, k_min, order):
    table = _sibling_table(sets)
    shuffled = table.sample(frac=1, random_state=order.randrange(2**32))
    hidden = hidden_groups(shuffled, k_min=k_min, within=["round", "group_by"]).reindex(table.index)
    for i, sizes in enumerate(sets):
        total = table.index[(table["round"] == i) & (table["group_by"] == "all")]
        assert hidden[total].item() == (sum(sizes) < k_min)
        groups = table[(table["round"] == i) & (table["group_by"] == "sector")]
        flags = dict(zip(groups["group"], hidden[groups.index], strict=True))
        sizes_by_group = dict(zip(groups["group"], groups["n"], strict=True))
        assert _audit(sizes_by_group, flags, k_min) == [], (sizes, k_min, flags)


@pytest.mark.parametrize(
    ("sizes", "k_min", "expected"),
    [
        ([3, 18, 29, 60], 5, [True, True, False, False]),  # one small: the next smallest too
        ([3, 4, 29, 60], 5, [True, True, False, False]),  # two small that protect each other
        ([1, 2, 29, 60], 5, [True, True, True, False]),  # 1 + 2 < 5: one more
        ([1, 1, 1, 1, 1, 60], 5, [True] * 5 + [True]),  # five ones: each would be exactly one
        ([1, 1, 1, 1, 1, 7, 60], 5, [True] * 6 + [False]),
        ([0, 29, 60], 5, [True, False, False]),  # nobody: hidden, protects nothing, needs nothing
        ([5, 29, 60], 5, [False, False, False]),
        ([2], 5, [True]),
    ],
)
def test_hidden_groups_by_hand(sizes, k_min, expected):
    table = _sibling_table([sizes]).query("group_by == 'sector'")
    assert hidden_groups(table, k_min=k_min, within=["round"]).tolist() == expected


def test_hidden_groups_ties_break_by_name_and_rows_hidden_for_another_reason_count():
    table = pd.DataFrame({"group": ["b", "a", "c", "d"], "n": [12, 12, 2, 40]})
    assert hidden_groups(table, k_min=5, within=[]).tolist() == [False, True, True, False]
    also = pd.Series([False, False, False, True])
    assert hidden_groups(table, k_min=5, within=[], also=also).tolist() == [
        False,
        False,
        True,
        True,
    ]


def _true_answers(ratings: pd.DataFrame) -> pd.Series:
    """Answers per round, behaviour, group_by and group, counted straight from the ratings."""
    answered = ratings.dropna(subset=["rating"])
    everyone = answered.groupby(["round", "behaviour"]).size().rename("n").reset_index()
    parts = [everyone.assign(group_by="all", group="all")]
    for column in ("sector", "role"):
        part = answered.groupby(["round", "behaviour", column]).size().rename("n").reset_index()
        parts.append(part.rename(columns={column: "group"}).assign(group_by=column))
    counts = pd.concat(parts, ignore_index=True)
    return counts.set_index(["round", "behaviour", "group_by", "group"])["n"]


def _audit_table(table: pd.DataFrame, sizes: pd.Series, k_min: int) -> tuple[list[str], int]:
    """Audit every set of a level-like table against true sizes; also count complements."""
    flags = table.set_index(["round", "behaviour", "group_by", "group"])["suppressed"]
    problems, complements = [], 0
    for (round_number, behaviour), everyone in sizes.groupby(level=["round", "behaviour"]):
        total = everyone.xs("all", level="group_by").item()
        for group_by in ("sector", "role"):
            groups = everyone.xs(group_by, level="group_by").droplevel(["round", "behaviour"])
            assert groups.sum() == total  # the groups add up: subtraction is the real threat
            hidden = {g: bool(flags[(round_number, behaviour, group_by, g)]) for g in groups.index}
            found = _audit(groups.to_dict(), hidden, k_min)
            problems += [f"round {round_number}, {behaviour}, {group_by}: {p}" for p in found]
            complements += sum(hidden[g] and n >= k_min for g, n in groups.items())
    return problems, complements


@pytest.mark.parametrize("k_min", [5, 30])
def test_the_demo_level_tables_leave_nothing_to_work_out(demo_place, k_min):
    place = load_place(demo_place)
    ratings = store.read_ratings(demo_place)
    groupings = ("all", "sector", "role")
    levels = indicators.level(ratings, place.framework, group_by=groupings, k_min=k_min)
    problems, complements = _audit_table(levels, _true_answers(ratings), k_min)
    assert problems == []
    assert complements > 0, "the demo should need a group hidden to protect another"
    assert levels.loc[levels["suppressed"], LEVEL_COLUMNS].isna().all().all()
    # the framework-group indexes count complete cases: audit them against their own counts
    indexes = indicators.index_level(ratings, place.framework, group_by=groupings, k_min=k_min)
    counts = indicators.index_level(ratings, place.framework, group_by=groupings, k_min=1)
    sizes = counts.set_index(["round", "behaviour", "group_by", "group"])["n"].astype(int)
    problems, _ = _audit_table(indexes, sizes, k_min)
    assert problems == []


@pytest.mark.parametrize("k_min", [5, 30])
def test_every_table_of_a_round_hides_the_same_groups(demo_place, k_min):
    """Each table protects its groups, and hides the same ones: one table must not show a group
    that another hides to protect a small one."""
    place = load_place(demo_place)
    ratings = store.read_ratings(demo_place, rounds=[5, 6])
    now = ratings[ratings["round"] == 6]
    groupings = ("all", "sector", "role")
    levels = indicators.level(ratings, place.framework, group_by=groupings, k_min=k_min)

    def hidden_in(table, round_number=6):
        rows = table[table["round"] == round_number]
        hidden = rows.loc[rows["suppressed"], ["behaviour", "group_by", "group"]]
        return set(map(tuple, hidden.to_numpy()))

    hidden_now, hidden_before = hidden_in(levels), hidden_in(levels, 5)
    assert hidden_now
    agreement = indicators.agreement(now, place.framework, group_by=groupings, k_min=k_min)
    assert hidden_in(agreement) == hidden_now
    for group_by in ("sector", "role"):
        gaps = indicators.voice_gaps(now, group_by=group_by, k_min=k_min)
        shown = gaps[~gaps["suppressed"]]
        in_pairs = {
            (row.behaviour, group_by, group)
            for row in shown.itertuples()
            for group in (row.group_a, row.group_b)
        }
        assert in_pairs and not in_pairs & hidden_now
        change = indicators.change_since_last_round(
            ratings, place.framework, group_by=group_by, k_min=k_min
        )
        change_hidden = hidden_in(change)
        wanted = {key for key in hidden_now | hidden_before if key[1] == group_by}
        assert change_hidden == wanted
        panel = change[~change["suppressed_panel"]]
        assert not set(map(tuple, panel[["behaviour", "group_by", "group"]].to_numpy())) & wanted
    responses = indicators.response_counts(now, place, k_min=k_min)
    people = now.drop_duplicates("respondent")
    for group_by in ("sector", "role"):
        rows = responses[responses["group_by"] == group_by].set_index("group")
        sizes = people.groupby(group_by).size()
        assert _audit(sizes.to_dict(), rows["suppressed"].to_dict(), k_min) == []


# --- safe exports -------------------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://example.org/x","click")',
    "+1+1",
    "-1+1",
    "-",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=",
]
HARMLESS = ["fine", "a=b", " =1+1", "'quoted", "", "naïve café £5"]


def _read_csv_back(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _frame(text: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"text": [text, "plain"], "mean": [-3.5, 2.0], "n": [-2, 7], "flag": [True, False]}
    )


def test_formula_prefixes_are_the_owasp_list():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("text", DANGEROUS)
def test_write_csv_neutralises_every_formula_prefix_and_leaves_numbers(tmp_path, text):
    frame = _frame(text)
    rows = _read_csv_back(write_csv(frame, tmp_path / "export.csv"))
    assert rows == [
        ["text", "mean", "n", "flag"],
        ["'" + text, "-3.5", "-2", "True"],
        ["plain", "2.0", "7", "False"],
    ]
    assert frame["text"].iloc[0] == text  # the frame given is not modified


def test_write_csv_quotes_line_breaks_so_that_no_row_starts_inside_a_cell(tmp_path):
    frame = pd.DataFrame({"text": ["ok\r=1+1", "ok\n@SUM(A1)", "ok\r\n+1"], "n": [1, 2, 3]})
    rows = _read_csv_back(write_csv(frame, tmp_path / "export.csv"))
    assert rows[1:] == [["ok\r=1+1", "1"], ["ok\n@SUM(A1)", "2"], ["ok\r\n+1", "3"]]


@pytest.mark.parametrize("text", HARMLESS)
def test_write_csv_leaves_harmless_text_alone(tmp_path, text):
    rows = _read_csv_back(write_csv(_frame(text), tmp_path / "export.csv"))
    assert rows[1][0] == text


def test_neutralise_covers_headers_index_categories_and_mixed_columns():
    frame = pd.DataFrame(
        {"=cmd": ["-x", "y"], "mixed": [-1, "@x"], "kind": pd.Categorical(["+a", "b"])},
        index=pd.Index(["=i", "j"], name="@name"),
    )
    safe = neutralise(frame)
    assert list(safe.columns) == ["'=cmd", "mixed", "kind"]
    assert safe["'=cmd"].tolist() == ["'-x", "y"]
    assert safe["mixed"].tolist() == [-1, "'@x"]  # the number stays a number
    assert safe["kind"].tolist() == ["'+a", "b"]
    assert list(safe.index) == ["'=i", "j"] and safe.index.name == "'@name"


@pytest.mark.parametrize("text", DANGEROUS + HARMLESS)
def test_write_xlsx_writes_text_as_text_and_numbers_as_numbers(tmp_path, text):
    openpyxl = pytest.importorskip("openpyxl")
    path = write_xlsx(_frame(text), tmp_path / "export.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cell = sheet["A2"]
    expected = "'" + text if text.startswith(FORMULA_PREFIXES) else text
    assert (cell.value or "") == expected.replace("\r", "\n")  # XML keeps line breaks as LF
    assert cell.data_type in ("s", "inlineStr")  # text, never "f", a formula
    assert [sheet["B2"].value, sheet["C2"].value, sheet["D2"].value] == [-3.5, -2, True]
    assert [sheet["B2"].data_type, sheet["C2"].data_type] == ["n", "n"]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


class _Unprintable:
    def __str__(self):
        raise RuntimeError("cannot be written")


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_exports_are_written_whole_or_not_at_all(tmp_path, writer):
    if writer is write_xlsx:
        pytest.importorskip("openpyxl")
    path = tmp_path / ("export.csv" if writer is write_csv else "export.xlsx")
    writer(_frame("first"), path)
    before = path.read_bytes()
    broken = pd.DataFrame({"text": ["a"] * 1000 + [_Unprintable()]})
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        writer(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


# --- the demo's outputs: no identifier, contact or key ------------------------------------------

_EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# UK numbers, as people write them: 07700 900123, 07700-900-123, +44 7700 900123, (0113) 496 0000
_PHONE = re.compile(rb"(?<![\w+])(?:\+44[\s-]?\(?0?\)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
_DATA_URI = re.compile(rb"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)")
_PNG = re.compile(rb"iVBORw0KGgo[A-Za-z0-9+/=]*(?:\\n[A-Za-z0-9+/=]+)*")  # in a notebook's JSON
_BLOB = re.compile(rb"[A-Za-z0-9+/]{400,}")
_WORD = re.compile(rb"[A-Za-z0-9_]+")


def _respondent_columns(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row["respondent_id"] for row in csv.DictReader(handle) if "respondent_id" in row]


#: The columns of the demo's exports that describe the person (listed here, not taken from
#: evalkit's own list, so the scan does not trust the code it checks).
_EXPORT_PERSONAL = {
    "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
    "LocationLatitude", "LocationLongitude", "ResponseId", "about/code", "about/email",
    "about/where", "_about/where_latitude", "_about/where_longitude", "deviceid", "_uuid",
    "meta/instanceID",
}  # fmt: skip


def _export_metadata(path: Path) -> set[bytes]:
    """Every value of a demo export's personal columns (and its raw respondent codes)."""
    text = path.read_text(encoding="utf-8")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = rows[0]
    values = set()
    for row in rows[1:]:
        for name, cell in zip(header, row, strict=False):
            if name in _EXPORT_PERSONAL and cell and not cell.startswith("{"):
                values.add(cell.encode())
    return values


def _png_metadata(png: bytes) -> bytes:
    """Every chunk of a PNG but its pixels (IDAT), text chunks decompressed."""
    found, at = [], 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        data = png[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IDAT":
            continue
        found.append(kind + b" " + data)
        if kind in (b"zTXt", b"iTXt"):
            for start in range(len(data)):
                try:
                    found.append(zlib.decompress(data[start:]))
                    break
                except zlib.error:
                    continue
    return b"\n".join(found)


def _readable(path: Path) -> tuple[bytes, list[bytes]]:
    """A file's bytes with embedded files (base64) taken out, and what those hold: a PNG's
    metadata (its pixels cannot hold text, and random bytes could match a short id), any other
    file's bytes (e.g. the SVG icons in the page's CSS)."""
    content = path.read_bytes()
    if path.suffix == ".png":
        return b"", [_png_metadata(content)]
    embedded = []

    def take(match: re.Match) -> bytes:
        blob = match.group(match.lastindex or 0).replace(b"\\n", b"")
        data = base64.b64decode(blob + b"=" * (-len(blob) % 4))
        embedded.append(_png_metadata(data) if data.startswith(b"\x89PNG") else data)
        return b"[embedded]"

    text = _PNG.sub(take, _DATA_URI.sub(take, content))
    return text, embedded


def _ids_in(content: bytes, ids: set[bytes]) -> set[bytes]:
    """The ids that occur in ``content`` as whole words (or anywhere, for ids with symbols)."""
    words = {i for i in ids if _WORD.fullmatch(i)}
    return (set(_WORD.findall(content)) & words) | {i for i in ids - words if i in content}


def _visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", html)
    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


@pytest.fixture(scope="module")
def secrets(demo_programme_outputs) -> dict[str, set[bytes]]:
    """What must never reach outputs: raw ids, pseudonyms, contacts written in reflections, keys."""
    programme, _ = demo_programme_outputs
    found = {"raw id": set(), "pseudonym": set(), "contact": set(), "key": set()}
    found["export metadata"] = set()
    for place_dir in sorted(p.parent for p in programme.glob("*/place.yml")):
        for path in (place_dir / "incoming").glob("round-*/export.csv"):
            found["export metadata"] |= _export_metadata(path)
        for path in (place_dir / "incoming").glob("round-*/*.csv"):
            if path.name == "export.csv":
                continue
            found["raw id"] |= {i.encode() for i in _respondent_columns(path)}
            if path.name == "reflections.csv":
                text = path.read_bytes()
                found["contact"] |= set(_EMAIL.findall(text)) | set(_PHONE.findall(text))
        for read in (store.read_ratings, store.read_ties, store.read_reflections):
            found["pseudonym"] |= {r.encode() for r in read(place_dir)["respondent"].unique()}
        key = (place_dir / KEY_FILE).read_bytes()
        found["key"] |= {key, key.strip(), bytes.fromhex(key.decode().strip())}
    assert all(found.values()), {k: len(v) for k, v in found.items()}
    return found


@pytest.mark.slow
def test_no_output_holds_an_id_a_contact_or_the_key(demo_programme_outputs, secrets):
    _, outputs = demo_programme_outputs
    ids = secrets["raw id"] | secrets["pseudonym"] | secrets["export metadata"]
    files = [p for p in sorted(outputs.rglob("*")) if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".ipynb", ".json"} <= kinds, kinds
    leaks = []
    for path in files:
        text, embedded = _readable(path)
        assert not _BLOB.search(text), f"{path} embeds something the scan cannot read"
        for where, content in [("text", text), *(("embedded file", e) for e in embedded)]:
            leaks += [(path, where, i) for i in sorted(_ids_in(content, ids))[:3]]
            leaks += [(path, where, c) for c in secrets["contact"] if c in content]
        raw = path.read_bytes()
        leaks += [(path, "bytes", b"the key") for key in secrets["key"] if key in raw]
    assert leaks == []


@pytest.mark.slow
def test_quotes_in_the_reports_carry_no_contact_details(demo_programme_outputs, secrets):
    _, outputs = demo_programme_outputs
    reports = sorted(outputs.glob("*/round-*/round_report.html"))
    assert len(reports) == 24
    masked = 0
    for path in reports:
        text = _visible_text(path.read_text(encoding="utf-8")).encode()
        assert not _EMAIL.findall(text), path
        assert not _PHONE.findall(text), path
        masked += text.count(b"[email]") + text.count(b"[phone]")
    assert masked > 0, "no quote had a contact detail to mask: the test proves nothing"


def _answers_by_group(place_dir: Path, round_number: int) -> pd.Series:
    return _true_answers(store.read_ratings(place_dir, rounds=[round_number]))


@pytest.mark.slow
def test_published_summaries_leave_no_small_group_to_work_out(demo_programme_outputs):
    """Every summary.json, audited against the true group sizes in the store."""
    programme, outputs = demo_programme_outputs
    complements = 0
    for path in sorted(outputs.glob("*/round-*/summary.json")):
        summary = json.loads(path.read_text())
        place_dir, k = programme / summary["place"], summary["k_min"]
        sizes = _answers_by_group(place_dir, summary["round"])
        table = pd.DataFrame(summary["indicators"]).assign(round=summary["round"])
        problems, found = _audit_table(table, sizes, k)
        assert problems == [], path
        complements += found
        hidden = {tuple(r) for r in table.loc[table["suppressed"], ["behaviour", "group"]].values}
        agreement = pd.DataFrame(summary["agreement"])
        rows = agreement.loc[agreement["suppressed"], ["behaviour", "group"]]
        assert {tuple(r) for r in rows.to_numpy()} == hidden, path
        for gap in summary["voice_gaps"]:
            if not gap["suppressed"]:
                assert (gap["behaviour"], gap["group_a"]) not in hidden, path
                assert (gap["behaviour"], gap["group_b"]) not in hidden, path
        for record in summary["indicators"]:
            if record["suppressed"]:
                assert set(record) == {"behaviour", "group_by", "group", "suppressed"}, path
    assert complements > 0
