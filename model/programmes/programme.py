"""A programme resolved against a run: every setting concrete, places per area, effects, eligibility.

Unset settings come from the programme type's defaults (:mod:`model.programmes.types`); staff given as a total
are split between the programme's areas by working-age population; places are staff FTE x caseload per FTE in
simulated residents, rounded (validation refuses an area whose places round to none). Effects are modifiers of
named rates, each applying while active, in job search (``pre_employment``) or in work, optionally decaying
after exit with a half-life; a value may differ by mental health and may be a distribution drawn once per
replication.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from model.config.areas import AreaProfile
from model.config.errors import InputError, Problem
from model.config.parameters import Parameters
from model.config.scenario import (
    EffectSpec,
    HouseholdEligibilitySpec,
    LognormalDistribution,
    ProgrammeSpec,
    Scenario,
    UniformDistribution,
)
from model.config.vocabulary import CONDITIONS, EMPLOYED, MENTAL_HEALTH, PROGRAMME_TYPES, RATES, STATES
from model.core.population import Population
from model.core.recording import condition_columns
from model.core.streams import Streams, programme_stream
from model.programmes.types import ProgrammeType

# A resident's status in one programme.
NONE, WAITING, PRE_EMPLOYMENT, IN_WORK, COMPLETED, DROPPED, LEFT_LIST = range(7)
# A programme's random decisions, each a stream named programme.<programme name>.<decision>.
DECISIONS = ("effects", "referral", "engagement", "dropout", "give_up", "response")
EFFECTS, REFERRAL, ENGAGEMENT, DROPOUT, GIVE_UP, RESPONSE = DECISIONS
APPLIES = {"active": (PRE_EMPLOYMENT, IN_WORK), "pre_employment": (PRE_EMPLOYMENT,), "in_work": (IN_WORK,)}


def _fill_defaults(template: object, kind: ProgrammeType, params: Parameters) -> object:
    """Replace parameter names in a default-effect template with their values."""
    if isinstance(template, dict):
        return {k: _fill_defaults(v, kind, params) for k, v in template.items()}
    if isinstance(template, str) and template not in APPLIES:
        return params[kind.path(template)]
    return template


def draw(value: object, rng: np.random.Generator) -> float:
    """One draw from a fixed value or a distribution (lognormal by median and 95th percentile, or uniform)."""
    if isinstance(value, LognormalDistribution):
        sigma = np.log(value.lognormal.p95 / value.lognormal.median) / ndtri(0.95)
        return float(value.lognormal.median * np.exp(sigma * rng.standard_normal()))
    if isinstance(value, UniformDistribution):
        return float(rng.uniform(value.uniform.low, value.uniform.high))
    return float(value)


@dataclass(frozen=True)
class Effect:
    """A resolved effect: the rate it modifies, its value by mental-health group, when it applies."""

    rate: str
    by_group: np.ndarray  # value for mental health none, CMD, SMI (hazard ratio, or readiness gain per month)
    applies: tuple[int, ...]
    half_life: float

    @property
    def is_gain(self) -> bool:
        """Whether the effect adds to its rate rather than multiplying it."""
        return RATES[self.rate].kind == "gain"


@dataclass(frozen=True)
class Programme:
    """A programme resolved against the run: concrete values for every setting, capacity per area."""

    index: int
    name: str
    kind: str
    in_area: np.ndarray  # bool by run area: where it runs
    start: int  # first and last simulated month (1 = the scenario's start month) when it accepts people
    end: int
    staff: np.ndarray  # FTE by run area
    caseload_per_fte: float
    capacity: np.ndarray  # simulated residents by run area
    states: np.ndarray  # bool by employment state
    conditions: tuple[str, ...]
    excluded: tuple[str, ...]
    work_limiting: bool | None
    min_age_months: int
    max_age_months: int
    min_out: int
    max_out: int
    routes: tuple[tuple[str, float], ...]
    engagement: float
    rule: str
    waiting_leave: float
    pre_months: int
    in_work_months: int
    dropout: float
    effects: dict[str, EffectSpec]
    response: tuple[float, float]  # shares responding fully, partly
    health_ok: np.ndarray  # bool by combined condition-column value and work-limiting status
    unit: str = "resident"  # or "household": places, referral and start are by household
    household_rule: tuple[bool, int, int] = (False, 0, -1)  # workless only, min adults out of work, children
    uncapped: bool = False
    switched_off: frozenset[str] = frozenset()  # rates whose drawn effects are held neutral (pathway arms)
    wants_work: bool | None = None  # out-of-work residents must want work (True) or not (False); None: either

    @classmethod
    def resolve(
        cls,
        spec: ProgrammeSpec,
        index: int,
        scenario: Scenario,
        params: Parameters,
        profiles: Sequence[AreaProfile],
        sizes: Sequence[int],
    ) -> Programme:
        """Fill unset settings from the type's defaults and place the programme in the run's areas."""
        kind: ProgrammeType = PROGRAMME_TYPES[spec.type]

        def default(name: str) -> float:
            return params[kind.path(name)]

        names = [p.name for p in profiles]
        areas = tuple(names.index(a) for a in (spec.areas or scenario.population.areas))
        by_name, size_of = dict(zip(names, profiles, strict=True)), dict(zip(names, sizes, strict=True))
        staff, capacity = np.zeros(len(profiles)), np.zeros(len(profiles), np.int64)
        for area, fte in spec.staff_by_area(scenario, by_name).items():
            staff[names.index(area)] = fte
        for area, places in spec.places(scenario, params, by_name, size_of).items():
            capacity[names.index(area)] = round(places)  # places follow staff
        caseload = spec.caseload(params)
        # Validated for the file; a parameter setting varied by sensitivity or draws may still do it.
        empty = spec.placeless_areas(scenario, params, by_name, size_of)
        if empty:
            reason = (
                f"places round to none in {', '.join(empty)} with caseload_per_fte {caseload:g} while "
                "residents are referred: raise population.scale or the staff"
            )
            raise InputError([Problem("scenario", f"programme {spec.name}", reason)])
        start, end = spec.window(scenario)
        e = spec.eligibility
        states = np.array([s in (e.states or kind.default_states) for s in STATES])
        referral = spec.referral_probabilities(params)
        effects = {
            rate: EffectSpec.model_validate(_fill_defaults(template, kind, params))
            for rate, template in kind.default_effects.items()
        } | dict(spec.effects)
        response = tuple(default(share) for share in kind.response) if kind.response else (1, 0)
        return cls(
            index=index,
            name=spec.name,
            kind=kind.name,
            in_area=np.isin(np.arange(len(profiles)), areas),
            start=start,
            end=end,
            staff=staff,
            caseload_per_fte=caseload,
            capacity=capacity,
            states=states,
            conditions=tuple(e.conditions or kind.default_conditions),
            excluded=tuple(e.exclude_conditions or ()),
            work_limiting=e.work_limiting,
            min_age_months=12 * (e.min_age if e.min_age is not None else int(default("min_age"))),
            max_age_months=12 * (e.max_age if e.max_age is not None else 64) + 11,
            min_out=e.min_months_out_of_work
            if e.min_months_out_of_work is not None
            else int(default("min_months_out_of_work")),
            max_out=e.max_months_out_of_work if e.max_months_out_of_work is not None else 1_000_000,
            routes=tuple(referral.items()),
            engagement=spec.engagement if spec.engagement is not None else default("engagement"),
            rule=spec.waiting_list.rule,
            waiting_leave=spec.waiting_list.monthly_leaving
            if spec.waiting_list.monthly_leaving is not None
            else default("waiting_leave"),
            pre_months=spec.support_months.pre_employment or int(default("pre_employment_months")),
            in_work_months=spec.support_months.in_work
            if spec.support_months.in_work is not None
            else int(default("in_work_months")),
            dropout=spec.dropout if spec.dropout is not None else default("dropout"),
            effects=effects,
            response=response,
            health_ok=health_table(
                tuple(e.conditions or kind.default_conditions),
                tuple(e.exclude_conditions or ()),
                e.work_limiting,
            ),
            unit=kind.unit,
            household_rule=_household_rule(kind, e.household),
            wants_work=kind.wants_rule(e.wants_work),
        )

    def stream(self, decision: str) -> str:
        """Name of this programme's random stream for one decision (keyed by the programme's name)."""
        return programme_stream(self.name, decision)

    def draw_effects(self, streams: Streams) -> list[Effect]:
        """Concrete effect values for one replication (distributions drawn once, same in every month).

        Effects of ``switched_off`` rates are drawn all the same, so every other effect keeps its value.
        """
        rng = streams.generator(self.stream(EFFECTS), 0)
        out = []
        for rate, spec in sorted(self.effects.items()):
            gain = RATES[rate].kind == "gain"
            base = spec.gain_per_month if gain else spec.hazard_ratio
            base_value = draw(base, rng) if base is not None else RATES[rate].neutral
            by_group = np.full(len(MENTAL_HEALTH), base_value)
            for g, group in enumerate(MENTAL_HEALTH):
                if spec.by_mental_health and group in spec.by_mental_health:
                    by_group[g] = draw(spec.by_mental_health[group], rng)
            if rate in self.switched_off:  # drawn as in the scenario arm, then held neutral
                by_group[:] = RATES[rate].neutral
            out.append(Effect(rate, by_group, APPLIES[spec.while_], spec.decay_half_life_months))
        return out

    def eligibility(self) -> tuple:
        """The eligibility rule as the kernels take it."""
        return (
            self.states,
            self.in_area,
            self.min_age_months,
            self.max_age_months,
            self.min_out,
            self.max_out,
            self.health_ok,
        )

    def eligible(self, pop: Population, slots: np.ndarray) -> np.ndarray:
        """Which of ``slots`` meet the eligibility rules.

        Employment state and area; age; time out of work and wanting work (for the out of work); conditions
        held (any of), conditions excluded and work-limiting status.
        """
        from model.programmes import kernels  # numba: imported with the simulation, not with validation

        slots = np.ascontiguousarray(slots, dtype=np.int64)
        ok = kernels.eligible(slots, *condition_arrays(pop), self.eligibility())
        if self.wants_work is not None:
            ok &= (pop.state[slots] == EMPLOYED) | (pop.wants_work[slots] == self.wants_work)
        if self.unit == "household":
            ok &= self.household_eligible(pop, slots)
        return ok

    def household_eligible(self, pop: Population, slots: np.ndarray) -> np.ndarray:
        """Whether the households of ``slots`` meet the programme's household criteria.

        The criteria: workless, adults out of work, children.
        """
        workless, min_out, children = self.household_rule
        if pop.households is None:
            return np.zeros(len(slots), bool)
        hh = pop.household[slots]
        size = len(pop.households)
        out_of_work = np.bincount(pop.household, (pop.state != EMPLOYED) & (pop.age_months >= 18 * 12), size)
        ok = out_of_work[hh] >= min_out
        if workless:
            ok &= np.bincount(pop.household, pop.state == EMPLOYED, size)[hh] == 0
        if children >= 0:
            ok &= pop.households.has_children()[hh] == bool(children)
        return ok


def _household_rule(kind: ProgrammeType, spec: HouseholdEligibilitySpec | None) -> tuple[bool, int, int]:
    """(workless only, minimum adults out of work, children: -1 either, 0 without, 1 with) for a programme."""
    given = {} if spec is None else spec.model_dump(exclude_none=True)
    rule = {**kind.default_household, **given}
    children = rule.get("with_children")
    return (
        bool(rule.get("workless", False)),
        int(rule.get("min_adults_out_of_work", 0)),
        -1 if children is None else int(children),
    )


def condition_arrays(pop: Population) -> tuple:
    """The columns a programme's eligibility reads, as the kernels take them."""
    columns = condition_columns()
    return (
        pop.area,
        pop.age_months,
        pop.state,
        pop.months_out_of_work,
        pop.work_limiting,
        tuple(getattr(pop, name) for name in columns),
        np.array(list(columns.values()), np.int64),
    )


def health_table(
    conditions: tuple[str, ...], excluded: tuple[str, ...], work_limiting: bool | None
) -> np.ndarray:
    """Eligibility on health for every combination of condition-column values and work-limiting status.

    ``conditions``: any of these (``any``: at least one condition, ``none``: no condition); ``excluded``:
    none of these; ``work_limiting``: only (True) or only not (False) work-limiting. Indexed like the
    kernels index it: the columns' values in registry order, then work-limiting status.
    """
    columns = condition_columns()
    table = []
    for values in itertools.product(*(range(levels) for levels in columns.values())):
        held = dict(zip(columns, values, strict=True))
        anything = any(v > 0 for v in values)

        def have(name: str, held=held, anything=anything) -> bool:
            if name in ("any", "none"):
                return anything == (name == "any")
            condition = CONDITIONS[name]
            return held[condition.column] == condition.value

        ok = (not conditions or any(have(c) for c in conditions)) and not any(have(c) for c in excluded)
        table.extend(ok and (work_limiting is None or bool(limited) == work_limiting) for limited in (0, 1))
    return np.array(table, np.bool_)
