"""The healthwork command end to end: outputs, determinism across workers, atomic writes, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import model
from model import cli
from model.config.vocabulary import PAYERS
from model.experiments import ensemble
from model.io import writers as outputs
from tests.conftest import FIXTURES, FLOW_METRICS, POPULATION_METRICS, ROOT, assert_same_outputs, healthwork

BASE = FIXTURES / "good" / "base.yaml"


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    dirs = {}
    for workers in (1, 2):
        out = root / f"w{workers}"
        done = healthwork(
            "run",
            BASE,
            "--out",
            out,
            "--workers",
            workers,
            "--replications",
            3,
            "--set",
            "simulation.burn_in_months=6",
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        dirs[workers] = out
    return dirs


def test_run_writes_every_output_with_the_documented_columns(run_dirs):
    out = run_dirs[1]
    assert {p.name for p in out.iterdir()} == {
        "brief.html",
        "manifest.json",
        "monthly.parquet",
        "summary.csv",
        "parameters.csv",
        "fiscal.parquet",
        "plots",
        "runs",
    }  # no value_for_money.csv: without programmes it would be all zero
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert runs == ["draw-00000-replication-00000.parquet", "draw-00000-replication-00001.parquet",
                    "draw-00000-replication-00002.parquet", "manifest.json"]  # fmt: skip
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert list(monthly.columns) == list(ensemble.MONTHLY_COLUMNS)
    assert set(monthly["metric"]) == set(POPULATION_METRICS)
    assert set(monthly["area"]) == {"Halton", "ALL"}
    assert set(monthly["arm"]) == {"counterfactual", "scenario"}
    assert set(monthly["replication"]) == {0, 1, 2}
    assert monthly["month"].max() == 6
    assert monthly.loc[monthly["month"] == 0, "date"].iloc[0] == "2026-03"
    assert monthly.loc[monthly["month"] == 1, "date"].iloc[0] == "2026-04"
    assert not ((monthly["month"] == 0) & monthly["metric"].isin(FLOW_METRICS)).any()
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == list(ensemble.SUMMARY_COLUMNS)
    assert set(summary["arm"]) == {"counterfactual", "scenario", "impact"}
    stats = summary.dropna(subset=["p05", "p50", "p95"])  # ratios with no programme cost are empty
    assert len(stats) > 0.9 * len(summary)
    assert (stats["p05"] <= stats["p50"]).all() and (stats["p50"] <= stats["p95"]).all()
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["rates.png"]


def test_parameters_csv_keeps_each_parameters_url_note_and_bounds(run_dirs):
    table = pd.read_csv(run_dirs[1] / "parameters.csv").set_index("path")
    assert {"unit", "status", "layer", "source", "url", "note", "min", "max", "integer"} <= set(table.columns)
    cmd = table.loc["health.cmd.incidence"]
    assert cmd["url"].startswith("https://www.cambridge.org/")
    assert "stationary" in cmd["note"]
    assert (cmd["min"], cmd["max"]) == (0.0, 1.0)
    assert table.loc["simulation.burn_in_months", "integer"]
    burn_in = table.loc["simulation.burn_in_months"]
    assert burn_in["layer"] == "user override"
    assert burn_in["source"] == "user override on the command line (--set simulation.burn_in_months=6)"
    assert burn_in["note"].startswith("replaces ")


def test_counts_are_scaled_to_the_published_population(run_dirs):
    monthly = pd.read_parquet(run_dirs[1] / "monthly.parquet")
    residents = monthly[(monthly["metric"] == "residents") & (monthly["area"] == "Halton")]["value"]
    np.testing.assert_allclose(residents, 79896, rtol=1e-12)  # mid-2021 population 16-64, 1% simulated


def test_rates_are_consistent_with_counts(run_dirs):
    m = pd.read_parquet(run_dirs[1] / "monthly.parquet")
    wide = m[m["arm"] == "counterfactual"].pivot_table(
        index=["replication", "month", "area"], columns="metric", values="value"
    )
    pd.testing.assert_series_equal(
        wide["employment_rate"], 100 * wide["employed"] / wide["residents"], check_names=False
    )
    active = wide["employed"] + wide["unemployed"]
    pd.testing.assert_series_equal(
        wide["unemployment_rate"], 100 * wide["unemployed"] / active, check_names=False
    )


def test_outputs_are_byte_identical_whatever_the_worker_count(run_dirs):
    assert_same_outputs(run_dirs[1], run_dirs[2])


def test_format_csv_writes_the_same_long_tables_as_csv(run_dirs, tmp_path):
    out = tmp_path / "csv"
    done = healthwork("run", BASE, "--out", out, "--replications", 3, "--set", "simulation.burn_in_months=6",
                      "--format", "csv", "--no-plots")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not list(out.glob("*.parquet"))
    for name in ("monthly", "fiscal"):
        text = pd.read_csv(out / f"{name}.csv")
        table = pd.read_parquet(run_dirs[1] / f"{name}.parquet")
        assert list(text.columns) == list(table.columns)
        assert (
            text.drop(columns=text.columns[-2:])
            .astype(str)
            .equals(table.drop(columns=table.columns[-2:]).astype(str))
        )
        value = "value" if name == "monthly" else "value_gbp"
        np.testing.assert_allclose(text[value], table[value], rtol=1e-9)  # CSV keeps 10 significant digits
    assert (out / "summary.csv").read_bytes() == (run_dirs[1] / "summary.csv").read_bytes()


def test_manifest_records_what_is_needed_to_reproduce_the_run(run_dirs):
    manifest = json.loads((run_dirs[2] / "manifest.json").read_text())
    assert manifest["scenario"]["replications"] == 3
    assert manifest["parameter_overrides"] == {"simulation.burn_in_months": 6}
    assert manifest["seeds"]["seed"] == 7
    assert manifest["workers"] == 2
    assert len(manifest["scenario_sha256"]) == 64
    assert {"numpy", "mesa", "pandas", "python"} <= set(manifest["packages"])
    assert "revision" in manifest["git"]
    assert manifest["started"] <= manifest["finished"]
    assert manifest["files_sha256"]["monthly.parquet"] == outputs.sha256(run_dirs[2] / "monthly.parquet")
    assert "runs/draw-00000-replication-00002.parquet" in manifest["files_sha256"]
    assert manifest["notes"]  # says the scenario arm was copied


def test_existing_output_folder_is_never_overwritten(run_dirs):
    before = (run_dirs[1] / "monthly.parquet").read_bytes()
    done = healthwork("run", BASE, "--out", run_dirs[1])
    assert done.returncode == 2
    assert "already exists and is not empty" in done.stderr
    assert (run_dirs[1] / "monthly.parquet").read_bytes() == before


def test_default_output_folder_is_outputs_name_timestamp(tmp_path):
    done = healthwork(
        "run", BASE, "--replications", 1, "--no-plots", "--set", "simulation.burn_in_months=0", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    (run,) = (tmp_path / "outputs" / "fixture_base").iterdir()
    assert len(run.name) == len("20260101-120000")
    assert str(run.relative_to(tmp_path)) in done.stdout


def test_a_failure_while_writing_leaves_no_partial_folder(tmp_path, monkeypatch):
    scenario = model.load_scenario(BASE, ["replications=1", "simulation.burn_in_months=0"])
    result = model.run(scenario)

    def broken_plot(result, folder):
        raise OSError("disk full")

    with pytest.raises(OSError):
        outputs.write_run(result, tmp_path / "out", scenario_file=str(BASE), plot=broken_plot)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", BASE, "--replications", "0"], "must be at least 1"),
        (["run", BASE, "--workers", "two"], "expected a whole number"),
        (["run", BASE, "--set", "population.scale=0"], "population.scale: must be greater than 0"),
        (["run", FIXTURES / "missing.yaml"], "missing.yaml: file not found"),
        (["validate", BASE, "--set", "horizon_months"], "expected KEY=VALUE"),
        (["explode"], "invalid choice"),
    ],
)
def test_bad_command_lines_exit_2_with_a_clear_message(args, message):
    done = healthwork(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_accepts_a_good_file():
    done = healthwork("validate", BASE)
    assert done.returncode == 0
    assert "valid" in done.stdout


def test_unexpected_errors_are_one_line_without_traceback(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something broke")

    monkeypatch.setitem(cli.COMMANDS, "validate", boom)
    assert cli.main(["validate", str(BASE)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "healthwork: error: something broke"


def test_parameters_command_lists_values_with_sources():
    done = healthwork("parameters", "employment.duration.ratio")
    assert done.returncode == 0
    assert "employment.duration.ratio = 3.2  [sourced" in done.stdout
    assert "ONS" in done.stdout


def test_python_api_returns_dataframes():
    scenario = model.load_scenario(
        BASE, ["replications=1", "horizon_months=2", "simulation.burn_in_months=0"]
    )
    result = model.run(scenario)
    assert isinstance(result.monthly, pd.DataFrame) and isinstance(result.summary, pd.DataFrame)
    assert result.monthly["month"].max() == 2


def test_programme_runs_write_fiscal_and_value_for_money_tables(tmp_path):
    scenario = tmp_path / "p.yaml"
    scenario.write_text(
        "name: p\nstart: 2026-04\nhorizon_months: 18\nseed: 2\nreplications: 2\n"
        "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 12}\n"
        "programmes:\n  - {name: ips, type: ips, staff_fte: 10, referral: {gp: 0.01}}\n"
    )
    out = tmp_path / "out"
    done = healthwork("run", scenario, "--out", out, "--workers", 1)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"fiscal.parquet", "value_for_money.csv", "programmes.parquet", "distance_travelled.csv"} <= names
    assert "fiscal_by_payer.png" in {p.name for p in (out / "plots").iterdir()}
    fiscal = pd.read_parquet(out / "fiscal.parquet")
    assert list(fiscal.columns) == [
        "arm",
        "replication",
        "fiscal_year",
        "area",
        "payer",
        "item",
        "value_gbp",
        "basis",
    ]
    assert set(fiscal["payer"]) == set(PAYERS)
    assert set(fiscal["basis"]) == {"nominal", "real_2024_25"}
    assert set(fiscal["fiscal_year"]) == {"2026/27", "2027/28"}


def test_pilot_scenarios_say_they_are_costed_at_todays_rules(tmp_path):
    out = tmp_path / "pilot"
    done = healthwork(
        "run",
        ROOT / "scenarios" / "pilot_sites_2009.yaml",
        "--out",
        out,
        "--replications",
        1,
        "--no-plots",
        "--set",
        "population.scale=0.02",
        "--set",
        "simulation.burn_in_months=6",
    )
    assert done.returncode == 0, done.stderr
    notes = json.loads((out / "manifest.json").read_text())["notes"]
    assert any("today's (2026/27) tax and benefit rules and prices" in n for n in notes)


def test_value_of_work_prints_every_area_and_rejects_bad_input():
    done = healthwork("value-of-work")
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert lines[1].startswith("area,gross_pay,hourly_pay,dwp_uc_out_of_work")
    assert len(lines) == 2 + 8
    for args, message in [
        (["--area", "Workington"], "use 'Allerdale'"),
        (["--area", "Liverpol"], "did you mean 'Liverpool'?"),
        (["--tax-year", "2026/28"], "expected a tax year such as 2026/27"),
        (["--hours", "0"], "must be above 0"),
    ]:
        bad = healthwork("value-of-work", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("args", [["--help"], ["validate", "scenarios/lcr_combined.yaml"]])
def test_help_and_validate_import_neither_mesa_nor_matplotlib_nor_numba(args):
    code = (
        f"import sys\nfrom model.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mesa', 'matplotlib', 'numba', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
