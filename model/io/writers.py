"""Writing results: every file goes into a hidden staging folder that is renamed into place at the end.

A run's folder therefore either exists complete or not at all; an existing folder is never overwritten. The
folder is claimed (locked, its staging created) before the command computes anything, so an unwritable or
busy ``--out`` is refused at once; staging folders and locks left by a killed process are removed by the next
run that writes beside them. Tables are written with a fixed float format so that identical results give
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from model.config.errors import InputError, Problem
from model.config.scenario import Scenario, month_index
from model.config.vocabulary import FIRST_RATES_YEAR
from model.core.files import atomic_write_text, git_revision, package_versions, sha256
from model.core.streams import STREAMS, programme_stream, stream_id
from model.experiments.ensemble import RunResult
from model.programmes.programme import DECISIONS
from model.programmes.types import extrapolations

FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: Path | IO[str], *, header: bool = True) -> None:
    """Write a table (or append rows to an open file) with the fixed float format and Unix line endings."""
    frame.to_csv(path, index=False, header=header, float_format=FLOAT_FORMAT, lineterminator="\n")


HOST = socket.gethostname()
# Beside an output folder NAME: the staging folder a process fills, and the lock naming who claimed NAME.
STAGING = re.compile(r"^\.(?P<name>.+)\.healthwork-partial-(?P<pid>\d+)@(?P<host>.+)$")
LOCK = re.compile(r"^\.(?P<name>.+)\.healthwork-lock$")  # contents: "<pid>@<host>"


def _lock_of(path: Path) -> Path:
    return path.parent / f".{path.name}.healthwork-lock"


def _staging_of(path: Path) -> Path:
    return path.parent / f".{path.name}.healthwork-partial-{os.getpid()}@{HOST}"


def check_output_dir(path: Path) -> str | None:
    """Why ``path`` cannot receive a run's outputs, or None."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return "already exists and is not empty; choose another --out (nothing is overwritten)"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _owner(lock: Path) -> tuple[int, str] | None:
    """(pid, host) written in a lock file, or None if it cannot be read."""
    try:
        pid, _, host = lock.read_text(encoding="utf-8").strip().partition("@")
        return int(pid), host
    except (OSError, ValueError):
        return None


def clean_stale(parent: Path) -> list[str]:
    """Remove healthwork's staging folders and locks in ``parent`` whose process, on this host, is gone.

    A run on another host sharing the folder is never touched. Returns what was removed, to be said.
    """
    removed = []
    try:
        entries = list(parent.iterdir()) if parent.is_dir() else []
    except OSError:
        return removed
    for entry in sorted(entries):
        staging, lock = STAGING.match(entry.name), LOCK.match(entry.name)
        owner = (int(staging["pid"]), staging["host"]) if staging else (_owner(entry) if lock else None)
        if owner is None or owner[1] != HOST or _alive(owner[0]):
            continue
        if staging and entry.is_dir():
            target = parent / staging["name"]
            if resumable(entry) and not (target / "manifest.json").is_file():
                removed.append(
                    f"kept {entry}: an interrupted run; finish it with --resume {target}, or delete it"
                )
                continue
            shutil.rmtree(entry, ignore_errors=True)  # its target completed since: it can no longer resume
        elif lock:
            entry.unlink(missing_ok=True)
        removed.append(f"removed {entry}, left by an interrupted run (process {owner[0]} is gone)")
    return removed


def resumable(staging: Path) -> bool:
    """Whether a staging folder holds an interrupted ensemble's per-run files (``runs/manifest.json``)."""
    return (staging / "runs" / "manifest.json").is_file()


def _refused(key: str, text: str) -> InputError:
    return InputError([Problem("command line", key, text)])


def timestamped(root: Path, now: dt.datetime) -> Iterator[Path]:
    """``root/<YYYYmmdd-HHMMSS>``, then the same with ``-2``, ``-3``... (at most 999 names)."""
    base = root / now.strftime("%Y%m%d-%H%M%S")
    for k in range(1, 1000):
        yield base if k == 1 else base.with_name(f"{base.name}-{k}")


def new_folder(root: Path, now: dt.datetime) -> Path:
    """Create and return a new ``root/<YYYYmmdd-HHMMSS>`` (with a numeric suffix if that one exists)."""
    root.mkdir(parents=True, exist_ok=True)
    for candidate in timestamped(root, now):
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise _refused("--out", f"no free output folder under {root}")


@dataclass
class OutputFolder:
    """An output folder claimed before any computing: its lock is held and its staging folder exists.

    Claiming checks that the folder can be written (so a bad ``--out`` fails in a second, not after the
    run), refuses a folder another healthwork process is writing to, and keeps two runs started in the same
    second from choosing the same default folder. Files are written to ``staging``, which is renamed to
    ``path`` when complete; :meth:`release` drops the lock and anything left in staging, unless the results
    could not be moved into place (``keep``), when staging stays for the user.
    """

    path: Path
    staging: Path
    lock: Path
    notices: list[str]
    keep: bool = False

    @classmethod
    def claim(cls, path: Path, *, key: str = "--out") -> OutputFolder:
        """Claim ``path``; raise :class:`InputError` naming ``key`` and the user's path if it cannot be."""
        parent = path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _refused(key, f"{path}: cannot be created ({err.strerror})") from None
        notices = clean_stale(parent)
        lock = _lock_of(path)
        try:
            with lock.open("x", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}@{HOST}\n")
        except FileExistsError:
            pid, host = _owner(lock) or ("?", "?")
            raise _refused(
                key,
                f"{path} is being written by another healthwork process (pid {pid} on {host}); wait for it "
                "to finish or choose another --out",
            ) from None
        except OSError as err:
            raise _refused(key, f"{path}: cannot be written ({err.strerror})") from None
        reason = check_output_dir(path)  # checked with the lock held: no run can complete it meanwhile
        if reason:
            lock.unlink(missing_ok=True)
            raise _refused(key, f"{path} {reason}")
        staging = _staging_of(path)
        try:
            staging.mkdir()
        except OSError as err:
            lock.unlink(missing_ok=True)
            raise _refused(key, f"{path}: cannot be written ({err.strerror})") from None
        return cls(path, staging, lock, notices)

    @classmethod
    def resume(cls, path: Path, check: Callable[[Path], object]) -> OutputFolder:
        """Claim ``path`` to finish the interrupted run whose staging folder lies beside it.

        The newest resumable staging folder of ``path`` left by a process that is gone (on this host) that
        ``check(its runs folder)`` accepts (raising :class:`InputError` otherwise, which leaves it
        untouched) is taken over: its per-run files stay, everything else in it is written again. The
        folder is kept if the resumed run fails too (``keep``). Older staging folders of ``path`` are removed
        by the next command once ``path`` is complete.
        """
        if (path / "manifest.json").is_file():
            raise _refused("--resume", f"{path} is complete; there is nothing to resume")
        candidates = []
        if path.parent.is_dir():
            for entry in path.parent.iterdir():
                found = STAGING.match(entry.name)
                if found and found["name"] == path.name and entry.is_dir() and resumable(entry):
                    if found["host"] != HOST or _alive(int(found["pid"])):
                        raise _refused(
                            "--resume",
                            f"{path} is still being written by process {found['pid']} on {found['host']}",
                        )
                    candidates.append(entry)
        if not candidates:
            raise _refused("--resume", f"{path}: no interrupted run found there (nothing to resume)")
        chosen, refusal = None, None
        for candidate in sorted(candidates, key=lambda p: (p / "runs").stat().st_mtime, reverse=True):
            try:
                check(candidate / "runs")
            except InputError as err:
                refusal = refusal or err  # the newest's reason, if none matches
                continue
            chosen = candidate
            break
        if chosen is None:
            raise refusal
        folder = cls.claim(path, key="--resume")
        folder.notices = [n for n in folder.notices if str(chosen) not in n]
        folder.staging.rmdir()
        chosen.rename(folder.staging)
        folder.keep = True
        for entry in folder.staging.iterdir():
            if entry.is_dir() and entry.name != "runs":
                shutil.rmtree(entry)
            elif not entry.is_dir():
                entry.unlink()
        return folder

    @classmethod
    def claim_default(cls, root: Path, slug: str, now: dt.datetime) -> OutputFolder:
        """Claim ``root/<slug>/<YYYYmmdd-HHMMSS>``, with a numeric suffix if that folder is taken."""
        for candidate in timestamped(root / slug, now):
            taken = _lock_of(candidate)
            if candidate.exists() or taken.exists():
                continue
            try:
                return cls.claim(candidate)
            except InputError:
                if candidate.exists() or taken.exists():
                    continue  # another run took it between the check and the claim
                raise
        raise _refused("--out", f"no free output folder under {root / slug}")

    def release(self) -> None:
        """Drop the lock and any staging left (idempotent); staging is kept when ``keep`` is set."""
        if not self.keep:
            shutil.rmtree(self.staging, ignore_errors=True)
        self.lock.unlink(missing_ok=True)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def write_folder(out: Path | OutputFolder, fill: Callable[[Path], dict[str, object]]) -> Path:
    """Complete ``out`` atomically: ``fill`` writes files into its staging folder and returns the manifest.

    If the finished results cannot be moved into place (someone wrote into the empty ``--out`` meanwhile,
    the disk went read-only), they are kept in the staging folder and the error says where.
    """
    folder = out if isinstance(out, OutputFolder) else OutputFolder.claim(out)
    try:
        manifest = fill(folder.staging)
        files = sorted(str(p.relative_to(folder.staging)) for p in folder.staging.rglob("*") if p.is_file())
        manifest["files_sha256"] = {f: sha256(folder.staging / f) for f in files}
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        atomic_write_text(folder.staging / "manifest.json", text)
        try:
            if folder.path.exists():
                folder.path.rmdir()  # empty when claimed
            folder.staging.rename(folder.path)
        except OSError as err:
            folder.keep = True
            raise OSError(
                f"the results could not be moved into {folder.path} ({err.strerror}); they are complete in "
                f"{folder.staging}"
            ) from None
    finally:
        folder.release()
    return folder.path


def write_run(
    result: RunResult,
    out: Path | OutputFolder,
    *,
    scenario_file: str,
    plot: Callable[[RunResult, Path], list[str]] | None = None,
    workbook: bool = False,
    identity: dict | None = None,
) -> Path:
    """Write a run's summary tables, ``brief.html``, plots (and ``workbook.xlsx``) and manifest atomically.

    The long tables and per-run files are already in the staging folder (:mod:`model.io.storage`);
    ``identity`` is the run's (its ``runs/manifest.json``), shown in the brief's appendix.
    """

    def fill(staging: Path) -> dict[str, object]:
        tables = {"summary.csv": result.summary}
        if result.distance is not None:
            tables["distance_travelled.csv"] = result.distance
        if result.value_for_money is not None and result.scenario.has_programmes():
            tables["value_for_money.csv"] = result.value_for_money  # all zero without programmes
        tables |= result.uncertainty or {}
        tables["parameters.csv"] = pd.DataFrame(result.scenario.resolved_parameters().as_records())
        for name, frame in tables.items():
            write_csv(frame, staging / name)
        if plot is not None:
            (staging / "plots").mkdir()
            plot(result, staging / "plots")
        from model.io.brief import write_brief  # jinja2 and matplotlib: imported when writing

        write_brief(result, staging, identity or {})
        if workbook:
            from model.io.workbook import write_workbook  # openpyxl: imported only when asked for

            write_workbook(result, staging / "workbook.xlsx", scenario_file)
        notes = [
            f"Economy: {result.scenario.economy.label()} (scenario keys economy.unemployment_path and "
            "economy.labour_demand)."
        ]
        if month_index(result.scenario.start) < FIRST_RATES_YEAR * 12 + 3:
            notes.append(
                "The scenario starts before 2024/25, the first tax year with published rates in the model: "
                "its fiscal ledger uses today's (2026/27) tax and benefit rules and prices for every month."
            )
        if result.draws:
            notes.append(
                f"{result.draws} parameter draws of {result.scenario.replications} replication(s) each: "
                f"replication k in the tables is draw k // {result.scenario.replications}; intervals cover "
                "parameter and stochastic uncertainty; draws.csv holds each draw's values."
            )
        if not result.scenario_simulated:
            notes.append(
                "The scenario has no programmes, so its arm is identical to the counterfactual by "
                "construction (same population, same random streams) and was copied, not simulated again."
            )
        return build_manifest(
            result.scenario,
            scenario_file,
            workers=result.workers,
            started=result.started,
            finished=result.finished,
            notes=notes,
        )

    return write_folder(out, fill)


def write_tables(
    frames: dict[str, pd.DataFrame],
    out: Path | OutputFolder,
    *,
    scenario: Scenario,
    scenario_file: str,
    started: dt.datetime,
    workers: int | None = None,
    notes: Sequence[str] = (),
    plot: Callable[[Path], list[str]] | None = None,
    extra: Callable[[Path], object] | None = None,
) -> Path:
    """Write tables (by file name), optional plots (``plot(folder)``) and a manifest to ``out`` atomically.

    ``extra(folder)`` writes any other file (a brief). ``started`` is when the command began computing; the
    manifest's finish time is now. Returns the folder.
    """

    def fill(staging: Path) -> dict[str, object]:
        for name, frame in frames.items():
            write_csv(frame, staging / name)
        if extra is not None:
            extra(staging)
        if plot is not None:
            (staging / "plots").mkdir()
            plot(staging / "plots")
        return build_manifest(
            scenario,
            scenario_file,
            workers=workers,
            started=started,
            finished=dt.datetime.now(dt.UTC),
            notes=list(notes),
        )

    return write_folder(out, fill)


def stream_ids(scenario: Scenario) -> dict[str, int]:
    """Every declared random stream and every stream of the scenario's programmes, with its id, by name."""
    names = [*STREAMS.names(), *(programme_stream(p.name, d) for p in scenario.programmes for d in DECISIONS)]
    return {name: stream_id(name) for name in sorted(names)}


def build_manifest(
    scenario: Scenario,
    scenario_file: str,
    *,
    workers: int | None,
    started: dt.datetime,
    finished: dt.datetime,
    notes: list[str],
) -> dict[str, object]:
    """What a reader needs to reproduce and trust a run (file checksums are added when written)."""
    return {
        "healthwork": package_versions()["healthwork"],
        "scenario_file": scenario_file,
        "scenario": scenario.canonical(),
        "scenario_sha256": scenario.digest(),
        "parameter_overrides": dict(scenario.parameters),
        "seeds": {
            "seed": scenario.seed,
            "replications": scenario.replications,
            "parameter_draws": "PCG64(SeedSequence(seed, spawn_key=(draw, stream_id('parameters.draw'), "
            "stream_id(path)))): one uniform number per draw and parameter",
            "scheme": "PCG64(SeedSequence(seed, spawn_key=(draw, replication, stream_id, month + 1000)))",
            "stream_id": "first 8 bytes (little-endian, >> 1) of the SHA-256 of the stream's name",
            "streams": stream_ids(scenario),
        },
        "workers": workers,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "command": sys.argv,
        "packages": package_versions(),
        "git": git_revision(),
        "notes": notes,
        "extrapolation_warnings": extrapolations(scenario),
    }
