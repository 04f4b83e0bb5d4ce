"""Assess a trajectory: what shape its change has taken, when it turned, and how sure we are.

:func:`assess_trend` takes tidy rows (a time column, a value, optionally a respondent id) for one
series; :func:`assess_trends` does the same for every combination of grouping columns and adjusts
the p-values for testing many series at once. Both aggregate to time points first: the round mean,
its sampling variance se^2 = s^2 / n, and a between-round variance tau^2 on top (see
:mod:`evalkit.change.variance`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit._io import jsonable
from evalkit.change.intervals import breakpoint_interval
from evalkit.change.nonlinearity import MIN_BREAKPOINT_POINTS, nonlinearity_test
from evalkit.change.series import (
    _aggregate,
    _per_unit,
    _tidy,
    numeric_time,
    sampling_covariance,
    to_time,
)
from evalkit.change.shapes import default_shapes
from evalkit.change.variance import (
    Profiler,
    VarianceModel,
    flexible_tau2_moments,
    line_ml_tau2,
)
from evalkit.exceptions import EvalkitError
from evalkit.indicators.multiple_testing import benjamini_hochberg
from evalkit.words.trends import sentence

__all__ = [
    "MIN_BREAKPOINT_POINTS",
    "TREND_COLUMNS",
    "Assessment",
    "Fitted",
    "Series",
    "Tests",
    "assess_trend",
    "assess_trends",
    "decide",
    "fit_shapes",
    "pooled_tau2",
    "prepare_series",
    "run_tests",
    "series_seeds",
    "to_records",
]

#: Columns of :func:`assess_trends` after the grouping columns.
TREND_COLUMNS = [
    "shape",
    "nonlinear",
    "p_value",
    "p_adjusted",
    "breakpoint",
    "breakpoint_low",
    "breakpoint_high",
    "slope_before",
    "slope_after",
    "level_shift",
    "n_times",
    "sentence",
    "breakpoints",
    "models",
]
_ALPHA = 0.05
_CLEAR = 1.96  # a slope counts as rising or falling when its 95% interval excludes 0
_MIN_POOL = 5  # series needed before the between-round variance is pooled across them


# --- the result ----------------------------------------------------------------------------------


@dataclass
class Assessment:
    """What :func:`assess_trend` found for one series.

    Attributes
    ----------
    shape : str or None
        One of ``evalkit.change.SHAPES``; None with fewer than 3 time points.
    nonlinear : bool
        Whether the test rejects the straight line (never with fewer than 6 time points).
    p_value : float
        p-value of the non-linearity test (NaN when not run).
    breakpoints : list of dict
        ``{"time", "low", "high"}`` per turning time (a step's or shock's first time of the new
        level, a broken line's psi, an S-curve's midpoint), with a 95% interval.
    slope_before, slope_after : float
        Slopes (per unit of time) away from the break; both the slope for a straight line, 0 for
        flat, step and S-curve plateaus; NaN when not defined.
    level_shift : float
        Jump at a step or shock; an S-curve's upper - lower; NaN otherwise.
    models : DataFrame
        Every shape fitted: ``name, n_params, tau2, rss, loglik, aic, aicc, aicc_v, bic``.
        ``n_params`` counts breakpoints; the criteria add one for the variance; ``rss`` is
        weighted by the model's own (V + tau^2 I)^-1; ``aicc_v`` chooses the shape (see
        :func:`assess_trend`).
    slope_p_value : float
        Test of the straight line's slope (flat against linear).
    tau2 : float
        Between-round variance behind the tests (see :func:`assess_trend`; sigma^2 of the straight
        line without sampling errors).
    series : DataFrame
        The round means (see :func:`round_means`).
    model : Shape or None
        The chosen shape, fitted (times in the numeric scale ``series["x"]``).
    robust : DataFrame or None
        With a unit column: the chosen shape's slopes and shift refitted on the respondent rows
        (breakpoint fixed) with standard errors clustered by unit: ``term, estimate, se, ci_low,
        ci_high, p_value`` (computed on first access).
    p_adjusted : float or None
        Set by :func:`assess_trends`: the Benjamini-Hochberg p-value that ``nonlinear`` used,
        over ``n_adjusted`` series.
    runner_up : str or None
        A non-linear shape at least as simple as the chosen one that fits almost as well
        (``aicc_v`` within 2); the sentence mentions it.
    material : tuple of bool
        Whether the slopes before and after have 95% intervals that exclude 0 (the sentence says
        "stayed flat" or "levelled off" otherwise).
    """

    shape: str | None
    nonlinear: bool
    p_value: float
    breakpoints: list
    slope_before: float
    slope_after: float
    level_shift: float
    models: pd.DataFrame
    slope_p_value: float
    tau2: float
    series: pd.DataFrame
    model: object = None
    p_adjusted: float | None = None
    n_adjusted: int = 1
    label: str = "The series"
    value_unit: str = "points"
    time_name: str = "time"
    time_unit: str | None = None
    time_kind: str = "numeric"
    runner_up: str | None = None
    material: tuple = field(default=(True, True))
    _robust: object = field(default=None, repr=False)

    @property
    def robust(self) -> pd.DataFrame | None:
        """The cluster-robust refit of the chosen shape (see the class notes), on first access."""
        if callable(self._robust):
            self._robust = self._robust()
        return self._robust

    @property
    def n_times(self) -> int:
        """Number of distinct time points."""
        return int(len(self.series))

    def predict(self, times) -> np.ndarray:
        """The chosen shape's curve at times given in the column's own terms."""
        if self.model is None:
            return np.full(np.shape(times), np.nan)
        x, _ = numeric_time(pd.Series(np.atleast_1d(times)))
        return self.model.predict(x)

    def sentence(self, label: str | None = None) -> str:
        """One plain-English sentence for a workshop."""
        return sentence(self, label or self.label)

    def to_record(self) -> dict:
        """JSON-ready summary: the keys of :data:`TREND_COLUMNS` (lists for breakpoints, models)."""
        first = self.breakpoints[0] if self.breakpoints else {}
        record = {
            "shape": self.shape,
            "nonlinear": bool(self.nonlinear),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "breakpoint": first.get("time"),
            "breakpoint_low": first.get("low"),
            "breakpoint_high": first.get("high"),
            "slope_before": self.slope_before,
            "slope_after": self.slope_after,
            "level_shift": self.level_shift,
            "n_times": self.n_times,
            "sentence": self.sentence(),
            "breakpoints": [dict(b) for b in self.breakpoints],
            "models": self.models[["name", "aic", "aicc", "bic"]].to_dict("records"),
        }
        return jsonable(record)

    def _repr_html_(self) -> str:
        """JupyterLab's view: the sentence, the evidence and the time points with the fit."""
        from evalkit.reports.display import assessment_card

        return assessment_card(self).html()

    def _repr_pretty_(self, printer, cycle) -> None:
        """The same summary as plain text in IPython, instead of every table row by row."""
        from evalkit.reports.display import assessment_card

        printer.text(assessment_card(self).text())


# --- one series ----------------------------------------------------------------------------------


def assess_trend(
    data: pd.DataFrame,
    *,
    time: str,
    value: str,
    unit: str | None = None,
    aggregate: bool = True,
    n_boot: int = 199,
    max_boot: int = 999,
    tau2: float | None = None,
    seed: int = 0,
    label: str | None = None,
    value_unit: str = "points",
    time_unit: str | None = None,
) -> Assessment:
    """What shape has this series' change taken, when did it turn, and how sure are we?

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one series (see :func:`round_means`).
    time, value : str
        Columns of the time (round numbers, years, dates or any numeric x) and the value.
    unit : str, optional
        Respondent id; adds slopes with standard errors clustered by respondent (``robust``).
    aggregate : bool
        True (default) fits the time points' means; False fits every row as one observation
        with independent errors of common variance (classic regression, as for data such as
        ``stagnant`` whose times repeat).
    n_boot, max_boot : int
        Bootstrap replicates of the non-linearity test: batches of ``n_boot`` while fewer than 10
        replicates reach the observed value, up to ``max_boot`` (small p-values sharpen, which
        matters once p-values are adjusted across many series). Also the replicates of the
        breakpoint intervals.
    tau2 : float, optional
        A known (e.g. pooled) between-round variance for the tests, instead of the estimate; the
        non-linearity statistic then holds it fixed rather than profiling it.
    seed : int
        Seed of the bootstrap.
    label : str, optional
        What the series is called in the sentence (default: the value column's name).
    value_unit : str
        Unit of the values in the sentence.
    time_unit : str, optional
        Name of one time step in the sentence ("round", "year"); by default read from the time
        column's name (``round``, ``wave``, ``year``...) or "year" for dates.

    Returns
    -------
    Assessment

    Notes
    -----
    Each time point t gets the mean y_t, n_t and se_t^2 = s_t^2 / n_t (the pooled within-time
    variance stands in where n_t = 1). The model is y_t = f(t) + u_t + e_t with sampling errors
    e ~ N(0, V), V = diag(se_t^2), and between-round variation u_t ~ N(0, tau^2). With a unit
    column, people who answer in several rounds make the means' errors correlated, and V is their
    cluster-robust covariance (:func:`~evalkit.change.series.sampling_covariance`). Every shape
    in :func:`~evalkit.change.shapes.default_shapes` is fitted by generalised least squares with
    weight matrix (V + tau^2 I)^-1 (weights 1 / (se_t^2 + tau^2) without a unit), its own tau^2
    found by maximum likelihood. When every time point has a single value (or with
    ``aggregate=False``), se is unknown and the fits are ordinary least squares with common
    variance sigma^2.

    The decision:

    1. Fewer than 6 distinct time points: no breakpoint is claimed; flat or linear only.
    2. Otherwise :func:`~evalkit.change.variance.nonlinearity_test` (parametric bootstrap of the
       likelihood ratio against every non-linear shape) decides ``nonlinear`` at 5%. Its null is
       the straight line with the between-round variance tau^2 of the best-supported model by
       (the usual) AICc: the straight line's own when nothing else is supported, so that a clear
       turn does not hide behind the variance it would otherwise add to the line. (Estimates
       that search the shapes for the smallest residuals are unbiased but, from one series of 8
       rounds, too noisy: in simulations they let 4 to 8% of straight lines through.)
       :func:`assess_trends` pools tau^2 over a family's series instead.
    3. If non-linear, the shape is the non-linear one with the smallest small-sample criterion
       ``aicc_v`` = -2 log L + 2p + w 2p(p + 1) / (k - p - 1), p counting breakpoints and the
       variance, k the number of time points, w = tau_m^2 / (mean se_t^2 + tau_m^2) the share of
       the model's residual variance that is estimated rather than known. Without known sampling
       errors w = 1 and this is the usual AICc (Hurvich and Tsai 1989). The AICc term is the
       price of estimating the residual variance; a model whose tau_m^2 is 0 has, in effect, the
       known variance V, for which AIC's 2p is the exact small-sample penalty. The full term
       (18.7 more for a broken line than for a step at 8 rounds) called every non-linear series
       a step in simulations, misplacing the turn of every backslide; one share for all models
       of a series (from the pooled tau^2) did little better. A broken line whose two slopes
       have opposite signs, each with a 95% interval that excludes 0, is reported as
       ``u_shape`` (backsliding or recovery).
    4. Otherwise flat or linear by the t-test of the slope of the straight line (generalised
       least squares with weight W = (V + tau^2 I)^-1 for the same tau^2, Knapp-Hartung variance
       max(1, Q / (k - 2)) (X'WX)^-1, Q = r'Wr, t with k - 2 df) at 5%; with one value per time
       point this is the ordinary t-test of the slope.

    Breakpoint intervals are 95% percentile intervals of a parametric bootstrap from the chosen
    shape (:func:`~evalkit.change.variance.breakpoint_interval`).

    References
    ----------
    Hurvich, C. M. and Tsai, C.-L. (1989). Biometrika 76, 297-307 (AICc).
    Knapp, G. and Hartung, J. (2003). Statistics in Medicine 22, 2693-2710.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> rounds = np.repeat(np.arange(1, 9), 120)
    >>> ratings = 5 + 1.2 * (rounds >= 5) + rng.normal(0, 1.5, rounds.size)
    >>> df = pd.DataFrame({"round": rounds, "rating": ratings})
    >>> result = assess_trend(df, time="round", value="rating", label="Shared learning")
    >>> result.shape, result.nonlinear, result.breakpoints[0]["time"]
    ('step', True, 5.0)
    >>> result.sentence()  # doctest: +NORMALIZE_WHITESPACE
    'Shared learning rose by about 1.2 points between round 4 and round 5 and stayed at the new
    level; a straight line fits clearly worse (p = 0.001).'
    """
    series = prepare_series(
        data,
        time=time,
        value=value,
        unit=unit,
        aggregate=aggregate,
        label=label,
        value_unit=value_unit,
        time_unit=time_unit,
    )
    fitted = fit_shapes(series, seed=seed)
    tests = run_tests(series, fitted, tau2=tau2, n_boot=n_boot, max_boot=max_boot, seed=seed)
    return decide(series, fitted, tests)


# --- the steps, as pure functions over small records ---------------------------------------------


@dataclass(frozen=True, eq=False)
class Series:
    """One series ready for fitting: its rows, its time points and their sampling covariance.

    ``t`` and ``y`` are what the shapes are fitted to: the time points' numeric times and means
    (or, with ``aggregate=False`` and repeated times, every row); ``k`` counts distinct times.
    """

    rows: pd.DataFrame
    table: pd.DataFrame
    variance: VarianceModel
    t: np.ndarray
    y: np.ndarray
    k: int
    unit: str | None
    kind: str
    time_name: str
    label: str
    value_unit: str
    time_unit: str | None


@dataclass(frozen=True, eq=False)
class Fitted:
    """Every shape fitted to a series, each with its own tau^2 (``fits``: name -> (shape, tau2)),
    the models table, and the between-round variance terms the tests start from."""

    fits: dict
    models: pd.DataFrame
    tau2_line: float = 0.0
    tau2_supported: float = 0.0
    moments: tuple | None = None


@dataclass(frozen=True)
class Tests:
    """The slope test and (with 6 or more time points) the non-linearity test of a series."""

    p_value: float
    slope_p: float
    line_tau2: float
    n_boot: int
    seed: int


def prepare_series(
    data: pd.DataFrame,
    *,
    time: str,
    value: str,
    unit: str | None = None,
    aggregate: bool = True,
    label: str | None = None,
    value_unit: str = "points",
    time_unit: str | None = None,
) -> Series:
    """Aggregate tidy rows of one series to its time points (see :func:`assess_trend`)."""
    rows, kind = _tidy(data, time, value, unit)
    units = _per_unit(rows, unit)
    table = _aggregate(units)
    table.attrs["time_kind"] = kind
    ordinary = not aggregate or bool((table["n"] == 1).all())
    cov = None if ordinary else sampling_covariance(rows, table, unit)
    rows = rows if not aggregate else units
    each_row = cov is None and len(rows) > len(table)  # aggregate=False with repeated times
    t = (rows if each_row else table)["x"].to_numpy(dtype=float)
    return Series(
        rows=rows,
        table=table,
        variance=VarianceModel(cov, len(t)),
        t=t,
        y=(rows["value"] if each_row else table["mean"]).to_numpy(dtype=float),
        k=int(table["x"].nunique()),
        unit=unit,
        kind=kind,
        time_name=time,
        label=label or value.replace("_", " ").capitalize(),
        value_unit=value_unit,
        time_unit=time_unit,
    )


def fit_shapes(series: Series, *, seed: int = 0) -> Fitted:
    """Fit every shape of :func:`default_shapes`, each with its own tau^2 by maximum likelihood.

    With 6 or more time points and known sampling errors, also the moment terms of
    :func:`flexible_tau2_moments` for pooling tau^2 over series.
    """
    if series.k < 3:
        return Fitted({}, _models_frame([]))
    model, t, y = series.variance, series.t, series.y
    tau2_line = 0.0
    if model.known:
        tau2_line = line_ml_tau2(np.column_stack([np.ones(len(t)), t]), y, model)
        profiler = Profiler(model, y)
    rows, fits = [], {}
    for shape in default_shapes(series.k):
        tau2 = tau2_line
        if model.known:  # start from the tau^2 of the shape's best grid point
            values, taus = profiler.minus2loglik(shape.designs(t)[1], y[:, None])
            tau2 = float(taus[np.argmin(values[:, 0]), 0])
        shape.fit(t, y, weights=model.weights(tau2))
        if not np.isfinite(shape.rss_):
            rows.append({"name": shape.name, "n_params": shape.n_params, "tau2": np.nan})
            continue
        resid = y - shape.predict(t)
        tau2 = model.profile_tau2(resid)  # sigma^2 = RSS / n when nothing is known
        resid = y - shape.predict(t)
        rss = (
            float(resid @ resid)
            if not model.known
            else float(resid @ np.linalg.solve(model.covariance(tau2), resid))
        )
        fits[shape.name] = (shape, tau2)
        rows.append(
            {
                "name": shape.name,
                "n_params": shape.n_params,
                "tau2": tau2,
                "rss": rss,
                "loglik": -model.minus2loglik(resid, tau2) / 2,
            }
        )
    sampling = float(np.mean(np.diag(model.v))) if model.known else 0.0
    models = _models_frame(rows, n=len(t), sampling=sampling)
    supported = models.dropna(subset=["aicc"]).sort_values("aicc")
    tau2_supported, moments = tau2_line, None
    if model.known and len(supported) and np.isfinite(supported["aicc"].iloc[0]):
        tau2_supported = float(supported["tau2"].iloc[0])
    if model.known and series.k >= MIN_BREAKPOINT_POINTS:
        shape, _ = fits[supported["name"].iloc[0]]
        moments = flexible_tau2_moments(t, y, model.v, truth=shape.predict(t), n_sim=200, seed=seed)
    return Fitted(fits, models, tau2_line, tau2_supported, moments)


def run_tests(
    series: Series,
    fitted: Fitted,
    *,
    tau2: float | None = None,
    n_boot: int = 199,
    max_boot: int = 999,
    seed: int = 0,
) -> Tests:
    """Run the slope test and (with 6 or more time points) the non-linearity test.

    ``tau2``: a pooled or known between-round variance; by default the best-supported model's
    own (see :func:`assess_trend`).
    """
    nan = float("nan")
    if series.k < 3:
        return Tests(nan, nan, nan, n_boot, seed)
    known = series.variance.known
    pooled = tau2 is not None
    if known and tau2 is None:
        tau2 = fitted.tau2_supported
    null_tau2 = tau2 if known else None
    slope_p, line_tau2 = _slope_test(series, null_tau2)
    p_value = nan
    if series.k >= MIN_BREAKPOINT_POINTS:
        p_value = nonlinearity_test(
            series.t,
            series.y,
            series.variance.v if known else None,
            tau2=null_tau2,
            n_boot=n_boot,
            max_boot=max_boot,
            seed=seed,
            fixed_tau2=pooled,
        ).p_value
    return Tests(p_value, slope_p, line_tau2, n_boot, seed)


def decide(
    series: Series,
    fitted: Fitted,
    tests: Tests,
    p_adjusted: float | None = None,
    n_adjusted: int = 1,
) -> Assessment:
    """The assessment: ``nonlinear`` decided on ``p_adjusted`` when given (else the p-value),
    then the shape and its parts described."""
    common = {
        "series": series.table,
        "label": series.label,
        "value_unit": series.value_unit,
        "time_name": series.time_name,
        "time_unit": series.time_unit,
        "time_kind": series.kind,
        "models": fitted.models,
        "p_adjusted": p_adjusted,
        "n_adjusted": n_adjusted,
    }
    nan = float("nan")
    if series.k < 3:
        return Assessment(None, False, nan, [], nan, nan, nan, slope_p_value=nan, tau2=nan,
                          **common)  # fmt: skip
    decisive = tests.p_value if p_adjusted is None else p_adjusted
    nonlinear = bool(decisive <= _ALPHA)
    if nonlinear:
        name, runner_up = _choose_nonlinear(fitted)
    else:
        name, runner_up = ("linear" if tests.slope_p <= _ALPHA else "flat"), None
    shape, tau2 = fitted.fits[name]
    before, after, shift, material = _effects(shape, series, tau2)
    if name == "segmented" and all(material) and before * after < 0:
        name = "u_shape"
        shape, tau2 = fitted.fits.get("u_shape", (shape, tau2))
    breakpoints = _breakpoints(series, shape, tau2, tests) if nonlinear else []
    return Assessment(
        shape=name,
        nonlinear=nonlinear,
        p_value=tests.p_value,
        breakpoints=breakpoints,
        slope_before=before,
        slope_after=after,
        level_shift=shift,
        slope_p_value=tests.slope_p,
        tau2=tests.line_tau2,
        model=shape,
        _robust=(lambda: _robust_slopes(shape, series)) if series.unit is not None else None,
        runner_up=runner_up,
        material=material,
        **common,
    )


def _breakpoints(series: Series, shape, tau2, tests: Tests) -> list[dict]:
    if not shape.breakpoints_:
        return []
    known = series.variance.known
    intervals = breakpoint_interval(
        shape,
        series.t,
        series.variance.v if known else None,
        tau2=tau2 if known else 0.0,
        n_boot=tests.n_boot,
        seed=tests.seed + 1,
    )
    return [
        {
            "time": to_time(b, series.kind),
            "low": to_time(low, series.kind),
            "high": to_time(high, series.kind),
        }
        for b, (low, high) in zip(shape.breakpoints_, intervals, strict=True)
    ]


def _slope_test(series: Series, tau2) -> tuple[float, float]:
    from scipy import stats

    t, y = series.t, series.y
    x = np.column_stack([np.ones(len(t)), t])
    df = len(t) - 2
    if df <= 0:
        return float("nan"), float("nan")
    if series.variance.known:
        s = series.variance.covariance(tau2)
    else:
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        tau2 = float(resid @ resid) / df
        s = tau2 * np.eye(len(t))
    w = np.linalg.inv(s)
    cov = np.linalg.inv(x.T @ w @ x)
    coef = cov @ x.T @ w @ y
    resid = y - x @ coef
    q = max(1.0, float(resid @ w @ resid) / df)
    t_stat = coef[1] / math.sqrt(q * cov[1, 1])
    return float(2 * stats.t.sf(abs(t_stat), df)), float(tau2)


def _choose_nonlinear(fitted: Fitted) -> tuple[str, str | None]:
    models = fitted.models
    candidates = models[
        ~models["name"].isin(["flat", "linear", "u_shape"]) & np.isfinite(models["aicc_v"])
    ].sort_values("aicc_v")
    if candidates.empty:  # too few points for any finite AICc: the simplest non-linear shape
        candidates = models[models["name"].isin(fitted.fits)].query(
            "name not in ['flat', 'linear', 'u_shape']"
        )
    names = candidates["name"].tolist()
    gaps = candidates["aicc_v"].to_numpy() - candidates["aicc_v"].to_numpy()[0]
    sizes = candidates["n_params"].to_numpy()
    # a hedge only for a shape at least as simple that fits almost as well
    close = [i for i in range(1, len(names)) if gaps[i] < 2 and sizes[i] <= sizes[0]]
    return names[0], (names[close[0]] if close else None)


def _models_frame(rows: list[dict], n: int = 0, sampling: float = 0.0) -> pd.DataFrame:
    """The models table; ``sampling`` is the mean known sampling variance (0 when unknown)."""
    columns = ["name", "n_params", "tau2", "rss", "loglik", "aic", "aicc", "aicc_v", "bic"]
    get = {c: np.array([r.get(c, np.nan) for r in rows], dtype=float) for c in columns[1:5]}
    p = get["n_params"] + 1  # the variance
    m2ll = -2 * get["loglik"]
    with np.errstate(divide="ignore", invalid="ignore"):
        correction = np.where(n - p - 1 > 0, 2 * p * (p + 1) / (n - p - 1), np.inf)
        share = get["tau2"] / (sampling + get["tau2"]) if sampling > 0 else np.ones(len(rows))
        weighted = np.where(share > 0, share * correction, 0.0)
    frame = pd.DataFrame(
        {
            "name": [r["name"] for r in rows],
            "n_params": get["n_params"].astype(int),
            "tau2": get["tau2"],
            "rss": get["rss"],
            "loglik": get["loglik"],
            "aic": m2ll + 2 * p,
            "aicc": m2ll + 2 * p + correction,
            "aicc_v": m2ll + 2 * p + weighted,
            "bic": m2ll + p * np.log(max(n, 1)),
        },
        columns=columns,
    )
    return frame


def _effects(shape, series: Series, tau2) -> tuple[float, float, float, tuple[bool, bool]]:
    """slope_before, slope_after, level_shift, and whether each slope's 95% interval excludes 0."""
    params, name = shape.params_, shape.name
    nan = float("nan")
    if name == "flat":
        return 0.0, 0.0, nan, (False, False)
    if name == "linear":
        slope = params["slope"]
        return slope, slope, nan, (True, True)
    if name in ("step", "s_curve"):
        shift = params["level_shift"] if name == "step" else params["upper"] - params["lower"]
        return 0.0, 0.0, shift, (False, False)
    before, after = params["slope_before"], params["slope_after"]
    shift = params.get("level_shift", 0.0)
    x = shape.design(series.t, shape.location_)
    if series.variance.known:
        w = np.linalg.inv(series.variance.covariance(tau2))
        cov = np.linalg.pinv(x.T @ w @ x)
    else:
        df = max(len(series.t) - shape.n_params, 1)
        cov = np.linalg.pinv(x.T @ x) * shape.rss_ / df
    last = np.asarray(_robust_terms(shape)["slope_after"], dtype=float)
    se_before = math.sqrt(max(cov[1, 1], 0.0))
    se_after = math.sqrt(max(float(last @ cov @ last), 0.0))
    material = (abs(before) >= _CLEAR * se_before, abs(after) >= _CLEAR * se_after)
    return before, after, shift, material


def _robust_slopes(shape, series: Series) -> pd.DataFrame:
    """The chosen shape refitted on the unit rows, breakpoint fixed, SEs clustered by unit."""
    import statsmodels.api as sm

    rows = series.rows
    x = shape.design(rows["x"].to_numpy(dtype=float), shape.location_)
    groups = pd.factorize(rows[series.unit])[0]
    terms = _robust_terms(shape)
    if x.shape[0] <= x.shape[1] or len(np.unique(groups)) < 2:
        return pd.DataFrame(columns=["term", "estimate", "se", "ci_low", "ci_high", "p_value"])
    fit = sm.OLS(rows["value"].to_numpy(dtype=float), x).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    out = []
    for term, contrast in terms.items():
        c = np.asarray(contrast, dtype=float)
        test = fit.t_test(c[None, :])
        low, high = np.asarray(test.conf_int())[0]
        out.append(
            {
                "term": term,
                "estimate": float(np.squeeze(test.effect)),
                "se": float(np.squeeze(test.sd)),
                "ci_low": float(low),
                "ci_high": float(high),
                "p_value": float(np.squeeze(test.pvalue)),
            }
        )
    return pd.DataFrame(out)


def _robust_terms(shape) -> dict[str, list[float]]:
    """Contrasts of the shape's coefficients that make its slopes and shift."""
    return {
        "flat": {"level": [1]},
        "linear": {"slope": [0, 1]},
        "step": {"level_shift": [0, 1]},
        "s_curve": {"level_shift": [0, 1]},
        "segmented": {"slope_before": [0, 1, 0], "slope_after": [0, 1, 1]},
        "u_shape": {"slope_before": [0, 1, 0], "slope_after": [0, 1, 1]},
        "shock_recovery": {
            "slope_before": [0, 1, 0, 0],
            "level_shift": [0, 0, 1, 0],
            "slope_after": [0, 1, 0, 1],
        },
        "two_breakpoints": {
            "slope_before": [0, 1, 0, 0],
            "slope_middle": [0, 1, 1, 0],
            "slope_after": [0, 1, 1, 1],
        },
    }[shape.name]


# --- many series ---------------------------------------------------------------------------------


def assess_trends(
    data: pd.DataFrame,
    *,
    time: str,
    value: str,
    unit: str | None = None,
    by=(),
    aggregate: bool = True,
    n_boot: int = 199,
    max_boot: int = 999,
    pool_tau2: bool = True,
    tau2: float | None = None,
    family=None,
    seed: int = 0,
    value_unit: str = "points",
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Assess every series (one per combination of the ``by`` columns) and adjust for testing many.

    Parameters
    ----------
    data : DataFrame
        Tidy rows.
    time, value, unit, aggregate, n_boot, max_boot, seed, value_unit, time_unit
        As for :func:`assess_trend`; each series' bootstraps are seeded by ``seed`` and the
        series' own ``by`` values (:func:`series_seeds`), not by its place in the list.
    by : str or sequence of str
        Grouping columns (e.g. ``["behaviour", "sector"]``); the series' label in its sentence is
        its last ``by`` value.
    pool_tau2 : bool
        Estimate one between-round variance from the series of each family together (when at
        least 5 of them have sampling errors), for their tests and null distributions; see Notes.
    tau2 : float, optional
        A known between-round variance for every series' tests (no estimate).
    family : str or sequence of str, optional
        Columns whose values define the families of series analysed together, e.g. ``"place"``:
        p-values are adjusted, and tau^2 pooled, within each (default: all series form one).

    Returns
    -------
    DataFrame
        The ``by`` columns, then :data:`TREND_COLUMNS`: ``shape, nonlinear, p_value, p_adjusted,
        breakpoint, breakpoint_low, breakpoint_high, slope_before, slope_after, level_shift,
        n_times, sentence``, and ``breakpoints`` (list of ``{time, low, high}``) and ``models``
        (list of ``{name, aic, aicc, bic}``) for JSON, and ``assessment``, the
        :class:`Assessment` of each row (for its fitted curve, robust slopes and display).
        ``nonlinear`` is ``p_adjusted <= 0.05``, the p-values adjusted by Benjamini-Hochberg
        within each family.

    Notes
    -----
    The Benjamini-Hochberg adjustment (1995) controls the false discovery rate across the series
    of a family. Pooling: the round-to-round noise of a place's surveys (who answered, when, in
    what mood) is alike for every behaviour it asks about, so one tau^2 is estimated from the
    family's series together, tau^2 = max(0, sum_s excess_s / sum_s slope_s) with the moment
    terms of :func:`~evalkit.change.variance.flexible_tau2_moments` (the best-fitting shape's
    residuals, corrected for its selection, so that neither a clear non-linear series nor the
    search inflates or shrinks it). Each series' statistic still profiles its own tau^2; only the
    null distribution uses the pooled one. With 8 rounds one series alone estimates tau^2 from a
    handful of degrees of freedom, which costs the test much of its power.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> rounds = np.tile(np.repeat(np.arange(1, 9), 100), 2)
    >>> trend = np.where(np.arange(rounds.size) < 800, 0.0, 0.15 * rounds)
    >>> df = pd.DataFrame({"round": rounds, "behaviour": np.repeat(["vision", "trust"], 800),
    ...                    "rating": 5 + trend + rng.normal(0, 1.5, rounds.size)})
    >>> table = assess_trends(df, time="round", value="rating", by="behaviour")
    >>> table[["behaviour", "shape", "nonlinear"]]
      behaviour   shape  nonlinear
    0     trust  linear      False
    1    vision    flat      False
    """
    by = [by] if isinstance(by, str) else list(by)
    family = [family] if isinstance(family, str) else list(family or [])
    if not set(family) <= set(by):
        raise EvalkitError("The columns of `family` must be among the `by` columns.")
    missing = [c for c in by if c not in data.columns]
    if missing:
        raise EvalkitError(f"Grouping column(s) {', '.join(map(repr, missing))} not found.")
    groups = data.groupby(by, sort=True, dropna=False, observed=True) if by else [((), data)]
    keys, series, fitted, seeds = [], [], [], []
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        fit_seed, test_seed = series_seeds(seed, key)
        s = prepare_series(
            rows,
            time=time,
            value=value,
            unit=unit,
            aggregate=aggregate,
            label=str(key[-1]).replace("_", " ").capitalize() if by else None,
            value_unit=value_unit,
            time_unit=time_unit,
        )
        keys.append(key)
        series.append(s)
        fitted.append(fit_shapes(s, seed=fit_seed))
        seeds.append(test_seed)
    frame = pd.DataFrame(keys, columns=by) if by else pd.DataFrame(index=range(len(series)))
    families = (
        list(frame.groupby(family, sort=False, dropna=False).indices.values())
        if family
        else [np.arange(len(series))]
    )
    tests: list = [None] * len(series)
    adjusted, sizes = np.full(len(series), np.nan), np.zeros(len(series), int)
    for index in families:
        known = tau2
        if known is None and pool_tau2:
            known = pooled_tau2([fitted[i] for i in index])
        for i in index:
            tests[i] = run_tests(
                series[i], fitted[i], tau2=known, n_boot=n_boot, max_boot=max_boot, seed=seeds[i]
            )
        p = np.array([tests[i].p_value for i in index], dtype=float)
        adjusted[index] = benjamini_hochberg(p)
        sizes[index] = np.isfinite(p).sum()
    assessments = [
        decide(
            series[i],
            fitted[i],
            tests[i],
            float(adjusted[i]) if np.isfinite(tests[i].p_value) else None,
            int(sizes[i]),
        )
        for i in range(len(series))
    ]
    records = pd.DataFrame([a.to_record() for a in assessments], columns=TREND_COLUMNS)
    table = pd.concat([frame.reset_index(drop=True), records], axis=1)
    table["nonlinear"] = table["nonlinear"].astype(bool)
    table["assessment"] = pd.Series(assessments, index=table.index, dtype=object)
    return table


def series_seeds(seed: int, key: tuple) -> tuple[int, int]:
    """Two seeds (fitting, testing) for the series named ``key``: from the key itself, not its
    position, so adding or removing another series changes nothing in this one.

    Examples
    --------
    >>> series_seeds(0, ("trust", "all")) == series_seeds(0, ("trust", "all"))
    True
    >>> series_seeds(0, ("trust", "all")) != series_seeds(0, ("vision", "all"))
    True
    """
    name = "\x1f".join(str(part) for part in key).encode("utf-8")
    entropy = [int(seed), *np.frombuffer(hashlib.sha256(name).digest(), dtype=np.uint32)]
    fit_seed, test_seed = np.random.SeedSequence(entropy).generate_state(2)
    return int(fit_seed), int(test_seed)


def pooled_tau2(fitted: list[Fitted]) -> float | None:
    """sum of excess / sum of slope over the series' flexible moment terms (None if too few)."""
    terms = [f.moments for f in fitted if f.moments is not None]
    if len(terms) < _MIN_POOL:
        return None
    excess, slope = np.sum(np.array(terms), axis=0)
    return max(0.0, float(excess / slope))


def to_records(table: pd.DataFrame) -> list[dict]:
    """The rows of :func:`assess_trends` as JSON-ready dicts (NaN as None, dates as ISO strings).

    Examples
    --------
    >>> import json
    >>> table = pd.DataFrame({"behaviour": ["trust"], "p_value": [np.nan], "breakpoints": [[]]})
    >>> json.dumps(to_records(table))
    '[{"behaviour": "trust", "p_value": null, "breakpoints": []}]'
    """
    rows = table.drop(columns="assessment", errors="ignore")
    return [jsonable(r) for r in rows.to_dict("records")]
