"""The published figures jailsim is held against, each with how its study measured it.

One :class:`Figure` per published number: the study, its county and years, what the number was
measured on (its denominator), the value and its band, the measure that computes it from
simulated bookings (:mod:`jailsim.evidence.measures`), and the county preset that describes the
county at the time (``scenarios/published/``, sourced inputs only). Sources are in
``docs/sources.md`` (sections 4 and 5); the figures themselves are never inputs of their own
preset (``tests/evidence/test_presets.py`` checks the presets' tags).

A figure is *matched* when jailsim's mean falls inside the published interval, or, where the
study gives a point value, within :data:`POINT_BAND` of it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIGURES", "POINT_BAND", "Figure", "headline"]

#: The band around a published point value within which jailsim's figure counts as matched.
POINT_BAND = 0.25


@dataclass(frozen=True)
class Figure:
    """One published figure.

    Attributes
    ----------
    key
        A short unique name (``harris_2015_detainer_share``).
    study, county, years
        Who published it, about which county, for which period.
    denominator
        What the number was measured on, as the study says.
    measure
        The name of the measure in :data:`jailsim.evidence.measures.MEASURES`.
    value, low, high
        The published value, and its interval where the study gives one (else None: a
        point value, matched within :data:`POINT_BAND`).
    unit
        ``share``, ``days`` or ``ratio``.
    preset
        The county preset, relative to the shipped scenarios folder.
    headline
        The study's headline figure (one per study); others are shown beside them.
    leaves_out
        What the model leaves out that this figure depends on: printed when it is missed.
    calibrates
        For a figure an input was calibrated to (not evidence): that input. Its row shows
        how well the calibration holds.
    """

    key: str
    study: str
    county: str
    years: str
    denominator: str
    measure: str
    value: float
    unit: str
    preset: str
    headline: bool
    leaves_out: str
    low: float | None = None
    high: float | None = None
    calibrates: str | None = None

    @property
    def band(self) -> tuple[float, float]:
        """The interval a matched figure falls in."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        return self.value * (1 - POINT_BAND), self.value * (1 + POINT_BAND)

    def matched(self, x: float) -> bool:
        """Whether jailsim's value ``x`` falls in the band."""
        lo, hi = self.band
        return bool(lo <= x <= hi)


FIGURES: tuple[Figure, ...] = (
    Figure(
        key="harris_2015_detainer_share",
        study="Harris County Sheriff's Office (release of April 2016)",
        county="Harris County, TX", years="2015",
        denominator="people booked in 2015 (about 120,000); 1,831 placed on detainers after "
                    "JEM screening",
        measure="detainer_share", value=0.015, unit="share",
        preset="published/harris_2015.yaml", headline=True,
        leaves_out="the share of Harris County's bookings born abroad and the share of those "
                   "screened who were found removable are not published; the preset keeps "
                   "the base county's 15% foreign-born (an assumption) and Frederick County's "
                   "25% detainers per foreign-born person screened",
    ),
    Figure(
        key="king_2011_stay_ratio",
        study="Beckett & Evans, University of Washington (2013)",
        county="King County, WA", years="2011",
        denominator="about 33,000 bookings released in 2011; regression of the stay on a "
                    "detainer, controlling for charges (+161%)",
        measure="stay_ratio", value=2.61, unit="ratio",
        preset="published/king_2011.yaml", headline=True,
        leaves_out="the bail effect of a detainer is one factor per charge class (felony, "
                   "misdemeanor), calibrated on Harris County 2019, and the stays are the base "
                   "county's; the study controlled for more than the charge class",
    ),
    Figure(
        key="king_2011_extra_days",
        study="Beckett & Evans, University of Washington (2013)",
        county="King County, WA", years="2011",
        denominator="bookings released in 2011: people with a detainer against the others "
                    "(\"nearly 30 days\" longer on average)",
        measure="extra_days", value=30.0, unit="days",
        preset="published/king_2011.yaml", headline=False,
        leaves_out="as for the stay ratio: the bail effect by charge class calibrated "
                   "elsewhere, the base county's stays",
    ),
    Figure(
        key="los_angeles_2011_extra_days",
        study="Justice Strategies (Greene, 2012), from Sheriff's Department records",
        county="Los Angeles County, CA", years="2011-12",
        denominator="people held with an immigration detainer: average days in jail beyond "
                    "those of people without one",
        measure="extra_days", value=20.6, unit="days",
        preset="published/los_angeles_2011.yaml", headline=True,
        leaves_out="the preset's JEM screens after sentence, as the county's programme did, "
                   "so its detainers fall on people serving jail sentences, whose stays are "
                   "the base county's assumed sentence lengths (Los Angeles County's stays and "
                   "sentences in 2011-12 are not in docs/sources.md); and the preset sends "
                   "0.6% of its releases to ICE against the 14% the JFA Institute counted in "
                   "2011, so the county's people with detainers were a far broader group than "
                   "the preset's (its foreign-born share of bookings and its fingerprint-hit "
                   "rate are not published)",
    ),
    Figure(
        key="pierce_2016_stay_ratio",
        study="University of Washington Center for Human Rights (2019)",
        county="Pierce County, WA", years="Oct 2016 - Jul 2018",
        denominator="bookings with an ICE detainer on the booking sheet against the others, "
                    "controlling for charge seriousness and count (188 people with detainers)",
        measure="stay_ratio", value=3.7, unit="ratio",
        preset="published/pierce_2016.yaml", headline=True,
        leaves_out="the model has no count of charges, one bail factor per charge class, "
                   "and the base county's stays",
    ),
    Figure(
        key="pierce_2016_detainer_share",
        study="Pierce County Sheriff (KIRO 7, January 2019)",
        county="Pierce County, WA", years="2016-18",
        denominator="\"0.6% of their detainees\" subject to ICE detainer requests (the "
                    "sheriff's words; bookings or jail population not said)",
        measure="detainer_share", value=0.006, unit="share",
        preset="published/pierce_2016.yaml", headline=False,
        leaves_out="the county's foreign-born share of bookings is not published; the "
                   "preset keeps the base county's assumption",
    ),
    Figure(
        key="miami_dade_2017_extra_days",
        study="Community Justice Project, Florida Immigrant Coalition, WeCount! (2018)",
        county="Miami-Dade County, FL", years="27 Jan - 28 Dec 2017",
        denominator="people with a detainer: additional days in custody each",
        measure="extra_days", value=56.0, unit="days",
        preset="published/miami_dade_2017.yaml", headline=True,
        leaves_out="the bail effect of a detainer is calibrated on Harris County 2019, with "
                   "none on misdemeanors, and the stays are the base county's; the study "
                   "found people with detainers in Miami-Dade \"far less likely to post "
                   "bond\", more so than that calibration gives",
    ),
    Figure(
        key="bell_2011_days_per_detainer_month",
        study="Texas Commission on Jail Standards, via the Killeen Daily Herald (2014)",
        county="Bell County, TX", years="Oct 2011 - May 2014",
        denominator="21,136 jail days of 1,200 inmates with detainers, counted month by month "
                    "(person-months)",
        measure="days_per_detainer_month", value=21136 / 1200, unit="days",
        preset="published/bell_2011.yaml", headline=True,
        leaves_out="the stays of Bell County's people with detainers are the base county's; "
                   "a detainer lengthens them through the bail effect by charge class",
    ),
    Figure(
        key="harris_2019_days_per_detainer",
        study="Texas Association of Counties (2020) and TRAC (FY2019)",
        county="Harris County, TX", years="2019",
        denominator="958 people held with detainers on 1 Oct 2019 over the 5,072 detainers "
                    "the jail received in FY2019: days held per detainer, by Little's law",
        measure="days_per_detainer", value=958 / (5072 / 365), unit="days",
        preset="published/harris_2019.yaml", headline=False,
        leaves_out="the calibration of bond.detainer_factor no longer holds: rerun it",
        calibrates="bond.detainer_factor",
    ),
)


def headline() -> tuple[Figure, ...]:
    """The headline figure of each study."""
    return tuple(f for f in FIGURES if f.headline)
