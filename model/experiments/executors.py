"""Executors: where jobs run. One is made per command and passed down (EMA Workbench evaluators).

Every job is a pure function of its arguments (a replication of a scenario, a trial, an area fit), so an
executor only decides where it runs; results come back in job order, and outputs do not depend on the
executor or its number of workers.

- :class:`SerialExecutor`: in this process.
- :class:`ProcessExecutor`: a pool of spawned local processes, started once and reused by every ``map`` of
  the command (not one pool per parameter setting).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Protocol

from model.config.vocabulary import CONDITIONS, PROGRAMME_TYPES, RATES

Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Runs a top-level (picklable) function over jobs and returns the results in job order."""

    workers: int

    def map[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[Result]:
        """``fn`` over ``jobs``; ``progress(done, total)`` as jobs finish."""

    def close(self) -> None:
        """Release workers (idempotent)."""


class SerialExecutor:
    """Every job in this process, in order."""

    workers = 1

    def map[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[Result]:
        """``fn`` over ``jobs`` one after another."""
        results = []
        for done, job in enumerate(jobs, 1):
            results.append(fn(job))
            if progress:
                progress(done, len(jobs))
        return results

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _import_plugins(modules: Iterable[str]) -> None:
    """Worker initialiser: import the plug-in modules that registered entries in the parent."""
    for name in modules:
        importlib.import_module(name)


class ProcessExecutor:
    """A pool of ``workers`` spawned local processes, created on first use and reused until closed.

    Plug-in modules that registered conditions, rates or programme types in this process are imported in
    each worker, so the workers see the same registries.
    """

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            plugins = {m for r in (CONDITIONS, RATES, PROGRAMME_TYPES) for m in r.plugin_modules()}
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_import_plugins,
                initargs=(tuple(sorted(plugins)),),
            )
        return self._pool

    def map[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[Result]:
        """``fn`` over ``jobs`` in the pool (in this process when there is a single job)."""
        if len(jobs) <= 1:
            return SerialExecutor().map(fn, jobs, progress)
        pool = self._ensure()
        futures: dict[Future, int] = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        results: list = [None] * len(jobs)
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(jobs))
        return results

    def close(self) -> None:
        """Shut the pool down."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int | None) -> SerialExecutor | ProcessExecutor:
    """Serial for one worker, a process pool otherwise."""
    return SerialExecutor() if not workers or workers <= 1 else ProcessExecutor(workers)
