"""The learning log: decisions recorded after a workshop become events of the next cycle."""

import datetime as dt

import pytest

from evalkit.cli import main
from evalkit.data import store
from evalkit.data.ingest import ingest_round
from evalkit.data.learning_log import log_event
from evalkit.exceptions import ValidationError


@pytest.fixture
def place(tmp_path):
    from evalkit.demo.files import write_demo
    from evalkit.demo.simulator import DEFAULT_SEED

    place = write_demo(tmp_path / "demo", seed=DEFAULT_SEED)
    for number in (1, 2):
        folder = place / "incoming" / f"round-{number:02d}"
        ingest_round(place, number, ratings=folder / "ratings.csv", events=folder / "events.csv")
    return place


def test_logged_decisions_join_the_rounds_events_and_change_the_data_hash(place):
    before = store.read_events(place)
    hash_before = store.data_hash(place, [1, 2, 3])
    earlier_before = store.data_hash(place, [1, 2])
    log_event(
        place, 3, "Co-chair the board with people with lived experience", date=dt.date(2024, 9, 1)
    )
    log_event(place, 3, "Pool  the  training budget", kind="intervention", date=dt.date(2024, 9, 2))

    events = store.read_events(place)
    assert len(events) == len(before) + 2
    logged = events[events["round"] == 3].reset_index(drop=True)
    assert logged[["kind", "description"]].to_dict("records") == [
        {"kind": "decision", "description": "Co-chair the board with people with lived experience"},
        {"kind": "intervention", "description": "Pool the training budget"},
    ]
    assert store.data_hash(place, [1, 2, 3]) != hash_before
    assert store.data_hash(place, [1, 2]) == earlier_before  # reports of rounds 1-2 stay valid
    files = store.read_files(place)
    log_files = files[files["kind"] == "log"]
    assert list(log_files["active"]) == [False, True], "the first version is kept, inactive"
    assert all((place / p).exists() for p in log_files["raw_path"])


def test_reingesting_a_rounds_events_file_keeps_the_logged_decisions(place):
    log_event(place, 2, "Share the data dashboard with partners", date=dt.date(2024, 6, 1))
    corrected = place / "events-corrected.csv"
    corrected.write_text("round,date,kind,description\n2,2024-05-01,context,Election purdah\n")
    ingest_round(place, 2, ratings=None, events=corrected, replace=True)
    descriptions = set(store.read_events(place, rounds=[2])["description"])
    assert descriptions == {"Election purdah", "Share the data dashboard with partners"}


def test_bad_entries_are_refused_and_nothing_is_written(place):
    files = store.read_files(place)
    with pytest.raises(ValidationError, match="description"):
        log_event(place, 3, "   ")
    with pytest.raises(ValidationError, match="does not list round 99"):
        log_event(place, 99, "Something")
    assert store.read_files(place).equals(files)


def test_log_command(place, capsys):
    code = main(["log", str(place), "--round", "3", "--date", "2024-09-01", "Meet monthly"])
    assert code == 0 and "Logged a decision for round 3" in capsys.readouterr().out
    assert "Meet monthly" in set(store.read_events(place, rounds=[3])["description"])
    assert main(["log", str(place), "--round", "3", "--date", "1 Sept", "x"]) == 2
    assert "is not a date" in capsys.readouterr().err
