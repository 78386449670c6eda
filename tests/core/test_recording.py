"""Recording counts residents exactly: employment by health condition, and the residents with none."""

from __future__ import annotations

import numpy as np

from model.config.vocabulary import CONDITIONS, EMPLOYED
from model.core.recording import Counts
from model.core.streams import Streams
from model.dynamics.health import has
from model.engine import RunContext, burned_in_population
from tests.conftest import small_scenario


def test_employed_with_each_condition_and_without_any_are_counted_resident_by_resident():
    scenario = small_scenario(population={"areas": ["Halton", "Knowsley"], "scale": 0.02})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    pop = burned_in_population(context, Streams(3, 0))
    counts = Counts.empty(0, 2)
    counts.record(0, pop)
    employed = pop.state == EMPLOYED
    none = np.ones(len(pop), bool)
    for k, condition in enumerate(CONDITIONS):
        present = has(pop, condition.name)
        none &= ~present
        for a in range(2):
            here = pop.area == a
            assert counts.health[0, a, k] == np.sum(present & here)
            assert counts.health_employed[0, a, k] == np.sum(present & here & employed), condition.name
    for a in range(2):
        here = pop.area == a
        assert tuple(counts.no_condition[0, a]) == (np.sum(none & here), np.sum(none & here & employed))
    assert 0 < counts.health_employed[0].sum() < counts.health[0].sum()  # some, not all, of them in work
