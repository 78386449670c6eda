"""Per-agent reference implementation: one ``mesa.Agent`` per resident, the same rules in scalar Python.

It shares only the derived rate tables (``RunContext``) with the vectorised engine and re-implements each
rule resident by resident, so it serves two purposes: a test oracle (on the same starting population both
implementations must agree on monthly transition shares within sampling error) and the per-agent baseline
that ``benchmarks/engine.py`` measures the vectorised engine against. It draws its own random numbers from the
model's ``rng`` and is far too slow for real runs.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from model.config.vocabulary import (
    EMPLOYED,
    INACTIVE_OTHER,
    INACTIVE_SICK,
    MH_CMD,
    MH_NONE,
    MH_SMI,
    UNEMPLOYED,
)
from model.core.population import COLUMNS, ENTRY_AGE_YEARS, EXIT_AGE_YEARS, MAX_MONTHS, Population
from model.engine import RunContext

NAMES = COLUMNS.names()


class Resident(mesa.Agent):
    """One resident with the columns of :class:`model.population.Population` as attributes."""

    def __init__(self, model: OracleModel, attributes: dict[str, object]):
        super().__init__(model)
        for name in NAMES:
            setattr(self, name, attributes[name])

    def step(self) -> None:
        """One month: ageing, health, employment, wanting work and readiness, in that order."""
        self._age()
        became_limiting = self._health()
        old = self.state
        self._employment(became_limiting)
        self._wanting(old)
        self._readiness()

    def _age(self) -> None:
        self.age_months += 1
        if self.age_months >= EXIT_AGE_YEARS * 12:
            entrant = self.model.context.draw(
                np.array([self.area]), self.model.rng, np.array([ENTRY_AGE_YEARS * 12])
            )
            for name in NAMES:
                setattr(self, name, getattr(entrant, name)[0].item())

    def _group(self) -> int:
        age = self.age_months // 12 - ENTRY_AGE_YEARS
        return (((self.area * 2 + self.male) * (EXIT_AGE_YEARS - ENTRY_AGE_YEARS) + age) * 2) + (
            self.state != EMPLOYED
        )

    def _health(self) -> bool:
        rates, rng, g = self.model.context.health, self.model.rng, self._group()
        onset = False
        u = rng.random()
        p_cmd = float(rates.onset["cmd"].ravel()[g]) * float(rates.cmd_onset_by_msk[self.msk])
        p_smi = float(rates.onset["smi"].ravel()[g])
        if self.mental_health == MH_NONE:
            if u < p_cmd:
                self.mental_health, onset = MH_CMD, True
            elif u < p_cmd + p_smi:
                self.mental_health, onset = MH_SMI, True
        elif self.mental_health == MH_CMD:
            if u < rates.recovery["cmd"]:
                self.mental_health = MH_NONE
            elif u < rates.recovery["cmd"] + p_smi:
                self.mental_health, onset = MH_SMI, True
        elif u < rates.recovery["smi"]:
            self.mental_health = MH_NONE
        for name in ("msk", "other_condition"):
            key = "msk" if name == "msk" else "other"
            u = rng.random()
            if getattr(self, name) == 0:
                if u < float(rates.onset[key].ravel()[g]):
                    setattr(self, name, 1)
                    onset = True
            elif u < rates.recovery[key]:
                setattr(self, name, 0)
        became = False
        u = rng.random()
        if onset and self.work_limiting == 0 and u < rates.work_limiting_onset:
            self.work_limiting, became = 1, True
        if self.mental_health == MH_NONE and self.msk == 0 and self.other_condition == 0:
            self.work_limiting = 0
        return became

    def _employment(self, became_limiting: bool) -> None:
        r, rng = self.model.context.employment, self.model.rng
        old = self.state
        ratio = float(r.sickness_hr[self.area])
        u_sick, u = rng.random(), rng.random()
        if old == INACTIVE_SICK and self.work_limiting == 0:
            new = INACTIVE_OTHER
        elif old == INACTIVE_OTHER and became_limiting and u_sick < ratio / (1 + ratio):
            new = INACTIVE_SICK
        else:
            new = self._competing_hazards(u, old)
        self.state = new
        if new == EMPLOYED:
            self.job_tenure = self.job_tenure + 1 if old == EMPLOYED else 1
            self.months_out_of_work = 0
        else:
            self.months_out_of_work = 1 if old == EMPLOYED else min(self.months_out_of_work + 1, MAX_MONTHS)
            self.job_tenure = 0

    def _competing_hazards(self, u: float, old: int) -> int:
        r = self.model.context.employment
        age = self.age_months // 12 - ENTRY_AGE_YEARS
        wl = self.work_limiting
        entry = float(r.to_employment[old]) * float(r.area_job_entry[self.area])
        entry *= float(r.duration[min(self.months_out_of_work, len(r.duration) - 1)])
        entry *= float(r.work_limiting_entry[wl]) * float(r.entry_by_age[age])
        entry *= float(r.wants_entry[old, self.wants_work])
        entry *= float(r.condition_entry[self.mental_health, self.msk])
        entry *= math.exp(r.readiness_effect * (self.readiness - 0.5))
        job_exit = 1.0
        if old == EMPLOYED:
            job_exit = float(r.tenure_exit[min(self.job_tenure, len(r.tenure_exit) - 1)])
            job_exit *= float(r.job_exit_by_group[1, wl, age])
            job_exit *= float(r.condition_exit[self.mental_health, self.msk])
        unemployment = float(r.to_unemployment[old]) * float(r.area_unemployment[self.area]) * job_exit
        if old == INACTIVE_SICK:
            sick = float(r.sick_duration[min(self.months_out_of_work, len(r.sick_duration) - 1)])
            entry *= sick
            unemployment *= sick
        inactivity = float(r.to_inactivity[old]) * job_exit
        sickness = inactivity * float(r.sickness_hr[self.area]) * wl
        total = entry + unemployment + inactivity + sickness
        if total <= 0:
            return old
        leave = -math.expm1(-total)
        for hazard, destination in (
            (entry, EMPLOYED),
            (unemployment, UNEMPLOYED),
            (inactivity, INACTIVE_OTHER),
            (sickness, INACTIVE_SICK),
        ):
            cut = hazard * leave / total
            if u < cut:
                return destination
            u -= cut
        return old

    def _wanting(self, old: int) -> None:
        rules, s = self.model.context.wanting, self.state
        if s == UNEMPLOYED:
            self.wants_work = 1
        elif s != EMPLOYED:
            u = self.model.rng.random()
            if s != old:
                self.wants_work = int(u < rules.share[s])
            elif u < rules.turnover:
                self.wants_work = int(u < rules.turnover * rules.share[s])

    def _readiness(self) -> None:
        rules = self.model.context.readiness
        target = float(rules.target[self.state, self.wants_work])
        r = self.readiness + rules.reversion * (target - self.readiness)
        self.readiness = min(max(r, 0.0), 1.0)


class OracleModel(mesa.Model):
    """A population of :class:`Resident` agents stepped one agent at a time."""

    def __init__(self, context: RunContext, population: Population, *, rng: int):
        super().__init__(rng=rng)
        self.context = context
        for i in range(len(population)):
            Resident(self, {name: getattr(population, name)[i].item() for name in NAMES})

    def step(self) -> None:
        """One month for every resident."""
        self.agents.do("step")

    def to_population(self) -> Population:
        """The residents' current attributes as a struct of arrays (in agent creation order)."""
        agents = list(self.agents)
        return Population(
            **{
                name: np.array([getattr(a, name) for a in agents], dtype=COLUMNS[name].dtype)
                for name in NAMES
            }
        )
