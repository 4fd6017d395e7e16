"""The columns of a county's file: which column holds which role, and how its text reads.

Each role of a booking export (booking time, release time, charge, release reason, hold
flag, ...) is either named by the user (``--columns booked=BOOK_DT``) or guessed from common
column names compared without case, spaces or punctuation; a roster guesses its roles the
same way. Files are read as text (:mod:`jailsim.county.files`), and flags, release reasons and
charge levels are read from the words jails use for them ("Y", "ICE TRANSFER", "F2", "misd").
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from jailsim.base.errors import ScenarioError
from jailsim.county.exportnames import ROLES

__all__ = [
    "FLAG_NO",
    "FLAG_YES",
    "GUESSES",
    "HOLD_NAMES",
    "ROLES",
    "charge_group",
    "charge_key",
    "map_charges",
    "parse_charge_map",
    "find_columns",
    "guess_columns",
    "parse_columns",
    "read_flag",
    "unread_flags",
    "release_reason",
]

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
#: Words a hold flag reads as yes and as no (compared trimmed, in lower case; blank is no).
FLAG_YES = ("y", "yes", "true", "t", "1", "1.0", "x")
FLAG_NO = ("n", "no", "false", "f", "0", "0.0", "none", "null", "na", "n/a", "")
#: A hold flag may name the hold instead of saying yes: ``ICE``, ``ICE DETAINER``, ``DHS``,
#: ``immigration hold``, ``I-247A``, ``287(g)`` (unless it begins with a no: ``no hold``).
HOLD_NAMES = (r"(?<![a-z0-9])(?:ice|dhs|ins|immig\w*|detainer|detained|hold|i-?247[a-z]?"
              r"|i-?203|287\s*\(?g\)?)(?![a-z0-9])")
_NEGATED = r"^(?:no|not|non)\b"


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


def _flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string").fillna("").str.strip().str.lower()
    no = text.isin(FLAG_NO) | text.str.contains(_NEGATED, regex=True)
    yes = ~no & (text.isin(FLAG_YES) | text.str.contains(HOLD_NAMES, regex=True))
    return yes.astype(bool), no.astype(bool)


def read_flag(values: pd.Series) -> pd.Series:
    """A hold flag column as booleans: yes for a yes word (:data:`FLAG_YES`) or a hold's name.

    Anything else is not a hold: a no word (:data:`FLAG_NO`, ``no hold``), a blank, and a
    value that is neither (``maybe``), which :func:`unread_flags` finds to be reported.

    Examples
    --------
    >>> read_flag(pd.Series(["Y", "ICE detainer", "I-247A", "no hold", "", "maybe"])).tolist()
    [True, True, True, False, False, False]
    """
    return _flags(values)[0]


def unread_flags(values: pd.Series) -> pd.Series:
    """Which values of a hold flag column are neither yes nor no (see :func:`read_flag`).

    Examples
    --------
    >>> unread_flags(pd.Series(["Y", "n", "maybe", "?", "287(g)"])).tolist()
    [False, False, True, True, False]
    """
    yes, no = _flags(values)
    return ~yes & ~no


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


def charge_key(value) -> str:
    """A charge code as the key a charge map matches: trimmed, lower case, numbers canonical.

    ``" F2 "`` and ``"f2"`` match; ``"01"``, ``"1.0"`` and ``"1"`` are the same number (a
    workbook may write a code as ``1.0``).

    >>> [charge_key(v) for v in (" F2 ", "01", "1.0", "2.5", "")]
    ['f2', '1', '1', '2.5', '']
    """
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _map_pairs(pairs, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for place, code, group in pairs:
        code, group = code.strip(), group.strip()
        if not code or not group:
            raise ScenarioError([f"{where}: {place}: expected CODE=GROUP, e.g. 1=felony"])
        key = charge_key(code)
        group = str(charge_group(pd.Series([group]))[0])  # "Felony", "misd": the base's names
        if key in out and out[key] != group:
            raise ScenarioError([f"{where}: {place}: code {code!r} is mapped twice "
                                 f"({out[key]!r} and {group!r})"])
        out[key] = group
    return out


def parse_charge_map(text: str) -> dict[str, str]:
    """A charge map: ``"0=misdemeanor,1=felony"``, or a file of ``CODE=GROUP`` lines or CSV.

    ``text`` naming an existing file reads it: one ``CODE=GROUP`` per line, or a CSV whose
    first two columns are the code and the group (after a header line); blank lines and
    lines starting with ``#`` are skipped. Keys are codes as :func:`charge_key` reads them.

    Raises
    ------
    ScenarioError
        One line naming the file (or the option) and the line or part that is not
        ``CODE=GROUP``, or a code mapped to two groups.

    Examples
    --------
    >>> parse_charge_map("0=Misd, 1=felony,F1=felony,99=Violent crime")
    {'0': 'misdemeanor', '1': 'felony', 'f1': 'felony', '99': 'violent_crime'}
    """
    path = Path(text)
    if not path.is_file():
        parts = [p for p in text.split(",") if p.strip()]
        pairs = []
        for part in parts:
            code, sep, group = part.partition("=")
            pairs.append((f"{part.strip()!r}", code if sep else "", group))
        if not pairs:
            raise ScenarioError(["--charge-map: empty; expected CODE=GROUP,..., e.g. "
                                 "0=misdemeanor,1=felony, or a file"])
        return _map_pairs(pairs, "--charge-map")
    lines = [(i, line) for i, line in enumerate(path.read_text(encoding="utf-8-sig")
                                                .splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError([f"{path}: empty charge map; expected CODE=GROUP lines or a CSV of "
                             "code and group"])
    pairs = []
    if "=" in lines[0][1]:
        for i, line in lines:
            code, sep, group = line.partition("=")
            pairs.append((f"line {i}", code if sep else "", group))
    else:

        for i, line in lines[1:]:  # the first line is the header
            cells = next(csv.reader([line]))
            pairs.append((f"line {i}", cells[0] if len(cells) >= 2 else "",
                          cells[1] if len(cells) >= 2 else ""))
    return _map_pairs(pairs, str(path))


def map_charges(codes: pd.Series, mapping: dict[str, str] | None) -> tuple[pd.Series, pd.Series]:
    """Charge group of each code, and which codes the map left out.

    Without a map every code is grouped by :func:`charge_group` (so ``0``/``1`` flags and
    offence codes are groups of their own name). With one, a code the map names (matched by
    :func:`charge_key`) takes its group; a code it does not name keeps the
    :func:`charge_group` reading and is marked unmapped. Blank codes are NA and never
    unmapped.

    Returns
    -------
    (groups, unmapped) : pandas.Series
        Aligned with ``codes``: the group (NA for a blank code) and a boolean.

    Examples
    --------
    >>> g, un = map_charges(pd.Series(["0", "1", "1.0", "7", ""]), {"0": "misd", "1": "fel"})
    >>> g.tolist(), un.tolist()
    (['misd', 'fel', 'fel', '7', <NA>], [False, False, False, True, False])
    """
    default = charge_group(codes)
    if not mapping:
        return default, pd.Series(False, index=codes.index)
    keys = codes.astype("string").fillna("").map(charge_key)
    mapped = keys.map(mapping)
    blank = keys == ""
    unmapped = mapped.isna() & ~blank
    out = mapped.astype(object).where(~unmapped, default).where(~blank, pd.NA)
    return out.astype("string"), unmapped.astype(bool)
