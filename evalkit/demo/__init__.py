"""A fictional place with a known truth, for trying evalkit and for testing it against that truth.

:mod:`~evalkit.demo.simulator` draws a panel survey whose behaviours follow known trajectories
(``stories.yml`` holds what its respondents write); :mod:`~evalkit.demo.files` writes it as place
folders in the formats ingest accepts, with ``truth.json`` beside them.
"""

from evalkit.demo.files import ingest_incoming, write_demo, write_programme
from evalkit.demo.simulator import DEFAULT_SEED, PROGRAMME, SHAPES, VARIANTS, DemoData, simulate

__all__ = [
    "DEFAULT_SEED",
    "PROGRAMME",
    "SHAPES",
    "VARIANTS",
    "DemoData",
    "ingest_incoming",
    "simulate",
    "write_demo",
    "write_programme",
]
