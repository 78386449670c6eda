"""Benefit units in the ledger: the LCWRA earnings rule, minimum age and students, household measures, and
the value of one job by household."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.areas import packaged_housing, packaged_profiles
from model.config.parameters import default_parameters
from model.config.scenario import month_index
from model.config.vocabulary import EMPLOYED, UNEMPLOYED
from model.core.recording import HOUSEHOLD_MEASURES
from model.core.streams import Streams
from model.economics import ledger as fiscal
from model.economics.value_of_work import HOUSEHOLDS, value_of_work
from model.engine import RunContext, burned_in_population
from tests.conftest import small_scenario
from tests.test_cli import healthwork

START = "2026-06"
UC_ITEMS = [k for k, item in enumerate(fiscal.ITEMS) if item.name.startswith("uc_")]


@pytest.fixture(scope="module")
def base():
    sc = small_scenario(population={"areas": ["Knowsley"], "scale": 0.03}, start=START)
    context = RunContext.build(sc, sc.resolved_parameters())
    return context, burned_in_population(context, Streams(2, 0))


def month(context, pop) -> tuple[np.ndarray, np.ndarray]:
    """One month's items and household measures (summed over areas)."""
    ledger = fiscal.Ledger(context.params, context.housing, 1, month_index(START))
    measures = ledger.record(1, pop)
    return ledger.values[1].sum(axis=0), measures.sum(axis=0)


def test_lcwra_is_not_started_in_work_above_16_hours_but_continues_once_in_payment(base):
    context, pop = base
    pop = pop.copy()
    entitled = (pop.work_limiting == 1) & (
        pop.months_limited >= int(context.params["fiscal.lcwra_delay_months"])
    )
    slots = np.flatnonzero(entitled & (pop.age_months >= 25 * 12))[:30]
    working, was_paid, out = slots[:10], slots[10:20], slots[20:]
    pop.state[np.concatenate([working, was_paid])] = EMPLOYED
    pop.hours[np.concatenate([working, was_paid])] = 37.5
    pop.hourly_pay[np.concatenate([working, was_paid])] = 12.0
    pop.state[out] = UNEMPLOYED
    pop.lcwra_paid[:] = 0
    pop.lcwra_paid[was_paid] = 1
    month(context, pop)
    assert (pop.lcwra_paid[working] == 0).all()  # earning over 16 hours at the minimum wage: not assessed
    assert (pop.lcwra_paid[was_paid] == 1).all()  # already in payment: kept in work
    assert (pop.lcwra_paid[out] == 1).all()
    assert (pop.lcwra_paid[~entitled] == 0).all()


def test_nobody_under_18_and_no_full_time_student_receives_universal_credit(base):
    context, pop = base
    students = pop.copy()
    students.student[:] = 1
    items, measures = month(context, students)
    assert items[UC_ITEMS].sum() == 0 and measures[HOUSEHOLD_MEASURES.index("uc_households")] == 0
    young = pop.copy()
    young.age_months[:] = 17 * 12
    items, measures = month(context, young)
    assert items[UC_ITEMS].sum() == 0 and measures[HOUSEHOLD_MEASURES.index("uc_households")] == 0
    items, measures = month(context, pop)
    assert items[UC_ITEMS].sum() > 0


def test_household_measures_count_households_and_workless_ones(base):
    context, pop = base
    _, measures = month(context, pop)
    hh = pop.households
    used = hh.head >= 0
    assert measures[HOUSEHOLD_MEASURES.index("households")] == used.sum()
    counted = np.bincount(pop.household, pop.student == 0, len(hh))[used] > 0  # all-student households aside
    workless = (hh.workers[used] == 0) & counted
    assert measures[HOUSEHOLD_MEASURES.index("workless_households")] == workless.sum()
    take_up = context.params["fiscal.take_up"]
    uc = measures[HOUSEHOLD_MEASURES.index("uc_households")]
    assert uc / take_up == pytest.approx(round(uc / take_up))  # expected units: take-up x whole units


@pytest.mark.parametrize("household", sorted(HOUSEHOLDS))
def test_value_of_work_by_household_adds_up(household):
    params = default_parameters()
    v = value_of_work(
        packaged_profiles()[("Liverpool", 2023)],
        packaged_housing()["Liverpool"],
        params,
        2026,
        household=household,
        pay="minimum",
    )
    assert v["dwp_saving"] == pytest.approx(v["dwp_uc_out_of_work"] - v["dwp_uc_in_work"])
    assert v["local_authority_saving"] == pytest.approx(v["ctr_out_of_work"] - v["ctr_in_work"])
    assert v["dwp_saving"] > 0 and v["local_authority_saving"] >= 0
    renting = household != "single-owner"
    assert (v["housing_element_out_of_work"] > 0) == renting
    assert v["net_income_change"] == pytest.approx(
        v["gross_pay"]
        - v["hmrc_income_tax"]
        - v["hmrc_employee_ni"]
        - v["dwp_saving"]
        - v["local_authority_saving"]
    )


def test_value_of_work_cli_takes_household_and_tenure_and_rejects_contradictions():
    done = healthwork(
        "value-of-work", "--area", "Knowsley", "--household", "lone-parent", "--tenure", "social"
    )
    assert done.returncode == 0, done.stderr
    header = done.stdout.strip().splitlines()[1].split(",")
    for column in ("housing_element_out_of_work", "ctr_in_work", "local_authority_saving", "nhs_saving"):
        assert column in header
    for args, message in [
        (["--household", "single-owner", "--tenure", "private"], "single-owner households own their home"),
        (["--household", "single-renter", "--tenure", "owner"], "rents: social or private"),
        (["--household", "single-renter", "--children", "2"], "has no children"),
        (["--household", "lone-parent", "--children", "0"], "at least one child"),
        (["--age", "17"], "must be 18 to 64"),
        (["--household", "couple"], "invalid choice"),
    ]:
        bad = healthwork("value-of-work", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
