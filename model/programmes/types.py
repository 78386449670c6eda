"""Programme types (a registry): what each kind of programme does unless a scenario says otherwise.

A programme type is one :class:`ProgrammeType` entry: who it serves by default, the effects it has by
default (templates naming its own parameters), and how its clients respond. Its settings are parameters
``services.<type>.<setting>`` (every one in :data:`SETTINGS`, plus those its effects name), declared in
``model/data/parameters.yaml`` for the built-in types or passed with the entry by a plug-in, so that
``parameters:`` and ``--set`` change a type's default for every programme of that type. Built in:

- ``ips``: Individual Placement and Support; job-entry hazard ratios by mental health fitted by trial
  emulation, fewer job exits in work, a readiness gain;
- ``health_trainer``: behaviour-change support; readiness gain and faster recovery from common mental
  disorder and back pain, with full, partial or no response (national DCRS shares);
- ``employment_support``: generic advisers (Work and Health Programme, Households into Work, Ways to Work);
- ``households_into_work``: keyworkers for whole households (the Liverpool City Region's Households into
  Work): eligibility on the household, caseload in households, every eligible adult of a household admitted
  supported together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from model.config.parameters import Parameter, default_parameters, register_defaults
from model.config.scenario import Scenario
from model.config.vocabulary import PROGRAMME_TYPES, REFERRAL_ROUTES, STATES

# Settings every type declares as ``services.<type>.<setting>``: unit, bounds, whole number.
SETTINGS = {
    "caseload_per_fte": ("participants per staff FTE", 1, 1000, False),
    "pre_employment_months": ("months of job-search support", 1, 120, True),
    "in_work_months": ("months of in-work support after a job start", 0, 120, True),
    "engagement": ("share of referred residents who start (or join the waiting list)", 0, 1, False),
    "dropout": ("monthly probability that an active participant stops attending", 0, 1, False),
    "waiting_leave": ("monthly probability that a resident on the waiting list gives up", 0, 1, False),
    **{
        f"referral_{route}": (
            f"monthly probability of a {route} referral, among eligible residents",
            0,
            1,
            False,
        )
        for route in REFERRAL_ROUTES
    },
    "min_age": ("years", 16, 64, True),
    "min_months_out_of_work": ("months out of work before eligibility", 0, 600, True),
    "cost_per_fte_year": ("GBP per staff FTE-year at cost_price_year prices", 0, 10_000_000, False),
    "cost_price_year": ("fiscal year of the cost's prices (its starting calendar year)", 2007, 2100, True),
}


@dataclass(frozen=True)
class Evidence:
    """Where a type's default effects come from: the population and design they were measured on.

    A programme that applies them outside it still runs, but its outputs and the console say so, one line
    each (:func:`extrapolations`). None means the evidence sets no limit there.

    Attributes:
        source: the evidence, in a few words.
        states: employment states the evidence enrolled.
        max_caseload_parameter: the type's setting whose default caseload per FTE the evidence assumes
            (a fidelity standard); a programme above it is outside.
        areas: areas the effects were estimated in (a local pilot), or None.
        wants_work: whether the evidence enrolled only people who wanted work.

    """

    source: str
    states: tuple[str, ...] | None = None
    max_caseload_parameter: str | None = None
    areas: tuple[str, ...] | None = None
    wants_work: bool = False


@dataclass(frozen=True)
class ProgrammeType:
    """A kind of programme.

    Attributes:
        name: the ``type:`` a scenario gives.
        description: one line for listings.
        default_states: employment states eligible unless a programme says otherwise.
        default_conditions: conditions (any of) required unless a programme says otherwise; empty for none.
        default_effects: effects unless a programme says otherwise, as scenario effect specifications whose
            strings (other than ``while`` values) name the type's own parameters.
        response: parameters giving the shares of clients who respond fully and partly (partial responders
            get half of each effect on the log scale, others none); None when everyone responds fully.
        parameters: default parameters of a plug-in type (built-in types declare theirs in parameters.yaml).
        unit: whom a place serves: a ``resident``, or a ``household`` (its eligible adults together).
        default_household: household criteria unless a programme says otherwise (household types).
        default_wants_work: whether only residents who want work (True), only those who do not (False) or
            either (None) are eligible, unless a programme says otherwise.
        evidence: where the default effects come from (:class:`Evidence`), or None.

    """

    name: str
    description: str
    default_states: tuple[str, ...] = STATES[1:]
    default_conditions: tuple[str, ...] = ()
    default_effects: Mapping[str, Mapping] = field(default_factory=dict)
    response: tuple[str, str] | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    unit: Literal["resident", "household"] = "resident"
    default_household: Mapping[str, object] = field(default_factory=dict)
    default_wants_work: bool | None = None
    evidence: Evidence | None = None

    def path(self, setting: str) -> str:
        """Dotted parameter path of one of this type's settings."""
        return f"services.{self.name}.{setting}"

    def wants_rule(self, given: bool | str | None) -> bool | None:
        """A programme's rule on wanting work: required (True), excluded (False), neither (None, ``any``)."""
        if given is None:
            return self.default_wants_work
        return None if given == "any" else bool(given)


def plugin_parameters(
    type_name: str, values: Mapping[str, float], source: str, effects: Mapping[str, tuple[float, str]] = {}
) -> dict[str, Parameter]:
    """The default parameters of a plug-in programme type, labelled assumptions with ``source``.

    ``values`` gives every setting in :data:`SETTINGS`; ``effects`` the parameters its default effects name,
    as (value, unit).
    """
    missing = sorted(set(SETTINGS) - set(values))
    if missing:
        raise ValueError(f"programme type {type_name}: give values for {', '.join(missing)}")

    def entry(setting: str, value: float, unit: str, low=None, high=None, integer=False) -> Parameter:
        path = f"services.{type_name}.{setting}"
        return Parameter(path, float(value), unit, "assumption", source, low, high, integer)

    out = {f"services.{type_name}.{k}": entry(k, values[k], *SETTINGS[k]) for k in SETTINGS}
    out |= {f"services.{type_name}.{k}": entry(k, value, unit) for k, (value, unit) in effects.items()}
    return out


def register_programme_type(entry: ProgrammeType) -> ProgrammeType:
    """Register a programme type and its default parameters (a plug-in calls this at import)."""
    register_defaults(entry.parameters)
    return PROGRAMME_TYPES.register(entry, depth=2)


register_programme_type(
    ProgrammeType(
        name="health_trainer",
        description="Health Trainers: behaviour-change support for people in poor health",
        default_states=("unemployed", "inactive_sick"),
        default_conditions=("any",),
        default_effects={
            "readiness.gain": {"gain_per_month": "readiness_gain"},
            "health.mental_health.recovery": {"hazard_ratio": "cmd_recovery_hr"},
            "health.msk.recovery": {"hazard_ratio": "msk_recovery_hr"},
        },
        response=("full_response", "partial_response"),
        evidence=Evidence(
            "assumed effects, response shares from the national Health Trainer data set (DCRS 2010-11)"
        ),
    )
)
register_programme_type(
    ProgrammeType(
        name="ips",
        description="Individual Placement and Support: employment specialists, people with health conditions",
        default_conditions=("any",),
        default_effects={
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
        default_wants_work=True,  # the IPS fidelity scale's zero exclusion is of people who want work
        evidence=Evidence(
            "IPS trials of people out of work with health conditions who wanted work, at fidelity caseloads",
            states=("unemployed", "inactive_sick"),
            max_caseload_parameter="caseload_per_fte",
            wants_work=True,
        ),
    )
)
# Advisers' effects (employment support, Households into Work): each type's own parameters of these names.
ADVISER_EFFECTS = {
    "employment.job_entry": {"hazard_ratio": "job_entry_hr", "while": "pre_employment"},
    "employment.job_exit": {"hazard_ratio": "in_work_exit_hr", "while": "in_work"},
    "readiness.gain": {"gain_per_month": "readiness_gain"},
}
register_programme_type(
    ProgrammeType(
        name="employment_support",
        description="Employment support advisers (Work and Health Programme, Households into Work style)",
        default_effects=ADVISER_EFFECTS,
        evidence=Evidence("assumed effects; take-up from the Work and Health Programme's referrals"),
    )
)
register_programme_type(
    ProgrammeType(
        name="households_into_work",
        description="Keyworkers for whole workless households (Liverpool City Region Households into Work)",
        default_effects=ADVISER_EFFECTS,
        unit="household",
        default_household={"workless": True, "min_adults_out_of_work": 1},
        evidence=Evidence(
            "Households into Work in the Liverpool City Region (caseload and cost from its first years)",
            areas=("Halton", "Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral"),
        ),
    )
)


def extrapolations(scenario: Scenario) -> list[str]:
    """One line for each programme that applies its type's default effects outside their evidence.

    Checked: eligible employment states, wanting work, caseload per FTE against the evidence's, and areas. A
    programme
    that states its own value for every effect is not checked (its evidence is the user's).
    """
    params = scenario.resolved_parameters()
    lines = []
    for spec in scenario.programmes:
        kind = PROGRAMME_TYPES[spec.type]
        evidence = kind.evidence
        if evidence is None or set(kind.default_effects) <= set(spec.effects):
            continue
        said = f"programme {spec.name!r} ({spec.type}) uses effects from {evidence.source}"
        states = spec.eligibility.states or kind.default_states
        outside = [s for s in states if evidence.states is not None and s not in evidence.states]
        if outside:
            lines.append(f"{said}, but also enrols residents who are {' or '.join(outside)}")
        if evidence.wants_work and kind.wants_rule(spec.eligibility.wants_work) is not True:
            lines.append(f"{said}, but also enrols residents who do not want work")
        if evidence.max_caseload_parameter:
            limit = default_parameters()[kind.path(evidence.max_caseload_parameter)]  # not an override
            caseload = spec.caseload_per_fte or params[kind.path("caseload_per_fte")]
            if caseload > limit:
                lines.append(f"{said}, but at {caseload:g} participants per FTE (the evidence's: {limit:g})")
        runs_in = spec.areas or scenario.population.areas
        areas = [a for a in runs_in if evidence.areas is not None and a not in evidence.areas]
        if areas:
            lines.append(f"{said}, but runs in {', '.join(areas)}")
    return lines
