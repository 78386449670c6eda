"""Named random streams: one independent generator per decision, draw, replication and month.

Every random draw in a run comes from a stream named for its decision (``health.mental``, ``employment``, a
programme's ``programme.<name>.referral``...). The stream's id is a stable hash of its name (the first eight
bytes of its SHA-256, never Python's ``hash()`` and never a position or a hand-allocated number), so adding,
removing or reordering programmes, or adding a decision, leaves every other stream unchanged (Vivarium's
``RandomnessStream`` with ``get_hash``). Keys are ``SeedSequence(seed, spawn_key=(draw, replication,
stream_id, month + 1000))``; the global numpy and ``random`` states are never used.

Draws are indexed by resident slot: :meth:`Streams.uniform` gives one number per slot of the population,
:meth:`Streams.uniform_at` the same kind of number for chosen slots only (a decision that concerns few
residents draws only for them). Either way a resident gets the same number for the same decision in the same
month whatever else happens, so both arms of a run see identical draws and a resident no programme touches
has an identical history in both (common random numbers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from model.config.registry import Registry

MONTH_OFFSET = 1_000  # burn-in months are negative; keys must be non-negative
_GOLDEN, _MIX1, _MIX2 = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
)


@dataclass(frozen=True)
class Stream:
    """A declared random stream: its name and the decision it draws for."""

    name: str
    doc: str


STREAMS: Registry[Stream] = Registry("random stream")


def stream(name: str, doc: str) -> str:
    """Declare a stream (called once, by the module that draws from it); returns its name."""
    STREAMS.register(Stream(name, doc))
    return name


def programme_stream(programme: str, decision: str) -> str:
    """Name of a programme's stream for one decision: ``programme.<programme name>.<decision>``."""
    return f"programme.{programme}.{decision}"


@cache
def stream_id(name: str) -> int:
    """Stable 63-bit id of a stream name: the first eight bytes of its SHA-256."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little") >> 1


MODEL = stream("model", "the generator handed to mesa.Model(rng=...); no resident-level decision uses it")


class Streams:
    """The random streams of one (draw, replication) of one scenario."""

    def __init__(self, seed: int, replication: int, draw: int = 0):
        if seed < 0 or replication < 0 or draw < 0:
            raise ValueError("seed, replication and draw must be non-negative")
        self.seed = int(seed)
        self.replication = int(replication)
        self.draw = int(draw)

    def _sequence(self, name: str, month: int) -> np.random.SeedSequence:
        key = (self.draw, self.replication, stream_id(name), month + MONTH_OFFSET)
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def generator(self, name: str, month: int) -> np.random.Generator:
        """A fresh generator for one decision in one month."""
        return np.random.Generator(np.random.PCG64(self._sequence(name, month)))

    def uniform(self, name: str, month: int, n: int) -> np.ndarray:
        """``n`` float32 uniforms on [0, 1), one per population slot."""
        return self.generator(name, month).random(n, dtype=np.float32)

    def uniform_at(self, name: str, month: int, slots: np.ndarray) -> np.ndarray:
        """float32 uniforms on [0, 1) for the given population slots only.

        Element i of the SplitMix64 sequence (Steele, Lea and Flood 2014) keyed by this stream and month, at
        position ``slot``: a resident gets the same number whatever other slots are drawn for, so decisions on
        changing subsets (the eligible, the waiting, the newly ill) keep common random numbers.
        """
        key = self._sequence(name, month).generate_state(1, np.uint64)[0]
        with np.errstate(over="ignore"):
            z = key + (slots.astype(np.uint64) + np.uint64(1)) * _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * _MIX1
            z = (z ^ (z >> np.uint64(27))) * _MIX2
            z ^= z >> np.uint64(31)
        return ((z >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)).astype(np.float32)

    def model_rng(self) -> np.random.Generator:
        """The generator handed to ``mesa.Model(rng=...)`` (used for no resident-level decision)."""
        return self.generator(MODEL, 0)
