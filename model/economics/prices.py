"""Prices: fiscal years, the deflator series (2024/25 = 100) and its extension, and discounting.

Real values are at 2024/25 prices, with HM Treasury's GDP deflator (March 2026 vintage, bridged to earlier
years with the March 2020 vintage) and OBR CPI forecasts beyond 2024/25 (``model/data/deflators.csv``, each
row with its source and derivation); after the series, ``fiscal.uprating.inflation``.
"""

from __future__ import annotations

from functools import cache

from model.config.parameters import read_data_csv

PRICE_BASE = "2024/25"


def fiscal_year(month_index: int) -> int:
    """Starting calendar year of the fiscal (tax) year of a month index (year * 12 + month - 1)."""
    year, month = divmod(month_index, 12)
    return year if month >= 3 else year - 1


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
