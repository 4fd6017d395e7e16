"""The notebooks in notebooks/: stored with outputs, and executed here at small sizes.

Each notebook is run with nbclient in a fresh ``python3`` kernel, in a temporary working
directory, after its ``parameters`` cell is set to the small sizes below; no cell may raise,
and the computed conclusion cell must say what it should, with numbers that agree with the
same computation made here. The notebooks show how to use jailsim, so their code uses only
its public API (:func:`private_uses`), and a kernel shows what jailsim returns as it should
(each figure once, a Result as a short table).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

import jailsim

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
_spec = importlib.util.spec_from_file_location("run_all", NOTEBOOKS / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)

#: Parameters of each notebook for the test run (every name must be in its parameters cell).
SMALL = {
    "01_jem_vs_wso": {"REPLICATIONS": 3, "DAYS": 120.0, "SEED": 2025},
    "02_budget": {"REPLICATIONS": 3, "DAYS": 90.0, "SEED": 1, "PRICES": [50, 93, 200]},
    "03_calibrate": {"FIT_DAYS": 150, "TEST_DAYS": 90, "REPLICATIONS": 4,
                     "BACKTEST_REPLICATIONS": 6},
    "04_sensitivity": {"SAMPLES": 4, "TRAJECTORIES": 4, "REPLICATIONS": 1, "DAYS": 60},
}
#: Seconds any one cell may take at the small sizes (they take a few).
TIMEOUT = 120
#: Stored notebooks must read well on a code host: below this size.
MAX_BYTES = 2_000_000
NUMBER = r"[-+]?\$?[\d,]+(?:\.\d+)?"


def number(text: str) -> float:
    return float(text.replace(",", "").replace("$", ""))


def images(nb) -> int:
    return sum("image/png" in out.get("data", {})
               for c in nb.cells if c.cell_type == "code" for out in c.outputs)


def text_of(cell) -> str:
    """Everything a code cell printed or showed as text."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "".join(parts)


def tagged(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}"
    return cells[0]


def execute(name: str, tmp_path: Path):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    run_all.set_parameters(nb, SMALL[name])
    run_all.execute(nb, cwd=tmp_path, timeout=TIMEOUT)
    errors = [out for c in nb.cells if c.cell_type == "code" for out in c.outputs
              if out.output_type == "error"]
    assert not errors
    return nb


# ---------------------------------------------------------------------------------------------
# The stored notebooks


@pytest.mark.parametrize("name", run_all.NOTEBOOKS)
def test_stored_with_outputs_and_clean_metadata(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.stat().st_size < MAX_BYTES
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    # executed top to bottom in one kernel, every cell, none failing
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(out.output_type != "error" for c in code for out in c.outputs)
    assert not any("execution" in c.metadata for c in code)
    assert text_of(tagged(nb, "conclusion")).strip()
    assert images(nb) >= 2
    # the small sizes of this test name parameters the notebook still has
    run_all.set_parameters(nb, SMALL[name])


def test_set_parameters_refuses_a_name_the_cell_does_not_assign():
    nb = nbformat.read(NOTEBOOKS / "01_jem_vs_wso.ipynb", as_version=4)
    with pytest.raises(KeyError, match="REPLICATONS"):
        run_all.set_parameters(nb, {"REPLICATONS": 2})
    run_all.set_parameters(nb, {"REPLICATIONS": 2})
    assert "REPLICATIONS = 2\n" in run_all.parameters_cell(nb).source + "\n"


# ---------------------------------------------------------------------------------------------
# Only the public API


#: The packages and modules directly inside jailsim.
MODULES_INSIDE = {p.stem for p in Path(jailsim.__file__).parent.iterdir()
                  if p.suffix == ".py" or (p / "__init__.py").is_file()}


def private_uses(source: str) -> list[str]:
    """What the code of a cell uses that is not jailsim's public API, one line each.

    The public API is ``jailsim`` and the names of ``jailsim.__all__`` (and what they return);
    not public: a module inside jailsim (``jailsim.results.tables``), imported or reached as
    an attribute or by its name as text, a name outside ``__all__`` (but Python's own
    ``__dunder__`` names: ``jailsim.__version__``), any name starting with ``_``, and
    ``dataclasses.replace`` (a frozen object changed behind its own methods' back).
    IPython's ``%`` and ``!`` lines are left out.
    """
    code = "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))
    public = set(jailsim.__all__)
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}: a module inside jailsim" for a in node.names
                      if a.name.startswith("jailsim.")]
        elif isinstance(node, ast.ImportFrom):
            module, names = node.module or "", [a.name for a in node.names]
            if module.startswith("jailsim."):
                found.append(f"from {module} import ...: a module inside jailsim")
            elif module == "jailsim":
                found += [f"from jailsim import {n}: not in jailsim.__all__" for n in names
                          if n not in public]
            elif module == "dataclasses" and "replace" in names:
                found.append("from dataclasses import replace")
        elif isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            dunder = node.attr.startswith("__") and node.attr.endswith("__")
            if node.attr.startswith("_") and not dunder:
                found.append(f"...{node.attr}: a private name")
            elif owner == "jailsim" and node.attr not in public and not dunder:
                found.append(f"jailsim.{node.attr}: not in jailsim.__all__")
            elif owner == "dataclasses" and node.attr == "replace":
                found.append("dataclasses.replace")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            first = re.match(r"jailsim\.(\w+)(\.|$)", node.value)
            if first and first.group(1) in MODULES_INSIDE:
                found.append(f"{node.value!r}: a module inside jailsim, by name")
    return found


def test_private_uses_finds_each_kind_of_private_use():
    fine = ("import jailsim\nfrom jailsim import Result, simulate\n%matplotlib inline\n"
            "res = jailsim.simulate('jailsim:jem.yaml')\nres.plot.los()\n"
            "print(jailsim.__version__, 'jailsim.yaml')")
    assert private_uses(fine) == []
    for code in ["from jailsim.results.tables import cell",
                 "import jailsim.present.figures as jfigures",
                 "import jailsim\njailsim.results.plots.holds(res)",
                 "from jailsim import _API",
                 "res.plot._result",
                 "import dataclasses\ndataclasses.replace(res, scenario=sc)",
                 "from dataclasses import replace",
                 "importlib.import_module('jailsim.results.tables')"]:
        assert len(private_uses(code)) == 1, code


@pytest.mark.parametrize("name", run_all.NOTEBOOKS)
def test_notebooks_use_only_the_public_api(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    found = [f"cell {k}: {line}" for k, c in enumerate(nb.cells) if c.cell_type == "code"
             for line in private_uses(c.source)]
    assert not found, "\n".join(found)


def test_a_kernel_shows_a_figure_once_and_a_result_as_a_short_table(tmp_path):
    """A figure that is a cell's value is shown once (not again as a pyplot figure left
    open); a Result is shown by its HTML, escaped."""
    cells = ["import jailsim\n"
             "sc = jailsim.load('jailsim:jem.yaml').with_({'name': '<b>JEM</b>'})\n"
             "res = jailsim.simulate(sc, seed=1, replications=2, days=20, engine='vector')",
             "res.plot.census()",
             "res"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = run_all.KERNELSPEC
    run_all.execute(nb, cwd=tmp_path, timeout=TIMEOUT)
    figure, result = nb.cells[1], nb.cells[2]
    assert [("image/png" in out.get("data", {})) for out in figure.outputs] == [True]
    page = result.outputs[0].data["text/html"]
    assert "&lt;b&gt;JEM&lt;/b&gt;" in page and "<b>JEM</b>" not in page
    assert len(page) < 4000
    assert result.outputs[0].data["text/plain"].startswith("Result(scenario='<b>JEM</b>'")


# ---------------------------------------------------------------------------------------------
# Executed at small sizes


def concluded(nb, pattern: str) -> tuple[str, tuple[float, float, float]]:
    """The conclusion cell's text and the (value, low, high) that ``pattern`` finds in it."""
    text = text_of(tagged(nb, "conclusion"))
    m = re.search(pattern, text)
    assert m, text
    value, lo, hi = (number(g) for g in m.groups())
    assert lo < value < hi
    return text, (value, lo, hi)


def small_comparison(name: str, *scenarios: str):
    """The paired comparison the notebook ``name`` runs at the test's small sizes."""
    p = SMALL[name]
    return jailsim.compare([f"jailsim:{s}.yaml" for s in scenarios], seed=p["SEED"],
                           replications=p["REPLICATIONS"], days=p["DAYS"], engine="vector")


def test_01_jem_vs_wso(tmp_path):
    nb = execute("01_jem_vs_wso", tmp_path)
    text, (diff, lo, hi) = concluded(
        nb, rf"ADP, WSO − JEM: ({NUMBER}) people \(95% interval ({NUMBER}) to ({NUMBER});")
    # the notebook's numbers are the ones the same paired comparison gives here
    c = small_comparison("01_jem_vs_wso", "jem", "wso")
    row = c.differences.set_index("metric").loc["adp"]
    assert diff == pytest.approx(row["diff"], abs=0.051)
    assert (lo, hi) == pytest.approx((row["diff_ci_low"], row["diff_ci_high"]), abs=0.051)
    for metric in ("Mean stay", "Detainers lodged", "ICE transfers"):
        assert f"{metric}, WSO − JEM:" in text
    assert images(nb) >= 5


def test_02_budget(tmp_path):
    nb = execute("02_budget", tmp_path)
    text, (net, lo, hi) = concluded(
        nb, rf"JEM − no 287\(g\): net cost ({NUMBER}) a year \(95% interval ({NUMBER}) "
            rf"to ({NUMBER})\)")
    c = small_comparison("02_budget", "no_287g", "jem")
    d = jailsim.budget_difference(*c.results.values())
    assert net == pytest.approx(d.loc["net_cost_usd", "mean"], abs=0.51)
    # one line per scenario on the share of detainer costs the detainers caused
    assert len(re.findall(r"spent on people with detainers, \d+% is caused", text)) == 3
    assert images(nb) >= 3


def test_03_calibrate(tmp_path):
    nb = execute("03_calibrate", tmp_path)
    text = text_of(tagged(nb, "conclusion"))
    m = re.search(r"fitted ([\d.]+)/day \(SE ([\d.]+)\) against the true ([\d.]+)/day", text)
    assert m, text
    rate, se, true = (float(g) for g in m.groups())
    assert true == 15.6  # the base county's booking rate
    assert abs(rate - true) < 4 * se  # a fit to simulated data recovers the truth
    assert "Back-test, census:" in text
    log = "".join(text_of(c) for c in nb.cells if c.cell_type == "code")
    assert ": balanced" in log  # every row read is kept, dropped or merged
    assert images(nb) == 6  # four fit-report figures, two back-test figures
    # nothing written outside the temporary working directory
    assert (tmp_path / "county.yaml").is_file()
    assert not (NOTEBOOKS / "county.yaml").exists()


def test_04_sensitivity(tmp_path):
    nb = execute("04_sensitivity", tmp_path)
    lines = text_of(tagged(nb, "conclusion")).strip().splitlines()
    outputs = ["adp", "mean_los_days_detainer", "hold_bed_days", "ice_transfers",
               "screening_coverage"]
    assert [line.split(":")[0] for line in lines] == outputs
    # ICE pickup and the hold cap act after release, so they cannot change who is screened
    # (only whether a held person's exit falls inside the window): never influential
    influential = re.search(r"influential: (.*?); negligible", lines[-1]).group(1)
    assert "ice.p_pickup (" not in influential and "hold.cap (" not in influential
    assert images(nb) >= 2
