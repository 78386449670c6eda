"""The model: one Mesa model per arm, stepped month by month, and the pure ``simulate`` function.

``simulate(scenario, replication=r)`` builds a seeded synthetic population, runs the burn-in, then runs two
arms from the same population with the same random streams: ``counterfactual`` (no programmes) and
``scenario``. Impact is their difference per replication (common random numbers). Ensembles, calibration and
sensitivity analyses all call ``simulate``.

Monthly step (``HealthWorkModel.step``):
    1. ageing: residents reaching 65 leave; 16-year-olds drawn from the area's profile take their slots;
    2. services (scenario arm): support progresses, waiting lists age, referrals and admissions; the
       programmes' effects become this month's rate modifiers;
    3. health transitions (onset, recovery x modifiers, work-limiting status);
    4. employment transitions (hazards x modifiers), then participants' job starts are counted;
    5. readiness reverts towards the state's target, plus programme gains;
    6. aggregates recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from model import employment, fiscal, health, readiness
from model.areas import AreaAgent, AreaProfile, packaged_profiles
from model.modifiers import Modifiers
from model.parameters import Parameters
from model.population import ENTRY_AGE_YEARS, Population, age_one_month
from model.recording import Counts
from model.scenario import Scenario, month_index
from model.services import Programme, ProgrammeRecord, Services
from model.streams import Streams
from model.synthesis import area_sizes, draw_residents

ARMS = ("counterfactual", "scenario")


@dataclass(frozen=True)
class RunContext:
    """Everything a run needs that does not change during it: areas, parameters and derived rate tables."""

    scenario: Scenario
    params: Parameters
    profiles: tuple[AreaProfile, ...]
    sizes: tuple[int, ...]
    health: health.HealthRates
    employment: employment.EmploymentRates
    readiness: readiness.ReadinessRules
    pay: fiscal.PayRules
    programmes: tuple[Programme, ...] = ()

    @classmethod
    def build(
        cls, scenario: Scenario, params: Parameters, profiles: Sequence[AreaProfile] | None = None
    ) -> RunContext:
        """Resolve the scenario's areas and derive the rate tables."""
        if profiles is None:
            table = packaged_profiles()
            profiles = [table[(a, scenario.population.data_year)] for a in scenario.population.areas]
        profiles = tuple(profiles)
        sizes = tuple(area_sizes(profiles, scenario.population.scale))
        return cls(
            scenario=scenario,
            params=params,
            profiles=profiles,
            sizes=sizes,
            health=health.HealthRates.build(profiles, params),
            employment=employment.EmploymentRates.build(profiles, params),
            readiness=readiness.ReadinessRules.build(params),
            pay=fiscal.PayRules.build(profiles, params),
            programmes=tuple(
                Programme.resolve(spec, i, scenario, params, profiles, sizes)
                for i, spec in enumerate(scenario.programmes)
            ),
        )

    def draw(
        self, area: np.ndarray, rng: np.random.Generator, age_months: np.ndarray | None = None
    ) -> Population:
        """Draw residents of the given areas from their profiles."""
        return draw_residents(
            area, self.profiles, self.params, self.health, self.readiness, self.pay, rng, age_months
        )

    def initial_population(self, streams: Streams) -> Population:
        """The synthetic population before burn-in: areas in contiguous blocks of slots."""
        area = np.repeat(np.arange(len(self.profiles)), self.sizes)
        return self.draw(area, streams.generator("synthesis", 0))


class HealthWorkModel(mesa.Model):
    """One arm of one replication: the residents (arrays) and the areas (Mesa agents), one step per month.

    Args:
        context: the run's areas, parameters and rate tables.
        population: the residents; the model changes them in place.
        streams: the replication's random streams (shared by both arms).
        arm: "counterfactual", "scenario" or "burn-in".
        first_month: number of the first month this model will simulate (burn-in months are negative).
        counts: where to record aggregates (months 1.. are recorded; month 0 on construction), or None.
        programmes: resolved programmes this arm runs (none in the counterfactual).
        ledger: the arm's fiscal ledger (recorded from month 1), or None.

    """

    def __init__(
        self,
        context: RunContext,
        population: Population,
        streams: Streams,
        *,
        arm: str,
        first_month: int = 1,
        counts: Counts | None = None,
        programmes: Sequence[Programme] = (),
        ledger: fiscal.Ledger | None = None,
    ):
        super().__init__(rng=streams.model_rng())
        self.context = context
        self.population = population
        self.streams = streams
        self.arm = arm
        self.month = first_month - 1
        # Slots are in contiguous blocks by area (also in a trial cohort, which keeps slot order).
        bounds = np.searchsorted(population.area, np.arange(len(context.profiles) + 1))
        self.areas = [
            AreaAgent(self, i, profile, context.params, slice(int(bounds[i]), int(bounds[i + 1])))
            for i, profile in enumerate(context.profiles)
        ]
        self.counts = counts
        self.ledger = ledger
        horizon = context.scenario.horizon_months
        self.services = Services(self, programmes, horizon) if programmes else None
        if counts is not None:
            counts.record(0, population)

    def step(self) -> None:
        """Simulate one month."""
        self.month += 1
        m, pop, ctx, streams = self.month, self.population, self.context, self.streams
        n = len(pop)
        leavers = age_one_month(pop)
        if len(leavers):
            entrants = ctx.draw(
                pop.area[leavers], streams.generator("entry", m), np.full(len(leavers), ENTRY_AGE_YEARS * 12)
            )
            pop.assign(leavers, entrants)
            if self.services is not None:
                self.services.forget(leavers)
        mods = self.services.before_health(m) if self.services is not None else Modifiers()
        draws = {k: streams.uniform(f"health.{k}", m, n) for k in ("mental", "msk", "other", "work_limiting")}
        became_work_limiting = health.step(pop, ctx.health, draws, mods.recovery)
        before = pop.state.copy()
        employment.step(
            pop,
            ctx.employment,
            streams.uniform("employment", m, n),
            streams.uniform("employment.sickness", m, n),
            became_work_limiting,
            mods.job_entry,
            mods.job_exit,
        )
        if self.services is not None:
            self.services.after_employment(m, before)
        started, left = fiscal.update_pay(pop, before, ctx.pay, streams, m)
        readiness.step(pop, ctx.readiness, mods.readiness_gain)
        if self.ledger is not None and m >= 1:
            self.ledger.record(m, pop, before, np.concatenate([started, left, leavers]))
        if self.counts is not None and m >= 1:
            self.counts.record(m, pop, before, started)


@dataclass
class ReplicationResult:
    """Recorded counts of both arms of one replication.

    ``scenario_simulated`` is False when the scenario arm was not run because it is identical by construction
    (no programmes): its counts are then the counterfactual's.
    """

    replication: int
    counts: dict[str, Counts]
    scenario_simulated: bool
    programmes: ProgrammeRecord | None = None
    ledgers: dict[str, np.ndarray] | None = None  # by arm: (months + 1, areas, fiscal.ITEMS)


def burned_in_population(context: RunContext, streams: Streams) -> Population:
    """Draw the population and run the burn-in months before the scenario start."""
    pop = context.initial_population(streams)
    burn_in = int(context.params["simulation.burn_in_months"])
    if burn_in:
        model = HealthWorkModel(context, pop, streams, arm="burn-in", first_month=1 - burn_in)
        model.run_for(burn_in)
    return pop


def simulate(
    scenario: Scenario,
    *,
    replication: int = 0,
    params: Parameters | None = None,
    profiles: Sequence[AreaProfile] | None = None,
    simulate_identical_arms: bool = False,
    ledger: bool = True,
) -> ReplicationResult:
    """Run one replication of a scenario: both arms from the same seeded population and streams.

    Args:
        scenario: the validated scenario.
        replication: replication number (selects the random streams).
        params: resolved parameters (by default the scenario's own, see :meth:`Scenario.resolved_parameters`).
        profiles: area profiles to use instead of the packaged ones (calibration reference populations).
        simulate_identical_arms: run the scenario arm even when it has no programmes (tests of common random
            numbers); otherwise such an arm is copied from the counterfactual.
        ledger: keep the fiscal ledger (off for calibration runs, whose reference populations have no pay).

    Returns:
        The recorded counts of both arms.

    """
    params = scenario.resolved_parameters() if params is None else params
    context = RunContext.build(scenario, params, profiles)
    streams = Streams(scenario.seed, replication)
    start = burned_in_population(context, streams)
    horizon = scenario.horizon_months
    counts, ledgers, simulated, record = {}, {}, False, None
    for arm in ARMS:
        if arm == "scenario" and not (scenario.has_programmes() or simulate_identical_arms):
            counts[arm], ledgers[arm] = counts["counterfactual"], ledgers["counterfactual"]
            continue
        counts[arm] = Counts.empty(horizon, len(context.profiles))
        book = (
            fiscal.Ledger(params, horizon, len(context.profiles), month_index(scenario.start))
            if ledger
            else None
        )
        programmes = context.programmes if arm == "scenario" else ()
        model = HealthWorkModel(
            context, start.copy(), streams, arm=arm, counts=counts[arm], programmes=programmes, ledger=book
        )
        model.run_for(horizon)
        ledgers[arm] = book.values if book is not None else None
        if arm == "scenario":
            simulated = True
            record = model.services.record() if model.services is not None else None
    return ReplicationResult(replication, counts, simulated, record, ledgers if ledger else None)
