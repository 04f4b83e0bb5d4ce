"""The command line as a user meets it: clear messages and exit 2 on bad input, no traceback."""

import csv
import hashlib
import shutil
import subprocess
import sys

import pytest


def evalkit(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def place(demo_place, tmp_path):
    return shutil.copytree(demo_place, tmp_path / "demo")


def test_bad_ratings_file_lists_every_problem_and_changes_nothing(place, tmp_path):
    rows = list(csv.reader(open(place / "incoming" / "round-03" / "ratings.csv")))
    rows[2][1] = "Northbridge Citty Council"  # spreadsheet row 3
    rows[3][3] = "11"  # row 4, first behaviour column
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before = snapshot(place)
    result = evalkit("ingest", place, "--round", 3, "--ratings", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "2 problems found" in result.stderr
    assert "row 3, column 'organisation'" in result.stderr
    assert "Did you mean 'Northbridge City Council'?" in result.stderr
    assert f"row 4, column '{rows[0][3]}'" in result.stderr and "'11'" in result.stderr
    assert snapshot(place) == before


def test_changed_round_is_refused_with_the_way_out(place):
    before = snapshot(place)
    other = place / "incoming" / "round-04" / "ratings.csv"
    result = evalkit("ingest", place, "--round", 3, "--ratings", other)
    assert result.returncode == 2 and "--replace" in result.stderr
    assert snapshot(place) == before
    replaced = evalkit("ingest", place, "--round", 3, "--ratings", other, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced" in replaced.stdout
    assert set(before) < set(snapshot(place))  # the earlier raw file is still there


def test_run_of_a_round_that_does_not_exist_fails_before_any_kernel(place, tmp_path):
    result = evalkit("run", place, "--round", 12, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "round 12 is not listed in place.yml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_demo_command_writes_a_loadable_place(tmp_path):
    result = evalkit("demo", "--out", tmp_path / "p", "--seed", 3)
    assert result.returncode == 0, result.stderr
    from evalkit.config import load_place

    assert len(load_place(tmp_path / "p").rounds) == 8


def test_trend_assesses_each_series_and_explains_bad_input(tmp_path):
    import json

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    rows = [
        {
            "behaviour": b,
            "year": 2010 + r,
            "person": f"p{i}",
            "score": 5 + (1.5 if b == "trust" and r >= 4 else 0) + rng.normal(0, 1),
        }
        for b in ("trust", "vision")
        for r in range(8)
        for i in range(80)
    ]
    path = tmp_path / "series.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = evalkit(
        "trend",
        path,
        "--time",
        "year",
        "--value",
        "score",
        "--unit",
        "person",
        "--by",
        "behaviour",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    records = {r["behaviour"]: r for r in json.loads(result.stdout)}
    assert records["trust"]["nonlinear"] and records["trust"]["shape"] == "step"
    assert abs(records["trust"]["breakpoints"][0]["time"] - 2014) <= 1
    assert not records["vision"]["nonlinear"]
    assert {m["name"] for m in records["trust"]["models"]} >= {"flat", "linear", "step"}
    assert set(records["trust"]["models"][0]) == {"name", "aic", "bic"}

    bad = evalkit("trend", path, "--time", "when", "--value", "score")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "column 'when'" in bad.stderr and "behaviour, year, person, score" in bad.stderr


def test_output_piped_to_a_reader_that_stops_early_shows_no_traceback(tmp_path):
    # A Google Forms export wide enough that inspect's answer overflows the pipe (64 KiB).
    wide = tmp_path / "wide.csv"
    header = ["Timestamp", *(f"Question {n}: how far is this present?" for n in range(800))]
    wide.write_text(",".join(header) + "\n2024/03/01 10:00:00," + ",".join(["7"] * 800) + "\n")
    command = [sys.executable, "-m", "evalkit", "inspect", str(wide), "--json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout.read(100).startswith(b"{")  # like `| head -c 100`
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        status = proc.wait(timeout=300)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert status == 1


def test_trend_reads_what_ingest_reads(tmp_path):
    """The file readers of ingest: UTF-16 and tab-separated, Windows-1252 with semicolons, a
    workbook; before, ``trend`` had its own reader and refused the first two."""
    import json

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {
            "Année": np.repeat(np.arange(2011, 2019), 40),
            "Score": 5 + 0.3 * np.repeat(np.arange(8), 40) + rng.normal(0, 1, 320),
        }
    )
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes(frame.to_csv(index=False, sep=";").encode("cp1252"))
    workbook = tmp_path / "series.xlsx"
    frame.to_excel(workbook, index=False)
    found = []
    for path in (utf16, cp1252, workbook):
        result = evalkit("trend", path, "--time", "Année", "--value", "score", "--json")
        assert result.returncode == 0, result.stderr
        found.append(json.loads(result.stdout)[0])
    assert [r["shape"] for r in found] == ["linear"] * 3
    assert found[0]["p_value"] == found[1]["p_value"] == found[2]["p_value"]

    frame = frame.astype({"Score": object})
    frame.loc[5, "Score"] = "n/a"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = evalkit("trend", bad, "--time", "Année", "--value", "Score")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "row 7, column 'Score': is not a number (value: 'n/a')" in result.stderr
