"""Frameworks and places: the shipped ones load, broken ones fail with every problem named."""

from pathlib import Path

import pytest
import yaml

from evalkit.config import FRAMEWORKS_DIR, load_framework, load_place
from evalkit.exceptions import ValidationError


def test_shipped_framework_has_nine_behaviours_in_three_groups():
    fw = load_framework("system-behaviours")
    assert list(fw.groups.values()) == ["Perspective", "Participation", "Power"]
    counts = fw.behaviours_frame().groupby("group").size()
    assert counts.to_dict() == {"perspective": 3, "participation": 3, "power": 3}
    assert all(b.id.isidentifier() and b.id == b.id.lower() for b in fw.behaviours)
    assert all(b.description.endswith(".") and b.prompt.endswith("?") for b in fw.behaviours)
    assert (fw.scale_min, fw.scale_max) == (1, 10)
    assert fw.largely_absent < fw.strongly_present


def _framework(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / "custom.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_custom_framework_loads_from_a_path(tmp_path):
    path = _framework(tmp_path, id="custom", name="Our behaviours")
    assert load_framework(path).name == "Our behaviours"


def test_zero_to_ten_scale_is_allowed(tmp_path):
    path = _framework(
        tmp_path, scale={"min": 0, "max": 10, "strongly_present": 8, "largely_absent": 3}
    )
    assert load_framework(path).scale_min == 0


def test_broken_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("id: x\nname: [unclosed\nscale: {}\n")
    with pytest.raises(ValidationError) as caught:
        load_framework(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    assert problem.row in (2, 3, 4)
    assert "not valid YAML" in str(caught.value)


def test_every_framework_problem_is_reported_at_once(tmp_path):
    data = yaml.safe_load((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    data["scale"]["strongly_present"] = 2  # below largely_absent
    data["behaviours"][0]["group"] = "nonsense"
    data["behaviours"][1]["id"] = "Shared Vision"
    del data["behaviours"][2]["prompt"]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValidationError) as caught:
        load_framework(path)
    columns = {p.column for p in caught.value.problems}
    assert {
        "scale.strongly_present",
        "behaviours[0].group",
        "behaviours[1].id",
        "behaviours[2].prompt",
    } <= columns
    group_problem = next(p for p in caught.value.problems if p.column == "behaviours[0].group")
    assert group_problem.value == "nonsense" and "perspective" in group_problem.hint


PLACE = {
    "name": "Testham",
    "framework": "system-behaviours",
    "rounds": [{"number": 1, "label": "Round 1", "date": "2025-01-10"}, {"number": 2}],
    "roles": ["frontline", "manager"],
    "organisations": [
        {"id": "council", "name": "Testham Council", "sector": "public", "aliases": ["TC"]},
        {"id": "foodbank", "name": "Testham Food Bank", "sector": "voluntary"},
    ],
}


def _place(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "place.yml").write_text(yaml.safe_dump(data))
    return tmp_path


def test_place_loads_with_defaults(tmp_path):
    place = load_place(_place(tmp_path, PLACE))
    assert place.k_min == 5
    assert place.round_numbers == [1, 2]
    assert str(place.round(1).date) == "2025-01-10"
    assert place.find_organisation("tc").id == "council"
    assert place.find_organisation(" testham  COUNCIL").id == "council"
    assert place.find_organisation("Testham Counsel") is None


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"k_min": 0}, "k_min"),
        ({"framework": "no-such-framework"}, None),
        ({"rounds": [{"number": 1}, {"number": 1}]}, "rounds"),
        ({"rounds": [{"number": 1, "date": "last tuesday"}]}, "rounds[0].date"),
        (
            {"organisations": [{"id": "x", "name": "X", "sector": "retail"}]},
            "organisations[0].sector",
        ),
        (
            {
                "organisations": [
                    {"id": "x", "name": "X", "sector": "public"},
                    {"id": "y", "name": "x", "sector": "public"},
                ]
            },
            "organisations[1].aliases",
        ),
    ],
)
def test_bad_place_is_refused_with_the_setting_named(tmp_path, change, column):
    with pytest.raises(ValidationError) as caught:
        load_place(_place(tmp_path, {**PLACE, **change}))
    assert any(p.column == column for p in caught.value.problems), caught.value


def test_missing_place_file_says_so(tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        load_place(tmp_path)


def test_place_reads_names_to_redact_and_the_country_of_phone_numbers(tmp_path):
    place = load_place(_place(tmp_path, PLACE))
    assert (place.redact, place.country) == ((), "GB")
    place = load_place(
        _place(tmp_path, {**PLACE, "redact": [" Jo Bloggs ", "Bloggs"], "country": "ie"})
    )
    assert (place.redact, place.country) == (("Jo Bloggs", "Bloggs"), "IE")
    assert "Bloggs" not in repr(place)  # people's names stay out of anything that prints a place


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"redact": "Jo Bloggs"}, "redact"),
        ({"redact": ["Jo Bloggs", ""]}, "redact"),
        ({"redact": [{"name": "Jo"}]}, "redact"),
        ({"country": "UK"}, "country"),
        ({"country": 44}, "country"),
    ],
)
def test_bad_redact_or_country_is_refused_with_the_setting_named(tmp_path, change, column):
    with pytest.raises(ValidationError) as caught:
        load_place(_place(tmp_path, {**PLACE, **change}))
    assert [p.column for p in caught.value.problems] == [column], caught.value
