"""An ensemble's files as it runs: one Parquet file per (draw, replication), and long tables streamed out.

- :class:`RunStore`: ``runs/`` in the run's folder. ``runs/manifest.json`` (what the runs are of: the
  scenario's digest, draws, replications, seed and the code's digest) is written before any run; then each
  (draw, replication) is written as ``draw-DDDDD-replication-RRRRR.parquet`` the moment it finishes,
  atomically (temporary name, fsync, rename). A run killed with ``kill -9`` leaves only complete files, so
  ``--resume`` runs what is missing and the outputs, computed from these files either way, are
  byte-identical to an uninterrupted run's.
- :class:`TableFiles`: the long tables (``monthly``, ``programmes``, ``fiscal``) appended run by run, as
  Parquet (zstd, in row groups of :data:`ROW_GROUP` rows) or, with ``--format csv``, CSV; so the driver holds
  one run's rows at a time and peak memory does not grow with the number of runs.

A run file holds the replication's recorded arrays exactly (one row; a list column per array, its shape and
dtype in the schema's metadata): it is the checkpoint the tables are computed from, not a table to read.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.config.errors import InputError, Problem
from model.config.scenario import Scenario
from model.config.vocabulary import ARMS
from model.core.files import atomic_write, atomic_write_text, code_digest, package_versions
from model.core.recording import Counts
from model.engine import ReplicationResult
from model.experiments.ensemble import RunResult, run
from model.io.writers import write_csv
from model.programmes.services import ProgrammeRecord

RUNS = "runs"
FORMATS = ("parquet", "csv")  # --format: how the long tables are written
ROW_GROUP = 1 << 16  # rows per Parquet row group of a long table (bounds what is buffered)
COUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Counts) if not f.name.startswith("_"))
RUN_FORMAT = 4  # the layout of a run file's arrays: raised whenever a recorded array is added or changed
RUN_FILE = re.compile(r"^draw-(?P<draw>\d{5})-replication-(?P<replication>\d{5})\.parquet$")


def run_identity(scenario: Scenario, draws: int, plugins: Sequence[str] = ()) -> dict[str, object]:
    """What a run folder's results are of; a resumed run must match it exactly.

    The code is healthwork's own source and data (hashed), the packages results depend on (versions) and the
    plug-in modules loaded (names; their code is theirs to keep unchanged).
    """
    return {
        "format": RUN_FORMAT,
        "scenario_sha256": scenario.digest(),
        "draws": draws,
        "replications": scenario.replications,
        "seed": scenario.seed,
        "code_sha256": code_digest(),
        "packages": package_versions(),
        "plugins": sorted(plugins),
    }


MISMATCH = {  # identity key -> what differs, in the user's words
    "format": "an older layout of healthwork's run files",
    "scenario_sha256": "a different scenario (its file, --set or --replications differ)",
    "draws": "a different --draws",
    "replications": "a different number of replications",
    "seed": "a different seed",
    "code_sha256": "a different version of healthwork's code or data (files changed since)",
    "packages": "different package versions (Python, numpy, pandas, numba, pyarrow...)",
    "plugins": "different --plugin modules",
}


def encode(result: ReplicationResult) -> pa.Table:
    """A replication's arrays as a one-row table: a list column per array, shapes and dtypes in metadata."""
    arrays: dict[str, np.ndarray] = {}
    for arm in ARMS if result.scenario_simulated else ARMS[:1]:
        for field in COUNT_FIELDS:
            arrays[f"{arm}.{field}"] = getattr(result.counts[arm], field)
        if result.ledgers is not None:
            arrays[f"{arm}.ledger"] = result.ledgers[arm]
    if result.pathways is not None:
        arrays["pathways"] = result.pathways
    if result.programmes is not None:
        arrays["programmes.counts"] = result.programmes.counts
        arrays |= {f"programmes.distance.{k}": v for k, v in result.programmes.distance.items()}
    columns = {
        name: pa.ListArray.from_arrays(pa.array([0, a.size], pa.int32()), pa.array(a.ravel()))
        for name, a in arrays.items()
    }
    shapes = {name: [list(a.shape), a.dtype.str] for name, a in arrays.items()}
    meta = {"replication": result.replication, "scenario_simulated": result.scenario_simulated}
    table = pa.table(columns)
    return table.replace_schema_metadata({"healthwork": json.dumps({"arrays": shapes, **meta})})


def decode(table: pa.Table) -> ReplicationResult:
    """The replication a table from :func:`encode` holds, arrays exactly as recorded."""
    meta = json.loads(table.schema.metadata[b"healthwork"])
    arrays = {}
    for name, (shape, dtype) in meta["arrays"].items():
        flat = table.column(name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        arrays[name] = flat.astype(np.dtype(dtype), copy=False).reshape(shape)
    arms = ARMS if meta["scenario_simulated"] else ARMS[:1]
    counts = {arm: Counts(*(arrays[f"{arm}.{f}"] for f in COUNT_FIELDS)) for arm in arms}
    ledgers = {arm: arrays[f"{arm}.ledger"] for arm in arms} if f"{ARMS[0]}.ledger" in arrays else None
    if not meta["scenario_simulated"]:
        counts[ARMS[1]] = counts[ARMS[0]]
        ledgers = None if ledgers is None else {arm: ledgers[ARMS[0]] for arm in ARMS}
    programmes = None
    if "programmes.counts" in arrays:
        prefix = "programmes.distance."
        distance = {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
        programmes = ProgrammeRecord(arrays["programmes.counts"], distance)
    return ReplicationResult(
        meta["replication"], counts, meta["scenario_simulated"], programmes, ledgers, arrays.get("pathways")
    )


class RunStore:
    """The per-(draw, replication) results of one ensemble, in ``folder`` (the run folder's ``runs/``)."""

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def create(cls, folder: Path, identity: dict[str, object]) -> RunStore:
        """A new store: the manifest is written before any run."""
        folder.mkdir()
        atomic_write_text(folder / "manifest.json", json.dumps(identity, indent=2, sort_keys=True) + "\n")
        return cls(folder)

    @classmethod
    def reopen(cls, folder: Path, identity: dict[str, object], shown: Path) -> RunStore:
        """The store of an interrupted run, if it holds runs of exactly ``identity``; else a clear refusal.

        Temporary files a killed writer left are removed; complete run files are kept.
        """
        try:
            found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise _refused(f"{shown} holds no readable record of its runs; start it again") from None
        for key, value in identity.items():
            if found.get(key) != value:
                raise _refused(f"{shown} was started with {MISMATCH[key]}; this command cannot resume it")
        for leftover in folder.glob(".*.tmp-*"):
            leftover.unlink(missing_ok=True)
        return cls(folder)

    def path(self, draw: int, replication: int) -> Path:
        """The file of one (draw, replication)."""
        return self.folder / f"draw-{draw:05d}-replication-{replication:05d}.parquet"

    def done(self) -> set[tuple[int, int]]:
        """(draw, replication) pairs whose file is complete."""
        found = (RUN_FILE.match(p.name) for p in self.folder.iterdir())
        return {(int(m["draw"]), int(m["replication"])) for m in found if m}

    def put(self, draw: int, replication: int, result: ReplicationResult) -> None:
        """Write one run's results atomically."""
        table = encode(result)
        atomic_write(self.path(draw, replication), lambda tmp: pq.write_table(table, tmp, compression="zstd"))

    def get(self, draw: int, replication: int) -> ReplicationResult:
        """Read one run's results back."""
        return decode(pq.read_table(self.path(draw, replication)))


def _refused(text: str) -> InputError:
    return InputError([Problem("command line", "--resume", text)])


class TableFiles:
    """Long tables appended run by run into ``folder`` as ``NAME.parquet`` or ``NAME.csv`` (``fmt``).

    Parquet rows are buffered into row groups of :data:`ROW_GROUP` rows, a function of the rows alone, so the
    same rows give the same bytes however the run was split across workers or resumed.
    """

    def __init__(self, folder: Path, fmt: str):
        self.folder, self.fmt = folder, fmt
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._buffer: dict[str, list[pa.Table]] = {}
        self._csv: dict[str, IO[str]] = {}

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Append a run's rows to table ``name``."""
        if self.fmt == "csv":
            if name not in self._csv:
                self._csv[name] = (self.folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            handle = self._csv[name]
            write_csv(frame, handle, header=handle.tell() == 0)
            return
        writer = self._parquet.get(name)
        if writer is None:
            schema = pa.Schema.from_pandas(frame, preserve_index=False).remove_metadata()
            writer = self._parquet[name] = pq.ParquetWriter(
                self.folder / f"{name}.parquet", schema, compression="zstd", compression_level=9
            )
            self._buffer[name] = []
        buffer = self._buffer[name]
        buffer.append(pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=False))
        if sum(len(t) for t in buffer) >= ROW_GROUP:
            self._flush(name)

    def _flush(self, name: str) -> None:
        rows = pa.concat_tables(self._buffer[name]).combine_chunks()
        for start in range(0, len(rows) - len(rows) % ROW_GROUP, ROW_GROUP):
            self._parquet[name].write_table(rows.slice(start, ROW_GROUP), row_group_size=ROW_GROUP)
        rest = len(rows) % ROW_GROUP
        self._buffer[name] = [rows.slice(len(rows) - rest)] if rest else []

    def close(self) -> None:
        """Write what is buffered and close every file (idempotent)."""
        for name, writer in self._parquet.items():
            rows = self._buffer.pop(name, [])
            if rows:
                writer.write_table(pa.concat_tables(rows).combine_chunks(), row_group_size=ROW_GROUP)
            writer.close()
        for handle in self._csv.values():
            handle.close()
        self._parquet, self._csv = {}, {}

    def __enter__(self) -> TableFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DiscardTables:
    """A long-table sink that keeps nothing (recomputing a finished run's summaries from its run files)."""

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Drop the rows."""


def load_run(folder: Path) -> RunResult:
    """A finished run folder's results, recomputed from its manifest and per-run files (nothing simulated)."""

    def refused(text: str) -> InputError:
        return InputError([Problem("command line", "RUN", f"{folder}: {text}")])

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        identity = json.loads((folder / RUNS / "manifest.json").read_text(encoding="utf-8"))
    except OSError:
        raise refused("not a finished run folder with per-run files (made by healthwork run)") from None
    except ValueError:
        raise refused("its manifest cannot be read") from None
    if identity.get("format") != RUN_FORMAT:
        raise refused(f"its run files have {MISMATCH['format']}; run the scenario again with this version")
    scenario = Scenario.model_validate(manifest["scenario"])
    store = RunStore(folder / RUNS)
    wanted = scenario.replications * max(identity["draws"], 1)
    if len(store.done()) != wanted:
        raise refused(f"holds {len(store.done())} run files, not {wanted}")
    return run(scenario, store=store, tables=DiscardTables(), draws=identity["draws"])
