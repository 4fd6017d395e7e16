"""Calibration: a scenario fitted to a county's booking export, with its provenance.

:func:`calibrate` reads an export (:mod:`jailsim.county.exports`), fits what the export can tell
about the jail and writes it as a scenario that ``extends: jailsim:base_county.yaml``; every
other input keeps the base county's value and cited source. What is fitted, and how:

* Arrivals: a Poisson model of bookings per clock hour, ``rate x weight(hour of week) x
  (1 + trend) ** years``, by maximum likelihood; the profile is either hour-of-day times
  day-of-week (30 weights) or a free hour-of-week profile (168), chosen by held-out
  likelihood over weeks; a trend only over a window of a year or more, with or without it by
  AIC (:mod:`jailsim.calibration.arrivalfit`).
* Charge mix: the share of bookings in each charge group (charge codes mapped to groups by
  ``charge_map``); it replaces the base county's mix.
* Stays, by charge group: censoring-aware fits (:mod:`jailsim.calibration.stayfit`) mapped
  onto the court path (pretrial release after a delay, or held to disposition); see
  :meth:`jailsim.calibration.stayfit.StayFit.paths`. A tail the export cannot identify is
  taken from a named prior (:mod:`jailsim.calibration.stayprior`).
* Immigration holds, when the export has them (:mod:`jailsim.calibration.holdfit`): the share
  of bookings with a detainer (matched by simulation, since a detainer lodged after release
  never shows), the hold cap from holds that ended without ICE, and ICE's pickup delay and
  pickup probability from transfers.

The fits are written as a scenario by :mod:`jailsim.calibration.fittedscenario`.

What makes a fit weaker than it looks is said, one line each, as a :class:`CalibrationWarning`
kept in :attr:`Calibration.caveats` (and written into the scenario's header and the fit
report): a single stay model fitted to every booking (no charge column, a blank one, or every
charge group too small), an estimate too imprecise to rely on (:data:`MAX_RELATIVE_SE`), a
trend kept from the base county, a stay tail taken from a prior, and charge codes the map
does not name (see :func:`caveats`). Too many unreadable timestamps stop the calibration
(:mod:`jailsim.calibration.exportcheck`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.base.atomic import atomic_write
from jailsim.base.errors import ScenarioError
from jailsim.calibration.arrivalfit import ArrivalFit, fit_arrivals
from jailsim.calibration.commentedyaml import comment_lines, yaml_lines
from jailsim.calibration.exportcheck import MAX_UNREADABLE_SHARE, check_unreadable, first_lines
from jailsim.calibration.fitneeds import fit_group_stays
from jailsim.calibration.fitreport import fit_report
from jailsim.calibration.fittedscenario import BASE, fitted_scenario, match_hold_share
from jailsim.calibration.holdfit import HoldFit, fit_holds
from jailsim.calibration.parameters import parameter_table
from jailsim.calibration.ridge import with_ridge_covariance
from jailsim.calibration.stayprior import with_tail_prior
from jailsim.calibration.stays import Stays, fitted_bookings
from jailsim.calibration.uncertainty import uncertainty_block, uncertainty_lines
from jailsim.county.columns import map_charges
from jailsim.county.exports import Export, read_export
from jailsim.scenario.loading import load, validate
from jailsim.scenario.schema import Scenario

__all__ = ["MAX_RELATIVE_SE", "Calibration", "CalibrationWarning", "calibrate", "caveats"]

#: Charge groups with fewer bookings than this are pooled into ``other``.
MIN_GROUP = 100
#: An estimate whose standard error is more than this share of it is too imprecise to rely on
#: (its 95% interval is wider than +-20%): the booking rate, and each group's mean stay.
MAX_RELATIVE_SE = 0.10


class CalibrationWarning(UserWarning):
    """A fit weaker than it looks: one stay model for every charge, or too few bookings."""


@dataclass(frozen=True, eq=False)
class Calibration:
    """A fitted scenario with its fits, the cleaning log and provenance.

    ``scenario_dict`` is the scenario file's content (it ``extends`` the base county);
    ``comments`` maps dotted keys to the comment lines written above them; ``caveats`` holds
    what makes the fit weaker than it looks, one line each (see :func:`caveats`).

    Examples
    --------
    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "180d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> cal = jailsim.calibrate(export, families=["lognormal"])
    >>> sorted(cal.scenario_dict["charges"])
    ['felony', 'misdemeanor']
    >>> isinstance(cal.scenario(), jailsim.Scenario)
    True
    """

    export: Export
    arrivals: ArrivalFit
    stays: dict
    groups: pd.Series  # charge group of each booking of export.bookings
    holds: HoldFit | None
    scenario_dict: dict
    comments: dict
    header: list
    caveats: tuple = ()  # one line each: see :func:`caveats`
    charge_map: dict | None = None  # charge code -> group, as given

    def parameters(self) -> pd.DataFrame:
        """Each fitted parameter: estimate, 95% interval, the rows it used, what was assumed.

        See :func:`jailsim.calibration.parameters.parameter_table`.
        """
        return parameter_table(self)

    @property
    def log(self):
        """The export's cleaning log (rows dropped, merged and repaired, by reason)."""
        return self.export.log

    @property
    def fits(self) -> dict:
        """``{"arrivals": ArrivalFit, "stays": {group: StayFits}, "holds": HoldFit|None}``."""
        return {"arrivals": self.arrivals, "stays": self.stays, "holds": self.holds}

    def scenario(self) -> Scenario:
        """The fitted scenario, validated."""
        return validate(self.scenario_dict, source="<calibration>")

    @property
    def uncertainty(self) -> dict:
        """The fits' uncertainty as the scenario's ``uncertainty:`` block (entry -> entry).

        Each fitted value's distribution around the value written (the covariance of its
        fit, on the scales of :mod:`jailsim.calibration.uncertainty`); ``jailsim run``,
        ``compare`` and ``backtest`` draw from it with ``--parameter-uncertainty``.
        """
        return self.scenario_dict.get("uncertainty", {})

    def yaml(self) -> str:
        """The scenario file's text: provenance header, keys with their comments, the block."""
        lines = [out for line in self.header for out in comment_lines("", line)]
        data = {k: v for k, v in self.scenario_dict.items() if k != "uncertainty"}
        block = self.uncertainty
        notes = {k.removeprefix("uncertainty."): v for k, v in self.comments.items()
                 if k.startswith("uncertainty.")}
        tail = uncertainty_lines(block, notes) if block else []
        return "\n".join(lines + yaml_lines(data, "", 0, self.comments) + tail) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the scenario file, atomically, once it loads.

        The text is written beside ``path`` and loaded from there (so ``extends:`` resolves as
        it will); only a file that loads is renamed to ``path``, so an invalid scenario is
        never written and a file already at ``path`` is kept.

        Raises
        ------
        ScenarioError
            If ``path`` is the export being calibrated, or if the fitted scenario does not
            load (each problem named by its field).
        """
        path = Path(path)
        source = Path(self.export.source)
        if source.is_file() and path.exists() and path.resolve() == source.resolve():
            raise ScenarioError([f"{path}: is the export being calibrated; write the scenario "
                                 "to another file (--out)"])
        text = self.yaml()

        def write_checked(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")
            try:
                load(tmp)
            except ScenarioError as exc:
                raise ScenarioError([line.replace(str(tmp), str(path)).replace(tmp.name, path.name)
                                     for line in exc.lines]) from None

        atomic_write(path, write_checked)
        return path

    def summary_lines(self) -> list[str]:
        """What was fitted, in a few lines (printed by ``jailsim calibrate``)."""
        a = self.arrivals
        if not a.trend_fitted:
            trend = f"trend {a.trend:+.3f}/year kept from the base county (window under a year)"
        elif a.model.endswith("trend"):
            trend = (f"trend {a.trend:+.3f}/year (95% {a.trend_interval[0]:+.3f} to "
                     f"{a.trend_interval[1]:+.3f})")
        else:
            trend = "no trend (by AIC)"
        how = "by held-out likelihood" if len(a.heldout) else "by weekday only: no booking hours"
        out = [f"arrivals: {a.rate:.2f}/day (SE {a.rate_se:.2f}) at {self.export.start.date()},"
               f" {trend}, profile {a.profile} ({how})"]
        for g, fits in self.stays.items():
            best = fits.best
            p, se = best.params(), best.se()
            prior = " (tail from a prior)" if fits.prior_fit is not None else ""
            out.append(f"stay [{g}]: {best.name}, mean {p['mean']:.1f} d (SE {se['mean']:.1f})"
                       f"{prior}, {fits.stays.n:,} stays ({int(fits.stays.held.sum()):,} still "
                       f"held); naive mean of released {fits.stays.naive_mean():.1f} d")
        if self.holds is not None:
            h = self.holds
            out.append(f"holds: {h.n_hold:,} of {h.n:,} bookings ({h.share:.2%}), outcomes "
                       f"{h.outcomes}")
        return out

    def report(self, folder, *, replications: int = 20, seed: int = 1, progress=None,
               workers: int | None = None):
        """Write the fit report folder (see :func:`jailsim.calibration.fitreport.fit_report`).

        ``progress(done, total)`` is called as the report's replications finish; ``workers``
        local processes run them (default: this process).
        """
        return fit_report(self, folder, replications=replications, seed=seed,
                          progress=progress, workers=workers)


def _charges(export: Export, charge_map: dict | None) -> tuple[pd.Series, list[str]]:
    """Charge group of each booking (codes mapped by ``charge_map``), and notes on the codes.

    A note lists the codes the map does not name (each keeps its own group, and its rows are
    counted in the cleaning log), or, without a map, groups that are bare codes ("0", "1").
    """
    b = export.bookings
    if "charge" not in export.columns:
        return b["charge"], []
    groups, unmapped = map_charges(b["charge_code"].astype("string").str.strip(), charge_map)
    notes = []
    if unmapped.any():
        un, lines = unmapped.to_numpy(), b["line"].to_numpy()
        codes = b["charge_code"].astype(str).str.strip().to_numpy()
        export.log.add("repaired", "charge code not in the charge map: kept as its own group",
                       lines[un], list(codes[un]))
        counts = pd.Series(codes[un]).value_counts()
        listed = ", ".join(f"{c!r} ({n:,} bookings, {first_lines(lines[un & (codes == c)], 3)})"
                           for c, n in counts.head(5).items())
        more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
        notes.append(f"charge codes not in the charge map: {listed}{more}; each is a group of "
                     "its own (name it in --charge-map CODE=GROUP)")
    elif charge_map is None:
        coded = sorted(g for g in groups.dropna().unique() if str(g).replace(".", "").isdigit())
        if coded:
            notes.append(f"charge groups named by codes ({', '.join(map(repr, coded))}): each "
                         "is a charge class of its own, not a felony; name them with "
                         "--charge-map CODE=GROUP (e.g. 0=misdemeanor,1=felony)")
    return groups, notes


def _groups(export: Export, min_group: int,
            charge: pd.Series | None = None) -> tuple[pd.Series, str | None]:
    """Charge group of each booking; small and blank groups pooled into ``other``.

    ``charge`` is each booking's group before pooling (default: the export's reading). The
    second value says why every booking is in one group ``all`` (None: grouped by charge).
    """
    charge = export.bookings["charge"] if charge is None else charge
    if "charge" not in export.columns:
        why = "no charge column found (name it with --columns charge=COLUMN)"
        return pd.Series("all", index=charge.index), why
    if charge.isna().all():
        why = f"the charge column {export.columns['charge']!r} is blank in every booking"
        return pd.Series("all", index=charge.index), why
    counts = charge.value_counts()
    small = set(counts[counts < min_group].index)
    pooled = charge.isna() | charge.isin(small)
    out = charge.where(~pooled, "other")
    if pooled.any():
        why = f"charge blank or in a group under {min_group} bookings: pooled as 'other'"
        if (out == "other").sum() < min_group:
            if (out == "other").all():  # every group is small: one group of all bookings
                why = f"every charge group under {min_group} bookings"
                export.log.add("repaired", f"{why}: one group 'all'", export.bookings["line"])
                return pd.Series("all", index=charge.index), why
            largest = out[out != "other"].value_counts().index[0]
            out = out.where(out != "other", largest)
            why = f"charge blank or in a group under {min_group} bookings: pooled into {largest!r}"
        export.log.add("repaired", why, export.bookings["line"][pooled])
    return out.astype(str), None


def caveats(export: Export, arrivals: ArrivalFit, stays: dict, single: str | None,
            charge_notes: list[str] = ()) -> list[str]:
    """What makes a calibration weaker than it looks, one line each.

    The rule: a line for a single stay model fitted to every booking (``single`` says why),
    a line for each note on the charge codes (``charge_notes``: codes the map does not name,
    or groups that are bare codes), a line when the trend is kept from the base county (the
    window is under :data:`~jailsim.calibration.arrivalfit.TREND_MIN_DAYS`), a line for each
    group whose stay tail comes from a prior (:mod:`~jailsim.calibration.stayprior`), and a
    line for each estimate whose standard error is more than :data:`MAX_RELATIVE_SE` (10%)
    of it, or could not be estimated: the booking rate (SE from the Poisson likelihood,
    about ``rate / sqrt(bookings)``, so under about 100 bookings) and each group's mean stay
    (SE by the delta method on the chosen stay model's likelihood, which grows with the
    spread of the stays and the share still held, not with their number alone). Both
    standard errors are those printed in the fit summary.

    Parameters
    ----------
    export, arrivals, stays
        The export and its fits (``stays``: group -> :class:`~.stayfit.StayFits`).
    single
        Why every booking is in one stay group (None: stays fitted by charge group).
    charge_notes
        Notes on the charge codes (see ``_charges``).
    """
    out = []
    if single is not None:
        out.append(f"{single}: one stay model fitted to all {len(export.bookings):,} bookings"
                   " and used for every charge")
    out += list(charge_notes)
    if not arrivals.trend_fitted:
        out.append(arrivals.trend_note)
    for g, fits in stays.items():
        if fits.tail is not None and not fits.tail.identified:
            out.append(f"stay tail [{g}]: {fits.tail.describe()}")
    rule = (f"an SE above {MAX_RELATIVE_SE:.0%} of the estimate makes the fit unreliable (a "
            "longer export narrows it)")

    def imprecise(value: float, se: float) -> bool:
        return not (np.isfinite(se) and np.isfinite(value) and se <= MAX_RELATIVE_SE * value)

    def share(value: float, se: float) -> str:
        return f"{se / value:.0%}" if value > 0 and np.isfinite(se) else "not estimable"

    a = arrivals
    if imprecise(a.rate, a.rate_se):
        out.append(f"small export: booking rate {a.rate:.2f}/day has SE {a.rate_se:.2f} "
                   f"({share(a.rate, a.rate_se)}) from {a.n_total:,} bookings in "
                   f"{export.window_days:g} days; {rule}")
    for g, fits in stays.items():
        best = fits.best
        mean, se = best.params()["mean"], best.se()["mean"]
        if imprecise(mean, se):
            out.append(f"imprecise stay fit [{g}]: mean {mean:.1f} d has SE {se:.1f} d "
                       f"({share(mean, se)}) from {fits.stays.n:,} stays "
                       f"({int(fits.stays.held.sum()):,} still held); {rule}")
    return out


def calibrate(
    data,
    *,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
    as_of=None,
    name: str | None = None,
    min_group: int = MIN_GROUP,
    families: list[str] | None = None,
    seed: int = 0,
    charge_map: dict[str, str] | None = None,
    max_unreadable: float = MAX_UNREADABLE_SHARE,
) -> Calibration:
    """Fit a scenario to a booking export.

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        The export (see :func:`jailsim.county.exports.read_export` for what it may hold).
    columns, timezone, as_of
        Passed to :func:`~jailsim.county.exports.read_export`.
    name : str, optional
        Scenario name (default: the file name + " (calibrated)").
    min_group : int
        Charge groups with fewer bookings are pooled into ``other``.
    families : list of str, optional
        Stay models to consider (names in
        :data:`jailsim.calibration.stayfamilies.FAMILIES`; default all).
    seed : int
        Seed of the mixture fits' extra start and of the simulation that matches the hold
        share (the result is deterministic for a seed).
    charge_map : dict, optional
        Charge code -> group (:func:`jailsim.county.columns.parse_charge_map` reads
        ``"0=misdemeanor,1=felony"`` or a file); codes it does not name keep their own group
        and are reported.
    max_unreadable : float
        Largest share of rows with an unreadable booking or release time
        (:data:`~jailsim.calibration.exportcheck.MAX_UNREADABLE_SHARE`, 5%); more stops the
        calibration.

    Returns
    -------
    Calibration
        ``.write(path)`` writes the scenario; ``.log`` is the cleaning log; ``.fits`` the fits.

    Raises
    ------
    ScenarioError
        If the export cannot be read, or has more unreadable timestamps than
        ``max_unreadable`` allows (one line: the file, the columns and their first rows).

    Warns
    -----
    CalibrationWarning
        One per line of :attr:`Calibration.caveats`, naming the export: a single stay model
        for every charge, or an estimate too imprecise to rely on (:func:`caveats`).

    Examples
    --------
    Fit the base county's own bookings (simulated, starting empty) and find its booking rate,
    15.6 a day, again, within 4 standard errors of a Poisson count over 180 days:

    >>> import jailsim
    >>> from jailsim.county.exports import to_export
    >>> sc = jailsim.load("jailsim:base_county.yaml").with_(
    ...     {"warm_start.kind": "none", "horizon": "180d"})
    >>> export = to_export(jailsim.simulate(sc, seed=1).bookings, sc.start_date)
    >>> cal = jailsim.calibrate(export, families=["lognormal"])
    >>> rate = cal.scenario().arrivals.bookings.rate
    >>> bool(abs(rate - 15.6) < 4 * (15.6 / 180) ** 0.5)
    True
    """
    export = read_export(data, columns=columns, timezone=timezone, as_of=as_of)
    check_unreadable(export, max_unreadable)
    base = load(BASE)
    arrivals = fit_arrivals(export, base.arrivals.bookings.profile.trend_per_year)
    codes, charge_notes = _charges(export, charge_map)
    group, single = _groups(export, min_group, codes)
    hold = export.bookings["hold"].to_numpy()
    use = fitted_bookings(hold)
    b = export.bookings
    stays = {}
    for g in sorted(group.unique()):
        sel = (group == g).to_numpy() & use
        data = Stays(*(b[c].to_numpy()[sel] for c in ("stay_lo", "stay_hi", "stay_shift")))
        fits = with_tail_prior(fit_group_stays(export, g, data, families=families,
                                               seed=seed), g)
        stays[g] = with_ridge_covariance(fits, g)  # as wide as the likelihood's ridge
    holds = fit_holds(export, base.hold.cap)
    data_, comments, header = fitted_scenario(export, arrivals, stays, group, single is None,
                                              holds, base, name, bool(hold.any()))
    notes = tuple(caveats(export, arrivals, stays, single, charge_notes))
    at = header.index("") if "" in header else len(header)  # under the source's lines
    header[at:at] = [f"Warning: {line}" for line in notes]
    cal = Calibration(export, arrivals, stays, group, holds, data_, comments, header, notes,
                      charge_map)
    if holds is not None:
        match_hold_share(cal, base, seed)
    targets = {g: [g] for g in stays} if single is None else {"all": list(base.charges)}
    block, notes_u = uncertainty_block(cal, targets)
    cal.scenario_dict["uncertainty"] = block
    cal.comments.update({f"uncertainty.{k}": v for k, v in notes_u.items()})
    for line in notes:
        warnings.warn(CalibrationWarning(f"{export.source}: {line}"), stacklevel=2)
    return cal
