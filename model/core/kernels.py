"""Numba kernels of the core: slot-indexed uniforms and the month's aggregate counts.

Numba compiles these on first use and caches them beside the source; it is imported with the simulation
(modules that step the population import this one), never with scenario validation. Each kernel is the
per-resident loop of one operation, written once: numpy versions of the same arithmetic do not exist.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from model.config.vocabulary import INACTIVE_SICK

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S40 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(40)
_TO_UNIT = np.float32(2.0**-24)


@nb.njit(inline="always")
def splitmix(key: np.uint64, slot: int) -> np.float32:
    """Uniform on [0, 1) for one slot: element ``slot`` of the SplitMix64 sequence keyed by ``key``.

    Steele, Lea and Flood (2014): z = key + (slot + 1) x golden ratio, then two xor-shift-multiply rounds;
    the top 24 bits make a float32. A resident's number depends only on the key and their slot.
    """
    z = key + np.uint64(slot + 1) * _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z ^= z >> _S31
    return np.float32(z >> _S40) * _TO_UNIT


@nb.njit(cache=True, nogil=True)
def uniform_at(key: np.uint64, slots: np.ndarray) -> np.ndarray:
    """:func:`splitmix` for each of ``slots``."""
    out = np.empty(len(slots), np.float32)
    for j in range(len(slots)):
        out[j] = splitmix(key, slots[j])
    return out


@nb.njit(cache=True, nogil=True)
def count(
    area: np.ndarray,
    state: np.ndarray,
    before: np.ndarray,
    columns: tuple,
    levels: np.ndarray,
    work_limiting: np.ndarray,
    wants: np.ndarray,
    months_out: np.ndarray,
    two_years: int,
    five_years: int,
    cells: np.ndarray,
    flows: np.ndarray,
    wanting: np.ndarray,
    sick: np.ndarray,
    with_flows: bool,
) -> None:
    """Count residents in one pass into ``cells``, ``flows``, ``wanting`` and ``sick`` (flat, zeroed).

    ``cells`` by (area, state, each condition column, work-limiting); ``flows`` by (area, state before,
    state after); ``wanting``, those wanting work, by (area, state); ``sick``, the long-term sick, by (area,
    months out of work: under ``two_years``, under ``five_years``, from it).
    """
    states = np.int64(4)
    for i in range(len(area)):
        a, s = np.int64(area[i]), np.int64(state[i])
        key = a * states + s
        wanting[key] += wants[i]
        for k in range(len(columns)):
            key = key * levels[k] + columns[k][i]
        cells[key * 2 + work_limiting[i]] += 1
        if with_flows:
            flows[(a * states + before[i]) * states + s] += 1
        if s == INACTIVE_SICK:
            m = months_out[i]
            sick[a * 3 + (m >= two_years) + (m >= five_years)] += 1
