"""From the files a survey tool exports to the place's store.

The way a round travels: :mod:`~evalkit.data.readers` turns a file's bytes into cells;
:mod:`~evalkit.data.checks` (one module per kind of file, with :mod:`~evalkit.data.vocabulary`)
finds every problem, collected by :mod:`~evalkit.data.problems`; :mod:`~evalkit.data.validate`
runs them over a round's files; :mod:`~evalkit.data.keys` pseudonymises respondents;
:mod:`~evalkit.data.ingest` loads the rows into :mod:`~evalkit.data.store` in one transaction,
keeping the raw files. :mod:`~evalkit.data.learning_log` records workshop decisions the same way;
:mod:`~evalkit.data.export` writes tables for spreadsheets safely.
"""

from evalkit.data.ingest import IngestResult, ingest_round
from evalkit.data.validate import RoundCheck, check_round, validate_round

__all__ = ["IngestResult", "RoundCheck", "check_round", "ingest_round", "validate_round"]
