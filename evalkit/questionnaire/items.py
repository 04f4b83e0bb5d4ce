"""What a round's questionnaire asks, from the framework and ``place.yml``, under evalkit's own
question ids (so that an export of it needs no mapping)."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.config import Place
from evalkit.data.vocabulary import DEPTHS, TRUST_SCALE, VALENCES

__all__ = ["Item", "items", "questions", "OTHER", "PER_PARTNER_TEXT"]

OTHER = ("other", "Other, please say")

#: What a grid of per-partner questions asks, in formats that ask it once as a table or matrix.
PER_PARTNER_TEXT = {
    "depth": "How closely did you work with each organisation you chose?",
    "trust": "How far do you trust each organisation you chose to keep its word? "
    "(1 = not at all, 5 = completely)",
}


@dataclass(frozen=True)
class Item:
    """One question: ``kind`` is select_one, select_multiple or text; ``per_partner`` marks the
    questions asked about each partner chosen (``id`` then ends ``_<organisation id>``)."""

    id: str
    kind: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = False
    relevant: str = ""  # the choice of 'organisation' or 'partners' it depends on
    per_partner: str = ""  # "depth" or "trust"
    section: str = ""


def _scale(place: Place) -> tuple[tuple[str, str], ...]:
    fw = place.framework
    points = []
    for n in range(fw.scale_min, fw.scale_max + 1):
        label = {fw.scale_min: fw.low_label, fw.scale_max: fw.high_label}.get(n, "")
        points.append((str(n), f"{n} - {label}" if label else str(n)))
    return (*points, ("dk", "Don't know"))


def items(place: Place, round_number: int) -> list[Item]:
    """Every question of the round's questionnaire, in order.

    Examples
    --------
    >>> from evalkit.config import load_place
    >>> import tempfile, pathlib
    >>> from evalkit.demo.files import write_demo
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     asked = items(load_place(write_demo(pathlib.Path(tmp) / "p")), 1)
    >>> [i.id for i in asked[:4]], asked[5].id
    (['respondent_id', 'organisation', 'organisation_other', 'role'], 'interconnected_whole')
    """
    fw = place.framework
    organisations = tuple((o.id, o.name) for o in place.organisations)
    asked = [
        Item(
            "respondent_id",
            "text",
            "Your participant code",
            hint="It is on your invitation. It links your answers from round to round; evalkit "
            "keeps only a coded form of it.",
            required=True,
            section="About you",
        ),
        Item(
            "organisation",
            "select_one",
            "Which organisation do you work for or with?",
            (*organisations, OTHER),
            required=True,
            section="About you",
        ),
        Item(
            "organisation_other",
            "text",
            "Which organisation? (if not in the list)",
            relevant="organisation=other",
            section="About you",
        ),
        Item(
            "role",
            "select_one",
            "Which of these best describes your role?",
            tuple(place.roles.items()),
            required=True,
            section="About you",
        ),
        Item(
            "sector",
            "select_one",
            "Which sector is your organisation in?",
            tuple(place.sectors.items()),
            section="About you",
        ),
    ]
    scale = _scale(place)
    for b in fw.behaviours:
        asked.append(
            Item(
                b.id,
                "select_one",
                b.prompt,
                scale,
                hint=f"{b.label}: {b.description}",
                section=f"{place.round(round_number).label}: how things are",
            )
        )
    asked.append(
        Item(
            "partners",
            "select_multiple",
            "Which organisations have you worked with in the last three months?",
            organisations,
            "Choose every one.",
            section="Working together",
        )
    )
    depth = tuple((d, d.capitalize()) for d in DEPTHS)
    trust = tuple((str(n), str(n)) for n in range(TRUST_SCALE[0], TRUST_SCALE[1] + 1))
    for org_id, name in organisations:
        asked.append(
            Item(
                f"depth_{org_id}",
                "select_one",
                f"How closely did you work with {name}?",
                depth,
                relevant=f"partners={org_id}",
                per_partner="depth",
                section="Working together",
            )
        )
        asked.append(
            Item(
                f"trust_{org_id}",
                "select_one",
                f"How far do you trust {name} to keep its word? (1 = not at all, 5 = completely)",
                trust,
                relevant=f"partners={org_id}",
                per_partner="trust",
                section="Working together",
            )
        )
    asked += [
        Item(
            "reflection",
            "text",
            "Tell us about something that happened recently that shows "
            "how things are working here.",
            section="Your story",
        ),
        Item(
            "reflection_behaviours",
            "select_multiple",
            "Which of these does it show?",
            tuple((b.id, b.label) for b in fw.behaviours),
            section="Your story",
        ),
        Item(
            "reflection_valence",
            "select_one",
            "Was it a positive, a negative or a mixed experience?",
            tuple((v, v.capitalize()) for v in VALENCES),
            section="Your story",
        ),
        Item(
            "reflection_consent",
            "select_one",
            "May we quote what you wrote, without your name, in reports for the partnership?",
            (("yes", "Yes"), ("no", "No")),
            "Only quotes with your yes are ever shown, and only for groups large enough that "
            "nobody can be recognised.",
            section="Your story",
        ),
    ]
    return asked


def questions(place: Place, round_number: int):
    """The round's questions as a document shows them: ``(new_section, item, partner_rows)``.

    ``new_section`` is the section's title where one begins (else None); the questions asked of
    each partner come once, as the first of them with every row in ``partner_rows`` (else None).

    Examples
    --------
    >>> from evalkit.config import load_place
    >>> import tempfile, pathlib
    >>> from evalkit.demo.files import write_demo
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     shown = list(questions(load_place(write_demo(pathlib.Path(tmp) / "p")), 1))
    >>> [item.per_partner for _, item, rows in shown if rows], shown[0][0]
    (['depth', 'trust'], 'About you')
    """
    asked = items(place, round_number)
    section, grids = None, set()
    for item in asked:
        if item.per_partner in grids:
            continue
        new_section = item.section if item.section != section else None
        section = item.section
        rows = None
        if item.per_partner:
            grids.add(item.per_partner)
            rows = [i for i in asked if i.per_partner == item.per_partner]
        yield new_section, item, rows
