"""The ``jailsim`` command: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (one line per problem on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jailsim._version import __version__
from jailsim.engines import ENGINE_CHOICES
from jailsim.scenario.loading import ScenarioError, load, shipped_scenarios_dir
from jailsim.simulate import simulate
from jailsim.tables import side_by_side

#: Metrics in the demo's side-by-side table.
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
    "screening_coverage",
    "officer_utilization",
    "bookings_per_day",
    "releases_per_day",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        self.exit(2, f"{self.prog}: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected 0 to 2**63-1, got {text!r}")
    return value


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, got {text!r}") from None
    if not 0 < value <= 36525:
        raise argparse.ArgumentTypeError(f"expected more than 0 and at most 36525, got {text!r}")
    return value


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_seed, help="master seed (default: the scenario's, or new)")
    p.add_argument("--replications", "-r", type=_positive_int, help="number of replications")
    p.add_argument("--days", type=_days, help="horizon in days (overrides the scenario)")
    p.add_argument("--warmup-days", type=_days, help="warm-up in days (overrides the scenario)")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="des (SimPy), vector (numpy) or auto (default)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="jailsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"jailsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check scenario files and report every problem")
    p.add_argument("scenarios", nargs="+", type=Path)

    p = sub.add_parser("run", help="run a scenario and write its output folder")
    p.add_argument("scenario", type=Path)
    _run_options(p)
    p.add_argument("--out", type=Path, help="output folder (default: out/<scenario file name>)")

    p = sub.add_parser("demo", help="run the default county under JEM and WSO side by side")
    _run_options(p)
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    return parser


def _progress(label: str, quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(desc=label, unit="rep", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar


def _simulate(path: Path, args, label: str):
    update, bar = _progress(label, args.quiet)
    try:
        return simulate(
            path,
            seed=args.seed,
            replications=args.replications,
            days=args.days,
            warmup_days=args.warmup_days,
            engine=args.engine,
            progress=update,
        )
    finally:
        if bar is not None:
            bar.close()


def cmd_validate(args) -> int:
    """Validate each file; print one line per file or per problem."""
    status = 0
    for path in args.scenarios:
        try:
            sc = load(path)
        except ScenarioError as exc:
            print("\n".join(exc.lines), file=sys.stderr)
            status = 2
        else:
            print(f"{path}: ok ({sc.name!r}, program {sc.program})")
    return status


def cmd_run(args) -> int:
    """Run one scenario, write its folder, print its summary."""
    result = _simulate(args.scenario, args, args.scenario.stem)
    out = args.out or Path("out") / args.scenario.stem
    result.save(out)
    print(side_by_side({result.scenario.name: result.summary()}))
    print(f"\nwrote {out}/ (seed {result.seed}, {result.scenario.replications} replications,"
          f" engine {result.engine})")
    return 0


def cmd_demo(args) -> int:
    """JEM and WSO on the default county, side by side."""
    if args.replications is None:
        args.replications = 5
    if args.seed is None:
        args.seed = 2025
    folder = shipped_scenarios_dir()
    summaries = {}
    for name in ("jem", "wso"):
        result = _simulate(folder / f"{name}.yaml", args, name.upper())
        result.save(args.out / name)
        summaries[name.upper()] = result.summary()
    sc = result.scenario
    print(f"jailsim {__version__}: the default county under JEM and WSO "
          f"({sc.replications} replications, seed {sc.seed}, {sc.horizon:g} days with "
          f"{sc.warmup:g} days warm-up; mean ± 95% half-width)\n")
    print(side_by_side(summaries, DEMO_METRICS))
    print(f"\nwrote {args.out}/jem and {args.out}/wso")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jailsim`` console script."""
    args = build_parser().parse_args(argv)
    command = {"validate": cmd_validate, "run": cmd_run, "demo": cmd_demo}[args.command]
    try:
        return command(args)
    except ScenarioError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"jailsim: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jailsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
