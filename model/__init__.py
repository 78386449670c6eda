"""healthwork: an agent-based model of working-age residents' health and employment.

Public API for scripts and notebooks::

    import model
    scenario = model.load_scenario("scenarios/lcr_baseline.yaml", overrides=["population.scale=0.05"])
    result = model.run(scenario, workers=2)
    result.monthly    # tidy DataFrame: arm, replication, month, date, area, programme, metric, value
    result.summary    # arm, area, programme, metric, mean, p05, p50, p95
"""

from model.ensemble import RunResult, run
from model.errors import InputError, Problem
from model.scenario import Scenario, load_scenario
from model.simulation import HealthWorkModel, simulate

__version__ = "0.1.0"
__all__ = [
    "HealthWorkModel",
    "InputError",
    "Problem",
    "RunResult",
    "Scenario",
    "__version__",
    "load_scenario",
    "run",
    "simulate",
]
