"""The columns of a county's file: which column holds which role, and how its text reads.

Each role of a booking export (booking time, release time, charge, release reason, hold
flag, ...) is either named by the user (``--columns booked=BOOK_DT``) or guessed from common
column names compared without case, spaces or punctuation; a roster guesses its roles the
same way. Files are read as text (:mod:`jailsim.county.files`), and flags, release reasons and
charge levels are read from the words jails use for them ("Y", "ICE TRANSFER", "F2", "misd").
"""

from __future__ import annotations

import re

import pandas as pd

from jailsim.base.errors import ScenarioError

__all__ = [
    "GUESSES",
    "ROLES",
    "charge_group",
    "find_columns",
    "guess_columns",
    "parse_columns",
    "read_flag",
    "release_reason",
]

#: What each column of an export can mean; ``booked`` is required.
ROLES = ("id", "booked", "released", "charge", "reason", "hold", "hold_start", "hold_end")
#: Column names tried for each role (compared lower-case, without spaces or punctuation).
GUESSES: dict[str, tuple[str, ...]] = {
    "id": ("bookingid", "bookingnumber", "bookingno", "bookingnum", "bookid", "bookno",
           "bookingkey", "jailid", "id"),
    "booked": ("booked", "bookedat", "bookingdate", "bookingdatetime", "bookingtime",
               "bookdate", "bookdatetime", "bookingdt", "intakedate", "admissiondate",
               "admitdate", "admitted", "datebooked"),
    "released": ("released", "releasedat", "releasedate", "releasedatetime", "releasetime",
                 "reldate", "releasedt", "dischargedate", "discharged", "datereleased"),
    "charge": ("charge", "chargelevel", "chargeclass", "chargedegree", "level", "severity",
               "offenselevel", "chargetype", "topcharge"),
    "reason": ("reason", "releasereason", "releasetype", "disposition", "releasedto"),
    "hold": ("hold", "icehold", "immigrationhold", "detainer", "icedetainer", "ice", "holdflag"),
    "hold_start": ("holdstart", "holdstartat", "holdstartdate", "holdbegan", "icehold_start",
                   "iceholdstart", "holdplaced", "detainerplaced"),
    "hold_end": ("holdend", "holdendat", "holdenddate", "iceholdend", "holdreleased",
                 "holdlifted"),
}
_TRUE = {"y", "yes", "true", "t", "1", "x"}
_FALSE = {"n", "no", "false", "f", "0", "none", "null", "na", "n/a", ""}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def parse_columns(text: str | None) -> dict[str, str]:
    """``"booked=BOOK_DT,released=REL_DT"`` -> ``{"booked": "BOOK_DT", ...}``.

    Raises
    ------
    ValueError
        On a part without ``=`` or an unknown role.
    """
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        role, sep, name = part.partition("=")
        role = role.strip().replace("-", "_")
        if not sep or not name.strip():
            raise ValueError(f"got {part.strip()!r}; expected ROLE=COLUMN, e.g. booked=BOOK_DT")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        out[role] = name.strip()
    return out


def guess_columns(
    present: list, given: dict[str, str], guesses: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Complete ``given`` (role -> column) by guessing the other roles' columns.

    For each role of ``guesses`` not given: the first column not yet taken whose name
    (lower-case, without spaces or punctuation) is one of that role's guesses.
    """
    out = dict(given)
    by_norm = {_norm(c): c for c in present}
    taken = set(given.values())
    for role, names in guesses.items():
        if role in out:
            continue
        for guess in names:
            col = by_norm.get(guess)
            if col is not None and col not in taken:
                out[role] = col
                taken.add(col)
                break
    return out


def find_columns(frame: pd.DataFrame, given: dict[str, str], where: str) -> dict[str, str]:
    """Role -> column of ``frame``: the columns ``given``, the other roles guessed.

    Raises
    ------
    ScenarioError
        If a given column is missing or given for two roles, or no booking time column is
        found.
    """
    present = list(frame.columns)
    problems, roles = [], {}
    for role, name in given.items():
        if name not in present:
            problems.append(f"{where}: column {name!r} (for {role}) not found "
                            f"(columns: {', '.join(map(str, present))})")
        elif name in roles:
            problems.append(f"{where}: column {name!r} given for both {roles[name]} and {role}; "
                            "each role needs a column of its own")
        roles.setdefault(name, role)
    if problems:
        raise ScenarioError(problems)
    out = guess_columns(present, given, GUESSES)
    if "booked" not in out:
        raise ScenarioError([
            f"{where}: column 'booked' not found (columns: {', '.join(map(str, present))}); "
            "name it with --columns booked=COLUMN"
        ])
    return out


def read_flag(values: pd.Series) -> pd.Series:
    """A yes/no column as booleans: anything but a blank or a "no" word ("N", "false") is yes."""
    text = values.astype("string").fillna("").str.strip().str.lower()
    return ~text.isin(_FALSE)


def release_reason(values: pd.Series) -> pd.Series:
    """Release reasons as ``released``, ``ice``, ``prison`` or ``unknown`` (blank)."""
    text = values.astype("string").fillna("").str.strip().str.upper()
    out = pd.Series("released", index=values.index, dtype=object)
    out[text == ""] = "unknown"
    out[text.str.contains(r"PRISON|\bDOC\b|DEPT.? OF CORR|STATE", regex=True)] = "prison"
    out[text.str.contains(r"\bICE\b|IMMIG|\bDHS\b|287|DETAINER|INS\b", regex=True)] = "ice"
    return out


def charge_group(values: pd.Series) -> pd.Series:
    """Charge levels as groups: ``felony``, ``misdemeanor``, else the text in snake case.

    "F2", "Fel" and "felony" read as ``felony``, "M1" and "misd" as ``misdemeanor``; blank
    values are NA.
    """
    text = values.astype("string").fillna("").str.strip().str.lower()
    out = text.str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    out = out.mask(text.str.match(r"^(f\b|f\d|fel)"), "felony")
    out = out.mask(text.str.match(r"^(m\b|m\d|mis)"), "misdemeanor")
    return out.mask(out == "", pd.NA)
