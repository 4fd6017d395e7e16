"""One self-contained HTML file from an output folder: inputs, headline table, figures.

The report reads only what a run wrote (``summary.json``, ``scenario.resolved.yaml``,
``bookings.parquet``, ``census.parquet``), so it can be made at any time after the run, on
any machine. Figures are embedded as base64 PNG and the page uses no scripts, fonts or
styles from the network: it opens offline.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import pandas as pd

from jailsim import plots
from jailsim.atomic import atomic_write_text
from jailsim.metrics import METRICS
from jailsim.result import Result
from jailsim.scenario.loading import ScenarioError, load

REPORT_NAME = "report.html"

_CSS = """
body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;font-size:.85rem;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:right;overflow-wrap:anywhere}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
img{max-width:100%;height:auto;display:block;margin:1rem 0}
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto;font-size:.75rem;max-height:30rem}
.note{color:#444;font-size:.85rem}
"""


def load_run(folder: str | Path) -> Result:
    """Rebuild a Result from a run's output folder (one-line error if it is not one)."""
    folder = Path(folder)
    missing = [n for n in ("summary.json", "scenario.resolved.yaml", "bookings.parquet",
                           "census.parquet") if not (folder / n).exists()]
    if missing:
        raise ScenarioError([f"{folder}: not a jailsim run folder (missing {', '.join(missing)})"])
    summary = json.loads((folder / "summary.json").read_text())
    metrics_path = folder / "replications.csv"
    metrics = pd.read_csv(metrics_path) if metrics_path.exists() else pd.DataFrame()
    return Result(
        scenario=load(folder / "scenario.resolved.yaml"),
        engine=summary.get("engine", "?"),
        bookings=pd.read_parquet(folder / "bookings.parquet"),
        census=pd.read_parquet(folder / "census.parquet"),
        metrics=metrics,
    )


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _headline(summary: dict) -> str:
    rows = []
    for name, m in summary["metrics"].items():
        unit, meaning = METRICS.get(name, ("", ""))
        ci = (f"{_fmt(m['ci_low'])} – {_fmt(m['ci_high'])}"
              if m.get("ci_low") is not None else "–")
        rows.append(f"<tr><td><code>{name}</code></td><td>{html.escape(meaning)}</td>"
                    f"<td>{_fmt(m['mean'])}</td><td>{ci}</td><td>{html.escape(unit)}</td></tr>")
    return ("<table><tr><th>metric</th><th>meaning</th><th>mean</th><th>95% interval</th>"
            "<th>unit</th></tr>" + "".join(rows) + "</table>")


def _plain_summary(summary: dict, result: Result) -> str:
    m = {k: v["mean"] for k, v in summary["metrics"].items()}
    sc = result.scenario
    text = (
        f"Under scenario <b>{html.escape(sc.name)}</b> (program {sc.program}), the jail held "
        f"on average {_fmt(m['adp'])} people and booked {_fmt(m['bookings_per_day'])} a day. "
        f"People with a detainer stayed {_fmt(m['mean_los_days_detainer'])} days on average, "
        f"against {_fmt(m['mean_los_days_no_detainer'])} days for others. Detainers caused "
        f"{_fmt(m['attributable_bed_days'])} bed-days over the "
        f"{_fmt(sc.horizon - sc.warmup)}-day window, of which "
        f"{_fmt(m['attributable_bed_days_hold'])} in holds past release and the rest before "
        f"release (bail not posted because of the detainer)."
    )
    return f"<p>{text}</p>"


HEADLINE = ["adp", "mean_los_days", "mean_los_days_detainer", "bed_days", "hold_bed_days",
            "attributable_bed_days", "detainers", "ice_transfers", "lapsed_detainers",
            "citizen_detainers"]


def _page(title: str, body: list[str]) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def _comparison_body(folder: Path) -> tuple[str, list[str]]:
    """Title and body of the report of a ``jailsim compare`` folder."""
    comp = json.loads((folder / "comparison.json").read_text())
    runs = {s["label"]: load_run(folder / s["folder"]) for s in comp["scenarios"]}
    base = comp["baseline"]
    sentences, tables, figures = [], [], []
    for label, diffs in comp["differences"].items():
        for name in HEADLINE:
            d = diffs.get(name)
            if d is None or d["diff"] is None:
                continue
            unit = d["unit"]
            sentences.append(
                f"<li><b>{html.escape(METRICS.get(name, ('', name))[1])}</b>: "
                f"{_fmt(d['scenario_mean'])} under {html.escape(label)} against "
                f"{_fmt(d['baseline_mean'])} under {html.escape(base)}, a difference of "
                f"{_fmt(d['diff'])} {html.escape(unit)} (95% interval {_fmt(d['diff_ci_low'])} "
                f"to {_fmt(d['diff_ci_high'])}).</li>")
        rows = "".join(
            f"<tr><td><code>{k}</code></td><td>{html.escape(v['unit'])}</td>"
            f"<td>{_fmt(v['baseline_mean'])}</td><td>{_fmt(v['scenario_mean'])}</td>"
            f"<td>{_fmt(v['diff'])} [{_fmt(v['diff_ci_low'])}, {_fmt(v['diff_ci_high'])}]</td>"
            f"</tr>" for k, v in diffs.items())
        tables.append(f"<h3>{html.escape(label)} − {html.escape(base)}</h3><table><tr>"
                      f"<th>metric</th><th>unit</th><th>{html.escape(base)}</th>"
                      f"<th>{html.escape(label)}</th><th>difference [95% interval]</th></tr>"
                      f"{rows}</table>")
        frame = pd.DataFrame(diffs).T
        keep = [m for m in HEADLINE if m in frame.index and pd.notna(frame.loc[m, "pct"])]
        figures.append(_png(plots.differences(
            frame.loc[keep, ["pct", "pct_ci_low", "pct_ci_high"]].astype(float).rename(
                columns={"pct_ci_low": "pct_low", "pct_ci_high": "pct_high"}),
            title=f"{label} compared with {base}: paired differences")))
    figures.insert(0, _png(plots.los_survival(runs)))
    figures += [_png(plots.census(r)) for r in runs.values()]
    crn = "common random numbers" if comp["common_random_numbers"] else "independent streams"
    body = [
        f"<h1>jailsim comparison: {html.escape(' vs '.join(runs))}</h1>",
        f"<p class='note'>seed {comp['seed']}, {comp['replications']} replications per "
        f"scenario on {crn}, engine {comp['engine']}, jailsim {comp['jailsim_version']}. "
        "Differences are paired by replication, with 95% t-intervals.</p>",
        "<h2>In plain words</h2><ul>", *sentences, "</ul>",
        "<h2>Differences</h2>", *tables,
        "<h2>Figures</h2>", *figures,
        "<h2>Inputs (the resolved scenarios, as run)</h2>",
        *(f"<h3>{html.escape(k)}</h3><pre>"
          f"{html.escape((folder / s['folder'] / 'scenario.resolved.yaml').read_text())}</pre>"
          for k, s in zip(runs, comp["scenarios"], strict=True)),
    ]
    return f"jailsim: {' vs '.join(runs)}", body


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for a run or comparison folder (or to ``out``); return its path."""
    folder = Path(folder)
    path = Path(out) if out else folder / REPORT_NAME
    if (folder / "comparison.json").exists():
        title, body = _comparison_body(folder)
        return atomic_write_text(path, _page(title, body))
    result = load_run(folder)
    summary = json.loads((folder / "summary.json").read_text())
    resolved = (folder / "scenario.resolved.yaml").read_text()
    figures = [plots.los_survival(result), plots.census(result), plots.holds(result)]
    if result.scenario.uses_jem:
        figures.append(plots.screening(result))
    body = [
        f"<h1>jailsim report: {html.escape(result.scenario.name)}</h1>",
        f"<p class='note'>seed {summary['seed']}, {summary['replications']} replications, "
        f"engine {summary['engine']}, jailsim {summary['jailsim_version']}; measurement "
        f"window days {summary['window_days'][0]:g}–{summary['window_days'][1]:g} from "
        f"{summary['start_date']}.</p>",
        "<h2>In plain words</h2>",
        _plain_summary(summary, result),
        "<h2>Headline metrics</h2>",
        _headline(summary),
        "<h2>Figures</h2>",
        *(_png(f) for f in figures),
        "<h2>Inputs (the resolved scenario, as run)</h2>",
        "<p class='note'>Sources of the default numbers are the comments of "
        "<code>scenarios/base_county.yaml</code> (facts.md sections).</p>",
        f"<pre>{html.escape(resolved)}</pre>",
    ]
    return atomic_write_text(path, _page(f"jailsim: {result.scenario.name}", body))
