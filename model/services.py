"""Programmes: Health Trainers, IPS and employment support with capacity, waiting lists and effects.

Each programme in each of its areas is a :class:`ServiceAgent` (a ``mesa.Agent``) holding its capacity,
caseload and waiting list; residents' programme status lives in arrays (one set per programme), so referral,
queueing and support are vectorised over residents. Monthly, per programme (``Services.before_health``):

1. support progresses: an active participant in work uses in-work support, one out of work uses job-search
   support; support ends when either is used up (completion) or with the drop-out probability (drop-out);
2. the waiting list ages; residents give up with ``waiting_leave`` probability or leave when no longer
   eligible (or when the programme has closed);
3. while the programme is open, eligible residents not yet involved are referred with the sum of the route
   probabilities (each route recorded); a referred resident engages with the ``engagement`` probability and
   joins the waiting list; declining leaves them eligible for later referral;
4. while open, each area's service agent admits from its waiting list up to its capacity (staff FTE x caseload
   per FTE, in simulated residents) in the order of its rule: first come first served, longest out of work, or
   lowest readiness.

Effects modify named rates for participants (``Modifiers``), never the transition code (Vivarium value
pipelines): ``employment.job_entry`` and ``employment.job_exit`` hazards, ``health.mental_health.recovery``
(common mental disorder), ``health.msk.recovery`` and ``health.other.recovery`` probabilities, and
``readiness.gain`` per month. Each applies while active, in job search (``pre_employment``) or in work, and
optionally decays after exit with a half-life. Values may differ by mental health (none, common mental
disorder, severe mental illness) and may be distributions drawn once per replication. Health Trainer clients
respond fully, partly or not at all (shares from the national DCRS): partial responders get half of each
effect on the log scale, non-responders none. Nobody ineligible starts, nobody is in two programmes of the
same type at once, and a resident who has joined a programme's waiting list is not referred to it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np
from scipy.special import ndtri

from model.areas import AreaProfile
from model.modifiers import Modifiers
from model.parameters import Parameters
from model.population import (
    EMPLOYED,
    MH_CMD,
    MH_SMI,
    STATES,
    Population,
)
from model.recording import JobStartCohorts
from model.scenario import (
    EffectSpec,
    LognormalDistribution,
    ProgrammeSpec,
    Scenario,
    UniformDistribution,
)
from model.streams import PROGRAMME_STREAM_BASE, Streams

NONE, WAITING, PRE_EMPLOYMENT, IN_WORK, COMPLETED, DROPPED, LEFT_LIST = range(7)
RULES = ("fifo", "longest_out_of_work", "lowest_readiness")
# Recorded per programme, area and month; waiting_time_months is computed from waited_months / starts.
COUNTS = (
    "referrals",
    "starts",
    "caseload",
    "waiting",
    "waited_months",
    "completions",
    "dropouts",
    "participant_job_starts",
    "sustained_3m",
    "sustained_6m",
    "sustained_12m",
    "staff_fte",
)
SUSTAIN_MONTHS = (3, 6, 12)
# Stream identifiers per programme: base + 16 x programme index + decision.
EFFECTS, REFERRAL, ENGAGEMENT, DROPOUT, GIVE_UP, RESPONSE = range(6)
DEFAULT_EFFECTS = {
    "ips": {
        "employment.job_entry": {
            "by_mental_health": {
                group: {"lognormal": {"median": f"job_entry_hr.{key}", "p95": f"job_entry_hr.{key}_p95"}}
                for group, key in (
                    ("none", "other"),
                    ("common_mental_disorder", "common_mental_disorder"),
                    ("severe_mental_illness", "severe_mental_illness"),
                )
            },
            "while": "pre_employment",
        },
        "employment.job_exit": {"hazard_ratio": "in_work_exit_hr", "while": "in_work"},
        "readiness.gain": {"gain_per_month": "readiness_gain"},
    },
    "health_trainer": {
        "readiness.gain": {"gain_per_month": "readiness_gain"},
        "health.mental_health.recovery": {"hazard_ratio": "cmd_recovery_hr"},
        "health.msk.recovery": {"hazard_ratio": "msk_recovery_hr"},
    },
    "employment_support": {
        "employment.job_entry": {"hazard_ratio": "job_entry_hr", "while": "pre_employment"},
        "employment.job_exit": {"hazard_ratio": "in_work_exit_hr", "while": "in_work"},
        "readiness.gain": {"gain_per_month": "readiness_gain"},
    },
}
HEALTH_RATES = {
    "health.mental_health.recovery": "cmd",
    "health.msk.recovery": "msk",
    "health.other.recovery": "other",
}
APPLIES = {"active": (PRE_EMPLOYMENT, IN_WORK), "pre_employment": (PRE_EMPLOYMENT,), "in_work": (IN_WORK,)}


def _fill_defaults(template: object, kind: str, params: Parameters) -> object:
    """Replace parameter names in a default-effect template with their values."""
    if isinstance(template, dict):
        return {k: _fill_defaults(v, kind, params) for k, v in template.items()}
    if isinstance(template, str) and template not in APPLIES:
        return params[f"services.{kind}.{template}"]
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
        """Whether the effect adds readiness rather than multiplying a hazard."""
        return self.rate == "readiness.gain"


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
    uncapped: bool = False

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
        kind = spec.type

        def default(name: str) -> float:
            return params[f"services.{kind}.{name}"]

        names = [p.name for p in profiles]
        areas = tuple(names.index(a) for a in (spec.areas or scenario.population.areas))
        staff = np.zeros(len(profiles))
        if isinstance(spec.staff_fte, dict):
            for area, fte in spec.staff_fte.items():
                staff[names.index(area)] = fte
        else:
            weights = np.array([profiles[a].population_16_64 for a in areas])
            staff[list(areas)] = spec.staff_fte * weights / weights.sum()
        caseload = spec.caseload(params)
        sample = np.array(sizes) / np.array([p.population_16_64 for p in profiles])
        places = staff * caseload * sample
        capacity = np.where(places > 0, np.maximum(np.round(places), 1), 0).astype(np.int64)
        start, end = spec.window(scenario)
        e = spec.eligibility
        default_states = ("unemployed", "inactive_sick") if kind == "health_trainer" else STATES[1:]
        states = np.array([s in (e.states or default_states) for s in STATES])
        default_conditions = ("any",) if kind != "employment_support" else ()
        referral = spec.referral_probabilities(params)
        effects = {
            rate: EffectSpec.model_validate(_fill_defaults(template, kind, params))
            for rate, template in DEFAULT_EFFECTS[kind].items()
        } | dict(spec.effects)
        response = (
            (default("full_response"), default("partial_response")) if kind == "health_trainer" else (1, 0)
        )
        return cls(
            index=index,
            name=spec.name,
            kind=kind,
            in_area=np.isin(np.arange(len(profiles)), areas),
            start=start,
            end=end,
            staff=staff,
            caseload_per_fte=caseload,
            capacity=capacity,
            states=states,
            conditions=tuple(e.conditions or default_conditions),
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
        )

    def stream(self, decision: int) -> int:
        """Identifier of this programme's random stream for one decision."""
        return PROGRAMME_STREAM_BASE + 16 * self.index + decision

    def draw_effects(self, streams: Streams) -> list[Effect]:
        """Concrete effect values for one replication (distributions drawn once, same in every month)."""
        rng = streams.generator(self.stream(EFFECTS), 0)
        out = []
        for rate, spec in sorted(self.effects.items()):
            base = spec.gain_per_month if rate == "readiness.gain" else spec.hazard_ratio
            neutral = 0.0 if rate == "readiness.gain" else 1.0
            base_value = draw(base, rng) if base is not None else neutral
            by_group = np.full(3, base_value)
            for g, group in enumerate(("none", "common_mental_disorder", "severe_mental_illness")):
                if spec.by_mental_health and group in spec.by_mental_health:
                    by_group[g] = draw(spec.by_mental_health[group], rng)
            out.append(Effect(rate, by_group, APPLIES[spec.while_], spec.decay_half_life_months))
        return out

    def eligible(self, pop: Population, slots: np.ndarray) -> np.ndarray:
        """Which of ``slots`` meet the eligibility rules (state, area, age, conditions, time out of work)."""
        ok = self.states[pop.state[slots]]
        ok &= self.in_area[pop.area[slots]]
        age = pop.age_months[slots]
        ok &= (age >= self.min_age_months) & (age <= self.max_age_months)
        out = pop.months_out_of_work[slots]
        not_employed = pop.state[slots] != EMPLOYED
        ok &= ~not_employed | ((out >= self.min_out) & (out <= self.max_out))
        if self.work_limiting is not None:
            ok &= (pop.work_limiting[slots] == 1) == self.work_limiting
        if self.conditions or self.excluded:
            mh, msk, other = pop.mental_health[slots], pop.msk[slots], pop.other_condition[slots]
            anything = (mh > 0) | (msk > 0) | (other > 0)
            have = {
                "any": anything,
                "none": ~anything,
                "common_mental_disorder": mh == MH_CMD,
                "severe_mental_illness": mh == MH_SMI,
                "musculoskeletal": msk > 0,
                "other_condition": other > 0,
            }
            if self.conditions:
                ok &= np.logical_or.reduce([have[c] for c in self.conditions])
            for c in self.excluded:
                ok &= ~have[c]
        return ok


class ServiceAgent(mesa.Agent):
    """One programme in one area: its capacity, caseload and waiting list, and what it did each month."""

    def __init__(self, model: mesa.Model, programme: Programme, area: int):
        super().__init__(model)
        self.programme = programme
        self.area = area
        self.capacity = int(programme.capacity[area])
        self.caseload = 0
        self.waiting = 0

    def admit(
        self, waiting: np.ndarray, pop: Population, status: np.ndarray, waited: np.ndarray
    ) -> np.ndarray:
        """Slots admitted from this area's waiting list this month, in the programme's priority order."""
        free = self.capacity - self.caseload if not self.programme.uncapped else len(waiting)
        if free <= 0 or len(waiting) == 0:
            return waiting[:0]
        rule = self.programme.rule
        if rule == "longest_out_of_work":
            key = (-pop.months_out_of_work[waiting].astype(np.int64), -waited[waiting], waiting)
        elif rule == "lowest_readiness":
            key = (pop.readiness[waiting], -waited[waiting], waiting)
        else:
            key = (-waited[waiting], waiting)
        order = np.lexsort(key[::-1])
        return waiting[order[:free]]


@dataclass
class ProgrammeRecord:
    """What one replication's scenario arm recorded about its programmes."""

    counts: np.ndarray  # (months + 1, programmes, areas, len(COUNTS))
    distance: dict[str, np.ndarray]  # one entry per participant exit: programme, area, changes, completed


class Services:
    """All programmes of one arm: residents' programme arrays, the service agents, effects and records."""

    def __init__(self, model: mesa.Model, programmes: Sequence[Programme], months: int):
        self.model = model
        self.programmes = list(programmes)
        n, areas = len(model.population), len(model.context.profiles)
        self.status = [np.zeros(n, np.uint8) for _ in programmes]
        self.months = [np.zeros(n, np.int16) for _ in programmes]  # in support, waiting, or since exit
        self.in_work = [np.zeros(n, np.int16) for _ in programmes]
        self.response = [np.zeros(n, np.float32) for _ in programmes]  # effect scale 0, 0.5 or 1
        self.start_readiness = [np.zeros(n, np.float32) for _ in programmes]
        self.start_conditions = [np.zeros(n, np.uint8) for _ in programmes]
        self.job_starts = [JobStartCohorts(SUSTAIN_MONTHS) for _ in programmes]
        self.active = [np.zeros(0, np.intp) for _ in programmes]
        self.pending: list[dict[int, np.ndarray]] = [{} for _ in programmes]
        self.exited = [np.zeros(0, np.intp) for _ in programmes]
        self.effects = [p.draw_effects(model.streams) for p in programmes]
        self.agents = [[ServiceAgent(model, p, a) for a in range(areas)] for p in programmes]
        self.counts = np.zeros((months + 1, len(programmes), areas, len(COUNTS)))
        self._distance: list[np.ndarray] = []

    # ------------------------------------------------------------------------------------------ monthly

    def before_health(self, month: int) -> Modifiers:
        """Progress support, age the waiting lists, refer and admit; return this month's rate modifiers."""
        pop = self.model.population
        for k, prog in enumerate(self.programmes):
            status = self.status[k]
            involved = np.flatnonzero(status >= PRE_EMPLOYMENT)
            s = status[involved]
            exited = involved[(s == COMPLETED) | (s == DROPPED)]
            self.months[k][exited] = np.minimum(self.months[k][exited] + 1, 32_000)
            active = self._progress(k, prog, month, pop, involved[(s == PRE_EMPLOYMENT) | (s == IN_WORK)])
            waiting = self._waiting_list(k, prog, month, pop, np.flatnonzero(status == WAITING))
            enrolled = self.pending[k].pop(month, None)
            if enrolled is not None:
                self._start(k, prog, enrolled, month, pop)
                active = np.concatenate([active, enrolled])
            if prog.start <= month <= prog.end:
                waiting = np.concatenate([waiting, self._refer(k, prog, month, pop)])
                started = self._admit(k, prog, month, pop, waiting, active)
                active = np.concatenate([active, started])
                waiting = waiting[status[waiting] == WAITING]
            self.active[k], self.exited[k] = active, exited
            self._count(k, prog, month, pop, active, waiting)
        return self._modifiers(pop)

    def after_employment(self, month: int, before: np.ndarray) -> None:
        """Count participants' job starts this month and the job starts sustained 3, 6 and 12 months."""
        pop = self.model.population
        areas = self.counts.shape[2]
        for k in range(len(self.programmes)):
            searching = self.active[k][self.status[k][self.active[k]] == PRE_EMPLOYMENT]
            started = searching[(before[searching] != EMPLOYED) & (pop.state[searching] == EMPLOYED)]
            self._add(month, k, "participant_job_starts", np.bincount(pop.area[started], minlength=areas))
            for months, still in self.job_starts[k].sustained(month, started, pop, areas).items():
                self._add(month, k, f"sustained_{months}m", still)

    def forget(self, slots: np.ndarray) -> None:
        """Residents who left at 65: their slots take new residents with no programme history."""
        for k in range(len(self.programmes)):
            involved = slots[self.status[k][slots] != NONE]
            for array in (self.status[k], self.months[k], self.in_work[k], self.response[k]):
                array[slots] = 0
            if len(involved) == 0:
                continue
            self.active[k] = self.active[k][~np.isin(self.active[k], involved)]
            self.exited[k] = self.exited[k][~np.isin(self.exited[k], involved)]
            self.job_starts[k].forget(involved)

    def enrol(self, k: int, slots: np.ndarray, month: int) -> None:
        """Start residents in programme k in ``month`` (trial emulation: randomised, no referral, no wait)."""
        self.pending[k][month] = slots

    def record(self) -> ProgrammeRecord:
        """The counts and participant exits recorded so far."""
        rows = np.concatenate(self._distance, axis=1) if self._distance else np.zeros((5, 0))
        names = ("programme", "area", "readiness_change", "health_change", "completed")
        return ProgrammeRecord(self.counts, dict(zip(names, rows, strict=True)))

    # ---------------------------------------------------------------------------------------- internals

    def _add(self, month: int, k: int, name: str, values: np.ndarray) -> None:
        self.counts[month, k, :, COUNTS.index(name)] += values

    def _exit(
        self, k: int, prog: Programme, slots: np.ndarray, month: int, pop: Population, status: int
    ) -> None:
        if len(slots) == 0:
            return
        self.status[k][slots] = status
        self.months[k][slots] = 0
        self._distance.append(
            np.stack(
                [
                    np.full(len(slots), prog.index, float),
                    pop.area[slots].astype(float),
                    pop.readiness[slots] - self.start_readiness[k][slots],
                    self.start_conditions[k][slots].astype(float) - _conditions(pop, slots),
                    np.full(len(slots), float(status == COMPLETED)),
                ]
            )
        )
        name = "completions" if status == COMPLETED else "dropouts"
        self._add(month, k, name, np.bincount(pop.area[slots], minlength=self.counts.shape[2]))

    def _progress(
        self, k: int, prog: Programme, month: int, pop: Population, active: np.ndarray
    ) -> np.ndarray:
        """Count the month just supported, set in-work or job-search status, end support; return who stays."""
        if len(active) == 0:
            return active
        status, months, in_work = self.status[k], self.months[k], self.in_work[k]
        was_in_work = status[active] == IN_WORK
        months[active] += 1
        in_work[active[was_in_work]] += 1
        working = pop.state[active] == EMPLOYED
        used_search = months[active] - in_work[active]
        done = np.where(working, in_work[active] >= prog.in_work_months, used_search >= prog.pre_months)
        status[active] = np.where(working, IN_WORK, PRE_EMPLOYMENT)
        drop = ~done & (self.model.streams.uniform_at(prog.stream(DROPOUT), month, active) < prog.dropout)
        self._exit(k, prog, active[done], month, pop, COMPLETED)
        self._exit(k, prog, active[drop], month, pop, DROPPED)
        return active[~done & ~drop]

    def _waiting_list(
        self, k: int, prog: Programme, month: int, pop: Population, waiting: np.ndarray
    ) -> np.ndarray:
        """Age the waiting list; those who give up, stop being eligible or outlast the programme leave."""
        if len(waiting) == 0:
            return waiting
        self.months[k][waiting] += 1
        u = self.model.streams.uniform_at(prog.stream(GIVE_UP), month, waiting)
        leave = (u < prog.waiting_leave) | ~prog.eligible(pop, waiting) | (month > prog.end)
        self.status[k][waiting[leave]] = LEFT_LIST
        return waiting[~leave]

    def _in_same_type(self, k: int, slots: np.ndarray) -> np.ndarray:
        busy = np.zeros(len(slots), bool)
        for j, other in enumerate(self.programmes):
            if j != k and other.kind == self.programmes[k].kind:
                s = self.status[j][slots]
                busy |= (s == WAITING) | (s == PRE_EMPLOYMENT) | (s == IN_WORK)
        return busy

    def _refer(self, k: int, prog: Programme, month: int, pop: Population) -> np.ndarray:
        """Refer eligible residents; return those who engage (they join the waiting list)."""
        p_total = sum(p for _, p in prog.routes)
        if p_total <= 0:
            return np.zeros(0, np.intp)
        # Cheap filters on the whole population first, the rest on the candidates.
        candidates = np.flatnonzero(prog.states[pop.state] & (self.status[k] == NONE))
        candidates = candidates[prog.eligible(pop, candidates) & ~self._in_same_type(k, candidates)]
        streams = self.model.streams
        referred = candidates[streams.uniform_at(prog.stream(REFERRAL), month, candidates) < p_total]
        self._add(month, k, "referrals", np.bincount(pop.area[referred], minlength=self.counts.shape[2]))
        engaged = referred[streams.uniform_at(prog.stream(ENGAGEMENT), month, referred) < prog.engagement]
        self.status[k][engaged] = WAITING
        self.months[k][engaged] = 0
        return engaged

    def _admit(
        self, k: int, prog: Programme, month: int, pop: Population, waiting: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        """Each area's agent admits from its waiting list up to its free places; return those started."""
        if len(waiting) == 0:
            return waiting
        areas = self.counts.shape[2]
        caseload = np.bincount(pop.area[active], minlength=areas)
        waiting_area = pop.area[waiting]
        started = []
        for agent in self.agents[k]:
            agent.caseload = int(caseload[agent.area])
            queue = waiting[waiting_area == agent.area]
            started.append(agent.admit(queue, pop, self.status[k], self.months[k]))
        started = np.concatenate(started) if started else np.zeros(0, np.intp)
        if len(started):
            waited = np.bincount(pop.area[started], self.months[k][started], minlength=areas)
            self._add(month, k, "waited_months", waited)
            self._start(k, prog, started, month, pop)
        return started

    def _start(self, k: int, prog: Programme, slots: np.ndarray, month: int, pop: Population) -> None:
        self.status[k][slots] = PRE_EMPLOYMENT
        self.months[k][slots] = 0
        self.in_work[k][slots] = 0
        self.start_readiness[k][slots] = pop.readiness[slots]
        self.start_conditions[k][slots] = _conditions(pop, slots)
        full, partial = prog.response
        u = self.model.streams.uniform_at(prog.stream(RESPONSE), month, slots)
        self.response[k][slots] = np.where(u < full, 1.0, np.where(u < full + partial, 0.5, 0.0))
        self._add(month, k, "starts", np.bincount(pop.area[slots], minlength=self.counts.shape[2]))

    def _count(
        self, k: int, prog: Programme, month: int, pop: Population, active: np.ndarray, waiting: np.ndarray
    ) -> None:
        areas = self.counts.shape[2]
        caseload = np.bincount(pop.area[active], minlength=areas)
        queue = np.bincount(pop.area[waiting], minlength=areas)
        for agent in self.agents[k]:
            agent.caseload, agent.waiting = int(caseload[agent.area]), int(queue[agent.area])
        self._add(month, k, "caseload", caseload)
        self._add(month, k, "waiting", queue)
        if prog.start <= month <= prog.end:
            self._add(month, k, "staff_fte", prog.staff)

    def _modifiers(self, pop: Population) -> Modifiers:
        mods = Modifiers()
        for k, effects in enumerate(self.effects):
            active, exited = self.active[k], self.exited[k]
            active_status = self.status[k][active]
            for effect in effects:
                slots = active[np.isin(active_status, effect.applies)]
                weight = np.ones(len(slots), np.float32)
                if effect.half_life > 0 and len(exited):
                    decay = (0.5 ** (self.months[k][exited] / effect.half_life)).astype(np.float32)
                    slots, weight = np.concatenate([slots, exited]), np.concatenate([weight, decay])
                if len(slots) == 0:
                    continue
                weight *= self.response[k][slots]
                value = effect.by_group[pop.mental_health[slots]].astype(np.float32)
                if effect.is_gain:
                    mods.readiness_gain.append((slots, value * weight))
                    continue
                factor = value**weight  # partial response and decay scale the effect on the log scale
                if effect.rate == "employment.job_entry":
                    mods.job_entry.append((slots, factor))
                elif effect.rate == "employment.job_exit":
                    mods.job_exit.append((slots, factor))
                else:
                    mods.recovery.setdefault(HEALTH_RATES[effect.rate], []).append((slots, factor))
        return mods


def _conditions(pop: Population, slots: np.ndarray) -> np.ndarray:
    """Number of health conditions (mental health, MSK, other) per resident: the health side of distance."""
    return (
        (pop.mental_health[slots] > 0).astype(np.uint8) + pop.msk[slots] + pop.other_condition[slots]
    ).astype(np.uint8)
