"""Bad inputs of the 2025-26 money (reimbursement, grants, fiscal year): one line each.

Every bad file extends the real base_county.yaml and changes one thing under ``costs:``; the
message names the file and the field, and says what is wrong.
"""

from __future__ import annotations

import textwrap

import pytest

from jailsim.base.errors import ScenarioError
from jailsim.scenario import load


@pytest.fixture
def bad(tmp_path, scenarios_dir):
    """Write a scenario with the ``costs:`` given; return (path, the one line load() reports)."""

    def write(costs: str) -> tuple[str, str]:
        path = tmp_path / "bad.yaml"
        body = textwrap.indent(textwrap.dedent(costs), "  ")
        path.write_text(f"extends: {scenarios_dir / 'base_county.yaml'}\ncosts:\n{body}",
                        encoding="utf-8")
        with pytest.raises(ScenarioError) as exc:
            load(path)
        assert len(exc.value.lines) == 1, exc.value.lines
        line = exc.value.lines[0]
        assert "\n" not in line and line.startswith(f"{path}: costs."), line
        return str(path), line

    return write


@pytest.mark.parametrize(
    "costs, field, words",
    [
        ("fiscal_year_start_month: 13", "fiscal_year_start_month",
         "got 13; expected the number of a month, from 1 (January) to 12 (December)"),
        ("fiscal_year_start_month: 0", "fiscal_year_start_month", "from 1 (January) to 12"),
        ("fiscal_year_start_month: October", "fiscal_year_start_month", "got 'October'"),
        ("officer_reimbursement: {salary_benefits_share: -0.5}",
         "officer_reimbursement.salary_benefits_share", "got -0.5; cannot be negative"),
        ("officer_reimbursement: {salary_benefits_share: 1.5}",
         "officer_reimbursement.salary_benefits_share", "a share must be at most 1"),
        ("officer_reimbursement: {award_usd_per_officer_per_quarter: -1000}",
         "officer_reimbursement.award_usd_per_officer_per_quarter", "cannot be negative"),
        ("officer_reimbursement: {vehicles_usd_per_year: [{from: 2025-10-01, usd: -5}]}",
         "officer_reimbursement.vehicles_usd_per_year.0.usd", "cannot be negative"),
        ("""\
         officer_reimbursement:
           overtime_cap_share:
             - {from: 2025-10-01, share: 0.25}
             - {from: 2026-01-01, to: 2026-06-30, share: 0.1}
         """, "officer_reimbursement.overtime_cap_share",
         "date ranges 2025-10-01..(open) and 2026-01-01..2026-06-30 overlap"),
        ("officer_reimbursement: {equipment_usd_per_officer_per_year: [{to: 2026-01-01, usd: 1},"
         " {from: 2026-01-01, usd: 2}]}",
         "officer_reimbursement.equipment_usd_per_officer_per_year", "overlap"),
        ("officer_reimbursement: {programs: [jem, tfm]}",
         "officer_reimbursement.programs.1", "allowed: jem, wso, task_force"),
        ("program: {task_force: {officers: 4, salary_usd_per_year: 90000, "
         "salary_basis: hours_worked}}", "program.task_force",
         "got 'hours_worked'; the Task Force's field work is not simulated"),
        ("program: {task_force: {officers: -1, salary_usd_per_year: 90000}}",
         "program.task_force.officers", "-1"),
        ("state_grants: {lump_sums: [{date: 2026-01-15, usd: -250000}]}",
         "state_grants.lump_sums.0.usd", "cannot be negative"),
        ("state_grants: {lump_sums: [{usd: 250000}]}", "state_grants.lump_sums.0.date", "missing"),
        ("state_grants: {lump_sums: 250000}", "state_grants.lump_sums",
         "expected a list of payments"),
        ("state_grants: {per_officer_usd_per_year: [{from: 2026-01-01, usd: 5000}, "
         "{from: 2026-06-01, usd: 6000}]}", "state_grants.per_officer_usd_per_year", "overlap"),
    ],
)
def test_bad_funding_inputs_are_one_line_errors(bad, costs, field, words):
    path, line = bad(costs)
    assert line.startswith(f"{path}: costs.{field}: "), line
    assert words in line, line


def test_a_good_reimbursement_and_grant_load(tmp_path, scenarios_dir):
    path = tmp_path / "good.yaml"
    path.write_text(textwrap.dedent(f"""\
        extends: {scenarios_dir / 'base_county.yaml'}
        costs:
          fiscal_year_start_month: 10
          officer_reimbursement:
            salary_benefits_share: [{{from: 2025-10-01, share: 1.0}}]
          state_grants:
            lump_sums: [{{date: 2026-03-01, usd: 1000}}, {{date: 2026-01-15, usd: 250000}}]
        """), encoding="utf-8")
    costs = load(path).costs
    assert costs.fiscal_year_start_month == 10
    assert [p.usd for p in costs.state_grants.lump_sums] == [250000.0, 1000.0]  # date order
    again = load(path).with_({"costs.fiscal_year_start_month": 1}).costs
    assert again.officer_reimbursement == costs.officer_reimbursement
