"""Re-execute the notebooks and store their outputs in place.

    .venv/bin/python notebooks/run_all.py                 # all four, at full size
    .venv/bin/python notebooks/run_all.py 02_budget       # one (name with or without .ipynb)
    make notebooks                                        # the same as the first line

Each notebook runs in a fresh ``python3`` kernel, in a temporary working directory (files a
notebook writes never land in the repository), with the values of its ``parameters`` cell
unless ``set_parameters`` changes them (the test suite does, to run them small). Outputs are
stored with clean metadata (no timings, a fixed kernel name), so re-running gives small diffs.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
#: The notebooks, in reading order.
NOTEBOOKS = ("01_jem_vs_wso", "02_budget", "03_calibrate", "04_sensitivity")
KERNEL = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}


def parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The code cell tagged ``parameters`` (exactly one per notebook)."""
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"expected one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def set_parameters(nb: nbformat.NotebookNode, values: dict) -> None:
    """Replace the values of names assigned in the parameters cell (``NAME = value`` lines).

    Raises
    ------
    KeyError
        When a name is not assigned in the cell, so a renamed parameter cannot be missed.
    """
    cell = parameters_cell(nb)
    lines = cell.source.splitlines()
    names = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and node.lineno == node.end_lineno:
                names[target.id] = node.lineno - 1
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise KeyError(f"not one-line assignments of the parameters cell: {unknown}")
    for name, value in values.items():
        lines[names[name]] = f"{name} = {value!r}"
    cell.source = "\n".join(lines)


def clean(nb: nbformat.NotebookNode) -> None:
    """Fixed kernel name and language, no timing or widget metadata."""
    info = nb.metadata.get("language_info", {})
    nb.metadata = nbformat.from_dict({
        "kernelspec": KERNELSPEC,
        "language_info": {k: info[k] for k in ("name", "version") if k in info},
    })
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)


def execute(nb: nbformat.NotebookNode, *, cwd: str | Path, timeout: int = 1800):
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``; outputs go into ``nb``.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        On the first cell that raises, with its traceback.
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    clean(nb)
    return nb


def run(name: str, *, timeout: int = 1800) -> Path:
    """Execute ``notebooks/<name>.ipynb`` at the sizes of its parameters cell, in place."""
    path = HERE / f"{name.removesuffix('.ipynb')}.ipynb"
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="jailsim-nb-") as tmp:
        execute(nb, cwd=tmp, timeout=timeout)
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: the names of the notebooks to run (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"notebooks (default: {', '.join(NOTEBOOKS)})")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    for name in args.names or NOTEBOOKS:
        start = time.perf_counter()
        path = run(name, timeout=args.timeout)
        size = path.stat().st_size / 1e6
        print(f"{path.name}: executed in {time.perf_counter() - start:.0f} s, {size:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
