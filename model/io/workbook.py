"""``workbook.xlsx`` (``healthwork run --xlsx``): a run's tables as formatted sheets for toolkit authors.

Sheets, in the layout appraisal teams use: ``Headline`` (the impact at ``ALL`` with its 90% interval, each
metric's meaning and unit), ``Value for money`` (fiscal, economic and social value, costs, benefit-cost ratios
and their band), ``Fiscal by payer and year``, ``Programme delivery``, ``Parameters`` (every value with its
source and uncertainty) and ``About`` (scenario, seed, economy, notes). Values are those of ``summary.csv``
and ``value_for_money.csv``, unrounded (cells carry a display format). The file's bytes depend on the results
only: document properties and the archive's entry dates are fixed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, IMPACT
from model.core.metrics import METRICS
from model.experiments.ensemble import RunResult

FIXED_TIME = dt.datetime(
    2000, 1, 1
)  # document properties: not the time of writing (same results, same bytes)
STATS = ("mean", "p05", "p50", "p95")
STAT_HEADERS = ("mean", "5th percentile", "median", "95th percentile")
BOLD = Font(bold=True)
PRICES = "GBP, 2024/25 prices, whole horizon"
NOTES = {  # the second line of each sheet: what its numbers are
    "Headline": "Scenario minus counterfactual, mean and 90% interval across replications (and parameter "
    "draws); employment-driven values net of displacement.",
    "Value for money": "Present values (Green Book discounting) and benefit-cost ratios with their band "
    "(DfT: below 1 poor, 1-1.5 low, 1.5-2 medium, 2-4 high, 4 and over very high).",
    "Fiscal by payer and year": "Scenario minus counterfactual of what each payer pays out (HMRC: receives; "
    "residents: gross earnings), mean over replications, GBP at 2024/25 prices, employment-driven lines "
    "net of displacement. Net Exchequer: savings and receipts less costs.",
    "Programme delivery": "Scenario arm; totals over the horizon, caseload and waiting as means over the "
    "months a programme is open (people scaled to the population).",
    "Parameters": "Every value with its unit, status, source and uncertainty (the scenario's overrides are "
    "layer 'user override').",
}


def unit_of(name: str) -> tuple[str, str]:
    """A metric's unit and display format, from its name's convention."""
    if name.endswith("_gbp"):
        return PRICES, "#,##0"
    if name.endswith("_months") or name.endswith("_avoided"):
        return "person-months (or household-months), whole horizon", "#,##0.0"
    if name in ("roi", "bcr", "fiscal_bcr"):
        return "ratio", "0.00"
    if name == "payback_month":
        return "month of the horizon", "0"
    return "people (scaled to the population), whole horizon", "#,##0.0"


def _table(sheet, top: int, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A header row at ``top`` and the rows below it; a cell given as (value, format) gets that format."""
    for j, header in enumerate(headers, 1):
        cell = sheet.cell(top, j, header)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, top + 1):
        for j, value in enumerate(row, 1):
            value, fmt = value if isinstance(value, tuple) else (value, None)
            cell = sheet.cell(i, j, _cell_value(value))
            if fmt:
                cell.number_format = fmt
    sheet.freeze_panes = sheet.cell(top + 1, 1)


def _cell_value(value: object) -> object:
    """Numbers as numbers (infinite or undefined as text), everything else as it is."""
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if value in (float("inf"), float("-inf")):
            return "never" if value > 0 else "-inf"
    return value


def _widths(sheet, widths: Sequence[int]) -> None:
    for j, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(j)].width = width


def _title(sheet, text: str, note: str) -> None:
    sheet.cell(1, 1, text).font = Font(bold=True, size=13)
    sheet.cell(2, 1, note).alignment = Alignment(wrap_text=False)


def _headline(book: Workbook, result: RunResult) -> None:
    sheet = book.create_sheet("Headline")
    _title(sheet, f"{result.scenario.name}: impact, all areas", NOTES["Headline"])
    s = result.summary
    rows = s[(s["arm"] == IMPACT) & (s["area"] == ALL_AREAS) & (s["programme"] == ALL_PROGRAMMES)]
    impact = {m.name for m in METRICS if m.group == "impact"}
    table = []
    for _, r in rows[rows["metric"].isin(impact)].iterrows():
        unit, fmt = unit_of(r["metric"])
        table.append([r["metric"], METRICS[r["metric"]].definition, unit, *((r[k], fmt) for k in STATS)])
    _table(sheet, 4, ["metric", "what it means", "unit", *STAT_HEADERS], table)
    _widths(sheet, (38, 70, 34, 16, 16, 16, 16))


def _value_for_money(book: Workbook, result: RunResult) -> None:
    sheet = book.create_sheet("Value for money")
    _title(sheet, "Value for money, all areas", NOTES["Value for money"])
    v = result.value_for_money
    rows = v[v["area"] == ALL_AREAS]
    table = [[r["measure"], unit_of(r["measure"])[0], *((r[k], unit_of(r["measure"])[1]) for k in STATS),
              r["band"]] for _, r in rows.iterrows()]  # fmt: skip
    _table(sheet, 4, ["measure", "unit", *STAT_HEADERS, "band"], table)
    _widths(sheet, (28, 34, 16, 16, 16, 16, 12))


# Payers' lines are what each pays out (HMRC: receives); the Exchequer gains when these fall (or rise).
EXCHEQUER_SIGN = {"dwp": -1, "local_authority": -1, "hmrc": 1, "nhs": -1, "programme_funder": -1}


def _fiscal(book: Workbook, result: RunResult) -> None:
    sheet = book.create_sheet("Fiscal by payer and year")
    _title(sheet, "Impact by payer and fiscal year, all areas", NOTES["Fiscal by payer and year"])
    by = result.fiscal_by_payer
    payers = list(by.columns)
    table = []
    for year in by.index:
        net = sum(sign * float(by.loc[year].get(p, 0.0)) for p, sign in EXCHEQUER_SIGN.items())
        table.append([year, *((float(by.loc[year, p]), "#,##0") for p in payers), (net, "#,##0")])
    _table(sheet, 4, ["fiscal year", *payers, "net Exchequer"], table)
    _widths(sheet, (14, *([18] * (len(payers) + 1))))


def _delivery(book: Workbook, result: RunResult) -> None:
    sheet = book.create_sheet("Programme delivery")
    _title(sheet, "Programme delivery, all areas", NOTES["Programme delivery"])
    s = result.summary
    rows = s[(s["arm"] == "scenario") & (s["area"] == ALL_AREAS) & (s["programme"] != ALL_PROGRAMMES)]
    table = [
        [r["programme"], r["metric"], METRICS[r["metric"]].definition, *((r[k], "#,##0.0") for k in STATS)]
        for _, r in rows.iterrows()
    ]
    _table(sheet, 4, ["programme", "metric", "what it means", *STAT_HEADERS], table)
    _widths(sheet, (26, 26, 60, 16, 16, 16, 16))


def _parameters(book: Workbook, result: RunResult) -> None:
    sheet = book.create_sheet("Parameters")
    _title(sheet, "Parameters as run", NOTES["Parameters"])
    columns = (
        "path",
        "value",
        "unit",
        "status",
        "layer",
        "source",
        "url",
        "distribution",
        "distribution_basis",
    )
    records = pd.DataFrame(result.scenario.resolved_parameters().as_records())
    table = [[r[c] for c in columns] for _, r in records.iterrows()]
    _table(sheet, 4, columns, table)
    _widths(sheet, (46, 12, 40, 11, 13, 60, 30, 30, 18))


def _about(book: Workbook, result: RunResult, scenario_file: str) -> None:
    sheet = book.active
    sheet.title = "About"
    scenario = result.scenario
    facts = [
        ("scenario", scenario.name),
        ("scenario file", scenario_file),
        ("description", scenario.description),
        ("areas", ", ".join(scenario.population.areas)),
        ("data year", scenario.population.data_year),
        ("start", scenario.start),
        ("horizon (months)", scenario.horizon_months),
        ("programmes", "; ".join(f"{p.name} ({p.type})" for p in scenario.programmes) or "none"),
        ("economy", scenario.economy.label()),
        ("seed", scenario.seed),
        ("replications", scenario.replications),
        ("parameter draws", result.draws),
        ("scenario SHA-256", scenario.digest()),
    ]
    _title(
        sheet,
        f"healthwork: {scenario.name}",
        "The run's other files (manifest.json) say how to reproduce it.",
    )
    for i, (key, value) in enumerate(facts, 4):
        sheet.cell(i, 1, key).font = BOLD
        sheet.cell(i, 2, value)
    _widths(sheet, (20, 100))


def write_workbook(result: RunResult, path: Path, scenario_file: str) -> None:
    """Write ``workbook.xlsx`` for a run with programmes and a ledger (else the sheets it can fill)."""
    book = Workbook()
    _about(book, result, scenario_file)
    if result.scenario.has_programmes() and result.value_for_money is not None:
        _headline(book, result)
        _value_for_money(book, result)
        _fiscal(book, result)
        _delivery(book, result)
    _parameters(book, result)
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)
    _fix_archive_dates(path)


def _fix_archive_dates(path: Path) -> None:
    """Rewrite the archive with every entry dated 1980-01-01 and the document's modified time fixed.

    openpyxl stamps both with the time of saving; without this the same results would give other bytes.
    """
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data))
        if info.filename == "docProps/core.xml"
        else (info, data)
        for info, data in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
