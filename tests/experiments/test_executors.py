"""Serial, local processes and Dask give the same bytes; executors yield every task once."""

from __future__ import annotations

import pytest

import jailsim
from jailsim.base.errors import ScenarioError
from jailsim.experiments.arms import check_version as _check_version
from jailsim.experiments.checkpoints import Checkpoints
from jailsim.experiments.executors import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from jailsim.experiments.replication import ReplicationOutput
from tests.experiments.folders import folder_bytes as _bytes

RUN = {"seed": 6, "replications": 4, "days": 150, "warmup_days": 30, "engine": "vector"}


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise RuntimeError("task 3 failed")
    return x


def test_serial_processes_and_dask_write_the_same_bytes(tmp_path, monkeypatch):
    """Every part of every table, and every other file, is the same bytes whichever executor
    and however many workers ran the replications: workers that share this file system write
    the checkpoints themselves (none written here), a cluster reached by address sends the
    tables back for this process to write."""
    distributed = pytest.importorskip("distributed")
    saved = []
    save = Checkpoints.save

    def counted(self, replication, metrics, tables=None):
        saved.append(replication)
        return save(self, replication, metrics, tables)

    monkeypatch.setattr(Checkpoints, "save", counted)
    serial = tmp_path / "serial"
    jailsim.simulate("scenarios/jem.yaml", out=serial, **RUN)
    expected = _bytes(serial)
    parts = [name for name in expected if name.startswith("bookings.parquet/")]
    assert parts == [f"bookings.parquet/part-{r:06d}.parquet" for r in range(4)]
    how = {"procs": {"workers": 2}, "procs3": {"workers": 3},
           "dask": {"dask": True, "workers": 2}}
    for name, options in how.items():
        jailsim.simulate("scenarios/jem.yaml", out=tmp_path / name, **options, **RUN)
    assert saved == []  # every checkpoint written by its worker
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        jailsim.simulate("scenarios/jem.yaml", out=tmp_path / "address",
                         scheduler=cluster.scheduler_address, **RUN)
    assert sorted(saved) == [0, 1, 2, 3]  # sent back encoded, written here
    for name in (*how, "address"):
        assert _bytes(tmp_path / name) == expected, name


def test_only_workers_known_to_share_the_file_system_write_into_it():
    distributed = pytest.importorskip("distributed")
    assert SerialExecutor.shares_files and ProcessExecutor(2).shares_files
    with DaskExecutor(workers=1) as local:
        assert local.shares_files
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        with DaskExecutor(address=cluster.scheduler_address) as remote:
            assert not remote.shares_files


def test_a_comparison_on_processes_equals_the_serial_one():
    pair = ["scenarios/jem.yaml", "scenarios/wso.yaml"]
    a = jailsim.compare(pair, **RUN)
    with ProcessExecutor(2) as ex:
        b = jailsim.compare(pair, executor=ex, **RUN)
    assert a.differences.equals(b.differences)


def test_a_running_dask_cluster_by_address_gives_the_same_sweep():
    distributed = pytest.importorskip("distributed")
    factors = {"jem.officers": [1, 3]}
    a = jailsim.sweep("scenarios/jem.yaml", factors, **RUN)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        b = jailsim.sweep("scenarios/jem.yaml", factors, scheduler=cluster.scheduler_address,
                          **RUN)
    assert a.table.equals(b.table) and a.replications.equals(b.replications)


@pytest.mark.parametrize("make", [SerialExecutor, lambda: ProcessExecutor(2)])
def test_every_task_comes_back_once_with_its_index(make):
    with make() as ex:
        got = dict(ex.imap_unordered(_square, list(range(7))))
        assert got == {i: i * i for i in range(7)}
        # a task's exception reaches the caller
        with pytest.raises(RuntimeError, match="task 3 failed"):
            list(ex.imap_unordered(_fail_on_three, list(range(5))))


def test_make_executor_picks_from_the_options():
    assert isinstance(make_executor(None), SerialExecutor)
    assert isinstance(make_executor(1), SerialExecutor)
    ex = make_executor(3)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 3
    ex.close()
    with pytest.raises(ScenarioError, match="--workers does not apply"):
        make_executor(2, scheduler="tcp://127.0.0.1:1")


def test_results_from_a_worker_with_another_jailsim_are_refused():
    with pytest.raises(ScenarioError, match="install the same jailsim"):
        _check_version(ReplicationOutput(0, {}, version="0.0.0-other"))
