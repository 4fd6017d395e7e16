"""Output folders hold one output of jailsim's, whole, or are refused by every reader.

The manifest (jailsim.base.manifest) is written last and lists every file with its size and
SHA-256; a folder holding anything jailsim did not write is refused unless asked.
"""

import json
import shutil

import pandas as pd
import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.base.manifest import (
    MANIFEST,
    begin_output,
    check_output,
    finish_output,
    sha256,
    write_output,
)
from jailsim.cli.main import main

SMALL = {"seed": 1, "replications": 2, "days": 30, "warmup_days": 5, "engine": "vector"}
ARGS = ["--seed", "1", "-r", "2", "--days", "30", "--warmup-days", "5", "--quiet",
        "--no-report"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "run"
    jailsim.simulate("scenarios/jem.yaml", out=out, **SMALL)
    return out


def _copy(finished, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    return out


def test_the_manifest_lists_every_file_with_its_size_and_hash(finished):
    manifest = json.loads((finished / MANIFEST).read_text())
    assert manifest["kind"] == "run" and manifest["complete"] is True
    on_disk = {p.relative_to(finished).as_posix() for p in finished.rglob("*")
               if p.is_file()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk
    for table in ("bookings", "census"):  # each table: one part per replication, each listed
        assert {n for n in on_disk if n.startswith(f"{table}.parquet/")} == {
            f"{table}.parquet/part-{r:06d}.parquet" for r in range(SMALL["replications"])}
    for name, entry in manifest["files"].items():
        assert entry == {"bytes": (finished / name).stat().st_size,
                         "sha256": sha256(finished / name)}
    assert check_output(finished, kinds=("run",)) == manifest


READERS = [
    ("report", lambda out: ["report", str(out)]),
    ("periods", lambda out: ["periods", str(out)]),
    ("breakdown", lambda out: ["breakdown", str(out), "--by", "charge"]),
    ("explain", lambda out: ["explain", str(out), "0"]),
]


@pytest.mark.parametrize("reader", [r[1] for r in READERS], ids=[r[0] for r in READERS])
def test_a_run_killed_after_its_new_bookings_were_renamed_in_is_refused_by_every_reader(
        finished, tmp_path, capsys, reader):
    """As kill -9 just after the new run's first part was put in place: the older run's
    other files are still there, and no reader takes the mix for a run."""
    out = _copy(finished, tmp_path)
    begin_output(out, "run")  # what the new run did first
    write_output(out, "bookings.parquet/part-000000.parquet",
                 lambda p: p.write_bytes(b"new run's table"))
    assert main(reader(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "incomplete output" in err[0], err
    with pytest.raises(ScenarioError, match="incomplete output"):
        jailsim.Result.load(out)


def test_a_file_changed_after_it_was_written_is_refused(finished, tmp_path):
    out = _copy(finished, tmp_path)
    (out / "replications.csv").write_text((out / "replications.csv").read_text() + "\n")
    with pytest.raises(ScenarioError, match=r"replications.csv: changed since jailsim wrote it"):
        jailsim.Result.load(out)
    (out / "replications.csv").unlink()
    with pytest.raises(ScenarioError, match=r"replications.csv: missing \(listed in"):
        jailsim.Result.load(out)


@pytest.mark.parametrize("damage", ["edited", "removed"])
def test_a_part_changed_or_removed_after_it_was_written_is_refused(finished, tmp_path, damage):
    out = _copy(finished, tmp_path)
    part = out / "census.parquet" / "part-000001.parquet"
    if damage == "edited":
        part.write_bytes(part.read_bytes()[:-1] + b"x")
        said = "changed since jailsim wrote it"
    else:
        part.unlink()
        said = r"missing \(listed in"
    with pytest.raises(ScenarioError, match=rf"census.parquet/part-000001.parquet: {said}"):
        jailsim.Result.load(out)


def test_a_file_added_to_a_table_s_folder_is_refused_and_never_removed(finished, tmp_path):
    """pandas, pyarrow and Dask read every file of a table's folder: one jailsim did not
    write there is refused by every reader, and by a new output unless overwrite."""
    out = _copy(finished, tmp_path)
    extra = out / "bookings.parquet" / "part-000009.parquet"
    shutil.copyfile(out / "bookings.parquet" / "part-000000.parquet", extra)
    with pytest.raises(ScenarioError, match=r"bookings.parquet: holds files jailsim did not "
                                            r"write \(bookings.parquet/part-000009.parquet\)"):
        jailsim.Result.load(out)
    with pytest.raises(ScenarioError, match=r"holds files jailsim did not write "
                                            r"\(bookings.parquet/part-000009.parquet\)"):
        begin_output(out, "run")
    begin_output(out, "run", overwrite=True)  # the old output removed, the user's file kept
    assert [p.name for p in (out / "bookings.parquet").iterdir()] == ["part-000009.parquet"]
    assert not (out / "census.parquet").exists() and not (out / "summary.json").exists()


def test_a_writer_killed_inside_a_table_s_folder_leaves_nothing_behind(finished, tmp_path):
    """A part's temporary file (a writer killed before its rename) and the folder of parts
    go with the output that listed them."""
    out = _copy(finished, tmp_path)
    killed = out / "bookings.parquet" / ".part-000002.parquet.4242.0badc0de.tmp"
    killed.write_bytes(b"half")
    check_output(out)  # a temporary file is no part (readers skip names starting with ".")
    assert len(pd.read_parquet(out / "bookings.parquet")) == jailsim.Result.load(
        out).booking_rows
    begin_output(out, "run")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


def test_a_manifest_naming_a_file_outside_its_folder_is_not_followed(finished, tmp_path):
    out = _copy(finished, tmp_path)
    data = json.loads((out / MANIFEST).read_text())
    data["files"]["../elsewhere.txt"] = {"bytes": 1, "sha256": "0"}
    (out / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(ScenarioError, match="not as jailsim writes it"):
        check_output(out)
    data["files"].pop("../elsewhere.txt")
    data["parts"] = ["/etc"]
    (out / MANIFEST).write_text(json.dumps(data))
    begin_output(out, "run")  # removes what the manifest lists inside the folder only
    assert (tmp_path / "run").is_dir() and not (out / "summary.json").exists()


def test_a_folder_with_a_user_s_files_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a user's file")
    assert main(["run", "scenarios/jem.yaml", *ARGS, "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith("holds files jailsim did not write (notes.txt); give an empty or new "
                         "folder, or --overwrite (overwrite=True) to write beside them")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]  # nothing written, no ckpt
    assert main(["run", "scenarios/jem.yaml", *ARGS, "--out", str(out), "--overwrite"]) == 0
    assert (out / "notes.txt").read_text() == "a user's file"
    assert "notes.txt" not in json.loads((out / MANIFEST).read_text())["files"]
    check_output(out, kinds=("run",))
    # notes.txt is still not jailsim's: a rerun needs --overwrite again, and the file stays
    assert main(["run", "scenarios/jem.yaml", *ARGS, "--out", str(out)]) == 2
    assert main(["run", "scenarios/jem.yaml", *ARGS, "--out", str(out), "--overwrite"]) == 0
    assert (out / "notes.txt").read_text() == "a user's file"


def test_an_output_replaces_the_previous_one_whole(tmp_path):
    """compare then run: the comparison's folders, files and report are gone; run then
    compare: the run's files are gone. A user's file in a scenario's folder stays."""
    out = tmp_path / "out"
    jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], out=out, **SMALL)
    from jailsim.present.report import write_report

    write_report(out)
    (out / "JEM" / "mine.txt").write_text("a user's file", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"holds files jailsim did not write"):
        jailsim.simulate("scenarios/wso.yaml", out=out, **SMALL)  # mine.txt is not jailsim's
    (out / "JEM" / "mine.txt").unlink()
    jailsim.simulate("scenarios/wso.yaml", out=out, **SMALL)
    names = {p.name for p in out.iterdir()}
    assert names == {MANIFEST, "summary.json", "summary.csv", "replications.csv",
                     "bookings.parquet", "census.parquet", "scenario.resolved.yaml"}
    jailsim.compare(["scenarios/jem.yaml", "scenarios/wso.yaml"], out=out, **SMALL)
    assert {p.name for p in out.iterdir()} == {MANIFEST, "comparison.json", "comparison.csv",
                                               "JEM", "WSO"}
    assert check_output(out, kinds=("comparison",))["parts"] == ["JEM", "WSO"]


def test_a_report_added_to_a_finished_folder_is_listed_and_checked(finished, tmp_path):
    from jailsim.present.report import write_report

    out = _copy(finished, tmp_path)
    write_report(out)
    manifest = check_output(out)
    assert manifest["complete"] and "report.html" in manifest["files"]


def test_finishing_with_a_file_begun_and_never_written_is_refused(tmp_path):
    begin_output(tmp_path / "o", "run")

    def fail(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_output(tmp_path / "o", "bookings.parquet", fail)
    with pytest.raises(ScenarioError, match="bookings.parquet begun and never written"):
        finish_output(tmp_path / "o")
    with pytest.raises(ScenarioError, match="incomplete output"):
        check_output(tmp_path / "o")


def test_a_run_from_a_large_roster_reads_back_with_its_folder(tmp_path, monkeypatch):
    """The resolved scenario carries the roster inline; read with its checked run folder it
    may hold more values than a scenario file a user hands in."""
    from jailsim.scenario import yamlfile

    monkeypatch.setattr(yamlfile, "MAX_VALUES", 2_000)  # a roster "too large" for a user file
    people = [{"booked": f"2024-12-{1 + i % 28:02d}T08:00:00", "charge": "misdemeanor"}
              for i in range(400)]
    sc = jailsim.load("scenarios/jem.yaml").with_(
        {"warm_start": {"kind": "roster", "people": people}})
    out = tmp_path / "run"
    jailsim.simulate(sc, out=out, **SMALL)
    with pytest.raises(ScenarioError, match="more than 2,000 values"):
        jailsim.load(out / "scenario.resolved.yaml")
    assert len(jailsim.Result.load(out).scenario.warm_start.people) == 400
