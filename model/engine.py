"""The engine: the run's context, one Mesa model per arm stepped through its components, and ``simulate``.

``simulate(scenario, replication=r)`` builds a seeded synthetic population, runs the burn-in, then runs two
arms from the same population with the same random streams: ``counterfactual`` (no programmes) and
``scenario``. Impact is their difference per replication (common random numbers). Ensembles, calibration and
sensitivity analyses all call ``simulate``.

A month is a loop over components in their declared order (:mod:`model.core.components`): demography (10),
programmes (20, scenario arm), health (30), employment (40), wanting work (42), participants' job starts
(45, scenario arm),
earnings (50), readiness (60), the fiscal ledger (70) and recording (80). Mesa keeps the clock (``steps``)
and the agents: the areas, and the programmes' service agents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from model.config.areas import AreaProfile, HousingProfile, area_sizes, packaged_housing, packaged_profiles
from model.config.parameters import AREA_FACTORS, Parameters, area_factor_path
from model.config.scenario import Scenario, month_index
from model.config.vocabulary import ARMS, EMPLOYED, STATES
from model.core.components import Component, Month
from model.core.modifiers import Modifiers
from model.core.population import Population
from model.core.recording import Counts
from model.core.streams import Streams
from model.dynamics import employment, health, household_synthesis, readiness
from model.dynamics.demography import Demography
from model.dynamics.earnings import Earnings, PayRules
from model.dynamics.labour_demand import LabourDemand
from model.dynamics.synthesis import SYNTHESIS, draw_residents
from model.dynamics.wanting import WantsRules, WantsWork
from model.economics.ledger import Ledger
from model.programmes.pathways import PATHWAY_ARMS, without
from model.programmes.programme import Programme
from model.programmes.services import ProgrammeRecord, Services


@dataclass(frozen=True)
class RunContext:
    """Everything a run needs that does not change during it: areas, parameters and derived rate tables."""

    scenario: Scenario
    params: Parameters
    profiles: tuple[AreaProfile, ...]
    housing: tuple[HousingProfile, ...]
    sizes: tuple[int, ...]
    health: health.HealthRates
    employment: employment.EmploymentRates
    readiness: readiness.ReadinessRules
    pay: PayRules
    wanting: WantsRules
    labour_demand: LabourDemand | None = None
    programmes: tuple[Programme, ...] = ()

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        params: Parameters,
        profiles: Sequence[AreaProfile] | None = None,
        housing: Sequence[HousingProfile] | None = None,
    ) -> RunContext:
        """Resolve the scenario's areas (or the given reference profiles) and derive the rate tables."""
        if profiles is None:
            table = packaged_profiles()
            profiles = [table[(a, scenario.population.data_year)] for a in scenario.population.areas]
        profiles = tuple(profiles)
        housing = tuple(housing or (packaged_housing()[p.name] for p in profiles))
        sizes = tuple(area_sizes(profiles, scenario.population.scale))
        return cls(
            scenario=scenario,
            params=params,
            profiles=profiles,
            housing=housing,
            sizes=sizes,
            health=health.HealthRates.build(profiles, params),
            employment=employment.EmploymentRates.build(
                profiles,
                params,
                employment.economy_factors(
                    scenario.economy.unemployment_path,
                    scenario.population.data_year,
                    params["employment.cycle.finding_share"],
                    params["employment.cycle.response_gain"],
                    int(params["employment.cycle.lead_months"]),
                ),
            ),
            readiness=readiness.ReadinessRules.build(params),
            pay=PayRules.build(profiles, params),
            wanting=WantsRules.build(params),
            labour_demand=LabourDemand.build(scenario, params),
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
            area,
            self.profiles,
            self.params,
            self.health,
            self.readiness,
            self.pay,
            self.wanting,
            rng,
            age_months,
        )

    def initial_population(self, streams: Streams) -> Population:
        """The synthetic population before burn-in: areas in contiguous blocks of slots."""
        area = np.repeat(np.arange(len(self.profiles)), self.sizes)
        return self.draw(area, streams.generator(SYNTHESIS, 0))

    def form_households(self, pop: Population, streams: Streams) -> None:
        """Group the burned-in residents into households as of the month before the scenario starts.

        So the employment states they are matched on are the baseline's, and any drift accrues only over the
        run.
        """
        index = month_index(self.scenario.start) - 1
        rng = streams.generator(household_synthesis.HOUSEHOLDS, 0)
        pop.households = household_synthesis.synthesise(pop, self.housing, self.params, rng, index)


class AreaAgent(mesa.Agent):
    """One local authority area in a run: its published profile and fitted hazard factors.

    The area factors are fitted by ``healthwork calibrate`` so that a no-programme baseline holds the area's
    published employment, unemployment and sickness-inactivity rates: ``job_entry`` multiplies job-finding
    hazards, ``unemployment`` multiplies hazards into unemployment and ``sickness`` the odds that a
    work-limiting resident leaving for inactivity becomes long-term sick.
    """

    def __init__(self, model: mesa.Model, index: int, profile: AreaProfile, params: Parameters, slots: slice):
        super().__init__(model)
        self.index = index
        self.profile = profile
        self.slots = slots
        self.factors = {f: params[area_factor_path(profile.name, profile.data_year, f)] for f in AREA_FACTORS}

    def shares(self) -> dict[str, float]:
        """Current shares of the area's residents in each employment state."""
        state = self.model.population.state[self.slots]
        counts = np.bincount(state, minlength=len(STATES)) / max(len(state), 1)
        return dict(zip(STATES, counts.tolist(), strict=True))


class HealthWorkModel(mesa.Model):
    """One arm of one replication: the residents (arrays) and the areas (Mesa agents), one step per month.

    The month number is Mesa's step counter offset by ``first_month`` (burn-in months are 0 and below); the
    run's scenario is ``context.scenario`` (Mesa's own ``scenario`` attribute is left alone).

    Args:
        context: the run's areas, parameters and rate tables.
        population: the residents; the model changes them in place.
        streams: the replication's random streams (shared by both arms).
        arm: "counterfactual", "scenario", "burn-in" or "trial".
        first_month: number of the first month this model will simulate.
        counts: where to record aggregates (months 1.. are recorded; month 0 on construction), or None.
        programmes: resolved programmes this arm runs (none in the counterfactual).
        ledger: the arm's fiscal ledger (recorded from month 1), or None.
        months: months of programme records to keep (default: the scenario's horizon).
        market: the replication's monthly household job-entry factors and job search, written by the
            counterfactual arm and read by the scenario arm (:class:`employment.SharedMarket`).

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
        ledger: Ledger | None = None,
        months: int | None = None,
        market: employment.SharedMarket | None = None,
    ):
        super().__init__(rng=streams.model_rng())
        self.context = context
        self.population = population
        self.streams = streams
        self.arm = arm
        self.first_month = first_month
        # Slots are in contiguous blocks by area (also in a trial cohort, which keeps slot order).
        bounds = np.searchsorted(population.area, np.arange(len(context.profiles) + 1))
        self.areas = [
            AreaAgent(self, i, profile, context.params, slice(int(bounds[i]), int(bounds[i + 1])))
            for i, profile in enumerate(context.profiles)
        ]
        horizon = months if months is not None else context.scenario.horizon_months
        self.services = Services(self, programmes, horizon) if programmes else None
        parts: list[Component | None] = [
            Demography(),
            self.services,
            health.Health(),
            employment.Employment(market, reads=arm == "scenario"),
            WantsWork(),
            self.services.outcomes() if self.services else None,
            Earnings(),
            readiness.Readiness(),
            ledger,
            counts,
        ]
        self.components: list[Component] = sorted((c for c in parts if c is not None), key=lambda c: c.order)
        self.modifiers = Modifiers(len(population))
        self._start_index = month_index(context.scenario.start) - 1
        if counts is not None:
            counts.record(0, population)

    @property
    def month(self) -> int:
        """Number of the month last simulated (Mesa's step count offset by the first month)."""
        return self.first_month - 1 + self.steps

    def step(self) -> None:
        """Simulate one month: every component in order."""
        number = self.first_month + self.steps - 1  # Mesa counts this step before calling it
        month = Month(number=number, index=self._start_index + number, mods=self.modifiers)
        for component in self.components:
            component.step(self, month)
        self.modifiers.reset()


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
    ledgers: dict[str, np.ndarray] | None = None  # by arm: (months + 1, areas, ledger items)
    # With ``pathways``: employed residents in each pathway arm (programmes, PATHWAY_ARMS, months + 1, areas).
    pathways: np.ndarray | None = None


def burned_in_population(context: RunContext, streams: Streams) -> Population:
    """Draw the population, run the burn-in months before the scenario start and form the households."""
    pop = context.initial_population(streams)
    burn_in = int(context.params["simulation.burn_in_months"])
    if burn_in:
        model = HealthWorkModel(context, pop, streams, arm="burn-in", first_month=1 - burn_in)
        model.run_for(burn_in)
    context.form_households(pop, streams)
    return pop


def simulate(
    scenario: Scenario,
    *,
    replication: int = 0,
    draw: int = 0,
    params: Parameters | None = None,
    profiles: Sequence[AreaProfile] | None = None,
    housing: Sequence[HousingProfile] | None = None,
    simulate_identical_arms: bool = False,
    ledger: bool = True,
) -> ReplicationResult:
    """Run one replication of a scenario: both arms from the same seeded population and streams.

    Args:
        scenario: the validated scenario.
        replication: replication number (selects the random streams).
        draw: parameter draw number (selects the random streams with the replication; the draw's parameter
            values are already in ``scenario``, see :mod:`model.experiments.uncertainty`).
        params: resolved parameters (by default the scenario's own, see :meth:`Scenario.resolved_parameters`).
        profiles: area profiles to use instead of the packaged ones (calibration reference populations).
        housing: their housing profiles (by default the packaged ones of the same areas).
        simulate_identical_arms: run the scenario arm even when it has no programmes (tests of common random
            numbers); otherwise such an arm is copied from the counterfactual.
        ledger: keep the fiscal ledger (off for calibration runs, whose reference populations have no pay).

    Returns:
        The recorded counts of both arms.

    """
    params = scenario.resolved_parameters() if params is None else params
    context = RunContext.build(scenario, params, profiles, housing)
    streams = Streams(scenario.seed, replication, draw)
    start = burned_in_population(context, streams)
    horizon = scenario.horizon_months
    counts, ledgers, simulated, record = {}, {}, False, None
    market = employment.SharedMarket.empty(horizon, len(context.profiles))
    for arm in ARMS:
        if arm == "scenario" and not (scenario.has_programmes() or simulate_identical_arms):
            counts[arm], ledgers[arm] = counts["counterfactual"], ledgers["counterfactual"]
            continue
        counts[arm] = Counts.empty(horizon, len(context.profiles))
        book = Ledger(params, context.housing, horizon, month_index(scenario.start)) if ledger else None
        programmes = context.programmes if arm == "scenario" else ()
        model = HealthWorkModel(
            context,
            start.copy(),
            streams,
            arm=arm,
            counts=counts[arm],
            programmes=programmes,
            ledger=book,
            market=market,
        )
        model.run_for(horizon)
        ledgers[arm] = book.values if book is not None else None
        if arm == "scenario":
            simulated = True
            record = model.services.record() if model.services is not None else None
    paths = None
    if scenario.pathways and scenario.has_programmes():
        paths = np.stack(
            [
                [
                    _employed(context, start, streams, market, without(context.programmes, k, p))
                    for p in PATHWAY_ARMS
                ]
                for k in range(len(context.programmes))
            ]
        )
    return ReplicationResult(replication, counts, simulated, record, ledgers if ledger else None, paths)


def _employed(
    context: RunContext,
    start: Population,
    streams: Streams,
    market: employment.SharedMarket,
    programmes: Sequence[Programme],
) -> np.ndarray:
    """Employed residents by month and area in one more scenario arm running ``programmes`` (no ledger)."""
    horizon = context.scenario.horizon_months
    counts = Counts.empty(horizon, len(context.profiles))
    model = HealthWorkModel(
        context, start.copy(), streams, arm="scenario", counts=counts, programmes=programmes, market=market
    )
    model.run_for(horizon)
    return counts.stocks[..., EMPLOYED]
