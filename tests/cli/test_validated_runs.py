"""Whatever ``jailsim validate`` accepts, ``jailsim run`` runs: extreme values that are allowed.

Each scenario below sits at an edge of what validation allows (the first and last dates of
the calendars, the longest duration, probabilities of 0 and 1, no bookings, no beds, a hold
cap of 0, a horizon of one second, a gamma of tiny shape, a program whose officers are never
on duty): it validates, and it runs five days of one replication to exit code 0 with no
traceback. What validation refuses is in ``tests/scenario/test_values_that_run.py``.
"""

from __future__ import annotations

import pytest
import yaml

from jailsim.cli.main import main

EDGES = {
    "first_date": {"start_date": "1900-01-01"},
    "last_dates": {"start_date": "2250-12-20", "horizon": "10d"},
    "longest_duration": {"charges": {"felony": {"disposition": {"jail_days": "1000000d"}}}},
    "everyone_removable": {"arrivals": {"bookings": {
        "foreign_born": 1.0, "citizen_given_foreign_born": 0.0,
        "removable_given_noncitizen": 1.0, "dhs_record_given_noncitizen": 1.0}}},
    "nobody_foreign_born": {"arrivals": {"bookings": {"foreign_born": 0.0}}},
    "no_bookings": {"arrivals": {"bookings": {"rate": "0/day"}}},
    "no_beds_no_cap": {"jail": {"rated_capacity": 0}, "hold": {"cap": "0h"}},
    "one_second": {"horizon": "1s"},
    "tiny_gamma": {"ice": {"pickup_delay": {"dist": "gamma", "shape": 1e-300, "scale": "1h"}}},
    "ice_never_comes": {"ice": {"p_pickup": 0.0}, "honor": {"refusal_probability": 1.0}},
    "no_jem_officers": {"jem": {"officers": 0, "shifts": []}},
    "shift_of_24_hours": {"jem": {"shifts": [{"days": "daily", "start": "08:00",
                                              "end": "08:00"}]}},
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_an_edge_that_validates_runs(name, tmp_path, capsys):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"extends": "jailsim:jem.yaml", **EDGES[name]}))
    assert main(["validate", str(path)]) == 0
    days = [] if "horizon" in EDGES[name] else ["--days", "5"]
    code = main(["run", str(path), *days, "-r", "1", "--quiet", "--no-report",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    import jailsim.cli.main as cli

    def exhausted(args):
        raise MemoryError

    monkeypatch.setitem(cli.COMMANDS, "validate", exhausted)
    assert main(["validate", "x.yaml"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("jailsim: out of memory (")
