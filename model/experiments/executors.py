"""Executors: where jobs run. One is made per command and passed down (EMA Workbench evaluators).

Every job is a pure function of its arguments (a replication of a scenario, a trial, an area fit), so an
executor only decides where it runs; results come back in job order, and outputs do not depend on the
executor or its number of workers.

- :class:`SerialExecutor`: in this process.
- :class:`ProcessExecutor`: a pool of spawned local processes, started once and reused by every ``map`` of
  the command (not one pool per parameter setting), at most one per CPU available. Each worker watches its
  parent and exits when the parent is gone (killed with ``kill -9``, say), so no worker is left running.

A ``map`` interrupted by Ctrl-C raises :class:`Interrupted` carrying the results of the jobs that finished,
so that a long command can keep them.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import Any, Protocol

from model.config.vocabulary import CONDITIONS, PROGRAMME_TYPES, RATES

Progress = Callable[[int, int], None]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a ``map``: ``results`` holds the finished jobs' results by job index."""

    def __init__(self, results: dict[int, Any], total: int):
        super().__init__(f"interrupted after {len(results)} of {total} jobs")
        self.results, self.total = results, total


class PartialResult(KeyboardInterrupt):
    """Ctrl-C during a long command: ``table`` holds what its finished parts give (``done`` of ``total``)."""

    def __init__(self, table: Any, done: int, total: int, what: str):
        super().__init__(f"interrupted after {done} of {total} {what}")
        self.table, self.done, self.total, self.what = table, done, total, what


def cpus_available() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
        results: list = []
        try:
            for done, job in enumerate(jobs, 1):
                results.append(fn(job))
                if progress:
                    progress(done, len(jobs))
        except KeyboardInterrupt:
            raise Interrupted(dict(enumerate(results)), len(jobs)) from None
        return results

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _exit_with_parent() -> None:
    """Block until the parent process is gone, then end this worker at once.

    A worker blocked on its job queue does not notice a parent killed with ``kill -9``; without this it (and
    the resource tracker whose pipe it holds) would stay alive for good.
    """
    wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


def _start_worker(modules: Iterable[str]) -> None:
    """Worker initialiser: watch the parent, and import the plug-in modules that registered entries in it."""
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
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
        self.workers = min(workers, cpus_available())
        self._pool: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            plugins = {m for r in (CONDITIONS, RATES, PROGRAMME_TYPES) for m in r.plugin_modules()}
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_start_worker,
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
        finished: dict[int, Any] = {}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                finished[futures[future]] = future.result()
                if progress:
                    progress(done, len(jobs))
        except KeyboardInterrupt:
            self._shutdown(
                wait=False
            )  # running jobs finish (or die with the same Ctrl-C), queued ones are dropped
            raise Interrupted(finished, len(jobs)) from None
        return [finished[i] for i in range(len(jobs))]

    def close(self) -> None:
        """Shut the pool down."""
        self._shutdown(wait=True)

    def _shutdown(self, wait: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int | None) -> SerialExecutor | ProcessExecutor:
    """Serial for one worker (or one CPU), a process pool of at most one worker per CPU otherwise."""
    workers = min(workers or 1, cpus_available())
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)
