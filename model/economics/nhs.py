"""NHS costs: residents with each condition x its annual cost, extra GP consultations, and inactivity.

Each registered condition is priced from ``fiscal.nhs.<key>_per_year`` and its GP consultations from
``fiscal.nhs.gp_visits_<key>`` when those parameters exist. A resident inactive through long-term sickness
also costs the NHS ``fiscal.nhs.inactivity_ill_health_per_year`` on top of their conditions (DWP/DHSC 2025:
people out of work through ill health use more health care), so moving into work saves it. Costs are uprated
from their price years to 2024/25 with the deflator series and then to the year's prices.
"""

from __future__ import annotations

import numpy as np

from model.config.parameters import Parameters
from model.config.vocabulary import CONDITIONS
from model.economics.prices import price_index


def nhs_items(params: Parameters) -> tuple[str, ...]:
    """The NHS ledger lines: priced conditions (registry order), GP consultations, inactivity's extra cost."""
    return (*(c.name for c in _priced(params)), "gp_consultations", "inactivity_ill_health")


def _priced(params: Parameters) -> list:
    return [c for c in CONDITIONS if f"fiscal.nhs.{c.key}_per_year" in params]


def nhs_costs(
    health_counts: np.ndarray, inactive_sick: np.ndarray, params: Parameters, year: int
) -> np.ndarray:
    """Monthly NHS cost (nominal, tax year ``year``) per line of :func:`nhs_items`.

    ``health_counts[..., k]``: residents with the k-th registered condition; ``inactive_sick``: residents
    inactive through long-term sickness (same leading shape). Each cost is deflated from its price year
    (``..._price_year``) to 2024/25 and inflated to the year's prices.
    """
    inflation = params["fiscal.uprating.inflation"]
    to_year = price_index(year, inflation) / 100

    def real(path: str) -> float:
        price_year = int(params[f"{path}_price_year"])
        return params[path] / (price_index(price_year, inflation) / 100)

    keys = [c.key for c in CONDITIONS]
    n = health_counts.astype(float)
    lines = [n[..., keys.index(c.key)] * real(f"fiscal.nhs.{c.key}_per_year") for c in _priced(params)]
    visits = np.array([params.get(f"fiscal.nhs.gp_visits_{key}", 0.0) for key in keys])
    lines.append((n * visits).sum(axis=-1) * real("fiscal.nhs.gp_consultation"))
    lines.append(inactive_sick * real("fiscal.nhs.inactivity_ill_health_per_year"))
    return np.stack(lines, axis=-1) * to_year / 12


def inactivity_cost_per_year(params: Parameters, year: int) -> float:
    """Yearly NHS cost of a resident inactive through ill health, beyond their conditions (year's prices)."""
    return float(nhs_costs(np.zeros((1, len(CONDITIONS))), np.ones(1), params, year)[0, -1] * 12)
