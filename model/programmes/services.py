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

A household programme (``households_into_work``) works with whole households: a household is eligible on its
own criteria (workless, adults out of work, children) as well as the referred resident on theirs; one
resident per household is referred and waits; places and caseload count households; and when a household is
admitted, every adult of it eligible in person starts with the one referred.

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
from typing import Any, ClassVar

import mesa
import numpy as np

from model.config.vocabulary import EMPLOYED
from model.core.components import Month
from model.core.metrics import metric
from model.core.modifiers import Modifiers
from model.core.population import Population
from model.core.recording import JobStartCohorts
from model.dynamics.health import count_conditions
from model.programmes.programme import (
    COMPLETED,
    DROPOUT,
    DROPPED,
    ENGAGEMENT,
    GIVE_UP,
    IN_WORK,
    LEFT_LIST,
    NONE,
    PRE_EMPLOYMENT,
    REFERRAL,
    RESPONSE,
    WAITING,
    Programme,
)

SUSTAIN_MONTHS = (3, 6, 12)
# Counters recorded per programme, area and month (the programme metrics below are computed from them).
COUNTS = (
    "referrals",
    "starts",
    "caseload",
    "waiting",
    "waited_months",
    "completions",
    "dropouts",
    "participant_job_starts",
    *(f"sustained_{k}m" for k in SUSTAIN_MONTHS),
    "staff_fte",
    "household_starts",
    "households_in_support",
)
for _name, _summary, _definition in (
    ("referrals", "total", "residents referred in the month (before engagement; one per household referred)"),
    ("household_starts", "total", "households starting support (a household programme's unit)"),
    ("households_in_support", "open_mean", "households with a participant in support at the month's end"),
    ("starts", "total", "residents starting support"),
    ("caseload", "open_mean", "residents in support at the month's end"),
    ("waiting", "open_mean", "residents on the waiting list at the month's end"),
    ("waiting_time_months", "per_start", "mean months waited by those starting in the month"),
    ("completions", "total", "residents whose time-limited support ended"),
    ("dropouts", "total", "residents who stopped attending"),
    ("participant_job_starts", "total", "job starts by residents in job-search support"),
    *(
        (
            f"sustained_{k}m",
            "total",
            f"participant job starts whose job lasted at least {k} months (counted {k} months later)",
        )
        for k in SUSTAIN_MONTHS
    ),
):
    metric(_name, "programme", _summary, _definition)


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
    """All programmes of one arm (a component): programme arrays, service agents, effects and records.

    Runs before health; its :meth:`outcomes` component counts participants' job starts after employment.
    """

    order: ClassVar[int] = 20

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
        # Slots by status, kept in slot order: in support, waiting, and exited (completed or dropped out).
        self.active = [np.zeros(0, np.intp) for _ in programmes]
        self.waiting = [np.zeros(0, np.intp) for _ in programmes]
        self.exited = [np.zeros(0, np.intp) for _ in programmes]
        self.new_exits: list[list[np.ndarray]] = [[] for _ in programmes]  # exits this month, exited next
        self.pending: list[dict[int, np.ndarray]] = [{} for _ in programmes]
        self.effects = [p.draw_effects(model.streams) for p in programmes]
        self.agents = [[ServiceAgent(model, p, a) for a in range(areas)] for p in programmes]
        self.counts = np.zeros((months + 1, len(programmes), areas, len(COUNTS)))
        self._distance: list[np.ndarray] = []

    # ------------------------------------------------------------------------------------------ monthly

    def step(self, model: Any, month: Month) -> None:
        """Forget residents who left at 65, then run the month and publish the programmes' modifiers."""
        if len(month.leavers):
            self.forget(month.leavers)
        self.before_health(month.number, month.mods)

    def outcomes(self) -> ParticipantJobStarts:
        """The component that counts participants' job starts once employment has moved."""
        return ParticipantJobStarts(self)

    def before_health(self, month: int, mods: Modifiers) -> None:
        """Progress support, age the waiting lists, refer and admit; publish the month's rate modifiers."""
        pop = self.model.population
        for k, prog in enumerate(self.programmes):
            status = self.status[k]
            # Residents who completed or dropped out before this month (their effects may decay).
            exited = np.sort(np.concatenate([self.exited[k], *self.new_exits[k]]))
            self.new_exits[k] = []
            self.months[k][exited] = np.minimum(self.months[k][exited] + 1, 32_000)
            active = self._progress(k, prog, month, pop, self.active[k])
            waiting = self._waiting_list(k, prog, month, pop, self.waiting[k])
            enrolled = self.pending[k].pop(month, None)
            if enrolled is not None:
                self._start(k, prog, enrolled, month, pop)
                active = np.concatenate([active, enrolled])
            if prog.start <= month <= prog.end:
                waiting = np.concatenate([waiting, self._refer(k, prog, month, pop)])
                started = self._admit(k, prog, month, pop, waiting, active)
                active = np.concatenate([active, started])
                waiting = waiting[status[waiting] == WAITING]
            self.active[k], self.exited[k], self.waiting[k] = np.sort(active), exited, np.sort(waiting)
            self._count(k, prog, month, pop, active, waiting)
        self._publish(pop, mods)

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
            status = self.status[k]  # now NONE for the forgotten: keep the listed who are still involved
            for listed in (self.active, self.waiting, self.exited):
                listed[k] = listed[k][status[listed[k]] != NONE]
            self.new_exits[k] = [s[status[s] != NONE] for s in self.new_exits[k]]
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
        self.new_exits[k].append(slots)
        self._distance.append(
            np.stack(
                [
                    np.full(len(slots), prog.index, float),
                    pop.area[slots].astype(float),
                    pop.readiness[slots] - self.start_readiness[k][slots],
                    self.start_conditions[k][slots].astype(float) - count_conditions(pop, slots),
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

    def _refer(self, k: int, prog: Programme, month: int, pop: Population) -> np.ndarray:
        """Refer eligible residents; return those who engage (they join the waiting list).

        Each resident is referred in a month with the sum of the route probabilities when eligible, not yet
        involved with this programme and not busy with another of the same type. The referral draw comes
        first, as a lottery over every slot (:meth:`Streams.lottery`), so only its winners are screened.
        """
        p_total = sum(p for _, p in prog.routes)
        streams = self.model.streams
        winners = streams.lottery(prog.stream(REFERRAL), month, len(pop), p_total)
        referred = winners[(self.status[k][winners] == NONE) & ~self._busy(k, winners)]
        referred = referred[prog.eligible(pop, referred)]
        if prog.unit == "household":  # one referral per household, and none while it is already involved
            involved = self._households(k, pop)
            referred = referred[~np.isin(pop.household[referred], involved)]
            referred = referred[np.unique(pop.household[referred], return_index=True)[1]]
            referred.sort()
        self._add(month, k, "referrals", np.bincount(pop.area[referred], minlength=self.counts.shape[2]))
        engaged = referred[streams.uniform_at(prog.stream(ENGAGEMENT), month, referred) < prog.engagement]
        self.status[k][engaged] = WAITING
        self.months[k][engaged] = 0
        return engaged

    def _households(self, k: int, pop: Population) -> np.ndarray:
        """Households with a resident waiting for or in programme k."""
        return np.unique(pop.household[np.concatenate([self.waiting[k], self.active[k]])])

    def _busy(self, k: int, slots: np.ndarray) -> np.ndarray:
        """Which of ``slots`` are waiting for or in another programme of the same type."""
        busy = np.zeros(len(slots), bool)
        for j, other in enumerate(self.programmes):
            if j != k and other.kind == self.programmes[k].kind:
                s = self.status[j][slots]
                busy |= (s == WAITING) | (s == PRE_EMPLOYMENT) | (s == IN_WORK)
        return busy

    def _admit(
        self, k: int, prog: Programme, month: int, pop: Population, waiting: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        """Each area's agent admits from its waiting list up to its free places; return those started."""
        if len(waiting) == 0:
            return waiting
        areas = self.counts.shape[2]
        caseload = self._caseload(prog, pop, active, areas)
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
            if pop.households is not None:
                first = np.unique(pop.household[started], return_index=True)[1]
                self._add(
                    month, k, "household_starts", np.bincount(pop.area[started[first]], minlength=areas)
                )
            if prog.unit == "household":
                started = np.union1d(started, self._household_members(k, prog, pop, started))
            self._start(k, prog, started, month, pop)
        return started

    def _household_members(self, k: int, prog: Programme, pop: Population, started: np.ndarray) -> np.ndarray:
        """The other adults of the started residents' households who are eligible in person and free."""
        members = np.flatnonzero(np.isin(pop.household, pop.household[started]))
        members = members[(self.status[k][members] != WAITING) & ~np.isin(members, started)]
        members = members[
            ~np.isin(self.status[k][members], (PRE_EMPLOYMENT, IN_WORK)) & ~self._busy(k, members)
        ]
        return members[prog.eligible(pop, members)]

    @staticmethod
    def _caseload(prog: Programme, pop: Population, active: np.ndarray, areas: int) -> np.ndarray:
        """Places taken per area: participants, or households for a household programme."""
        if prog.unit == "household" and len(active):
            first = np.unique(pop.household[active], return_index=True)[1]
            return np.bincount(pop.area[active[first]], minlength=areas)
        return np.bincount(pop.area[active], minlength=areas)

    def _start(self, k: int, prog: Programme, slots: np.ndarray, month: int, pop: Population) -> None:
        self.status[k][slots] = PRE_EMPLOYMENT
        self.months[k][slots] = 0
        self.in_work[k][slots] = 0
        self.start_readiness[k][slots] = pop.readiness[slots]
        self.start_conditions[k][slots] = count_conditions(pop, slots)
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
        places = self._caseload(prog, pop, active, areas)
        for agent in self.agents[k]:
            agent.caseload, agent.waiting = int(places[agent.area]), int(queue[agent.area])
        self._add(month, k, "caseload", caseload)
        if pop.households is not None and len(active):
            first = np.unique(pop.household[active], return_index=True)[1]
            self._add(
                month, k, "households_in_support", np.bincount(pop.area[active[first]], minlength=areas)
            )
        self._add(month, k, "waiting", queue)
        if prog.start <= month <= prog.end:
            self._add(month, k, "staff_fte", prog.staff)

    def _publish(self, pop: Population, mods: Modifiers) -> None:
        for k, effects in enumerate(self.effects):
            active, exited = self.active[k], self.exited[k]
            active_status = self.status[k][active]
            for effect in effects:
                slots = active[np.logical_or.reduce([active_status == a for a in effect.applies])]
                weight = np.ones(len(slots), np.float32)
                if effect.half_life > 0 and len(exited):
                    decay = (0.5 ** (self.months[k][exited] / effect.half_life)).astype(np.float32)
                    slots, weight = np.concatenate([slots, exited]), np.concatenate([weight, decay])
                if len(slots) == 0:
                    continue
                weight *= self.response[k][slots]
                value = effect.by_group[pop.mental_health[slots]].astype(np.float32)
                # Partial response and decay scale a gain, and a hazard ratio on the log scale.
                mods.add(effect.rate, slots, value * weight if effect.is_gain else value**weight)


@dataclass
class ParticipantJobStarts:
    """Counts programme participants' job starts and sustained jobs, after the employment step."""

    services: Services
    order: ClassVar[int] = 45

    def step(self, model: Any, month: Month) -> None:
        """Count this month's participant job starts."""
        self.services.after_employment(month.number, month.before)
