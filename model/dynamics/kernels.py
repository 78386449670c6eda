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
from model.dynamics.households import HEAD, NON_DEPENDANT, PARTNER, SHARER


@nb.njit(cache=True, nogil=True)
def health(
    area, male, age_months, state, mental, binary, work_limiting, months_limited,
    onset, recovery, cmd_onset_by_msk, msk, work_limiting_onset, keys,
    recovery_mult, has_recovery_mult, became,
):  # fmt: skip
    """One month of health for every resident; ``became`` flags those who became work-limiting.

    ``onset`` (groups, conditions) is indexed by (area, sex, age, out of work) and by condition in registry
    order: CMD, SMI, then the binary conditions held in the columns of ``binary``; CMD onset is multiplied by
    ``cmd_onset_by_msk[msk]`` (comorbidity with back pain, as held at the month's start). ``keys``: the
    stream keys of mental health, each binary condition, then work-limiting onset. ``recovery_mult``:
    per-resident programme hazard ratios on CMD recovery and each binary condition's recovery (used where
    ``has_*``).
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
            p_cmd = onset[g, 0] * cmd_onset_by_msk[msk[i]]
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
def job_search(
    area, work_limiting, age_months, state, months_out, readiness,
    by_group, duration, sick_duration, readiness_effect, entry_mult, has_entry_mult,
    household, workers, household_entry, has_household, wants, wants_entry,
    mental, msk, condition_entry, out,
):  # fmt: skip
    """Add each area's job search to ``out``: the job-entry hazards of its residents out of work.

    The job-entry arithmetic of :func:`employment` (readiness included, competition not), over residents out
    of work other than the long-term sick no longer work-limiting (who move to inactive, other, instead); an
    inactive resident who became work-limiting this month is counted although the step may move them to
    long-term sick instead (both arms alike). It
    is written out, not shared through a helper (numba compiled that three times slower); the two are checked
    against each other in tests/dynamics/test_labour_demand.py.
    """
    half = np.float32(0.5)
    last_duration, last_sick = len(duration) - 1, len(sick_duration) - 1
    for i in range(len(area)):
        old = state[i]
        if old == EMPLOYED or (old == INACTIVE_SICK and work_limiting[i] == 0):
            continue
        g = (
            ((np.int64(area[i]) * 4 + old) * 2 + work_limiting[i]) * AGES
            + age_months[i] // 12
            - ENTRY_AGE_YEARS
        )
        entry = by_group[g, 0] * duration[min(months_out[i], last_duration)]
        if has_entry_mult:
            entry *= entry_mult[i]
        if has_household:
            entry *= household_entry[area[i], 1 if workers[household[i]] == 0 else 0]
        if old == INACTIVE_SICK:
            entry *= sick_duration[min(months_out[i], last_sick)]
        entry *= wants_entry[old, wants[i]] * condition_entry[mental[i], msk[i]]
        out[area[i]] += entry * np.exp(readiness_effect * (readiness[i] - half))


@nb.njit(cache=True, nogil=True)
def employment(
    area, work_limiting, age_months, state, months_out, tenure, readiness, became,
    by_group, duration, sick_duration, tenure_exit, readiness_effect, sickness_hr, key_moves, key_sick,
    entry_mult, has_entry_mult, exit_mult, has_exit_mult,
    household, workers, household_entry, has_household, wants, wants_entry,
    mental, msk, condition_entry, condition_exit, area_entry,
    before, started, left, hazards, move,
):  # fmt: skip
    """One month of employment moves for every resident; returns (job starts, job exits).

    A long-term sick resident no longer work-limiting moves to inactive (other); an inactive (other) resident
    who became work-limiting moves to long-term sick with probability r / (1 + r), r the area's sickness
    ratio; neither makes another move that month. Everyone else faces competing monthly hazards: job entry
    (the group's base hazard, from state, area, work-limiting status and age, x duration out of work x
    exp(readiness effect x (readiness - 0.5)) x programme hazard ratios x, with households, the area's factor
    for living in a workless household or not, ``household_entry[area, workless]`` x wanting work or not,
    ``wants_entry[state, wants]`` x the conditions' ``condition_entry[mental, msk]`` x the area's competition
    for openings, ``area_entry[area]``, 1 with openings unlimited) and to unemployment, inactivity and
    sickness (the group's base hazards x the fragile-new-job factor by tenure x, for the employed,
    ``condition_exit[mental, msk]`` and programme hazard ratios on job exit; the long-term sick's job entry
    and moves to unemployment also decline with months out of work, ``sick_duration``); they leave with
    probability 1 - exp(-total), one draw deciding whether and where. ``before`` receives each state before
    the move; ``started`` and ``left`` the slots of job starts and exits, in slot order. With ``move`` False
    nothing moves and ``hazards`` (residents, 4) receives each resident's four hazards instead (diagnostics
    and tests; the same arithmetic).
    """
    n_started = n_left = 0
    last_duration, last_tenure, last_sick = len(duration) - 1, len(tenure_exit) - 1, len(sick_duration) - 1
    half, zero = np.float32(0.5), np.float32(0.0)
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
        job_exit = tenure_exit[min(tenure[i], last_tenure)]
        if old == EMPLOYED:  # no job entry (the group's base hazard is 0): its factors are skipped
            entry = zero
            job_exit *= condition_exit[mental[i], msk[i]]
            if has_exit_mult:
                job_exit *= exit_mult[i]
        else:
            entry = by_group[g, 0] * duration[min(months_out[i], last_duration)]
            if has_entry_mult:
                entry *= entry_mult[i]
            if has_household:
                entry *= household_entry[area[i], 1 if workers[household[i]] == 0 else 0]
            entry *= wants_entry[old, wants[i]] * condition_entry[mental[i], msk[i]]
            entry *= area_entry[area[i]]
        to_u, to_i, to_s = by_group[g, 1] * job_exit, by_group[g, 2] * job_exit, by_group[g, 3] * job_exit
        if old == INACTIVE_SICK:
            sick = sick_duration[min(months_out[i], last_sick)]
            entry *= sick
            to_u *= sick
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
def wanting(state, before, wants, share, turnover, key):
    """Wishes to work after the month's moves (rules in :mod:`model.dynamics.wanting`).

    The unemployed want work; a resident entering an inactive state wants it with that state's share; an
    inactive resident who stayed draws again with probability ``turnover``, from the same uniform (below
    ``turnover`` it is uniform again once divided by it).
    """
    for i in range(len(state)):
        s = state[i]
        if s == UNEMPLOYED:
            wants[i] = 1
        elif s != EMPLOYED:
            u = splitmix(key, i)
            if before[i] != s:
                wants[i] = u < share[s]
            elif u < turnover:
                wants[i] = u < turnover * share[s]


@nb.njit(cache=True, nogil=True)
def readiness(state, wants, value, target, reversion, gain, has_gain):
    """Readiness reverts towards ``target[state, wants]``, adds programmes' gains, stays within [0, 1]."""
    zero, one = np.float32(0.0), np.float32(1.0)
    for i in range(len(state)):
        r = value[i] + reversion * (target[state[i], wants[i]] - value[i])
        if has_gain:
            r += gain[i]
        value[i] = min(max(r, zero), one)


# Households. ``links`` = (household, role, partner, next_member) per resident; ``homes`` = (first_member,
# head, adults, workers, children) per household; ``working`` is 1 for a resident in work (``state ==
# EMPLOYED``), so a household's ``workers`` stay the count of its residents in work.


@nb.njit(nogil=True)
def _unlink(i, links, homes, working, no_child):
    """Take resident i out of their household: a partner left behind becomes a single head.

    A head leaving without a partner hands the household to the next member; a household left empty is
    freed. Returns whether i had a partner, and the slot of a non-dependant so made head (-1 if none).
    """
    household, role, partner, next_member = links
    first_member, head, adults, workers, children = homes
    h = household[i]
    promoted = -1
    if h < 0:
        return False, promoted
    if first_member[h] == i:
        first_member[h] = next_member[i]
    else:
        j = first_member[h]
        while j >= 0 and next_member[j] != i:
            j = next_member[j]
        if j >= 0:
            next_member[j] = next_member[i]
    adults[h] -= 1
    workers[h] -= working
    p = partner[i]
    if p >= 0:
        partner[p] = -1
    if head[h] == i:
        if p >= 0:
            head[h] = p
            role[p] = HEAD
        elif first_member[h] >= 0:
            head[h] = first_member[h]
            if role[first_member[h]] == NON_DEPENDANT:
                promoted = first_member[h]
            if role[first_member[h]] != SHARER:
                role[first_member[h]] = HEAD
        else:
            head[h] = -1
            children[h, :] = no_child
    household[i] = -1
    partner[i] = -1
    next_member[i] = -1
    return p >= 0, promoted


@nb.njit(nogil=True)
def _link(i, h, links, homes, working):
    household, next_member = links[0], links[3]
    first_member, adults, workers = homes[0], homes[2], homes[3]
    household[i] = h
    next_member[i] = first_member[h]
    first_member[h] = i
    adults[h] += 1
    workers[h] += working


@nb.njit(nogil=True)
def _set_up(h, i, links, homes, no_child, new_role):
    """Make household record h a new home headed by resident i (already out of any household)."""
    first_member, head, adults, workers, children = homes
    head[h] = i
    links[1][i] = new_role
    adults[h] = 0
    workers[h] = 0
    first_member[h] = -1
    children[h, :] = no_child


@nb.njit(cache=True, nogil=True)
def leave_households(slots, area, state, links, homes, no_child, changes):
    """Residents in ``slots`` (reaching 65) leave their households. Counted by area in ``changes``.

    Couples so dissolved (column 0), non-dependants made head (1) and sharers who left (2).
    """
    role = links[1]
    for i in slots:
        if role[i] == SHARER:
            changes[area[i], 2] += 1
        had_partner, promoted = _unlink(i, links, homes, state[i] == EMPLOYED, no_child)
        if had_partner:
            changes[area[i], 0] += 1
        if promoted >= 0:
            changes[area[promoted], 1] += 1


@nb.njit(cache=True, nogil=True)
def move_out(
    slots, area, state, links, homes, no_child, free, hh_area, tenure, rent, bedrooms, band,
    new_role, new_tenure, new_rent, new_bedrooms,
):  # fmt: skip
    """Residents in ``slots`` leave their households to head a new one (or, as a sharer, take a room).

    The new homes are the ``free`` records, with the ``new_*`` role, tenure, rent and bedrooms given for each
    (Band A).
    """
    for k in range(len(slots)):
        i = slots[k]
        working = state[i] == EMPLOYED
        _unlink(i, links, homes, working, no_child)
        h = free[k]
        _set_up(h, i, links, homes, no_child, new_role[k])
        hh_area[h] = area[i]
        tenure[h] = new_tenure[k]
        rent[h] = new_rent[k]
        bedrooms[h] = new_bedrooms[k]
        band[h] = 0
        _link(i, h, links, homes, working)


@nb.njit(cache=True, nogil=True)
def pair_up(men, women, area, state, links, homes, no_child, promoted):
    """Each woman moves into her partner's household (he heads one).

    With her dependent children when she headed her household; non-dependants she leaves at the head of
    her old household counted by area.
    """
    household, role, partner = links[0], links[1], links[2]
    head, children = homes[1], homes[4]
    for k in range(len(men)):
        m, w = men[k], women[k]
        hm, hw = household[m], household[w]
        if hm < 0 or hw < 0 or hm == hw:
            continue
        if head[hw] == w:  # her children join his, oldest first (insertion into his sorted row)
            for c in range(children.shape[1]):
                born = children[hw, c]
                if born == no_child:
                    break
                children[hw, c] = no_child
                d = children.shape[1] - 1
                if children[hm, d] != no_child:
                    continue  # no room: at most six dependent children are kept
                while d > 0 and children[hm, d - 1] > born:
                    children[hm, d] = children[hm, d - 1]
                    d -= 1
                children[hm, d] = born
        working = state[w] == EMPLOYED
        left_in_charge = _unlink(w, links, homes, working, no_child)[1]
        if left_in_charge >= 0:
            promoted[area[left_in_charge]] += 1
        _link(w, hm, links, homes, working)
        role[w] = PARTNER
        partner[w] = m
        partner[m] = w


@nb.njit(cache=True, nogil=True)
def age_children(children, area, head, month, no_child, origin, turned, turned_area):
    """Remove children reaching 16 from every household; record the households (and areas) where one did.

    Children are kept oldest first, so only the first of each household is looked at.

    Returns how many children turned 16 in households that still have a head.
    """
    n = 0
    last = children.shape[1] - 1
    born_by = month - origin - 16 * 12  # born in this month or before: 16 or older
    for h in range(len(head)):
        while children[h, 0] != no_child and children[h, 0] <= born_by:
            for k in range(last):
                children[h, k] = children[h, k + 1]
            children[h, last] = no_child
            if head[h] >= 0:
                turned[n] = h
                turned_area[n] = area[h]
                n += 1
    return n


@nb.njit(cache=True, nogil=True)
def join_households(
    entrants, area, state, turned, turned_area, areas, free, links, homes, no_child, tenure, rent, bedrooms,
    band, hh_area, joined,
):  # fmt: skip
    """Place each entrant (a new 16-year-old) in a household of their area whose child turned 16 this month.

    They join as a non-dependant (counted by area in ``joined``); where no child of the area turned 16, they
    head a new one-adult household without housing costs (their parents being outside the simulated ages), in
    the ``free`` records (at least one per entrant). Returns how many free records were used.
    """
    role, partner = links[1], links[2]
    # The households whose child turned 16, by area (in the order found), taken one at a time.
    order = np.argsort(turned_area, kind="mergesort")
    first = np.searchsorted(turned_area[order], np.arange(areas))
    last = np.searchsorted(turned_area[order], np.arange(areas), side="right")
    n_free = 0
    for i in entrants:
        a = area[i]
        role[i] = NON_DEPENDANT
        partner[i] = -1
        if first[a] < last[a]:
            h = turned[order[first[a]]]
            first[a] += 1
            joined[a] += 1
        else:
            h = free[n_free]
            n_free += 1
            _set_up(h, i, links, homes, no_child, HEAD)
            hh_area[h] = a
            tenure[h] = 0  # living with parents outside the simulated ages: no housing costs
            rent[h] = 0.0
            bedrooms[h] = 1
            band[h] = 0
        _link(i, h, links, homes, state[i] == EMPLOYED)
    return n_free


@nb.njit(cache=True, nogil=True)
def give_birth(mothers, children, household, month, no_child, origin):
    """Add a child born this month to each mother's household (when it has room for one more)."""
    for i in mothers:
        h = household[i]
        if h < 0:
            continue
        for k in range(children.shape[1]):
            if children[h, k] == no_child:
                children[h, k] = month - origin
                break


@nb.njit(cache=True, nogil=True)
def age_one_month(
    age_months, role, student, exit_at, non_dependant, leave_home_at, student_until, leavers, forced
):
    """Everyone ages a month.

    Those reaching ``exit_at`` months are listed in ``leavers``, non-dependants at ``leave_home_at``
    months or more in ``forced``, and full-time study ends at ``student_until`` months. Returns the
    numbers of leavers and forced movers.
    """
    n_leavers = n_forced = 0
    for i in range(len(age_months)):
        age = age_months[i] + 1
        age_months[i] = age
        if age >= exit_at:
            leavers[n_leavers] = i
            n_leavers += 1
            continue
        if age == student_until:
            student[i] = 0
        if role[i] == non_dependant and age >= leave_home_at:
            forced[n_forced] = i
            n_forced += 1
    return n_leavers, n_forced


@nb.njit(cache=True, nogil=True)
def update_workers(household, started, left, workers):
    """Keep each household's count of residents in work after the month's job starts and exits."""
    for i in started:
        if household[i] >= 0:
            workers[household[i]] += 1
    for i in left:
        if household[i] >= 0:
            workers[household[i]] -= 1


@nb.njit(cache=True, nogil=True)
def out_of_work_by_household(area, state, household, workers, out):
    """Residents out of work by area: in a household where someone works (column 0) or not (column 1)."""
    for i in range(len(state)):
        if state[i] != EMPLOYED:
            out[area[i], 1 if workers[household[i]] == 0 else 0] += 1


@nb.njit(cache=True, nogil=True)
def workless_by_area(hh_area, head, workers, out):
    """Households (column 0) and workless households (column 1) by area."""
    for h in range(len(head)):
        if head[h] >= 0:
            out[hh_area[h], 0] += 1
            if workers[h] == 0:
                out[hh_area[h], 1] += 1


@nb.njit(cache=True, nogil=True)
def pool_members(area, male, age_months, role, partner, members):
    """Count the members of each household-event pool by area and single year of age (``members``).

    Single men (0) and single women (1) heading a household, residents living with parents (2), women
    heading or partnering a family (3).
    """
    for i in range(len(area)):
        r = role[i]
        a = area[i]
        y = age_months[i] // 12 - ENTRY_AGE_YEARS
        if r == NON_DEPENDANT:
            members[2, a, y] += 1
        elif r == HEAD and partner[i] < 0:
            members[1 - male[i], a, y] += 1
        if male[i] == 0 and (r in (HEAD, PARTNER)):
            members[3, a, y] += 1


@nb.njit(cache=True, nogil=True)
def races(key_sample, keys, starts, ends, top, threshold, weights, area, male, age_months, role, partner,
          out_slot, out_key, out_n):  # fmt: skip
    """The month's exponential races, one per pool.

    Over one lottery sample (see model.dynamics.household_change._races): in each area's block of slots
    ``starts[b]:ends[b]``, slots are sampled with probability ``top[b]`` (geometric gaps, uniforms from
    stream key ``key_sample``); a sampled member of pool p with weight w (``weights[p, age - 16]``) gets
    key -log(1 - top v) / w (v the uniform of its slot from key ``keys[p]``) and is kept (``out_*``, at
    most their width) when that is below ``threshold[p, b]``. Pools: single men (0) and single women (1)
    heading a household, residents living with parents (2), women heading or partnering a family (3).
    """
    width = out_slot.shape[1]
    draws = 0
    for b in range(len(starts)):
        q = top[b]
        if q <= 0:
            continue
        log_stay = np.log1p(-q) if q < 1 else 0.0
        i = starts[b] - 1
        while True:
            if q >= 1:
                i += 1
            else:
                u = np.float64(splitmix(key_sample, draws)) + 2.0**-26
                draws += 1
                i += 1 + np.int64(np.floor(np.log(u) / log_stay))
            if i >= ends[b]:
                break
            r = role[i]
            single = r == HEAD and partner[i] < 0
            y = age_months[i] // 12 - ENTRY_AGE_YEARS
            for p in range(len(keys)):
                if p <= 1:
                    member = single and male[i] == 1 - p
                elif p == 2:
                    member = r == NON_DEPENDANT
                else:
                    member = male[i] == 0 and (r in (HEAD, PARTNER))
                if not member or weights[p, y] <= 0:
                    continue
                key = -np.log(1.0 - q * np.float64(splitmix(keys[p], i))) / weights[p, y]
                if key < threshold[p, b] and out_n[p] < width:
                    out_slot[p, out_n[p]] = i
                    out_key[p, out_n[p]] = key
                    out_n[p] += 1
