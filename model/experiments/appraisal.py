"""Appraisal: from each arm's monthly ledger to fiscal years, impacts, discounting, value for money.

Values are monthly per area: the ledger's items (Universal Credit, tax and NI, gross earnings), NHS costs
from condition counts and programme costs from staff and starts, all scaled from simulated residents to the
area's population, nominal (the month's prices) and real (2024/25 prices). Impact = scenario minus
counterfactual per replication, so deadweight is measured, not assumed. Displacement
(``appraisal.displacement``) then removes that share of the employment-driven impact (additional job starts,
employment, benefits, tax and NI, earnings); NHS savings and programme costs are not displaced.

Sign conventions in ``summary.csv``: savings and gains to the public sector are positive
(``benefit_saving_gbp`` = lower DWP spend, ``local_authority_saving_gbp`` = lower Council Tax Reduction,
``tax_ni_gain_gbp`` = higher HMRC receipts, ``nhs_saving_gbp`` = lower NHS spend); ``programme_cost_gbp`` is
positive; ``net_exchequer_gbp`` = savings + gains - cost, local authorities included. Discounting follows the
Green Book: 3.5% a year (1.5% for QALYs), whole years from the scenario start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.config.parameters import Parameters
from model.config.scenario import Scenario, month_index
from model.config.vocabulary import (
    ALL_AREAS,
    ALL_PROGRAMMES,
    ARMS,
    CONDITIONS,
    EMPLOYED,
    IMPACT,
    INACTIVE_OTHER,
    INACTIVE_SICK,
    UNEMPLOYED,
    year_label,
)
from model.core.metrics import in_group, metric
from model.core.recording import HOUSEHOLD_MEASURES
from model.core.tables import STATISTICS, describe, tidy
from model.dynamics.labour_demand import LabourDemand, displaced
from model.economics.ledger import ITEMS
from model.economics.nhs import nhs_costs, nhs_items
from model.economics.prices import PRICE_BASE, fiscal_year, price_index
from model.engine import ReplicationResult
from model.programmes.pathways import PATHWAY_METRICS
from model.programmes.services import COUNTS

PRICE_BASIS = f"real_{PRICE_BASE.replace('/', '_')}"
FISCAL_COLUMNS = ("arm", "replication", "fiscal_year", "area", "payer", "item", "value_gbp", "basis")
VFM_COLUMNS = ("area", "measure", "mean", "p05", "p50", "p95", "band")
# Value-for-money bands of the benefit-cost ratio (DfT framework, via econstack vfm-benchmarks.json).
BANDS = ((1.0, "poor"), (1.5, "low"), (2.0, "medium"), (4.0, "high"), (np.inf, "very high"))
EMPLOYMENT_PAYERS = ("dwp", "local_authority", "hmrc", "residents")
for _name, _definition in (
    ("additional_job_starts", "job starts, scenario minus counterfactual"),
    (
        "additional_sustained_jobs_6m",
        "job starts whose job lasted 6 months, scenario minus counterfactual",
    ),
    (
        "additional_employed_person_months",
        "months in work summed over the horizon, scenario minus counterfactual",
    ),
    (
        "workless_household_months_avoided",
        "months households spent workless summed over the horizon, counterfactual minus scenario",
    ),
    (
        "children_workless_household_months_avoided",
        "months children spent in workless households summed over the horizon, counterfactual minus scenario",
    ),
    ("benefit_saving_gbp", "fall in DWP spend (counterfactual minus scenario)"),
    ("local_authority_saving_gbp", "fall in local authorities' Council Tax Reduction spend"),
    ("tax_ni_gain_gbp", "rise in income tax and NI receipts"),
    ("nhs_saving_gbp", "fall in NHS costs (not displaced)"),
    ("programme_cost_gbp", "programme funder's spend (positive)"),
    (
        "net_exchequer_gbp",
        "benefit saving + local authority saving + tax and NI gain + NHS saving - programme cost",
    ),
    ("npv_net_exchequer_gbp", "net Exchequer impact discounted at the Green Book rate"),
    ("roi", "NPV of net Exchequer / present value of programme cost"),
    ("payback_month", "first month at which the cumulative discounted net Exchequer is at least 0"),
    ("cost_per_additional_job_gbp", "programme cost / additional job starts (ratio of means)"),
    ("cost_per_sustained_job_gbp", "programme cost / additional sustained jobs (ratio of means)"),
    ("earnings_gain_gbp", "rise in residents' gross earnings (the economic gain)"),
    (
        "displacement_share",
        "share of the programmes' additional job starts taken from others: appraisal.displacement, or with "
        "competed openings the share of the scenario's extra job search (expected starts) that competition "
        "for the openings takes back, from participants and others alike",
    ),
    ("qaly_gain", "discounted QALYs gained (only with appraisal.include_qalys)"),
    ("qaly_value_gbp", "value of the QALYs gained (only with appraisal.include_qalys)"),
):
    metric(_name, "impact", "replication", _definition)
QALY_METRICS = ("qaly_gain", "qaly_value_gbp")
SUMMARY_METRICS = tuple(  # the impact metrics at programme all (pathways are by programme, on request)
    m.name for m in in_group("impact") if m.name not in (*QALY_METRICS, *PATHWAY_METRICS)
)
# Metrics that are, or are computed from, the programme's cost (programme_cost_gbp up to, not including,
# earnings_gain_gbp): non-zero even when the programme's effects are neutral.
COST_METRICS = SUMMARY_METRICS[
    SUMMARY_METRICS.index("programme_cost_gbp") : SUMMARY_METRICS.index("earnings_gain_gbp")
]


def vfm_band(bcr: float) -> str:
    """Value-for-money band of a benefit-cost ratio."""
    if not np.isfinite(bcr):
        return ""
    return next(name for limit, name in BANDS if bcr < limit)


class Books:
    """The ledgers of an ensemble, as arrays (arm) -> (replications, months, areas + ALL, line items)."""

    def __init__(self, scenario: Scenario, results: Sequence[ReplicationResult], factors: np.ndarray):
        self.scenario = scenario
        self.params = scenario.resolved_parameters()
        start = month_index(scenario.start)
        self.months = np.arange(1, scenario.horizon_months + 1)
        self.years = np.array([fiscal_year(start + m - 1) for m in self.months])
        inflation = self.params["fiscal.uprating.inflation"]
        self.deflate = np.array([100 / price_index(y, inflation) for y in self.years])
        rate = self.params["appraisal.discount_rate"]
        self.discount = (1 + rate) ** -((self.months - 1) // 12)
        self.lines = [(i.payer, i.name) for i in ITEMS] + [("nhs", item) for item in nhs_items(self.params)]
        self.lines += [("programme_funder", p.name) for p in scenario.programmes]
        # Residents with each registered condition: (replications, months, areas, conditions).
        self.health = {
            arm: np.stack([r.counts[arm].health[1:] for r in results]) * factors[None, None, :, None]
            for arm in ARMS
        }
        self.inactive_sick = {  # (replications, months, areas)
            arm: np.stack([r.counts[arm].stocks[1:, :, INACTIVE_SICK] for r in results]) * factors
            for arm in ARMS
        }
        self.nominal = {arm: self._arm(results, arm, factors) for arm in ARMS}
        self.real = {arm: v * self.deflate[None, :, None, None] for arm, v in self.nominal.items()}  # 2024/25
        keep = 1 - fixed_displacement(scenario, self.params)
        diff = self.real["scenario"] - self.real["counterfactual"]
        # Monthly impacts at 2024/25 prices (replications, months, areas + ALL), positive = gain to the payer;
        # the employment-driven ones net of displacement.
        self.impacts = {
            "benefit_saving": -keep * self.line(diff, "dwp"),
            "local_authority_saving": -keep * self.line(diff, "local_authority"),
            "tax_ni_gain": keep * self.line(diff, "hmrc"),
            "nhs_saving": -self.line(diff, "nhs"),
            "earnings_gain": keep * self.line(diff, "residents"),
            "programme_cost": self.line(self.real["scenario"], "programme_funder"),
        }

    def _arm(self, results: Sequence[ReplicationResult], arm: str, factors: np.ndarray) -> np.ndarray:
        ledger = np.stack([r.ledgers[arm][1:] for r in results]) * factors[None, None, :, None]
        health = self.health[arm]
        sick = self.inactive_sick[arm]
        nhs = np.stack(
            [nhs_costs(health[:, i], sick[:, i], self.params, y) for i, y in enumerate(self.years)], axis=1
        )
        parts = [ledger, nhs]
        if self.scenario.programmes:
            parts.append(self._programme_costs(results, arm, factors))
        values = np.concatenate(parts, axis=-1)
        return np.concatenate([values, values.sum(axis=2, keepdims=True)], axis=2)

    def _programme_costs(
        self, results: Sequence[ReplicationResult], arm: str, factors: np.ndarray
    ) -> np.ndarray:
        reps, areas = len(results), len(factors)
        out = np.zeros((reps, len(self.months), areas, len(self.scenario.programmes)))
        if arm != "scenario":
            return out
        counts = np.stack(
            [r.programmes.counts[1:] for r in results]
        )  # (reps, months, programmes, areas, COUNTS)
        inflation = self.params["fiscal.uprating.inflation"]
        for k, spec in enumerate(self.scenario.programmes):
            kind = spec.type
            fte_year = (
                spec.cost.per_fte_year_gbp
                if spec.cost.per_fte_year_gbp is not None
                else self.params[f"services.{kind}.cost_per_fte_year"]
            )
            price_year = (
                int(spec.cost.price_year[:4])
                if spec.cost.price_year
                else int(self.params[f"services.{kind}.cost_price_year"])
            )
            to_real = 100 / price_index(price_year, inflation)
            staff = counts[..., k, :, COUNTS.index("staff_fte")]  # FTE, not scaled
            starts = counts[..., k, :, COUNTS.index("starts")] * factors
            real = (staff * fte_year / 12 + starts * spec.cost.per_start_gbp) * to_real
            out[..., k] = real / self.deflate[None, :, None]  # nominal in the month's prices
        return out

    def line(self, values: np.ndarray, payer: str) -> np.ndarray:
        """Sum of a payer's lines: (replications, months, areas)."""
        return values[..., [i for i, (p, _) in enumerate(self.lines) if p == payer]].sum(axis=-1)


def fiscal_frame(books: Books, first_replication: int = 0) -> pd.DataFrame:
    """fiscal.csv: values by arm, replication, fiscal year, area, payer and item, nominal and real.

    Replications are numbered from ``first_replication`` (a parameter draw's books start after the earlier
    draws' replications).
    """
    areas = [*books.scenario.population.areas, ALL_AREAS]
    years = sorted(set(books.years))
    labels = np.array([year_label(y) for y in years])
    d = fixed_displacement(books.scenario, books.params)
    scale = np.array([(1 - d) if p in EMPLOYMENT_PAYERS else 1.0 for p, _ in books.lines])
    frames = []
    for basis in ("nominal", PRICE_BASIS):
        values = dict(books.nominal if basis == "nominal" else books.real)
        values[IMPACT] = values["scenario"] - values["counterfactual"]
        values[f"{IMPACT}_net_of_displacement"] = values[IMPACT] * scale
        for arm, v in values.items():
            by_year = np.stack([v[:, books.years == y].sum(axis=1) for y in years], axis=1)
            columns = {
                "arm": arm,
                "replication": (0, first_replication + np.arange(by_year.shape[0])),
                "fiscal_year": (1, labels),
                "area": (2, areas),
                "payer": (3, [p for p, _ in books.lines]),
                "item": (3, [i for _, i in books.lines]),
                "basis": basis,
            }
            frames.append(tidy(by_year, columns, value="value_gbp"))
    return pd.concat(frames, ignore_index=True)[list(FISCAL_COLUMNS)]


def impact_metrics(
    books: Books, results: Sequence[ReplicationResult], factors: np.ndarray
) -> dict[str, np.ndarray]:
    """Per replication and area (areas + ALL): every summary metric of the impact arm."""
    p = books.params
    keep = 1 - fixed_displacement(books.scenario, p)

    def counted(arm: str, pick) -> np.ndarray:
        x = np.stack([pick(r.counts[arm]) for r in results]) * factors
        return np.concatenate([x, x.sum(axis=-1, keepdims=True)], axis=-1)

    def job_starts(c):
        return c.flows[1:, :, [UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER], EMPLOYED].sum(axis=(0, 2))

    def difference(pick) -> np.ndarray:
        return counted("scenario", pick) - counted("counterfactual", pick)

    def additional(pick) -> np.ndarray:
        return keep * difference(pick)

    gross_starts = difference(job_starts)
    starts = keep * gross_starts
    sustained = additional(lambda c: c.sustained[1:].sum(axis=0))
    employed = additional(lambda c: c.stocks[1:, :, EMPLOYED].sum(axis=0))
    workless = -additional(
        lambda c: c.households[1:, :, HOUSEHOLD_MEASURES.index("workless_households")].sum(axis=0)
    )
    children = -additional(
        lambda c: c.households[1:, :, HOUSEHOLD_MEASURES.index("children_in_workless_households")].sum(axis=0)
    )
    i = books.impacts
    cost = i["programme_cost"]
    net = fiscal_gain(i) - cost  # (reps, months, areas)
    discount = books.discount[None, :, None]
    npv = (net * discount).sum(axis=1)
    pv_cost = (cost * discount).sum(axis=1)
    cumulative = np.cumsum(net * discount, axis=1)
    paid_back = (cumulative >= 0) & (np.cumsum(cost, axis=1) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total_cost = cost.sum(axis=1)
        never = np.where(total_cost > 0, np.inf, np.nan)  # no payback within the horizon; nothing to pay back
        payback = np.where(paid_back.any(axis=1), paid_back.argmax(axis=1) + 1.0, never)
        out = {
            "additional_job_starts": starts,
            "additional_sustained_jobs_6m": sustained,
            "additional_employed_person_months": employed,
            "workless_household_months_avoided": workless,
            "children_workless_household_months_avoided": children,
            "benefit_saving_gbp": i["benefit_saving"].sum(axis=1),
            "local_authority_saving_gbp": i["local_authority_saving"].sum(axis=1),
            "tax_ni_gain_gbp": i["tax_ni_gain"].sum(axis=1),
            "nhs_saving_gbp": i["nhs_saving"].sum(axis=1),
            "programme_cost_gbp": total_cost,
            "net_exchequer_gbp": net.sum(axis=1),
            "npv_net_exchequer_gbp": npv,
            "roi": np.where(pv_cost > 0, npv / pv_cost, np.nan),
            "payback_month": payback,
            "cost_per_additional_job_gbp": _cost_per(total_cost, starts),
            "cost_per_sustained_job_gbp": _cost_per(total_cost, sustained),
            "earnings_gain_gbp": i["earnings_gain"].sum(axis=1),
            "displacement_share": displacement_share(books, results, factors, gross_starts),
        }
    if p["appraisal.include_qalys"]:
        decrements = np.array([p[f"appraisal.utility.{c.key}_decrement"] for c in CONDITIONS])
        health = books.health["scenario"] - books.health["counterfactual"]
        lost = health @ decrements / 12  # QALYs lost per month
        lost = np.concatenate([lost, lost.sum(axis=-1, keepdims=True)], axis=-1)
        health_discount = (1 + p["appraisal.health_discount_rate"]) ** -((books.months - 1) // 12)
        gain = -(lost * health_discount[None, :, None]).sum(axis=1)
        out["qaly_gain"] = gain
        out["qaly_value_gbp"] = gain * p["appraisal.qaly_value"]
    return out


def fixed_displacement(scenario: Scenario, params: Parameters) -> float:
    """The share of employment-driven impacts removed after the arms are compared: ``appraisal.displacement``.

    0 with competed openings: the scenario arm's non-participants have already lost the job starts its
    participants took (:mod:`model.dynamics.labour_demand`), so the arms' difference is net of displacement.
    """
    return 0.0 if scenario.economy.competed else params["appraisal.displacement"]


def displacement_share(
    books: Books, results: Sequence[ReplicationResult], factors: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Per replication and area (+ ALL): the share of additional job starts that displaced others'.

    With competed openings it emerges month by month and area by area: the job starts others lost over the
    extra job search the scenario brought (:func:`model.dynamics.labour_demand.displaced`), summed over the
    horizon, scaled to the population; 0 where the scenario added no job search. Otherwise it is the fixed
    parameter wherever the arms' job starts (``starts``, scenario minus counterfactual) differ, and 0 where
    they do not: nothing added, nothing displaced.
    """
    shape = (len(results), len(factors) + 1)
    demand = LabourDemand.build(books.scenario, books.params)
    if demand is None:
        return np.where(starts != 0, books.params["appraisal.displacement"], 0.0)
    gross, lost = np.zeros(shape), np.zeros(shape)
    for k, r in enumerate(results):
        added, taken = displaced(
            demand, r.counts["scenario"].job_search[1:], r.counts["counterfactual"].job_search[1:]
        )
        gross[k, :-1], lost[k, :-1] = (added * factors).sum(axis=0), (taken * factors).sum(axis=0)
    gross[:, -1], lost[:, -1] = gross[:, :-1].sum(axis=1), lost[:, :-1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(gross != 0, lost / gross, 0.0)


def fiscal_gain(impacts: dict[str, np.ndarray]) -> np.ndarray:
    """The public sector's monthly gain before programme costs: DWP, local authority, HMRC and NHS."""
    return sum(impacts[k] for k in ("benefit_saving", "local_authority_saving", "tax_ni_gain", "nhs_saving"))


def _cost_per(cost: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """Cost per additional job per replication: infinite where the programme added no job."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cost > 0, np.where(jobs > 0, cost / jobs, np.inf), np.nan)


# Ratios: their mean is the ratio of the means (numerator, denominator); percentiles are observed values.
RATIOS = {
    "cost_per_additional_job_gbp": ("programme_cost_gbp", "additional_job_starts"),
    "cost_per_sustained_job_gbp": ("programme_cost_gbp", "additional_sustained_jobs_6m"),
}


def summary_rows(scenario: Scenario, metrics: dict[str, np.ndarray]) -> pd.DataFrame:
    """The impact metrics as summary.csv rows (arm impact, programme all).

    Ratios (cost per job) take the ratio of the means as their mean, and percentiles of the replications'
    own ratios (``inf`` where a replication added no job); ``payback_month`` percentiles count "not within the
    horizon" as ``inf`` and its mean is given only when every replication pays back.
    """
    areas = [*scenario.population.areas, ALL_AREAS]
    rows = []
    for name, x in metrics.items():
        for a, area in enumerate(areas):
            observed = name in RATIOS or name == "payback_month"
            stats = describe(x[:, a], method="inverted_cdf" if observed else "linear")
            if name in RATIOS and not np.isnan(stats[1]):
                num, den = (metrics[k][:, a].mean() for k in RATIOS[name])
                stats[0] = num / den if den > 0 else np.inf
            rows.append([IMPACT, area, ALL_PROGRAMMES, name, *stats])
    return pd.DataFrame(rows, columns=["arm", "area", "programme", "metric", *STATISTICS])


def value_for_money(scenario: Scenario, measures: dict[str, np.ndarray]) -> pd.DataFrame:
    """The ledger view: fiscal, economic and social value (present values), costs, benefit-cost ratios.

    ``measures`` are :func:`vfm_measures` per replication (every parameter draw's, in order).
    """
    rows = []
    for a, area in enumerate([*scenario.population.areas, ALL_AREAS]):
        for name, x in measures.items():
            stats = describe(x[:, a])
            band = vfm_band(stats[0]) if name in ("bcr", "fiscal_bcr") else ""
            rows.append([area, name, *stats, band])
    return pd.DataFrame(rows, columns=list(VFM_COLUMNS))


def impact_by_payer(fiscal: pd.DataFrame) -> pd.Series:
    """Sum over replications of the real impact net of displacement at ALL, by fiscal year and payer."""
    rows = fiscal[
        (fiscal["arm"] == f"{IMPACT}_net_of_displacement")
        & (fiscal["basis"] == PRICE_BASIS)
        & (fiscal["area"] == ALL_AREAS)
    ]
    return rows.groupby(["fiscal_year", "payer"])["value_gbp"].sum()


def vfm_measures(books: Books, metrics: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per replication and area: present values (fiscal, economic, social value, costs) and the ratios."""
    i = books.impacts
    discount = books.discount[None, :, None]

    def pv(x: np.ndarray) -> np.ndarray:
        return (x * discount).sum(axis=1)

    fiscal_value = pv(fiscal_gain(i))
    economic = pv(i["earnings_gain"])
    social = metrics.get("qaly_value_gbp", np.zeros_like(economic))
    cost = pv(i["programme_cost"])
    total = fiscal_value + economic + social
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "fiscal_benefit_pv_gbp": fiscal_value,
            "economic_benefit_pv_gbp": economic,
            "social_benefit_pv_gbp": social,
            "total_benefit_pv_gbp": total,
            "cost_pv_gbp": cost,
            "bcr": np.where(cost > 0, total / cost, np.nan),
            "fiscal_bcr": np.where(cost > 0, fiscal_value / cost, np.nan),
        }
