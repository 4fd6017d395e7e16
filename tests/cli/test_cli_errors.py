"""Errors where users meet the tool: one line that names what they typed and what would do.

An unknown metric gets a "did you mean" and the list of metrics, wherever metric names are
taken (the command line's options and the Python functions behind them, all through
``jailsim.results.metrics.check_metrics``); a horizon or warm-up that does not fit the
scenario names the flag typed (``--warmup-days``), or from Python the keyword
(``warmup_days=``), never the scenario's field path.
"""

from __future__ import annotations

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.cli.main import main
from jailsim.results.metrics import METRICS

#: A mistyped metric and the one it is close to.
TYPO, MEANT = "hold_bed_dayz", "hold_bed_days"


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _says_did_you_mean(line: str) -> None:
    assert f"unknown metric '{TYPO}'; did you mean '{MEANT}'?" in line
    assert "(allowed: " + ", ".join(METRICS) + ")" in line


@pytest.mark.parametrize("argv", [
    ["run", "scenarios/jem.yaml", "--precision", "0.1", "--precision-metrics", f"adp,{TYPO}"],
    ["compare", "scenarios/jem.yaml", "scenarios/wso.yaml", "--metrics", TYPO],
    ["sweep", "scenarios/jem.yaml", "--vary", "jem.officers=1,2", "--metrics", TYPO],
    ["sensitivity", "scenarios/jem.yaml", "--param", "jem.officers=1:2", "--metrics", TYPO],
    ["breakdown", "out/none", "--by", "charge", "--metrics", TYPO],
    ["periods", "out/none", "--metrics", TYPO],
])
def test_an_unknown_metric_on_the_command_line_gets_a_suggestion(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    line = _one_line(capsys)
    assert line.startswith(f"jailsim {argv[0]}: argument --")
    _says_did_you_mean(line)


def test_several_unknown_metrics_are_named_on_one_line(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "a.yaml", "b.yaml", "--metrics", f"adp,{TYPO},zzz"])
    line = _one_line(capsys)
    assert f"unknown metrics '{TYPO}' (did you mean '{MEANT}'?), 'zzz' (allowed: " in line


def test_every_python_function_that_takes_metric_names_checks_them():
    from jailsim.cli.budget import format_budget
    from jailsim.present.figures import sensitivity_indices, sweep_metrics
    from jailsim.results.tables import side_by_side

    calls = {
        "precision_metrics": lambda: jailsim.simulate("jailsim:jem.yaml", precision=0.1,
                                                      precision_metrics=[TYPO]),
        "metrics": lambda: jailsim.analyze_sensitivity(
            "jailsim:jem.yaml", {"jem.officers": (1, 2)}, metrics=[TYPO]),
        "metrics ": lambda: side_by_side({"A": pd.DataFrame()}, [TYPO]),
        "metrics  ": lambda: sweep_metrics(pd.DataFrame(), "jem.officers", [TYPO]),
        "metrics   ": lambda: sensitivity_indices(pd.DataFrame(), [TYPO]),
    }
    for where, call in calls.items():
        with pytest.raises(ScenarioError) as exc:
            call()
        (line,) = exc.value.lines
        assert line.startswith(f"{where.strip()}: "), line
        _says_did_you_mean(line)
    with pytest.raises(ScenarioError, match=r"lines: unknown budget line 'bed_dayz'; did you "
                                            r"mean 'bed_days'\? \(allowed: bed_days, "):
        format_budget(None, ["bed_dayz"])


@pytest.mark.parametrize("command", ["run", "compare", "budget", "sweep", "demo"])
def test_a_warmup_longer_than_the_horizon_names_both_flags(command, capsys):
    files = {"run": ["scenarios/jem.yaml"], "budget": ["scenarios/jem.yaml"],
             "compare": ["scenarios/jem.yaml", "scenarios/wso.yaml"],
             "sweep": ["scenarios/jem.yaml", "--vary", "jem.officers=1,2"], "demo": []}
    assert main([command, *files[command], "--days", "30", "--warmup-days", "40", "-q"]) == 2
    line = _one_line(capsys)
    assert "--warmup-days 40: the warm-up must be shorter than the horizon (--days 30)" in line
    assert "(top level)" not in line and "options:" not in line and "horizon:" not in line


def test_a_warmup_longer_than_the_scenarios_horizon_names_the_flag(capsys):
    assert main(["run", "scenarios/jem.yaml", "--warmup-days", "3y", "-q"]) == 2
    assert _one_line(capsys) == (
        "--warmup-days 1095.75: the warm-up must be shorter than the scenario's horizon of "
        "730.5 days (or give a longer one: --days ...)")


def test_a_horizon_that_cuts_off_a_dated_change_names_the_flag(capsys):
    assert main(["run", "scenarios/sb8_wso.yaml", "--days", "20", "-q"]) == 2
    line = _one_line(capsys)
    assert line.startswith("--days 20: changes: [0] from 2026-01-01: must be after start_date")
    assert "options:" not in line


def test_from_python_the_same_problems_name_the_keywords():
    with pytest.raises(ScenarioError) as exc:
        jailsim.simulate("jailsim:jem.yaml", days=-5)
    assert exc.value.lines == ["days: got -5; expected a number of days or a duration such as "
                               "'30d', '12w' or '1y', more than 0 and at most 36525 days"]
    with pytest.raises(ScenarioError) as exc:
        jailsim.simulate("jailsim:jem.yaml", days="30d", warmup_days=40)
    assert exc.value.lines == ["warmup_days=40: the warm-up must be shorter than the horizon "
                               "(days=30)"]
