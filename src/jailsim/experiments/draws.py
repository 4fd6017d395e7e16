"""Parameter draws: the scenario each replication runs when parameters are uncertain.

With ``parameter_uncertainty=True`` (``--parameter-uncertainty``) the prepared scenario keeps
its ``uncertainty:`` block (:mod:`jailsim.scenario.uncertainty`), and replication ``r`` runs
with parameter set ``r`` drawn from it: from streams of their own
(:func:`jailsim.model.streams.parameter_generator`, one per entry), so the set is a pure
function of the seed and ``r`` (the same on any engine, executor or number of workers), and
the model's own draws (bookings, court, ICE) are those a run without it makes.
"""

from __future__ import annotations

from jailsim.base.errors import ScenarioError
from jailsim.experiments.prepared import PreparedRun
from jailsim.model.streams import parameter_generator
from jailsim.scenario.parameterdraws import draw_values
from jailsim.scenario.schema import Scenario, from_data

__all__ = ["drawn_scenario", "drawn_values", "fixed_scenario", "replication_run"]


def drawn_values(scenario: Scenario, replication: int) -> tuple[dict, dict]:
    """The values drawn for a replication, and the scenario's data with them in.

    Returns ``({path: value}, data)``: ``data`` is ``scenario.to_dict()`` with the drawn
    values set and without the ``uncertainty:`` block.
    """
    data = scenario.to_dict()
    block = scenario.uncertainty or {}
    data.pop("uncertainty", None)

    def generator(entry: str):
        return parameter_generator(int(scenario.seed or 0), int(replication), entry)

    return draw_values(data, block, generator), data


def drawn_scenario(scenario: Scenario, replication: int) -> Scenario:
    """The scenario replication ``replication`` runs: its parameter set drawn, validated.

    Raises
    ------
    ScenarioError
        One line per problem when a drawn value is one the scenario refuses, naming the
        replication, the values drawn and the field.
    """
    drawn, data = drawn_values(scenario, replication)
    try:
        return from_data(data, "<uncertainty>", warn=False)
    except ScenarioError as exc:
        values = ", ".join(f"{p}={v}" for p, v in drawn.items())
        raise ScenarioError([
            f"{scenario.name}: the parameter set of replication {replication} drawn from the "
            f"uncertainty: block ({values}) is refused: "
            + line.removeprefix("<uncertainty>: ") + " (give the entry a scale that keeps the "
            "value in its range: log, logit)" for line in exc.lines]) from None


def fixed_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` without its ``uncertainty:`` block: the parameters held at their values."""
    return scenario.model_copy(update={"uncertainty": None})


def replication_run(run: PreparedRun, replication: int) -> PreparedRun:
    """The prepared run of one replication: ``run``, or with its parameter set drawn.

    A prepared scenario keeps its ``uncertainty:`` block only when the run draws from it
    (:func:`jailsim.experiments.prepared.prepare`).
    """
    if run.scenario.uncertainty is None:
        return run
    return PreparedRun.build(drawn_scenario(run.scenario, replication), run.engine)
