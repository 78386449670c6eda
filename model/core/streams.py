"""Named random streams: one independent generator per decision, replication and month.

Every random draw in a run comes from ``Generator(PCG64(SeedSequence(seed, spawn_key=(replication, stream,
month))))``. Draws are made for the whole population in slot order, so the same resident gets the same number
for the same decision in the same month whatever else happens: both arms of a run (counterfactual and
scenario) see identical draws, and a resident no programme touches has an identical history in both (common
random numbers). Stream identifiers are fixed integers, never ``hash()``; the global numpy and ``random``
states are never used.
"""

from __future__ import annotations

import numpy as np

# Fixed identifiers: changing one changes every seeded result, so only ever append.
STREAM_IDS = {
    "synthesis": 1,
    "entry": 2,
    "health.mental": 3,
    "health.msk": 4,
    "health.other": 5,
    "health.work_limiting": 6,
    "employment": 7,
    "employment.sickness": 8,
    "model": 9,
    "earnings.pay": 10,
    "earnings.hours": 11,
}
# Programme decisions get identifiers from this base upwards (see services.py).
PROGRAMME_STREAM_BASE = 1000
# Burn-in months are negative; keys must be non-negative.
MONTH_OFFSET = 1_000
_GOLDEN, _MIX1, _MIX2 = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
)


class Streams:
    """The random streams of one replication of one scenario."""

    def __init__(self, seed: int, replication: int):
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be non-negative")
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, stream: str | int, month: int) -> np.random.Generator:
        """A fresh generator for one decision in one month (``stream`` is a name or an integer id)."""
        stream_id = STREAM_IDS[stream] if isinstance(stream, str) else int(stream)
        key = (self.replication, stream_id, month + MONTH_OFFSET)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key)))

    def uniform(self, stream: str | int, month: int, n: int) -> np.ndarray:
        """``n`` float32 uniforms on [0, 1), one per population slot."""
        return self.generator(stream, month).random(n, dtype=np.float32)

    def uniform_at(self, stream: str | int, month: int, slots: np.ndarray) -> np.ndarray:
        """float32 uniforms on [0, 1) for the given population slots only.

        Element i of the SplitMix64 sequence (Steele, Lea and Flood 2014) keyed by this stream and month, at
        position ``slot``: a resident gets the same number whatever other slots are drawn for, so programme
        decisions on changing subsets (the eligible, the waiting, the active) keep common random numbers.
        """
        stream_id = STREAM_IDS[stream] if isinstance(stream, str) else int(stream)
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, stream_id, month + MONTH_OFFSET))
        key = seq.generate_state(1, np.uint64)[0]
        with np.errstate(over="ignore"):
            z = key + (slots.astype(np.uint64) + np.uint64(1)) * _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * _MIX1
            z = (z ^ (z >> np.uint64(27))) * _MIX2
            z ^= z >> np.uint64(31)
        return ((z >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)).astype(np.float32)

    def model_rng(self) -> np.random.Generator:
        """The generator handed to ``mesa.Model(rng=...)`` (used for no resident-level decision)."""
        return self.generator("model", 0)
