"""workbook.xlsx (run --xlsx) read back: the numbers are summary.csv's; the bytes depend on results only."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from model.experiments.appraisal import SUMMARY_METRICS
from tests.conftest import healthwork

SCENARIO = (
    "name: wb\nstart: 2026-04\nhorizon_months: 18\nseed: 2\nreplications: 2\n"
    "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 12}\n"
    "programmes:\n  - {name: ips, type: ips, staff_fte: 10, referral: {gp: 0.01}}\n"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbook")
    scenario = folder / "wb.yaml"
    scenario.write_text(SCENARIO)
    for workers in (1, 2):
        done = healthwork("run", scenario, "--out", folder / f"w{workers}", "--workers", workers, "--xlsx",
                          "--no-plots")  # fmt: skip
        assert done.returncode == 0, done.stderr
    return folder


def rows(sheet) -> list[tuple]:
    """A sheet's table: the rows below the header on row 4."""
    return [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]


def test_the_workbook_has_the_appraisal_sheets_with_units_and_notes(runs):
    book = openpyxl.load_workbook(runs / "w1" / "workbook.xlsx")
    assert book.sheetnames == ["About", "Headline", "Value for money", "Fiscal by payer and year",
                               "Programme delivery", "Parameters"]  # fmt: skip
    headline = book["Headline"]
    assert [c.value for c in headline[4]][:3] == ["metric", "what it means", "unit"]
    assert "net of displacement" in headline["A2"].value
    units = {r[0]: r[2] for r in rows(headline)}
    assert units["npv_net_exchequer_gbp"] == "GBP, 2024/25 prices, whole horizon"
    assert headline.cell(5, 4).number_format in ("#,##0.0", "#,##0")


def test_headline_and_value_for_money_are_the_csv_values(runs):
    book = openpyxl.load_workbook(runs / "w1" / "workbook.xlsx")
    summary = pd.read_csv(runs / "w1" / "summary.csv")
    at_all = (summary["area"] == "ALL") & (summary["programme"] == "all")
    impact = summary[(summary["arm"] == "impact") & at_all & summary["metric"].isin(SUMMARY_METRICS)]
    expected = impact.set_index("metric")[["mean", "p05", "p50", "p95"]]
    got = {r[0]: r[3:7] for r in rows(book["Headline"])}
    assert set(got) == set(expected.index)
    for metric, values in got.items():
        for value, want in zip(values, expected.loc[metric], strict=True):
            if isinstance(value, str):  # undefined or never: said in words
                assert value in ("n/a", "never") and (math.isnan(want) or math.isinf(want)), metric
            else:
                assert value == pytest.approx(want, rel=1e-9), metric
    vfm = pd.read_csv(runs / "w1" / "value_for_money.csv")
    bcr = vfm[(vfm["area"] == "ALL") & (vfm["measure"] == "bcr")].iloc[0]
    got = {r[0]: r for r in rows(book["Value for money"])}["bcr"]
    assert got[2] == pytest.approx(bcr["mean"], rel=1e-9) and got[6] == (bcr["band"] or None)


def test_parameters_sheet_lists_every_parameter_with_its_source(runs):
    book = openpyxl.load_workbook(runs / "w1" / "workbook.xlsx")
    table = rows(book["Parameters"])
    csv = pd.read_csv(runs / "w1" / "parameters.csv")
    assert [r[0] for r in table] == list(csv["path"])
    assert {r[0]: r[5] for r in table}["services.ips.cost_per_fte_year"].startswith("GMCA")


def test_the_workbook_is_byte_identical_whatever_the_worker_count(runs):
    assert (runs / "w1" / "workbook.xlsx").read_bytes() == (runs / "w2" / "workbook.xlsx").read_bytes()
