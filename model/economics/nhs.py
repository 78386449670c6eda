"""NHS costs: residents with each condition x its annual cost, plus extra GP consultations.

Each registered condition is priced from ``fiscal.nhs.<key>_per_year`` and its GP consultations from
``fiscal.nhs.gp_visits_<key>`` when those parameters exist; costs are uprated from their price years to
2024/25 with the deflator series and then to the year's prices.
"""

from __future__ import annotations

import numpy as np

from model.config.parameters import Parameters
from model.config.vocabulary import CONDITIONS
from model.economics.prices import price_index


def nhs_items(params: Parameters) -> tuple[str, ...]:
    """The NHS ledger lines: each condition with an annual cost (registry order), then GP consultations."""
    return (*(c.name for c in _priced(params)), "gp_consultations")


def _priced(params: Parameters) -> list:
    return [c for c in CONDITIONS if f"fiscal.nhs.{c.key}_per_year" in params]


def nhs_costs(health_counts: np.ndarray, params: Parameters, year: int) -> np.ndarray:
    """Monthly NHS cost (nominal, tax year ``year``) per line of :func:`nhs_items`.

    ``health_counts[..., k]``: residents with the k-th registered condition. Each cost is deflated from its
    price year (``..._price_year``) to 2024/25 and inflated to the year's prices.
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
    return np.stack(lines, axis=-1) * to_year / 12
