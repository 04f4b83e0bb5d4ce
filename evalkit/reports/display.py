"""How evalkit's result objects show themselves in JupyterLab: a short summary as HTML
(``_repr_html_``) and as plain text (``_repr_pretty_``), never their tables row by row.

Every piece of text is escaped, and only tables the objects have already checked against
``k_min`` are read: a suppressed group is counted at most, never named or shown.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from evalkit.words.shapes import SHAPE_WORDS
from evalkit.words.trajectory import trajectory_overview, trajectory_table

__all__ = [
    "Card",
    "number",
    "time_text",
    "round_report_card",
    "trajectory_card",
    "assessment_card",
    "show_markdown",
    "show_points",
    "show_table",
    "table_html",
]


@dataclass(frozen=True)
class Card:
    """What a result object shows of itself: a title, a sentence, key facts, a table, a note.

    Examples
    --------
    >>> card = Card("A <b> title", ["12 people"], pd.DataFrame({"Behaviour": ["Trust"]}))
    >>> "A &lt;b&gt; title" in card.html() and ">Trust</th>" in card.html()
    True
    >>> print(card.text())
    A <b> title
    12 people
    Behaviour
        Trust
    """

    title: str
    facts: list[str]
    table: pd.DataFrame | None = None
    note: str = ""
    sentence: str = ""

    def html(self) -> str:
        """HTML for JupyterLab, from the ``card.html.j2`` template (every text escaped)."""
        from markupsafe import Markup

        from evalkit.reports.html.pages import page_template

        table = "" if self.table is None or self.table.empty else table_html(self.table)
        return page_template("card.html.j2").render(card=self, table=Markup(table))

    def text(self) -> str:
        """Plain text for a console (and the notebook's text/plain copy)."""
        lines = [self.title, *([self.sentence] if self.sentence else [])]
        lines += [" · ".join(self.facts)] if self.facts else []
        if self.table is not None and not self.table.empty:
            lines.append(self.table.to_string(index=False))
        return "\n".join(lines + ([self.note] if self.note else []))


def number(value, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or an empty string for a missing one.

    Examples
    --------
    >>> number(5.5612), number(float("nan")), number(None)
    ('5.6', '', '')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.{digits}f}"


def time_text(value) -> str:
    """A time point as a reader says it: a whole number, a decimal or a date.

    Examples
    --------
    >>> time_text(4.0), time_text(4.25), time_text(pd.Timestamp("2025-03-01"))
    ('4', '4.2', '2025-03-01')
    """
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"


def round_report_card(report) -> Card:
    """A :class:`~evalkit.reports.round.RoundReport`: who answered, and each behaviour's average
    (everyone) this round and last, from its privacy-checked ``responses`` and ``levels``."""
    responses, k = report.responses, report.k_min
    shown = responses[(responses["group_by"] == "sector") & ~responses["suppressed"]]
    counts = dict(zip(shown["group"], shown["respondents"], strict=True))
    sectors = [
        f"{name} {int(counts[s])}" for s, name in report.place.sectors.items() if s in counts
    ]
    hidden = int(responses.loc[responses["group_by"] != "all", "suppressed"].sum())
    answered = report.n_respondents or "not shown: too few"
    facts = [f"{answered} people answered" + (f" ({', '.join(sectors)})" if sectors else "")]
    previous = report.previous_round
    if previous is not None:
        facts.append(f"compared with {report.place.round(previous).label}")
    facts.append(
        f"not shown: {hidden} group{'s' if hidden > 1 else ''} by sector or role (fewer "
        f"than {k} answers, or hidden beside one that has)"
        if hidden
        else f"every sector and role has at least {k} answers"
    )
    now = report.levels_for("all").set_index("behaviour")
    before = {}
    if previous is not None:
        before = report.levels_for("all", previous).set_index("behaviour").to_dict("index")
    rows = []
    for behaviour, label in report.framework.labels.items():
        if behaviour not in now.index:
            continue
        row = now.loc[behaviour]
        interval = f"{number(row['ci_low'])} to {number(row['ci_high'])}"
        cells = {"Behaviour": label, "Average": _shown(row, number(row["mean"]))}
        cells["95% interval"] = _shown(row, interval, "")
        if previous is not None:
            earlier = before.get(behaviour)
            last = "" if earlier is None else _shown(earlier, number(earlier["mean"]))
            cells[f"Round {previous}"] = last
        rows.append(cells)
    fw = report.framework
    title = f"{report.place.name}: {report.place.round(report.round).label}"
    note = (
        f"Everyone's average rating from {fw.scale_min} to {fw.scale_max}. Tables: levels, "
        "indexes, agreement, gaps, change, reliability, responses; summary() gives every finding."
    )
    return Card(title, facts, pd.DataFrame(rows), note)


def _shown(row, text: str, hidden: str = "not shown") -> str:
    """``text`` for a row that may be shown, ``hidden`` for a suppressed one."""
    return hidden if bool(row["suppressed"]) else text


def trajectory_card(trajectory) -> Card:
    """A :class:`~evalkit.reports.trajectory.Trajectory`: the whole picture, then each behaviour's
    shape and turning round; sectors are only counted, and only those assessed are named."""
    rounds, place = trajectory.rounds, trajectory.place
    sectors = trajectory.assessments[trajectory.assessments["group_by"] == "sector"]
    assessed = trajectory.sector_trends
    names = [name for s, name in place.sectors.items() if s in set(assessed["group"])]
    facts = [f"{len(rounds)} rounds"]
    if names:
        facts.append(f"{len(assessed)} series by sector ({', '.join(names)})")
    if len(sectors) > len(assessed):
        facts.append(
            f"{len(sectors) - len(assessed)} series by sector left out: fewer than "
            f"{trajectory.k_min} answers in some round"
        )
    title = f"{place.name}: how each behaviour has changed, rounds {rounds[0]} to {rounds[-1]}"
    note = (
        "trajectory.assessment(behaviour) shows one series; trajectory.assessments holds them all."
    )
    overview = trajectory_overview(trajectory)
    return Card(title, facts, trajectory_table(trajectory), note, sentence=overview)


def assessment_card(assessment) -> Card:
    """An :class:`~evalkit.change.assess.Assessment`: its sentence (with the evidence), the shape
    and turning points, and the time points with the chosen shape's fitted values."""
    a = assessment
    facts = [SHAPE_WORDS.get(a.shape, a.shape) if a.shape else "too few time points for a shape"]
    noun = a.time_unit or a.time_name
    at = "" if a.time_kind == "datetime" else f"{noun} "
    for point in a.breakpoints if a.nonlinear else []:
        facts.append(
            f"turns at {at}{time_text(point['time'])} (95% interval "
            f"{time_text(point['low'])} to {time_text(point['high'])})"
        )
    facts.append(f"{a.n_times} time points")
    series = a.series
    table = pd.DataFrame(
        {
            noun.capitalize(): [time_text(t) for t in series["time"]],
            "Average": [number(v, 2) for v in series["mean"]],
            "Answers": [str(int(n)) for n in series["n"]],
            "Fitted": [number(v, 2) for v in a.predict(series["time"])],
        }
    )
    return Card(a.label, facts, table, sentence=a.sentence())


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_points(points: list[str]) -> None:
    """A bulleted list, one finding per line."""
    show_markdown("\n".join(f"- {point}" for point in points))


def table_html(table: pd.DataFrame, *, caption: str = "", row_headers: bool = True) -> str:
    """A table as accessible HTML: its caption, column headers, and (``row_headers``) each row's
    first cell marked as the header of its row; every text escaped, missing values blank.

    Examples
    --------
    >>> html = table_html(pd.DataFrame({"Behaviour": ["Trust <3"], "Average": [6.1]}),
    ...                   caption="This round")
    >>> "<caption>This round</caption>" in html, '<th scope="row">Trust &lt;3</th>' in html
    (True, True)
    """
    from evalkit.reports.html.pages import page_template

    rows = [["" if pd.isna(v) else v for v in row] for row in table.itertuples(index=False)]
    return page_template("table.html.j2").render(
        caption=caption, columns=list(table.columns), rows=rows, row_headers=row_headers
    )


def show_table(
    table: pd.DataFrame,
    *,
    caption: str = "",
    empty: str = "Nothing to show.",
    row_headers: bool = True,
    after: str = "",
) -> None:
    """A table (see :func:`table_html`) in the notebook, or a sentence when it has no rows;
    ``after`` is HTML shown under it (links to its files, for example)."""
    from IPython.display import HTML, display

    if table.empty:
        show_markdown(empty)
        return
    display(HTML(table_html(table, caption=caption, row_headers=row_headers) + after))
