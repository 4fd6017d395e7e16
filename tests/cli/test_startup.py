"""Startup: ``--help`` and ``validate`` load only what they need (no timings, only imports).

Each check runs in a fresh interpreter (``python -c``) and reads ``sys.modules`` after the
command: building the parser and printing any help loads none of the libraries that run a
simulation, and validating a scenario loads only what the scenario layer needs. Where a name
the parser shows lives in a light module apart from the heavy module that uses it, the two
are checked to agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: What running a simulation, writing its files or drawing its figures loads.
RUN_LIBRARIES = ("matplotlib", "pyarrow", "openpyxl", "numba", "simpy", "dask", "distributed",
                 "jinja2")
#: Heavy numerical libraries that validating a scenario needs no more than the help does.
NUMERICAL = ("pandas", "scipy")
#: Not loaded by the help either (nothing of them is shown).
HELP_TOO = ("numpy", "pydantic", "yaml", "tqdm")


def _loaded(code: str) -> tuple[list[str], dict]:
    """Run ``code`` in a fresh interpreter; the top-level packages it left in ``sys.modules``.

    ``code`` may set ``result`` (JSON-able) to hand back what the command did.
    """
    script = (f"import json, sys\nresult = None\n{code}\n"
              "print(json.dumps([sorted({m.partition('.')[0] for m in sys.modules}), result]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, check=True)
    modules, result = json.loads(done.stdout.strip().splitlines()[-1])
    return modules, result


def _none_of(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


def test_every_help_loads_nothing_heavy():
    code = """
import contextlib, io
from jailsim.cli.main import build_parser, main

def help_of(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main([*argv, "--help"])
        except SystemExit as exc:
            assert exc.code == 0, (argv, exc.code)
    return out.getvalue()

(sub,) = [a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction"]
result = {"": help_of(), **{name: help_of(name) for name in sub.choices}}
"""
    modules, helps = _loaded(code)
    assert helps[""].startswith("usage: jailsim") and "validate" in helps[""]
    assert "--engine {des,vector,auto}" in helps["run"]
    assert "--method {sobol,morris}" in helps["sensitivity"]
    assert {"run", "validate", "budget", "calibrate", "evidence", "explain"} <= set(helps)
    assert all(text.startswith(f"usage: jailsim {name}") for name, text in helps.items() if name)
    assert _none_of(modules, RUN_LIBRARIES + NUMERICAL + HELP_TOO) == []


def test_import_jailsim_loads_nothing_heavy():
    modules, version = _loaded("import jailsim\nresult = jailsim.__version__")
    assert version
    assert _none_of(modules, RUN_LIBRARIES + NUMERICAL + HELP_TOO) == []


def test_validate_loads_only_the_scenario_layer():
    code = """
import contextlib, io
from jailsim.cli.main import main

out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["validate", "scenarios/jem.yaml"])
result = [code, out.getvalue()]
"""
    modules, (code, printed) = _loaded(code)
    assert code == 0 and printed == "scenarios/jem.yaml: ok ('JEM', program jem)\n"
    assert _none_of(modules, RUN_LIBRARIES + NUMERICAL) == []
    assert "jailsim" in modules and "pydantic" in modules  # it did validate


def test_the_parsers_light_names_are_the_ones_the_runs_use():
    from jailsim import engines
    from jailsim.county import columns, exportnames, files
    from jailsim.experiments import options, precision, sensitivity
    from jailsim.model import runchoices
    from jailsim.results import metricnames, metrics

    assert runchoices.ENGINE_CHOICES == engines.ENGINE_CHOICES
    assert runchoices.DEFAULT_ENGINE == engines.DEFAULT_ENGINE
    assert runchoices.DEFAULT_REPLICATIONS == options.DEFAULT_REPLICATIONS
    assert runchoices.DEFAULT_MAX_REPLICATIONS == precision.DEFAULT_MAX_REPLICATIONS
    assert runchoices.SENSITIVITY_METHODS == sensitivity.METHODS
    assert exportnames.ROLES == columns.ROLES and exportnames.SUFFIXES == files.SUFFIXES
    assert metrics.METRICS is metricnames.METRICS and metrics.HEADLINE is metricnames.HEADLINE


def test_the_written_out_z90_is_scipys():
    from scipy import special

    from jailsim.scenario import distributions

    assert distributions._Z90 == float(special.ndtri(0.9))


@pytest.mark.parametrize("sweep", [
    None,
    "{jem.officers: [1, 2], hold.cap: [24h, 48h]}",
    "{seed: [1, 2], jem.officers: [], '': [1]}",
    "[1, 2]",
])
def test_validate_reads_a_sweep_block_as_a_sweep_does(tmp_path, sweep):
    from jailsim.base.errors import ScenarioError
    from jailsim.experiments import sweeps
    from jailsim.scenario import sweepblock

    path = tmp_path / "s.yaml"
    path.write_text("extends: jailsim:jem.yaml\n" + (f"sweep: {sweep}\n" if sweep else ""))
    got = []
    for load_sweep in (sweeps.load_sweep, sweepblock.load_sweep):
        try:
            sc, factors = load_sweep(path)
        except ScenarioError as exc:
            got.append(exc.lines)
        else:
            got.append((sc, factors))
    assert got[0] == got[1]
