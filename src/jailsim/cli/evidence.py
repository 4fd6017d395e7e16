"""``jailsim evidence``: the county presets against the figures their studies published.

    jailsim evidence [-r 5] [--seed 1] [--workers 2] [--page docs/evidence.md] [--csv ev.csv]

Runs every preset of ``scenarios/published/`` and prints one row per published figure: the
published value and band, jailsim's value with a 95% interval over replications, the
distance, whether it is matched, and the preset's inputs fitted to that study's own county.
``--page`` writes the Markdown page and its figure (``docs/evidence.md`` is made so).
Wire it into ``jailsim.cli.main`` with :func:`add_parsers` and :data:`COMMANDS`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from jailsim.base.atomic import atomic_write
from jailsim.base.errors import ScenarioError
from jailsim.cli.args import positive_int, seed
from jailsim.evidence.published import FIGURES

__all__ = ["COMMANDS", "DEFAULT_REPLICATIONS", "add_parsers", "cmd_evidence"]

#: Replications per preset unless ``-r`` says otherwise.
DEFAULT_REPLICATIONS = 5
#: Seed unless ``--seed`` says otherwise (the page must be reproducible).
DEFAULT_SEED = 1
#: What ``jailsim evidence --help`` says the command is (plain text: no markup in help).
DESCRIPTION = ("The county presets of scenarios/published/ against the figures their studies "
               "published: one row per figure, with jailsim's value and its 95% interval over "
               "replications.")


def add_parsers(subparsers) -> None:
    """Add the ``evidence`` command to ``jailsim``'s subparsers."""
    p = subparsers.add_parser(
        "evidence", help="the county presets against the figures their studies published",
        description=DESCRIPTION,
    )
    p.add_argument("--replications", "-r", type=positive_int, default=DEFAULT_REPLICATIONS,
                   help=f"replications per preset (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--seed", type=seed, default=DEFAULT_SEED,
                   help=f"master seed (default {DEFAULT_SEED})")
    p.add_argument("--workers", "-j", type=positive_int, help="local worker processes")
    p.add_argument("--figures", help="comma-separated figure keys (default: all)")
    p.add_argument("--page", type=Path, help="write the Markdown page (and figures/evidence.png "
                                             "beside it)")
    p.add_argument("--csv", type=Path, help="write the table as CSV")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_evidence)


def _figures(keys: str | None):
    if keys is None:
        return FIGURES
    wanted = list(dict.fromkeys(k.strip() for k in keys.split(",") if k.strip()))
    known = {f.key: f for f in FIGURES}
    unknown = [k for k in wanted if k not in known]
    if unknown or not wanted:
        got = ", ".join(unknown) or "(none)"
        raise ScenarioError([f"jailsim evidence: --figures: unknown {got}; allowed: "
                             f"{', '.join(known)}"])
    return tuple(known[k] for k in wanted)


def cmd_evidence(args) -> int:
    """Run the presets and print (and write) the evidence table."""
    from jailsim.base.spreadsheet import safe_csv
    from jailsim.evidence.page import text, write_page
    from jailsim.evidence.table import evidence

    figures = _figures(args.figures)

    def progress(preset: str) -> None:
        if not args.quiet:
            print(f"running {preset} ...", file=sys.stderr)

    table = evidence(figures, replications=args.replications, seed=args.seed,
                     workers=args.workers, progress=progress)
    print(text(table))
    command = shlex.join(["jailsim", "evidence", "-r", str(args.replications), "--seed",
                          str(args.seed), *(["--figures", args.figures] if args.figures else []),
                          *(["--page", args.page.as_posix()] if args.page else [])])
    if args.page:
        write_page(table, args.page, command)
        print(f"wrote {args.page}")
    if args.csv:
        atomic_write(args.csv, lambda tmp: safe_csv(table, tmp, index=False))
        print(f"wrote {args.csv}")
    return 0


COMMANDS = {"evidence": cmd_evidence}
