"""One self-contained HTML file from an output folder: inputs, headline table, figures.

The folder may be a run's (``jailsim run``), a comparison's (``jailsim compare``, ``demo``),
a sweep's (``jailsim sweep``) or a sensitivity analysis's (``jailsim sensitivity``). The
report reads only what the command wrote (for a run ``summary.json``,
``scenario.resolved.yaml``, ``bookings.parquet``, ``census.parquet``; for a sweep
``sweep.json``, ``sweep.csv``; for a sensitivity analysis ``sensitivity.json``,
``sensitivity.csv``), so it can be made at any time after the run, on any machine. Figures
are embedded as base64 PNG and the page uses no scripts, fonts or styles from the network:
it opens offline.

Intervals follow the rule of the command line's tables (:mod:`jailsim.results.tables`): printed
as computed, and one of a metric that cannot be negative whose lower end is below 0 is marked
with a note under its table. A comparison's tables are the command line's cells: each
scenario's own mean ± half-width (defined even where the other side's is not), the difference
and the percent change.
"""

from __future__ import annotations

import base64
import html
import io
import json
import textwrap
from pathlib import Path

import pandas as pd

from jailsim.base.atomic import atomic_write_text
from jailsim.base.manifest import check_output, write_output
from jailsim.experiments.comparison import table_rows
from jailsim.model.context import Context
from jailsim.present.figures import differences, sensitivity_indices, sweep_metrics
from jailsim.present.page import page
from jailsim.present.periods import period_section, program_sentence
from jailsim.results import plots
from jailsim.results.metrics import HEADLINE, METRICS
from jailsim.results.result import Result
from jailsim.results.rundir import as_written
from jailsim.results.tables import BELOW_ZERO, BELOW_ZERO_NOTE, below_zero
from jailsim.scenario.reference import field_unit

REPORT_NAME = "report.html"



def load_run(folder: str | Path) -> Result:
    """Rebuild a Result from a run's output folder (one-line error if it is not one)."""
    return Result.load(folder)


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


def _wrap(title: str, width: int = 60) -> str:
    """A figure title on lines of at most ``width`` characters, so it is not cut off."""
    return "\n".join(textwrap.wrap(title, width))


def _note(cells: str) -> str:
    """The note on intervals below 0, if one of ``cells`` is marked."""
    return f"<p class='note'>{html.escape(BELOW_ZERO_NOTE)}</p>" if BELOW_ZERO in cells else ""


def _headline(summary: dict) -> str:
    rows = []
    for name, m in summary["metrics"].items():
        unit, meaning = METRICS.get(name, ("", ""))
        ci = (_interval(m["ci_low"], m["ci_high"], name)
              if m.get("ci_low") is not None else "–")
        rows.append(f"<tr><td><code>{name}</code></td><td>{html.escape(meaning)}</td>"
                    f"<td>{_fmt(m['mean'])}</td><td>{ci}</td><td>{html.escape(unit)}</td></tr>")
    cells = "".join(rows)
    return ("<table><tr><th>metric</th><th>meaning</th><th>mean</th><th>95% interval</th>"
            "<th>unit</th></tr>" + cells + "</table>" + _note(cells))


def _html_table(rows: list[list[str]]) -> str:
    """A table of text cells, header first, the first column's names as code."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join(
        f"<tr><td><code>{html.escape(r[0])}</code></td>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in r[1:]) + "</tr>" for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>" + _note(body)


def _differences_frame(comp: dict) -> pd.DataFrame:
    """The rows of ``comparison.csv`` from ``comparison.json`` (null: NaN)."""
    nan = float("nan")
    return pd.DataFrame.from_records([
        {"scenario": label, "baseline": comp["baseline"], "metric": name,
         **{k: nan if v is None else v for k, v in d.items()}}
        for label, diffs in comp["differences"].items() for name, d in diffs.items()])


def _plain_summary(summary: dict, result: Result) -> str:
    m = {k: v["mean"] for k, v in summary["metrics"].items()}
    sc = result.scenario
    text = (
        f"Under scenario <b>{html.escape(sc.name)}</b> ({program_sentence(sc)}), the jail held "
        f"on average {_fmt(m['adp'])} people and booked {_fmt(m['bookings_per_day'])} a day. "
        f"People with a detainer stayed {_fmt(m['mean_los_days_detainer'])} days on average, "
        f"against {_fmt(m['mean_los_days_no_detainer'])} days for others. Detainers caused "
        f"{_fmt(m['attributable_bed_days'])} bed-days over the "
        f"{_fmt(sc.horizon - sc.warmup)}-day window, of which "
        f"{_fmt(m['attributable_bed_days_hold'])} in holds past release and the rest before "
        f"release (bail not posted because of the detainer)."
    )
    return f"<p>{text}</p>"


#: Metrics the report tells in words and shows in its tables.
REPORTED = ["adp", "mean_los_days", "mean_los_days_detainer", "bed_days", "hold_bed_days",
            "attributable_bed_days", "detainers", "ice_transfers", "lapsed_detainers",
            "citizen_detainers"]


def _comparison_body(folder: Path) -> tuple[str, list[str]]:
    """Title and body of the report of a ``jailsim compare`` folder."""
    comp = json.loads((folder / "comparison.json").read_text())
    runs = {s["label"]: load_run(folder / s["folder"]) for s in comp["scenarios"]}
    base = comp["baseline"]
    summaries = {label: run.summary() for label, run in runs.items()}
    frame_all = _differences_frame(comp)
    sentences, tables, figures = [], [], []
    for label, diffs in comp["differences"].items():
        for name in REPORTED:
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
        rows = table_rows({base: summaries[base], label: summaries[label]}, frame_all,
                          [m for m in diffs if m in METRICS])
        tables.append(f"<h3>{html.escape(label)} − {html.escape(base)}</h3>"
                      + _html_table(rows))
        frame = pd.DataFrame(diffs).T
        keep = [m for m in REPORTED if m in frame.index and pd.notna(frame.loc[m, "pct"])]
        figures.append(_png(differences(
            frame.loc[keep, ["pct", "pct_ci_low", "pct_ci_high"]].astype(float),
            title=_wrap(f"{label} compared with {base}: paired differences"),
            source=f"jailsim — seed {comp['seed']}, {comp['replications']} replications, "
                   f"engine {comp['engine']}")))
    figures.insert(0, _png(plots.los_survival(runs)))
    figures += [_png(plots.census(r)) for r in runs.values()]
    crn = "common random numbers" if comp["common_random_numbers"] else "independent streams"
    body = [
        f"<h1>jailsim comparison: {html.escape(' vs '.join(runs))}</h1>",
        f"<p class='note'>seed {comp['seed']}, {comp['replications']} replications per "
        f"scenario on {crn}, engine {comp['engine']}, jailsim {comp['jailsim_version']}. "
        "Differences are paired by replication; each cell is the mean ± the half-width of "
        "its 95% t-interval, and % is the percent change from the baseline.</p>",
        *(f"<p class='note'><b>Warning:</b> {html.escape(n)}.</p>" for n in comp.get("notes", [])),
        "<h2>In plain words</h2><ul>", *sentences, "</ul>",
        "<h2>Differences</h2>", *tables,
        "<h2>Figures</h2>", *figures,
        "<h2>Inputs (the resolved scenarios, as run)</h2>",
        *(f"<h3>{html.escape(k)}</h3><pre>"
          f"{html.escape((folder / s['folder'] / 'scenario.resolved.yaml').read_text())}</pre>"
          for k, s in zip(runs, comp["scenarios"], strict=True)),
    ]
    return f"jailsim: {' vs '.join(runs)}", body


def _interval(lo, hi, name: str | None = None) -> str:
    """``lo – hi``; marked when ``name`` cannot be negative and ``lo`` is below 0."""
    if not (pd.notna(lo) and pd.notna(hi)):
        return "–"
    mark = f" {BELOW_ZERO}" if name is not None and below_zero(float(lo), name) else ""
    return f"{_fmt(lo)} – {_fmt(hi)}{mark}"


def _cell(value) -> str:
    return html.escape(_fmt(value) if isinstance(value, float) else str(value))


def _inputs(folder: Path) -> list[str]:
    return ["<h2>Inputs (the resolved scenario, as run)</h2>",
            "<p class='note'>Sources of the default numbers are the comments of "
            "<code>scenarios/base_county.yaml</code> (see docs/scenario_reference.md).</p>",
            f"<pre>{html.escape((folder / 'scenario.resolved.yaml').read_text())}</pre>"]


def _sweep_body(folder: Path) -> tuple[str, list[str]]:
    """Title and body of the report of a ``jailsim sweep`` folder."""
    info = json.loads((folder / "sweep.json").read_text())
    factors = list(info["factors"])
    # a factor's value "null" (e.g. no seat limit) is a value, not a missing one
    table = pd.read_csv(folder / "sweep.csv", keep_default_na=False,
                        na_values={c: ["", "nan", "NaN"] for c in ("mean", "ci_low", "ci_high")})
    table[factors] = table[factors].replace("", "null")  # the CSV writes null as ""
    metrics = [m for m in HEADLINE if m in set(table["metric"])]
    points = table.drop_duplicates("point")[["point", *factors]]
    source = (f"jailsim — sweep of scenario '{info['scenario']}', seed {info['seed']}, "
              f"{info['replications']} replications per design point, engine {info['engine']}")
    sentences, tables = [], []
    for metric in metrics:
        unit, meaning = METRICS[metric]
        t = table[table["metric"] == metric].reset_index(drop=True)
        if t["mean"].isna().all():
            continue
        low, high = t.loc[t["mean"].idxmin()], t.loc[t["mean"].idxmax()]

        def where(row) -> str:
            return html.escape(", ".join(f"{f}={row[f]}" for f in factors))

        if low["mean"] == high["mean"]:
            sentences.append(f"<li><b>{html.escape(meaning)}</b> ({html.escape(unit)}): "
                             f"{_fmt(low['mean'])} at every design point.</li>")
        else:
            sentences.append(
                f"<li><b>{html.escape(meaning)}</b> ({html.escape(unit)}): lowest "
                f"{_fmt(low['mean'])} (95% interval "
                f"{_interval(low['ci_low'], low['ci_high'], metric)}) at {where(low)}; highest "
                f"{_fmt(high['mean'])} ({_interval(high['ci_low'], high['ci_high'], metric)}) "
                f"at {where(high)}.</li>")
        head = "".join(f"<th>{html.escape(f)}</th>" for f in factors)
        rows = "".join(
            f"<tr><td>{int(r['point'])}</td>"
            + "".join(f"<td>{_cell(r[f])}</td>" for f in factors)
            + f"<td>{_fmt(r['mean'])}</td><td>{_interval(r['ci_low'], r['ci_high'], metric)}"
            "</td></tr>" for _, r in t.iterrows())
        tables.append(f"<h3><code>{metric}</code>: {html.escape(meaning)} "
                      f"({html.escape(unit)})</h3><table><tr><th>point</th>{head}"
                      f"<th>mean</th><th>95% interval</th></tr>{rows}</table>{_note(rows)}")
    figures = [_png(sweep_metrics(table, f, metrics, factor_unit=field_unit(f),
                                        source=source)) for f in factors]
    design = "".join(f"<li><code>{html.escape(f)}</code>: "
                     f"{html.escape(', '.join(str(v) for v in vals))}</li>"
                     for f, vals in info["factors"].items())
    crn = "common random numbers" if info.get("common_random_numbers") else "independent"
    paired = (" Replication <i>r</i> of every point uses the same random streams, so the "
              "difference between two points is known more precisely than their two intervals "
              "suggest (<code>replications.csv</code> has the pairs)."
              if info.get("common_random_numbers") else "")
    body = [
        f"<h1>jailsim sweep: {html.escape(info['scenario'])}</h1>",
        f"<p class='note'>{len(points)} design point{'s' if len(points) != 1 else ''} "
        "(full factorial) x "
        f"{info['replications']} replications, seed {info['seed']} at every point "
        f"({crn}), engine {info['engine']}, jailsim {info['jailsim_version']}. Means with "
        f"95% t-intervals over replications.{paired}</p>",
        "<h2>In plain words</h2><ul>", *sentences, "</ul>",
        "<h2>Figures</h2>", *figures,
        "<h2>Headline metrics at each design point</h2>", *tables,
        "<p class='note'>Every metric of every design point is in <code>sweep.csv</code>; "
        "every replication in <code>replications.csv</code>.</p>",
        "<h2>What was varied</h2><ul>", design, "</ul>",
        *_inputs(folder),
    ]
    return f"jailsim sweep: {info['scenario']}", body


def _sensitivity_body(folder: Path) -> tuple[str, list[str]]:
    """Title and body of the report of a ``jailsim sensitivity`` folder."""
    info = json.loads((folder / "sensitivity.json").read_text())
    indices = pd.read_csv(folder / "sensitivity.csv")
    undefined = info.get("undefined_metrics") or []
    metrics = [m for m in dict.fromkeys(indices["metric"]) if m not in undefined]
    source = (f"jailsim — {info['method']} sensitivity of scenario '{info['scenario']}', "
              f"seed {info['seed']}, {info['points']} points x {info['replications_per_point']}"
              f" replications, engine {info['engine']}")
    rows = "".join(
        f"<tr><td><code>{html.escape(r['metric'])}</code></td>"
        f"<td><code>{html.escape(r['parameter'])}</code></td><td>{html.escape(r['index'])}</td>"
        f"<td>{_fmt(r['value']) if pd.notna(r['value']) else 'undefined'}</td>"
        f"<td>{_interval(r['ci_low'], r['ci_high'])}</td></tr>" for _, r in indices.iterrows())
    params = "".join(
        f"<li><code>{html.escape(p['path'])}</code>: "
        f"{p['low']:g}{html.escape(p.get('unit') or '')} to "
        f"{p['high']:g}{html.escape(p.get('unit') or '')}"
        f"{' (whole numbers)' if p.get('integer') else ''}</li>" for p in info["parameters"])
    skipped = info.get("skipped_metrics") or []
    body = [
        f"<h1>jailsim sensitivity: {html.escape(info['scenario'])}</h1>",
        f"<p class='note'>{info['method']} method, N = {info['samples']}: {info['points']} "
        f"sample points x {info['replications_per_point']} replications, seed {info['seed']}, "
        f"engine {info['engine']}, jailsim {info['jailsim_version']}. Indices with 95% "
        "bootstrap intervals (SALib).</p>",
        *(f"<p class='note'><b>Warning:</b> {html.escape(n)}.</p>" for n in info.get("notes", [])),
        *(["<h2>Figures</h2>", _png(sensitivity_indices(indices, metrics, source=source))]
          if metrics else []),
        "<h2>Indices</h2><table><tr><th>metric</th><th>parameter</th><th>index</th>"
        f"<th>value</th><th>95% interval</th></tr>{rows}</table>",
        *([f"<p class='note'>Not analysed (undefined at some point): "
           f"{html.escape(', '.join(skipped))}.</p>"] if skipped else []),
        *([f"<p class='note'>Undefined (the same at every sample point: no variance to share "
           f"out): {html.escape(', '.join(undefined))}.</p>"] if undefined else []),
        "<h2>What was varied</h2><ul>", params, "</ul>",
        *_inputs(folder),
    ]
    return f"jailsim sensitivity: {info['scenario']}", body


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for an output folder (or to ``out``); return its path.

    The folder is that of a run, a comparison, a sweep or a sensitivity analysis.

    Examples
    --------
    >>> import tempfile
    >>> import jailsim
    >>> from jailsim.present.report import write_report
    >>> folder = tempfile.mkdtemp()
    >>> s = jailsim.sweep("jailsim:jem.yaml", {"jem.officers": [1, 2]}, seed=1,
    ...                   replications=2, days=30, out=folder)
    >>> write_report(folder).name
    'report.html'
    """
    folder = Path(folder)
    kind = check_output(folder)["kind"]  # complete, and every file as it was written
    bodies = {"comparison": _comparison_body, "sweep": _sweep_body,
              "sensitivity": _sensitivity_body}
    if kind in bodies:
        with as_written(folder / f"{kind}.json"):
            text = page(*bodies[kind](folder))
    else:
        result = load_run(folder)
        with as_written(folder / "summary.json"):
            text = _run_page(folder, result)
    if out:
        return atomic_write_text(Path(out), text)
    return write_output(folder, REPORT_NAME, lambda p: p.write_text(text, encoding="utf-8"))


def _run_page(folder: Path, result: Result) -> str:
    """The report of a run folder, as HTML."""
    summary = json.loads((folder / "summary.json").read_text())
    figures = [plots.los_survival(result), plots.census(result), plots.holds(result)]
    if Context.of(result).policy.uses_jem:
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
        *period_section(result),
        "<h2>Figures</h2>",
        *(_png(f) for f in figures),
        *_inputs(folder),
    ]
    return page(f"jailsim: {result.scenario.name}", body)
