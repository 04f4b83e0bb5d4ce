"""One plain-English sentence per assessment, in the words a sense-making workshop uses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.change.series import numeric_time, to_time
from evalkit.limits import MIN_BREAKPOINT_POINTS
from evalkit.words.shapes import shape_phrase

_TIME_NOUNS = ("round", "wave", "cycle", "quarter", "month", "week", "year", "day")


def sentence(a, label: str) -> str:
    """The sentence for an :class:`~evalkit.change.assess.Assessment`."""
    if a.shape is None:
        return (
            f"{label} has only {a.n_times} time point{'s' if a.n_times != 1 else ''}: "
            "too few to describe a trend."
        )
    words = _Words(a)
    evidence = words.evidence()
    p = a.model.params_ if a.model is not None else {}
    if not a.nonlinear:
        if a.shape == "linear":
            body = f"moved in a straight line, {words.way(a.slope_before)} about " + words.rate(
                a.slope_before
            )
        else:
            level = float(np.average(a.series["mean"], weights=a.series["n"]))
            body = f"stayed about level, around {_num(level, signed=False)}"
        if a.n_times < MIN_BREAKPOINT_POINTS:
            return (
                f"{label} {body}; with only {a.n_times} {words.plural()}, it is too early to tell "
                f"a turning point from noise (at least {MIN_BREAKPOINT_POINTS} are needed)."
            )
        return f"{label} {body}; {evidence}."
    b = a.breakpoints
    if a.shape == "step":
        before = words.previous(b[0]["time"])
        body = (
            f"{words.moved(a.level_shift)} by about {words.amount(a.level_shift)} between "
            f"{before} and {words.at(b[0]['time'])} and stayed at the new level"
        )
    elif a.shape == "s_curve":
        body = (
            f"{words.moved(a.level_shift)} about {words.amount(a.level_shift)} from one plateau to "
            f"another, turning fastest around {words.at(b[0]['time'])}"
        )
    elif a.shape == "shock_recovery":
        drop = "dropped" if a.level_shift < 0 else "jumped"
        recovering = (a.slope_after > 0) == (a.level_shift < 0)
        after = (
            f"then {'recovered' if recovering else 'kept ' + words.going(a.slope_after)} about "
            + words.rate(a.slope_after)
            if a.material[1]
            else "then held roughly level"
        )
        body = f"{drop} about {words.amount(a.level_shift)} at {words.at(b[0]['time'])}, {after}"
    elif a.shape == "two_breakpoints":
        middle = p["slope_middle"]
        body = (
            f"{words.phase(a.slope_before, a.material[0])} until "
            f"{words.at(b[0]['time'], approx=True)}, {words.phase(middle, True, then=False)} until "
            f"{words.at(b[1]['time'], approx=True)}, then "
            f"{words.phase(a.slope_after, a.material[1], then=False)}"
        )
    else:  # segmented, u_shape
        turned = a.shape == "u_shape"
        body = (
            f"{words.phase(a.slope_before, a.material[0])} until "
            f"{words.at(b[0]['time'], approx=True)}, then "
            f"{words.phase(a.slope_after, a.material[1], then=False, turned=turned)}"
        )
    hedge = ""
    if a.runner_up:
        hedge = f" ({shape_phrase(a.runner_up)} fits almost as well)"
    return f"{label} {body}{hedge}; {evidence}."


class _Words:
    """Numbers, times and p-values in workshop English."""

    def __init__(self, a):
        self.a = a
        name = a.time_name.lower()
        noun = a.time_unit or next((w for w in _TIME_NOUNS if w in name), None)
        if a.time_kind == "datetime":
            noun = a.time_unit or "year"
        self.noun = noun
        self.label_times = noun not in (None, "year") and a.time_kind != "datetime"

    def plural(self) -> str:
        return f"{self.noun}s" if self.noun else "time points"

    def at(self, x, approx: bool = False) -> str:
        """A time as the workshop says it: "round 5", "round 4.5", "March 2025", "1898"."""
        about = "about " if approx else ""
        if isinstance(x, pd.Timestamp):
            return f"{about}{x.strftime('%B %Y')}"
        exact = abs(x - round(x)) < 1e-9
        if self.label_times:
            near = abs(x - round(x)) < 0.15
            text = f"{self.noun} {round(x)}" if near else f"{self.noun} {round(x * 2) / 2:g}"
            return text if exact else about + text
        if self.noun == "year":
            return f"{x:.0f}" if exact else f"{about}{x:.1f}"
        return f"{self.a.time_name} = {x:.3g}"

    def previous(self, x) -> str:
        times = self.a.series["time"].tolist()
        xs = self.a.series["x"].to_numpy()
        numeric, _ = numeric_time(pd.Series([x]))
        earlier = np.flatnonzero(xs < numeric[0] - 1e-9)
        if not len(earlier):
            return str(times[0])
        return self.at(to_time(xs[earlier[-1]], self.a.time_kind))

    def amount(self, value) -> str:
        return f"{_num(value, signed=False)} {self.a.value_unit}"

    def rate(self, slope) -> str:
        per = f"a {self.noun}" if self.noun else f"per unit of {self.a.time_name}"
        return f"{_num(slope, signed=False)} {self.a.value_unit} {per}"

    @staticmethod
    def way(slope) -> str:
        return "up" if slope > 0 else "down"

    @staticmethod
    def moved(change) -> str:
        return "rose" if change > 0 else "fell"

    @staticmethod
    def going(slope) -> str:
        return "rising" if slope > 0 else "falling"

    def phase(self, slope, material, then: bool = True, turned: bool = False) -> str:
        """One segment: "rose about 0.4 points a round", "stayed flat", "levelled off"."""
        if not material:
            return "stayed flat" if then else "levelled off"
        if turned:
            verb = "fell back" if slope < 0 else "recovered"
        else:
            verb = "rose" if slope > 0 else "fell"
        return f"{verb} about {self.rate(slope)}"

    def evidence(self) -> str:
        a = self.a
        p = a.p_adjusted if a.p_adjusted is not None else a.p_value
        if not np.isfinite(p):
            return "no test of a turning point was possible"
        shown = _p_text(p)
        if a.p_adjusted is not None and a.n_adjusted > 1:
            shown += f", adjusted for {a.n_adjusted} series"
        if a.nonlinear:
            strength = "clearly worse" if p < 0.01 else "worse"
            return f"a straight line fits {strength} ({shown})"
        if p < 0.2:
            return f"there are hints of a turn, not enough to rule out a straight line ({shown})"
        return f"nothing suggests a turning point ({shown})"


def _p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {float(f'{p:.2g}'):g}" if p < 0.1 else f"p = {p:.2f}"


def _num(x: float, signed: bool = True) -> str:
    a = abs(x) if not signed else x
    size = abs(a)
    if size >= 10:
        return f"{a:.0f}"
    if size >= 0.095:
        return f"{a:.1f}"
    return f"{a:.2f}"
