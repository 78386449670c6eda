"""Employment transitions among employed, unemployed, inactive (long-term sick) and inactive (other).

Each month a resident in state s faces competing hazards to the other states:

    job entry      (U, I -> E):  rate[s->E] x area job_entry x duration(months out of work)
                                 x work-limiting HR x age HR x exp(readiness_effect x (readiness - 0.5))
                                 x wanting work or not (inactive: model.dynamics.wanting)
                                 x condition factors (condition_factors) x programme modifiers
                                 (long-term sick: x their decline with duration, sick_duration_factors)
    to unemployment (E, I -> U): rate[s->U] x area unemployment (x job-exit modifiers when employed;
                                 long-term sick: x sick_duration_factors)
    to inactivity, other (E, U -> IO): rate[s->I] (x job-exit modifiers when employed)
    to long-term sickness (E, U -> IS), work-limiting residents only:
                                 rate[s->I] x sickness HR x area sickness (x job-exit modifiers when employed)
    job-exit modifiers:          fragile new job x 1 / work-limiting HR x age HR x condition factors
                                 x programme modifiers

and leaves with probability 1 - exp(-total), the destination drawn in proportion to the hazards (one uniform
per resident). A long-term sick resident who stops being work-limiting moves to inactive (other); an inactive
(other) resident who becomes work-limiting moves to long-term sick with probability r / (1 + r), r the
area's sickness hazard ratio.

Sources: the rates are intercepts fitted so that the heterogeneous population reproduces the LFS gross flows
(ONS 2013); duration dependence is the ONS ratio of 3.2 between the short- and long-term unemployed; new jobs
end within 6 months with probability 0.40 (PAC HC 131, 2007-08); the work-limiting hazard ratio is fitted to
the disability employment gap (CBP-7540); the conditions' odds ratios to published employment rates by
condition (calibration/targets/conditions.csv), and the long-term sick's further decline to the share of
incapacity benefit claimants who had claimed for five years or more (PAC HC 404, 2010-11). Age and readiness
modifiers are assumptions (parameters.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from model.config import economy
from model.config.areas import AreaProfile
from model.config.parameters import AREA_FACTORS, Parameters, area_factor_path
from model.config.scenario import month_index
from model.config.vocabulary import (
    EARLIEST_MONTH,
    EMPLOYED,
    LATEST_MONTH,
    MENTAL_HEALTH,
    MH_CMD,
    MH_SMI,
    UNEMPLOYED,
)
from model.core.components import Month
from model.core.modifiers import Modifiers, rate
from model.core.population import (
    AGE_BAND_OF_YEAR,
    AGE_BANDS,
    AGES,
    Population,
    column,
)
from model.core.streams import Streams, stream
from model.dynamics import wanting

column("state", np.uint8, "employment state, an index into STATES")
column(
    "months_out_of_work", np.int16, "months out of work in the current spell, this one included (0: employed)"
)
column("job_tenure", np.int16, "months in the current job, the current month included (0 if not employed)")
JOB_ENTRY = rate(
    "employment.job_entry", "hazard_ratio", "monthly hazard of entering work, for the out of work"
)
MOVES = stream("employment", "the competing-hazards draw between employment states")
SICKNESS = stream(
    "employment.sickness", "an inactive resident becoming work-limiting moves to long-term sick"
)
JOB_EXIT = rate("employment.job_exit", "hazard_ratio", "monthly hazards of leaving work, for the employed")


def duration_ratio_table(ratio: float, short: int, long: int) -> np.ndarray:
    """Hazard ratio on job entry by months out of work (index clipped at ``long``).

    1 up to ``short`` months, 1/``ratio`` from ``long`` months, log-linear in between.
    """
    d = np.arange(long + 1, dtype=float)
    frac = np.clip((d - short) / max(long - short, 1), 0.0, 1.0)
    return ratio ** (-frac)


def fragile_factor(exit_within: float, window: int, reference_exit_hazard: float) -> float:
    """Multiplier on the exit hazards of a job in its first ``window`` months.

    A job with the reference exit hazard times this factor ends within the window with probability
    ``exit_within``: factor = -ln(1 - exit_within) / (window x reference hazard), at least 1.
    """
    return max(-np.log1p(-exit_within) / (window * reference_exit_hazard), 1.0)


@dataclass(frozen=True)
class EmploymentRates:
    """Hazard tables for the monthly employment step (all monthly, float32 where gathered per resident)."""

    to_employment: np.ndarray  # by origin state
    to_unemployment: np.ndarray
    to_inactivity: np.ndarray
    area_job_entry: np.ndarray  # by area
    area_unemployment: np.ndarray
    sickness_hr: np.ndarray  # by area: sickness hazard relative to other inactivity, work-limiting residents
    duration: np.ndarray  # by months out of work, clipped
    tenure_exit: np.ndarray  # by job tenure (index 0 = not employed -> 1), clipped
    work_limiting_entry: np.ndarray  # [not, work-limiting]
    job_exit_by_group: np.ndarray  # (employed, work-limiting, age): ones when not employed
    entry_by_age: np.ndarray  # (AGES,)
    readiness_effect: float
    workless_job_entry_ratio: float  # job entry from a workless household relative to others (households)
    wants_entry: np.ndarray  # (states, wants): wanting work or not (model.dynamics.wanting)
    condition_entry: np.ndarray  # (mental-health group, musculoskeletal): job-entry factor by condition
    condition_exit: np.ndarray  # and job-exit factor for the employed
    sick_duration: np.ndarray  # by months out of work, clipped: the long-term sick's further decline
    # (areas x states x work-limiting x ages, 4): the four base hazards, group modifiers applied
    by_group: np.ndarray
    employed_rows: np.ndarray  # rows of by_group whose state is employed
    unemployed_rows: np.ndarray  # and unemployed
    # With an unemployment path: (job-finding, job-loss) multipliers by calendar month from economy_first.
    economy: np.ndarray | None = None
    economy_first: int = 0

    @classmethod
    def build(
        cls,
        profiles: Sequence[AreaProfile],
        params: Parameters,
        economy: tuple[np.ndarray, int] | None = None,
    ) -> EmploymentRates:
        """Assemble the tables for the run's areas from the resolved parameters.

        ``economy``: :func:`economy_factors` (the multipliers and the calendar month of the first), or None.
        """
        rate = {k: params[f"employment.rates.{k}"] for k in ("E_U", "E_I", "U_E", "U_I", "I_E", "I_U")}
        factors = {
            f: np.array([params[area_factor_path(p.name, p.data_year, f)] for p in profiles])
            for f in AREA_FACTORS
        }
        window = int(params["employment.new_job.window_months"])
        fragile = fragile_factor(
            params["employment.new_job.exit_within_window"], window, rate["E_U"] + rate["E_I"]
        )
        tenure = np.ones(window + 2)
        tenure[1 : window + 1] = fragile
        hr = params["employment.work_limiting_hr"]
        age_years = np.arange(AGES)
        entry_age = np.array([params[f"employment.age.entry_{b}"] for b in AGE_BANDS])[
            AGE_BAND_OF_YEAR[age_years]
        ]
        exit_age = np.array([params[f"employment.age.exit_{b}"] for b in AGE_BANDS])[
            AGE_BAND_OF_YEAR[age_years]
        ]
        f32 = np.float32
        parts = dict(
            to_employment=np.array([0, rate["U_E"], rate["I_E"], rate["I_E"]], f32),
            to_unemployment=np.array([rate["E_U"], 0, rate["I_U"], rate["I_U"]], f32),
            to_inactivity=np.array([rate["E_I"], rate["U_I"], 0, 0], f32),
            area_job_entry=factors["job_entry"].astype(f32),
            area_unemployment=factors["unemployment"].astype(f32),
            sickness_hr=(params["employment.sickness_hr"] * factors["sickness"]).astype(f32),
            duration=duration_ratio_table(
                params["employment.duration.ratio"],
                int(params["employment.duration.short_months"]),
                int(params["employment.duration.long_months"]),
            ).astype(f32),
            sick_duration=sick_duration_factors(params).astype(f32),
            tenure_exit=tenure.astype(f32),
            workless_job_entry_ratio=params["households.workless_job_entry_ratio"],
            work_limiting_entry=np.array([1.0, hr], f32),
            job_exit_by_group=np.stack([np.ones((2, AGES)), np.stack([exit_age, exit_age / hr])]).astype(f32),
            entry_by_age=entry_age.astype(f32),
            readiness_effect=float(params["employment.readiness_effect"]),
            wants_entry=wanting.entry_factors(params),
            **condition_factors(params),
        )
        state = np.arange(4).repeat(2 * AGES)
        factors, first = economy if economy is not None else (None, 0)
        return cls(
            **parts,
            by_group=_combine(parts, len(profiles)),
            employed_rows=np.flatnonzero(np.tile(state == EMPLOYED, len(profiles))),
            unemployed_rows=np.flatnonzero(np.tile(state == UNEMPLOYED, len(profiles))),
            economy=factors,
            economy_first=first,
        )

    def table(self, month_index: int) -> np.ndarray:
        """The group hazards in a calendar month: ``by_group`` times the economy's multipliers, if any.

        Months before the first factor (a burn-in reaching back beyond 2007) take the first; after the last,
        the last.
        """
        if self.economy is None:
            return self.by_group
        k = min(max(month_index - self.economy_first, 0), len(self.economy) - 1)
        finding, loss = self.economy[k]
        if finding == 1 and loss == 1:
            return self.by_group
        table = self.by_group.copy()
        table[self.unemployed_rows, 0] *= finding
        table[self.employed_rows, 1] *= loss
        return table


def condition_factors(params: Parameters) -> dict[str, np.ndarray]:
    """Job-entry and job-exit factors by (mental-health group, musculoskeletal condition).

    Conditions act on work directly, beyond the work-limiting status they may bring. Each condition's
    employment odds ratio OR (``employment.condition.<smi|cmd|msk>_employment_or``, fitted in stage B: SMI to
    the employment rate of adults in contact with secondary mental health services, CMD and back pain to the
    employment rates of disabled people with a mental health condition as their main health problem and with a
    musculoskeletal condition) is split between the two: job entry x OR^w, job exit x OR^-(1-w), w
    ``employment.condition.entry_share`` (assumption). A resident with back pain and a mental disorder takes
    both factors.
    """
    w = params["employment.condition.entry_share"]
    mental = np.ones(len(MENTAL_HEALTH))
    mental[MH_CMD] = params["employment.condition.cmd_employment_or"]
    mental[MH_SMI] = params["employment.condition.smi_employment_or"]
    odds = mental[:, None] * np.array([1.0, params["employment.condition.msk_employment_or"]])[None, :]
    return {
        "condition_entry": (odds**w).astype(np.float32),
        "condition_exit": (odds ** -(1 - w)).astype(np.float32),
    }


def sick_duration_factors(params: Parameters) -> np.ndarray:
    """Factor on the long-term sick's job entry and moves to unemployment by months out of work d.

    1 up to ``employment.duration.long_months``, then (d / long_months)^-``sick_decline``, constant from
    ``sick_until_months`` (the last index).
    """
    long = int(params["employment.duration.long_months"])
    d = np.arange(int(params["employment.duration.sick_until_months"]) + 1, dtype=float)
    return (np.maximum(d, long) / long) ** -params["employment.duration.sick_decline"]


def sick_exit_profile(params: Parameters) -> np.ndarray:
    """The long-term sick's labour-market exit hazard by months out of work against a new spell's.

    The general duration dependence (:func:`duration_ratio_table`) times their further decline
    (:func:`sick_duration_factors`), indexed by months and clipped at the last.
    """
    general = duration_ratio_table(
        params["employment.duration.ratio"],
        int(params["employment.duration.short_months"]),
        int(params["employment.duration.long_months"]),
    )
    decline = sick_duration_factors(params)
    return general[np.minimum(np.arange(len(decline)), len(general) - 1)] * decline


def economy_factors(
    path: str | Mapping[int, float], data_year: int, finding_share: float, gain: float, lead: int
) -> tuple[np.ndarray, int] | None:
    """Monthly (job-finding, job-loss) multipliers that move unemployment along a national path.

    OR is the odds of the path's rate in the month against those of the reference (``uk_history`` in July of
    the data year, when the area factors' published rates were measured). Job finding by the unemployed is
    multiplied by OR^(-w g) and job loss into unemployment by OR^((1-w) g), w = ``finding_share``:
    with work and unemployment alone the unemployment odds would be job loss over job finding and move by
    OR^g; ``gain`` g (fitted, :mod:`model.experiments.economy_fit`) makes up for the flows through inactivity
    so that they move by OR. Every area takes the same multipliers, so each keeps its odds ratio to the
    nation. Stocks follow hazards with the lag their flows imply, so month m takes the path's rate of month
    m + ``lead``: the simulated rate, not the hazards, is near the path's in the month the path gives it.
    Returns the multipliers for every calendar month from ``EARLIEST_MONTH`` to ``LATEST_MONTH`` and the
    first month's index, or None for the frozen economy.
    """
    if path == economy.NONE:
        return None
    points = economy.points(path)
    reference = economy.reference_rate(data_year) / 100
    first, last = month_index(EARLIEST_MONTH), month_index(LATEST_MONTH)
    rates = np.array([economy.rate_at(points, m + lead) for m in range(first, last + 1)]) / 100
    odds_ratio = (rates / (1 - rates)) / (reference / (1 - reference))
    factors = np.stack([odds_ratio ** (-finding_share * gain), odds_ratio ** ((1 - finding_share) * gain)], 1)
    return factors.astype(np.float32), first


def _combine(p: dict, areas: int) -> np.ndarray:
    """The four base hazards for every (area, state, work-limiting, age) group, as one gatherable table.

    Everything that depends only on the group is folded in: state intercepts, area factors, the
    work-limiting hazard ratio, age modifiers and (for the employed) the job-exit modifiers by group.
    """
    shape = (areas, 4, 2, AGES)
    area = np.arange(areas)[:, None, None, None]
    state = np.arange(4)[None, :, None, None]
    wl = np.arange(2)[None, None, :, None]
    age = np.arange(AGES)[None, None, None, :]
    employed = (state == EMPLOYED).astype(int)
    job_exit = p["job_exit_by_group"][employed, wl, age]
    table = np.empty((*shape, 4))
    table[..., 0] = (
        p["to_employment"][state]
        * p["area_job_entry"][area]
        * p["work_limiting_entry"][wl]
        * p["entry_by_age"][age]
    )
    table[..., 1] = p["to_unemployment"][state] * p["area_unemployment"][area] * job_exit
    table[..., 2] = p["to_inactivity"][state] * job_exit * np.ones(shape)
    table[..., 3] = table[..., 2] * p["sickness_hr"][area] * wl
    return table.reshape(-1, 4).astype(np.float32)


def _modifiers(mods: Modifiers | None) -> tuple:
    """Per-resident job-entry and job-exit hazard ratios as the kernels take them (array, touched)."""
    entry = mods.get(JOB_ENTRY.name) if mods is not None else None
    exit_ = mods.get(JOB_EXIT.name) if mods is not None else None
    return (
        _ONE if entry is None else entry,
        entry is not None,
        _ONE if exit_ is None else exit_,
        exit_ is not None,
    )


_ONE = np.ones(1, np.float32)  # stands in for a modifier array no programme touched


def household_entry_factors(rates: EmploymentRates, out_of_work: np.ndarray) -> np.ndarray:
    """Job-entry factors by area for residents out of work, by whether someone in their household works.

    Column 0: in a household where someone works; column 1: in a workless household; from the residents out
    of work in each (``out_of_work``).

    Residents out of work in a workless household find work at ``households.workless_job_entry_ratio``
    times the rate of those out of work in a household where someone works; each area's two factors are
    scaled so that their mean over its residents out of work is 1 (the area's job-entry rate is kept, its
    concentration in households changes). Without the ratio, households persist as synthesised while
    individual moves are independent, and workless households thin out month by month towards what
    independent partners give.
    """
    ratio = rates.workless_job_entry_ratio
    others, in_workless = out_of_work[:, 0], out_of_work[:, 1]
    scale = (others + in_workless) / np.maximum(ratio * in_workless + others, 1e-12)
    return np.stack([scale, ratio * scale], axis=1).astype(np.float32)


def out_of_work_by_household(pop: Population, areas: int) -> np.ndarray:
    """Residents out of work by area, in a household where someone works (column 0) or not (column 1)."""
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    out = np.zeros((areas, 2), np.int64)
    kernels.out_of_work_by_household(pop.area, pop.state, pop.household, pop.households.workers, out)
    return out


_NO_HOUSEHOLD = (np.zeros(1, np.int32), np.zeros(1, np.uint8), np.ones((1, 2), np.float32), False)


def uses_households(pop: Population, rates: EmploymentRates) -> bool:
    """Whether job entry depends on the household (residents in households, a workless ratio other than 1)."""
    return pop.households is not None and rates.workless_job_entry_ratio != 1.0


def own_household_entry(pop: Population, rates: EmploymentRates) -> np.ndarray:
    """:func:`household_entry_factors` from ``pop``'s own residents out of work."""
    return household_entry_factors(rates, out_of_work_by_household(pop, len(rates.sickness_hr)))


def _households(pop: Population, rates: EmploymentRates, household_entry: np.ndarray | None) -> tuple:
    """The household arguments of the kernels (``household_entry`` by default from ``pop``)."""
    if not uses_households(pop, rates):
        return _NO_HOUSEHOLD
    entry = own_household_entry(pop, rates) if household_entry is None else household_entry
    return pop.household, pop.households.workers, entry, True


def job_search(
    pop: Population,
    rates: EmploymentRates,
    mods: Modifiers | None,
    household_entry: np.ndarray | None,
    table: np.ndarray,
) -> np.ndarray:
    """Each area's job search this month: the sum of its residents' job-entry hazards before competition."""
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    entry, has_entry, _, _ = _modifiers(mods)
    out = np.zeros(len(rates.sickness_hr))
    kernels.job_search(
        pop.area,
        pop.work_limiting,
        pop.age_months,
        pop.state,
        pop.months_out_of_work,
        pop.readiness,
        table,
        rates.duration,
        rates.sick_duration,
        np.float32(rates.readiness_effect),
        entry,
        has_entry,
        *_households(pop, rates, household_entry),
        pop.wants_work,
        rates.wants_entry,
        pop.mental_health,
        pop.msk,
        rates.condition_entry,
        out,
    )
    return out


def _run(
    pop: Population,
    rates: EmploymentRates,
    streams: Streams | None,
    month: int,
    became: np.ndarray | None,
    mods: Modifiers | None,
    buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    hazards: np.ndarray | None,
    household_entry: np.ndarray | None = None,
    table: np.ndarray | None = None,
    area_entry: np.ndarray | None = None,
) -> tuple[int, int]:
    """Run the kernel (``household_entry``: :func:`household_entry_factors`, by default from ``pop``).

    ``table``: the month's group hazards (:meth:`EmploymentRates.table`; by default ``rates.by_group``);
    ``area_entry``: each area's competition factor on job entry (by default none).
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    n, move = len(pop), hazards is None
    before, started, left = buffers or (np.empty(n, np.uint8), np.empty(n, np.intp), np.empty(n, np.intp))
    keys = (streams.key(MOVES, month), streams.key(SICKNESS, month)) if move else (np.uint64(0),) * 2
    hh = pop.households
    n_started, n_left = kernels.employment(
        pop.area,
        pop.work_limiting,
        pop.age_months,
        pop.state,
        pop.months_out_of_work,
        pop.job_tenure,
        pop.readiness,
        np.zeros(n, np.bool_) if became is None else became,
        rates.by_group if table is None else table,
        rates.duration,
        rates.sick_duration,
        rates.tenure_exit,
        np.float32(rates.readiness_effect),
        rates.sickness_hr,
        *keys,
        *_modifiers(mods),
        *_households(pop, rates, household_entry),
        pop.wants_work,
        rates.wants_entry,
        pop.mental_health,
        pop.msk,
        rates.condition_entry,
        rates.condition_exit,
        np.ones(len(rates.sickness_hr), np.float32) if area_entry is None else area_entry,
        before,
        started,
        left,
        np.empty((1, 4), np.float32) if hazards is None else hazards,
        move,
    )
    if hh is not None and move:
        kernels.update_workers(pop.household, started[:n_started], left[:n_left], hh.workers)
    return n_started, n_left


def hazards(pop: Population, rates: EmploymentRates, mods: Modifiers | None = None) -> np.ndarray:
    """Every resident's monthly hazards (residents, 4): job entry, to unemployment, inactivity, sickness."""
    out = np.empty((len(pop), 4), np.float32)
    _run(pop, rates, None, 0, None, mods, None, out)
    return out


def step(
    pop: Population,
    rates: EmploymentRates,
    streams: Streams,
    month: int,
    became_work_limiting: np.ndarray,
    mods: Modifiers | None = None,
    buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    household_entry: np.ndarray | None = None,
    table: np.ndarray | None = None,
    area_entry: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Advance every resident's employment state by one month, in place.

    Returns the state before the month's moves and the slots that started and left a job (views into
    ``buffers`` = (before, started, left), reused month after month, when given).
    """
    n = len(pop)
    buffers = buffers or (np.empty(n, np.uint8), np.empty(n, np.intp), np.empty(n, np.intp))
    n_started, n_left = _run(
        pop,
        rates,
        streams,
        month,
        became_work_limiting,
        mods,
        buffers,
        None,
        household_entry,
        table,
        area_entry,
    )
    before, started, left = buffers
    return before, started[:n_started], left[:n_left]


@dataclass
class SharedMarket:
    """What the counterfactual arm of a replication writes month by month and its scenario arm reads.

    ``household_entry`` (months, areas, 2): :func:`household_entry_factors`; ``job_search`` (months, areas):
    :func:`job_search`, the counterfactual's, against which the scenario's openings are fitted
    (:mod:`model.dynamics.labour_demand`). Month 1 first.
    """

    household_entry: np.ndarray
    job_search: np.ndarray

    @classmethod
    def empty(cls, months: int, areas: int) -> SharedMarket:
        """Neutral factors for a run of ``months`` over ``areas`` areas."""
        return cls(np.ones((months, areas, 2), np.float32), np.zeros((months, areas)))


class Employment:
    """The monthly employment step (streams ``employment`` and ``employment.sickness``).

    Household job-entry factors (:func:`household_entry_factors`) are set afresh each month from the arm's
    own residents, except in an arm given a ``market`` to read: the scenario arm takes the counterfactual's
    factors month by month (which that arm writes into the same arrays), so that a programme touches a
    resident only through their own household. With competed openings (the run's ``labour_demand``) each
    arm's job search is summed by area before anyone moves; the counterfactual writes its own, the scenario
    arm's job entry is multiplied by ``LabourDemand.entry_factor`` of its search against the
    counterfactual's, and the month hands on its search (``Month.job_search``) for recording.
    """

    order: ClassVar[int] = 40

    def __init__(self, market: SharedMarket | None = None, *, reads: bool = False) -> None:
        self.buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.market = market
        self.reads = reads

    def step(self, model: Any, month: Month) -> None:
        """Move everyone; hand on the state before, and who started and left a job."""
        pop, rates, market = model.population, model.context.employment, self.market
        if self.buffers is None:
            n = len(pop)
            self.buffers = (np.empty(n, np.uint8), np.empty(n, np.intp), np.empty(n, np.intp))
        k = month.number - 1
        entry = None
        if uses_households(pop, rates):
            if self.reads and market is not None:
                entry = market.household_entry[k]
            else:
                entry = own_household_entry(pop, rates)
                if market is not None:
                    market.household_entry[k] = entry
        table = rates.table(month.index)
        competition, demand = None, model.context.labour_demand
        if demand is not None and market is not None:
            month.job_search = job_search(pop, rates, month.mods, entry, table)
            if self.reads:
                competition = demand.entry_factor(month.job_search, market.job_search[k])
            else:
                market.job_search[k] = month.job_search
        month.before, month.started, month.left = step(
            pop,
            rates,
            model.streams,
            month.number,
            month.became_work_limiting,
            month.mods,
            self.buffers,
            entry,
            table,
            competition,
        )
