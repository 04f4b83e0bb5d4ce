"""Shared fixtures: seeded synthetic frames, and one demo place built once per test session."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evalkit.config import Organisation

matplotlib.use("Agg")

#: Organisations with the names and aliases people write (apostrophes, &, accents), for masking.
NORTHBRIDGE_ORGANISATIONS = tuple(
    Organisation(*fields)
    for fields in (
        ("nb-council", "Northbridge City Council", "public", ("NCC", "Northbridge Council")),
        ("open-door", "Open Door Homeless Project", "voluntary", ("Open Door",)),
        ("police", "Northbridge Neighbourhood Policing Team", "public", ("Police",)),
        ("probation", "Northbridge Probation Service", "public", ("Probation",)),
        ("icb", "Northbridge and District Integrated Care Board", "public", ("ICB",)),
        ("womens-centre", "Northbridge Women's Centre", "voluntary", ()),
        ("harrow", "Harrow & Daughters Builders", "private", ()),
        ("cafe", "Riverside Recovery Café", "voluntary", ("Riverside Recovery Cafe",)),
    )
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def synthetic_ratings() -> pd.DataFrame:
    """Tidy ratings for 2 rounds x 3 behaviours x 4 sectors, with some blanks and a tiny sector."""
    rng = np.random.default_rng(20261126)
    sizes = {"public": 40, "voluntary": 30, "private": 12, "lived_experience": 3}
    rows = []
    for round_number in (1, 2):
        person = 0
        for sector, size in sizes.items():
            for _ in range(size):
                person += 1
                role = rng.choice(["frontline", "manager", "senior_leader"], p=[0.6, 0.3, 0.1])
                for behaviour in ("trust", "vision", "power"):
                    rating = float(np.clip(round(rng.normal(5 + round_number * 0.5, 2)), 1, 10))
                    rows.append(
                        {
                            "round": round_number,
                            "respondent": f"p{person:03d}",
                            "organisation": f"{sector}-org",
                            "sector": sector,
                            "role": role,
                            "behaviour": behaviour,
                            "rating": np.nan if rng.random() < 0.05 else rating,
                        }
                    )
    return pd.DataFrame(rows)


def ingest_all_rounds(place_dir):
    """Ingest every round a demo wrote under ``incoming/``, as ``make demo`` does."""
    from evalkit.demo.files import ingest_incoming

    ingest_incoming(place_dir)


@pytest.fixture(scope="session")
def demo_place(tmp_path_factory):
    """The demo place of ``make demo`` with every round ingested (shared: treat as read-only)."""
    from evalkit.demo.files import write_demo
    from evalkit.demo.simulator import DEFAULT_SEED

    place_dir = write_demo(tmp_path_factory.mktemp("places") / "demo", seed=DEFAULT_SEED)
    ingest_all_rounds(place_dir)
    return place_dir


def small_framework(groups: dict[str, list[str]]):
    """A 1-10 framework whose groups hold the given behaviour ids (labels: ids in title case)."""
    from evalkit.config import Behaviour, Framework

    return Framework(
        id="test",
        name="Test",
        version="1",
        scale_min=1,
        scale_max=10,
        strongly_present=8,
        largely_absent=3,
        groups={g: g.title() for g in groups},
        behaviours=tuple(
            Behaviour(b, b.title(), g, "", "") for g, ids in groups.items() for b in ids
        ),
    )


@pytest.fixture(scope="session")
def demo_programme_outputs(tmp_path_factory):
    """``make demo`` in a temporary folder: (programme folder, outputs folder), read-only.

    The three demo places, every round ingested, every report run (a few minutes: use it only
    in tests marked slow; the privacy scan and the browser test share it).
    """
    from evalkit import run as runner
    from evalkit.demo.files import write_programme

    programme = tmp_path_factory.mktemp("programme")
    for place_dir in write_programme(programme):
        ingest_all_rounds(place_dir)
    outputs = tmp_path_factory.mktemp("outputs")
    results = runner.run(programme, outputs_dir=outputs, progress=False)
    failed = {r.job.name: r.error for r in results if not r.ok}
    assert not failed, failed
    return programme, outputs
