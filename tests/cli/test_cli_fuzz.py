"""Fuzzing the command line: any argv built from the real commands and flags ends cleanly.

Each example picks a subcommand of ``jailsim`` and gives its positional arguments and some of
its flags (read from the parser itself, so a new flag is fuzzed without a change here) odd
values: numbers out of range, NaN, text where a number goes, empty strings, control
characters, paths that are missing, folders, devices. ``main(argv)`` must return or exit
with 0, 1 or 2, with no traceback on stderr, and a failure must say something on stderr.

To stay fast every command that runs scenarios runs a 3-day horizon, one replication, in
this process (the fuzzed values of ``--days``, ``--replications``, ``--workers`` and the like
are small or invalid), and writes into a temporary folder. Not fuzzed: ``evidence`` (it runs
every published preset over years), and ``--dask`` and ``--scheduler`` (a cluster).
"""

from __future__ import annotations

import argparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jailsim.cli.main import build_parser, main
from tests.conftest import SCENARIOS

#: Commands not fuzzed (see the module docstring).
SKIPPED_COMMANDS = {"evidence"}
#: Flags not fuzzed: they start or reach a Dask cluster.
SKIPPED_FLAGS = {"--dask", "--scheduler", "--help", "-h"}
#: Flags whose valid values could make a run long: only small or invalid values.
SMALL = {"replications", "workers", "samples", "max_replications", "min_group", "replication"}
#: Flags of a horizon or warm-up.
DAYS = {"days", "warmup_days"}

ODD_TEXT = ["", " ", "x", "0", "-1", "1", "0.5", "nan", "inf", "-inf", "1e400", "2**63",
            "\x1b[2J", "a\nb", "\x00", "été", "adp", "adp,zzz", ",", "jem.officers=1,2",
            "jem.officers=1:2", "hold.cap=24h:72h", "=", "a=b", "1:2", "sobol", "year", "5d",
            "-5d", "2024", "felony=misdemeanor", "booking_id=id"]
ODD_SMALL = ["0", "-1", "1", "2", "x", "", "1.5", "nan", "2147483648", "\x1b"]
ODD_DAYS = ["0", "-1", "3", "0.5", "2d", "1h", "nan", "inf", "1e400", "x", "", "36526",
            "-0", "5 d"]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: p for name, p in sub.choices.items() if name not in SKIPPED_COMMANDS}


COMMANDS = _subcommands()


def _paths(tmp) -> list[str]:
    """Odd and ordinary values of a file or folder argument."""
    return [str(SCENARIOS / "jem.yaml"), str(SCENARIOS / "wso.yaml"), "jailsim:no_287g.yaml",
            "jailsim:nope.yaml", str(tmp / "missing.yaml"), str(tmp), "/dev/null", "",
            str(tmp / "bad.yaml"), str(tmp / "esc\x1b[2J.yaml"), str(tmp / "out")]


def _values(action: argparse.Action, tmp) -> list[str]:
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return [*map(str, action.choices), "nope", ""]
    if action.dest in SMALL:
        return ODD_SMALL
    if action.dest in DAYS:
        return ODD_DAYS
    if action.type is not None and getattr(action.type, "__name__", "") in ("Path", "PosixPath"):
        return _paths(tmp)
    return ODD_TEXT


@st.composite
def argvs(draw, tmp) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    parser = COMMANDS[name]
    flags = {a.option_strings[0]: a for a in parser._actions if a.option_strings
             and a.option_strings[0] not in SKIPPED_FLAGS and not set(a.option_strings)
             & SKIPPED_FLAGS}
    argv = [name]
    for action in parser._actions:  # the positional arguments, in order
        if action.option_strings:
            continue
        n = {None: 1, "+": draw(st.integers(1, 3)), "*": draw(st.integers(0, 2)),
             "?": draw(st.integers(0, 1))}.get(action.nargs, action.nargs)
        pool = _paths(tmp) if action.type is None or action.dest in (
            "scenario", "scenarios", "folder", "data") else ODD_SMALL
        argv += [draw(st.sampled_from(pool)) for _ in range(n)]
    # small and quick unless a fuzzed flag below says otherwise (the last one counts)
    for flag, value in (("--days", "3"), ("--replications", "1"), ("--samples", "2"),
                        ("--out", str(tmp / "out")), ("--report", None)):
        if flag in flags and (value is not None or flags[flag].nargs == 0):
            argv += [flag] if value is None else [flag, value]
    argv += [f for f in ("--quiet", "--no-report", "--overwrite") if f in flags]
    required = [f for f, a in flags.items() if a.required]
    chosen = draw(st.lists(st.sampled_from(sorted(flags)), max_size=4)) if flags else []
    for flag in [*required, *chosen]:
        action = flags[flag]
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(st.sampled_from(_values(action, tmp)))]
    return argv


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "bad.yaml").write_text("extends: jailsim:jem.yaml\njail: {rated_capacity: -1}\n")
    (tmp / "esc\x1b[2J.yaml").write_text("extends: jailsim:wso.yaml\nhorizon: 10d\n")
    return tmp


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_command_line_ends_cleanly(data, folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)  # default output folders go here, never into the repository
    argv = data.draw(argvs(folder), label="argv")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: a usage error (2) or --version (0)
        code = exc.code
    captured = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, captured.err)
    assert "Traceback" not in captured.err, (argv, captured.err)
    assert "\x1b" not in captured.out + captured.err, argv  # control characters escaped
    if code != 0:
        lines = captured.err.strip().splitlines()
        assert lines, (argv, "a failure must say why")
        assert all(line.strip() for line in lines), (argv, captured.err)
