"""A prepared run: one scenario exactly as it will run, with its engine and calendars.

Every arm of an experiment (a scenario run alone, each side of a comparison, each point of a
sweep) is prepared once: the scenario with the run's overrides applied and its seed fixed
(:func:`prepare`), the engine resolved, and a fingerprint of what decides its tables. That
object is what checkpoints are filed under and what workers receive; its calendars
(:class:`~jailsim.model.context.Context`) are built once per process that runs it.

Every task of a run carries its prepared run, so it is cheap to send: it pickles as its
fingerprint and the bytes of its scenario, pickled once in the sending process, and a worker
unpickles those bytes only the first time it meets the fingerprint (:func:`_received`); the
fingerprint names the scenario, seed and engine, so whatever has it is the same run.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from jailsim._version import STREAMS_VERSION, __version__
from jailsim.base.errors import ScenarioError
from jailsim.engines import resolve_engine
from jailsim.experiments.footprint import check_run_memory
from jailsim.experiments.options import RunOptions, option_text, options_from
from jailsim.model.context import Context
from jailsim.scenario.loading import load
from jailsim.scenario.messages import TOP_LEVEL
from jailsim.scenario.schema import Scenario
from jailsim.scenario.units import format_duration

__all__ = ["PreparedRun", "fingerprint", "prepare"]


def prepare(
    scenario: Scenario | str | Path,
    options: RunOptions | None = None,
    *,
    memory_check: bool = True,
    **fields: Any,
) -> Scenario:
    """The scenario exactly as it will run: the options' overrides applied, seed fixed.

    ``fields`` (names of :class:`RunOptions`) change ``options`` for this call. The seed and
    number of replications of the options win over the scenario's; with no seed anywhere,
    fresh entropy is drawn. The seed used is stored in the returned scenario (and so in
    ``scenario.resolved.yaml``). Only a new horizon or warm-up validates the scenario again
    (they bear on other fields); the seed and the number of replications do not.
    ``memory_check=False`` skips the check that the run fits in memory
    (:func:`~jailsim.experiments.footprint.check_run_memory`; experiments check it once they
    know their arms and replications).
    """
    options = options_from(options, fields, "prepare")
    seed, replications = options.seed, options.replications
    sc = load(scenario) if isinstance(scenario, (str, Path)) else scenario
    sc = _with_window(sc, options)
    if seed is None:
        seed = sc.seed if sc.seed is not None else int(np.random.SeedSequence().entropy % 2**63)
    update: dict[str, object] = {"seed": int(seed)}
    if replications is not None:
        update["replications"] = int(replications)
    sc = _uncertainty(sc.model_copy(update=update), options.parameter_uncertainty)
    if memory_check:
        check_run_memory(sc, sc.replications, options, resolve_engine(options.engine))
    return sc


def _uncertainty(sc: Scenario, draw: bool) -> Scenario:
    """``sc`` with its ``uncertainty:`` block only if the run draws from it.

    A prepared scenario that keeps the block draws a parameter set per replication
    (:mod:`jailsim.experiments.draws`); one that does not is the plain scenario, and
    its fingerprint and ``scenario.resolved.yaml`` are those of the scenario without it.
    """
    if draw and sc.uncertainty is None:
        raise ScenarioError([f"{option_text('parameter_uncertainty', True)}: scenario "
                             f"{sc.name!r} has no uncertainty: block to draw from (jailsim "
                             "calibrate writes one; priors can be written by hand: "
                             "docs/calibration.md)"])
    if not draw and sc.uncertainty is not None:
        return sc.model_copy(update={"uncertainty": None})
    return sc


def _with_window(sc: Scenario, options: RunOptions) -> Scenario:
    """``sc`` with the options' horizon and warm-up; a problem names the options given."""
    given = {name: getattr(options, name) for name in ("days", "warmup_days")
             if getattr(options, name) is not None}
    if not given:
        return sc
    days = given.get("days", sc.horizon)
    warmup = given.get("warmup_days", sc.warmup)
    if warmup >= days:
        if len(given) == 2:
            problem = (f"{option_text('warmup_days', warmup)}: the warm-up must be shorter "
                       f"than the horizon ({option_text('days', days)})")
        elif "days" in given:
            problem = (f"{option_text('days', days)}: the horizon must be longer than the "
                       f"scenario's warm-up of {sc.warmup:g} days (or give a shorter one: "
                       f"{option_text('warmup_days', '...')})")
        else:
            problem = (f"{option_text('warmup_days', warmup)}: the warm-up must be shorter "
                       f"than the scenario's horizon of {sc.horizon:g} days (or give a "
                       f"longer one: {option_text('days', '...')})")
        raise ScenarioError([problem])
    fields = {"days": "horizon", "warmup_days": "warmup"}
    try:
        return sc.with_({fields[name]: format_duration(value) for name, value in given.items()})
    except ScenarioError as exc:  # e.g. a dated change after the new horizon
        named = ", ".join(option_text(name, value) for name, value in given.items())
        raise ScenarioError([
            f"{named}: " + line.removeprefix("<with_>: ").replace(f"{TOP_LEVEL}: ", "")
            for line in exc.lines
        ]) from None


def fingerprint(scenario: Scenario, engine: str) -> str:
    """SHA-256 of what decides a replication's tables: the resolved scenario, seed, engine.

    The number of replications is left out (replication ``r`` does not depend on it, so a run
    can be extended), and so are the versions a resolved file was written by; the versions
    running now (jailsim's and the streams') are in.
    """
    data = scenario.to_dict()
    for name in ("replications", "jailsim_version", "streams_version"):
        data.pop(name, None)
    text = json.dumps(
        {"scenario": data, "engine": engine, "jailsim": __version__,
         "streams": STREAMS_VERSION},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


#: Calendars built in this process, by fingerprint (a few prepared runs at a time).
_CONTEXTS: dict[str, Context] = {}
_CONTEXTS_KEPT = 8
#: Prepared runs this process has received (unpickled), by fingerprint.
_RECEIVED: dict[str, PreparedRun] = {}


def _keep(cache: dict, key: str, value):
    """Put ``value`` in ``cache`` under ``key``, keeping at most :data:`_CONTEXTS_KEPT`."""
    if len(cache) >= _CONTEXTS_KEPT:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _received(key: str, payload: bytes) -> PreparedRun:
    """The prepared run of fingerprint ``key``: unpickled from ``payload`` once per process."""
    run = _RECEIVED.get(key)
    if run is None:
        scenario, engine = pickle.loads(payload)
        run = _keep(_RECEIVED, key, PreparedRun(scenario, engine, key))
    return run


@dataclass(frozen=True, eq=False)
class PreparedRun:
    """One scenario ready to replicate (see the module docstring).

    Attributes
    ----------
    scenario
        The prepared scenario (seed fixed).
    engine
        ``"des"`` or ``"vector"`` (resolved).
    key
        The :func:`fingerprint` of the scenario and engine.
    """

    scenario: Scenario
    engine: str
    key: str

    @classmethod
    def build(cls, scenario: Scenario, engine: str) -> PreparedRun:
        """Prepare ``scenario`` (already :func:`prepare`-d) to run on ``engine``."""
        engine = resolve_engine(engine)
        return cls(scenario, engine, fingerprint(scenario, engine))

    @property
    def context(self) -> Context:
        """The scenario's calendars, built once in this process."""
        ctx = _CONTEXTS.get(self.key)
        if ctx is None:
            ctx = _keep(_CONTEXTS, self.key, Context.build(self.scenario))
        return ctx

    @cached_property
    def _payload(self) -> bytes:
        return pickle.dumps((self.scenario, self.engine), protocol=pickle.HIGHEST_PROTOCOL)

    def __reduce__(self):
        """Pickled as its fingerprint and its scenario's bytes (pickled once, here)."""
        return _received, (self.key, self._payload)
