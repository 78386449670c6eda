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

from model.config.parameters import Parameter, register_defaults
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

    def path(self, setting: str) -> str:
        """Dotted parameter path of one of this type's settings."""
        return f"services.{self.name}.{setting}"


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
    )
)
register_programme_type(
    ProgrammeType(
        name="households_into_work",
        description="Keyworkers for whole workless households (Liverpool City Region Households into Work)",
        default_effects=ADVISER_EFFECTS,
        unit="household",
        default_household={"workless": True, "min_adults_out_of_work": 1},
    )
)
