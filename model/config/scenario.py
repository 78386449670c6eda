"""The scenario schema: a frozen, strict :class:`Scenario` (pydantic, ``extra="forbid"``).

A scenario is defaults plus a validated diff (policyengine-core reforms; Vivarium layered configuration).
Names (areas, employment states, conditions, programme types, named rates) are checked against the
vocabulary and its registries at validation time, so a plug-in's programme type or condition is accepted
once it is registered. Reading files, ``extends:`` and ``--set`` live in :mod:`model.config.loading`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
)

from model.config.areas import ALIASES, AreaProfile, area_names, area_sizes, packaged_profiles
from model.config.economy import LABOUR_DEMAND, NONE, OPENINGS, UNLIMITED, path_names
from model.config.errors import did_you_mean, shown
from model.config.parameters import Parameters, default_parameters
from model.config.vocabulary import (
    ALL_PROGRAMMES,
    CONDITION_WORDS,
    CONDITIONS,
    EARLIEST_MONTH,
    EFFECT_WINDOWS,
    LATEST_MONTH,
    MENTAL_HEALTH,
    PROGRAMME_TYPES,
    RATES,
    REFERRAL_ROUTES,
    STATES,
    UPRATING_HORIZON,
    WAITING_RULES,
    year_label,
)


def _quoted(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def one_of(names: Callable[[], Sequence[str]]) -> AfterValidator:
    """Validator: the value must be one of ``names()`` (read at validation time, so registries count)."""

    def check(value: str) -> str:
        allowed = names()
        if value not in allowed:
            raise ValueError(f"must be {_quoted(allowed)}, got {shown(value)}{did_you_mean(value, allowed)}")
        return value

    return AfterValidator(check)


def known_key(names: Callable[[], Sequence[str]]) -> AfterValidator:
    """Validator for mapping keys: the key must be one of ``names()``."""

    def check(value: str) -> str:
        allowed = names()
        if value not in allowed:
            raise ValueError(
                f"unknown name {shown(value)}{did_you_mean(value, allowed)}; allowed: {', '.join(allowed)}"
            )
        return value

    return AfterValidator(check)


def condition_names() -> tuple[str, ...]:
    """Every registered health condition's name."""
    return CONDITIONS.names()


StateName = Annotated[str, one_of(lambda: STATES)]
ConditionName = Annotated[str, one_of(condition_names)]
ConditionOrWord = Annotated[str, one_of(lambda: (*CONDITION_WORDS, *condition_names()))]
RateName = Annotated[str, known_key(RATES.names)]
MentalHealthGroup = Annotated[str, known_key(lambda: MENTAL_HEALTH)]
TypeName = Annotated[str, one_of(PROGRAMME_TYPES.names)]
RouteName = Annotated[str, known_key(lambda: REFERRAL_ROUTES)]


class _Strict(BaseModel):
    """Unknown keys, wrong types and non-finite numbers (.inf, .nan) are all refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


MAX_SCALE = 20.0  # a synthetic population up to 20 times the published one (Python API only; files: 1)
# The fewest simulated residents an area may have: below it one replication's employment rate (about 70%)
# carries more than 2 percentage points of sampling error (sqrt(0.7 x 0.3 / 500) = 2.05 points).
MIN_AREA_RESIDENTS = 500


class PopulationSpec(_Strict):
    """Which areas to simulate, from which data year, and at what sample scale."""

    areas: list[str] = Field(min_length=1)
    scale: float = Field(default=1.0, gt=0, le=MAX_SCALE)
    data_year: Literal[2010, 2023] = 2023

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, areas: list[str]) -> list[str]:
        known = area_names()
        problems = []
        for name in areas:
            if name in known:
                continue
            if name in ALIASES:
                problems.append(f"{shown(name)} is not a published area name; use '{ALIASES[name]}'")
            else:
                problems.append(
                    f"unknown area {shown(name)}{did_you_mean(name, known)}; known areas: {', '.join(known)}"
                )
        duplicates = sorted({a for a in areas if areas.count(a) > 1})
        if duplicates:
            problems.append(f"listed more than once: {', '.join(duplicates)}")
        if problems:
            raise ValueError("; ".join(problems))
        return areas


NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]


class Lognormal(_Strict):
    """Median and 95th percentile of a lognormal distribution."""

    median: float = Field(gt=0)
    p95: float = Field(gt=0)


class LognormalDistribution(_Strict):
    """A lognormal uncertainty distribution given by its median and 95th percentile."""

    lognormal: Lognormal


class Uniform(_Strict):
    """Bounds of a uniform distribution."""

    low: float
    high: float


class UniformDistribution(_Strict):
    """A uniform uncertainty distribution between ``low`` and ``high``."""

    uniform: Uniform


def _shape(value: Any) -> str | None:
    """Union tag from the input's shape (tags start with ~ so that error paths can leave them out)."""
    if isinstance(value, Mapping):
        for key in ("lognormal", "uniform"):
            if key in value:
                return f"~{key}"
        return "~mapping"
    if isinstance(value, BaseModel):
        return {LognormalDistribution: "~lognormal", UniformDistribution: "~uniform"}.get(
            type(value), "~mapping"
        )
    return "~number"


DISTRIBUTION_MESSAGE = "expected a number, {lognormal: {median: M, p95: P}} or {uniform: {low: L, high: H}}"
Distribution = Annotated[
    Annotated[float, Tag("~number")]
    | Annotated[LognormalDistribution, Tag("~lognormal")]
    | Annotated[UniformDistribution, Tag("~uniform")],
    Discriminator(_shape, custom_error_type="distribution", custom_error_message=DISTRIBUTION_MESSAGE),
]
StaffFTE = Annotated[
    Annotated[NonNegative, Tag("~number")] | Annotated[dict[str, NonNegative], Tag("~mapping")],
    Discriminator(_shape),
]


class EffectSpec(_Strict):
    """A programme's modifier on one named rate: a value or a distribution drawn once per replication."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True
    )

    hazard_ratio: Distribution | None = None
    by_mental_health: dict[MentalHealthGroup, Distribution] | None = None
    gain_per_month: Distribution | None = None
    while_: Literal[EFFECT_WINDOWS] = Field(default="active", alias="while")
    decay_half_life_months: float = Field(default=0.0, ge=0)


class HouseholdEligibilitySpec(_Strict):
    """Which households a household programme serves (all given criteria must hold)."""

    workless: bool | None = None
    min_adults_out_of_work: int | None = Field(default=None, ge=1, le=10)
    with_children: bool | None = None


class EligibilitySpec(_Strict):
    """Who may be referred.

    Employment states, conditions (any of), work-limiting, ages, time out of work, wanting work (for the out
    of work), and for household programmes the household.
    """

    states: list[StateName] | None = Field(default=None, min_length=1)
    conditions: list[ConditionOrWord] | None = Field(default=None, min_length=1)
    exclude_conditions: list[ConditionName] | None = None
    work_limiting: bool | None = None
    min_age: int | None = Field(default=None, ge=16, le=64)
    max_age: int | None = Field(default=None, ge=16, le=64)
    min_months_out_of_work: int | None = Field(default=None, ge=0)
    max_months_out_of_work: int | None = Field(default=None, ge=0)
    # Out-of-work residents who want work (True), who do not (False), or "any" (no rule); None: the type's.
    wants_work: bool | Literal["any"] | None = None

    @field_validator("wants_work", mode="before")
    @classmethod
    def _wants(cls, value: object) -> object:
        if value is None or value is True or value is False or value == "any":
            return value
        raise ValueError(f"expected true, false or any, got {shown(value)}")

    household: HouseholdEligibilitySpec | None = None


class WaitingListSpec(_Strict):
    """How the waiting list is ordered and how many give up each month."""

    rule: Literal[WAITING_RULES] = "fifo"
    monthly_leaving: float | None = Field(default=None, ge=0, le=1)


class SupportSpec(_Strict):
    """Time-limited support: months of pre-employment support, months of in-work support."""

    pre_employment: int | None = Field(default=None, ge=1, le=120)
    in_work: int | None = Field(default=None, ge=0, le=120)


class CostSpec(_Strict):
    """Programme costs: per staff FTE-year and per participant start, in GBP at ``price_year`` prices."""

    per_fte_year_gbp: float | None = Field(default=None, ge=0)
    per_start_gbp: float = Field(default=0.0, ge=0)
    price_year: str | None = Field(default=None, pattern=r"^\d{4}/\d{2}$")


LOWEST_RATE, HIGHEST_RATE = 1.0, 30.0  # percent: a national rate outside them is a typo (a share, say)


class EconomySpec(_Strict):
    """The national economy a scenario assumes (:mod:`model.config.economy`)."""

    unemployment_path: str | dict[int, float] = NONE
    labour_demand: str = UNLIMITED

    @field_validator("unemployment_path")
    @classmethod
    def _known_path(cls, path: str | dict[int, float]) -> str | dict[int, float]:
        if isinstance(path, str):
            names = path_names()
            if path not in names:
                raise ValueError(
                    f"unknown path {shown(path)}{did_you_mean(path, names)}; give one of {', '.join(names)} "
                    "or a mapping of year to the national unemployment rate in percent"
                )
            return path
        first, last = int(EARLIEST_MONTH[:4]), int(LATEST_MONTH[:4])
        problems = [f"year {y} is outside {first}-{last}" for y in path if not first <= y <= last]
        problems += [
            f"{y}: {shown(r)} is not an unemployment rate in percent between {LOWEST_RATE:g} and "
            f"{HIGHEST_RATE:g} (give 5 for 5%)"
            for y, r in path.items()
            if not LOWEST_RATE <= r <= HIGHEST_RATE
        ]
        if not path:
            problems.append("the mapping is empty")
        if problems:
            raise ValueError("; ".join(problems))
        return dict(sorted(path.items()))

    @field_validator("labour_demand")
    @classmethod
    def _known_demand(cls, demand: str) -> str:
        if demand not in LABOUR_DEMAND:
            raise ValueError(
                f"unknown labour demand {shown(demand)}{did_you_mean(demand, LABOUR_DEMAND)}; give "
                + " or ".join(f"{k} ({v})" for k, v in LABOUR_DEMAND.items())
            )
        return demand

    @property
    def competed(self) -> bool:
        """Whether job openings are competed for, so that displacement emerges."""
        return self.labour_demand == OPENINGS

    def label(self) -> str:
        """The economy in a few words, for manifests and plot titles."""
        path = self.unemployment_path
        if path == NONE:
            words = "frozen at the data year (no unemployment path)"
        elif isinstance(path, str):
            words = f"national unemployment path {path}"
        else:
            words = "national unemployment path " + ", ".join(f"{y}: {r:g}%" for y, r in path.items())
        demand = "competed job openings" if self.competed else "unlimited job openings"
        return f"{words}; {demand}"


class ProgrammeSpec(_Strict):
    """One programme in a scenario (unset fields take the type's defaults, ``services.<type>.*``)."""

    name: str = Field(min_length=1, max_length=100)
    type: TypeName
    areas: list[str] | None = Field(default=None, min_length=1)
    start: str | None = None
    end: str | None = None
    staff_fte: StaffFTE
    caseload_per_fte: float | None = Field(default=None, gt=0)
    eligibility: EligibilitySpec = Field(default_factory=EligibilitySpec)
    referral: dict[RouteName, Probability] | None = None
    engagement: float | None = Field(default=None, ge=0, le=1)
    waiting_list: WaitingListSpec = Field(default_factory=WaitingListSpec)
    support_months: SupportSpec = Field(default_factory=SupportSpec)
    dropout: float | None = Field(default=None, ge=0, le=1)
    effects: dict[RateName, EffectSpec] = Field(default_factory=dict)
    cost: CostSpec = Field(default_factory=CostSpec)

    _month = field_validator("start", "end", mode="before")(lambda cls, v: _parse_month(v))

    def window(self, scenario: Scenario) -> tuple[int, int]:
        """First and last simulated month (1 = the scenario's start month) in which it accepts people."""
        start = month_index(scenario.start)
        first = month_index(self.start) - start + 1 if self.start else 1
        last = month_index(self.end) - start + 1 if self.end else scenario.horizon_months
        return first, last

    def staff_by_area(self, scenario: Scenario, profiles: Mapping[str, AreaProfile]) -> dict[str, float]:
        """Staff FTE in each of the programme's areas.

        As given per area (0 where not given), or the total split by the areas' working-age populations.
        """
        import numpy as np

        areas = self.areas or scenario.population.areas
        if isinstance(self.staff_fte, dict):
            return {a: float(self.staff_fte.get(a, 0.0)) for a in areas}
        weights = np.array([profiles[a].population_16_64 for a in areas])
        return dict(zip(areas, (self.staff_fte * weights / weights.sum()).tolist(), strict=True))

    def places(
        self,
        scenario: Scenario,
        params: Parameters,
        profiles: Mapping[str, AreaProfile],
        sizes: Mapping[str, int],
    ) -> dict[str, float]:
        """Simulated places in each of the programme's areas, before rounding.

        Staff FTE x caseload per FTE x the area's sample fraction (simulated over published residents).
        """
        caseload = self.caseload(params)
        return {
            area: fte * caseload * (sizes[area] / profiles[area].population_16_64)
            for area, fte in self.staff_by_area(scenario, profiles).items()
        }

    def placeless_areas(
        self,
        scenario: Scenario,
        params: Parameters,
        profiles: Mapping[str, AreaProfile],
        sizes: Mapping[str, int],
    ) -> list[str]:
        """Areas whose places round to none while residents are referred (they could only wait): refused."""
        if not any(v > 0 for v in self.referral_probabilities(params).values()):
            return []
        return [a for a, n in self.places(scenario, params, profiles, sizes).items() if round(n) == 0]

    def caseload(self, params: Parameters) -> float:
        """Caseload per FTE: the scenario's, or the type's default."""
        return self.caseload_per_fte or params[f"services.{self.type}.caseload_per_fte"]

    def referral_probabilities(self, params: Parameters) -> dict[str, float]:
        """Monthly referral probability by route: the scenario's, or the type's defaults.

        A scenario's mapping is the whole set of routes: a route it does not list is closed.
        """
        if self.referral is not None:
            return dict(self.referral)
        return {route: params[f"services.{self.type}.referral_{route}"] for route in REFERRAL_ROUTES}


def _parse_month(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"expected a month as YYYY-MM (e.g. 2027-04), got {shown(value)}")
        month = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
        if not EARLIEST_MONTH <= month <= LATEST_MONTH:
            raise ValueError(f"{month} is outside {CALENDAR}")
        return month
    return value


CALENDAR = (
    f"the months the model's data and rates support: {EARLIEST_MONTH} (the price index starts in 2007/08) to "
    f"{LATEST_MONTH} (tax and benefit rules are projected by uprating to {year_label(UPRATING_HORIZON)})"
)


def slug(text: str) -> str:
    """File-system-safe form of a name: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def month_index(month: str) -> int:
    """Months since year 0 of a YYYY-MM month, for comparing and differencing months."""
    year, m = month.split("-")
    return int(year) * 12 + int(m) - 1


class PosteriorSpec(_Strict):
    """A calibration posterior (``healthwork calibrate --method abc``) that ``--draws`` takes values from.

    ``file`` is relative to the scenario file that names it (the loader makes it absolute once it has checked
    that the file exists, has this ``sha256`` and names only known parameters).
    """

    file: str = Field(min_length=1)
    sha256: str

    @field_validator("sha256")
    @classmethod
    def _hexadecimal(cls, digest: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(
                f"expected the file's sha256, 64 hexadecimal digits (sha256sum FILE), got {shown(digest)}"
            )
        return digest


class Scenario(_Strict):
    """A validated scenario (see the README for the annotated format)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    start: str
    horizon_months: int = Field(gt=0, le=1200)
    seed: int = Field(ge=0, lt=2**63)
    replications: int = Field(ge=1, le=100_000)
    population: PopulationSpec
    programmes: list[ProgrammeSpec] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    economy: EconomySpec = Field(default_factory=EconomySpec)
    pathways: bool = (
        False  # extra arms splitting each programme's effect by pathway (model.programmes.pathways)
    )
    posterior: list[PosteriorSpec] = Field(default_factory=list)  # one mapping, or a list of them
    _parameter_sources: dict[str, str] = PrivateAttr(default_factory=dict)  # where each override was set

    _month = field_validator("start", mode="before")(lambda cls, v: _parse_month(v))

    @field_validator("posterior", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """``posterior:`` is one posterior's mapping or a list of them (independent calibrations)."""
        if value is None:
            return []
        return [value] if isinstance(value, Mapping) else value

    @field_validator("programmes")
    @classmethod
    def _by_name(cls, programmes: list[ProgrammeSpec]) -> list[ProgrammeSpec]:
        """Programmes are kept, processed and reported in order of name, whatever order a file lists them.

        A scenario's programmes are a set: listing them in another order changes nothing.
        """
        return sorted(programmes, key=lambda p: p.name)

    @property
    def start_month(self) -> tuple[int, int]:
        """(year, month) of the first simulated month."""
        year, month = self.start.split("-")
        return int(year), int(month)

    def affected_by(self, path: str) -> bool:
        """Whether a parameter can change this scenario's results.

        A programme type's settings (``services.<type>.*``) only if it runs a programme of that type; the
        appraisal's only with programmes; the economy's only with an unemployment path; labour demand's only
        with competed openings and programmes, and the fixed displacement only without competed openings;
        every other parameter always.
        """
        head, _, rest = path.partition(".")
        if head == "services":
            return rest.partition(".")[0] in {p.type for p in self.programmes}
        if path.startswith("employment.cycle."):
            return self.economy.unemployment_path != NONE
        if path.startswith("employment.demand."):
            return self.economy.competed and self.has_programmes()
        if path == "appraisal.displacement":
            return not self.economy.competed and self.has_programmes()
        return head != "appraisal" or self.has_programmes()

    def has_programmes(self) -> bool:
        """Whether the scenario arm can differ from the counterfactual."""
        return bool(self.programmes)

    def with_parameter_sources(self, sources: Mapping[str, str]) -> Scenario:
        """A copy that remembers where each parameter override was set (a file, the command line)."""
        copy = self.model_copy()
        copy._parameter_sources = dict(sources)
        return copy

    def resolved_parameters(self) -> Parameters:
        """Default and fitted parameters with this scenario's overrides applied, each a user override."""
        sources = {p: self._parameter_sources.get(p, f"scenario {self.name}") for p in self.parameters}
        return default_parameters().with_overrides(self.parameters, layer="user override", sources=sources)

    def slug(self) -> str:
        """File-system-safe form of the name, used for the output folder."""
        return slug(self.name) or "scenario"

    def canonical(self) -> dict[str, Any]:
        """The resolved scenario as plain JSON-able data."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario (with parameter values) in canonical JSON."""
        payload = {
            "scenario": self.canonical(),
            "parameters": dict(sorted(self.resolved_parameters().items())),
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------ rules across keys


def cross_key_problems(scenario: Scenario, params: Parameters) -> list[tuple[str, str]]:
    """Rules across keys: sample size, dates, names, areas, places, referral totals, ages, distributions."""
    found = []
    profiles = {a: packaged_profiles()[(a, scenario.population.data_year)] for a in scenario.population.areas}
    sizes = dict(zip(profiles, area_sizes(list(profiles.values()), scenario.population.scale), strict=True))
    smallest = min(profiles, key=sizes.__getitem__)
    if sizes[smallest] < MIN_AREA_RESIDENTS:
        needed = MIN_AREA_RESIDENTS / profiles[smallest].population_16_64
        found.append(
            (
                "population.scale",
                f"{scenario.population.scale:g} simulates {sizes[smallest]:,} resident(s) in {smallest}; "
                f"rates need at least {MIN_AREA_RESIDENTS} per area (sampling error under 2 percentage "
                f"points): use a scale of at least {math.ceil(needed * 1e4) / 1e4:g}",
            )
        )
    last = month_index(scenario.start) + scenario.horizon_months - 1
    if last > month_index(LATEST_MONTH):
        found.append(
            (
                "horizon_months",
                f"{scenario.horizon_months} months from {scenario.start} run to "
                f"{last // 12}-{last % 12 + 1:02d}, outside {CALENDAR}",
            )
        )
    if scenario.economy.competed and "appraisal.displacement" in scenario.parameters:
        found.append(
            (
                "economy.labour_demand",
                f"'{OPENINGS}' makes displacement emerge from competition for job openings, so a fixed "
                "appraisal.displacement would count it twice: drop the appraisal.displacement override, or "
                f"use labour_demand: {UNLIMITED} to apply it",
            )
        )
    slugs: dict[str, str] = {}
    for i, prog in enumerate(scenario.programmes):
        key = f"programmes[{i}]"
        name_slug = slug(prog.name)
        if not name_slug:
            reason = f"{shown(prog.name)} needs a letter or digit (output files are named by it)"
            found.append((f"{key}.name", reason))
        elif name_slug == ALL_PROGRAMMES:
            found.append((f"{key}.name", f"'{ALL_PROGRAMMES}' is reserved for the population-wide rows"))
        elif name_slug in slugs:
            other = slugs[name_slug]
            found.append(
                (
                    f"{key}.name",
                    f"{shown(prog.name)} is used by more than one programme"
                    if other == prog.name
                    else f"{shown(prog.name)} and {shown(other)} would share output files ({name_slug}): "
                    "names must differ in more than case, spaces or punctuation",
                )
            )
        slugs.setdefault(name_slug, prog.name)
        areas = prog.areas or scenario.population.areas
        for area in prog.areas or []:
            if area not in scenario.population.areas:
                found.append(
                    (
                        f"{key}.areas",
                        f"'{area}' is not one of the scenario's areas "
                        f"({', '.join(scenario.population.areas)})",
                    )
                )
        if isinstance(prog.staff_fte, dict):
            for area in prog.staff_fte:
                if area not in areas:
                    found.append(
                        (
                            f"{key}.staff_fte",
                            f"'{area}' is not one of the programme's areas ({', '.join(areas)})",
                        )
                    )
        first, last = prog.window(scenario)
        if first > last:
            found.append(
                (
                    f"{key}.end",
                    f"the programme ends ({prog.end}) before it starts ({prog.start or scenario.start})",
                )
            )
        if first < 1:
            found.append(
                (
                    f"{key}.start",
                    f"the programme starts ({prog.start}) before the scenario ({scenario.start})",
                )
            )
        if first > scenario.horizon_months:
            found.append(
                (f"{key}.start", f"the programme starts ({prog.start}) after the scenario's last month")
            )
        referral = prog.referral_probabilities(params)
        if all(a in profiles for a in areas):
            caseload = prog.caseload(params)
            places = prog.places(scenario, params, profiles, sizes)
            for area in prog.placeless_areas(scenario, params, profiles, sizes):
                needed = 0.5 / (caseload * sizes[area] / profiles[area].population_16_64)
                found.append(
                    (
                        f"{key}.staff_fte",
                        f"{prog.staff_by_area(scenario, profiles)[area]:g} FTE in {area} gives "
                        f"{places[area]:.2g} simulated places (staff x caseload_per_fte {caseload:g} x "
                        "population.scale), which rounds to none while residents are referred: give "
                        f"{area} at least {needed:.2g} FTE, raise population.scale, set the referral rates "
                        "to 0 or leave the area out of the programme's areas",
                    )
                )
        if sum(referral.values()) > 1:
            found.append(
                (
                    f"{key}.referral",
                    f"monthly referral probabilities add up to {sum(referral.values()):g}, more than 1",
                )
            )
        e = prog.eligibility
        kind = PROGRAMME_TYPES[prog.type]
        if e.household is not None and kind.unit != "household":
            household_types = [t.name for t in PROGRAMME_TYPES if t.unit == "household"]
            found.append(
                (
                    f"{key}.eligibility.household",
                    f"household criteria apply to programmes that work with whole households (type "
                    f"{' or '.join(household_types)}), not to type '{prog.type}'",
                )
            )
        if e.min_age is not None and e.max_age is not None and e.min_age > e.max_age:
            found.append(
                (f"{key}.eligibility.max_age", f"max_age ({e.max_age}) is below min_age ({e.min_age})")
            )
        if (
            e.min_months_out_of_work is not None
            and e.max_months_out_of_work is not None
            and e.min_months_out_of_work > e.max_months_out_of_work
        ):
            found.append(
                (
                    f"{key}.eligibility.max_months_out_of_work",
                    "max_months_out_of_work is below min_months_out_of_work",
                )
            )
        if e.conditions and "none" in e.conditions and len(e.conditions) > 1:
            found.append((f"{key}.eligibility.conditions", "'none' cannot be combined with other conditions"))
        for rate, effect in prog.effects.items():
            ekey = f"{key}.effects.{rate}"
            is_gain = rate == "readiness.gain"
            if is_gain and (effect.hazard_ratio is not None or effect.by_mental_health is not None):
                found.append((ekey, "readiness.gain takes gain_per_month, not a hazard ratio"))
            if not is_gain and effect.gain_per_month is not None:
                found.append((ekey, f"{rate} takes hazard_ratio or by_mental_health, not gain_per_month"))
            if not is_gain and effect.hazard_ratio is None and effect.by_mental_health is None:
                found.append((ekey, "give hazard_ratio and/or by_mental_health"))
            if is_gain and effect.gain_per_month is None:
                found.append((ekey, "give gain_per_month"))
            values = [effect.hazard_ratio, effect.gain_per_month, *(effect.by_mental_health or {}).values()]
            for value in values:
                reason = _distribution_problem(value, gain=is_gain)
                if reason:
                    found.append((ekey, reason))
    return found


def _distribution_problem(value: Distribution | None, gain: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, LognormalDistribution):
        if value.lognormal.p95 <= value.lognormal.median:
            lognormal = value.lognormal
            return f"lognormal p95 ({lognormal.p95:g}) must be above its median ({lognormal.median:g})"
        return None
    if isinstance(value, UniformDistribution):
        if value.uniform.high < value.uniform.low:
            return "uniform high is below low"
        low = value.uniform.low
        if gain:
            return None if low >= 0 else "uniform low must be at least 0 for a readiness gain"
        return None if low > 0 else "uniform low must be above 0 for a hazard ratio"
    if gain:
        return (
            None
            if -1 <= value <= 1
            else f"a readiness gain per month must be between -1 and 1, got {value:g}"
        )
    return None if value > 0 else f"a hazard ratio must be above 0, got {value:g}"
