"""Executors: where jobs run. One is made per command and passed down (EMA Workbench evaluators).

Every job is a pure function of its arguments (a replication of a scenario, a trial, an area fit), so an
executor only decides where it runs; ``map`` returns results in job order, and outputs do not depend on the
executor or its number of workers. ``each`` yields (job index, result) as jobs finish, with a bounded window
of jobs in flight, so that an ensemble can write each result away and hold none (flat memory).

- :class:`SerialExecutor`: in this process.
- :class:`ProcessExecutor`: a pool of spawned local processes, started once and reused by every ``map`` of
  the command (not one pool per parameter setting), at most one per CPU available. Each worker watches its
  parent and exits when the parent is gone (killed with ``kill -9``, say), so no worker is left running.
- :class:`DaskExecutor`: a Dask distributed cluster (``dask.distributed``, the ``dask`` extra), reached by
  scheduler address or scheduler file. Jobs go out as a sliding window of futures with explicit keys
  (retried if a worker is lost); results come back to the driver, which alone writes files.

A ``map`` interrupted by Ctrl-C raises :class:`Interrupted` carrying the results of the jobs that finished,
so that a long command can keep them.
"""

from __future__ import annotations

import concurrent.futures
import functools
import importlib
import itertools
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
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
    """Runs a top-level (picklable) function over jobs: results in job order, or each as it finishes."""

    workers: int

    def each[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> Iterator[tuple[int, Result]]:
        """(job index, result) as jobs finish, a bounded window in flight; ``progress(done, total)``."""

    def map[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[Result]:
        """``fn`` over ``jobs``, results in job order."""

    def close(self) -> None:
        """Release workers (idempotent)."""


class _Executor:
    """What every executor shares: ``map`` in job order from its ``each``, and use as a context manager."""

    def map[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[Result]:
        """``fn`` over ``jobs``, results in job order; Ctrl-C raises :class:`Interrupted` with those done."""
        finished: dict[int, Any] = {}
        try:
            for index, result in self.each(fn, jobs, progress):
                finished[index] = result
        except KeyboardInterrupt:
            raise Interrupted(finished, len(jobs)) from None
        return [finished[i] for i in range(len(jobs))]

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(_Executor):
    """Every job in this process, in order."""

    workers = 1

    def each[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> Iterator[tuple[int, Result]]:
        """``fn`` over ``jobs`` one after another."""
        for index, job in enumerate(jobs):
            result = fn(job)
            if progress:
                progress(index + 1, len(jobs))
            yield index, result


def _exit_with_parent() -> None:
    """Block until the parent process is gone, then end this worker at once.

    A worker blocked on its job queue does not notice a parent killed with ``kill -9``; without this it (and
    the resource tracker whose pipe it holds) would stay alive for good.
    """
    wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


def _plugin_modules() -> tuple[str, ...]:
    """Modules outside the package that registered conditions, rates or programme types in this process."""
    return tuple(sorted({m for r in (CONDITIONS, RATES, PROGRAMME_TYPES) for m in r.plugin_modules()}))


def _import_plugins(modules: Iterable[str]) -> None:
    """Import the plug-in modules that registered conditions, rates or programme types in the driver."""
    for name in modules:
        importlib.import_module(name)


def _start_worker(modules: Iterable[str]) -> None:
    """Process-pool worker initialiser: watch the parent, and import the driver's plug-in modules."""
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    _import_plugins(modules)


class ProcessExecutor(_Executor):
    """A pool of ``workers`` spawned local processes, created on first use and reused until closed.

    Plug-in modules that registered conditions, rates or programme types in this process are imported in
    each worker, so the workers see the same registries. At most two jobs per worker are in flight, so a
    caller that consumes results as they come (:meth:`each`) holds a bounded number of them.
    """

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = min(workers, cpus_available())
        self._pool: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_start_worker,
                initargs=(_plugin_modules(),),
            )
        return self._pool

    def each[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> Iterator[tuple[int, Result]]:
        """``fn`` over ``jobs`` in the pool (in this process when there is a single job)."""
        if len(jobs) <= 1:
            yield from SerialExecutor().each(fn, jobs, progress)
            return
        pool = self._ensure()
        pending = iter(enumerate(jobs))
        running: dict[Future, int] = {}

        def submit(n: int) -> None:
            for index, job in itertools.islice(pending, n):
                running[pool.submit(fn, job)] = index

        submit(2 * self.workers)
        complete, done = False, 0
        try:
            while running:
                finished, _ = concurrent.futures.wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=running.__getitem__):
                    index = running.pop(future)
                    result = future.result()
                    submit(1)
                    done += 1
                    if progress:
                        progress(done, len(jobs))
                    yield index, result
            complete = True
        finally:
            if not complete:  # interrupted or failed: stop the workers' jobs, drop the queued ones
                self._shutdown(wait=False)

    def close(self) -> None:
        """Shut the pool down."""
        self._shutdown(wait=True)

    def _shutdown(self, wait: bool) -> None:
        if self._pool is not None:
            if not wait:  # interrupted: jobs already handed to workers would otherwise run to their end
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.terminate()
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def _call_with_plugins[Job, Result](
    fn: Callable[[Job], Result], modules: tuple[str, ...], job: Job
) -> Result:
    """Run one job on a Dask worker after importing the driver's plug-in modules (a no-op once imported)."""
    _import_plugins(modules)
    return fn(job)


class DaskExecutor(_Executor):
    """Jobs on a Dask cluster: a window of futures in flight, explicit keys, retries on worker loss.

    Every job is a pure function of its arguments, so a job rerun after its worker died gives the same result
    and outputs do not depend on which worker ran what. ``workers`` is the cluster's thread count when
    connected (for the manifest).
    """

    def __init__(self, address: str | None = None, scheduler_file: str | None = None, retries: int = 3):
        from distributed import Client

        self._client = Client(address, scheduler_file=scheduler_file, set_as_default=False, timeout="10s")
        self.workers = max(sum(self._client.nthreads().values()), 1)
        self.retries = retries
        self._prefix = f"healthwork-{uuid.uuid4().hex}"  # unique to this driver on a shared scheduler
        self._batch = 0

    @property
    def client(self):
        """The Dask client, for a library that submits its own work to the cluster (pyabc's sampler)."""
        return self._client

    def each[Job, Result](
        self, fn: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress | None = None
    ) -> Iterator[tuple[int, Result]]:
        """``fn`` over ``jobs`` on the cluster, as they finish."""
        from distributed import as_completed as dask_completed

        self._batch += 1
        call = functools.partial(_call_with_plugins, fn, _plugin_modules())
        window = max(2 * self.workers, 1)
        pending = iter(enumerate(jobs))
        keys: dict[str, int] = {}
        submitted: list = []
        complete = False
        try:
            first = [
                self._submit(call, job, i, keys, submitted) for i, job in itertools.islice(pending, window)
            ]
            running = dask_completed(first, loop=self._client.loop)
            for done, future in enumerate(running, 1):
                result = future.result()
                future.release()
                for i, job in itertools.islice(pending, 1):
                    running.add(self._submit(call, job, i, keys, submitted))
                if progress:
                    progress(done, len(jobs))
                yield keys[future.key], result
            complete = True
        finally:
            if not complete:
                self._client.cancel([f for f in submitted if not f.done()])

    def _submit(self, call: Callable, job: Any, index: int, keys: dict[str, int], submitted: list):
        key = f"{self._prefix}-{self._batch}-{index}"
        keys[key] = index
        future = self._client.submit(call, job, key=key, pure=False, retries=self.retries)
        submitted.append(future)
        return future

    def close(self) -> None:
        """Disconnect from the cluster (it keeps running)."""
        self._client.close()


EXECUTORS = ("serial", "process", "dask")  # the kinds a command's --executor names


def make_executor(workers: int | None, kind: str | None = None) -> SerialExecutor | ProcessExecutor:
    """A local executor: ``kind`` "serial" or "process", else serial for one worker (or CPU), else a pool.

    A pool has at most one worker per CPU (:class:`ProcessExecutor` caps itself).
    """
    if kind == "process":
        return ProcessExecutor(max(workers or 1, 1))
    if kind == "serial" or min(workers or 1, cpus_available()) <= 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
