"""Named random streams: one independent generator per decision, draw, replication and month.

Every random draw in a run comes from a stream named for its decision (``health.mental``, ``employment``, a
programme's ``programme.<name>.referral``...). The stream's id is a stable hash of its name (the first eight
bytes of its SHA-256, never Python's ``hash()`` and never a position or a hand-allocated number), so adding,
removing or reordering programmes, or adding a decision, leaves every other stream unchanged (Vivarium's
``RandomnessStream`` with ``get_hash``). Keys are ``SeedSequence(seed, spawn_key=(draw, replication,
stream_id, month + 1000))``; the global numpy and ``random`` states are never used.

Decisions about residents draw by slot (:meth:`Streams.uniform_at`, and the same numbers inside the monthly
kernels): a resident gets the same number for the same decision in the same month whatever else happens, and
a decision that concerns few residents draws only for them. So both arms of a run see identical draws and a
resident no programme touches has an identical history in both (common random numbers). Drawing new
residents (synthesis, entrants) uses the stream's generator.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from model.config.registry import Registry

MONTH_OFFSET = 1_000  # burn-in months are negative; keys must be non-negative


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

    def key(self, name: str, month: int) -> np.uint64:
        """The 64-bit key of one decision's slot-indexed draws in one month."""
        return self._sequence(name, month).generate_state(1, np.uint64)[0]

    def uniform_at(self, name: str, month: int, slots: np.ndarray) -> np.ndarray:
        """float32 uniforms on [0, 1) for the given population slots.

        Element ``slot`` of the SplitMix64 sequence keyed by this stream and month
        (:func:`model.core.kernels.splitmix`): a resident gets the same number whatever other slots are drawn
        for, so decisions on changing subsets (the eligible, the waiting, the newly ill) keep common random
        numbers. The monthly dynamics draw the same numbers inside their kernels.
        """
        from model.core import kernels  # numba: imported with the simulation, not with validation

        return kernels.uniform_at(self.key(name, month), np.ascontiguousarray(slots, dtype=np.int64))

    def lottery(self, name: str, month: int, n: int, p: float) -> np.ndarray:
        """The slots among ``n`` whose independent draw with probability ``p`` succeeds, in slot order.

        Drawn by geometric skipping (the gaps between successes), so a decision with a small probability
        costs in proportion to its successes, not to the population; which slots succeed depends only on the
        stream, month, ``n`` and ``p``, never on who else is eligible, so both arms see the same successes.
        """
        return self.lottery_by_block(name, month, np.array([0]), np.array([n]), np.array([p]))

    def lottery_by_block(
        self, name: str, month: int, starts: np.ndarray, ends: np.ndarray, p: np.ndarray
    ) -> np.ndarray:
        """:meth:`lottery` with its own probability ``p[b]`` in each block of slots ``starts[b]:ends[b]``.

        Areas hold contiguous blocks of slots; the blocks are drawn one after another from one generator.
        """
        rng = self.generator(name, month)
        out = []
        for start, end, q in zip(starts, ends, p, strict=True):
            n = int(end - start)
            if q <= 0 or n <= 0:
                continue
            if q >= 1:
                out.append(np.arange(start, end))
                continue
            expected = n * q
            log_stay = np.log1p(-q)
            gaps: list[np.ndarray] = []
            total = 0
            while total < n:  # gaps between successes: geometric, 1 + floor(log(U) / log(1 - q))
                k = int(expected + 6 * np.sqrt(expected) + 16) if not gaps else int(expected / 4) + 16
                draw = 1 + np.floor(np.log1p(-rng.random(k)) / log_stay).astype(np.int64)
                gaps.append(draw)
                total += int(draw.sum())
            slots = np.cumsum(np.concatenate(gaps)) - 1
            out.append(start + slots[slots < n])
        return np.concatenate(out) if out else np.zeros(0, np.intp)

    def model_rng(self) -> np.random.Generator:
        """The generator handed to ``mesa.Model(rng=...)`` (used for no resident-level decision)."""
        return self.generator(MODEL, 0)
