"""``--executor=processes``: trials in local worker processes, several at once.

Up to ``--jobs`` worker processes are forked from the driver after the datasets were decoded, so
every worker reads the driver's decoded samples (copy-on-write pages, never written: the dataset
is in memory once). A worker runs one trial after another (the plugins' modules imported once,
before the fork; its memory warm from one trial to the next, as in the sequential loop) and sends
each trial's events back through its pipe. A worker that dies fails its trial only (a new worker
takes the next trials); Ctrl-C interrupts the running trials (each saves its finished epochs
through the driver) and no worker outlives the command.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from nnplug.errors import NnplugError
from nnplug.executor import Executor, frozen_heap
from nnplug.study import Study
from nnplug.threads import available_cores
from nnplug.trials import Trial, one_line, run_trial

LOG = logging.getLogger("nnplug.executors")

#: Seconds interrupted workers get to report their last events before they are killed.
GRACE_SECONDS = 5.0
#: Longest the driver waits for a worker's message before it does postponed work (seconds).
TICK_SECONDS = 0.5
#: The plugin kinds whose modules are imported in the driver before workers are forked.
PRELOADED_KINDS = ("model", "optimizer", "loss", "metric")


#: glibc's ``mallopt`` parameters: M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Freed heap kept by a worker for its next arrays and trials, and the size from which arrays get their own mapping (bytes).
WORKER_TRIM_THRESHOLD, WORKER_MMAP_THRESHOLD = 2**30, 32 * 2**20


def keep_freed_memory() -> None:
    """Let this process's allocator reuse freed memory for the next minibatch and the next trial instead of mapping new pages.

    A trial allocates and frees the same arrays (activations, gradients: hundreds of kB to tens
    of MB) every minibatch, and the next trial does it again. glibc returned them to the system
    after each use and they were page-faulted back in: 7,000-9,000 page faults and a tenth of the
    trial's CPU time per trial of NLayers 100 on numbers. With the trim threshold at 64 MB the
    minibatches kept theirs, but each trial still gave back its ~80 MB heap when it ended and the
    next faulted it in again (7,400 small and 25 huge-page faults per trial; on this project's
    VM, fresh pages cost up to 0.3 s of kernel time per trial). Freed heap is now kept up to
    1 GB (a worker runs trial after trial, and the next one needs it again); arrays above 32 MB
    (glibc's largest threshold) still get their own mapping. Used in trial workers and in the
    ``bin/train`` process (not in a notebook's process: the sequential executor leaves it alone).
    Only where glibc is the C library; elsewhere nothing changes.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl): their allocators behave otherwise
        return
    mallopt(_M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD)
    mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD)


def preload_plugins(study: Study) -> None:
    """Import the modules of every trial's plugins (and of the engine) here, so forked workers find them imported.

    A plugin that fails to import is left to its trials (their one-line failure says why).
    """
    for experiment in study.experiments:
        for kind in PRELOADED_KINDS:
            try:
                study.registry.load(kind, experiment.plugin_name(kind))
            except Exception as err:  # noqa: BLE001 - reported by the trial that needs it
                LOG.debug("preloading %s %s: %s", kind, experiment.plugin_name(kind), err)
        try:
            engine = study.registry.info("model", experiment.plugin_name("model")).engine
            if engine:
                study.registry.create_engine(engine)
        except Exception as err:  # noqa: BLE001
            LOG.debug("preloading the engine of %s: %s", experiment.plugin_name("model"), err)


@dataclass
class _Worker:
    process: Any
    connection: Connection
    trial: Trial | None = None
    released: bool = False


class Processes(Executor):
    """Runs trials in local worker processes, several at once; the decoded dataset is shared, not copied.

    Each trial uses its experiment's ``--threads-per-trial`` math threads (0, the default: one,
    so that the default ``--jobs`` runs a trial per core).

    Args:
        jobs: trials running at once (default: one per core, or per --threads-per-trial cores when trials use several threads).
    """

    def __init__(self, jobs: int | None = None) -> None:
        if jobs is not None and jobs <= 0:
            raise NnplugError(f"--jobs must be a positive integer, got {jobs}")
        if "fork" not in multiprocessing.get_all_start_methods():
            raise NnplugError("--executor=processes needs fork() (Linux, macOS); use --executor=sequential or ray")
        self.jobs = jobs or available_cores()
        self.jobs_given = jobs is not None

    def run(self, study: Study) -> None:
        """Fork up to ``jobs`` workers, hand each the next trial as it finishes one, feed the study their events."""
        if not self.jobs_given:  # the cores shared out among trials of several threads each
            self.jobs = max(1, available_cores() // max((max(1, e.options.threads_per_trial) for e in study.experiments), default=1))
        study.start()
        preload_plugins(study)
        # forked workers inherit the frozen heap: their collector leaves the driver's objects (their
        # pages) alone, so no copies, and no time spent walking them
        with frozen_heap():
            self._schedule(study)

    def _schedule(self, study: Study) -> None:
        """Run the study's trials on forked workers until every one has ended."""
        context = multiprocessing.get_context("fork")
        pending = deque(study.trials)
        workers: list[_Worker] = []
        try:
            while pending or any(w.trial is not None for w in workers):
                for worker in workers:
                    if worker.trial is None and pending:
                        self._assign(study, worker, pending.popleft())
                while pending and len(workers) < self.jobs:
                    worker = self._start(context, study)
                    workers.append(worker)
                    self._assign(study, worker, pending.popleft())
                for worker in workers:
                    if worker.trial is None and not pending:
                        self._release(worker)
                ready = set(wait([w.connection for w in workers if not w.connection.closed] + [w.process.sentinel for w in workers], timeout=TICK_SECONDS))
                study.tick()
                for worker in list(workers):
                    if worker.connection in ready:
                        self._drain(study, worker)
                    if not worker.process.is_alive():
                        self._drain(study, worker)
                        worker.process.join()
                        if worker.trial is not None:
                            study.trial_ended(worker.trial, error=f"worker process died ({_exit_reason(worker.process.exitcode)})")
                        worker.connection.close()
                        workers.remove(worker)
            self._finish(workers)
        except BaseException:  # Ctrl-C, SIGTERM, an observer's error: no worker outlives the run
            self._stop(study, workers)
            raise

    def _start(self, context: Any, study: Study) -> _Worker:
        driver_end, worker_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve, args=(study.trials, study.registry, study.loaders, study.run_dir, worker_end),
            name="nnplug-trial-worker", daemon=True,
        )
        process.start()
        worker_end.close()
        return _Worker(process, driver_end)

    def _assign(self, study: Study, worker: _Worker, trial: Trial) -> None:
        worker.trial = trial
        try:
            worker.connection.send(next(i for i, t in enumerate(study.trials) if t.key == trial.key))
        except OSError:  # the worker just died: its sentinel says so, and the trial fails with the reason
            pass

    @staticmethod
    def _release(worker: _Worker) -> None:
        """Tell an idle worker there is nothing more to do (it exits)."""
        if worker.released or worker.connection.closed:
            return
        worker.released = True
        try:
            worker.connection.send(None)
        except OSError:
            pass

    def _finish(self, workers: list[_Worker]) -> None:
        """Let the idle workers exit; none outlives the run."""
        for worker in workers:
            self._release(worker)
        deadline = time.monotonic() + GRACE_SECONDS
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()

    def _drain(self, study: Study, worker: _Worker) -> bool:
        """Hand the worker's waiting messages to the study; return whether its pipe is still open."""
        while not worker.connection.closed:
            try:
                if not worker.connection.poll(0):
                    return True
                event, data = worker.connection.recv()
            except (EOFError, OSError):
                return False
            except Exception as err:  # a message cut short by a killed worker
                LOG.debug("worker %s: unreadable message: %s", worker.process.pid, err)
                return False
            if event == "ended":
                trial, worker.trial = worker.trial, None
                error, interrupted = data
                if trial is not None:
                    study.trial_ended(trial, error=error, interrupted=interrupted)
            elif worker.trial is not None:
                study.receive(worker.trial, event, data)
        return False

    def _stop(self, study: Study, workers: list[_Worker]) -> None:
        """Interrupt running workers, keep what they report within the grace period, kill the rest."""
        running = [w.trial for w in workers if w.trial is not None]
        for worker in workers:
            if worker.process.is_alive():
                os.kill(worker.process.pid, signal.SIGINT)
        deadline = time.monotonic() + GRACE_SECONDS
        for worker in workers:
            while worker.trial is not None and worker.process.is_alive() and time.monotonic() < deadline:
                if not self._drain_safely(study, worker):
                    break
                time.sleep(0.02)
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            while self._drain_safely(study, worker):  # what it sent before it ended
                pass
            worker.connection.close()
        study.interrupt(running)  # those that reported their end are already recorded

    def _drain_safely(self, study: Study, worker: _Worker) -> bool:
        """:meth:`_drain` while stopping: an observer failing on an event (or a second Ctrl-C) does not stop the clean-up."""
        try:
            return self._drain(study, worker)
        except BaseException as err:  # the run is being stopped already; the event is lost, the next ones are not
            LOG.debug("worker %s: event not recorded while stopping: %r", worker.process.pid, err)
            return not worker.connection.closed


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _serve(trials: list[Trial], registry: Any, loaders: list[Any], run_dir: Any, connection: Connection) -> None:
    """A worker process: run the trials the driver names (by index), one after the other; exit without the driver's clean-ups.

    Each trial's events go back through ``connection``, then ``("ended", (error, interrupted))``.
    ``None`` (or a closed pipe) ends the worker; so does an interrupted trial.
    """
    # the driver's handlers (nnplug.interrupts) or an ignored SIGINT (nohup) are not the worker's:
    # SIGINT interrupts the trial cleanly (its last events reach the driver), SIGTERM ends it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    status = 0
    try:
        keep_freed_memory()
        while True:
            index = connection.recv()
            if index is None:
                break
            trial = trials[index]
            error: str | None = None
            interrupted = False
            try:
                run_trial(trial, registry, loaders[trial.dataset], lambda event, data: connection.send((event, data)), run_dir)
            except KeyboardInterrupt:
                interrupted = True
            except BaseException as err:  # recorded as the trial's failure; the study goes on
                error = one_line(err)
                LOG.debug("trial %s failed", trial.name, exc_info=True)
            connection.send(("ended", (error, interrupted)))
            if interrupted:
                break
    except (KeyboardInterrupt, EOFError, OSError):  # stopped while idle, or the driver is gone
        pass
    except BaseException:
        status = 1
    try:
        connection.close()
    except OSError:
        pass
    os._exit(status)  # not the driver's atexit handlers (forked copies of its state)
