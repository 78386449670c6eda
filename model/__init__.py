"""healthwork: an agent-based model of working-age residents' health and employment.

Public API for scripts and notebooks::

    import model
    scenario = model.load_scenario("scenarios/lcr_baseline.yaml", overrides=["population.scale=0.05"])
    result = model.run(scenario)                  # serially; or executor=model.ProcessExecutor(2)
    result.monthly    # tidy DataFrame: arm, replication, month, date, area, programme, metric, value
    result.summary    # arm, area, programme, metric, mean, p05, p50, p95

Importing the package registers the built-in conditions, named rates and programme types (the registries
scenario validation checks names against); the simulation itself (Mesa, pandas) is imported only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import model.dynamics.employment
import model.dynamics.health
import model.dynamics.readiness
import model.programmes.types  # noqa: F401  (built-in registry entries)
from model.config.errors import InputError, Problem
from model.config.loading import load_scenario
from model.config.scenario import Scenario

__version__ = "0.1.0"
_LAZY = {
    "HealthWorkModel": "model.engine",
    "simulate": "model.engine",
    "run": "model.experiments.ensemble",
    "RunResult": "model.experiments.ensemble",
    "SerialExecutor": "model.experiments.executors",
    "ProcessExecutor": "model.experiments.executors",
}
__all__ = ["InputError", "Problem", "Scenario", "__version__", "load_scenario", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
