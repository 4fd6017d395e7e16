"""The ``jailsim`` command: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (one line per problem on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

from jailsim._version import __version__
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import read_manifest
from jailsim.base.terminal import printable, printable_stdout
from jailsim.cli import budget as cli_budget
from jailsim.cli import calibrate as cli_calibrate
from jailsim.cli import evidence as cli_evidence
from jailsim.cli import explain as cli_explain
from jailsim.cli.args import Parser as _Parser
from jailsim.cli.args import (
    add_comparison_options,
    add_out_option,
    add_run_options,
    metric_list,
    run_options,
)
from jailsim.cli.args import positive_int as _positive_int
from jailsim.cli.args import share as _share
from jailsim.cli.progress import ProgressBar
from jailsim.model.runchoices import DEFAULT_MAX_REPLICATIONS, SENSITIVITY_METHODS
from jailsim.results.metricnames import HEADLINE, METRICS

# Building the parser (and --help) imports only the light modules above: each command imports
# what it runs (the experiments, the results' tables, the scenario loader) when it runs.

#: Metrics in the demo's table.
DEMO_METRICS = [
    "mean_los_days",
    "median_los_days",
    "mean_los_days_detainer",
    "mean_los_days_no_detainer",
    "adp",
    "bed_days",
    "hold_bed_days",
    "detainers",
    "ice_transfers",
    "lapsed_detainers",
    "cancelled_detainers",
    "holds_to_ice_share",
    "screening_coverage",
    "officer_utilization",
    "bookings_per_day",
    "releases_per_day",
]
#: Replications of the demo unless ``--replications`` says otherwise.
DEMO_REPLICATIONS = 20
#: Seed of the demo unless ``--seed`` says otherwise.
DEMO_SEED = 2025
#: Metrics in a sweep's printed table unless ``--metrics`` says otherwise.
SWEEP_METRICS = ["adp", "mean_los_days", "hold_bed_days", "ice_transfers"]
#: What ``jailsim --help`` says the command is (plain text: no markup in help).
DESCRIPTION = "The jailsim command: a thin layer over the Python API."
#: Commands that only read scenario files: they run nothing, so they load neither matplotlib
#: nor the run options (``jailsim validate`` answers as fast as the scenario layer allows).
READS_ONLY = frozenset({"validate"})


def _no_report_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-report", action="store_true",
                   help="do not write report.html (the HTML report) in the output folder")


def _vary_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--vary", action="append", default=[], metavar="PATH=V1,V2,...",
                   help="vary a dotted scenario path over values (repeat: full factorial)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="jailsim", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"jailsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND", help="what to do (jailsim COMMAND --help)")

    p = sub.add_parser("validate", help="check scenario files and report every problem")
    p.add_argument("scenarios", nargs="+", type=Path,
                   help="scenario files (or jailsim:NAME.yaml, a shipped one)")

    p = sub.add_parser("run", help="run a scenario and write its output folder")
    p.add_argument("scenario", type=Path,
                   help="scenario file (or jailsim:NAME.yaml); a sweep: block makes it a sweep")
    add_run_options(p, "number of replications (with --precision: the first batch, at least 3)")
    add_out_option(p, "out/<scenario file name>")
    p.add_argument("--precision", type=_share, metavar="SHARE",
                   help="add replications until every headline metric's 95%% half-width is "
                        "at most SHARE of its mean (e.g. 0.02)")
    p.add_argument("--max-replications", type=_positive_int,
                   help=f"cap for --precision (default {DEFAULT_MAX_REPLICATIONS}, or -r if "
                        "more; not less than -r)")
    p.add_argument("--precision-metrics", type=metric_list, metavar="M1,M2",
                   help=f"metrics --precision watches (default {','.join(HEADLINE)})")
    _vary_option(p)
    _no_report_option(p)

    p = sub.add_parser("compare", help="paired comparison of scenarios on common random numbers")
    p.add_argument("scenarios", nargs="+", type=Path, help="two or more; the first is A")
    add_run_options(p, "replications of each scenario (default: the scenarios', else 20)")
    add_comparison_options(p)
    add_out_option(p, "out/A_vs_B")
    p.add_argument("--metrics", type=metric_list, metavar="M1,M2",
                   help="metrics to print (default all)")
    _no_report_option(p)

    p = sub.add_parser("sweep", help="run a scenario over a full-factorial design of values")
    p.add_argument("scenario", type=Path,
                   help="scenario file (or jailsim:NAME.yaml), with or without a sweep: block")
    _vary_option(p)
    add_run_options(p, "replications per design point (default: the scenario's, else 20)")
    add_out_option(p, "out/<name>-sweep")
    p.add_argument("--metrics", type=metric_list, metavar="M1,M2",
                   help=f"metrics to print (default {','.join(SWEEP_METRICS)}; all are saved)")
    _no_report_option(p)

    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity indices (SALib)")
    p.add_argument("scenario", type=Path, help="scenario file (or jailsim:NAME.yaml)")
    p.add_argument("--param", action="append", default=[], metavar="PATH=LOW:HIGH",
                   required=True, help="an input and its range, e.g. hold.cap=24h:72h (repeat)")
    p.add_argument("--method", choices=list(SENSITIVITY_METHODS), default="sobol",
                   help="sobol: shares of variance (default); morris: elementary effects, "
                        "fewer runs")
    p.add_argument("--samples", "-N", type=_positive_int,
                   help="SALib's N: sobol base samples, a power of 2 (default 64); morris "
                        "trajectories (default 10)")
    p.add_argument("--metrics", type=metric_list, metavar="M1,M2",
                   help=f"metrics to analyse (default {','.join(HEADLINE)})")
    add_run_options(p, "replications per sample point (default 3)")
    add_out_option(p, "out/<name>-sensitivity")

    p = sub.add_parser("report", help="one self-contained HTML file from an output folder")
    p.add_argument("folder", type=Path,
                   help="output folder of jailsim run, compare, sweep or sensitivity")
    p.add_argument("--out", type=Path, help="HTML file to write (default: FOLDER/report.html)")

    p = sub.add_parser("demo", help="the default county under JEM and WSO: paired comparison")
    add_run_options(p, f"replications (default {DEMO_REPLICATIONS})")
    add_out_option(p, "out/demo")
    p.set_defaults(out=Path("out/demo"))
    _no_report_option(p)

    cli_budget.add_parsers(sub)
    cli_calibrate.add_parsers(sub)
    cli_evidence.add_parsers(sub)
    cli_explain.add_parsers(sub)
    return parser


def _resumed(tally, out: Path) -> None:
    if tally.resumed:
        print(f"resumed {tally.resumed} replications from {out}/ checkpoints; "
              f"computed {tally.computed}")


def _stem(path: Path) -> str:
    """``scenarios/jem.yaml`` and ``jailsim:jem.yaml`` -> ``jem``."""
    return Path(str(path).rpartition(":")[2]).stem


def _report(folder: Path, out: Path | None = None) -> Path:
    """Write the HTML report of an output folder (matplotlib is loaded only for it)."""
    from jailsim.present.report import write_report

    return write_report(folder, out)


def _print_report(args, folder: Path) -> None:
    """Write and name the report of an output folder, unless ``--no-report``."""
    kind = (read_manifest(folder) or {}).get("kind")
    if getattr(args, "metrics_only", False) and kind in ("run", "comparison"):
        print("report: not written (--metrics-only keeps no bookings table for its figures)")
    elif not getattr(args, "no_report", False):
        print(f"report: {_report(folder)}")


def cmd_validate(args) -> int:
    """Validate each file; print one line per file or per problem."""
    from jailsim.scenario.sweepblock import load_sweep

    status = 0
    for path in args.scenarios:
        try:
            sc, factors = load_sweep(path)
        except ScenarioError as exc:
            print("\n".join(exc.lines), file=sys.stderr)
            status = 2
        else:
            extra = f", sweep of {len(factors)} factor(s)" if factors else ""
            print(f"{path}: ok ({sc.name!r}, program {sc.program}{extra})")
    return status


def cmd_run(args) -> int:
    """Run one scenario, write its folder, print its summary (a sweep with ``--vary``)."""
    from jailsim.experiments.precision import check_precision_options
    from jailsim.experiments.simulate import run
    from jailsim.experiments.uncertainty import uncertainty_text
    from jailsim.results.tables import side_by_side
    from jailsim.scenario.sweepblock import load_sweep

    scenario, factors = load_sweep(args.scenario)
    check_precision_options(args.precision, args.max_replications, args.precision_metrics)
    if args.vary or factors:
        if args.precision is not None:
            raise ScenarioError(["--precision applies to one scenario, not to a sweep"])
        return cmd_sweep(args)
    out = args.out or Path("out") / _stem(args.scenario)
    with ProgressBar(_stem(args.scenario), args.quiet) as bar:
        done = run(scenario, run_options(args, out, bar), precision=args.precision,
                   max_replications=args.max_replications,
                   precision_metrics=args.precision_metrics)
    result = done.result
    print(side_by_side({result.scenario.name: result.summary()}))
    print()
    if done.uncertainty is not None:  # the spread over replications, in its two parts
        print(uncertainty_text(done.uncertainty, args.precision_metrics))
        print()
    p = done.precision
    if p is not None:
        verdict = "reached" if p.met else "NOT reached (cap)"
        print(f"precision {p.target:.1%} {verdict}: largest relative half-width "
              f"{p.achieved:.2%} ({p.metric}) after {p.replications} replications"
              + (f"; not watched (mean 0): {', '.join(p.ignored)}" if p.ignored else ""))
    _resumed(done.tally, out)
    print(f"wrote {out}/ (seed {result.seed}, {result.scenario.replications} replications, "
          f"engine {result.engine}, {done.executor})")
    _print_report(args, out)
    return 0


def _compare_out(paths: list[Path]) -> Path:
    return Path("out") / "_vs_".join(_stem(p) for p in paths)


def cmd_compare(args) -> int:
    """Paired comparison of two or more scenarios; print and write the differences."""
    from jailsim.experiments.comparison import compare
    from jailsim.experiments.uncertainty import uncertainty_text

    if len(args.scenarios) < 2:
        raise ScenarioError(["compare: give two or more scenario files"])
    out = args.out or _compare_out(args.scenarios)
    with ProgressBar("compare", args.quiet) as bar:
        comp = compare(args.scenarios, independent=args.independent,
                       allow_mismatch=args.allow_mismatch, options=run_options(args, out, bar))
    _print_comparison(comp, args.metrics or list(METRICS), out)
    if comp.uncertainty is not None:  # each difference's spread, in its two parts
        table = comp.uncertainty
        print()
        print(uncertainty_text(table[table["scenario"].str.contains(" − ")],
                               args.metrics or HEADLINE))
    _print_report(args, out)
    return 0


def _print_comparison(comp, metrics: list[str], out: Path) -> None:
    first = comp.results[comp.baseline]
    sc = first.scenario
    if comp.crn:
        streams, seed = "common random numbers", f"seed {comp.seed}"
    else:
        streams = "independent streams (--independent)"
        seed = f"seed {comp.seed}, each scenario its own derived seed"
    print(f"paired comparison, {streams}: {sc.replications} replications, "
          f"{sc.horizon:g} days with {sc.warmup:g} days warm-up, engine {first.engine}, "
          f"{seed}; mean ± 95% half-width\n")
    print(comp.table(metrics))
    print()
    _resumed(comp.tally, out)
    print(f"wrote {out}/comparison.json, comparison.csv and "
          + ", ".join(f"{f}/" for f in comp.folders.values()))


def cmd_sweep(args) -> int:
    """Full-factorial sweep; print a table per design point, write the tidy table."""
    from jailsim.experiments.sweeps import parse_vary, sweep

    out = args.out or Path("out") / f"{_stem(args.scenario)}-sweep"
    factors = parse_vary(args.vary)
    with ProgressBar("sweep", args.quiet) as bar:
        result = sweep(args.scenario, factors, options=run_options(args, out, bar))
    sc = result.scenario
    n_points = len(result.design)
    print(f"sweep of {sc.name!r}: {n_points} design points x {sc.replications} replications, "
          f"common random numbers, seed {sc.seed}, engine {result.engine}; "
          "mean ± 95% half-width\n")
    print(result.wide(getattr(args, "metrics", None) or SWEEP_METRICS))
    print()
    _resumed(result.tally, out)
    print(f"wrote {out}/sweep.csv (one row per design point and metric), replications.csv, "
          "sweep.json")
    _print_report(args, out)
    return 0


def cmd_sensitivity(args) -> int:
    """Sensitivity indices of metrics to scenario inputs."""
    from jailsim.experiments.sensitivity import analyze_sensitivity, parse_params

    out = args.out or Path("out") / f"{_stem(args.scenario)}-sensitivity"
    with ProgressBar("sensitivity", args.quiet) as bar:
        result = analyze_sensitivity(args.scenario, parse_params(args.param),
                                     method=args.method, samples=args.samples,
                                     metrics=args.metrics, options=run_options(args, out, bar))
    sc = result.scenario
    print(f"{args.method} sensitivity of {sc.name!r}: {len(result.points)} sample points x "
          f"{sc.replications} replications (N = {result.samples}), seed {sc.seed}, engine "
          f"{result.engine}; index ± 95% half-width (bootstrap)\n")
    print(result.table())
    if result.skipped:
        print(f"\nnot analysed (undefined at some point): {', '.join(result.skipped)}")
    if result.undefined:
        print(f"\nundefined (the same at every sample point: no variance to share out): "
              f"{', '.join(result.undefined)}")
    print()
    _resumed(result.tally, out)
    print(f"wrote {out}/sensitivity.csv, samples.csv, sensitivity.json")
    print(f"report: {_report(out)}")
    return 0


def cmd_demo(args) -> int:
    """JEM and WSO on the default county: paired comparison with intervals."""
    from jailsim.experiments.comparison import compare
    from jailsim.scenario.loading import shipped_scenarios_dir

    if args.replications is None:
        args.replications = DEMO_REPLICATIONS
    if args.seed is None:
        args.seed = DEMO_SEED
    folder = shipped_scenarios_dir()
    with ProgressBar("demo", args.quiet) as bar:
        comp = compare([folder / "jem.yaml", folder / "wso.yaml"],
                       options=run_options(args, args.out, bar))
    print(f"jailsim {__version__}: the default county under JEM and under WSO, on the same "
          "bookings (common random numbers)")
    _print_comparison(comp, DEMO_METRICS, args.out)
    _print_report(args, args.out)
    return 0


def cmd_report(args) -> int:
    """Write the HTML report of an output folder and print its path."""
    print(_report(args.folder, args.out))
    return 0


COMMANDS = {
    "validate": cmd_validate,
    "report": cmd_report,
    "run": cmd_run,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
    "sensitivity": cmd_sensitivity,
    "demo": cmd_demo,
    **cli_budget.COMMANDS,
    **cli_calibrate.COMMANDS,
    **cli_evidence.COMMANDS,
    **cli_explain.COMMANDS,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so that it ends as cleanly as after Ctrl-C."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jailsim`` console script.

    Exit codes: 0 done, 2 a problem with the input (one line), 130 Ctrl-C, 143 SIGTERM (the
    finished replications are kept either way, and the workers end with the run).
    """
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed, for the records
    if threading.current_thread() is not threading.main_thread():  # no signals there
        return _main(args)
    before = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(args)
    finally:
        signal.signal(signal.SIGTERM, before)


def _named_as_flags(command: str):
    """Run options named as flags (``--warmup-days``) in problems: for commands that run."""
    if command in READS_ONLY:
        return contextlib.nullcontext()
    from jailsim.experiments.options import named_as_flags

    return named_as_flags()


def _main(args) -> int:
    if args.command not in READS_ONLY:
        import matplotlib

        matplotlib.use("Agg")  # the command line writes figures to files, never to a window
    # warnings (a roster's repaired rows, ...) as plain lines, not as jailsim's source lines
    warnings.formatwarning = (
        lambda message, category, *_: f"jailsim: warning: {printable(message)}\n")
    try:
        # a problem with an option names its flag (--warmup-days); what is printed shows a
        # name's control characters escaped, never acted on by the terminal
        with _named_as_flags(args.command), printable_stdout():
            return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # no flush error at exit
        return 0
    except OSError as exc:
        print(printable(f"jailsim: {exc.filename or ''}: {exc.strerror or exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        stopped = "stopped by SIGTERM" if isinstance(exc, Terminated) else "interrupted"
        print(f"jailsim: {stopped} (finished replications are kept; rerun the same command "
              "to resume)", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except MemoryError:  # past the memory guard's estimate: one line, not a traceback
        print("jailsim: out of memory (the run needs more than this machine has: lower the "
              "horizon, the booking rates or the replications)", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # a BrokenProcessPool (its module is imported once a pool runs)
        from concurrent.futures.process import BrokenProcessPool

        if not isinstance(exc, BrokenProcessPool):
            raise
        print("jailsim: a worker process died (killed, or out of memory); finished "
              "replications are kept: rerun the same command to resume", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
