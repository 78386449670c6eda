"""Earnings: pay drawn when a job starts, and how pay levels move from 2023 money to each tax year.

Full-time weekly pay is lognormal per area through ASHE 2023's median and lower quartile (residence-based),
centred at ``fiscal.earnings.entrant_quantile`` for people entering work (assumption) and drawn from the whole
distribution for jobs held at the start; part-time with ``fiscal.earnings.part_time_share`` (higher for
work-limiting people, Disability Policy Centre 2025). Pay is held in 2023 money and grown to each tax year by
CPI (``fiscal.uprating.cpi_*``, OBR, to 2027) and then ``fiscal.uprating.earnings_growth``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtri

from model.config.areas import AreaProfile
from model.config.parameters import Parameters
from model.core.components import Month
from model.core.population import Population, column
from model.core.streams import Streams, stream

column("hourly_pay", np.float32, "hourly pay in the current job, in 2023 money (0 if not employed)")
column("hours", np.float32, "weekly hours of the current job (0 if not employed)")
PAY = stream("earnings.pay", "pay of a new job (position in the area's distribution)")
HOURS = stream("earnings.hours", "part-time or full-time hours of a new job")


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
    pop: Population, started: np.ndarray, left: np.ndarray, rules: PayRules, streams: Streams, month: int
) -> None:
    """Draw pay for this month's job starts and clear it for those who left work.

    The draws are positional (per slot and month), so a job start gets the same pay in both arms.
    """
    if len(started):
        u_pay = streams.uniform_at(PAY, month, started)
        u_hours = streams.uniform_at(HOURS, month, started)
        hourly, hours = rules.draw(
            pop.area[started], pop.work_limiting[started], u_pay, u_hours, entrant=True
        )
        pop.hourly_pay[started], pop.hours[started] = hourly, hours
    pop.hourly_pay[left] = 0
    pop.hours[left] = 0


# --------------------------------------------------------------------------------------------- ledger


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


class Earnings:
    """Pay for the month's job starts (streams ``earnings.pay`` and ``earnings.hours``)."""

    order: ClassVar[int] = 50

    def step(self, model: Any, month: Month) -> None:
        """Draw pay for new jobs and clear it for jobs that ended."""
        update_pay(
            model.population, month.started, month.left, model.context.pay, model.streams, month.number
        )
