"""Draw the README's figures from the demo's comparison (``make demo``: JEM and WSO on the
default county, the demo's seed and replications).

    .venv/bin/python docs/make_demo_figures.py      # writes docs/figures/demo_*.png
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import jailsim  # noqa: E402
from jailsim.cli.main import DEMO_REPLICATIONS, DEMO_SEED  # noqa: E402
from jailsim.present import figures  # noqa: E402
from jailsim.results import plots  # noqa: E402
from jailsim.scenario.loading import shipped_scenarios_dir  # noqa: E402

OUT = Path(__file__).resolve().parent / "figures"
#: The headline differences drawn (the demo table's metrics that differ between the two).
SHOWN = ["adp", "mean_los_days", "bed_days", "hold_bed_days", "detainers", "ice_transfers",
         "lapsed_detainers"]


def main() -> None:
    folder = shipped_scenarios_dir()
    comp = jailsim.compare([folder / "jem.yaml", folder / "wso.yaml"], seed=DEMO_SEED,
                           replications=DEMO_REPLICATIONS)
    jem = comp.results["JEM"]
    source = (f"jailsim demo — scenarios 'JEM' and 'WSO', seed {DEMO_SEED}, "
              f"{DEMO_REPLICATIONS} paired replications, engine {jem.engine}")
    OUT.mkdir(exist_ok=True)
    fig = figures.differences(comp.differences.set_index("metric"), SHOWN, source=source,
                            title="WSO compared with JEM on the same bookings (95% intervals)")
    fig.savefig(OUT / "demo_differences.png", dpi=110)
    fig = plots.los_survival(comp.results)
    fig.savefig(OUT / "demo_los_survival.png", dpi=110)
    print("wrote", *sorted(p.name for p in OUT.glob("demo_*.png")))


if __name__ == "__main__":
    main()
