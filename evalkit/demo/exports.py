"""The demo's rounds as survey tools export them: a Qualtrics export (three header rows, choice
text, a rating matrix, previews and spam among the responses, and the personal metadata every
export carries) and a KoboToolbox export (``;``-separated, XML names in groups, XML values), each
with the mapping file an evaluator would write for it.

The answers are exactly those of the demo's files in evalkit's layout, so the store and the
reports come out the same whichever way a round is read.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd

from evalkit.config import load_framework
from evalkit.data.mapping_file import mapping_yaml

__all__ = ["qualtrics_export", "kobo_export", "qualtrics_mapping", "kobo_mapping", "EXPORTERS"]

_DEPTHS = ("networking", "coordinating", "cooperating", "collaborating")
_SYLLABLES = ("tav", "rin", "osk", "ell", "mar", "quo", "zen", "dal", "bry", "vek", "lun", "orr")
_MATRIX = "Thinking about {place} over the last three months, how far is each of these present?"
# Answers the demo leaves blank, written as "Don't know" by every fifth such respondent.
_DONT_KNOW_EVERY = 5


def _csv(rows: list[list], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _people(respondents: pd.Series, seed: int) -> pd.DataFrame:
    """Made-up personal metadata for each respondent: names, e-mail, IP address, location."""
    rng = np.random.default_rng(seed)

    def word(n: int) -> str:
        return "".join(rng.choice(_SYLLABLES, n)).capitalize()

    rows = []
    for i, respondent in enumerate(respondents):
        first, last = word(2), word(3)
        rows.append(
            {
                "respondent_id": respondent,
                "first": first,
                "last": last,
                "email": f"{first.lower()}.{last.lower()}{i}@example.org",
                "ip": f"198.51.{100 + i // 250}.{i % 250 + 1}",
                "latitude": f"{52 + rng.random():.6f}",
                "longitude": f"{-1.5 - rng.random():.6f}",
                "device": f"collect:{rng.integers(16**11, 16**12):012x}",
            }
        )
    return pd.DataFrame(rows).set_index("respondent_id")


def _round_rows(data, round_number: int):
    ratings = data.ratings[data.ratings["round"] == round_number].drop(columns="round")
    ties = data.ties[data.ties["round"] == round_number]
    reflections = data.reflections[data.reflections["round"] == round_number]
    extra = set(ties["respondent_id"]) | set(reflections["respondent_id"])
    if extra - set(ratings["respondent_id"]) or reflections["respondent_id"].duplicated().any():
        raise ValueError("an export holds one response per respondent, with their ratings")
    return ratings, ties, reflections.set_index("respondent_id")


def _place_parts(data):
    place = data.place
    organisations = place["organisations"]
    return place, organisations, {o["id"]: i + 1 for i, o in enumerate(organisations)}


def _by_name(organisations) -> dict:
    """Every spelling of an organisation (as the demo's files write them) -> its id."""
    spellings = {}
    for o in organisations:
        for s in (o["id"], o["name"], *o.get("aliases", [])):
            spellings[" ".join(s.casefold().split())] = o["id"]
    return spellings


def _rating_text(value: str, n: int, fw) -> str:
    if value == "":
        return "Don't know" if n % _DONT_KNOW_EVERY == 0 else ""
    if int(value) == fw.scale_min:
        return f"{value} - {fw.low_label}"
    if int(value) == fw.scale_max:
        return f"{value} - {fw.high_label}"
    return value


def qualtrics_export(data, round_number: int, seed: int) -> bytes:
    """One round as a Qualtrics CSV export (choice text), previews and spam included."""
    fw = load_framework(data.place["framework"])
    place, organisations, number = _place_parts(data)
    spell = _by_name(organisations)
    names = {o["id"]: o["name"] for o in organisations}
    roles = place["roles"]
    ratings, ties, reflections = _round_rows(data, round_number)
    people = _people(data.respondents["respondent_id"], seed)
    ids = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)"]
    ids += ["Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName"]
    ids += ["RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude"]
    ids += ["DistributionChannel", "UserLanguage"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress"]
    texts += ["Duration (in seconds)", "Finished", "Recorded Date", "Response ID"]
    texts += ["Recipient Last Name", "Recipient First Name", "Recipient Email"]
    texts += ["External Data Reference", "Location Latitude", "Location Longitude"]
    texts += ["Distribution Channel", "User Language"]
    imports = [
        "startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
        "recordedDate", "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail",
        "externalDataReference", "locationLatitude", "locationLongitude", "distributionChannel",
        "userLanguage",
    ]  # fmt: skip
    questions = [("Q1", "Which organisation do you work for or with?", "QID1")]
    questions.append(("Q2", "Which of these best describes your role?", "QID2"))
    matrix = _MATRIX.format(place=place["name"])
    questions += [
        (f"Q3_{i + 1}", f"{matrix} - {b.prompt}", f"QID3_{i + 1}")
        for i, b in enumerate(fw.behaviours)
    ]
    partners = "Which organisations have you worked with in the last three months? (select all)"
    questions.append(("Q4", partners, "QID4"))
    depth = "How closely did you work with each?"
    trust = "How far do you trust each to keep its word? (1 = not at all, 5 = completely)"
    questions += [(f"Q5_{number[o]}", f"{depth} - {names[o]}", f"QID5_{number[o]}") for o in names]
    questions += [(f"Q6_{number[o]}", f"{trust} - {names[o]}", f"QID6_{number[o]}") for o in names]
    questions.append(
        (
            "Q7",
            "Tell us about something that happened that shows how things are working here.",
            "QID7_TEXT",
        )
    )
    questions.append(("Q8", "Which of the behaviours does it show? - Selected Choice", "QID8"))
    questions.append(("Q9", "Was it a positive or a negative experience?", "QID9"))
    questions.append(
        ("Q10", "May we quote what you wrote (without your name) in our reports?", "QID10")
    )
    header = [ids + [q[0] for q in questions], texts + [q[1] for q in questions]]
    header.append(
        [json.dumps({"ImportId": i}, separators=(",", ":")) for i in imports]
        + [json.dumps({"ImportId": q[2]}, separators=(",", ":")) for q in questions]
    )
    rng = np.random.default_rng(seed + round_number)
    day = pd.Timestamp(data.truth.get("start_date", "2024-03-15")) + pd.DateOffset(
        months=3 * (round_number - 1)
    )
    labels = {b.id: b.label for b in fw.behaviours}
    rows, blanks = [], 0
    for rating in ratings.itertuples(index=False):
        rid = rating.respondent_id
        who = people.loc[rid]
        start = day + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 14)))
        end = start + pd.Timedelta(seconds=int(rng.integers(240, 1500)))
        org_id = spell[" ".join(rating.organisation.casefold().split())]
        meta = [
            f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}", "IP Address", who.ip,
            "100", str((end - start).seconds), "True", f"{end:%Y-%m-%d %H:%M:%S}",
            f"R_{rng.integers(16**14, 16**15):015x}", who["last"], who.first, who.email, rid,
            who.latitude, who.longitude, "email", "EN-GB",
        ]  # fmt: skip
        answers = [names[org_id], roles.get(rating.role, rating.role)]
        for b in fw.behaviour_ids:
            value = getattr(rating, b)
            value = "" if pd.isna(value) else str(int(value))
            blanks += value == ""
            answers.append(_rating_text(value, blanks, fw))
        mine = ties[ties["respondent_id"] == rid]
        partner_ids = [spell[" ".join(p.casefold().split())] for p in mine["partner"]]
        answers.append(",".join(names[p] for p in partner_ids))
        depths = dict(zip(partner_ids, mine["depth"], strict=True))
        trusts = dict(zip(partner_ids, mine["trust"], strict=True))
        answers += [depths.get(o, "").capitalize() for o in names]
        answers += [
            "" if pd.isna(trusts.get(o)) or o not in trusts else str(int(trusts[o])) for o in names
        ]
        if rid in reflections.index:
            story = reflections.loc[rid]
            tags = [labels[t] for t in str(story.behaviours).split(";") if t]
            answers += [
                story.text,
                ",".join(tags),
                story.valence.capitalize(),
                "Yes" if str(story.consent).lower() in ("yes", "true") else "No",
            ]
        else:
            answers += ["", "", "", ""]
        rows.append(meta + answers)
    width = len(header[0])
    for status, channel in (
        ("Survey Preview", "preview"),
        ("Survey Preview", "preview"),
        ("Spam", "anonymous"),
    ):
        fake = [""] * width
        fake[:3] = [f"{day:%Y-%m-%d} 09:00:00", f"{day:%Y-%m-%d} 09:05:00", status]
        fake[15] = channel
        fake[len(ids)] = names[organisations[0]["id"]]
        fake[len(ids) + 2 : len(ids) + 2 + len(fw.behaviours)] = ["5"] * len(fw.behaviours)
        rows.insert(int(rng.integers(0, len(rows))), fake)
    return _csv(header + rows)


def qualtrics_mapping(data) -> str:
    """The mapping an evaluator writes for :func:`qualtrics_export`."""
    fw = load_framework(data.place["framework"])
    place, organisations, number = _place_parts(data)
    scale = {f"{fw.scale_min} - {fw.low_label}": fw.scale_min}
    scale[f"{fw.scale_max} - {fw.high_label}"] = fw.scale_max
    scale["Don't know"] = None
    settings = {
        "tool": "qualtrics",
        "respondent_id": "ExternalReference",
        "organisation": {"column": "Q1"},
        "role": {"column": "Q2", "choices": {label: rid for rid, label in place["roles"].items()}},
        "ratings": {
            "columns": {b: f"Q3_{i + 1}" for i, b in enumerate(fw.behaviour_ids)},
            "scale": scale,
        },
        "ties": {
            "partners": "Q4",
            "depth": {o["id"]: f"Q5_{number[o['id']]}" for o in organisations},
            "trust": {o["id"]: f"Q6_{number[o['id']]}" for o in organisations},
        },
        "reflection": {"text": "Q7", "behaviours": "Q8", "valence": "Q9", "consent": "Q10"},
    }
    header = (
        f"How evalkit reads {place['name']}'s Qualtrics exports (one per round).\n"
        "ExternalReference is the participant code of the contact list: evalkit keeps only a\n"
        "keyed hash of it. No other metadata column (IP address, names, e-mail, location) is read."
    )
    return mapping_yaml(settings, header=header)


#: The Kobo form's XML name of each behaviour's rating, as an evaluator might name them.
KOBO_NAMES = {
    "interconnected_whole": "interconnected",
    "shared_vision": "vision",
    "people_resourceful": "strengths",
    "trusting_relationships": "trusting_relationships",
    "collaborative_leadership": "leadership",
    "learning_informs_adaptation": "learning",
    "power_shared": "power_shared",
    "devolved_decisions": "decisions",
    "mutual_accountability": "accountability",
}


def kobo_export(data, round_number: int, seed: int) -> bytes:
    """One round as a KoboToolbox CSV export: ``;``, XML names with group paths, XML values."""
    fw = load_framework(data.place["framework"])
    place, organisations, _ = _place_parts(data)
    spell = _by_name(organisations)
    org_ids = [o["id"] for o in organisations]
    ratings, ties, reflections = _round_rows(data, round_number)
    people = _people(data.respondents["respondent_id"], seed)
    header = ["start", "end", "today", "deviceid", "about/code", "about/email", "about/org"]
    header += ["about/role", "about/where", "_about/where_latitude", "_about/where_longitude"]
    header += ["_about/where_altitude", "_about/where_precision"]
    header += [f"rate/{KOBO_NAMES.get(b, b)}" for b in fw.behaviour_ids]
    header += ["ties/partners"]
    header += [f"ties/depth_{o}" for o in org_ids] + [f"ties/trust_{o}" for o in org_ids]
    header += ["story/text", "story/tags", "story/valence", "story/consent"]
    header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status"]
    header += ["_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
    rng = np.random.default_rng(seed + 100 + round_number)
    day = pd.Timestamp("2024-03-15") + pd.DateOffset(months=3 * (round_number - 1))
    rows, blanks = [header], 0
    for n, rating in enumerate(ratings.itertuples(index=False)):
        rid = rating.respondent_id
        who = people.loc[rid]
        start = day + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 14)))
        end = start + pd.Timedelta(seconds=int(rng.integers(240, 1500)))
        uuid = "-".join(f"{rng.integers(16**k, 16 ** (k + 1) - 1):x}" for k in (7, 3, 3, 3, 11))
        org_id = spell[" ".join(rating.organisation.casefold().split())]
        row = [
            start.isoformat(),
            end.isoformat(),
            f"{start:%Y-%m-%d}",
            who.device,
            rid,
            who.email,
            org_id,
            rating.role,
            f"{who.latitude} {who.longitude} 0 5",
            who.latitude,
            who.longitude,
            "0",
            "5",
        ]
        for b in fw.behaviour_ids:
            value = getattr(rating, b)
            blanks += pd.isna(value)
            row.append(
                ("dk" if blanks % _DONT_KNOW_EVERY == 0 else "")
                if pd.isna(value)
                else str(int(value))
            )
        mine = ties[ties["respondent_id"] == rid]
        partner_ids = [spell[" ".join(p.casefold().split())] for p in mine["partner"]]
        row.append(" ".join(partner_ids))
        depths = dict(zip(partner_ids, mine["depth"], strict=True))
        trusts = dict(zip(partner_ids, mine["trust"], strict=True))
        row += [depths.get(o, "") for o in org_ids]
        row += [
            "" if o not in trusts or pd.isna(trusts[o]) else str(int(trusts[o])) for o in org_ids
        ]
        if rid in reflections.index:
            story = reflections.loc[rid]
            consent = "yes" if str(story.consent).lower() in ("yes", "true") else "no"
            row += [
                story.text,
                " ".join(t for t in str(story.behaviours).split(";") if t),
                story.valence,
                consent,
            ]
        else:
            row += ["", "", "", ""]
        row += [f"uuid:{uuid}", str(400000 + 1000 * round_number + n), uuid,
                f"{end:%Y-%m-%dT%H:%M:%S}", "", "[]", "submitted_via_web", "", "vKx3", "[]",
                str(n + 1)]  # fmt: skip
        rows.append(row)
    return _csv(rows, ";")


def kobo_mapping(data) -> str:
    """The mapping an evaluator writes for :func:`kobo_export`."""
    fw = load_framework(data.place["framework"])
    place, organisations, _ = _place_parts(data)
    settings = {
        "tool": "kobotoolbox",
        "respondent_id": "about/code",
        "organisation": {"column": "about/org"},
        "role": {"column": "about/role"},
        "ratings": {
            "columns": {b: f"rate/{KOBO_NAMES.get(b, b)}" for b in fw.behaviour_ids},
            "scale": {"dk": None},
        },
        "ties": {
            "partners": "ties/partners",
            "depth": "ties/depth_{id}",
            "trust": "ties/trust_{id}",
        },
        "reflection": {
            "text": "story/text",
            "behaviours": "story/tags",
            "valence": "story/valence",
            "consent": "story/consent",
        },
    }
    header = (
        f"How evalkit reads {place['name']}'s KoboToolbox exports (CSV, XML values and headers).\n"
        "about/code is the participant code on each invitation card: evalkit keeps only a keyed\n"
        "hash of it. The e-mail, the location and the device id are never read."
    )
    return mapping_yaml(settings, header=header)


#: Which demo place is written in which tool's layout (the others in evalkit's own).
EXPORTERS = {"Kingsford": (qualtrics_export, qualtrics_mapping)}
EXPORTERS["Millbrook"] = (kobo_export, kobo_mapping)
