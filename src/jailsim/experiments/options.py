"""Run options: how a run goes, whatever is run (a scenario, a comparison, a sweep).

Every entry point (``simulate``, ``compare``, ``sweep``, ``analyze_sensitivity``, the command
line) takes the same options, declared once here with their defaults: overrides of the
scenario (seed, replications, horizon, warm-up), the engine, the output folder, a progress
callback, and where replications run (this process, local processes, Dask).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from pathlib import Path

from jailsim.base.errors import ScenarioError
from jailsim.engines import DEFAULT_ENGINE, ENGINE_CHOICES
from jailsim.experiments.executors import Executor, SerialExecutor, make_executor
from jailsim.model.runchoices import DEFAULT_REPLICATIONS
from jailsim.scenario.units import parse_duration

__all__ = [
    "DEFAULT_REPLICATIONS",
    "MAX_DAYS",
    "Progress",
    "RunOptions",
    "named_as_flags",
    "option_text",
    "options_from",
    "parse_days",
]

#: ``progress(done, total)``: called after each replication (and once at the start).
Progress = Callable[[int, int], None]
#: Longest horizon or warm-up an option may give, in days (100 years, as a scenario's).
MAX_DAYS = 36525.0

#: Whether messages name options as the command line's flags (see :func:`named_as_flags`).
_AS_FLAGS: ContextVar[bool] = ContextVar("jailsim_options_as_flags", default=False)


@contextlib.contextmanager
def named_as_flags() -> Iterator[None]:
    """Within it, messages name options as flags (``--warmup-days 40``), not keywords.

    The command line runs its commands inside it, so a problem with an option names the flag
    the user typed; from Python the same problem names the keyword (``warmup_days=40``).
    """
    token = _AS_FLAGS.set(True)
    try:
        yield
    finally:
        _AS_FLAGS.reset(token)


def option_text(name: str, value: object = None) -> str:
    """An option (and its value) as the caller wrote it: ``days=30``, or ``--days 30``.

    Examples
    --------
    >>> option_text("warmup_days", 40)
    'warmup_days=40'
    >>> with named_as_flags():
    ...     option_text("warmup_days", 40)
    '--warmup-days 40'
    """
    if _AS_FLAGS.get():
        flag = "--" + name.replace("_", "-")
        return flag if value is None or value is True else f"{flag} {_shown(value)}"
    return name if value is None else f"{name}={_shown(value)}"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, int | str) else repr(value)


def parse_days(value: object, *, zero: bool = False) -> float:
    """A number of days (``30``) or a duration with its unit (``"30d"``, ``"2w"``) in days.

    ``zero``: whether 0 is allowed (a warm-up); a horizon must be more than 0. Either is at
    most :data:`MAX_DAYS`.

    Raises
    ------
    ValueError
        In plain words, without the option's name.

    Examples
    --------
    >>> parse_days("2w"), parse_days(30), parse_days("1.5")
    (14.0, 30.0, 1.5)
    """
    low = "0 or more" if zero else "more than 0"
    expected = (f"a number of days or a duration such as '30d', '12w' or '1y', {low} and at "
                f"most {MAX_DAYS:g} days")
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected {expected}")
    days = None
    if isinstance(value, int | float):
        days = float(value)
    elif isinstance(value, str):
        try:
            days = float(value)
        except ValueError:
            try:
                days = parse_duration(value)
            except ValueError:
                days = None
    if days is None or not math.isfinite(days) or not (
        (0 <= days if zero else 0 < days) and days <= MAX_DAYS
    ):
        raise ValueError(f"got {value!r}; expected {expected}")
    return days


@dataclass(frozen=True)
class RunOptions:
    """The options of a run, with the one default of each.

    Attributes
    ----------
    seed
        Master seed (default: the scenario's, or fresh entropy); replication ``r`` uses
        streams spawned from it by ``r`` alone, so any replication can be rerun exactly.
    replications, days, warmup_days
        Override the scenario's ``replications``, ``horizon`` and ``warmup``; ``days`` and
        ``warmup_days`` are days (``30``) or a duration with its unit (``"30d"``, ``"2w"``).
    engine
        ``"des"`` (SimPy), ``"vector"`` (numpy) or ``"auto"`` (the default: ``vector``).
    out
        Output folder; finished replications are checkpointed there and a rerun resumes.
    progress
        ``progress(done, total)`` after each replication.
    executor, workers, dask, scheduler
        Where replications run: ``workers`` > 1 local processes; ``dask=True`` a Dask
        LocalCluster of ``workers``; ``scheduler="tcp://HOST:PORT"`` a running Dask cluster;
        or an :class:`~jailsim.experiments.executors.Executor` you manage. Results are the
        same bytes whichever runs them.
    overwrite
        Write into an ``out`` folder that holds files jailsim did not write (they stay);
        without it such a folder is refused. A previous output of jailsim's in ``out`` is
        replaced whole either way.
    metrics_only
        Keep only the metrics of each replication: no bookings or census table is kept or
        written (a run's folder then has no ``bookings.parquet``), so a run needs the memory
        of one replication per worker. Sweeps and sensitivity analyses always keep only
        metrics.
    parameter_uncertainty
        Draw one parameter set per replication from the scenario's ``uncertainty:`` block
        (:mod:`jailsim.experiments.draws`), so the spread over replications includes what
        the data could not pin down; without it the block is ignored, and a scenario
        without the block is an error. A run and a comparison also run the same
        replications with the parameters held (metrics only) to tell the two parts of each
        band apart (:mod:`jailsim.experiments.uncertainty`).

    Examples
    --------
    >>> import jailsim
    >>> opts = jailsim.RunOptions(seed=1, days=60)
    >>> opts.engine
    'auto'
    >>> res = jailsim.simulate("jailsim:jem.yaml", options=opts, replications=2)
    >>> res.seed, res.scenario.replications, res.engine
    (1, 2, 'vector')
    """

    seed: int | None = None
    replications: int | None = None
    days: float | str | None = None
    warmup_days: float | str | None = None
    engine: str = DEFAULT_ENGINE
    out: str | Path | None = None
    progress: Progress | None = None
    executor: Executor | None = None
    workers: int | None = None
    dask: bool = False
    scheduler: str | None = None
    overwrite: bool = False
    metrics_only: bool = False
    parameter_uncertainty: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.engine not in ENGINE_CHOICES:
            problems.append(f"{option_text('engine')}: got {self.engine!r} (allowed: "
                            f"{', '.join(ENGINE_CHOICES)})")
        if self.seed is not None and not (_whole(self.seed) and 0 <= self.seed < 2**63):
            problems.append(f"{option_text('seed')}: got {self.seed!r}; expected a whole number "
                            "from 0 to 2**63-1")
        if self.replications is not None and not (
            _whole(self.replications) and 1 <= self.replications <= 100_000
        ):
            problems.append(f"{option_text('replications')}: got {self.replications!r}; "
                            "expected a whole number from 1 to 100,000")
        for name in ("days", "warmup_days"):
            value = getattr(self, name)
            if value is None:
                continue
            try:  # in days, whatever was given ("30d", 30): frozen, so set it this way
                object.__setattr__(self, name, parse_days(value, zero=name == "warmup_days"))
            except ValueError as exc:
                problems.append(f"{option_text(name)}: {exc}")
        if self.dask and self.scheduler is not None:  # one would be ignored: say so
            problems.append(f"{option_text('dask')}: does not apply with "
                            f"{option_text('scheduler')} (it starts a cluster; "
                            f"{option_text('scheduler')} names a running one)")
        if problems:
            raise ScenarioError(problems)
        if self.executor is not None and (
            self.workers is not None or self.dask or self.scheduler is not None
        ):
            raise ValueError("give either executor or workers/dask/scheduler, not both")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names (the keyword arguments every entry point takes)."""
        return tuple(f.name for f in fields(cls))

    @property
    def folder(self) -> Path | None:
        """The output folder as a Path (None: no output folder)."""
        return Path(self.out) if self.out is not None else None

    @contextlib.contextmanager
    def running(self) -> Iterator[Executor]:
        """The executor replications run on; one this run starts is closed at the end."""
        if self.executor is not None:
            yield self.executor
            return
        if self.workers is None and not self.dask and self.scheduler is None:
            ex: Executor = SerialExecutor()
        else:
            ex = make_executor(self.workers, dask=self.dask, scheduler=self.scheduler)
        try:
            yield ex
        finally:
            ex.close()


def options_from(options: RunOptions | None, fields: dict, caller: str, *,
                 draws: bool = True) -> RunOptions:
    """``options`` (default: all defaults) with ``fields`` (option names) changed.

    ``draws=False``: the caller (a sweep, a sensitivity analysis) sets inputs itself, which a
    parameter drawn per replication would overwrite, so ``parameter_uncertainty`` is refused.

    Raises
    ------
    TypeError
        For a name that is not an option, as for any unexpected keyword argument.
    ScenarioError
        ``parameter_uncertainty`` where ``draws`` is False (one line).
    """
    unknown = sorted(set(fields) - set(RunOptions.names()))
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r} "
                        f"(options: {', '.join(RunOptions.names())})")
    out = replace(options or RunOptions(), **fields)
    if out.parameter_uncertainty and not draws:
        raise ScenarioError([f"{option_text('parameter_uncertainty', True)}: applies to run, "
                             f"compare and backtest, not to {caller} (it varies inputs itself)"])
    return out


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
