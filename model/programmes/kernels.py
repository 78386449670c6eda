"""Numba kernel of the programmes: eligibility of chosen residents.

The rule is stated in :mod:`model.programmes.programme`. Its health part arrives as a table over the combined
value of the condition columns and work-limiting status (``health_ok``), built once from the condition
registry, so the kernel knows nothing of particular conditions.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from model.config.vocabulary import EMPLOYED


@nb.njit(cache=True, nogil=True)
def eligible(slots, area, age_months, state, months_out, work_limiting, columns, levels, rule):
    """Which of ``slots`` meet the eligibility rule.

    Eligible: an allowed employment state and area, age within the bounds, time out of work within the
    bounds (for the out of work), and an allowed combination of conditions and work-limiting status
    (``health_ok``, indexed by the condition columns' values and work-limiting status).
    """
    states, areas, min_age, max_age, min_out, max_out, health_ok = rule
    out = np.zeros(len(slots), np.bool_)
    for j in range(len(slots)):
        i = slots[j]
        s = state[i]
        if not (states[s] and areas[area[i]] and min_age <= age_months[i] <= max_age):
            continue
        if s != EMPLOYED and not min_out <= months_out[i] <= max_out:
            continue
        key = 0
        for k in range(len(columns)):
            key = key * levels[k] + columns[k][i]
        out[j] = health_ok[key * 2 + work_limiting[i]]
    return out
