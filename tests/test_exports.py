"""Survey tools' exports: real files recognised by inspect, the demo's exports read by their
mapping into the same store as evalkit's layout, mapping suggest, evalkit's own questionnaire
in every tool's layout read with no mapping, and the XLSForm compiled by pyxform."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.cli import main
from evalkit.config import load_place
from evalkit.data import store
from evalkit.data.exports import read_export
from evalkit.data.ingest import ingest_round
from evalkit.data.problems import Problems
from evalkit.data.suggest import suggest_mapping
from evalkit.demo.files import ingest_incoming, write_demo

REAL = Path(__file__).parent / "data" / "exports"
KEY = "5e" * 32


def _inspect(path: Path, capsys) -> dict:
    assert main(["inspect", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# Real exports (tests/data/exports/<tool>/README.md says where each comes from): what inspect
# must see. Rating questions are the grids a person reading the questionnaire would call one.
REAL_EXPORTS = {
    "qualtrics/sample.csv": ("qualtrics", 3, 1, {}, "ResponseId", {}),
    "qualtrics/sample_legacy.csv": ("qualtrics", 2, 1, {}, "V1", {}),
    "qualtrics/single_answer_matrix_insights.csv": (
        "qualtrics", 3, 0, {"test": 5}, "ResponseID",
        {"Q2": 3, "Q3_question": 3, "Q4": 3, "Q5_question": 3, "matrix_question_five_question": 4},
    ),
    "surveymonkey/star_wars_first_53.csv": (
        "surveymonkey", 2, 53, {}, "RespondentID",
        {"Please state whether you view the following characters favorably, unfavorably, or "
         "are unfamiliar with him/her.": 14},
    ),
    "google_forms/jupyter_education_first_6.csv": ("google_forms", 1, 6, {}, None, {}),
    "kobotoolbox/tutorial_w_repeats.csv": ("kobotoolbox", 1, 1, {}, "_uuid", {}),
    "kobotoolbox/kpi_default_options.csv": ("kobotoolbox", 2, 3, {}, "_uuid", {}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REAL_EXPORTS))
def test_inspect_reads_real_exports_of_each_tool(name, capsys):
    tool, header_rows, responses, dropped, respondent_id, grids = REAL_EXPORTS[name]
    seen = _inspect(REAL / name, capsys)
    assert set(seen) == {
        "tool", "header_rows", "responses", "dropped", "respondent_id_column", "questions"
    }  # fmt: skip
    assert (seen["tool"], seen["header_rows"], seen["responses"]) == (tool, header_rows, responses)
    assert seen["dropped"] == {"preview": 0, "test": 0, "spam": 0, **dropped}
    assert seen["respondent_id_column"] == respondent_id
    rated = {q["id"]: len(q["columns"]) for q in seen["questions"] if len(q["columns"]) > 1}
    rated = {q: n for q, n in rated.items() if _kind(seen, q) == "rating"}
    assert rated == grids
    personal = ("IPAddress", "RecipientEmail", "LocationLatitude", "name", "gps", "_gps_latitude")
    asked = {c for q in seen["questions"] for c in q["columns"]}
    assert not asked & set(personal), "personal metadata is never a question"


def _kind(seen: dict, question: str) -> str:
    return next(q["kind"] for q in seen["questions"] if q["id"] == question)


def test_inspect_tells_the_other_kinds_of_real_questions(capsys):
    kinds = {q["id"]: q for q in _inspect(REAL / "surveymonkey/star_wars_first_53.csv", capsys)
             ["questions"]}  # fmt: skip
    films = "Which of the following Star Wars films have you seen? Please select all that apply."
    assert (kinds[films]["kind"], len(kinds[films]["columns"])) == ("multi", 6)
    ranks = next(q for q in kinds.values() if q["id"].startswith("Please rank"))
    assert (ranks["kind"], len(ranks["columns"])) == ("ranking", 6)
    grid = next(q for q in kinds.values() if q["id"].startswith("Please state"))
    assert grid["missing_codes"] == ["Unfamiliar (N/A)"]
    kobo = {q["id"]: q for q in _inspect(REAL / "kobotoolbox/kpi_default_options.csv", capsys)
            ["questions"]}  # fmt: skip
    assert kobo["What kind of symmetry do you have?"]["kind"] == "multi"
    assert len(kobo["What kind of symmetry do you have?"]["columns"]) == 4
    google = _inspect(REAL / "google_forms/jupyter_education_first_6.csv", capsys)["questions"]
    assert {q["id"]: q["kind"] for q in google}["What language(s) will your students be using?"] \
        == "multi"  # fmt: skip


STAR_WARS = REAL / "surveymonkey" / "star_wars_first_53.csv"
_FAVOUR = {"Very unfavorably": 1, "Somewhat unfavorably": 3,
           "Neither favorably nor unfavorably (neutral)": 5, "Somewhat favorably": 8,
           "Very favorably": 10}  # fmt: skip


def _star_wars_by_hand() -> pd.DataFrame:
    """The export read with the csv module alone, as its mapping says: one row per respondent
    kept, the Han Solo row of the grid as a number (the mapping's interconnected_whole)."""
    rows = list(csv.reader(io.StringIO(STAR_WARS.read_bytes().decode("cp1252"), newline="")))
    header, body = rows[0], rows[2:]
    region, han = header.index("Location (Census Region)"), rows[1].index("Han Solo")
    kept = [r for r in body if r[1] != "No" and r[region] != ""]
    return pd.DataFrame(
        {
            "respondent": [r[0] for r in kept],
            "region": [r[region] for r in kept],
            "han": [_FAVOUR.get(r[han]) for r in kept],
        }  # fmt: skip
    )


@pytest.mark.slow
def test_a_real_rating_grid_mapped_ingests_and_gives_a_round_report(tmp_path):
    from evalkit import run as runner

    place_dir = shutil.copytree(REAL / "surveymonkey" / "star_wars_place", tmp_path / "wars")
    mapping = place_dir / "mapping.yml"
    assert main(["ingest", str(place_dir), "--round", "1", "--export", str(STAR_WARS),
                 "--mapping", str(mapping)]) == 0  # fmt: skip
    by_hand = _star_wars_by_hand()
    ratings = store.read_ratings(place_dir)
    assert ratings["respondent"].nunique() == len(by_hand) == 46
    assert not set(ratings["respondent"]) & set(by_hand["respondent"]), "ids are pseudonymised"
    han = ratings.loc[ratings["behaviour"] == "interconnected_whole", "rating"]
    assert han.mean() == pytest.approx(by_hand["han"].mean())
    [source] = store.read_sources(place_dir).itertuples()
    assert (place_dir / source.export_path).read_bytes() == STAR_WARS.read_bytes()

    outputs = tmp_path / "outputs"
    results = runner.run(place_dir, outputs_dir=outputs, workers=1, progress=False)
    assert {r.job.name: r.status for r in results} == {"wars/round-01": "ok"}, results
    summary = json.loads((outputs / "wars" / "round-01" / "summary.json").read_text())
    assert summary["respondents"] == 46
    overall = {i["behaviour"]: i for i in summary["indicators"] if i["group_by"] == "all"}
    assert overall["interconnected_whole"]["n"] == by_hand["han"].notna().sum()
    assert overall["interconnected_whole"]["mean"] == pytest.approx(by_hand["han"].mean(), abs=1e-4)
    sectors = {"New England": "northeast", "Middle Atlantic": "northeast",
               "East North Central": "midwest", "West North Central": "midwest",
               "South Atlantic": "south", "East South Central": "south",
               "West South Central": "south", "Mountain": "west", "Pacific": "west"}  # fmt: skip
    sizes = by_hand["region"].map(sectors).value_counts()
    for row in summary["indicators"]:
        if row["group_by"] == "sector" and sizes.get(row["group"], 0) < summary["k_min"]:
            assert row["suppressed"] and row["mean"] is None, row
    written = b"".join(p.read_bytes() for p in outputs.rglob("*") if p.is_file())
    assert not [r for r in by_hand["respondent"] if r.encode() in written]


def _demo(folder: Path, name: str, seed: int, variant: int, layout: str, rounds: int) -> Path:
    """A demo place with only its first ``rounds`` rounds left in incoming/ (for speed)."""
    folder = write_demo(folder, seed=seed, name=name, variant=variant, layout=layout)
    for later in sorted((folder / "incoming").iterdir())[rounds:]:
        shutil.rmtree(later)
    return folder


def _place(tmp_path: Path, name: str, seed: int, variant: int, layout: str) -> Path:
    folder = _demo(tmp_path / layout, name, seed, variant, layout, 2)
    (folder / ".evalkit-key").write_text(KEY + "\n")
    ingest_incoming(folder)
    return folder


@pytest.mark.parametrize(
    ("name", "seed", "variant", "tool"),
    [("Kingsford", 6, 1, "qualtrics"), ("Millbrook", 10, 2, "kobotoolbox")],
)
def test_the_demo_export_gives_the_store_of_evalkits_layout(name, seed, variant, tool, tmp_path):
    plain = _place(tmp_path, name, seed, variant, "evalkit")
    exported = _place(tmp_path, name, seed, variant, "export")
    for read in (store.read_ratings, store.read_ties, store.read_reflections, store.read_events):
        pd.testing.assert_frame_equal(read(plain), read(exported))
    sources = store.read_sources(exported)
    assert set(sources["tool"]) == {tool} and set(sources["kind"]) == {
        "ratings", "ties", "reflections"
    }  # fmt: skip
    for row in sources.itertuples():
        export = exported / row.export_path
        assert (
            export.read_bytes()
            == (exported / "incoming" / f"round-{row.round:02d}" / "export.csv").read_bytes()
        )
        assert (exported / row.mapping_path).read_bytes() == (exported / "mapping.yml").read_bytes()
    files = store.read_files(exported)
    assert set(files["sha256"]) == set(sources["sha256"]) | set(
        files.loc[files["kind"] == "events", "sha256"]
    )


def test_the_demo_qualtrics_export_drops_previews_and_spam(tmp_path, capsys):
    folder = _demo(tmp_path / "k", "Kingsford", 6, 1, "export", 1)
    seen = _inspect(folder / "incoming" / "round-01" / "export.csv", capsys)
    written = pd.read_csv(folder / "incoming" / "round-01" / "export.csv", skiprows=[1, 2])
    assert seen["dropped"] == {"preview": 2, "test": 0, "spam": 1}
    assert seen["responses"] == len(written) - 3
    [grid] = [q for q in seen["questions"] if len(q["columns"]) == 9]
    assert grid["kind"] == "rating" and grid["scale"] == {"min": 1, "max": 10}
    assert grid["missing_codes"] == ["Don't know"]


@pytest.mark.parametrize(("name", "seed", "variant"), [("Kingsford", 6, 1), ("Millbrook", 10, 2)])
def test_mapping_suggest_proposes_the_demo_mapping(name, seed, variant, tmp_path):
    folder = _demo(tmp_path / "p", name, seed, variant, "export", 2)
    written = yaml.safe_load((folder / "mapping.yml").read_text(encoding="utf-8"))
    export_path = folder / "incoming" / "round-02" / "export.csv"
    export = read_export(export_path.read_bytes(), Problems(str(export_path)))
    text, _ = suggest_mapping(export, load_place(folder), export_path.name)
    drafted = yaml.safe_load(text)
    assert drafted["ratings"]["columns"] == written["ratings"]["columns"]
    assert drafted["organisation"]["column"] == written["organisation"]["column"]
    assert drafted["role"]["column"] == written["role"]["column"]
    assert drafted["ratings"]["scale"] == written["ratings"]["scale"]
    out = tmp_path / "drafted.yml"
    assert main(["mapping", "suggest", str(export_path), "--place", str(folder),
                 "--out", str(out)]) == 0  # fmt: skip
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == drafted
    assert main(["mapping", "suggest", str(export_path), "--place", str(folder),
                 "--out", str(out)]) == 2  # fmt: skip  # never overwrites


# --- evalkit's own questionnaire, exported by each tool -----------------------------------------


def _own_answers(folder: Path) -> pd.DataFrame:
    """Round 1 of a demo place, one row per respondent, under evalkit's question ids."""
    ratings = pd.read_csv(folder / "incoming" / "round-01" / "ratings.csv", dtype=str,
                          keep_default_na=False)  # fmt: skip
    return ratings


def _write(tool: str, answers: pd.DataFrame, place, path: Path) -> Path:
    fw = place.framework
    prompts = {b.id: b.prompt for b in fw.behaviours}
    ids = ["respondent_id", "organisation", "role", *fw.behaviour_ids]
    texts = {"respondent_id": "Your participant code", "organisation": "Which organisation?",
             "role": "Your role?", **prompts}  # fmt: skip
    body = answers[ids].to_numpy().tolist()
    rows: list[list] = []
    if tool == "qualtrics":
        meta = ["StartDate", "EndDate", "Status", "ResponseId"]
        rows = [meta + ids, meta + [texts[i] for i in ids]]
        rows.append(
            [json.dumps({"ImportId": m}) for m in meta]
            + [json.dumps({"ImportId": f"QID{n}"}) for n, _ in enumerate(ids)]
        )
        rows += [["2025-01-01", "2025-01-01", "IP Address", f"R_{n}"] + r for n, r in
                 enumerate(body)]  # fmt: skip
    elif tool == "surveymonkey":
        meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address"]
        rows = [meta + [f"{texts[i]} ({i})" for i in ids], [""] * 5 + ["Response"] * len(ids)]
        rows += [[str(1000 + n), "C1", "", "", "192.0.2.1"] + r for n, r in enumerate(body)]
    elif tool == "google_forms":
        rows = [["Timestamp"] + [f"{texts[i]} ({i})" for i in ids]]
        rows += [["2025/01/01 10:00:00"] + r for r in body]
    elif tool == "microsoft_forms":
        meta = ["ID", "Start time", "Completion time", "Email", "Name"]
        rows = [meta + [f"{texts[i]} ({i})" for i in ids]]
        rows += [[n + 1, "1/1/25", "1/1/25", "anonymous", ""] + r for n, r in enumerate(body)]
        from openpyxl import Workbook

        book = Workbook()
        for row in rows:
            book.active.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in row])
        book.save(path.with_suffix(".xlsx"))
        return path.with_suffix(".xlsx")
    elif tool == "kobotoolbox":
        rows = [["start", "end"] + [f"about/{i}" if i in ids[:3] else f"rate/{i}" for i in ids]
                + ["_id", "_uuid", "_submission_time", "_index"]]  # fmt: skip
        rows += [["", ""] + r + [str(n), f"u-{n}", "", str(n)] for n, r in enumerate(body)]
    out = io.StringIO()
    csv.writer(out, delimiter=";" if tool == "kobotoolbox" else ",").writerows(rows)
    encoding = "cp1252" if tool == "surveymonkey" else "utf-8"
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    folder = _demo(tmp_path_factory.mktemp("own") / "p", "Northbridge", 2, 0, "evalkit", 1)
    (folder / ".evalkit-key").write_text(KEY + "\n")
    plain = shutil.copytree(folder, folder.parent / "plain")
    ingest_round(plain, 1, ratings=plain / "incoming" / "round-01" / "ratings.csv")
    return folder, store.read_ratings(plain)


@pytest.mark.parametrize(
    "tool", ["qualtrics", "surveymonkey", "microsoft_forms", "google_forms", "kobotoolbox"]
)
def test_an_export_of_evalkits_questionnaire_needs_no_mapping(tool, own, tmp_path, capsys):
    folder, expected = own
    place_dir = shutil.copytree(folder, tmp_path / "p")
    place = load_place(place_dir)
    path = _write(tool, _own_answers(place_dir), place, tmp_path / "export.csv")
    assert _inspect(path, capsys)["tool"] == tool
    assert main(["ingest", str(place_dir), "--round", "1", "--export", str(path)]) == 0
    pd.testing.assert_frame_equal(store.read_ratings(place_dir), expected)
    [mapping] = store.read_sources(place_dir)["mapping_path"]
    assert "no mapping file was given" in (place_dir / mapping).read_text(encoding="utf-8")


def test_the_xlsform_compiles_with_pyxform_and_asks_with_evalkits_ids(own, tmp_path):
    from pyxform.xls2xform import convert

    folder, _ = own
    out = tmp_path / "form.xlsx"
    assert main(["survey", str(folder), "--round", "1", "--format", "xlsform",
                 "--out", str(out)]) == 0  # fmt: skip
    xform = str(convert(xlsform=str(out)).xform)
    place = load_place(folder)
    for name in ["respondent_id", "organisation", "partners", *place.framework.behaviour_ids]:
        assert f'nodeset="/data/{name}"' in xform, name
    assert f"depth_{place.organisations[0].id}" in xform


@pytest.mark.parametrize("fmt", ["qualtrics", "google-apps-script", "text"])
def test_every_format_asks_every_behaviour_under_its_id(fmt, own, capsys):
    folder, _ = own
    assert main(["survey", str(folder), "--round", "1", "--format", fmt]) == 0
    written = capsys.readouterr().out
    place = load_place(folder)
    for b in place.framework.behaviours:
        assert b.id in written and b.prompt in written
    assert all(o.name in written for o in place.organisations)


def test_init_writes_a_place_that_load_place_accepts_and_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "larkhill"
    assert main(["init", str(folder), "--name", "Larkhill"]) == 0
    place = load_place(folder)
    assert place.name == "Larkhill" and len(place.framework.behaviours) == 9
    assert len(place.organisations) == 4 and place.round_numbers == [1]
    before = (folder / "place.yml").read_bytes()
    assert main(["init", str(folder)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (folder / "place.yml").read_bytes() == before
