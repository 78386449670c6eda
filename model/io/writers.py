"""Writing results: every file goes into a hidden staging folder that is renamed into place at the end.

A run's folder therefore either exists complete or not at all; an existing folder is never overwritten. Tables
are written with a fixed float format so that identical results give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from model.config.scenario import Scenario, month_index
from model.core.files import atomic_write_text, git_revision, package_versions, sha256
from model.core.streams import STREAMS, programme_stream, stream_id
from model.economics.rules import FIRST_RATES_YEAR
from model.experiments.ensemble import RunResult
from model.programmes.programme import DECISIONS

FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table with the fixed float format and Unix line endings."""
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def default_output_dir(root: Path, slug: str, now: dt.datetime) -> Path:
    """``root/<slug>/<YYYYmmdd-HHMMSS>``, with a numeric suffix if that folder already exists."""
    base = root / slug / now.strftime("%Y%m%d-%H%M%S")
    candidate, k = base, 1
    while candidate.exists():
        k += 1
        candidate = base.with_name(f"{base.name}-{k}")
    return candidate


def check_output_dir(path: Path) -> str | None:
    """Why ``path`` cannot receive a run's outputs, or None."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return "already exists and is not empty; choose another --out (nothing is overwritten)"
    return None


def _write_folder(out: Path, fill: Callable[[Path], dict[str, object]]) -> Path:
    """Create ``out`` atomically: ``fill`` writes files into a staging folder and returns the manifest."""
    reason = check_output_dir(out)
    if reason:
        raise FileExistsError(f"{out}: {reason}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        manifest = fill(staging)
        files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        manifest["files_sha256"] = {f: sha256(staging / f) for f in files}
        atomic_write_text(staging / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if out.exists():
            out.rmdir()  # empty, checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def write_run(
    result: RunResult,
    out: Path,
    *,
    scenario_file: str,
    extra_tables: dict[str, pd.DataFrame] | None = None,
    plot: Callable[[RunResult, Path], list[str]] | None = None,
) -> Path:
    """Write a run's tables, plots and manifest to ``out`` atomically; return ``out``."""

    def fill(staging: Path) -> dict[str, object]:
        tables = {"monthly.csv": result.monthly, "summary.csv": result.summary} | (extra_tables or {})
        if result.programmes is not None:
            tables["programmes.csv"] = result.programmes
            tables["distance_travelled.csv"] = result.distance
        if result.fiscal is not None:
            tables["fiscal.csv"] = result.fiscal
            tables["value_for_money.csv"] = result.value_for_money
        tables["parameters.csv"] = pd.DataFrame(result.scenario.resolved_parameters().as_records())
        for name, frame in tables.items():
            write_csv(frame, staging / name)
        if plot is not None:
            (staging / "plots").mkdir()
            plot(result, staging / "plots")
        notes = []
        if month_index(result.scenario.start) < FIRST_RATES_YEAR * 12 + 3:
            notes.append(
                "The scenario starts before 2024/25, the first tax year with published rates in the model: "
                "its fiscal ledger uses today's (2026/27) tax and benefit rules and prices for every month."
            )
        if not result.scenario_simulated:
            notes.append(
                "The scenario has no programmes, so its arm is identical to the counterfactual by "
                "construction (same population, same random streams) and was copied, not simulated again."
            )
        return build_manifest(
            result.scenario,
            scenario_file,
            workers=result.workers,
            started=result.started,
            finished=result.finished,
            notes=notes,
        )

    return _write_folder(out, fill)


def write_table(frame: pd.DataFrame, out: Path, name: str, *, scenario: Scenario, scenario_file: str) -> Path:
    """Write one table and its manifest to ``out`` atomically; return ``out``."""
    started = dt.datetime.now(dt.UTC)

    def fill(staging: Path) -> dict[str, object]:
        write_csv(frame, staging / name)
        return build_manifest(
            scenario, scenario_file, workers=None, started=started, finished=dt.datetime.now(dt.UTC), notes=[]
        )

    return _write_folder(out, fill)


def stream_ids(scenario: Scenario) -> dict[str, int]:
    """Every declared random stream and every stream of the scenario's programmes, with its id, by name."""
    names = [*STREAMS.names(), *(programme_stream(p.name, d) for p in scenario.programmes for d in DECISIONS)]
    return {name: stream_id(name) for name in sorted(names)}


def build_manifest(
    scenario: Scenario,
    scenario_file: str,
    *,
    workers: int | None,
    started: dt.datetime,
    finished: dt.datetime,
    notes: list[str],
) -> dict[str, object]:
    """What a reader needs to reproduce and trust a run (file checksums are added when written)."""
    return {
        "healthwork": package_versions()["healthwork"],
        "scenario_file": scenario_file,
        "scenario": scenario.canonical(),
        "scenario_sha256": scenario.digest(),
        "parameter_overrides": dict(scenario.parameters),
        "seeds": {
            "seed": scenario.seed,
            "replications": scenario.replications,
            "scheme": "PCG64(SeedSequence(seed, spawn_key=(draw, replication, stream_id, month + 1000)))",
            "stream_id": "first 8 bytes (little-endian, >> 1) of the SHA-256 of the stream's name",
            "streams": stream_ids(scenario),
        },
        "workers": workers,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "command": sys.argv,
        "packages": package_versions(),
        "git": git_revision(),
        "notes": notes,
    }
