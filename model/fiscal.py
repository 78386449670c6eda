"""Fiscal and economic ledger: who pays and who gains, per resident and month, in both arms.

Payers and items (signs: every value is what the payer pays out, or for HMRC what it receives):

- ``dwp``: Universal Credit for claimants (single, no children, no housing costs): the standard allowance
  (under 25 / 25 and over), the LCWRA (health) element for work-limiting claimants after
  ``fiscal.lcwra_delay_months`` (new-claim or protected rate from April 2026; severe mental illness takes
  the protected rate, for the severe conditions criteria), less the earnings taper (55% of net earnings above
  the work allowance, which only LCWRA claimants have) as a negative item. Claim propensities by state are
  ``fiscal.claim.*``; amounts are expected values over claiming.
- ``hmrc``: income tax (personal allowance with its taper, basic, higher and additional rates), employee and
  employer Class 1 NI, on annualised pay (the Employment Allowance is ignored).
- ``nhs``: costs by condition and GP consultations (from condition counts, see :func:`nhs_costs`).
- ``programme_funder``: programme staff (per FTE-year) and per-start costs (from the programme counts).
- ``residents``: gross earnings (the economic gain).

Rates are those of the tax year the month falls in (model/data/tax_benefit_rates.csv: 2024/25-2026/27);
later years uprate cash amounts by ``fiscal.uprating.inflation``, except income tax and NI thresholds, frozen
to 2027/28, and the new-claim LCWRA rate, frozen. Months before 2024/25 (the pilot replications) use the
2026/27 rules: today's rules and prices, as their outputs say. Pay is held in 2023 money (ASHE 2023), grown
to each year by CPI (``fiscal.uprating.cpi_*``, OBR, to 2027) and then ``fiscal.uprating.earnings_growth``,
and floored at the minimum wage for the resident's age. Real values are at 2024/25 prices
(model/data/deflators.csv).

Per resident the ledger caches each item and recomputes it only when its inputs change (employment state,
pay, LCWRA entitlement, turning 25, a new tax year), so a month costs a few array sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.special import ndtri

from model.areas import AreaProfile
from model.parameters import Parameters, rate_path, read_data_csv
from model.population import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, MH_SMI, UNEMPLOYED, Population
from model.streams import Streams

FIRST_RATES_YEAR, LAST_RATES_YEAR = 2024, 2026  # tax years with published rates: 2024/25 .. 2026/27
TODAY = 2026  # tax year 2026/27: the rules used for months before the first published year
FROZEN_THRESHOLDS_UNTIL = 2027  # income tax and NI thresholds frozen to 2027/28
PRICE_BASE = "2024/25"
LCWRA_CHANGE = 2026 * 12 + 3  # April 2026, as a month index (year * 12 + month - 1)
ITEMS = (
    ("dwp", "uc_standard_allowance"),
    ("dwp", "uc_lcwra"),
    ("dwp", "uc_earnings_taper"),
    ("hmrc", "income_tax"),
    ("hmrc", "employee_ni"),
    ("hmrc", "employer_ni"),
    ("residents", "gross_earnings"),
)
NHS_ITEMS = ("common_mental_disorder", "severe_mental_illness", "musculoskeletal", "gp_consultations")


def fiscal_year(month_index: int) -> int:
    """Starting calendar year of the fiscal (tax) year of a month index (year * 12 + month - 1)."""
    year, month = divmod(month_index, 12)
    return year if month >= 3 else year - 1


def year_label(start: int) -> str:
    """'2026/27' for 2026."""
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class Rules:
    """Tax and benefit rules of one tax year (monthly UC amounts; annual tax and NI thresholds)."""

    year: int
    sa_under_25: float
    sa_25_plus: float
    lcwra_new: float
    lcwra_protected: float
    work_allowance: float
    taper: float
    personal_allowance: float
    basic_rate: float
    basic_band: float
    higher_rate: float
    additional_rate: float
    additional_threshold: float
    allowance_taper_threshold: float
    primary_threshold: float
    upper_earnings_limit: float
    employee_rate: float
    employee_additional_rate: float
    secondary_threshold: float
    employer_rate: float
    minimum_wage: tuple[float, float, float]  # 16-17, 18-20, 21+

    @classmethod
    def for_year(cls, params: Parameters, year: int) -> Rules:
        """The rules of tax year ``year`` (its starting calendar year), uprated beyond the published years."""
        source = min(max(year, FIRST_RATES_YEAR), LAST_RATES_YEAR) if year >= FIRST_RATES_YEAR else TODAY
        label = year_label(source)

        def rate(key: str) -> float:
            return params[rate_path(label, key)]

        steps = max(year - LAST_RATES_YEAR, 0)
        cash = (1 + params["fiscal.uprating.inflation"]) ** steps
        threshold = (1 + params["fiscal.uprating.inflation"]) ** max(
            year - max(FROZEN_THRESHOLDS_UNTIL, source), 0
        )
        return cls(
            year=year,
            sa_under_25=rate("uc.standard_allowance_under_25") * cash,
            sa_25_plus=rate("uc.standard_allowance_25_plus") * cash,
            lcwra_new=rate("uc.lcwra_new_claim"),  # frozen
            lcwra_protected=rate("uc.lcwra_protected") * cash,
            work_allowance=rate("uc.work_allowance_no_housing") * cash,
            taper=rate("uc.taper"),
            personal_allowance=rate("it.personal_allowance") * threshold,
            basic_rate=rate("it.basic_rate"),
            basic_band=rate("it.basic_rate_band") * threshold,
            higher_rate=rate("it.higher_rate"),
            additional_rate=rate("it.additional_rate"),
            additional_threshold=rate("it.additional_rate_threshold") * threshold,
            allowance_taper_threshold=rate("it.allowance_taper_threshold") * threshold,
            primary_threshold=rate("ni.primary_threshold") * threshold,
            upper_earnings_limit=rate("ni.upper_earnings_limit") * threshold,
            employee_rate=rate("ni.employee_rate"),
            employee_additional_rate=rate("ni.employee_additional_rate"),
            secondary_threshold=rate("ni.secondary_threshold") * threshold,
            employer_rate=rate("ni.employer_rate"),
            minimum_wage=(
                rate("wage.minimum_16_17") * cash,
                rate("wage.minimum_18_20") * cash,
                rate("wage.minimum_21_plus") * cash,
            ),
        )


# -------------------------------------------------------------------------------------- tax, NI, UC


def income_tax(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual income tax on annual income (England, Wales and Northern Ireland rates)."""
    annual = np.asarray(annual, dtype=float)
    allowance = np.maximum(r.personal_allowance - np.maximum(annual - r.allowance_taper_threshold, 0) / 2, 0)
    taxable = np.maximum(annual - allowance, 0)
    basic = np.minimum(taxable, r.basic_band)
    higher = np.clip(taxable - r.basic_band, 0, r.additional_threshold - r.basic_band)
    additional = np.maximum(taxable - r.additional_threshold, 0)
    return r.basic_rate * basic + r.higher_rate * higher + r.additional_rate * additional


def employee_ni(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual employee Class 1 NI on annual pay."""
    annual = np.asarray(annual, dtype=float)
    main = np.clip(annual - r.primary_threshold, 0, r.upper_earnings_limit - r.primary_threshold)
    return r.employee_rate * main + r.employee_additional_rate * np.maximum(
        annual - r.upper_earnings_limit, 0
    )


def employer_ni(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual employer Class 1 NI on annual pay."""
    return r.employer_rate * np.maximum(np.asarray(annual, dtype=float) - r.secondary_threshold, 0)


def uc_award(
    standard: np.ndarray, lcwra: np.ndarray, net_monthly: np.ndarray, r: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly Universal Credit as (standard allowance, LCWRA element, earnings taper as a negative amount).

    The taper takes ``taper`` of net earnings above the work allowance (LCWRA claimants only; 0 otherwise),
    down to a zero award.
    """
    allowance = np.where(np.asarray(lcwra) > 0, r.work_allowance, 0.0)
    maximum = np.asarray(standard, dtype=float) + lcwra
    reduction = np.minimum(r.taper * np.maximum(np.asarray(net_monthly, dtype=float) - allowance, 0), maximum)
    return np.asarray(standard, dtype=float), np.asarray(lcwra, dtype=float), -reduction


# ---------------------------------------------------------------------------------------------- pay


@dataclass(frozen=True)
class PayRules:
    """How pay is drawn (2023 money): per area, lognormal from ASHE's median and lower quartile."""

    log_median: np.ndarray  # by area, weekly pay of all employees
    sigma: np.ndarray
    entrant_z: float  # quantile at which entrants' full-time pay is centred, as a standard normal deviate
    full_time_hours: float
    part_time_hours: float
    part_time_share: tuple[float, float]  # not work-limiting, work-limiting

    @classmethod
    def build(cls, profiles: Sequence[AreaProfile], params: Parameters) -> PayRules:
        """Fit each area's lognormal to its ASHE 2023 median and lower quartile (weekly, residence-based)."""
        median = np.array([p.earnings_weekly_median or np.nan for p in profiles], float)
        quartile = np.array([p.earnings_weekly_lower_quartile or np.nan for p in profiles], float)
        log_median = np.log(median)
        sigma = (log_median - np.log(quartile)) / ndtri(0.75)
        return cls(
            log_median=log_median,
            sigma=sigma,
            entrant_z=float(ndtri(params["fiscal.earnings.entrant_quantile"])),
            full_time_hours=params["fiscal.earnings.full_time_hours"],
            part_time_hours=params["fiscal.earnings.part_time_hours"],
            part_time_share=(
                params["fiscal.earnings.part_time_share"],
                params["fiscal.earnings.part_time_share_work_limiting"],
            ),
        )

    def draw(
        self,
        area: np.ndarray,
        work_limiting: np.ndarray,
        u_pay: np.ndarray,
        u_hours: np.ndarray,
        entrant: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hourly pay (2023 money) and weekly hours for new jobs (entrants) or jobs held at the start."""
        z = ndtri(np.clip(u_pay.astype(float), 1e-9, 1 - 1e-9))
        centre = self.log_median[area] + (self.entrant_z * self.sigma[area] if entrant else 0.0)
        full_time_weekly = np.exp(centre + self.sigma[area] * z)
        part_time = u_hours < np.where(work_limiting == 1, self.part_time_share[1], self.part_time_share[0])
        hours = np.where(part_time, self.part_time_hours, self.full_time_hours)
        return (full_time_weekly / self.full_time_hours).astype(np.float32), hours.astype(np.float32)


def update_pay(
    pop: Population, before: np.ndarray, rules: PayRules, streams: Streams, month: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw pay for this month's job starts and clear it for those who left work.

    The draws are positional (per slot and month), so a job start gets the same pay in both arms. Returns the
    slots that started a job and those that left one.
    """
    started = np.flatnonzero((pop.state == EMPLOYED) & (before != EMPLOYED))
    if len(started):
        u_pay = streams.uniform_at("earnings.pay", month, started)
        u_hours = streams.uniform_at("earnings.hours", month, started)
        hourly, hours = rules.draw(
            pop.area[started], pop.work_limiting[started], u_pay, u_hours, entrant=True
        )
        pop.hourly_pay[started], pop.hours[started] = hourly, hours
    left = np.flatnonzero((before == EMPLOYED) & (pop.state != EMPLOYED))
    pop.hourly_pay[left] = 0
    pop.hours[left] = 0
    return started, left


# --------------------------------------------------------------------------------------------- ledger


@cache
def _deflators() -> dict[int, float]:
    return {int(r["fiscal_year"][:4]): float(r["index"]) for r in read_data_csv("deflators.csv")}


def price_index(year: int, inflation: float) -> float:
    """Price index (2024/25 = 100) of a fiscal year.

    The deflator series, interpolated geometrically between its years, extended at ``inflation`` after its
    last year and held at its first year before it.
    """
    table = _deflators()
    years = sorted(table)
    if year in table:
        return table[year]
    if year < years[0]:
        return table[years[0]]
    if year > years[-1]:
        return table[years[-1]] * (1 + inflation) ** (year - years[-1])
    below = max(y for y in years if y < year)
    above = min(y for y in years if y > year)
    return table[below] * (table[above] / table[below]) ** ((year - below) / (above - below))


def earnings_index(year: int, params: Parameters) -> float:
    """Nominal pay in tax year ``year`` relative to ASHE 2023 levels.

    Grown by CPI in each calendar year from 2024 (``fiscal.uprating.cpi_YYYY``, OBR) and by
    ``fiscal.uprating.earnings_growth`` in years without a forecast.
    """
    index = 1.0
    for calendar in range(2024, year + 1):
        path = f"fiscal.uprating.cpi_{calendar}"
        index *= 1 + (params[path] if path in params else params["fiscal.uprating.earnings_growth"])
    return index


class Ledger:
    """One arm's monthly ledger: per-resident cached items, summed by area each month."""

    def __init__(self, params: Parameters, months: int, areas: int, start_month_index: int):
        self.params = params
        self.start = start_month_index
        self.values = np.zeros((months + 1, areas, len(ITEMS)))
        self.claim = np.array(
            [
                params[f"fiscal.claim.{s}"]
                for s in ("employed", "unemployed", "inactive_sick", "inactive_other")
            ]
        )
        assert (EMPLOYED, UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER) == (0, 1, 2, 3)
        self.delay = int(params["fiscal.lcwra_delay_months"])
        self._cache: np.ndarray | None = None  # (items, residents) float32
        self._totals = np.zeros(0)  # (areas, items) running sums of the cache
        self._entitled: np.ndarray | None = None
        self._smi: np.ndarray | None = None
        self._year: int | None = None
        self._rules: dict[int, Rules] = {}

    def rules(self, year: int) -> Rules:
        """Rules of a tax year (cached)."""
        if year not in self._rules:
            self._rules[year] = Rules.for_year(self.params, year)
        return self._rules[year]

    def record(self, month: int, pop: Population, before: np.ndarray, changed: np.ndarray) -> None:
        """Add month ``month``'s ledger (``changed``: slots whose inputs may have changed besides state).

        Per-area totals are kept running: only residents whose inputs changed are recomputed and their change
        added, except in a new tax year, when everyone is (rates change).
        """
        index = self.start + month - 1
        year = fiscal_year(index)
        entitled = (pop.work_limiting == 1) & (pop.months_limited >= self.delay)
        smi = pop.mental_health == MH_SMI
        areas = self.values.shape[1]
        if self._cache is None or year != self._year:
            self._cache = self.items(pop, np.arange(len(pop)), index)
            starts = np.searchsorted(pop.area, np.arange(areas))
            ends = np.append(starts[1:], len(pop))
            self._totals = np.zeros((areas, len(ITEMS)))
            nonempty = ends > starts  # areas may be empty in a trial cohort
            if nonempty.any():
                self._totals[nonempty] = np.add.reduceat(
                    self._cache, starts[nonempty], axis=1, dtype=np.float64
                ).T
        else:
            age = pop.age_months
            moved = (pop.state != before) | (entitled != self._entitled) | (smi != self._smi)
            moved |= (age == 18 * 12) | (age == 21 * 12) | (age == 25 * 12)  # wage bands, standard allowance
            moved[changed] = True
            slots = np.flatnonzero(moved)
            if len(slots):
                new = self.items(pop, slots, index)
                delta = (new - self._cache[:, slots]).astype(np.float64)
                where = pop.area[slots]
                for item, change in enumerate(delta):  # bincount: several times faster than np.add.at
                    self._totals[:, item] += np.bincount(where, change, minlength=areas)
                self._cache[:, slots] = new
        self._year, self._entitled, self._smi = year, entitled, smi
        self.values[month] = self._totals

    def items(self, pop: Population, slots: np.ndarray, index: int) -> np.ndarray:
        """Monthly value of every item for the residents in ``slots`` (rows in the order of ITEMS)."""
        year = fiscal_year(index)
        rules_year = year if year >= FIRST_RATES_YEAR else TODAY
        r = self.rules(rules_year)
        out = np.zeros((len(ITEMS), len(slots)), np.float32)
        state = pop.state[slots]
        age_years = pop.age_months[slots] // 12
        claim = self.claim[state]
        standard = np.where(age_years < 25, r.sa_under_25, r.sa_25_plus)
        entitled = (pop.work_limiting[slots] == 1) & (pop.months_limited[slots] >= self.delay)
        spell_start = index + 1 - pop.months_limited[slots]  # month the work-limiting spell began
        new_claim = (spell_start >= LCWRA_CHANGE) & (pop.mental_health[slots] != MH_SMI)
        lcwra = np.where(entitled, np.where(new_claim, r.lcwra_new, r.lcwra_protected), 0.0)
        out[0] = standard * claim
        out[1] = lcwra * claim
        working = np.flatnonzero(state == EMPLOYED)
        if len(working):
            w = slots[working]
            ages = age_years[working]
            floor = np.select([ages < 18, ages < 21], list(r.minimum_wage[:2]), r.minimum_wage[2])
            hourly = np.maximum(pop.hourly_pay[w] * earnings_index(rules_year, self.params), floor)
            annual = hourly * pop.hours[w] * 52.0
            tax, ee = income_tax(annual, r), employee_ni(annual, r)
            taper = uc_award(standard[working], lcwra[working], (annual - tax - ee) / 12, r)[2]
            out[2, working] = taper * claim[working]
            out[3, working] = tax / 12
            out[4, working] = ee / 12
            out[5, working] = employer_ni(annual, r) / 12
            out[6, working] = annual / 12
        return out


def nhs_costs(health_counts: np.ndarray, params: Parameters, year: int) -> np.ndarray:
    """Monthly NHS cost (nominal, tax year ``year``) per item, from counts with CMD, SMI, MSK, other.

    ``health_counts[..., 4]``: residents with CMD, SMI, MSK and another condition. Costs are uprated from
    their price years to 2024/25 with the deflator series and then to the year's prices.
    """
    inflation = params["fiscal.uprating.inflation"]
    to_year = price_index(year, inflation) / 100

    def real(value: float, price_year: int) -> float:
        return value / (price_index(price_year, inflation) / 100)

    cmd = real(params["fiscal.nhs.cmd_per_year"], 2007)
    smi = real(params["fiscal.nhs.smi_per_year"], 2008)
    msk = real(params["fiscal.nhs.msk_per_year"], 2007)  # c.2004/05; the series starts in 2007/08
    gp = real(params["fiscal.nhs.gp_consultation"], 2022)
    visits = np.array(
        [
            params["fiscal.nhs.gp_visits_cmd"],
            0.0,
            params["fiscal.nhs.gp_visits_msk"],
            params["fiscal.nhs.gp_visits_other"],
        ]
    )
    n = health_counts.astype(float)
    out = np.stack(
        [n[..., 0] * cmd, n[..., 1] * smi, n[..., 2] * msk, (n * visits).sum(axis=-1) * gp], axis=-1
    )
    return out * to_year / 12


def value_of_work(
    profile: AreaProfile, params: Parameters, year: int, *, hours: float | None = None, lcwra: bool = False
) -> dict[str, float]:
    """Annual fiscal value of one person aged 25+ moving from out-of-work Universal Credit into work.

    Pay is the area's typical entry pay (the median of the model's entrant pay distribution, at least the
    minimum wage), full-time unless ``hours`` are given; ``lcwra`` adds the protected LCWRA element (and its
    work allowance) in and out of work. Amounts in the tax year's prices; positive = gain to the payer.
    """
    rules = Rules.for_year(params, year)
    pay = PayRules.build([profile], params)
    hours = hours or pay.full_time_hours
    hourly_2023 = float(np.exp(pay.log_median[0] + pay.entrant_z * pay.sigma[0])) / pay.full_time_hours
    hourly = max(hourly_2023 * earnings_index(year, params), rules.minimum_wage[2])
    annual = hourly * hours * 52
    tax, ee, er = (float(f(np.array(annual), rules)) for f in (income_tax, employee_ni, employer_ni))
    element = rules.lcwra_protected if lcwra else 0.0
    out_of_work = sum(float(x) for x in uc_award(rules.sa_25_plus, element, 0.0, rules)) * 12
    in_work = sum(float(x) for x in uc_award(rules.sa_25_plus, element, (annual - tax - ee) / 12, rules)) * 12
    return {
        "gross_pay": annual,
        "hourly_pay": hourly,
        "dwp_uc_out_of_work": out_of_work,
        "dwp_uc_in_work": in_work,
        "dwp_saving": out_of_work - in_work,
        "hmrc_income_tax": tax,
        "hmrc_employee_ni": ee,
        "hmrc_employer_ni": er,
        "exchequer_gain": out_of_work - in_work + tax + ee + er,
        "net_income_change": annual - tax - ee + in_work - out_of_work,
    }
