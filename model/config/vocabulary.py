"""The model's vocabulary, declared once: states, groups, arms, totals, payers, routes, and registries.

Employment states, mental-health groups, arms, area and programme totals, payers, referral routes, and the
registries of names that modules above fill in (conditions, named rates, programme types). Every table,
stream, parameter path, plot label and schema check derives from these.
"""

from __future__ import annotations

from model.config.registry import Registry

# Employment states (ILO definitions; inactive_sick = inactive because of long-term sickness or disability).
STATES = ("employed", "unemployed", "inactive_sick", "inactive_other")
EMPLOYED, UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER = range(len(STATES))
OUT_OF_WORK = (UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER)

# Mental health: one state per resident (a common mental disorder or severe mental illness, not both).
MENTAL_HEALTH = ("none", "common_mental_disorder", "severe_mental_illness")
MH_NONE, MH_CMD, MH_SMI = range(len(MENTAL_HEALTH))

# The two arms of every run, and their difference.
ARMS = ("counterfactual", "scenario")
IMPACT = "impact"

# Totals in tables: the sum of the scenario's areas, and the population-wide rows (no programme).
ALL_AREAS = "ALL"
ALL_PROGRAMMES = "all"

# Who pays or receives each ledger line.
PAYERS = ("dwp", "local_authority", "hmrc", "nhs", "programme_funder", "residents")

# Programmes: how residents are referred, when an effect applies, how a waiting list is ordered.
REFERRAL_ROUTES = ("gp", "jobcentre", "self")
EFFECT_WINDOWS = ("active", "pre_employment", "in_work")
WAITING_RULES = ("fifo", "longest_out_of_work", "lowest_readiness")

# The calendar the data and rates support. Tax and benefit rates are published for 2024/25 to 2026/27 and
# uprated by assumption beyond them up to the horizon; the price index (model/data/deflators.csv) starts in
# 2007/08, so no scenario may start before April 2007 or run past March of the horizon's tax year.
FIRST_RATES_YEAR, LAST_RATES_YEAR = 2024, 2026  # tax years with published rates: 2024/25 .. 2026/27
UPRATING_HORIZON = 2050  # the last tax year (2050/51) whose rules are projected by uprating
EARLIEST_MONTH = "2007-04"  # the first month of the price index's first year
LATEST_MONTH = f"{UPRATING_HORIZON + 1}-03"  # the last month of the horizon's tax year


def year_label(start: int) -> str:
    """A tax or fiscal year by its starting calendar year: '2026/27' for 2026."""
    return f"{start}/{(start + 1) % 100:02d}"


# Eligibility words that are not condition names.
CONDITION_WORDS = ("any", "none")

# Registries filled by the modules that define each entry (see model/config/registry.py).
CONDITIONS: Registry = Registry("health condition")  # model.dynamics.health
RATES: Registry = Registry("named rate")  # model.dynamics.*: the rates programmes may modify
PROGRAMME_TYPES: Registry = Registry("programme type")  # model.programmes.types
