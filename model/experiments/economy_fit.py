"""Calibration stage F: how strongly hazards answer a national unemployment path (the response gain).

Multiplying job finding by OR^-w and job loss into unemployment by OR^(1-w) would move the unemployment odds
by OR if work and unemployment were the only states; in the model unemployment also flows to and from
inactivity and the long-term unemployed find work slowly, so the odds move by less. The gain g raises the
multipliers to OR^(-w g) and OR^((1-w) g) (:func:`model.dynamics.employment.economy_factors`). It is fitted on
the UK 2023 reference population: national unemployment STEP points above its 2023 level, held, must move the
simulated unemployment odds by the path's odds ratio over months ``WINDOW`` (both runs from the same seed).
A check (not fitted) reports the same ratio after a step down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from model.config.areas import AreaProfile
from model.config.economy import reference_rate
from model.config.parameters import Parameters
from model.config.scenario import EconomySpec, Scenario
from model.config.vocabulary import EMPLOYED, UNEMPLOYED
from model.experiments.fitting import Target, reference_scenario, report_row, simulate_reference, solve

STEP = 2.0  # percentage points of national unemployment above (or below) the reference
WINDOW = (25, 36)  # months over which the response is measured: long after the step, within three years


@dataclass(frozen=True)
class ResponseEvaluator:
    """Simulates the reference population with and without a step in national unemployment."""

    profile: AreaProfile
    sample: int
    seed: int
    step: float = STEP
    _baseline: dict[str, float] = field(default_factory=dict, compare=False)  # the run without a path

    def _scenario(self, path: str | dict[int, float]) -> Scenario:
        scenario = reference_scenario(self.profile, self.sample, self.seed, WINDOW[1])
        return scenario.model_copy(update={"economy": EconomySpec.model_construct(unemployment_path=path)})

    def _odds(self, scenario: Scenario, params: Parameters) -> float:
        counts = simulate_reference(scenario, self.profile, params)
        months = slice(WINDOW[0], WINDOW[1] + 1)
        u = counts.stocks[months, :, UNEMPLOYED].sum()
        return float(u / counts.stocks[months, :, EMPLOYED].sum())

    @cached_property
    def target(self) -> float:
        """The path's odds ratio: the stepped national rate's odds against the reference's."""
        r = reference_rate(self.profile.data_year) / 100
        s = r + self.step / 100
        return (s / (1 - s)) / (r / (1 - r))

    def __call__(self, params: Parameters) -> dict[str, float]:
        """The simulated unemployment odds ratio (stepped path against none) with ``params``."""
        level = reference_rate(self.profile.data_year) + self.step
        stepped = self._scenario({2023: level, 2030: level})
        return {
            "unemployment_odds_ratio": self._odds(stepped, params)
            / self._odds(self._scenario("none"), params)
        }


def fit_response_gain(
    params: Parameters, reference: AreaProfile, sample: int, seed: int, log: Callable[[str], None] = print
) -> tuple[dict[str, float], list[dict[str, object]]]:
    """Stage F: ``employment.cycle.response_gain`` from a step up; a step down reported as a check."""
    up = ResponseEvaluator(reference, sample, seed)
    target = Target("unemployment_odds_ratio", up.target, 0.02 * up.target)
    params, achieved, _ = solve(up, params, [("employment.cycle.response_gain", "log")], [target], log=log)
    down = ResponseEvaluator(reference, sample, seed, step=-STEP / 2)
    check = Target("unemployment_odds_ratio_step_down", down.target, 0.1 * down.target)
    achieved_down = {check.moment: down(params)["unemployment_odds_ratio"]}
    rows = [
        report_row("F economy", reference, target, achieved),
        report_row("F economy (check)", reference, check, achieved_down),
    ]
    log(f"    employment.cycle.response_gain {params['employment.cycle.response_gain']:.3f}")
    return {"employment.cycle.response_gain": params["employment.cycle.response_gain"]}, rows
