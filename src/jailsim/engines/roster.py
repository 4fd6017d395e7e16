"""Roster warm start: the jail at day 0 is a roster snapshot, each stay sampled given time served.

A roster lists the people in custody at ``start_date`` 00:00 (local time): when each was
booked and, where the jail records them, the charge level, foreign-born and citizen flags, and
whether an immigration detainer was lodged (and when). :func:`read_roster` reads such a CSV
(column names guessed as for ``jailsim calibrate``, timestamps read by
:mod:`jailsim.county.timestamps`) into the scenario's ``warm_start.people``, so the resolved scenario
carries the roster itself and runs again without the file.

:func:`roster_draws` turns the roster into bookings with ``booked_at < 0`` whose draws follow
the model *given what the roster says*: for each person it draws candidate paths from the
model (the same per-booking draws as any booking, from the roster's own streams
:data:`jailsim.model.streams.ROSTER_KEYS`), runs them through the vector engine, and keeps the first
candidate that is still in custody at day 0 and agrees with the roster's attributes and
detainer status. That is rejection sampling: for people who do not interact it draws exactly
from the model's conditional law (e.g. a remaining stay ``S - a | S > a`` after time served
``a``). Unmatched people are drawn again in further rounds, with more candidates each round,
up to :data:`MAX_CANDIDATES`; who is still unmatched then (a time served the model hardly ever
produces) takes the candidate with the latest exit among those that agree with the roster's
attributes, and is counted in a :class:`RosterWarning`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from jailsim.county.exports import (
    GUESSES,
    CleaningLog,
    _charge_group,
    _read_csv,
    guess_columns,
)
from jailsim.county.timestamps import parse_times, resolve_zone, to_local
from jailsim.model.calendar import HOLIDAY_DAYS_BEFORE
from jailsim.model.streams import PURPOSES, ROSTER_KEYS

__all__ = [
    "MAX_CANDIDATES",
    "ROLES",
    "RosterWarning",
    "check_people",
    "read_roster",
    "resolve",
    "roster_draws",
]

#: What each column of a roster can mean; ``booked`` is required.
ROLES = ("id", "booked", "charge", "foreign_born", "citizen", "detainer", "detainer_at")
#: Column names tried for each role (compared lower-case, without spaces or punctuation).
ROSTER_GUESSES: dict[str, tuple[str, ...]] = {
    "id": GUESSES["id"] + ("inmateid", "personid"),  # not a name: two people may share one
    "booked": GUESSES["booked"],
    "charge": GUESSES["charge"],
    "foreign_born": ("foreignborn", "bornabroad", "foreign", "fb"),
    "citizen": ("citizen", "uscitizen"),  # not "naturalized": no for the U.S.-born too
    "detainer": GUESSES["hold"],
    "detainer_at": GUESSES["hold_start"] + ("detainerlodged", "lodged", "detainerat",
                                            "detainerdate", "holdlodged"),
}
#: Candidates drawn per person in each round (a person matched in a round needs no more).
ROUND_CANDIDATES = (4, 8, 16, 32, 64, 128, 256, 512)
#: Most candidates drawn for one person before the fallback (the sum over the rounds).
MAX_CANDIDATES = sum(ROUND_CANDIDATES)
#: Candidates per round of the fallback: time to disposition drawn given it exceeds the time
#: served, the rest of the path as before.
TAIL_CANDIDATES = (16, 64, 256)
#: Oldest booking a roster may hold: the calendars reach this far back.
MAX_DAYS_SERVED = HOLIDAY_DAYS_BEFORE - 14


class RosterWarning(UserWarning):
    """Rows of a roster dropped or merged, or people the model could not match."""


# ---------------------------------------------------------------------------------------------
# Reading a roster file


def _columns(frame: pd.DataFrame, given: dict[str, str], where: str) -> dict[str, str]:
    present = [str(c) for c in frame.columns]
    for role, name in given.items():
        if role not in ROLES:
            raise ValueError(f"{where}: columns: unknown role {role!r} "
                             f"(allowed: {', '.join(ROLES)})")
        if name not in present:
            raise ValueError(f"{where}: column {name!r} (for {role}) not found "
                             f"(columns: {', '.join(present)})")
    out = guess_columns(present, given, ROSTER_GUESSES)
    if "booked" not in out:
        raise ValueError(f"{where}: no booking time column (columns: {', '.join(present)}); "
                         "name it 'booked' or give warm_start.columns: {booked: COLUMN}")
    return out


#: Words read as yes, as no, and as "not known" in a roster's flag columns (lower case).
YES = ("y", "yes", "true", "t", "1", "x")
NO = ("n", "no", "false", "f", "0", "none")
UNKNOWN = ("", "na", "n/a", "unknown", "unk", "null", "?")


def _yes_no(rows: pd.DataFrame, column: str, where: str, blank) -> pd.Series:
    """A flag column as True/False, ``blank`` where not known; other words are an error."""
    text = rows[column].str.lower()
    known = text.isin(YES) | text.isin(NO)
    other = ~known & ~text.isin(UNKNOWN)
    if other.any():
        raise _bad_times(where, column, rows.index[other], rows.loc[other, column],
                         "that is not yes or no", f"allowed: {', '.join(YES + NO)}, or blank "
                         "/ unknown for not known")
    return text.isin(YES).astype(object).where(known, blank)


def _bad_times(where: str, column: str, lines, values, what: str, allowed: str) -> ValueError:
    shown = ", ".join(f"line {n}: {v!r}" for n, v in list(zip(lines, values, strict=True))[:3])
    count = f"{len(lines)} rows" if len(lines) > 1 else "1 row"
    return ValueError(f"{where}: column {column!r}: {count} {what} ({shown}); {allowed}")


def read_roster(
    path: str | Path,
    start_date: dt.date,
    charges: tuple[str, ...] | None = None,
    columns: dict[str, str] | None = None,
    timezone: str | None = None,
) -> list[dict]:
    """Read a roster CSV into the rows of ``warm_start.people``.

    Parameters
    ----------
    path
        The CSV file: one row per person in custody at ``start_date`` 00:00.
    start_date
        The scenario's start; every booking must be before it.
    charges
        The scenario's charge names; a charge column's values must be among them.
    columns
        Role -> column name for the roles of :data:`ROLES`; the others are guessed.
    timezone
        The jail's IANA zone, needed when times carry UTC offsets.

    Returns
    -------
    list of dict
        One mapping per person: ``booked`` (local wall-clock time), and ``id``, ``charge``,
        ``foreign_born``, ``citizen``, ``detainer``, ``detainer_at`` where the roster has them.

    Raises
    ------
    ValueError
        One line naming the file, the column, example rows and what is allowed: an unreadable
        or empty file, no booking column, an unreadable or blank booking time, a booking at or
        after ``start_date``, an unknown charge, conflicting rows of one id.
    """
    where = str(path)
    log = CleaningLog(where)
    try:
        frame = _read_csv(Path(path), log)
    except Exception as exc:  # ScenarioError: not found, empty, not CSV
        raise ValueError(str(exc)) from None
    frame = frame.set_axis(np.arange(2, len(frame) + 2))  # header is line 1
    cols = _columns(frame, dict(columns or {}), where)
    text = frame.astype("string").fillna("").apply(lambda s: s.str.strip())
    blank = (text == "").all(axis=1)
    log.add("dropped", "blank row", frame.index[blank])
    # Without an id two equal rows may be two people (a date-only booking time, one charge).
    dup = text[~blank].duplicated(keep="first") & ("id" in cols)
    log.add("dropped", "duplicate row (every column equal to an earlier row, same id)",
            dup.index[dup])
    rows = text[~blank][~dup]
    log.rows_read = len(frame)
    if rows.empty:
        raise ValueError(f"{where}: no people in the roster (a header and one row per person "
                         "in custody at start_date are needed)")

    times = {r: parse_times(rows[cols[r]]) for r in ("booked", "detainer_at") if r in cols}
    try:
        tz = resolve_zone(timezone, times, where, log)
    except Exception as exc:  # ScenarioError
        raise ValueError(str(exc).replace("--timezone", "warm_start.timezone")) from None
    b = times["booked"]
    col = cols["booked"]
    bad = b.bad | b.blank
    if bad.any():
        raise _bad_times(where, col, rows.index[bad], rows.loc[bad, col], "without a readable "
                         "booking time", "expected e.g. 2024-12-30 14:05, 12/30/2024 2:05 PM "
                         "or 2024-12-30T14:05-05:00")
    booked = to_local(b, tz)
    start = pd.Timestamp(start_date)
    late = booked >= start
    if late.any():
        raise _bad_times(where, col, rows.index[late], rows.loc[late, col],
                         f"booked at or after start_date {start_date}",
                         "a roster lists the people in custody at start_date 00:00")
    old = booked < start - pd.Timedelta(days=MAX_DAYS_SERVED)
    if old.any():
        raise _bad_times(where, col, rows.index[old], rows.loc[old, col],
                         "booked more than 10 years before start_date",
                         "the calendars reach 10 years back")
    out = pd.DataFrame({"booked": booked}, index=rows.index)
    if "id" in cols:
        out["id"] = rows[cols["id"]]
    if "charge" in cols:
        group = _charge_group(rows[cols["charge"]])
        unknown = group.notna() & ~group.isin(list(charges or group.dropna().unique()))
        if unknown.any():
            raise _bad_times(where, cols["charge"], rows.index[unknown],
                             rows.loc[unknown, cols["charge"]], "with an unknown charge",
                             f"allowed: {', '.join(charges or ())} (or blank)")
        out["charge"] = group
    for role in ("foreign_born", "citizen"):  # blank or unknown: not known
        if role in cols:
            out[role] = _yes_no(rows, cols[role], where, blank=pd.NA)
    if "detainer" in cols:  # blank: no detainer, as in a booking export's hold column
        out["detainer"] = _yes_no(rows, cols["detainer"], where, blank=False).astype(bool)
    if "detainer_at" in cols:
        d = times["detainer_at"]
        c = cols["detainer_at"]
        if d.bad.any():
            raise _bad_times(where, c, rows.index[d.bad], rows.loc[d.bad, c],
                             "with an unreadable detainer time", "give a timestamp or blank")
        lodged = to_local(d, tz).where(~d.blank)
        wrong = lodged.notna() & ((lodged < booked) | (lodged >= start))
        if wrong.any():
            raise _bad_times(where, c, rows.index[wrong], rows.loc[wrong, c],
                             "with a detainer time outside [booked, start_date)",
                             "a detainer is lodged after booking and before start_date")
        out["detainer_at"] = lodged
        if "detainer" in out:
            conflict = lodged.notna() & (out["detainer"] == False)  # noqa: E712
            if conflict.any():
                raise _bad_times(where, c, rows.index[conflict], rows.loc[conflict, c],
                                 f"with a detainer time but {cols['detainer']!r} says no",
                                 "leave the time blank or the flag yes")
            out["detainer"] = out["detainer"].mask(lodged.notna(), True)
        else:
            out["detainer"] = lodged.notna()
    if "id" in out:
        out = _one_row_per_id(out, log, where, cols)
    if log.counts:
        warnings.warn(RosterWarning("; ".join(line.strip() for line in log.lines())),
                      stacklevel=2)
    return [
        {k: _plain(v) for k, v in row.items() if not _missing(v)}
        for row in out.to_dict(orient="records")
    ]


def _one_row_per_id(out: pd.DataFrame, log: CleaningLog, where: str, cols) -> pd.DataFrame:
    """Rows sharing a non-blank id are one person (e.g. one row per charge): merge them."""
    named = out["id"] != ""
    dup = named & out["id"].duplicated(keep=False)
    if not dup.any():
        return out
    g = out[dup].groupby("id", sort=False)
    differ = g["booked"].nunique() > 1
    if differ.any():
        first = differ[differ].index[0]
        lines = out.index[out["id"] == first].tolist()
        raise ValueError(f"{where}: column {cols['booked']!r}: id {first!r} has different "
                         f"booking times (lines {', '.join(map(str, lines))}); one person has "
                         "one booking time")
    later = named & out["id"].duplicated(keep="first")
    log.add("merged", "another row of the same id", out.index[later],
            out.loc[later, "id"].tolist())
    merged = out[~later].copy()
    if "charge" in out:  # the most serious charge: felony first
        rank = out["charge"].map({"felony": 0}).fillna(1)
        worst = out.assign(_rank=rank).sort_values("_rank", kind="stable")
        by_id = worst[worst["id"] != ""].groupby("id", sort=False)["charge"].first()
        sel = merged["id"] != ""
        merged.loc[sel, "charge"] = merged.loc[sel, "id"].map(by_id)
    for role in ("detainer", "foreign_born", "citizen"):
        if role in out:
            any_true = out[named].groupby("id")[role].apply(lambda s: bool((s == True).any()))  # noqa: E712
            sel = (merged["id"] != "") & merged["id"].map(any_true).fillna(False).astype(bool)
            merged.loc[sel, role] = True
    if "detainer_at" in out:
        first_at = out[named].groupby("id")["detainer_at"].min()
        sel = merged["id"] != ""
        merged.loc[sel, "detainer_at"] = merged.loc[sel, "id"].map(first_at)
    return merged


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) \
        or v == ""


def _plain(v):
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.bool_):
        return bool(v)
    return v


# ---------------------------------------------------------------------------------------------
# Validation (called from the Scenario's validator)


def check_people(people, start_date: dt.date, charges: tuple[str, ...] | None) -> list[str]:
    """Problems of roster rows given inline (``warm_start.people``), one line each."""
    start = dt.datetime.combine(start_date, dt.time())
    problems = [] if people else ["people: empty; a roster lists at least one person"]
    for i, p in enumerate(people):
        at = f"people[{i}]"
        if p.booked >= start:
            problems.append(f"{at}.booked: {p.booked} is not before start_date {start_date}")
        elif (start - p.booked).days > MAX_DAYS_SERVED:
            problems.append(f"{at}.booked: {p.booked} is more than 10 years before start_date")
        if charges is not None and p.charge is not None and p.charge not in charges:
            problems.append(f"{at}.charge: {p.charge!r} (allowed: {', '.join(charges)})")
        if p.detainer_at is not None and not p.booked <= p.detainer_at < start:
            problems.append(f"{at}.detainer_at: {p.detainer_at} is not in [booked, start_date)")
        if p.foreign_born is False and p.citizen is False:
            problems.append(f"{at}: born in the U.S. (foreign_born false) but not a citizen "
                            "(citizen false): citizen means a U.S. citizen, by birth or "
                            "naturalization")
        if p.detainer_at is not None and p.detainer is False:
            problems.append(f"{at}: detainer_at given but detainer is false")
    return problems


def resolve(warm_start, start_date: dt.date, charges, base_dir):
    """``warm_start`` with its roster file read into ``people`` (and the people checked).

    Raises
    ------
    ValueError
        With one line per problem.
    """
    if warm_start.people is None:
        path = Path(base_dir or ".") / warm_start.roster
        people = read_roster(path, start_date, charges, warm_start.columns,
                             warm_start.timezone)
        from jailsim.scenario.schema import RosterPerson

        people = tuple(RosterPerson.model_validate(p) for p in people)
        warm_start = warm_start.model_copy(update={"people": people})
    problems = check_people(warm_start.people, start_date, charges)
    if problems:
        raise ValueError("; ".join(problems))
    return warm_start


# ---------------------------------------------------------------------------------------------
# Sampling


def _generator(
    seed: int, rep: int, purpose: str, draw_round: int, *extra: int
) -> np.random.Generator:
    """The roster's stream of one purpose, sampling round and further key words."""
    spawn_key = (int(rep), ROSTER_KEYS["bookings"], PURPOSES[purpose], int(draw_round))
    spawn_key += tuple(int(x) for x in extra)
    ss = np.random.SeedSequence(int(seed), spawn_key=spawn_key)
    return np.random.Generator(np.random.PCG64(ss))


def _targets(sc) -> dict[str, np.ndarray]:
    """The roster as arrays in booking order: booked_at (days) and the conditions (-1 = any)."""
    start = dt.datetime.combine(sc.start_date, dt.time())
    people = sorted(sc.warm_start.people, key=lambda p: p.booked)
    codes = {name: i for i, name in enumerate(sc.charge_names)}

    def flag(v):
        return -1 if v is None else int(v)

    return {
        "booked_at": np.array([(p.booked - start) / dt.timedelta(days=1) for p in people]),
        "charge": np.array([-1 if p.charge is None else codes[p.charge] for p in people]),
        "foreign_born": np.array([flag(p.foreign_born) for p in people]),
        "citizen": np.array([flag(p.citizen) for p in people]),
        "detainer": np.array([flag(p.detainer) for p in people]),
    }


def _given_stream(stream, names: tuple[str, ...], charge: int, fb: int, cz: int):
    """The booking stream conditioned on a charge, foreign birth and U.S. citizenship.

    Attributes are independent draws with these probabilities, so drawing from the stream
    with the probabilities of the conditional law is exact (no rejection needed).
    """
    update = {}
    if charge >= 0:
        update["charge_mix"] = {name: float(i == charge) for i, name in enumerate(names)}
    p_fb, p_cz = stream.foreign_born, stream.citizen_given_foreign_born
    if fb == 1 or cz == 0:  # a noncitizen is foreign-born
        update["foreign_born"] = 1.0
    elif fb == 0:
        update["foreign_born"] = 0.0
    elif cz == 1:  # a U.S. citizen: born here, or born abroad and naturalized
        both = p_fb * p_cz
        update["foreign_born"] = both / (both + 1.0 - p_fb) if both + 1.0 - p_fb > 0 else 1.0
    if cz >= 0:
        update["citizen_given_foreign_born"] = float(cz)
    return stream.model_copy(update=update)


def _candidates(sc, clock, target: dict, idx: np.ndarray, key: tuple, delays: list,
                tail: bool) -> dict[str, np.ndarray]:
    """One candidate path for each roster person in ``idx`` (their attributes given)."""
    from jailsim.model.population import _sample_source

    seed, rep, draw_round = key
    group = (target["charge"][idx] + 1) * 9 + (target["foreign_born"][idx] + 1) * 3 + (
        target["citizen"][idx] + 1)
    out: dict[str, np.ndarray] = {}
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        first = idx[sel[0]]
        stream = _given_stream(sc.arrivals.bookings, sc.charge_names, target["charge"][first],
                               target["foreign_born"][first], target["citizen"][first])
        draws = _sample_source(
            sc, clock, stream, "bookings", seed, rep, delays,
            given=(target["booked_at"][idx[sel]],
                   lambda purpose, g=g: _generator(seed, rep, purpose, draw_round, g)),
        )
        if tail:
            v = _generator(seed, rep, "disposition", draw_round, g, 1).random(len(sel))
            _tail(sc, draws, -target["booked_at"][idx[sel]], v)
        for name, values in draws.items():
            if name not in out:
                out[name] = np.empty(values.shape[:-1] + (len(idx),), dtype=values.dtype)
            out[name][..., sel] = values
    return out


def _interacting(sc) -> bool:
    """Whether people compete for a resource (officers, transport seats) in some period."""
    from jailsim.model.policy import period_scenarios

    return any(s.uses_jem or s.uses_wso or s.ice.transport.seats is not None
               for s in period_scenarios(sc))


def _evaluate(ctx, draws: dict, sel: np.ndarray, rep: int) -> tuple[np.ndarray, np.ndarray]:
    """Exit time and detainer-by-day-0 of the candidates ``sel`` run together (vector engine)."""
    from jailsim.engines import vector
    from jailsim.model.population import Population

    order = sel[np.argsort(draws["booked_at"][sel], kind="stable")]
    pop = Population(replication=rep, **{k: v[..., order] for k, v in draws.items()})
    tl = vector.run(ctx, pop)
    exit_at = np.empty(len(draws["booked_at"]))
    detained = np.zeros(len(exit_at), dtype=bool)
    exit_at[order] = tl.exit_at
    detained[order] = tl.detainer_at <= 0.0  # NaN (no detainer) compares False
    return exit_at[sel], detained[sel]


def _cdf(dist, x: np.ndarray, steps: int = 60) -> np.ndarray:
    """``P(D <= x)`` of a distribution known by its quantile function (bisection)."""
    lo, hi = np.zeros(len(x)), np.ones(len(x))
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        below = np.asarray(dist.ppf(mid), dtype=float) <= x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return lo


def _tail(sc, draws: dict, served: np.ndarray, v: np.ndarray) -> None:
    """Redraw each candidate's time to disposition given it exceeds ``served`` (in place)."""
    ttd = draws["time_to_disposition"]
    for code, name in enumerate(sc.charge_names):
        sel = draws["charge"] == code
        if sel.any():
            dist = sc.charges[name].disposition.time_to_disposition
            u0 = _cdf(dist, served[sel])
            u = np.minimum(u0 + v[sel] * (1.0 - u0), np.nextafter(1.0, 0.0))
            ttd[sel] = dist.ppf(u)


def _agrees(draws: dict, idx: np.ndarray, target: dict) -> np.ndarray:
    """Candidates whose attributes are those the roster gives for person ``idx``."""
    us_citizen = ~draws["foreign_born"] | draws["citizen"]
    ok = np.ones(len(idx), dtype=bool)
    for key, got in (("charge", draws["charge"]), ("foreign_born", draws["foreign_born"]),
                     ("citizen", us_citizen)):
        want = target[key][idx]
        ok &= (want < 0) | (got.astype(int) == want)
    return ok


def roster_draws(sc, seed: int, rep: int, delays: list) -> dict[str, np.ndarray]:
    """The draws of the roster's people, in booking order, sampled given the roster.

    Parameters
    ----------
    sc
        The scenario (``warm_start.kind == "roster"``).
    seed, rep
        Master seed and replication: the roster's streams are keyed by them alone.
    delays
        The distinct ICE pickup-delay distributions (see :class:`jailsim.model.population.Population`).

    Returns
    -------
    dict
        Arrays as returned by ``population._sample_source``, one entry per roster person.
    """
    from jailsim.model.calendar import Clock
    from jailsim.model.context import Context

    target = _targets(sc)
    n = len(target["booked_at"])
    clock, ctx = Clock(sc.start_date), Context.build(sc)
    interacting = _interacting(sc)
    chosen: dict[str, np.ndarray] | None = None
    best = np.full(n, -np.inf)  # latest exit of a candidate that agrees on attributes
    matched = np.zeros(n, dtype=bool)
    rounds = [(k, False) for k in ROUND_CANDIDATES] + [(k, True) for k in TAIL_CANDIDATES]
    tail_matched = np.zeros(n, dtype=bool)
    for draw_round, (k, tail) in enumerate(rounds):
        todo = np.flatnonzero(~matched)
        if not len(todo):
            break
        idx = np.tile(todo, k)  # layer j holds one candidate of every person still to do
        draws = _candidates(sc, clock, target, idx, (seed, rep, draw_round), delays, tail)
        if chosen is None:
            chosen = {key: np.zeros(v.shape[:-1] + (n,), dtype=v.dtype)
                      for key, v in draws.items()}
        layers = [np.arange(j * len(todo), (j + 1) * len(todo)) for j in range(k)]
        exit_at, detained = np.empty(len(idx)), np.zeros(len(idx), dtype=bool)
        for sel in layers if interacting else [np.arange(len(idx))]:
            exit_at[sel], detained[sel] = _evaluate(ctx, draws, sel, rep)
        agree = _agrees(draws, idx, target)
        want = target["detainer"][idx]
        agree &= (want < 0) | (detained == (want == 1))
        ok = agree & (exit_at > 0.0)
        # First consistent candidate of each person (layer order), else the latest-leaving one
        # that agrees on attributes, kept as that person's fallback so far.
        first = np.where(ok.reshape(k, -1).any(axis=0), ok.reshape(k, -1).argmax(axis=0), -1)
        score = np.where(agree, exit_at, -np.inf).reshape(k, -1)
        latest = score.argmax(axis=0)
        better = score.max(axis=0) > best[todo]
        better |= (draw_round == 0)
        pick = np.where(first >= 0, first, np.where(better, latest, -1))
        take = pick >= 0
        src = pick[take] * len(todo) + np.flatnonzero(take)
        for key, v in draws.items():
            chosen[key][..., todo[take]] = v[..., src]
        best[todo[take]] = np.maximum(best[todo[take]], score.max(axis=0)[take])
        matched[todo[first >= 0]] = True
        tail_matched[todo[first >= 0]] = tail
        if interacting and matched.any():
            # Candidates were tried beside other candidates; run the people kept so far
            # together and try again for those no longer consistent.
            keep = np.flatnonzero(matched)
            exit_at, detained = _evaluate(ctx, chosen, keep, rep)
            want = target["detainer"][keep]
            bad = (exit_at <= 0.0) | ((want >= 0) & (detained != (want == 1)))
            matched[keep[bad]] = False
    tailed, unmatched = int((tail_matched & matched).sum()), int((~matched).sum())
    if tailed or unmatched:
        served = -target["booked_at"][tail_matched | ~matched]
        exit_at, _ = _evaluate(ctx, chosen, np.arange(n), rep)  # the roster run together
        gone = int((exit_at[~matched] <= 0.0).sum())
        warnings.warn(RosterWarning(
            f"roster warm start, replication {rep}: {tailed + unmatched} of {n} people had no "
            f"model path consistent with the roster in {MAX_CANDIDATES} candidates (time "
            f"served up to {served.max():.0f} days); {tailed} were sampled given a time to "
            f"disposition longer than their time served, {unmatched} took the candidate "
            f"leaving latest that agrees with the roster ({gone} of them leave before day 0 "
            "and are not in the records)"
        ), stacklevel=2)
    return chosen
