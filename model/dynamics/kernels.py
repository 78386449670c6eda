"""Numba kernels of the monthly dynamics: health, employment and readiness, one loop over residents each.

The rules are stated in the modules that build their tables (:mod:`model.dynamics.health`,
:mod:`model.dynamics.employment`, :mod:`model.dynamics.readiness`); here they are applied resident by resident
in one pass, with slot-indexed draws (:func:`model.core.kernels.splitmix`) computed only where a decision is
taken, so a decision that concerns 1% of residents costs 1% of a draw. Arithmetic is float32 throughout, as
the tables are. Programme modifiers arrive as per-resident arrays (``has_*`` False: none this month).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from model.config.vocabulary import (
    EMPLOYED,
    INACTIVE_OTHER,
    INACTIVE_SICK,
    MH_CMD,
    MH_NONE,
    MH_SMI,
    UNEMPLOYED,
)
from model.core.kernels import splitmix
from model.core.population import AGES, ENTRY_AGE_YEARS, MAX_MONTHS


@nb.njit(cache=True, nogil=True)
def health(
    area, male, age_months, state, mental, binary, work_limiting, months_limited,
    onset, recovery, work_limiting_onset, keys,
    recovery_mult, has_recovery_mult, became,
):  # fmt: skip
    """One month of health for every resident; ``became`` flags those who became work-limiting.

    ``onset`` (groups, conditions) is indexed by (area, sex, age, out of work) and by condition in registry
    order: CMD, SMI, then the binary conditions held in the columns of ``binary``. ``keys``: the stream keys
    of mental health, each binary condition, then work-limiting onset. ``recovery_mult``: per-resident
    programme hazard ratios on CMD recovery and each binary condition's recovery (used where ``has_*``).
    """
    nb_binary = len(binary)
    key_wl = keys[1 + nb_binary]
    p_cmd_rec, p_smi_exit = recovery[0], recovery[1]
    one = np.float32(1.0)
    for i in range(len(area)):
        g = (((np.int64(area[i]) * 2 + male[i]) * AGES + age_months[i] // 12 - ENTRY_AGE_YEARS) * 2) + (
            state[i] != EMPLOYED
        )
        u = splitmix(keys[0], i)
        mh = mental[i]
        new_mh = mh
        new_onset = False
        if mh == MH_NONE:
            p_cmd = onset[g, 0]
            if u < p_cmd:
                new_mh = MH_CMD
            elif u < p_cmd + onset[g, 1]:
                new_mh = MH_SMI
            new_onset = new_mh != MH_NONE
        elif mh == MH_CMD:
            p_rec = p_cmd_rec
            if has_recovery_mult[0]:
                p_rec = min(p_cmd_rec * recovery_mult[0][i], one)
            if u < p_rec:
                new_mh = MH_NONE
            elif u < p_rec + onset[g, 1]:
                new_mh = MH_SMI
                new_onset = True
        elif u < p_smi_exit:
            new_mh = MH_NONE
        if new_mh != mh:
            mental[i] = new_mh
        any_condition = new_mh != MH_NONE
        for k in range(nb_binary):
            u = splitmix(keys[1 + k], i)
            if binary[k][i]:
                p_rec = recovery[2 + k]
                if has_recovery_mult[1 + k]:
                    p_rec = min(p_rec * recovery_mult[1 + k][i], one)
                if u < p_rec:
                    binary[k][i] = 0
                else:
                    any_condition = True
            elif u < onset[g, 2 + k]:
                binary[k][i] = 1
                new_onset = True
                any_condition = True
        limited = work_limiting[i] != 0
        gained = new_onset and not limited and splitmix(key_wl, i) < work_limiting_onset
        became[i] = gained
        if limited or gained:
            if any_condition:
                work_limiting[i] = 1
                months_limited[i] = min(months_limited[i] + 1, MAX_MONTHS)
            else:
                work_limiting[i] = 0
                months_limited[i] = 0


@nb.njit(cache=True, nogil=True)
def employment(
    area, work_limiting, age_months, state, months_out, tenure, readiness, became,
    by_group, duration, tenure_exit, readiness_effect, sickness_hr, key_moves, key_sick,
    entry_mult, has_entry_mult, exit_mult, has_exit_mult,
    before, started, left, hazards, move,
):  # fmt: skip
    """One month of employment moves for every resident; returns (job starts, job exits).

    A long-term sick resident no longer work-limiting moves to inactive (other); an inactive (other) resident
    who became work-limiting moves to long-term sick with probability r / (1 + r), r the area's sickness
    ratio; neither makes another move that month. Everyone else faces competing monthly hazards: job entry
    (the group's base hazard, from state, area, work-limiting status and age, x duration out of work x
    exp(readiness effect x (readiness - 0.5)) x programme hazard ratios) and to unemployment, inactivity and
    sickness (the group's base hazards x the fragile-new-job factor by tenure x, for the employed, programme
    hazard ratios on job exit); they leave with probability 1 - exp(-total), one draw deciding whether and
    where. ``before`` receives each state before the move; ``started`` and ``left`` the slots of job starts
    and exits, in slot order. With ``move`` False nothing moves and ``hazards`` (residents, 4) receives each
    resident's four hazards instead (diagnostics and tests; the same arithmetic).
    """
    n_started = n_left = 0
    last_duration, last_tenure = len(duration) - 1, len(tenure_exit) - 1
    half = np.float32(0.5)
    # The largest readiness factor on job entry (readiness within [0, 1]), with a margin for rounding.
    readiness_bound = np.float32(np.exp(abs(readiness_effect) * 0.5) * 1.0001)
    for i in range(len(area)):
        old = state[i]
        ratio = sickness_hr[area[i]]
        if move:
            before[i] = old
            if old == INACTIVE_SICK and work_limiting[i] == 0:
                state[i] = INACTIVE_OTHER
                months_out[i] = min(months_out[i] + 1, MAX_MONTHS)
                continue
            if old == INACTIVE_OTHER and became[i] and splitmix(key_sick, i) * (1 + ratio) < ratio:
                state[i] = INACTIVE_SICK
                months_out[i] = min(months_out[i] + 1, MAX_MONTHS)
                continue
        g = (
            ((np.int64(area[i]) * 4 + old) * 2 + work_limiting[i]) * AGES
            + age_months[i] // 12
            - ENTRY_AGE_YEARS
        )
        entry = by_group[g, 0] * duration[min(months_out[i], last_duration)]
        if has_entry_mult:
            entry *= entry_mult[i]
        job_exit = tenure_exit[min(tenure[i], last_tenure)]
        if has_exit_mult and old == EMPLOYED:
            job_exit *= exit_mult[i]
        to_u, to_i, to_s = by_group[g, 1] * job_exit, by_group[g, 2] * job_exit, by_group[g, 3] * job_exit
        if move:
            # Leaving has probability 1 - exp(-total) < total <= the total with the largest readiness factor:
            # a draw above that bound stays, exactly, without computing the exponentials.
            u = splitmix(key_moves, i)
            if u >= entry * readiness_bound + to_u + to_i + to_s:
                if old == EMPLOYED:
                    tenure[i] = min(tenure[i] + 1, MAX_MONTHS)
                else:
                    months_out[i] = min(months_out[i] + 1, MAX_MONTHS)
                continue
        entry *= np.exp(readiness_effect * (readiness[i] - half))
        if not move:
            hazards[i, 0], hazards[i, 1], hazards[i, 2], hazards[i, 3] = entry, to_u, to_i, to_s
            continue
        new = old
        total = entry + to_u + to_i + to_s
        scale = -np.expm1(-total) / total
        cut = entry * scale
        if u < cut:
            new = EMPLOYED
        elif u < cut + to_u * scale:
            new = UNEMPLOYED
        elif u < cut + (to_u + to_i) * scale:
            new = INACTIVE_OTHER
        elif u < cut + (to_u + to_i + to_s) * scale:
            new = INACTIVE_SICK
        state[i] = new
        if new == EMPLOYED:
            if old == EMPLOYED:
                tenure[i] = min(tenure[i] + 1, MAX_MONTHS)
            else:
                tenure[i] = 1
                started[n_started] = i
                n_started += 1
            months_out[i] = 0
        else:
            tenure[i] = 0
            if old == EMPLOYED:
                months_out[i] = 1
                left[n_left] = i
                n_left += 1
            else:
                months_out[i] = min(months_out[i] + 1, MAX_MONTHS)
    return n_started, n_left


@nb.njit(cache=True, nogil=True)
def readiness(state, value, target, reversion, gain, has_gain):
    """Readiness reverts towards its state's target, gains programmes' additions, stays within [0, 1]."""
    zero, one = np.float32(0.0), np.float32(1.0)
    for i in range(len(state)):
        r = value[i] + reversion * (target[state[i]] - value[i])
        if has_gain:
            r += gain[i]
        value[i] = min(max(r, zero), one)
