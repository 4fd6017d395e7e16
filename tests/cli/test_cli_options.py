"""The options of the command line: the same flags everywhere, a help text for each, no markup.

Every command that runs replications takes ``--quiet`` and ``--workers``; ``-r`` is
``--replications`` wherever it is accepted; ``--days`` and ``--warmup-days`` take days or a
duration with its unit; every argument says what it is in ``--help``, in plain text.
"""

from __future__ import annotations

import argparse
import re
from types import SimpleNamespace

import pytest

from jailsim.cli.main import build_parser, main
from jailsim.experiments.options import RunOptions

#: The commands that run replications (calibrate does with --report).
RUNNING = ["run", "compare", "sweep", "sensitivity", "demo", "budget", "evidence", "calibrate",
           "backtest"]
#: Markup of docstrings that must not reach --help (double backticks, single ones, roles).
MARKUP = re.compile(r"`|:(?:func|mod|class|meth|data|attr):")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _flags(p: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: a for a in p._actions for flag in a.option_strings}


def test_every_command_that_runs_replications_takes_quiet_and_workers():
    commands = _subcommands()
    for name in RUNNING:
        flags = _flags(commands[name])
        missing = [f for f in ("--quiet", "-q", "--workers", "-j", "-r") if f not in flags]
        assert not missing, f"jailsim {name} lacks {missing}"
        assert flags["--workers"].dest == "workers" and flags["-j"].dest == "workers"


def test_r_means_replications_everywhere():
    for name, p in _subcommands().items():
        flags = _flags(p)
        if "-r" in flags:
            assert flags["-r"].dest == "replications", f"jailsim {name}: -r is {flags['-r'].dest}"
            assert "--replications" in flags["-r"].option_strings


def test_every_argument_of_every_command_has_a_help_text():
    parser = build_parser()
    parsers = {"jailsim": parser, **{f"jailsim {k}": p for k, p in _subcommands().items()}}
    missing = []
    for label, p in parsers.items():
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{label} {'/'.join(action.option_strings) or action.dest}")
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"jailsim {c.dest}" for c in action._choices_actions if not c.help]
    assert not missing, missing


def test_no_markup_in_any_help():
    parsers = {"jailsim": build_parser(), **_subcommands()}
    for name, p in parsers.items():
        text = p.format_help()
        found = MARKUP.findall(text)
        assert not found, f"{name} --help shows {found}"


@pytest.mark.parametrize("given, days", [("30", 30.0), ("30d", 30.0), ("12w", 84.0),
                                         ("1.5y", 547.875), ("36h", 1.5), ("0.5", 0.5)])
def test_days_take_a_unit_as_in_scenario_files(given, days):
    for name in ("run", "compare", "budget", "sweep", "demo"):
        argv = [name, *(["x.yaml"] if name != "demo" else []),
                "--days", given, "--warmup-days", given]
        args = build_parser().parse_args(argv)
        assert args.days == days and args.warmup_days == days, name
    assert RunOptions(days=given, warmup_days=given) == RunOptions(days=days, warmup_days=days)


def test_a_warmup_of_0d_is_allowed_a_horizon_of_0d_is_not(capsys):
    assert build_parser().parse_args(["run", "x.yaml", "--warmup-days", "0d"]).warmup_days == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "x.yaml", "--days", "0d"])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "argument --days: got '0d'; expected a number of days or a " \
                               "duration such as '30d'" in err[0]


def _jem_without_warm_start(tmp_path):
    path = tmp_path / "jem.yaml"
    path.write_text("extends: jailsim:jem.yaml\nwarm_start: none\n")
    return path


def test_budget_runs_on_workers_with_a_progress_bar(tmp_path, monkeypatch, capsys):
    from dataclasses import replace

    from jailsim.cli import budget as cli_budget
    from jailsim.cli.progress import ProgressBar

    seen = []
    real = cli_budget.simulate

    def spy(sc, options):
        seen.append(options)
        return real(sc, options=replace(options, workers=None))  # no process pool in tests

    monkeypatch.setattr(cli_budget, "simulate", spy)
    path = _jem_without_warm_start(tmp_path)
    assert main(["budget", str(path), str(path), "-r", "2", "-j", "2", "-q", "--days", "2w",
                 "--seed", "1", "--engine", "vector"]) == 0
    assert [o.workers for o in seen] == [2, 2] and [o.seed for o in seen] == [1, 1]
    assert all(isinstance(o.progress, ProgressBar) and not o.progress.on for o in seen)
    assert all(o.days == 14 for o in seen)
    assert "bed_days" in capsys.readouterr().out


def test_backtest_and_calibrate_pass_workers_on(tmp_path, monkeypatch):
    import jailsim.calibration.backtest as backtest_module
    import jailsim.calibration.calibrate as calibrate_module

    seen = {}

    def fake_backtest(*args, **kw):
        seen["backtest"] = kw["workers"]
        return SimpleNamespace(save=lambda out: None, lines=lambda: ["ok"])

    class FakeCalibration:
        log = SimpleNamespace(lines=lambda: [])

        def write(self, out):
            pass

        def summary_lines(self):
            return []

        def report(self, folder, **kw):
            seen["calibrate --report"] = kw["workers"]
            return SimpleNamespace(lines=lambda: [])

    monkeypatch.setattr(backtest_module, "backtest", fake_backtest)
    monkeypatch.setattr(calibrate_module, "calibrate", lambda *a, **kw: FakeCalibration())
    export = tmp_path / "export.csv"
    assert main(["backtest", "scenarios/jem.yaml", "--against", str(export), "-j", "3",
                 "-q", "--out", str(tmp_path / "bt")]) == 0
    assert main(["calibrate", str(export), "--out", str(tmp_path / "x.yaml"), "--report",
                 str(tmp_path / "rep"), "--workers", "2", "-q"]) == 0
    assert seen == {"backtest": 3, "calibrate --report": 2}


def test_simulate_window_runs_on_the_workers_it_is_given(monkeypatch):
    import jailsim.calibration.backtest as backtest_module
    from jailsim.county.exports import to_export
    from jailsim.scenario.loading import load

    sc = load("jailsim:base_county.yaml").with_({"warm_start.kind": "none", "horizon": "20d"})
    export = to_export(backtest_module.run(sc, seed=1, engine="vector").result.bookings,
                       sc.start_date)
    seen = []
    real = backtest_module.run

    def spy(scenario, **kw):
        seen.append(kw.get("workers"))
        return real(scenario, **{**kw, "workers": None})

    monkeypatch.setattr(backtest_module, "run", spy)
    bt = backtest_module.backtest(sc, export, replications=2, seed=2, workers=2)
    assert seen == [2] and bt.scenario.replications == 2
