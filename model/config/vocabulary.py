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

# Eligibility words that are not condition names.
CONDITION_WORDS = ("any", "none")

# Registries filled by the modules that define each entry (see model/config/registry.py).
CONDITIONS: Registry = Registry("health condition")  # model.dynamics.health
RATES: Registry = Registry("named rate")  # model.dynamics.*: the rates programmes may modify
PROGRAMME_TYPES: Registry = Registry("programme type")  # model.programmes.types
