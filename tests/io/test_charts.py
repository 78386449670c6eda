"""The brief's and dashboard's charts on awkward but valid results."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from model.io import charts


def test_the_area_chart_draws_an_interval_whose_mean_lies_outside_it():
    """A skewed ensemble (one draw far out among 80) has a mean above its 95th percentile: still drawn."""
    summary = pd.DataFrame(
        {
            "arm": charts.IMPACT,
            "metric": "additional_employed_person_months",
            "area": ["Knowsley", "Liverpool", charts.ALL_AREAS],
            "mean": [130.0, 40.0, 170.0],
            "p05": [-20.0, 10.0, 0.0],
            "p95": [110.0, 90.0, 200.0],
        }
    )
    figure = charts.impact_by_area(SimpleNamespace(summary=summary))
    assert charts.svg(figure).startswith("<svg")
