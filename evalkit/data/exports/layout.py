"""What evalkit sees in a survey tool's export: its columns (with the question each belongs to)
and its responses, as text cells indexed by the row a spreadsheet shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Column", "Export", "TOOLS", "is_personal"]

#: The tools whose exports evalkit reads, as ``inspect`` names them.
TOOLS = ("qualtrics", "surveymonkey", "microsoft_forms", "google_forms", "kobotoolbox", "evalkit")


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``id`` is the name a mapping uses for it: the tool's column id where it has one (Qualtrics'
    ``Q5_1``, Kobo's XML name), else the header as shown (``#2`` is added to a repeated name).
    ``question`` groups the columns of one question (a grid's rows, a multi-select's options);
    ``item`` is the row or option a column holds ('' for a one-column question). ``meta`` marks
    the tool's own columns (dates, status, response ids); ``personal`` those about the person
    (IP address, location, e-mail, names, recipient fields, external references); ``kind`` is
    what the tool says the column holds, where it says ("text"), else ''.
    """

    id: str
    text: str
    position: int
    question: str
    item: str = ""
    meta: bool = False
    personal: bool = False
    kind: str = ""  # the kind the tool itself says (Qualtrics' _TEXT, SurveyMonkey's open-ended)


@dataclass(frozen=True, eq=False)
class Export:
    """A survey tool's export, read: the tool, its header rows, columns and kept responses.

    ``responses`` has one column per :class:`Column` (by ``id``) and an index of spreadsheet
    row numbers; previews, tests and spam are dropped and counted in ``dropped``, their rows kept
    apart in ``dropped_responses`` (never read into the store).
    """

    tool: str
    header_rows: int
    columns: tuple[Column, ...]
    responses: pd.DataFrame = field(repr=False)
    dropped: dict[str, int] = field(default_factory=dict)
    respondent_id_column: str | None = None
    description: str = ""
    suffix: str = ".csv"
    dropped_responses: pd.DataFrame | None = field(default=None, repr=False)

    def column(self, column_id: str) -> Column:
        return next(c for c in self.columns if c.id == column_id)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.columns]


# Names (compared in lower case, without spaces or underscores) of the columns that describe a
# person rather than answer a question, in every tool's spelling.
_PERSONAL = {
    "ipaddress",
    "recipientlastname",
    "recipientfirstname",
    "recipientemail",
    "externalreference",
    "externaldatareference",
    "locationlatitude",
    "locationlongitude",
    "locationaccuracy",
    "emailaddress",
    "email",
    "name",
    "firstname",
    "lastname",
    "customdata",
    "customdata1",
    "deviceid",
    "phonenumber",
    "username",
    "simserial",
    "subscriberid",
    "geolocation",
    "submittedby",
    "responderemail",
    "respondentemail",
}
_LOCATION = re.compile(r"(latitude|longitude|altitude|precision|geolocation|geopoint|gps)$")


def is_personal(name: str) -> bool:
    """Whether a column of this name holds metadata about the person who answered.

    Examples
    --------
    >>> [is_personal(n) for n in ("IPAddress", "Email Address", "_where_latitude", "Q1")]
    [True, True, True, False]
    """
    key = re.sub(r"[\s_\-.]", "", name.rsplit("/", 1)[-1]).casefold()
    return key in _PERSONAL or bool(_LOCATION.search(key))
