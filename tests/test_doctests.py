"""The examples in the docstrings run, and every public name of ``jailsim`` has one."""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

import jailsim

REPO = Path(__file__).resolve().parents[1]
#: Modules whose docstring examples run here: those that define a name of ``jailsim.__all__``,
#: the package itself, the reference, defaults and report generators, the price index and the
#: markup of notebooks.
MODULES = [
    "jailsim",
    "jailsim.calibration.backtest",
    "jailsim.results.breakdown",
    "jailsim.calibration.calibrate",
    "jailsim.experiments.comparison",
    "jailsim.money.tables",
    "jailsim.money.dollars",
    "jailsim.scenario.prices",
    "jailsim.results.explain",
    "jailsim.model.population",
    "jailsim.scenario.reference",
    "jailsim.scenario.defaults",
    "jailsim.present.figures",
    "jailsim.present.formats",
    "jailsim.present.meaning",
    "jailsim.present.report",
    "jailsim.present.sources",
    "jailsim.results.sweepplot",
    "jailsim.results.result",
    "jailsim.results.tables",
    "jailsim.base.errors",
    "jailsim.base.markup",
    "jailsim.base.names",
    "jailsim.base.spreadsheet",
    "jailsim.county.encodings",
    "jailsim.base.terminal",
    "jailsim.scenario.notes",
    "jailsim.scenario.units",
    "jailsim.scenario.loading",
    "jailsim.scenario.schema",
    "jailsim.experiments.options",
    "jailsim.experiments.sensitivity",
    "jailsim.experiments.simulate",
    "jailsim.experiments.sweeps",
    "jailsim.experiments.uncertainty",
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, monkeypatch):
    optional = {"jailsim.experiments.sensitivity": "SALib",
                "jailsim.scenario.reference": "ruamel.yaml",
                "jailsim.scenario.defaults": "ruamel.yaml"}
    if name in optional:
        pytest.importorskip(optional[name])
    monkeypatch.chdir(REPO)  # some examples name scenarios/*.yaml
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, raise_on_error=False, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    assert result.attempted > 0, f"{name} has no examples"


def _public():
    for name in jailsim.__all__:
        obj = getattr(jailsim, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield name, obj


@pytest.mark.parametrize("name", [n for n, _ in _public()])
def test_every_public_function_and_class_has_an_example(name):
    obj = getattr(jailsim, name)
    doc = inspect.getdoc(obj) or ""
    assert doc, f"jailsim.{name} has no docstring"
    assert "Examples\n--------\n" in doc and ">>> " in doc.split("Examples\n--------\n")[1], (
        f"jailsim.{name} has no Examples section with a runnable example"
    )
    module = inspect.getmodule(obj).__name__
    assert module in MODULES, f"{module} (of jailsim.{name}) is not run by this test"


def test_the_examples_cover_every_module_listed():
    defined = {inspect.getmodule(obj).__name__ for _, obj in _public()}
    assert defined - {"jailsim.model.population"} <= set(MODULES)
