"""``--executor=ray``: every trial is a Ray task on a Ray cluster (or on a local Ray instance).

The driver decodes each dataset once and puts the loader in Ray's object store: every node
fetches it once and its workers read the samples zero-copy from the node's shared memory, so
datasets need to be readable by the driver only. Each task requests ``--trial-cpus`` CPUs (default:
its experiment's ``--threads-per-trial``, the math threads it runs with) and ``--trial-gpus`` GPUs and sends its epochs back through an event-sink actor as they finish; the driver
writes the run directory. A task that raises fails its trial; a worker or node that dies fails
the trials it ran; Ctrl-C cancels every task. Checkpoints are written by the tasks into the run
directory's path on their own node (use a shared file system for ``--runs-dir`` on a cluster).
The event sink is one actor per Ray session, shared by its runs (each reads its own channel);
it ends with the session (``bin/train`` ends its session when the run ends).
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import sys
import tempfile
import time
import uuid
from typing import Any, Iterator

from nnplug.errors import NnplugError
from nnplug.executor import Executor
from nnplug.executors.processes import keep_freed_memory
from nnplug.study import Study
from nnplug.threads import available_cores
from nnplug.trials import Trial, one_line, run_trial

LOG = logging.getLogger("nnplug.executors.ray")

#: Seconds cancelled tasks get to report their last events before they are force-stopped.
GRACE_SECONDS = 5.0
#: Longest the driver waits for an event before it looks for finished tasks (seconds).
POLL_SECONDS = 0.25


class Ray(Executor):
    """Runs trials as Ray tasks on a Ray cluster (default: a Ray instance started here for the run).

    Args:
        ray_address: the cluster to join: host:port of its head node (what `ray start --head` prints), or auto (the cluster started on this machine); empty: start a local Ray instance for this run.
        trial_cpus: CPUs each trial requests from Ray (0: as many as its experiment's --threads-per-trial, the math threads it runs with).
        trial_gpus: GPUs each trial requests (1 gives each torch trial a GPU of its own; 0: none).
    """

    def __init__(self, ray_address: str = "", trial_cpus: float = 0.0, trial_gpus: float = 0.0) -> None:
        if not trial_cpus >= 0:
            raise NnplugError(f"--trial-cpus must be 0 (the trial's --threads-per-trial) or more, got {trial_cpus}")
        if trial_gpus < 0:
            raise NnplugError(f"--trial-gpus must be 0 or more, got {trial_gpus}")
        self.ray_address = ray_address.strip()
        self.trial_cpus = trial_cpus
        self.trial_gpus = trial_gpus
        self._started = False

    # connection ------------------------------------------------------------------------------
    def prepare(self, experiments: list[Any]) -> None:
        """Join the cluster (or start a local instance) and check it can run a trial.

        Raises:
            NnplugError: the address cannot be reached, or no node has the CPUs or GPUs a trial asks for.
        """
        import ray

        if not ray.is_initialized():  # else: a connection made by the caller (notebooks, tests) is used as is
            self._connect(ray)
        try:
            self._check_resources(ray, experiments)
        except BaseException:
            self.close()
            raise

    def _connect(self, ray: Any) -> None:
        address = self.ray_address
        if address and address != "auto" and "://" not in address:
            _check_reachable(address)
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING, "configure_logging": False}
        if not address:
            options["num_cpus"] = available_cores()
        ray_log = logging.getLogger("ray")
        level = ray_log.level
        if not LOG.isEnabledFor(logging.DEBUG):  # Ray's start-up notices are not the user's business unless --debug
            ray_log.setLevel(logging.ERROR)
        # joining a cluster, Ray's core prints each failed attempt on stderr (20 lines in 20 s when
        # the cluster wants a token): kept apart, unless --debug, and read when it fails
        joining = bool(address) and not LOG.isEnabledFor(logging.DEBUG)
        try:
            with _stderr_kept(joining) as printed:
                ray.init(address=address or "local", **options)  # "local": a new instance even when another runs here
        except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as err:
            where = f"at {address}" if address else "(local instance)"
            if "InvalidAuthToken" in _causes(err) + printed.text:
                raise NnplugError(
                    f"the Ray cluster {where} wants its token (token authentication): run with RAY_AUTH_MODE=token and the "
                    "cluster's token in ~/.ray/auth_token or RAY_AUTH_TOKEN (`ray get-auth-token` on its head node prints it)"
                ) from None
            raise NnplugError(f"cannot start or reach the Ray cluster {where}: {' '.join(str(err).split())[:300]}") from None
        finally:
            ray_log.setLevel(level)
        if printed.text.strip():
            LOG.debug("Ray printed while joining: %s", printed.text.strip())
        self._started = True

    def trial_threads(self) -> int:
        """Math threads of a trial that leaves ``--threads-per-trial`` at 0: the whole CPUs of ``--trial-cpus`` (at least one)."""
        return max(1, int(self.trial_cpus))

    def cpus(self, experiment: Any) -> float:
        """CPUs a trial of ``experiment`` requests: ``--trial-cpus``, or its math threads."""
        return self.trial_cpus or float(max(1, experiment.options.threads_per_trial))

    def _check_resources(self, ray: Any, experiments: list[Any]) -> None:
        nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
        gpus = max((node.get("GPU", 0) for node in nodes), default=0)
        cpus = max((node.get("CPU", 0) for node in nodes), default=0)
        if self.trial_gpus > gpus:
            raise NnplugError(f"--trial-gpus={self.trial_gpus:g}, but no node of the Ray cluster has that many GPUs (largest: {gpus:g})")
        wanted = max((self.cpus(e) for e in experiments), default=self.trial_cpus)
        if wanted > cpus:
            asked = f"--trial-cpus={self.trial_cpus:g}" if self.trial_cpus else f"--threads-per-trial={wanted:g} (each trial requests that many CPUs)"
            raise NnplugError(f"{asked}, but no node of the Ray cluster has that many CPUs (largest: {cpus:g})")

    def close(self) -> None:
        """Leave the cluster; a local instance started for the run stops with its workers."""
        if self._started:
            import ray

            _SINKS.clear()  # its actor ends with the instance
            ray.shutdown()
            self._started = False

    # trials ----------------------------------------------------------------------------------
    def run(self, study: Study) -> None:
        """Submit every trial as a task, relay their events to the study as they come."""
        import ray

        run = uuid.uuid4().hex
        sink = _event_sink(ray, run)
        try:
            study.start()
        except BaseException:
            sink.forget.remote(run)
            raise
        # once: every node fetches each once, and each worker unpickles each once per run (see _shared)
        registry = ray.put(study.registry)
        loaders = [ray.put(loader) for loader in study.loaders]
        remote = ray.remote(_trial_task)
        run_dir = str(study.run_dir) if study.run_dir is not None else None
        # the references travel inside a list: Ray passes them as they are instead of unpickling their objects for every task
        tasks = {
            remote.options(num_cpus=self.cpus(trial.experiment), num_gpus=self.trial_gpus, max_retries=0).remote(
                trial, [registry, loaders[trial.dataset]], run_dir, sink, run
            ): trial
            for trial in study.trials
        }
        relay = _Relay(sink, run, study, {trial.key: trial for trial in study.trials})
        try:
            while tasks:
                ready, _ = ray.wait(list(tasks), num_returns=1, timeout=POLL_SECONDS)  # wakes when a task ends
                done, _ = ray.wait(list(tasks), num_returns=len(tasks), timeout=0) if ready else ([], None)
                # a finished task's events are all in the sink (see _trial_task): read them before its end
                for attempt in range(20 if done else 1):
                    if relay():
                        break
                    time.sleep(0.1 * attempt)
                for ref in done:
                    trial = tasks.pop(ref)
                    error, interrupted = _outcome(ray, ref)
                    study.trial_ended(trial, error=error, interrupted=interrupted)
                study.tick()
        except BaseException:
            self._cancel(ray, relay, study, tasks)
            raise
        finally:
            try:
                sink.forget.remote(run)
            except Exception as err:  # noqa: BLE001 - the sink went with a lost node: nothing to forget
                LOG.debug("event sink: %r", err)

    def _cancel(self, ray: Any, relay: "_Relay", study: Study, tasks: dict[Any, Trial]) -> None:
        """Interrupt running tasks (each reports its last epochs), force-stop the rest after the grace period."""
        for ref in tasks:
            ray.cancel(ref)
        deadline = time.monotonic() + GRACE_SECONDS
        pending = list(tasks)
        while pending and time.monotonic() < deadline:
            _, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_SECONDS)
        for ref in pending:
            ray.cancel(ref, force=True)
        for _ in range(50):  # the events sent before the end; an observer failing on one loses only that one
            try:
                relay()
                break
            except BaseException as err:  # also: the sink's actor may be gone with a lost node
                LOG.debug("event not recorded while stopping: %r", err)
        study.interrupt(list(tasks.values()))
        _discard_sink(ray, relay.sink)


def _discard_sink(ray: Any, sink: Any) -> None:
    """Stop using ``sink`` after cancelled tasks: the next run starts another.

    A task interrupted while it sent an event can leave a gap in the numbering of its worker
    process's calls to the actor; Ray reuses that process for later tasks, whose calls the actor
    would then hold back waiting for the missing one (and fail after 30 s).
    """
    for session, kept in list(_SINKS.items()):
        if kept is sink:
            del _SINKS[session]
    try:
        ray.kill(sink)
    except Exception as err:  # noqa: BLE001 - already gone with a lost node
        LOG.debug("event sink: %r", err)


class _Printed:
    """What a :func:`_stderr_kept` block printed on stderr."""

    text = ""


@contextlib.contextmanager
def _stderr_kept(enabled: bool) -> Iterator[_Printed]:
    """Send what this process writes on stderr (file descriptor 2: C++ libraries too) to a temporary
    file for the block, and keep it in the yielded object's ``text``; a no-op when not ``enabled``."""
    printed = _Printed()
    if not enabled:
        yield printed
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as kept:
        os.dup2(kept.fileno(), 2)
        try:
            yield printed
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            kept.seek(0)
            printed.text = kept.read().decode(errors="replace")


def _causes(err: BaseException) -> str:
    """The messages of ``err`` and of the exceptions it came from."""
    messages, seen = [], set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        messages.append(str(err))
        err = err.__cause__ or err.__context__
    return " ".join(messages)


def _check_reachable(address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise NnplugError(f"--ray-address expects host:port (e.g. 10.0.0.5:6379), auto, or nothing; got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as err:
        raise NnplugError(f"cannot reach the Ray cluster at {address}: {err.strerror or err}") from None


def _event_sink(ray: Any, run: str) -> Any:
    """The :class:`~nnplug_ray.events.EventSink` actor on the driver's node, with ``run``'s channel open.

    The sink lives on the driver's node (losing another node does not lose the events). One sink
    serves every run of a Ray session: a notebook or a benchmark running several studies starts
    its worker process (about 0.3 s) once. Ray ends an actor when its creator's handle goes, so
    that handle is kept here; a kept sink that died, or one of an earlier session, is replaced.
    A new sink is not waited for: its process starts while the datasets are decoded.
    """
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from nnplug_ray.events import EventSink

    context = ray.get_runtime_context()
    session = (context.get_node_id(), context.get_job_id())
    kept = _SINKS.get(session)
    if kept is not None:
        try:
            ray.get(kept.open.remote(run), timeout=10)
            return kept
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as err:
            LOG.debug("event sink of an earlier run is gone (%s): starting another", type(err).__name__)
    here = NodeAffinitySchedulingStrategy(node_id=session[0], soft=False)
    sink = ray.remote(EventSink).options(num_cpus=0, scheduling_strategy=here).remote()
    sink.open.remote(run)
    _SINKS.clear()  # a handle of an earlier session is of no use
    _SINKS[session] = sink
    return sink


#: The event sink of the current Ray session (driver node id, job id), see :func:`_event_sink`.
_SINKS: dict[tuple[str, str], Any] = {}


class _Relay:
    """Hands the study the events the sink received for this run since the last time."""

    def __init__(self, sink: Any, run: str, study: Study, trials: dict[tuple[int, int], Trial]) -> None:
        self.sink, self.run, self.study, self.trials = sink, run, study, trials
        self.read = 0

    def __call__(self) -> bool:
        """Relay what is new; False when the sink could not be reached this time (nothing lost: read again)."""
        import ray

        try:
            events = ray.get(self.sink.since.remote(self.run, self.read))
        except ray.exceptions.ActorUnavailableError as err:  # transient (a node just lost)
            LOG.debug("event sink unreachable for now: %s", err)
            return False
        for item in events:
            self.read += 1
            key, event, data = pickle.loads(item)
            self.study.receive(self.trials[key], event, data)
        return True


def _outcome(ray: Any, ref: Any) -> tuple[str | None, bool]:
    """(error, interrupted) of a finished task; a lost worker or node is the trial's error."""
    try:
        return ray.get(ref)
    except ray.exceptions.TaskCancelledError:
        return None, True
    except ray.exceptions.RayTaskError as err:
        return one_line(err.cause if err.cause is not None else err), False
    except ray.exceptions.RayError as err:
        return f"Ray worker lost ({type(err).__name__}: {' '.join(str(err).split())[:200]})", False


class Outbox:
    """A trial's events on their way to the sink: pickled, and sent a few at a time without waiting.

    Each call to the actor costs it about 1 ms of CPU and the trial about as much, taken from the
    trials on a busy node, so events are held and go out together when one that starts waiting
    work comes (``epoch_started``: an epoch of training follows) at least ``interval`` seconds
    after the last call, and when the trial ends. The first epoch's start goes out at once (the
    driver shows the trial running). A study of short epochs (NLayers 100 on numbers: 40 ms)
    made 11 calls per trial, now 2 or 3; the driver still hears of each epoch within ``interval``
    seconds of its end plus an epoch. Sending does not wait for the actor (a task waiting on
    ``ray.get`` lends its CPU to another task); the actor runs one caller's calls in order.
    Events travel as bytes pickled here, so the actor never imports nnplug or numpy.

    Args:
        sink: the event sink's actor handle.
        run: the run's channel.
        key: the trial's key.
        interval: least seconds between two calls while the trial runs.
    """

    #: Events after which the trial works a while: what is held goes out with them once ``interval`` has passed.
    SENDS = frozenset({"epoch_started"})
    #: Events after which what is held always goes out.
    ENDS = frozenset({"repeat_finished"})

    def __init__(self, sink: Any, run: str, key: tuple[int, int], interval: float = 0.5) -> None:
        self.sink, self.run, self.key, self.interval = sink, run, key, interval
        self.held: list[bytes] = []
        self.sent_at: float | None = None

    def __call__(self, event: str, data: Any) -> None:
        """Take one event (the ``send`` of :func:`nnplug.trials.run_trial`)."""
        self.held.append(pickle.dumps((self.key, event, data), protocol=pickle.HIGHEST_PROTOCOL))
        if event in self.ENDS or (event in self.SENDS and (self.sent_at is None or time.monotonic() - self.sent_at >= self.interval)):
            self.flush()

    def flush(self) -> None:
        """Send what is held."""
        held, self.held = self.held, []  # taken first: a cancellation mid-call must not send them twice
        if held:
            self.sink.put.remote(self.run, held)
            self.sent_at = time.monotonic()


#: This worker's copies of the current run's registry and decoded datasets: {run: {object id: object}}.
_RUN_OBJECTS: dict[str, dict[str, Any]] = {}


def _shared(run: str, reference: Any) -> Any:
    """The object of ``reference`` (put in the object store by ``run``'s driver), unpickled once per worker and run.

    Ray unpickles a task's arguments for every task. A decoded dataset's arrays are read in place
    from the node's shared memory, but the rest of its loader (thousands of file paths) took
    26-110 ms to unpickle on a busy node: the gap between one trial and the next on a worker.
    Kept, it is unpickled by each worker's first trial of the run only, and later trials reuse
    it as the sequential loop and the processes executor's workers do (``load`` partitions it
    again with each trial's seed). Objects of an earlier run are dropped when a new run's first
    trial comes, letting the object store free them.
    """
    objects = _RUN_OBJECTS.get(run)
    if objects is None:
        _RUN_OBJECTS.clear()
        objects = _RUN_OBJECTS[run] = {}
    key = reference.hex()
    if key not in objects:
        import ray

        objects[key] = ray.get(reference)
    return objects[key]


def _trial_task(trial: Trial, shared: list[Any], run_dir: str | None, sink: Any, run: str) -> tuple[str | None, bool]:
    """A Ray task: run one trial, its events going to ``run``'s channel of ``sink`` (an :class:`~nnplug_ray.events.EventSink`); return (error, interrupted).

    ``shared``: the object references of the registry and of the trial's decoded dataset (see :func:`_shared`).
    """
    import ray

    keep_freed_memory()
    LOG.debug("trial %s on pid %d", trial.name, os.getpid())
    outbox = Outbox(sink, run, trial.key)
    outcome: tuple[str | None, bool] = (None, False)
    try:
        registry, loader = (_shared(run, reference) for reference in shared)
        run_trial(trial, registry, loader, outbox, run_dir)
    except KeyboardInterrupt:  # ray.cancel
        outcome = (None, True)
    except Exception as err:  # the trial's failure; the study goes on
        outcome = (one_line(err), False)
    finally:
        outbox.flush()
    ray.get(sink.count.remote(run))  # after this task's events: once it answers, they are all in the sink
    return outcome
