"""Fiscal ledger: hand-worked tax, NI and UC to the penny, discounting, fiscal years, zero impacts, signs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.config.parameters import default_parameters
from model.config.scenario import month_index
from model.config.vocabulary import EMPLOYED, UNEMPLOYED, year_label
from model.core.streams import Streams
from model.economics import ledger as fiscal
from model.economics import prices
from model.economics.benefits import uc_award
from model.economics.rules import Rules, employee_ni, employer_ni, income_tax
from model.economics.value_of_work import value_of_work
from model.engine import RunContext, burned_in_population, simulate
from model.experiments import appraisal, ensemble
from model.experiments.appraisal import SUMMARY_METRICS, vfm_band
from tests.conftest import small_scenario
from tests.programmes.test_services import AREAS, ips

PARAMS = default_parameters()
Y2024, Y2025, Y2026 = (Rules.for_year(PARAMS, y) for y in (2024, 2025, 2026))


def pennies(x) -> float:
    return round(float(x), 2)


@pytest.mark.parametrize(
    ("annual", "rules", "expected"),
    [
        (20_000, Y2025, 1_486.00),  # (20,000 - 12,570) x 20%
        (12_000, Y2025, 0.00),
        (60_000, Y2024, 11_432.00),  # 37,700 x 20% + 9,730 x 40%
        (110_000, Y2024, 33_432.00),  # allowance 7,570: 7,540 + 64,730 x 40%
        (150_000, Y2025, 53_703.00),  # no allowance: 7,540 + 87,440 x 40% + 24,860 x 45%
    ],
)
def test_income_tax(annual, rules, expected):
    assert pennies(income_tax(float(annual), rules)) == expected


@pytest.mark.parametrize(
    ("annual", "rules", "employee", "employer"),
    [
        (20_000, Y2025, 594.40, 2_250.00),  # employee (20,000 - 12,570) x 8%; employer (20,000 - 5,000) x 15%
        (20_000, Y2024, 594.40, 1_504.20),  # employer before April 2025: (20,000 - 9,100) x 13.8%
        (60_000, Y2024, 3_210.60, 7_024.20),  # 37,700 x 8% + 9,730 x 2%; (60,000 - 9,100) x 13.8%
        (8_000, Y2025, 0.00, 450.00),  # under the primary threshold; (8,000 - 5,000) x 15%
    ],
)
def test_national_insurance(annual, rules, employee, employer):
    assert pennies(employee_ni(float(annual), rules)) == employee
    assert pennies(employer_ni(float(annual), rules)) == employer


@pytest.mark.parametrize(
    ("rules", "older", "lcwra", "net", "expected"),
    [
        (Y2025, True, 0.0, 0.0, 400.14),
        (Y2025, True, 0.0, 500.0, 125.14),  # no work allowance: 400.14 - 55% x 500
        (Y2025, True, 0.0, 1_000.0, 0.00),
        (Y2025, True, Y2025.lcwra_protected, 1_000.0, 649.61),  # 823.41 - 55% x (1,000 - 684)
        (Y2024, True, Y2024.lcwra_protected, 1_000.0, 629.79),  # 809.64 - 55% x (1,000 - 673)
        (Y2024, False, 0.0, 0.0, 311.68),
        (Y2026, True, Y2026.lcwra_new, 0.0, 642.16),  # 424.90 + 217.26 (new claim, 2026/27)
        (Y2026, True, Y2026.lcwra_protected, 0.0, 854.70),  # 424.90 + 429.80 (protected)
    ],
)
def test_universal_credit_single_without_housing_costs(rules, older, lcwra, net, expected):
    parts = uc_award(rules, False, older, 0, 0, lcwra, 0.0, net)
    assert pennies(sum(parts)) == expected
    assert parts[3] == lcwra and parts[4] <= 0 and parts[5] == 0


def test_rules_beyond_published_years_are_uprated_with_thresholds_frozen_to_2027():
    y2027, y2028 = Rules.for_year(PARAMS, 2027), Rules.for_year(PARAMS, 2028)
    assert y2027.sa_single_25_plus == pytest.approx(424.90 * 1.02)
    assert y2028.sa_single_25_plus == pytest.approx(424.90 * 1.02**2)
    assert y2027.personal_allowance == 12_570 and y2028.personal_allowance == pytest.approx(12_570 * 1.02)
    assert y2028.lcwra_new == 217.26 and y2028.benefit_cap_single == 1229.42  # frozen
    assert Rules.for_year(PARAMS, 2010)._replace(year=2026) == Rules.for_year(PARAMS, 2026)  # today's rules


def test_fiscal_years_run_april_to_march():
    assert prices.fiscal_year(month_index("2027-03")) == 2026
    assert prices.fiscal_year(month_index("2027-04")) == 2027
    assert year_label(2026) == "2026/27"


def test_price_index_and_discounting():
    assert prices.price_index(2024, 0.02) == 100.0
    assert prices.price_index(2028, 0.02) == pytest.approx(107.8938 * 1.02)
    assert prices.price_index(2000, 0.02) == prices.price_index(2007, 0.02)
    mid = prices.price_index(2010, 0.02)
    assert prices.price_index(2008, 0.02) < mid < prices.price_index(2013, 0.02)
    sc = small_scenario(horizon_months=25, start="2026-10", replications=1)
    results = [simulate(sc)]
    books = appraisal.Books(sc, results, np.ones(1))
    assert books.discount[0] == books.discount[11] == 1.0  # Green Book: whole years from the start
    assert books.discount[12] == pytest.approx(1 / 1.035) and books.discount[24] == pytest.approx(
        1 / 1.035**2
    )
    assert list(books.years[:7]) == [2026] * 6 + [2027]  # October 2026 to March 2027, then 2027/28
    assert books.deflate[0] == pytest.approx(100 / 105.7782)


def test_value_for_money_bands():
    assert [vfm_band(x) for x in (0.5, 1.2, 1.7, 3.0, 5.0, np.nan)] == [
        "poor",
        "low",
        "medium",
        "high",
        "very high",
        "",
    ]


def one_month(pop, context, start: str) -> np.ndarray:
    """One month's ledger items by area for ``pop`` (residents as they are)."""
    ledger = fiscal.Ledger(context.params, context.housing, 1, month_index(start))
    ledger.record(1, pop)
    return ledger.values[1].sum(axis=0)


def test_a_job_start_lowers_dwp_and_council_spend_and_raises_hmrc_receipts():
    sc = small_scenario(population={"areas": ["Knowsley"], "scale": 0.02}, start="2026-06")
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(1, 0))
    alone = np.flatnonzero((pop.state == UNEMPLOYED) & (pop.age_months > 30 * 12) & (pop.role == 0))
    alone = alone[pop.households.adults[pop.household[alone]] == 1][:1]
    before = one_month(pop, context, sc.start)
    pop.state[alone] = EMPLOYED
    pop.hourly_pay[alone], pop.hours[alone] = 11.0, 37.5
    after = one_month(pop, context, sc.start)
    item = {name: k for k, name in enumerate(fiscal.ITEMS.names())}
    dwp = [item[n] for n in fiscal.ITEMS.names() if fiscal.ITEMS[n].payer == "dwp"]
    assert after[dwp].sum() < before[dwp].sum()
    assert after[item["council_tax_reduction"]] < before[item["council_tax_reduction"]]
    for name in ("income_tax", "employee_ni", "employer_ni"):
        assert after[item[name]] > before[item[name]]
    gained = after[item["gross_earnings"]] - before[item["gross_earnings"]]
    assert gained == pytest.approx(12.71 * 37.5 * 52 / 12, rel=1e-5)  # floored at the 2026/27 minimum wage


def programme_scenario(effects=None):
    spec = ips(
        staff_fte=20, referral={"gp": 0.01}, end="2027-03", **({"effects": effects} if effects else {})
    )
    return small_scenario(
        population={"areas": AREAS, "scale": 0.04}, horizon_months=24, replications=3, programmes=[spec]
    )


def test_no_programme_gives_exactly_zero_impact_on_every_ledger_line():
    run = ensemble.run(
        small_scenario(replications=2),
    )
    impact = run.fiscal[run.fiscal["arm"].str.startswith("impact")]
    assert len(impact) > 0 and (impact["value_gbp"] == 0).all()


def test_neutral_effects_give_zero_impact_on_every_line_but_programme_cost():
    neutral = {
        "employment.job_entry": {"hazard_ratio": 1.0},
        "employment.job_exit": {"hazard_ratio": 1.0},
        "readiness.gain": {"gain_per_month": 0.0},
    }
    run = ensemble.run(
        programme_scenario(neutral),
    )
    impact = run.fiscal[run.fiscal["arm"].str.startswith("impact")]
    funder = impact["payer"] == "programme_funder"
    assert (impact.loc[~funder, "value_gbp"] == 0).all()
    assert impact.loc[funder & (impact["area"] == "ALL"), "value_gbp"].sum() > 0


@pytest.fixture(scope="module")
def ips_run():
    return ensemble.run(
        programme_scenario(),
    )


def test_totals_reconcile_net_equals_the_sum_of_payers(ips_run):
    s = ips_run.summary.set_index(["arm", "area", "programme", "metric"])["mean"]
    get = lambda m: s[("impact", "ALL", "all", m)]  # noqa: E731
    assert get("net_exchequer_gbp") == pytest.approx(
        get("benefit_saving_gbp")
        + get("local_authority_saving_gbp")
        + get("tax_ni_gain_gbp")
        + get("nhs_saving_gbp")
        - get("programme_cost_gbp")
    )
    f = ips_run.fiscal
    real = f[(f["basis"] == "real_2024_25") & (f["area"] == "ALL")]
    net = real[real["arm"] == "impact_net_of_displacement"].groupby("payer")["value_gbp"].sum() / 3
    assert -net["dwp"] == pytest.approx(get("benefit_saving_gbp"))
    assert -net["local_authority"] == pytest.approx(get("local_authority_saving_gbp"))
    assert net["hmrc"] == pytest.approx(get("tax_ni_gain_gbp"))
    assert -net["nhs"] == pytest.approx(get("nhs_saving_gbp"))
    areas = real[(real["arm"] == "scenario")].groupby("payer")["value_gbp"].sum()
    by_area = f[(f["basis"] == "real_2024_25") & (f["area"] != "ALL") & (f["arm"] == "scenario")]
    assert by_area.groupby("payer")["value_gbp"].sum().to_dict() == pytest.approx(areas.to_dict())


def test_programme_cost_is_staff_times_the_uprated_cost(ips_run):
    s = ips_run.summary.set_index(["arm", "area", "programme", "metric"])["mean"]
    cost_2024_25 = 38_453 * 100 / 72.4382  # GBP per FTE-year uprated from 2013/14
    assert s[("impact", "ALL", "all", "programme_cost_gbp")] == pytest.approx(20 * cost_2024_25, rel=1e-6)


def test_summary_and_value_for_money_carry_every_metric(ips_run):
    metrics = set(ips_run.summary.loc[ips_run.summary["arm"] == "impact", "metric"])
    assert set(SUMMARY_METRICS) <= metrics
    assert "qaly_gain" not in metrics
    vfm = ips_run.value_for_money
    assert set(vfm["measure"]) == {
        "fiscal_benefit_pv_gbp",
        "economic_benefit_pv_gbp",
        "social_benefit_pv_gbp",
        "total_benefit_pv_gbp",
        "cost_pv_gbp",
        "bcr",
        "fiscal_bcr",
    }
    assert (vfm.loc[vfm["measure"] == "bcr", "band"] != "").all()


def test_qalys_are_reported_when_asked():
    sc = programme_scenario().model_copy(
        update={"parameters": {**programme_scenario().parameters, "appraisal.include_qalys": 1}}
    )
    run = ensemble.run(
        sc,
    )
    s = run.summary.set_index(["arm", "area", "programme", "metric"])["mean"]
    assert s[("impact", "ALL", "all", "qaly_value_gbp")] == pytest.approx(
        70_000 * s[("impact", "ALL", "all", "qaly_gain")]
    )


def test_value_of_work_itemises_payers_for_a_single_private_renter():
    from model.config.areas import packaged_housing, packaged_profiles

    housing = packaged_housing()["Knowsley"]
    v = value_of_work(packaged_profiles()[("Knowsley", 2023)], housing, PARAMS, 2025, pay="minimum")
    # Aged 30, single, renting privately: the shared-accommodation LHA caps the one-bedroom rent.
    rent = housing.private_rent[1] * (1 + PARAMS["housing.private_rent_growth"]) ** 4  # 2021-22 to 2025/26
    housing_element = min(rent, housing.lha[0] * 52 / 12)
    assert v["housing_element_out_of_work"] == pytest.approx(12 * housing_element)
    assert v["dwp_uc_out_of_work"] == pytest.approx(12 * (400.14 + housing_element))
    assert v["gross_pay"] == pytest.approx(12.21 * 37.5 * 52)  # the 2025/26 National Living Wage
    net = (v["gross_pay"] - v["hmrc_income_tax"] - v["hmrc_employee_ni"]) / 12
    in_work = max(400.14 + housing_element - 0.55 * net, 0.0)  # no work allowance without children or LCWRA
    assert v["dwp_uc_in_work"] == pytest.approx(12 * in_work)
    assert v["hmrc_income_tax"] == pytest.approx((v["gross_pay"] - 12_570) * 0.2)
    # Band A with the single-person discount; Knowsley's scheme pays up to its maximum share.
    liability = housing.band_d / 12 * PARAMS["housing.band_a_ratio"] * 0.75
    assert v["ctr_out_of_work"] == pytest.approx(12 * housing.ctr_max_support * liability)
    assert v["local_authority_saving"] == pytest.approx(v["ctr_out_of_work"] - v["ctr_in_work"])
    assert v["exchequer_gain"] == pytest.approx(
        v["dwp_saving"] + v["hmrc_income_tax"] + v["hmrc_employee_ni"] + v["hmrc_employer_ni"]
    )
    assert v["nhs_saving"] == 0  # out of work without the LCWRA element: unemployed, no inactivity cost
    sick = value_of_work(packaged_profiles()[("Knowsley", 2023)], housing, PARAMS, 2025, lcwra=True)
    to_2025 = prices.price_index(2025, PARAMS["fiscal.uprating.inflation"]) / 100
    assert sick["nhs_saving"] == pytest.approx(910 / prices.price_index(2022, 0.02) * 100 * to_2025)


def column(*values):
    """One metric over replications, identical for the area and ALL."""
    return np.array(values, dtype=float)[:, None].repeat(2, axis=1)


def test_ratio_summaries_use_the_ratio_of_means_and_count_no_job_as_infinite():
    scenario = SimpleNamespace(population=SimpleNamespace(areas=["Knowsley"]))
    metrics = {
        "programme_cost_gbp": column(100, 100, 100, 100),
        "additional_job_starts": column(0, 1, 2, 5),
        "additional_sustained_jobs_6m": column(0, 0, 0, 0),
        "cost_per_additional_job_gbp": appraisal._cost_per(column(100, 100, 100, 100), column(0, 1, 2, 5)),
        "cost_per_sustained_job_gbp": appraisal._cost_per(column(100, 100, 100, 100), column(0, 0, 0, 0)),
        "payback_month": column(12, 30, np.inf, 18),
    }
    rows = appraisal.summary_rows(scenario, metrics).set_index(["area", "metric"])
    per_job = rows.loc[("Knowsley", "cost_per_additional_job_gbp")]
    assert per_job["mean"] == pytest.approx(100 / 2)  # mean cost / mean jobs, not mean(100, 50, 20, inf)
    assert (per_job["p05"], per_job["p50"], per_job["p95"]) == (20, 50, np.inf)
    assert rows.loc[("ALL", "cost_per_sustained_job_gbp"), "mean"] == np.inf
    payback = rows.loc[("Knowsley", "payback_month")]
    assert np.isnan(payback["mean"]) and payback["p50"] == 18 and payback["p95"] == np.inf


def test_nhs_costs_are_deflated_from_their_own_price_year_which_is_a_parameter():
    from model.economics.nhs import nhs_costs, nhs_items

    counts = np.zeros((1, 4))
    counts[0, 0] = 12.0  # twelve residents with a common mental disorder
    today = PARAMS.with_overrides(
        {"fiscal.nhs.cmd_per_year": 900.0, "fiscal.nhs.cmd_per_year_price_year": 2024}, "test"
    )
    line = list(nhs_items(today)).index("common_mental_disorder")
    nobody = np.zeros(1)
    # At 2024/25 prices a cost given at 2024/25 prices is not deflated: 12 people x 900 / 12 months.
    assert nhs_costs(counts, nobody, today, 2024)[0, line] == pytest.approx(900.0)
    old = PARAMS.with_overrides({"fiscal.nhs.cmd_per_year": 900.0}, "test")  # default price year 2007/08
    assert nhs_costs(counts, nobody, old, 2024)[0, line] == pytest.approx(
        900.0 * 100 / prices.price_index(2007, 0.02)
    )


def test_inactivity_through_ill_health_costs_the_nhs_per_resident_on_top_of_conditions():
    from model.economics.nhs import nhs_costs, nhs_items

    params = PARAMS.with_overrides(
        {"fiscal.nhs.inactivity_ill_health_per_year": 1200.0,
         "fiscal.nhs.inactivity_ill_health_per_year_price_year": 2024}, "test"
    )  # fmt: skip
    line = list(nhs_items(params)).index("inactivity_ill_health")
    costs = nhs_costs(np.zeros((2, 4)), np.array([10.0, 0.0]), params, 2024)
    assert costs[0, line] == pytest.approx(10 * 1200 / 12)  # ten residents, one month, 2024/25 prices
    assert costs[1].sum() == 0  # nobody inactive and no conditions: no NHS cost
    default = nhs_costs(np.zeros((1, 4)), np.ones(1), PARAMS, 2024)[0, line] * 12
    assert default == pytest.approx(910 * 100 / prices.price_index(2022, 0.02))  # GBP 910 at 2022/23 prices
