"""``--executor=processes``: trials in local worker processes, several at once.

Each trial runs in its own process forked from the driver after the datasets were decoded, so
every worker reads the driver's decoded samples (copy-on-write pages, never written: the dataset
is in memory once). Events come back through a pipe per worker. A worker that dies fails its
trial only; Ctrl-C interrupts the running trials (each saves its finished epochs through the
driver) and no worker outlives the command.
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
from nnplug.executor import Executor
from nnplug.study import Study
from nnplug.trials import Trial, one_line, run_trial

LOG = logging.getLogger("nnplug.executors")

#: Seconds interrupted workers get to report their last events before they are killed.
GRACE_SECONDS = 5.0


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def limit_threads(threads: int) -> None:
    """Let the math libraries (BLAS, OpenMP) of this process use ``threads`` threads."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables above still reach libraries loaded from now on
        return
    threadpool_limits(threads)


@dataclass
class _Worker:
    trial: Trial
    process: Any
    connection: Connection
    ended: bool = False


class Processes(Executor):
    """Runs trials in local worker processes, several at once; the decoded dataset is shared, not copied.

    Args:
        jobs: trials running at once (default: one per core).
        threads_per_trial: math-library threads of each trial's process.
    """

    def __init__(self, jobs: int | None = None, threads_per_trial: int = 1) -> None:
        if jobs is not None and jobs <= 0:
            raise NnplugError(f"--jobs must be a positive integer, got {jobs}")
        if threads_per_trial <= 0:
            raise NnplugError(f"--threads-per-trial must be a positive integer, got {threads_per_trial}")
        if "fork" not in multiprocessing.get_all_start_methods():
            raise NnplugError("--executor=processes needs fork() (Linux, macOS); use --executor=sequential or ray")
        self.jobs = jobs or available_cores()
        self.threads_per_trial = threads_per_trial

    def run(self, study: Study) -> None:
        """Start up to ``jobs`` workers, feed the study their events, start the next as one ends."""
        study.start()
        context = multiprocessing.get_context("fork")
        pending = deque(study.trials)
        workers: list[_Worker] = []
        try:
            while pending or workers:
                while pending and len(workers) < self.jobs:
                    workers.append(self._start(context, study, pending.popleft()))
                ready = set(wait([w.connection for w in workers] + [w.process.sentinel for w in workers]))
                for worker in list(workers):
                    if worker.connection in ready or worker.process.sentinel in ready:
                        self._drain(study, worker)
                    if not worker.process.is_alive() and not self._drain(study, worker):
                        worker.process.join()
                        if not worker.ended:
                            study.trial_ended(worker.trial, error=f"worker process died ({_exit_reason(worker.process.exitcode)})")
                        worker.connection.close()
                        workers.remove(worker)
        except BaseException:  # Ctrl-C, SIGTERM, an observer's error: no worker outlives the run
            self._stop(study, workers)
            raise

    def _start(self, context: Any, study: Study, trial: Trial) -> _Worker:
        reader, writer = context.Pipe(duplex=False)
        loader = study.loaders[trial.dataset]
        process = context.Process(
            target=_work, args=(trial, study.registry, loader, study.run_dir, writer, self.threads_per_trial),
            name=f"nnplug-trial-{trial.experiment.exp_id}-{trial.repeat + 1}", daemon=True,
        )
        process.start()
        writer.close()
        return _Worker(trial, process, reader)

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
                LOG.debug("trial %s: unreadable message: %s", worker.trial.name, err)
                return False
            if event == "ended":
                worker.ended = True
                error, interrupted = data
                study.trial_ended(worker.trial, error=error, interrupted=interrupted)
            else:
                study.receive(worker.trial, event, data)
        return False

    def _stop(self, study: Study, workers: list[_Worker]) -> None:
        """Interrupt running workers, keep what they report within the grace period, kill the rest."""
        for worker in workers:
            if worker.process.is_alive():
                os.kill(worker.process.pid, signal.SIGINT)
        deadline = time.monotonic() + GRACE_SECONDS
        for worker in workers:
            while worker.process.is_alive() and time.monotonic() < deadline:
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
        study.interrupt([w.trial for w in workers if not w.ended])

    def _drain_safely(self, study: Study, worker: _Worker) -> bool:
        """:meth:`_drain` while stopping: an observer failing on an event (or a second Ctrl-C) does not stop the clean-up."""
        try:
            return self._drain(study, worker)
        except BaseException as err:  # the run is being stopped already; the event is lost, the next ones are not
            LOG.debug("trial %s: event not recorded while stopping: %r", worker.trial.name, err)
            return not worker.connection.closed


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _work(trial: Trial, registry: Any, loader: Any, run_dir: Any, connection: Connection, threads: int) -> None:
    """A worker process: run one trial, send its events and its end, exit without the driver's clean-ups."""
    status = 0
    error: str | None = None
    interrupted = False
    try:
        # the driver's handlers (nnplug.interrupts) or an ignored SIGINT (nohup) are not the worker's:
        # SIGINT interrupts the trial cleanly (its last events reach the driver), SIGTERM ends it
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        limit_threads(threads)
        run_trial(trial, registry, loader, lambda event, data: connection.send((event, data)), run_dir)
    except KeyboardInterrupt:
        interrupted = True
    except BaseException as err:  # recorded as the trial's failure; the study goes on
        error = one_line(err)
        LOG.debug("trial %s failed", trial.name, exc_info=True)
    try:
        connection.send(("ended", (error, interrupted)))
        connection.close()
    except BaseException:
        status = 1
    os._exit(status)  # not the driver's atexit handlers (forked copies of its state)
