"""The names of the metrics, their units and meanings, and the one check of names a user gives.

:data:`METRICS` (name -> unit and meaning, in the order of tables and reports) and the
:data:`HEADLINE` metrics are what the command line's options name and its help lists; they
live here, apart from :mod:`jailsim.results.metrics` (which computes them and re-exports these
names), so that building the parser imports neither numpy, pandas nor scipy.
"""

from __future__ import annotations

from jailsim.base.names import check_names

__all__ = ["HEADLINE", "METRICS", "check_metrics"]

#: Every metric: name -> (unit, meaning). Order is the order of tables and reports.
METRICS: dict[str, tuple[str, str]] = {
    "bookings_per_day": ("per day", "bookings (both streams) booked in the window, per day"),
    "civil_arrests": (
        "count", "bookings in the window arrested for ICE alone, with no state charge (Task Force)"
    ),
    "releases_per_day": ("per day", "exits of any kind in the window, per day"),
    "adp": ("people", "average daily population: time-average census over the window"),
    "expected_los_days": ("days", "BJS expected length of stay: adp / bookings_per_day"),
    "mean_los_days": ("days", "mean length of stay of people who left in the window"),
    "median_los_days": ("days", "median length of stay of people who left in the window"),
    "mean_los_days_detainer": ("days", "mean stay of people who left with a detainer"),
    "mean_los_days_no_detainer": ("days", "mean stay of people who left without a detainer"),
    "los_ratio_detainer": ("ratio", "mean_los_days_detainer / mean_los_days_no_detainer"),
    "bed_days": ("bed-days", "occupied bed-days in the window"),
    "bed_days_per_year": ("bed-days/yr", "bed_days scaled to 365.25 days"),
    "hold_bed_days": (
        "bed-days", "bed-days held for ICE past release, until ICE took custody, in the window"
    ),
    "igsa_bed_days": (
        "bed-days", "bed-days of ICE's detainees kept in this jail under an IGSA, in the window"
    ),
    "detainer_bed_days": ("bed-days", "bed-days of people with a detainer lodged, in the window"),
    "boarded_out_bed_days": ("bed-days", "bed-days above rated capacity, in the window"),
    "attributable_bed_days": (
        "bed-days",
        "bed-days in the window caused by detainers (vs the same draws without detainer effects)",
    ),
    "attributable_bed_days_pre_release": (
        "bed-days",
        "part of attributable_bed_days before release (bail not posted because of a detainer)",
    ),
    "attributable_bed_days_hold": (
        "bed-days", "part of attributable_bed_days spent held for ICE past release"
    ),
    "attributable_bed_days_igsa": (
        "bed-days", "part of attributable_bed_days spent here as ICE's detainee (IGSA)"
    ),
    "peak_census": ("people", "highest daily average census in the window"),
    "detainers": ("count", "detainers lodged in the window on people in custody"),
    "detainers_per_1000_bookings": ("per 1,000", "detainers / bookings in the window x 1000"),
    "detainers_jem": ("count", "detainers in the window first lodged by a JEM screening"),
    "holds": ("count", "holds for ICE that started in the window"),
    "mean_hold_hours": (
        "hours", "mean hold length (to ICE custody or the hold's end), holds ended in the window"
    ),
    "hold_hours_p50": ("hours", "median hold length of holds that ended in the window"),
    "hold_hours_p90": ("hours", "90th percentile of hold length, holds ended in the window"),
    "holds_to_ice_share": ("share", "holds ended in the window with ICE taking custody"),
    "held_without_detainer_hours": (
        "hours",
        "hours people due for release in the window were kept with no detainer in force: an "
        "interview running over, or a detainer on its way (jem.at_release: finish)",
    ),
    "at_large_leads": (
        "count",
        "JEM detainers that took effect in the window after the person had left (leads for "
        "ICE at large)",
    ),
    "ice_transfers": ("count", "people transferred to ICE in the window"),
    "transfers_at_release": (
        "count",
        "of ice_transfers, those taken at the door: ICE told of the release, no one held "
        "(honor.policy notify_only, convicted_only)",
    ),
    "mandatory_detainers": (
        "count",
        "detainers lodged in the window on removable people charged with an offense ICE must "
        "lodge on (ice.mandatory_offenses)",
    ),
    "lapsed_detainers": ("count", "holds that ended at the cap without ICE in the window"),
    "cancelled_detainers": (
        "count", "holds that ended in the window when ICE cancelled the detainer"
    ),
    "detainers_to_ice_share": (
        "share",
        "detainers lodged in the window whose person ICE took into custody by the end of the run "
        "(TRAC's measure: all detainers in the denominator)",
    ),
    "detainers_held_share": (
        "share", "people with a detainer reaching release in the window who were held for ICE"
    ),
    "ice_transfers_charges_pending": (
        "count", "ICE transfers in the window of people whose criminal case was not disposed"
    ),
    "pretrial_release_share_detainer": (
        "share",
        "people whose bail was decided in the window with a detainer lodged by then, released "
        "on recognizance or on bail",
    ),
    "pretrial_release_share_no_detainer": (
        "share", "the same share for people without a detainer by their bail decision"
    ),
    "declined_detainers": ("count", "people released in the window with a detainer not held"),
    "citizen_detainers": (
        "count", "detainers lodged in the window on U.S. citizens (database or screening errors)"
    ),
    "us_born_detainers": (
        "count", "of citizen_detainers, those on people born in the U.S. (flagged by error)"
    ),
    "citizen_holds": ("count", "holds for ICE of U.S. citizens that started in the window"),
    "citizen_detainer_bed_days": (
        "bed-days", "bed-days of U.S. citizens with a detainer lodged, in the window"
    ),
    "citizen_attributable_bed_days": (
        "bed-days", "bed-days in the window caused by detainers lodged on U.S. citizens"
    ),
    "screening_coverage": (
        "share", "bookings flagged for a JEM interview that were screened before leaving"
    ),
    "mean_screening_wait_hours": ("hours", "mean wait from ready to interview, JEM"),
    "officer_utilization": ("share", "JEM officer busy time / scheduled officer time"),
    "warrants_served": ("count", "ICE warrants served by WSO officers in the window"),
    "wso_officer_utilization": ("share", "WSO officer busy time / scheduled officer time"),
}


#: The headline metrics: those the precision rule watches and a sensitivity analysis
#: analyses unless told otherwise (the DESIGN's headline numbers).
HEADLINE = ("adp", "mean_los_days", "bed_days", "hold_bed_days", "detainers", "ice_transfers")


def check_metrics(names, where: str | None = "metrics") -> list[str]:
    """``names`` as a list, if each is a metric: the one check of metric names a user gives.

    Raises
    ------
    ScenarioError
        One line: ``where: unknown metric 'adpp'; did you mean 'adp'? (allowed: ...)``.
    """
    return check_names(names, METRICS, "metric", where)
