"""Shared helpers: small scenarios built in code, and the repository paths tests read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model.config.scenario import Scenario
from model.core.metrics import in_group

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POPULATION_METRICS = tuple(m.name for m in in_group("population"))
FLOW_METRICS = tuple(m.name for m in in_group("population") if m.summary == "total")


def healthwork(*args, cwd=ROOT, timeout=600) -> subprocess.CompletedProcess:
    """Run the ``healthwork`` command in a new process (arguments may be paths or numbers)."""
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def small_scenario(**changes) -> Scenario:
    """A small valid scenario; keyword arguments replace top-level keys, ``population`` is merged."""
    data = {
        "name": "test",
        "start": "2026-04",
        "horizon_months": 12,
        "seed": 11,
        "replications": 2,
        "population": {"areas": ["Halton"], "data_year": 2023, "scale": 0.02},
        "parameters": {"simulation.burn_in_months": 12},
    }
    population = changes.pop("population", {})
    data["population"] = data["population"] | population
    data["parameters"] = data["parameters"] | changes.pop("parameters", {})
    data |= changes
    return Scenario.model_validate(data)


@pytest.fixture
def scenario_factory():
    return small_scenario


def assert_same_outputs(a: Path, b: Path) -> None:
    """Every output file of two run folders byte-identical (manifests differ only by times and command)."""

    def files(folder: Path) -> dict[str, bytes]:
        found = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        return {k: v for k, v in found.items() if k != "manifest.json"}

    left, right = files(a), files(b)
    assert sorted(left) == sorted(right)
    assert [k for k in left if left[k] != right[k]] == []
    hashes = [json.loads((f / "manifest.json").read_text())["files_sha256"] for f in (a, b)]
    assert hashes[0] == hashes[1]


def step_both_arms(sc, months):
    """Step both arms side by side, sharing what simulate() does; yield (month, counterfactual, scenario)."""
    from model.core.streams import Streams
    from model.dynamics.employment import SharedMarket
    from model.engine import HealthWorkModel, RunContext, burned_in_population

    context = RunContext.build(sc, sc.resolved_parameters())
    streams = Streams(sc.seed, 0)
    start = burned_in_population(context, streams)
    market = SharedMarket.empty(months, len(context.profiles))
    cf = HealthWorkModel(context, start.copy(), streams, arm="counterfactual", market=market)
    sm = HealthWorkModel(
        context, start.copy(), streams, arm="scenario", programmes=context.programmes, market=market
    )
    for month in range(1, months + 1):
        cf.step()
        sm.step()
        yield month, cf, sm
