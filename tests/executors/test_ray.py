"""The ray executor on a real two-node Ray cluster simulated on this machine (one cluster for the module)."""
from __future__ import annotations

import sys

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    """A head node and a second node, one CPU each, with a small object store; this process is the driver."""
    import cloudpickle

    from nnplug.testing import toys

    # the workers cannot import the test modules: their classes travel by value
    for module in {sys.modules[__name__], sys.modules[toys.__name__], *[m for n, m in sys.modules.items() if n.endswith("executors.conftest")]}:
        cloudpickle.register_pickle_by_value(module)
    store = 80 * 2**20
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": store, "include_dashboard": False})
    cluster.add_node(num_cpus=1, object_store_memory=store)
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture
def registry(registry):
    """The test registry with the ray executor."""
    from nnplug_ray.executor import Ray

    registry.add("executor", "ray", Ray)
    return registry


def test_trials_on_two_nodes_give_the_sequential_metrics(cluster, train, metrics_of):
    study = ["--nbr-epochs=2", "--training-times=3", "--experiment", "--exp-id=b", "--learning-rate=0.3", "--nbr-epochs=2"]
    _, sequential = train(study)
    status, distributed = train(["--executor=ray", f"--ray-address={cluster.address}", *study])
    assert status == 0
    assert metrics_of(distributed.run_dir) == metrics_of(sequential.run_dir)
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2


def test_failed_and_lost_trials_fail_alone(cluster, train, run_document):
    args = ["--executor=ray", "--model=Fragile", "--fail-seed=0", "--nbr-epochs=2", "--training-times=2",
            "--experiment", "--exp-id=dies", "--model=Fragile", "--die-seed=0", "--nbr-epochs=2"]
    status, session = train(args)
    assert status == 1
    first, dies = run_document(session.run_dir)["experiments"]
    assert first["repeats"][0]["error"] == "ValueError: boom at step 3"
    assert first["repeats"][1]["error"] is None and len(first["repeats"][1]["epochs"]) == 2
    assert dies["repeats"][0]["error"].startswith("Ray worker lost")


@pytest.mark.parametrize("option, message", [
    ("--trial-gpus=1", "--trial-gpus=1, but no node of the Ray cluster has that many GPUs"),
    # a trial asks Ray for as many CPUs as its math threads
    ("--threads-per-trial=64", "--threads-per-trial=64 (each trial requests that many CPUs), but no node of the Ray cluster has that many CPUs"),
])
def test_asking_for_resources_the_cluster_lacks_is_one_line(cluster, tmp_path, capsys, option, message):
    from nnplug.cli.errors import run_guarded
    from nnplug.cli.train import run_train

    runs = tmp_path / "runs"
    status = run_guarded(lambda: run_train([f"--runs-dir={runs}", "--executor=ray", option]), "train", False)
    assert status == 2
    assert message in capsys.readouterr().err
    assert not runs.exists() or not any(runs.iterdir())


class StopAtFirstEpoch:
    """Ctrl-C in the driver as soon as one epoch is reported (a TrainingObserver by duck typing)."""

    def __getattr__(self, name):
        return lambda *args: None

    def epoch_finished(self, context, metrics):
        raise KeyboardInterrupt


def test_interrupting_cancels_every_task_and_keeps_finished_epochs(cluster, train, tmp_path, run_document):
    import time

    args = ["--executor=ray", "--model=Fragile", "--hang-seed=0", "--nbr-epochs=50", "--training-times=3"]
    with pytest.raises(KeyboardInterrupt, match="run saved in"):
        train(args, observers=[StopAtFirstEpoch()])
    (run_dir,) = (tmp_path / "runs").iterdir()
    document = run_document(run_dir)
    assert document["status"] == "interrupted"
    assert sum(len(r["epochs"]) for r in document["experiments"][0]["repeats"]) >= 1
    deadline = time.monotonic() + 30
    while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray.available_resources().get("CPU", 0) == 2  # no task holds a CPU any more
    # the workers Ray reuses, interrupted mid-call, do not hold up the next run's events
    started = time.monotonic()
    status, _ = train(["--executor=ray", "--nbr-epochs=2", "--training-times=2"])
    assert status == 0 and time.monotonic() - started < 25


def test_the_ray_executor_honours_the_executor_contract(cluster):
    from nnplug_ray.executor import Ray

    from nnplug.testing.executor_contract import check_executor

    check_executor(Ray, {"ray_address": cluster.address})


class RemoveNodeWhenAllRun:
    """Loses a node of the cluster once every trial reported an epoch (all are running, one on that node)."""

    def __init__(self, cluster, node, trials):
        self.cluster, self.node, self.trials = cluster, node, trials
        self.seen = set()

    def __getattr__(self, name):
        return lambda *args: None

    def epoch_finished(self, context, metrics):
        self.seen.add(context.repeat)
        if self.node is not None and len(self.seen) == self.trials:
            node, self.node = self.node, None
            self.cluster.remove_node(node, allow_graceful=False)


def test_a_lost_node_fails_its_trials_only(cluster, train, run_document):
    doomed = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    # trials report their epochs at most every 0.5 s (Outbox): eight epochs of 0.3 s leave every
    # trial running well after all have reported one
    args = ["--executor=ray", "--model=Fragile", "--step-seconds=0.3", "--nbr-epochs=8", "--training-times=3"]
    status, session = train(args, observers=[RemoveNodeWhenAllRun(cluster, doomed, 3)])
    repeats = run_document(session.run_dir)["experiments"][0]["repeats"]
    lost = [r for r in repeats if r["error"]]
    assert status == 1 and len(lost) == 1 and lost[0]["error"].startswith("Ray worker lost")
    assert all(len(r["epochs"]) == 8 for r in repeats if not r["error"])


def test_a_worker_unpickles_a_runs_shared_objects_once(cluster):
    from nnplug_ray.executor import _shared

    reference = ray.put({"samples": list(range(5))})

    def probe(references):
        first, again, other_run = _shared("run1", references[0]), _shared("run1", references[0]), _shared("run2", references[0])
        return first is again, first is not other_run and first == other_run

    assert ray.get(ray.remote(probe).options(num_cpus=1).remote([reference])) == (True, True)


def test_a_trials_events_reach_the_sink_in_order_a_few_calls_per_epoch(monkeypatch):
    import pickle

    from nnplug_ray import executor
    from nnplug_ray.executor import Outbox

    calls = []
    now = [100.0]
    monkeypatch.setattr(executor.time, "monotonic", lambda: now[0])

    class Sink:  # the actor's handle: put.remote(run, items)
        class put:  # noqa: N801
            @staticmethod
            def remote(run, items):
                calls.append((run, [pickle.loads(item) for item in items]))

    outbox = Outbox(Sink, "run", (0, 1), interval=0.5)
    events = ["repeat_started", "epoch_started", "epoch_finished", "epoch_started", "epoch_finished", "early_stopping"]
    for number, event in enumerate(events):
        outbox(event, number)
        now[0] += 0.2
    assert [len(items) for _, items in calls] == [2]  # the first epoch's start at once; the second came 0.4 s later: held
    outbox("epoch_started", 6)  # 0.6 s after the last call: what is held goes
    assert [len(items) for _, items in calls] == [2, 5]
    outbox("epoch_finished", 7)
    outbox("repeat_finished", 8)  # the end: always sent
    outbox.flush()  # nothing left: no empty call
    sent = [item for _, items in calls for item in items]
    assert sent == [((0, 1), event, number) for number, event in enumerate([*events, "epoch_started", "epoch_finished", "repeat_finished"])]
    assert len(calls) == 3 and {run for run, _ in calls} == {"run"}


_GUARDED_CLUSTER = """
import sys
from ray.cluster_utils import Cluster

cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
print(cluster.address, flush=True)
sys.stdin.read()  # until the test closes it
cluster.shutdown()
"""


def test_a_cluster_that_wants_a_token_is_one_line_saying_how(tmp_path):
    """A cluster started with token authentication, joined without its token: one line naming the fix, exit 2."""
    import os
    import subprocess
    import uuid
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(tmp_path), OMP_NUM_THREADS="1")  # no ~/.ray/auth_token of the user's
    head = subprocess.Popen([sys.executable, "-c", _GUARDED_CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**env, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex})
    try:
        address = head.stdout.readline().strip()
        assert address, "the guarded cluster did not start"
        runs = tmp_path / "runs"
        result = subprocess.run([str(root / "bin" / "train"), f"--datasets-path={root / 'datasets'}", "--dataset=colors", "--resize=4,4",
                                 f"--runs-dir={runs}", "--executor=ray", f"--ray-address={address}"],
                                capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    finally:
        head.stdin.close()
        head.wait(timeout=60)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert "wants its token" in line and "RAY_AUTH_MODE=token" in line
    assert not runs.exists() or not any(runs.iterdir())
