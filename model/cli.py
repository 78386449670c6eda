"""The ``healthwork`` command.

Exit codes: 0 success; 2 bad input (each problem on its own line: file, key, reason); 1 any other failure
(one line; set HEALTHWORK_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

from model.config.errors import InputError, Problem, did_you_mean, shown
from model.config.vocabulary import FIRST_RATES_YEAR, LAST_RATES_YEAR, UPRATING_HORIZON, year_label

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
WORKERS_HELP = "local processes (default and most: the CPUs available)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 with usage; keep that, one clear line
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _factor(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text!r}")
    return value


def _scenario_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that reads a scenario takes."""
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key or parameter by dotted path (repeatable)",
    )
    parser.add_argument(
        "--plugin",
        dest="plugins",
        action="append",
        default=[],
        metavar="MODULE",
        help="import a Python module that registers programme types or conditions (repeatable)",
    )


def _executor_options(parser: argparse.ArgumentParser) -> None:
    """Where a command's jobs run."""
    from model.experiments.executors import EXECUTORS

    parser.add_argument("--workers", type=_positive, help=WORKERS_HELP)
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        help="serial (this process), process (a local pool; the default with more than one worker) or dask",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask: the scheduler's address, tcp://host:port"
    )
    where.add_argument("--scheduler-file", type=Path, metavar="FILE", help="dask: the scheduler's file")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="healthwork", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario's ensemble and write its outputs")
    run.add_argument(
        "scenario",
        nargs="+",
        help="scenario YAML file; several: each run against the same counterfactual, then compared",
    )
    folder = run.add_mutually_exclusive_group()
    folder.add_argument("--out", type=Path, help="output folder (default outputs/<name>/<timestamp>)")
    folder.add_argument(
        "--resume",
        type=Path,
        metavar="DIR",
        help="finish an interrupted run whose --out was DIR (same scenario and options): only missing runs",
    )
    run.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="long tables (monthly, programmes, fiscal) as Parquet (default) or CSV",
    )
    run.add_argument("--replications", type=_positive, help="override the scenario's replications")
    run.add_argument("--seed", type=_non_negative, help="override the scenario's seed")
    run.add_argument(
        "--draws",
        type=_non_negative,
        default=0,
        help="parameter draws from the parameters' distributions, each run with the replications (default 0)",
    )
    _executor_options(run)
    _scenario_options(run)
    run.add_argument("--no-plots", action="store_true", help="skip the plots")
    run.add_argument("--xlsx", action="store_true", help="also write workbook.xlsx (formatted sheets)")
    run.add_argument(
        "--pathways",
        action="store_true",
        help="split each programme's effect by pathway (3 more arms per programme; as --set pathways=true)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = sub.add_parser(
        "compare",
        help="compare finished runs that share a counterfactual: headline impacts, paired differences",
    )
    compare.add_argument(
        "runs", nargs="+", type=Path, metavar="RUN", help="run folders (the first is the reference)"
    )
    compare.add_argument("--out", type=Path, help="output folder (default outputs/compare/<timestamp>)")

    brief = sub.add_parser("brief", help="re-render a finished run's brief.html from its files")
    brief.add_argument("run", type=Path, metavar="RUN_DIR", help="a run folder made by healthwork run")

    dashboard = sub.add_parser("dashboard", help="try a scenario in the browser (the dashboard extra)")
    dashboard.add_argument(
        "scenario", nargs="?", default="scenarios/lcr_ips_expansion.yaml", help="scenario YAML to start from"
    )
    dashboard.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    dashboard.add_argument("--port", type=_positive, default=8765, help="port to serve on (default 8765)")
    dashboard.set_defaults(sets=[], plugins=[])

    validate = sub.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("scenario", help="scenario YAML file")
    _scenario_options(validate)

    calibrate = sub.add_parser("calibrate", help="fit the baseline to published flows and rates")
    calibrate.add_argument("--sample", type=_positive, default=200_000, help="residents per evaluation")
    calibrate.add_argument("--seed", type=_non_negative, default=20_130_601)
    calibrate.add_argument("--horizon", type=_positive, default=120, help="months per evaluation")
    _executor_options(calibrate)
    where = calibrate.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        type=Path,
        help="folder for the fitted values and report (default outputs/calibration/<timestamp>)",
    )
    where.add_argument(
        "--install",
        action="store_true",
        help="write over the package's fitted values and calibration/fit_report.csv (unchanged files are "
        "left untouched)",
    )
    calibrate.add_argument(
        "--stage",
        dest="stages",
        action="append",
        choices=("national", "areas", "ips", "households", "economy"),
        help="stage to run (repeatable; default all): national flows and disability, "
        "area factors, IPS effects, households, response to a national unemployment path",
    )
    calibrate.add_argument(
        "--method",
        choices=("solve", "abc"),
        default="solve",
        help="solve (default): the deterministic fit of the defaults; abc: ABC-SMC for a posterior (pyabc)",
    )
    abc = calibrate.add_argument_group("abc (with --method abc)")
    abc.add_argument("--problem", help="what to calibrate (default ips; an unknown name lists the problems)")
    abc.add_argument("--name", help="the posterior's name (default: the problem's)")
    abc.add_argument("--particles", type=_positive, help="particles per generation (default 100)")
    abc.add_argument(
        "--generations", type=_positive, help="generations, the last at temperature 1 (default 6)"
    )
    abc.add_argument(
        "--resume", dest="resume_abc", action="store_true", help="continue the named calibration's history"
    )
    abc.add_argument("--draws", type=_positive, help="equal-weight posterior draws to keep (default 1000)")
    abc.add_argument(
        "--se-scale",
        type=_factor,
        help="multiply every target's standard error (a sensitivity run; default 1)",
    )
    abc.add_argument("--pilot", type=Path, help="a pilot's outcomes (calibration/targets/pilot_template.csv)")
    abc.add_argument("--scenario", type=Path, help="with --pilot: the scenario holding the pilot's programme")
    abc.add_argument("--programme", help="with --pilot: the programme whose effects the pilot updates")
    abc.add_argument(
        "--predictive",
        type=_positive,
        help="posterior predictive simulations for the diagnostics (default 20)",
    )

    trial = sub.add_parser("trial", help="emulate a randomised trial of one of the scenario's programmes")
    trial.add_argument("scenario", help="scenario YAML file")
    trial.add_argument("--programme", required=True, help="name of the programme to trial")
    trial.add_argument("--months", type=_positive, default=18, help="follow-up months (default 18)")
    trial.add_argument(
        "--cohort",
        type=_positive,
        help="residents randomised per replication (default: every eligible resident)",
    )
    trial.add_argument("--out", type=Path, help="output folder (default outputs/<name>-trial/<timestamp>)")
    trial.add_argument("--replications", type=_positive, help="override the scenario's replications")
    trial.add_argument("--seed", type=_non_negative, help="override the scenario's seed")
    _executor_options(trial)
    _scenario_options(trial)

    sens = sub.add_parser(
        "sensitivity", help="sensitivity of a scenario to its assumptions: one at a time, Morris or Sobol'"
    )
    sens.add_argument("scenario", help="scenario YAML file")
    sens.add_argument(
        "--method",
        choices=("oat", "morris", "sobol"),
        default="oat",
        help="one at a time (default), Morris screening or Sobol' indices (SALib)",
    )
    sens.add_argument(
        "--parameter",
        dest="parameters",
        action="append",
        default=[],
        metavar="PATH",
        help="parameter to vary (repeatable)",
    )
    sens.add_argument("--params", metavar="A,B", help="parameters to vary, comma-separated")
    sens.add_argument(
        "--all",
        action="store_true",
        help="every uncertain parameter (a distribution that is not fixed; the default when none is named)",
    )
    sens.add_argument(
        "--samples",
        type=_positive,
        help="morris: trajectories (default 10); sobol: base sample, a power of two (default 64)",
    )
    sens.add_argument("--levels", type=_positive, default=4, help="morris: grid levels (default 4)")
    sens.add_argument("--second-order", action="store_true", help="sobol: also second-order indices' rows")
    sens.add_argument(
        "--outputs",
        metavar="METRIC,...",
        help="morris/sobol: summary metrics analysed (default: NPV and additional job starts with "
        "programmes, else employment and inactivity rates)",
    )
    sens.add_argument("--low", type=_factor, default=0.5, help="low setting as a multiple of the value")
    sens.add_argument("--high", type=_factor, default=2.0, help="high setting as a multiple of the value")
    sens.add_argument(
        "--out", type=Path, help="output folder (default outputs/<name>-sensitivity/<timestamp>)"
    )
    sens.add_argument("--replications", type=_positive, help="override the scenario's replications")
    sens.add_argument("--seed", type=_non_negative, help="override the scenario's seed")
    _executor_options(sens)
    _scenario_options(sens)

    vow = sub.add_parser(
        "value-of-work", help="annual fiscal value of one person moving from benefits into work"
    )
    vow.add_argument("--area", help="one area (default: every area)")
    vow.add_argument(
        "--tax-year",
        default="2026/27",
        help=f"tax year, {year_label(FIRST_RATES_YEAR)} to {year_label(UPRATING_HORIZON)} (default 2026/27)",
    )
    vow.add_argument("--hours", type=float, help="weekly hours (default: full time)")
    vow.add_argument("--lcwra", action="store_true", help="a claimant with the LCWRA (health) element")
    vow.add_argument(
        "--household",
        choices=("single-renter", "single-owner", "couple-one-earner", "lone-parent"),
        default="single-renter",
        help="the claimant's household (default single-renter)",
    )
    vow.add_argument(
        "--tenure",
        choices=("social", "private", "owner"),
        help="renting households: social or private (default private); owner only for single-owner",
    )
    vow.add_argument("--age", type=int, default=30, help="the claimant's age (default 30)")
    vow.add_argument("--children", type=int, help="dependent children (default 2 for lone-parent, else 0)")
    vow.add_argument("--band", choices=("A", "B", "C"), default="A", help="council tax band (default A)")
    vow.add_argument(
        "--pay",
        choices=("typical", "minimum"),
        default="typical",
        help="the area's typical entry pay (default) or the minimum wage for the age",
    )

    params = sub.add_parser("parameters", help="list parameters with their values and sources")
    params.add_argument("pattern", nargs="?", default="", help="only paths containing this text")
    return parser


class _Progress:
    """A tqdm bar fed with (done, total); silent when asked or when stderr is not a terminal."""

    def __init__(self, what: str, quiet: bool = False):
        self.what, self.quiet, self.bar = what, quiet or not sys.stderr.isatty(), None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=self.what, file=sys.stderr, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)
        if done == total:
            self.bar.close()


def _executor(args: argparse.Namespace, jobs: int):
    """The command's one executor: ``--executor``, or serial for one worker and a local pool for more.

    Local workers are capped at the CPUs available (more only compete for them and take memory), and at the
    jobs; a Dask cluster decides its own.
    """
    from model.experiments.executors import cpus_available, make_executor

    kind = getattr(args, "executor", None)
    dask_given = getattr(args, "scheduler", None) or getattr(args, "scheduler_file", None)
    if dask_given and kind != "dask":
        raise InputError([Problem("command line", "--scheduler", "needs --executor dask")])
    if kind == "dask":
        return _dask_executor(args)
    available = cpus_available()
    asked = getattr(args, "workers", None)
    if asked is not None and asked > available and kind != "serial":
        print(f"healthwork: --workers {asked}: using {available}, the CPUs available", file=sys.stderr)
    return make_executor(min(asked or available, max(jobs, 1)), kind)


def _dask_executor(args: argparse.Namespace):
    """Connect to the Dask scheduler named on the command line (exit 2 when it cannot be)."""
    if not (args.scheduler or args.scheduler_file):
        raise InputError(
            [Problem("command line", "--executor", "dask needs --scheduler ADDRESS or --scheduler-file FILE")]
        )
    from model.experiments.executors import DaskExecutor

    try:
        return DaskExecutor(args.scheduler, None if args.scheduler_file is None else str(args.scheduler_file))
    except ImportError:
        reason = "needs the dask extra: pip install 'healthwork[dask]' (dask.distributed is not installed)"
        raise InputError([Problem("command line", "--executor", reason)]) from None
    except (OSError, TimeoutError, ValueError) as err:
        where = args.scheduler or args.scheduler_file
        raise InputError(
            [Problem("command line", "--scheduler", f"cannot reach the Dask scheduler at {where}: {err}")]
        ) from None


def _load(args: argparse.Namespace):
    import importlib

    from model.config.loading import load_scenario

    for name in args.plugins:
        try:
            importlib.import_module(name)
        except Exception as err:  # a plug-in that cannot be imported is bad input, said in one line
            raise InputError(
                [Problem("command line", "--plugin", f"cannot import {name!r}: {err}")]
            ) from None
    sets = list(args.sets)
    if getattr(args, "replications", None) is not None:
        sets.append(f"replications={args.replications}")
    if getattr(args, "seed", None) is not None:
        sets.append(f"seed={args.seed}")
    if getattr(args, "pathways", False):
        sets.append("pathways=true")
    scenario = load_scenario(args.scenario, sets)
    from model.programmes.types import extrapolations

    for line in extrapolations(scenario):  # it runs; the outputs' manifest says the same
        print(f"healthwork: warning: {line}", file=sys.stderr)
    return scenario


def _claim_output(args: argparse.Namespace, name: str, resume_check=None):
    """Claim the output folder before computing anything.

    With ``--resume`` the stopped run that ``resume_check`` accepts (:meth:`OutputFolder.resume`), else
    ``--out``, else a new ``outputs/<name>/<timestamp>``.
    """
    from model.io.writers import OutputFolder

    if getattr(args, "resume", None) is not None:
        folder = OutputFolder.resume(args.resume, resume_check)
    elif args.out is not None:
        folder = OutputFolder.claim(args.out)
    else:
        folder = OutputFolder.claim_default(Path("outputs"), name, dt.datetime.now())
    for notice in folder.notices:
        print(f"healthwork: {notice}", file=sys.stderr)
    return folder


class _KeptPartial(Exception):
    """A long command was interrupted and wrote what had finished (exit 130)."""


def _table_command(args: argparse.Namespace, scenario, suffix: str, name: str, compute, plot=None):
    """Claim the output folder, ``compute(executor)`` its tables, write them; return (tables, folder).

    ``compute`` returns one table (written as ``name``) or tables by file name; ``plot(tables, folder)``
    draws into the run's plots folder. Ctrl-C keeps what finished (:class:`PartialResult`): written with a
    note, marked incomplete.
    """
    from model.experiments.executors import PartialResult
    from model.io import writers

    started = dt.datetime.now(dt.UTC)
    write = functools.partial(
        writers.write_tables, scenario=scenario, scenario_file=args.scenario, started=started
    )
    with _claim_output(args, scenario.slug() + suffix) as folder:
        try:
            with _executor(args, scenario.replications) as executor:
                tables = compute(executor)
        except PartialResult as stop:
            if stop.table is None:
                raise KeyboardInterrupt from None
            note = (
                f"Interrupted (Ctrl-C) after {stop.done} of {stop.total} {stop.what}: {name} holds the "
                f"finished {stop.what} only."
            )
            written = write({name: stop.table}, folder, notes=[note])
            print(
                f"healthwork: interrupted; kept {stop.done} of {stop.total} {stop.what} in {written}/",
                file=sys.stderr,
            )
            print(written)
            raise _KeptPartial from None
        tables = tables if isinstance(tables, dict) else {name: tables}
        return tables, write(tables, folder, plot=plot and functools.partial(plot, tables))


def cmd_run(args: argparse.Namespace) -> int:
    """``healthwork run SCENARIO``; ``run A.yaml B.yaml ...`` runs a set and compares it (``_run_set``)."""
    files = args.scenario
    if len(files) > 1:
        return _run_set(args)
    args.scenario = files[0]
    _run_one(args, _load(args))
    return 0


def _run_set(args: argparse.Namespace) -> int:
    """Each scenario of a set against one counterfactual, into OUT/<name>/, then compared in OUT/compare/.

    The scenarios must share what makes the counterfactual (checked before anything runs, and again on the
    results); OUT is ``--out`` or a new ``outputs/set/<timestamp>``.
    """
    from model.experiments.comparison import check_same_counterfactual
    from model.io.writers import new_folder

    if args.resume is not None:
        raise InputError(
            [
                Problem(
                    "command line", "--resume", "takes one scenario: resume each stopped run of a set alone"
                )
            ]
        )
    files = list(args.scenario)
    scenarios = [_load(argparse.Namespace(**(vars(args) | {"scenario": f}))) for f in files]
    check_same_counterfactual(files, scenarios)
    slugs = [s.slug() for s in scenarios]
    for i, name in enumerate(slugs):
        if name in slugs[:i] or name == "compare":
            reason = (
                f"{files[i]} would write {name}/ as {files[slugs.index(name)]} does"
                if name != "compare"
                else (f"{files[i]}'s name would write compare/, where the comparison goes")
            )
            raise InputError(
                [Problem("command line", "SCENARIO", f"{reason}: give the scenarios distinct names")]
            )
    if args.out is not None:
        taken = [n for n in (*slugs, "compare") if (args.out / n).exists() and any((args.out / n).iterdir())]
        if taken:
            reason = f"{args.out / taken[0]} is not empty: give another --out (nothing was run)"
            raise InputError([Problem("command line", "--out", reason)])
        args.out.mkdir(parents=True, exist_ok=True)
    base = args.out or new_folder(Path("outputs") / "set", dt.datetime.now())
    folders = [base / name for name in slugs]
    for k, (f, scenario, folder) in enumerate(zip(files, scenarios, folders, strict=True)):
        try:
            _run_one(argparse.Namespace(**(vars(args) | {"scenario": f, "out": folder})), scenario)
        except BaseException:
            if k:  # say how to finish from what is done
                rest = " ".join(
                    f"healthwork run {g} --out {d}" for g, d in zip(files[k:], folders[k:], strict=True)
                )
                done = " ".join(str(d) for d in folders)
                print(f"healthwork: the set stopped at {f}; finish with: {rest}; then healthwork compare "
                      f"{done} --out {base / 'compare'}", file=sys.stderr)  # fmt: skip
            raise
    _compare(folders, base / "compare")
    return 0


def _run_one(args: argparse.Namespace, scenario) -> None:
    """One scenario's run: kept one file per run as they finish, tables streamed, then the summaries."""
    from model.experiments import ensemble
    from model.io import plots, storage, writers

    identity = storage.run_identity(scenario, args.draws, args.plugins)
    reopen = functools.partial(storage.RunStore.reopen, identity=identity, shown=args.resume)
    with _claim_output(args, scenario.slug(), reopen) as folder:
        runs = folder.staging / storage.RUNS
        if args.resume is not None:
            store = reopen(runs)
            total = scenario.replications * max(args.draws, 1)
            print(f"Resuming {args.resume}: {len(store.done())} of {total} runs are kept", file=sys.stderr)
        else:
            store = storage.RunStore.create(runs, identity)
            folder.keep = True  # from now on the finished runs are kept for --resume if the run stops
        print(
            f"Running {scenario.name}: "
            + (f"{args.draws} parameter draws x " if args.draws else "")
            + f"{scenario.replications} replication(s), {scenario.horizon_months} "
            f"months, areas {', '.join(scenario.population.areas)} at scale {scenario.population.scale:g}",
            file=sys.stderr,
        )
        resume = f"healthwork run {args.scenario} ... --resume {folder.path}"
        try:
            with (
                _executor(args, scenario.replications * max(args.draws, 1)) as executor,
                storage.TableFiles(folder.staging, args.format) as tables,
            ):
                result = ensemble.run(
                    scenario,
                    executor=executor,
                    progress=_Progress("replication", args.quiet),
                    draws=args.draws,
                    store=store,
                    tables=tables,
                )
            written = writers.write_run(
                result,
                folder,
                scenario_file=args.scenario,
                plot=None if args.no_plots else plots.plot_run,
                workbook=args.xlsx,
                identity=identity,
            )
        except InputError:
            if args.resume is None:
                folder.keep = False  # a new run refused for its input: the same input would fail again
            raise
        except KeyboardInterrupt:
            done = len(store.done())
            print(
                f"healthwork: interrupted; {done} finished runs are kept: finish them with {resume}",
                file=sys.stderr,
            )
            raise _KeptPartial from None
        except Exception:
            if store.done():
                print(f"healthwork: {len(store.done())} finished runs are kept: finish them with {resume}",
                      file=sys.stderr)  # fmt: skip
            raise
    seconds = (result.finished - result.started).total_seconds()
    print(f"Done in {seconds:.1f} s. Outputs in {written}/", file=sys.stderr)
    _brief_message(result, written)
    print(written)


def _brief_message(result, folder: Path) -> None:
    """Where the brief is, and its three headline numbers (on standard error)."""
    from model.io.brief import headline_numbers

    print(f"Brief: {folder / 'brief.html'}", file=sys.stderr)
    for line in headline_numbers(result):
        print(f"  {line}", file=sys.stderr)


def cmd_brief(args: argparse.Namespace) -> int:
    """``healthwork brief RUN_DIR``: the brief re-rendered from the run's files (nothing simulated)."""
    from model.io import brief, storage

    result = storage.load_run(args.run)
    identity = json.loads((args.run / storage.RUNS / "manifest.json").read_text(encoding="utf-8"))
    path = brief.write_brief(result, args.run, identity)
    _brief_message(result, args.run)
    print(path)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``healthwork compare``: recomputed from the runs' files, so nothing is simulated again."""
    if len(args.runs) < 2:
        raise InputError([Problem("command line", "RUN", "give at least two run folders to compare")])
    _compare(args.runs, args.out)
    return 0


def _compare(runs: list[Path], out: Path | None) -> None:
    """Compare finished runs into ``out`` (or ``outputs/compare/<timestamp>``): compare.csv, brief.html."""
    from model.experiments.comparison import compare
    from model.io import brief, storage, writers

    started = dt.datetime.now(dt.UTC)
    names = [str(run) for run in runs]
    results = [storage.load_run(run) for run in runs]
    table = compare(names, results)
    with _claim_output(argparse.Namespace(out=out), "compare") as folder:
        written = writers.write_tables(
            {"compare.csv": table},
            folder,
            scenario=results[0].scenario,
            scenario_file=names[0],
            started=started,
            notes=[f"Compared with {names[0]} (the reference): {', '.join(names[1:])}."],
            extra=lambda staging: brief.write_comparison(names, results, table, staging),
        )
    shown = table.assign(**{c: table[c].map(lambda v: f"{v:,.4g}") for c in ("mean", "p05", "p95")})
    print(
        shown[["metric", "run", "mean", "p05", "p95", "share_better"]].to_string(index=False), file=sys.stderr
    )
    print(f"Brief of the differences: {written / 'brief.html'}", file=sys.stderr)
    print(written)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """``healthwork dashboard``: the scenario checked here, then Solara serving :mod:`model.io.dashboard`.

    Served offline (Solara's assets are installed with it), without its telemetry or version check.
    """
    import importlib.util
    import subprocess

    _load(args)  # a bad scenario is said here, in one line, before any server starts
    if importlib.util.find_spec("solara") is None:
        raise InputError(
            [Problem("command line", "dashboard", "needs the dashboard extra: pip install -e '.[dashboard]'")]
        )
    env = os.environ | {
        "HEALTHWORK_DASHBOARD_SCENARIO": str(Path(args.scenario).resolve()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    command = [sys.executable, "-m", "solara", "run", "model.io.dashboard", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open", "--no-check-version"]  # fmt: skip
    print(f"healthwork dashboard: http://{args.host}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)
    return subprocess.call(command, env=env)


def cmd_validate(args: argparse.Namespace) -> int:
    """``healthwork validate``."""
    import yaml

    scenario = _load(args)
    print(
        f"{args.scenario}: valid ({scenario.name}; {len(scenario.population.areas)} area(s), "
        f"{scenario.horizon_months} months, {scenario.replications} replication(s)). As resolved, after "
        "extends: and --set (programme settings left out take their type's defaults):"
    )
    print(yaml.safe_dump(scenario.canonical(), sort_keys=False, allow_unicode=True), end="")
    return 0


ABC_ONLY = (
    "problem", "name", "particles", "generations", "resume_abc", "draws", "predictive", "pilot", "scenario",
    "programme", "se_scale",
)  # fmt: skip


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``healthwork calibrate``: into a claimed output folder, or with ``--install`` over the package's."""
    if args.method == "abc":
        return _calibrate_abc(args)
    given = [name for name in ABC_ONLY if getattr(args, name) not in (None, False)]
    if given:
        flag = "--" + given[0].replace("resume_abc", "resume").replace("_", "-")
        raise InputError([Problem("command line", flag, "applies to --method abc only")])
    from model.core.files import git_revision, package_versions
    from model.experiments.calibration import STAGES, calibrate
    from model.io import writers

    def fit(out: Path | None, shown_as: Path | None = None) -> None:
        def log(text: str) -> None:  # name the folder the user asked for, not its staging folder
            print(text.replace(str(out), str(shown_as)) if shown_as is not None else text)

        with _executor(args, len(STAGES) * 8) as executor:
            calibrate(
                stages=args.stages or STAGES,
                sample=args.sample,
                seed=args.seed,
                horizon=args.horizon,
                executor=executor,
                progress=_Progress("area", False),
                out=out,
                log=log,
            )

    if args.install:
        fit(None)
        return 0
    started = dt.datetime.now(dt.UTC)
    folder = _claim_output(args, "calibration")

    def fill(staging: Path) -> dict[str, object]:
        fit(staging, folder.path)
        return {
            "command": sys.argv,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "packages": package_versions(),
            "git": git_revision(),
        }

    with folder:
        written = writers.write_folder(folder, fill)
    print(written)
    return 0


def _abc_problem(args: argparse.Namespace):
    """The registered problem named by ``--problem``, or a pilot's (``--pilot --scenario --programme``)."""
    from model.config.loading import load_scenario
    from model.experiments import abc

    pilot = (args.pilot, args.scenario, args.programme)
    if any(x is not None for x in pilot):
        for flag, value in zip(("--pilot", "--scenario", "--programme"), pilot, strict=True):
            if value is None:
                raise InputError(
                    [Problem("command line", flag, "a pilot needs --pilot, --scenario and --programme")]
                )
        if args.problem:
            raise InputError([Problem("command line", "--problem", "give --problem or --pilot, not both")])
        return abc.pilot_problem(args.pilot, load_scenario(args.scenario), args.programme)
    name = args.problem or "ips"
    if name not in abc.PROBLEMS:
        reason = f"unknown problem {name!r}" + did_you_mean(name, list(abc.PROBLEMS))
        reason += f"; problems: {', '.join(abc.PROBLEMS)}"
        raise InputError([Problem("command line", "--problem", reason)])
    return abc.PROBLEMS[name]()


def _resume_command(args: argparse.Namespace, name: str, generations: int, particles: int) -> str:
    """The command that continues this calibration's history (every setting it was run with, quoted)."""
    import shlex

    if args.pilot is not None:
        problem = ["--pilot", args.pilot, "--scenario", args.scenario, "--programme", args.programme]
    else:
        problem = ["--problem", args.problem or "ips"]
    words = [
        "healthwork", "calibrate", "--method", "abc", *problem, "--name", name, "--resume",
        "--generations", generations, "--particles", particles, "--seed", args.seed,
        *(["--se-scale", args.se_scale] if args.se_scale else []), *(["--out", args.out] if args.out else []),
    ]  # fmt: skip
    return shlex.join(map(str, words))


def _calibrate_abc(args: argparse.Namespace) -> int:
    """``healthwork calibrate --method abc``: a posterior in ``calibration/posteriors/`` (or ``--out``)."""
    import logging

    import pandas as pd

    from model.experiments import abc

    for flag, name in (("--stage", "stages"), ("--install", "install")):
        if getattr(args, name):
            raise InputError([Problem("command line", flag, "applies to --method solve only")])
    if args.seed >= 2**32:
        raise InputError(
            [Problem("command line", "--seed", f"must be below 2^32 for pyabc, got {args.seed}")]
        )
    problem = abc.with_standard_errors_scaled(_abc_problem(args), args.se_scale or 1.0)
    name = args.name or problem.name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InputError(
            [Problem("command line", "--name", f"{name!r}: letters, digits, '_', '.' and '-' only")]
        )
    folder = args.out or abc.POSTERIORS
    generations, particles = args.generations or 6, args.particles or 100  # the documented defaults
    try:
        import pyabc  # noqa: F401  (the abc extra)
    except ImportError:
        raise InputError(
            [Problem("command line", "--method", "abc needs pyabc: pip install -e '.[abc]'")]
        ) from None
    for logger in [n for n in logging.root.manager.loggerDict if n.startswith("ABC")]:
        logging.getLogger(logger).setLevel(logging.WARNING)  # pyabc's per-generation chatter
    histories_in = folder / name  # history.db, or a folder per part
    print(
        f"ABC-SMC {problem.name}: {particles} particles, {generations} generations, history in {histories_in}"
    )
    with _executor(args, particles) as executor:
        try:
            histories = abc.run_all(
                problem,
                histories_in,
                particles=particles,
                generations=generations,
                executor=executor,
                resume=args.resume_abc,
                seed=args.seed,
            )
        except KeyboardInterrupt:
            print(
                f"Interrupted (Ctrl-C): {histories_in} keeps every finished generation. Continue with: "
                + _resume_command(args, name, generations, particles),
                file=sys.stderr,
            )
            return 130
        temperature = abc.joint_summary(histories, problem)["final_temperature"]
        if temperature > 1:
            reason = (
                f"the last generation is at temperature {temperature:g}, not 1, so it is not the posterior; "
                f"continue with: {_resume_command(args, name, generations + 2, particles)}"
            )
            raise InputError([Problem("command line", "--generations", reason)])
        parquet, manifest = abc.freeze(
            histories, problem, name, folder, draws=args.draws or 1000, seed=args.seed
        )
        posterior = pd.read_parquet(parquet)
        written = abc.diagnostics(
            problem, posterior, folder / name, predictive=args.predictive or 20, executor=executor
        )
    facts = json.loads(manifest.read_text())
    print(
        f"{facts['generations']} generations (final temperature {facts['final_temperature']:g}), "
        f"{facts['simulations']} simulations, effective sample size {facts['effective_sample_size']:.0f}"
    )
    for path in (parquet, manifest, *written):
        print(path)
    return 0


def cmd_trial(args: argparse.Namespace) -> int:
    """``healthwork trial``."""
    from model.experiments.trial import run_trial

    scenario = _load(args)
    tables, written = _table_command(
        args,
        scenario,
        "-trial",
        "trial.csv",
        lambda executor: run_trial(
            scenario,
            args.programme,
            months=args.months,
            cohort=args.cohort,
            executor=executor,
            progress=_Progress("replication"),
        ),
    )
    table = tables["trial.csv"]
    ratios = table[table["arm"] == "ratio"].set_index("outcome")
    for outcome in ("ever_employed", "employed_12m", "mean_months_employed"):
        r = ratios.loc[outcome]
        if r["replications"]:
            print(
                f"  {outcome}: ratio {r['mean']:.2f} (95% interval {r['p2_5']:.2f}-{r['p97_5']:.2f})",
                file=sys.stderr,
            )
    print(f"Outputs in {written}/", file=sys.stderr)
    print(written)
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``healthwork sensitivity``."""
    from model.experiments import global_sensitivity as gsa
    from model.experiments.sensitivity import one_at_a_time

    scenario = _load(args)
    named = [*args.parameters, *(p.strip() for p in (args.params or "").split(",") if p.strip())]
    if args.all and named:
        raise InputError([Problem("command line", "--all", "give --all or named parameters, not both")])
    say = functools.partial(print, "healthwork:", file=sys.stderr)
    if args.method == "oat":
        compute = functools.partial(
            one_at_a_time,
            scenario,
            named,
            low=args.low,
            high=args.high,
            progress=_Progress("setting"),
            say=say,
        )
        _, written = _table_command(
            args, scenario, "-sensitivity", "sensitivity.csv", lambda executor: compute(executor=executor)
        )
    else:
        from model.io.plots import plot_indices

        outputs = (
            [o.strip() for o in args.outputs.split(",")] if args.outputs else gsa.default_outputs(scenario)
        )
        compute = functools.partial(
            gsa.run_global,
            scenario,
            args.method,
            named,
            samples=args.samples or (10 if args.method == "morris" else 64),
            outputs=outputs,
            low=args.low,
            high=args.high,
            levels=args.levels,
            second_order=args.second_order,
            progress=_Progress("row"),
            say=say,
        )
        _, written = _table_command(
            args,
            scenario,
            f"-{args.method}",
            "indices.csv",
            lambda executor: compute(executor=executor),
            plot=lambda tables, folder: plot_indices(tables["indices.csv"], args.method, folder),
        )
    print(f"Outputs in {written}/", file=sys.stderr)
    print(written)
    return 0


def cmd_value_of_work(args: argparse.Namespace) -> int:
    """``healthwork value-of-work``."""
    import re

    from model.config.areas import ALIASES, area_names, packaged_housing, packaged_profiles
    from model.config.parameters import default_parameters
    from model.economics.value_of_work import value_of_work

    match = re.fullmatch(r"(\d{4})/(\d{2})", args.tax_year)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise InputError(
            [
                Problem(
                    "command line",
                    "--tax-year",
                    f"expected a tax year such as 2026/27, got {shown(args.tax_year)}",
                )
            ]
        )
    if not FIRST_RATES_YEAR <= int(match.group(1)) <= UPRATING_HORIZON:
        reason = (
            f"{args.tax_year} is outside the years the model holds rules for: published rates for "
            f"{year_label(FIRST_RATES_YEAR)} to {year_label(LAST_RATES_YEAR)}, projected by uprating to "
            f"{year_label(UPRATING_HORIZON)}"
        )
        raise InputError([Problem("command line", "--tax-year", reason)])
    names = area_names()
    if args.area is not None and args.area not in names:
        hint = f"; use '{ALIASES[args.area]}'" if args.area in ALIASES else did_you_mean(args.area, names)
        raise InputError([Problem("command line", "--area", f"unknown area '{args.area}'{hint}")])
    problems = []
    if args.hours is not None and not 0 < args.hours <= 80:
        problems.append(
            Problem("command line", "--hours", f"must be above 0 and at most 80, got {args.hours:g}")
        )
    if not 18 <= args.age <= 64:
        problems.append(
            Problem(
                "command line", "--age", f"must be 18 to 64 (UC's minimum age to pension age), got {args.age}"
            )
        )
    if args.children is not None and not 0 <= args.children <= 6:
        problems.append(Problem("command line", "--children", f"must be 0 to 6, got {args.children}"))
    if args.children and args.household in ("single-renter", "single-owner"):
        problems.append(
            Problem(
                "command line", "--children", f"a {args.household} household has no children; use lone-parent"
            )
        )
    if args.household == "lone-parent" and args.children == 0:
        problems.append(Problem("command line", "--children", "a lone parent has at least one child"))
    owner = args.household == "single-owner"
    if args.tenure is not None and (args.tenure == "owner") != owner:
        problems.append(
            Problem(
                "command line",
                "--tenure",
                "single-owner households own their home"
                if owner
                else f"a {args.household} household rents: social or private",
            )
        )
    if problems:
        raise InputError(problems)
    year = int(match.group(1))
    params, housing = default_parameters(), packaged_housing()
    rows = [
        (
            a,
            value_of_work(
                packaged_profiles()[(a, 2023)],
                housing[a],
                params,
                year,
                household=args.household,
                tenure=args.tenure,
                hours=args.hours,
                lcwra=args.lcwra,
                age=args.age,
                children=args.children,
                band=args.band,
                pay=args.pay,
            ),
        )
        for a in ([args.area] if args.area else names)
    ]
    columns = list(rows[0][1])
    tenure = "owner" if owner else f"{args.tenure or 'private'} renting"
    pay = "the minimum wage" if args.pay == "minimum" else "the area's typical entry pay"
    print(
        f"Annual value of one adult aged {args.age} ({args.household}, {tenure}, Band {args.band}) moving "
        f"from Universal Credit into work at {pay}, "
        f"{args.tax_year} (GBP, {args.tax_year} prices{'; with the LCWRA element' if args.lcwra else ''})"
    )
    print("area," + ",".join(columns))
    for area, values in rows:
        print(f"{area}," + ",".join(f"{round(values[c], 2) + 0.0:.2f}" for c in columns))
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    """``healthwork parameters``."""
    from model.config.parameters import default_parameters

    for record in default_parameters().as_records():
        if args.pattern in record["path"]:
            print(f"{record['path']} = {record['value']:g}  [{record['status']}; {record['unit']}]")
            print(f"    source: {record['source']}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "brief": cmd_brief,
    "dashboard": cmd_dashboard,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
    "trial": cmd_trial,
    "sensitivity": cmd_sensitivity,
    "value-of-work": cmd_value_of_work,
    "parameters": cmd_parameters,
}


def _terminated(signum: int, frame: object) -> None:
    """``kill -TERM`` is handled as Ctrl-C: staging is removed, finished parts of long commands are kept."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``healthwork`` console script."""
    args = build_parser().parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        return COMMANDS[args.command](args)
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT
    except _KeptPartial:
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("healthwork: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # one clear line, never a traceback unless asked for
        if os.environ.get("HEALTHWORK_DEBUG"):
            traceback.print_exc()
        print(f"healthwork: error: {err}", file=sys.stderr)
        return 1
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
