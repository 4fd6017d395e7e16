"""The architecture holds: the layers of docs/architecture.md, a light root, small modules.

import-linter (``make lint``) checks that each package imports only the packages below it and
that no modules of a package import each other in a circle; these tests check what it does
not: that the documented diagram is that very order, what ``import jailsim`` loads, module
sizes and docstrings, and that every import inside a function is one of the few that only
defer a heavy or optional library.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jailsim

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "jailsim"
HEAVY = ("pandas", "matplotlib", "scipy", "pyarrow", "openpyxl")
#: Imports inside functions, by module: each defers a heavy or optional library, or (the
#: command line) a subcommand's machinery until it runs (see docs/architecture.md, "Imports
#: inside functions").
DEFERRED = {
    ("calibration/exportcheck.py", "numpy"),
    ("calibration/figures.py", "matplotlib.figure"),
    ("cli/args.py", "jailsim.experiments.options"),
    ("cli/budget.py", "jailsim.experiments.simulate"),
    ("cli/budget.py", "jailsim.money.lines"),
    ("cli/budget.py", "jailsim.money.workbook"),
    ("cli/budget.py", "jailsim.present.budgetpage"),
    ("cli/budget.py", "jailsim.results.tables"),
    ("cli/budget.py", "jailsim.scenario.loading"),
    ("cli/budget.py", "jailsim.scenario.prices"),
    ("cli/calibrate.py", "jailsim.calibration.backtest"),
    ("cli/calibrate.py", "jailsim.calibration.calibrate"),
    ("cli/calibrate.py", "jailsim.county.columns"),
    ("cli/calibrate.py", "pandas"),
    ("cli/evidence.py", "jailsim.base.spreadsheet"),
    ("cli/evidence.py", "jailsim.evidence.page"),
    ("cli/evidence.py", "jailsim.evidence.table"),
    ("cli/explain.py", "jailsim.base.spreadsheet"),
    ("cli/explain.py", "jailsim.results.breakdown"),
    ("cli/explain.py", "jailsim.results.explain"),
    ("cli/explain.py", "jailsim.results.result"),
    ("cli/explain.py", "jailsim.results.tables"),
    ("cli/main.py", "concurrent.futures.process"),
    ("cli/main.py", "jailsim.experiments.comparison"),
    ("cli/main.py", "jailsim.experiments.options"),
    ("cli/main.py", "jailsim.experiments.precision"),
    ("cli/main.py", "jailsim.experiments.sensitivity"),
    ("cli/main.py", "jailsim.experiments.simulate"),
    ("cli/main.py", "jailsim.experiments.sweeps"),
    ("cli/main.py", "jailsim.experiments.uncertainty"),
    ("cli/main.py", "jailsim.present.report"),
    ("cli/main.py", "jailsim.results.tables"),
    ("cli/main.py", "jailsim.scenario.loading"),
    ("cli/main.py", "jailsim.scenario.sweepblock"),
    ("cli/main.py", "matplotlib"),
    ("cli/progress.py", "tqdm"),
    ("engines/kernels.py", "numba"),
    ("evidence/page.py", "matplotlib"),
    ("evidence/page.py", "matplotlib.pyplot"),
    ("evidence/page.py", "matplotlib.ticker"),
    ("experiments/comparison.py", "jailsim.results.plots"),
    ("experiments/executors.py", "distributed"),
    ("experiments/sensitivity.py", "SALib.analyze"),
    ("experiments/sensitivity.py", "SALib.sample"),
    ("experiments/sweeps.py", "jailsim.results.sweepplot"),
    ("model/arrivals.py", "scipy"),
    ("model/streams.py", "jailsim.model"),
    ("results/metrics.py", "scipy"),
    ("results/plots.py", "scipy"),
    ("results/result.py", "jailsim.results.plots"),
    ("scenario/distributions.py", "scipy"),
    ("scenario/prices.py", "pandas"),
    ("scenario/reference.py", "ruamel.yaml"),
    ("scenario/uncertainty.py", "scipy"),
    ("scenario/warm_start.py", "jailsim.county.roster"),
}


def _layers() -> list[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [name.removeprefix("jailsim.") for name in reversed(contract["layers"])]


def _diagram_chain() -> list[str]:
    text = (REPO / "docs" / "architecture.md").read_text()
    block = re.search(r"```mermaid\n(.*?)```", text, re.DOTALL).group(1)
    edges = re.findall(r"^\s*(\w+)\s*-->(?:\|[^|]*\|)?\s*(\w+)\s*$", block, re.MULTILINE)
    chain = [edges[0][0]]
    for a, b in edges:
        assert a == chain[-1], f"the diagram's arrows must form one chain, bottom up ({a} -> {b})"
        chain.append(b)
    return chain


def test_the_diagram_is_the_order_import_linter_enforces():
    assert _diagram_chain() == _layers()
    assert sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()) == sorted(
        _layers()
    ), "every package is a layer"


def test_import_jailsim_loads_no_heavy_library():
    code = f"import sys, jailsim; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import jailsim loaded {out}"


def test_every_public_name_resolves_to_the_module_the_root_says():
    assert set(jailsim.__all__) == set(jailsim._API) | {"__version__"}
    for name, module in jailsim._API.items():
        assert getattr(jailsim, name) is getattr(importlib.import_module(module), name), name


def _modules():
    return sorted(SRC.rglob("*.py"))


def test_modules_are_small_and_open_with_a_docstring():
    for path in _modules():
        rel = path.relative_to(SRC)
        lines = path.read_text().count("\n")
        assert lines <= 500, f"{rel}: {lines} lines (at most 500)"
        assert ast.get_docstring(ast.parse(path.read_text())), f"{rel}: no module docstring"
    root = [p.name for p in SRC.glob("*.py") if p.name != "__init__.py"]
    assert len(root) <= 3, f"modules directly in src/jailsim/: {root}"


def test_imports_inside_functions_only_defer_a_heavy_or_optional_library():
    found = set()
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.level == 0:
                        found.add((str(path.relative_to(SRC)), inner.module))
                    elif isinstance(inner, ast.Import):
                        found |= {(str(path.relative_to(SRC)), a.name) for a in inner.names}
    assert found == DEFERRED
