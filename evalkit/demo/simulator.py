"""The demo's simulation: a panel survey of a made-up place whose behaviours follow known,
deliberately non-linear trajectories.

:func:`simulate` builds a made-up UK place (about 60 organisations in four sectors, eight
quarterly rounds) and returns every input file's rows and the truth: the true shape and turning
round of every series. Everything is drawn from one ``numpy.random.default_rng(seed)``, so one
seed always gives the same data. A ``variant`` tells the story with a different cast (which
behaviour follows which shape, and when it turns).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from evalkit.config import DEFAULT_SECTORS, load_framework
from evalkit.exceptions import EvalkitError

__all__ = [
    "DEFAULT_SEED",
    "DemoData",
    "PROGRAMME",
    "SHAPES",
    "VARIANTS",
    "simulate",
    "START_DATE",
    "ROLES",
    "DEPTHS",
]


#: Shape names shared with the change engine.
SHAPES = ("flat", "linear", "step", "segmented", "s_curve", "shock_recovery")


START_DATE = dt.date(2024, 3, 15)


#: The seed ``evalkit demo`` and ``make demo`` use. With seed 1 the sample happens to dip in one
#: flat behaviour (devolved decisions) by more than chance usually gives, and the change engine
#: rightly flags it; seed 2's sample follows the latent truth in all nine.
DEFAULT_SEED = 2


#: The demo programme of ``make demo``: (name, seed, variant) of each place, the default first.
#: Like the default, each seed's sample follows its latent truth closely enough that the change
#: engine recovers every behaviour's shape and turning round.
PROGRAMME = (("Northbridge", DEFAULT_SEED, 0), ("Kingsford", 6, 1), ("Millbrook", 10, 2))


ROLES = {
    "senior_leader": "Senior leader",
    "manager": "Manager",
    "frontline": "Frontline worker",
    "expert_by_experience": "Expert by experience",
    "elected_member": "Elected member",
}


DEPTHS = ("networking", "coordinating", "cooperating", "collaborating")


_FIRST_ROUND, _DROPOUT, _PANEL_LIMITS = 220, 0.15, (150, 300)


_PERSON_SD, _NOISE_SD, _BLANK_RATE = 1.0, 1.2, 0.03


_STAFF_ROLES = {"frontline": 0.55, "manager": 0.30, "senior_leader": 0.13, "elected_member": 0.02}


_SECTOR_OFFSET = {"public": 0.2, "voluntary": 0.0, "private": -0.2, "lived_experience": -0.3}


_VOICE_GAP = -1.0  # lived_experience, on the Power behaviours only, on top of its sector offset


_TRUST_START = 4.3  # the level trust starts from, before its S-curve


_TRUST_MIDPOINTS = {"voluntary": 3.0, "public": 4.4, "lived_experience": 5.0, "private": 6.0}


_BREAK_ROUND, _STEP_ROUND, _SHOCK_ROUND = 4, 5, 5


# variant: (places along the framework's order each behaviour takes its story from, rounds by
# which every turn and event moves); variant 0 is the story told in simulate's docstring
_VARIANTS = {0: (0, 0), 1: (3, -1), 2: (6, 1)}


#: The variants :func:`simulate` knows.
VARIANTS = tuple(_VARIANTS)


# round, days before that round's survey date, kind, description
_EVENTS = (
    (3, 40, "context", "New partnership board formed"),
    (4, 50, "intervention", "Strengths-based practice training for frontline staff"),
    (5, 60, "intervention", "Shared learning programme launched"),
    (5, 30, "context", "Funding cut to partnership budget"),
    (6, 45, "decision", "Board agreed to co-chair with people with lived experience"),
)


# sector | id | name | relative size | aliases; {place} and {p} (its initial) are filled in
_ORGANISATIONS = """
public | council | {place} City Council | 6 | {p}CC; {place} Council
public | nhs-trust | {place} NHS Foundation Trust | 5 | {place} NHS Trust; {place} Hospitals
public | icb | {place} and District Integrated Care Board | 2 | ICB
public | police | {place} Neighbourhood Policing Team | 3 | Police
public | probation | {place} Probation Service | 2 | Probation
public | jobcentre | {place} Jobcentre Plus | 2 | Jobcentre; JCP
public | cmht | {place} Community Mental Health Team | 2 | CMHT
public | homes | {place} Homes | 3 | {place} Housing
public | fire | Eastmoor Fire and Rescue Service | 1 |
public | gp-federation | {place} GP Federation | 2 |
public | college | {place} College | 2 |
public | adult-care | {place} Adult Social Care | 3 | ASC
public | youth-justice | {place} Youth Justice Service | 1 |
public | hubs | {place} Library and Community Hubs | 1 |
voluntary | food-bank | Harbour Lane Food Bank | 3 | Harbour Lane Foodbank
voluntary | advice | {place} Advice Centre | 2 | Advice Centre
voluntary | open-door | Open Door Homeless Project | 3 | Open Door
voluntary | recovery-cafe | Riverside Recovery Café | 2 | Riverside Recovery Cafe
voluntary | womens-centre | {place} Women's Centre | 2 |
voluntary | mission | Canal Street Mission | 1 |
voluntary | second-step | Second Step Housing Trust | 2 | Second Step
voluntary | mh-alliance | {place} Mental Health Alliance | 2 | MHA
voluntary | youth-project | Eastside Youth Project | 1 |
voluntary | refugee-welcome | {place} Refugee Welcome | 1 |
voluntary | carers | {place} Carers Network | 1 |
voluntary | cvs | {place} Council for Voluntary Service | 2 | {p}CVS; CVS
voluntary | safe-haven | Safe Haven Domestic Abuse Service | 2 | Safe Haven
voluntary | credit-union | {place} Credit Union | 1 |
voluntary | tenants | Moorside Tenants' Association | 1 |
voluntary | kitchen | St Mark's Community Kitchen | 1 |
voluntary | arts | Bridge Street Arts | 1 |
voluntary | mens-shed | {place} Men's Shed | 1 |
voluntary | northern-lights | Northern Lights Recovery Network | 2 |
voluntary | new-leaf | New Leaf Resettlement Trust | 1 | New Leaf
voluntary | befriending | Good Neighbours Befriending | 1 |
voluntary | fresh-start | Fresh Start Debt Advice | 1 |
voluntary | sports-trust | {place} Community Sports Trust | 1 |
voluntary | faith-forum | {place} Faith Forum | 1 |
private | buses | {place} Buses | 2 | {place} Bus Company
private | marketgate | Marketgate Shopping Centre | 1 |
private | harrow-builders | Harrow & Daughters Builders | 1 |
private | quayside-pharmacy | Quayside Pharmacy | 1 |
private | castlegate | Castlegate Lettings | 1 |
private | northgate | Northgate Logistics | 2 |
private | tin-kettle | The Tin Kettle Café | 1 | Tin Kettle
private | greaves | Greaves & Co Solicitors | 1 |
private | chamber | {place} Chamber of Commerce | 2 | Chamber of Commerce
private | harbourside-security | Harbourside Security Ltd | 1 |
private | brightwater | Brightwater Energy | 1 |
private | stepping-stones | Stepping Stones Recruitment | 1 |
lived_experience | le-panel | {place} Lived Experience Panel | 5 | LEP; Lived Experience Panel
lived_experience | voices | Voices of Recovery Peer Network | 3 | Voices of Recovery
lived_experience | ebe | Experts by Experience {place} | 3 | EbE {place}
lived_experience | young-voices | Young Voices Collective | 1 |
lived_experience | womens-voices | Women's Voices Group | 1 |
lived_experience | tenants-voice | Tenants' Voice Forum | 1 |
lived_experience | advocates | Recovery Advocates Group | 2 |
lived_experience | justice-voices | Justice Voices | 1 |
"""


#: The stories respondents write, by behaviour and tone (a data file beside this module).
_STORIES_FILE = Path(__file__).with_name("stories.yml")


# fictional contact details (example.org, Ofcom drama numbers) and people's names (in the
# place's redact list) so that masking has work to do
_CONTACTS = (
    " Happy to say more, ask Jo Bloggs at jo.bloggs@example.org.",
    " Ring me on 07700 900123 if you want the detail.",
    " Sam Taylor has the notes (sam.taylor@example.org, +44 20 7946 0958) if anyone wants them.",
)
_REDACT = ["Jo Bloggs", "Sam Taylor"]


@dataclass(frozen=True)
class DemoData:
    """A simulated place: the rows of every input file, with a ``round`` column, and the truth.

    ``respondents`` (respondent_id, organisation, sector, role, person_effect) is the hidden
    panel behind the ratings; ``place`` is the content of ``place.yml``.
    """

    place: dict
    respondents: pd.DataFrame
    ratings: pd.DataFrame
    ties: pd.DataFrame
    reflections: pd.DataFrame
    events: pd.DataFrame
    truth: dict


def simulate(
    seed: int = 1, n_rounds: int = 8, *, name: str = "Northbridge", variant: int = 0
) -> DemoData:
    """Simulate a fictional place whose behaviours follow known trajectories.

    Parameters
    ----------
    seed : int
        Seed of the one random generator used; the same seed gives the same data.
    n_rounds : int
        Quarterly rounds from 15 March 2024, between 6 and 12 (the story needs round 6; in
        variant 2, whose story comes a round later, round 7).
    name : str
        Name of the place; organisation names and ids are built from it.
    variant : {0, 1, 2}
        Who plays which part in the story: 0 is the story below; in variant *v* each behaviour
        takes the trajectory (shape, level and timing) the story gives the behaviour ``3 v``
        places further along the framework's order, and every turning round and event moves
        ``(0, -1, +1)[v]`` rounds.

    Returns
    -------
    DemoData

    Notes
    -----
    A respondent's rating of behaviour *b* in round *r* is
    ``clip(round(latent[b, sector, r] + person + noise), 1, 10)`` with ``person ~ N(0, 1.0)``
    fixed per respondent and ``noise ~ N(0, 1.2)``; ``truth["behaviours"][b]["latent"]`` holds
    exactly these latent means. About 15% of the panel leave after each round and new people join.

    The story: shared vision and devolved decisions stay flat; interconnected whole rises
    steadily; people as resourceful turns upward after round 4 (segmented); learning steps up at
    round 5 with the shared learning programme; trust follows an S-curve that tips first in the
    voluntary sector and last in the private sector, and collaborative leadership follows it a
    round later; power shared and mutual accountability fall with the round 5 funding cut and
    only partly recover. Lived experience rates the Power behaviours about 1.3 lower.

    Examples
    --------
    >>> demo = simulate(seed=1)
    >>> demo.truth["behaviours"]["learning_informs_adaptation"]["shape"]
    'step'
    >>> truth = simulate(seed=1, variant=1).truth["behaviours"]["people_resourceful"]
    >>> truth["shape"], truth["turning_round"]
    ('step', 4)
    >>> sorted(demo.ratings["round"].unique().tolist())
    [1, 2, 3, 4, 5, 6, 7, 8]
    """
    if isinstance(variant, bool) or not isinstance(variant, int) or variant not in _VARIANTS:
        raise EvalkitError(f"The demo has variants 0, 1 and 2, not {variant!r}.")
    shift = _VARIANTS[variant][1]
    fewest = 6 + max(shift, 0)
    if not isinstance(n_rounds, int) or not fewest <= n_rounds <= 12:
        raise EvalkitError(f"The demo needs {fewest} to 12 rounds, not {n_rounds!r}.")
    if not isinstance(name, str) or not name.strip():
        raise EvalkitError("Give the demo place a name, e.g. 'Northbridge'.")
    name = name.strip()
    rng = np.random.default_rng(seed)
    framework = load_framework("system-behaviours")
    orgs = _organisations(name)
    behaviours, latent = _latent(framework, n_rounds, orgs, variant)
    respondents, panel = _panel(rng, orgs, n_rounds)
    who = panel.join(respondents, on="person")  # one row per respondent per round
    who["name"] = orgs["name"].to_numpy()[who["org_index"]]
    rounds = _rounds(n_rounds)
    events = pd.DataFrame(
        [
            (r, (rounds[r - 1]["date"] - dt.timedelta(days=days)).isoformat(), kind, text)
            for r, days, kind, text in ((r + shift, *rest) for r, *rest in _EVENTS)
            if r <= n_rounds
        ],
        columns=["round", "date", "kind", "description"],
    )
    place = {
        "name": name,
        "framework": framework.id,
        "k_min": 5,
        "rounds": rounds,
        "sectors": dict(DEFAULT_SECTORS),
        "roles": dict(ROLES),
        "organisations": [
            {"id": o.id, "name": o.name, "sector": o.sector}
            | ({"aliases": list(o.aliases)} if o.aliases else {})
            for o in orgs.itertuples()
        ],
        "redact": list(_REDACT),
    }
    truth = {
        "seed": seed,
        **({"variant": variant} if variant else {}),  # variant 0 writes what it always wrote
        "place": name,
        "rounds": list(range(1, n_rounds + 1)),
        "behaviours": behaviours,
        "events": events.to_dict("records"),
    }
    trust = latent[framework.behaviour_ids.index("trusting_relationships")]
    return DemoData(
        place=place,
        respondents=respondents.drop(columns=["org_index", "sector_index"]),
        ratings=_ratings(rng, who, orgs, latent, framework.behaviour_ids),
        ties=_ties(rng, who, orgs, trust, _STEP_ROUND + _VARIANTS[variant][1]),
        reflections=_reflections(rng, who, latent, framework.behaviour_ids),
        events=events,
        truth=truth,
    )


def _latent(
    framework, n_rounds: int, orgs: pd.DataFrame, variant: int = 0
) -> tuple[dict, np.ndarray]:
    """The truth per behaviour, and the latent means as an array [behaviour, sector, round]."""
    t = np.arange(1, n_rounds + 1, dtype=float)
    rotation, shift = _VARIANTS[variant]
    break_round, step_round, shock_round = (
        r + shift for r in (_BREAK_ROUND, _STEP_ROUND, _SHOCK_ROUND)
    )
    midpoints = {s: m + shift for s, m in _TRUST_MIDPOINTS.items()}

    def s_curve(midpoint: float) -> np.ndarray:
        return 2.0 / (1.0 + np.exp(-(t - midpoint) / 0.7))

    share = orgs.groupby("sector")["weight"].sum() / orgs["weight"].sum()
    trust_mid = sum(share[s] * m for s, m in midpoints.items())  # for the place as a whole
    lead_mid = trust_mid + 1.0  # leadership follows trust by about a round
    before = 0.15 * (np.minimum(t, shock_round - 1) - 1)
    # the recovery is capped below the drop, so the level never regains its pre-shock height
    after = -1.5 + np.minimum(0.3 * (t - shock_round), 1.2)
    shock = before + np.where(t >= shock_round, after, 0.0)
    ramp = 0.4 * np.maximum(t - break_round, 0)
    trust_curves = {s: s_curve(m) for s, m in midpoints.items()}
    plan = {  # behaviour: shape, turning round, base level, change (one series, or one per sector)
        "interconnected_whole": ("linear", None, 4.2, 0.25 * (t - 1)),
        "shared_vision": ("flat", None, 6.0, 0 * t),
        "people_resourceful": ("segmented", break_round, 4.5, ramp),
        "trusting_relationships": ("s_curve", _rounded(trust_mid), _TRUST_START, trust_curves),
        "collaborative_leadership": ("s_curve", _rounded(lead_mid), 4.0, s_curve(lead_mid)),
        "learning_informs_adaptation": ("step", step_round, 4.8, 1.2 * (t >= step_round)),
        "power_shared": ("shock_recovery", shock_round, 5.8, shock),
        "devolved_decisions": ("flat", None, 4.5, 0 * t),
        "mutual_accountability": ("shock_recovery", shock_round, 5.5, shock),
    }
    ids = framework.behaviour_ids
    if set(plan) != set(ids):
        raise EvalkitError("The demo's story does not match the system-behaviours framework.")
    truth, latent = {}, np.zeros((len(plan), len(DEFAULT_SECTORS), n_rounds))
    for i, b in enumerate(ids):
        shape, turning, base, change = plan[ids[(i + rotation) % len(ids)]]
        entry = {"shape": shape, "turning_round": turning, "latent": {}}
        power = framework.group_of(b) == "power"
        for j, s in enumerate(DEFAULT_SECTORS):
            gap = _VOICE_GAP if power and s == "lived_experience" else 0.0
            series = change[s] if isinstance(change, dict) else change
            latent[i, j] = np.round(base + _SECTOR_OFFSET[s] + gap + series, 4)
            entry["latent"][s] = latent[i, j].tolist()
        if isinstance(change, dict):
            entry["by_sector"] = {
                s: {"shape": shape, "turning_round": _rounded(midpoints[s])}
                for s in DEFAULT_SECTORS
            }
        truth[b] = entry
    return truth, latent


def _rounded(x: float) -> int:
    return int(np.floor(x + 0.5))


def _rounds(n_rounds: int) -> list[dict]:
    seasons = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}
    rounds = []
    for i in range(n_rounds):
        months = START_DATE.month - 1 + 3 * i
        date = START_DATE.replace(year=START_DATE.year + months // 12, month=months % 12 + 1)
        label = f"Round {i + 1} ({seasons.get(date.month, date.strftime('%B'))} {date.year})"
        rounds.append({"number": i + 1, "label": label, "date": date})
    return rounds


def _organisations(place: str) -> pd.DataFrame:
    prefix = _id_prefix(place)
    rows = []
    for line in _ORGANISATIONS.strip().splitlines():
        sector, oid, name, weight, aliases = (part.strip() for part in line.split("|"))
        fill = {"place": place, "p": place[0].upper()}
        rows.append(
            {
                "sector_index": list(DEFAULT_SECTORS).index(sector),
                "id": f"{prefix}-{oid}",
                "name": name.format(**fill),
                "sector": sector,
                "weight": float(weight),
                "aliases": tuple(a.strip().format(**fill) for a in aliases.split(";") if a.strip()),
            }
        )
    return pd.DataFrame(rows)


def _id_prefix(place: str) -> str:
    """'West Harbour' -> 'wh'; 'Northbridge' -> 'nb' (first letter and that of a common ending)."""
    words = re.findall(r"[a-z]+", place.lower()) or ["x"]
    if len(words) > 1:
        return words[0][0] + words[1][0]
    word = words[0]
    for ending in ("bridge", "ford", "field", "port", "pool", "bury", "ton", "ham"):
        if word.endswith(ending) and len(word) > len(ending):
            return word[0] + ending[0]
    return word[:2]


def _panel(rng, orgs: pd.DataFrame, n_rounds: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The people (one row each) and who answered in which round (round, person)."""
    active, size = np.arange(_FIRST_ROUND), _FIRST_ROUND
    taking_part = [active]
    for _ in range(2, n_rounds + 1):
        stay = active[rng.random(active.size) >= _DROPOUT]
        lo, hi = _PANEL_LIMITS
        joiners = int(np.clip(rng.poisson(_DROPOUT * _FIRST_ROUND), lo - stay.size, hi - stay.size))
        active = np.concatenate([stay, np.arange(size, size + joiners)])
        size += joiners
        taking_part.append(active)
    org = rng.choice(len(orgs), size=size, p=orgs["weight"] / orgs["weight"].sum())
    sector = orgs["sector"].to_numpy()[org]
    staff_role = rng.choice(list(_STAFF_ROLES), size=size, p=list(_STAFF_ROLES.values()))
    # Only councils have elected members: a role too small to show, as real places have.
    staff_role[(staff_role == "elected_member") & (sector != "public")] = "senior_leader"
    staff_role[np.flatnonzero(sector == "public")[:3]] = "elected_member"  # from round 1 on
    respondents = pd.DataFrame(
        {
            "respondent_id": [f"R{i + 1:04d}" for i in range(size)],
            "organisation": orgs["id"].to_numpy()[org],
            "sector": sector,
            "role": np.where(sector == "lived_experience", "expert_by_experience", staff_role),
            "person_effect": rng.normal(0.0, _PERSON_SD, size),
            "org_index": org,
            "sector_index": orgs["sector_index"].to_numpy()[org],
        }
    )
    panel = pd.DataFrame(
        {
            "round": np.repeat(np.arange(1, n_rounds + 1), [a.size for a in taking_part]),
            "person": np.concatenate([np.sort(a) for a in taking_part]),
        }
    )
    return respondents, panel


def _level(series: np.ndarray, who: pd.DataFrame) -> np.ndarray:
    """Latent level(s) for each row of ``who``, from an array [..., sector, round]."""
    return series[..., who["sector_index"].to_numpy(), who["round"].to_numpy() - 1]


def _heading(who: pd.DataFrame, rows, *columns: str) -> pd.DataFrame:
    """The leading columns of an input file (round, respondent_id, organisation, ...)."""
    picked = who.iloc[rows][["round", "respondent_id", "name", *columns]]
    return picked.rename(columns={"name": "organisation"}).reset_index(drop=True)


def _ratings(rng, who, orgs, latent: np.ndarray, behaviour_ids: list[str]) -> pd.DataFrame:
    level = _level(latent, who).T
    noise = rng.normal(0.0, _NOISE_SD, level.shape)
    ratings = np.clip(np.rint(level + who["person_effect"].to_numpy()[:, None] + noise), 1, 10)
    ratings[rng.random(ratings.shape) < _BLANK_RATE] = np.nan
    heading = _heading(who, slice(None), "role")
    heading["organisation"] = _as_typed(rng, orgs, who["org_index"].to_numpy())
    return pd.concat(
        [heading, pd.DataFrame(ratings, columns=behaviour_ids).astype("Int64")], axis=1
    )


def _as_typed(rng, orgs: pd.DataFrame, org_index: np.ndarray) -> list[str]:
    """Organisation names as people type them: mostly the name, sometimes an alias or odd case."""
    pick, nth = rng.random(org_index.size), rng.integers(0, 60, org_index.size)
    typed = []
    for i, u, k in zip(org_index, pick, nth, strict=True):
        name, aliases = orgs["name"].iat[i], orgs["aliases"].iat[i]
        if u < 0.08 and aliases:
            typed.append(aliases[k % len(aliases)])
        elif u < 0.12:
            typed.append(name.lower() if k % 2 else name.upper())
        else:
            typed.append(name)
    return typed


def _ties(rng, who, orgs, trust: np.ndarray, step_round: int, tries: int = 6) -> pd.DataFrame:
    """1 to 4 partners each; ties deepen as trust in one's sector grows, and cross sectors far
    more often once the shared learning programme starts (the step round)."""
    level = _level(trust, who) - _TRUST_START
    n = len(who)
    joined_up = who["round"].to_numpy() >= step_round
    p_cross = np.clip(0.25 + 0.05 * level + 0.3 * joined_up, 0.1, 0.75)
    cross = rng.random((n, tries)) < p_cross[:, None]
    draw, partner = rng.random((n, tries)), np.zeros((n, tries), dtype=int)
    weight, sector = orgs["weight"].to_numpy(), orgs["sector"].to_numpy()
    for o in range(len(orgs)):  # bigger organisations are named more often
        mine = who["org_index"].to_numpy() == o
        for is_cross in (False, True):
            pool = np.flatnonzero((sector != sector[o]) if is_cross else (sector == sector[o]))
            pool = pool[pool != o]
            cum = np.cumsum(weight[pool]) / weight[pool].sum()
            cell = mine[:, None] & (cross == is_cross)
            partner[cell] = pool[np.minimum(np.searchsorted(cum, draw[cell]), pool.size - 1)]
    named = pd.DataFrame({"row": np.repeat(np.arange(n), tries), "partner": partner.ravel()})
    named = named.drop_duplicates()
    wanted = rng.integers(1, 5, n)
    named = named.loc[named.groupby("row").cumcount().to_numpy() < wanted[named["row"]]]
    rows = named["row"].to_numpy()
    depth = np.clip(np.rint(rng.normal(0.5 + 0.6 * level[rows], 0.8)), 0, 3).astype(int)
    trust_score = np.clip(np.rint(rng.normal(2.0 + 0.5 * depth + 0.3 * level[rows], 0.8)), 1, 5)
    trust_score[rng.random(rows.size) < 0.1] = np.nan
    return _heading(who, rows).assign(
        partner=orgs["name"].to_numpy()[named["partner"]],
        depth=np.array(DEPTHS)[depth],
        trust=pd.array(trust_score).astype("Int64"),
    )


def _reflections(rng, who, latent: np.ndarray, behaviour_ids: list[str]) -> pd.DataFrame:
    """Nearly half the respondents write a story; its valence follows the behaviour's trajectory."""
    stories = _story_bank()
    # a story is positive when the level is high for that series, or has just risen
    rise = np.diff(latent, axis=2, prepend=latent[:, :, :1])
    p_positive = 1 / (1 + np.exp(-(3.0 * (latent - latent.mean(axis=2, keepdims=True)) + rise)))
    writers = np.flatnonzero(rng.random(len(who)) < 0.45)
    n, k = writers.size, len(behaviour_ids)
    first = rng.integers(0, k, n)
    mood, luck = rng.random(n), rng.random(n)
    pick, contact = rng.integers(0, 2, (n, 2)), rng.random(n)
    writer = who.iloc[writers]
    p = p_positive[first, writer["sector_index"].to_numpy(), writer["round"].to_numpy() - 1]
    valence = np.where(mood < 0.15, "mixed", np.where(luck < p, "positive", "negative"))
    tags, texts = [], []
    for i, b in enumerate(np.array(behaviour_ids)[first]):
        tags.append(b)  # one tag: the text and its valence are about this behaviour
        good, bad = stories[b, "+"][pick[i, 0]], stories[b, "-"][pick[i, 1]]
        text = {"positive": good, "negative": bad, "mixed": f"{good} But {bad[0].lower()}{bad[1:]}"}
        tail = _CONTACTS[i % len(_CONTACTS)] if contact[i] < 0.06 else ""
        texts.append(text[valence[i]] + tail)
    return _heading(who, writers, "role").assign(
        behaviours=tags,
        valence=valence,
        consent=np.where(rng.random(n) < 0.8, "yes", "no"),
        text=texts,
    )


def _story_bank() -> dict[tuple[str, str], list[str]]:
    """(behaviour, "+" or "-") -> the stories of that tone, from ``stories.yml``."""
    stories = yaml.safe_load(_STORIES_FILE.read_text(encoding="utf-8"))
    signs = {"positive": "+", "negative": "-"}
    return {
        (behaviour, signs[tone]): list(texts)
        for behaviour, tones in stories.items()
        for tone, texts in tones.items()
    }
