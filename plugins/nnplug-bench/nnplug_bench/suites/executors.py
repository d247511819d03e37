"""``executors``: one study run by each executor, side by side; and what a trial costs on Ray.

Study group: 8 trials (NLayers 100 on the shipped numbers through the Vips loader, 28x28 grey,
10 epochs, 8 repeats with derived model seeds), run exactly as ``bin/train`` runs it, by
``sequential`` (the baseline), ``processes --jobs=2`` and ``ray`` (two 1-CPU trials at a time on a
local Ray instance, running only while Ray cases are measured: its start-up is reported apart). Each run's
metrics are compared with the latest sequential run's (``identical``: 1 when every figure of
every epoch matches bit for bit). ``peak_pss_mb`` sums the proportional set size of the driver
and its trial workers (Ray's own daemons apart), sampled every 0.2 s during one extra, untimed
run of each case (sampling takes CPU from the trials): pages shared by workers (the decoded
dataset, forked or in Ray's object store) count once.

Overhead group: one 1-epoch colors trial in this process (baseline) and as a Ray task through
the executor; secondary metrics split the Ray overhead: ``schedule_ms`` (an empty task's round
trip), ``data_ms`` (a task receiving the decoded loader from the object store, minus the empty
one), ``events_ms`` (a trial's events through the event sink) and ``put_ms`` (putting the loader
in the object store), ``sink_ms`` (starting the event sink's actor: once per Ray session, shared by its runs).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from nnplug_bench.suite import Case, Metric, Suite, Target

STUDY = "8 trials: NLayers 100 on numbers, 10 epochs"
OVERHEAD = "one 1-epoch colors trial"
SEQUENTIAL, PROCESSES, RAY = "sequential", "processes --jobs=2", "ray"
IN_PROCESS, RAY_TASK = "in this process", "ray task"
TRIALS, EPOCHS = 8, 10


class ExecutorsSuite(Suite):
    """Wall time of a study per executor, their metrics compared, peak memory, dataset pages in workers; Ray's cost per trial."""

    name = "executors"
    description = "a study of 8 trials run sequentially, by local processes and by Ray; Ray's per-trial overhead"
    primary = Metric("seconds", "s")
    secondary = (
        Metric("identical", "bool", higher_is_better=True),
        Metric("peak_pss_mb", "MB"),
        Metric("schedule_ms", "ms"),
        Metric("data_ms", "ms"),
        Metric("events_ms", "ms"),
        Metric("put_ms", "ms"),
        Metric("sink_ms", "ms"),
        Metric("worker_dataset_shared_mb", "MB"),
        Metric("worker_dataset_private_mb", "MB"),
    )
    targets = (
        Target(PROCESSES, 1 / 1.7, group=STUDY),  # ≥ 1.7x faster: time ratio ≤ 0.59
        Target(RAY, 1 / 1.7, group=STUDY),
    )
    plot_title = "Study wall time per executor (median, min–max)"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.trials = 2 if quick else TRIALS
        self.epochs = 1 if quick else EPOCHS
        self.runs = Path(tempfile.mkdtemp(prefix="nnplug-bench-executors-"))
        self.reference: list[Any] | None = None
        self.ray_start_seconds = float("nan")
        self.dataset_mb = float("nan")
        self.peak_pss_mb: dict[str, float] = {}

    def missing(self) -> str | None:
        """The numbers and colors datasets and the Vips loader."""
        from nnplug_bench.paths import repository

        for dataset in ("numbers", "colors"):
            if not (repository() / "datasets" / dataset).is_dir():
                return f"the {dataset} dataset is missing (datasets/{dataset})"
        return None

    def cases(self) -> list[Case]:
        """The study by each executor; the overhead pair."""
        return [
            Case(STUDY, SEQUENTIAL, baseline=True),
            Case(STUDY, PROCESSES),
            Case(STUDY, RAY),
            Case(OVERHEAD, IN_PROCESS, baseline=True),
            Case(OVERHEAD, RAY_TASK),
        ]

    def unavailable(self, case: Case) -> str | None:
        """Ray cases need nnplug-ray."""
        if case.name in (RAY, RAY_TASK):
            try:
                import nnplug_ray.executor  # noqa: F401
            except ImportError as err:
                return f"nnplug-ray is not installed: {err}"
        return None

    def prepare(self) -> None:
        """Let this process keep freed memory as ``bin/train``'s does (it runs the sequential cases); Ray runs only while Ray cases are measured (see :meth:`_ray`)."""
        from nnplug.executors.processes import keep_freed_memory

        keep_freed_memory()

    def _ray(self, up: bool) -> None:
        """Start (``up``) or stop the local Ray instance, outside the timed part.

        Ray's daemons (GCS, raylet, agents) take about 5% of a core while idle: running during the
        other cases they would slow the parallel ones (processes --jobs=2 lost 0.15-0.2 s of 3 s to
        them), so the instance lives only while Ray cases run. Once started, an untimed 1-epoch run
        of the study's first two trials starts both workers (importing what trials import, growing
        their heap to a trial's size, which they keep) and the session's event sink: as in a Ray
        session that already ran the study, which the rounds measure for every case (the
        sequential loop runs in this warm process). A Ray session's first study pays more: the
        event sink's start (``sink_ms``) and each worker's first trial faulting in its memory
        (0.1-0.4 s of kernel time per worker on this project's VM).
        """
        try:
            import ray
        except ImportError:
            return
        if not up:
            if ray.is_initialized():
                import psutil

                daemons = psutil.Process().children(recursive=True)
                ray.shutdown()
                psutil.wait_procs(daemons, timeout=10)  # gone before the next case is timed
            return
        if ray.is_initialized():
            return
        start = time.perf_counter()
        ray_log = logging.getLogger("ray")
        level = ray_log.level
        ray_log.setLevel(logging.ERROR)  # Ray's start-up notices
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False, object_store_memory=200 * 2**20)
        finally:
            ray_log.setLevel(level)
        self.ray_start_seconds = time.perf_counter() - start
        # two 1-epoch trials of the study at once through the executor (see the docstring)
        _, _, warm_up = self._run(Case(STUDY, RAY), ["--nbr-epochs=1", "--training-times=2"])
        shutil.rmtree(warm_up, ignore_errors=True)

    def cleanup(self) -> None:
        """Stop Ray, remove the runs."""
        self._ray(False)
        shutil.rmtree(self.runs, ignore_errors=True)

    # the study ------------------------------------------------------------------------------
    def _arguments(self, case: Case) -> list[str]:
        from nnplug_bench.paths import repository

        data = repository() / "datasets"
        if case.group == OVERHEAD:
            common = [f"--datasets-path={data}", "--dataset=colors", "--model=NLayers", "--layers=100", "--nbr-epochs=1", "--resize=28,28"]
        else:
            common = [f"--datasets-path={data}", "--dataset=numbers", "--grayscale", "--resize=28,28", "--model=NLayers", "--layers=100",
                      f"--nbr-epochs={self.epochs}", f"--training-times={self.trials}"]
        if self.quick and case.group == STUDY:
            common.append("--filter-dataset=0-299")
        executor = {SEQUENTIAL: [], IN_PROCESS: [], PROCESSES: ["--executor=processes", "--jobs=2"], RAY: ["--executor=ray"], RAY_TASK: ["--executor=ray"]}
        # the same trials whatever the executor: the bench's --threads math threads each (1 when it keeps the libraries' defaults)
        threads = max(1, int(os.environ.get("NNPLUG_BENCH_THREADS", "1") or 1))
        return [f"--runs-dir={self.runs}", "--gradient-checks=off", f"--threads-per-trial={threads}", *common, *executor[case.name]]

    def measure(self, case: Case) -> dict[str, float]:
        """Run the case's command as ``bin/train`` would and time it; compare metrics; memory from an untimed run.

        The memory sampler reads every process's page map five times a second: it would take CPU
        from the trials it watches, so the timed runs go without it and each case's peak memory
        comes from one more run of the same command, untimed (the first time the case is measured).
        """
        self._ray(case.name in (RAY, RAY_TASK))
        if case.name not in self.peak_pss_mb:
            sampler = TreeMemory()
            with sampler:
                _, _, untimed = self._run(case)
            shutil.rmtree(untimed, ignore_errors=True)
            self.peak_pss_mb[case.name] = sampler.peak_mb
        start = time.perf_counter()
        registry, command, run_dir = self._run(case)
        seconds = time.perf_counter() - start
        figures: dict[str, float] = {"seconds": seconds, "peak_pss_mb": self.peak_pss_mb[case.name]}
        metrics = _metrics(run_dir)
        if case.group == STUDY:
            if case.name == SEQUENTIAL:
                self.reference = metrics
            figures["identical"] = float(metrics == self.reference) if self.reference is not None else float("nan")
        if case.name == RAY_TASK:
            figures.update(ray_overhead(registry, command))
        if case.name in (PROCESSES, RAY):
            figures.update(worker_dataset_pages(registry, command, case.name))
        shutil.rmtree(run_dir, ignore_errors=True)
        return figures

    def _run(self, case: Case, extra: list[str] | None = None) -> tuple[Any, Any, Path]:
        """The case's command, run as ``bin/train`` runs it (epoch lines to /dev/null): the registry, the command, the run directory."""
        from nnplug.cli.arguments import parse_command
        from nnplug.registry import Registry
        from nnplug.session import TrainingSession

        registry = Registry()
        command = parse_command(self._arguments(case) + (extra or []), registry)
        with open(os.devnull, "w", encoding="utf-8") as quiet, contextlib.redirect_stdout(quiet):  # the epoch lines
            session = TrainingSession(registry, command, argv=[], show_progress=False, draw_plots=False)
            session.run()
        if case.group == STUDY and case.name == SEQUENTIAL and self.dataset_mb != self.dataset_mb:  # NaN: not measured yet
            self.dataset_mb = _dataset_mb(session)
        return registry, command, Path(session.run_dir)

    def notes(self) -> list[str]:
        """What was measured, Ray's start-up, the dataset's size."""
        return [
            f"study: {self.trials} trials x {self.epochs} epochs of NLayers 100 on numbers (Vips loader, 28x28 grey); "
            "every trial with --threads-per-trial=1 (the bench's --threads), so each executor runs the same trials; "
            "processes: 2 workers, forked for each study; ray: 1 CPU per trial on a local 2-CPU Ray instance, started "
            "(and its two workers warmed by a 1-epoch run of two of the study's trials) before Ray cases and stopped after them, "
            f"so its daemons do not run beside the other cases (start-up {self.ray_start_seconds:.1f} s, not in the study times); "
            "sequential: in this process, which keeps freed memory as bin/train's does",
            f"decoded numbers dataset: {self.dataset_mb:.1f} MB (float32) held once by the driver; workers share its pages",
            "peak_pss_mb: driver + trial workers (Ray's GCS, raylet and agents not counted); worker_dataset_*: the decoded "
            "dataset's pages in a worker after an epoch of minibatches (shared: read from the driver's or the object store's)",
            "load average at the end (1, 5, 15 min): " + ", ".join(f"{value:.1f}" for value in os.getloadavg())
            + " (parallel speed-ups need the cores free)",
        ]


def _metrics(run_dir: Path) -> list[Any]:
    document = json.loads((Path(run_dir) / "run.json").read_text())
    return [
        [(m["training_cost"], m["training_metric"], m["dev_cost"], m["dev_metric"]) for m in repeat["epochs"]]
        + [repeat["final_dev_cost"], repeat["final_dev_metric"], repeat["test_metric"]]
        for experiment in document["experiments"]
        for repeat in experiment["repeats"]
    ]


def _dataset_mb(session: Any) -> float:
    """Size of the decoded samples the sequential run's loader held (the Vips loader's cache)."""
    from nnplug.registry import Registry

    experiment = session.command.experiments[0]
    loader = Registry().create("data_loader", experiment.plugin_name("data_loader"), experiment.plugin_options["data_loader"])
    loader.load(0)
    cache = getattr(loader, "cache", None)
    pixels = getattr(cache, "pixels", None)
    return float(pixels.nbytes) / 2**20 if pixels is not None else float("nan")


class TreeMemory:
    """Samples the summed PSS of this process and its trial workers (Ray daemons excluded) while active."""

    DAEMONS = ("gcs_server", "raylet", "dashboard", "log_monitor", "runtime_env", "ray_client_server", "monitor.py")

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "TreeMemory":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    line = " ".join(process.cmdline())
                    if any(daemon in line for daemon in self.DAEMONS) or "ray::IDLE" in line:
                        continue
                    total += process.memory_full_info().pss
                except (psutil.Error, OSError):
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._stop.wait(self.interval)


def dataset_pages(array: Any) -> dict[str, float]:
    """Resident MB of ``array``'s buffer in this process: pages shared with another process, and pages only this one maps.

    Read page by page from ``/proc/self/pagemap`` (bit 63: present, bit 56: exclusively mapped).
    A worker reading a dataset it shares (forked from the driver, or from Ray's object store) has
    it in shared pages; one holding its own copy, in private pages.
    """
    import struct

    page = os.sysconf("SC_PAGE_SIZE")
    first = int(array.__array_interface__["data"][0]) // page
    last = (int(array.__array_interface__["data"][0]) + array.nbytes - 1) // page
    with open("/proc/self/pagemap", "rb") as pagemap:
        pagemap.seek(first * 8)
        entries = struct.unpack(f"<{last - first + 1}Q", pagemap.read((last - first + 1) * 8))
    present = [entry for entry in entries if entry >> 63 & 1]
    private = sum(1 for entry in present if entry >> 56 & 1)
    return {"worker_dataset_shared_mb": (len(present) - private) * page / 2**20, "worker_dataset_private_mb": private * page / 2**20}


def _epoch_of_data(loader: Any) -> dict[str, float]:
    """What a trial does with the shared loader (partition, one epoch of minibatches, dev), then where its pixels live."""
    loader.load(1)
    for partition in ("training", "dev"):
        for _ in loader.minibatches(partition, 1):
            pass
    return dataset_pages(loader.cache.pixels)


def worker_dataset_pages(registry: Any, command: Any, executor: str) -> dict[str, float]:
    """The decoded dataset's pages in a worker started as the executor starts them (forked; a Ray task)."""
    from nnplug.study import Study

    study = Study(registry, command.experiments, [], None)
    loader = study.datasets()[0]
    if executor == RAY:
        import ray

        return ray.get(ray.remote(_epoch_of_data).options(num_cpus=1).remote(ray.put(loader)))
    import multiprocessing

    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_report_pages, args=(loader, writer))
    child.start()
    writer.close()
    figures = reader.recv()
    child.join()
    return figures


def _report_pages(loader: Any, connection: Any) -> None:
    connection.send(_epoch_of_data(loader))
    connection.close()


def ray_overhead(registry: Any, command: Any) -> dict[str, float]:
    """Where a Ray trial's extra time goes: scheduling, data, events, put (each measured apart, in ms)."""
    import ray
    from nnplug_ray.events import EventSink

    from nnplug.study import Study

    study = Study(registry, command.experiments, [], None)
    study.datasets()
    loader = study.loaders[0]
    start = time.perf_counter()
    reference = ray.put(loader)
    put_ms = 1000 * (time.perf_counter() - start)

    empty = ray.remote(_empty).options(num_cpus=1)
    touch = ray.remote(_touch).options(num_cpus=1)
    ray.get(empty.remote())  # a warm worker, as trials find after the first
    schedule = _median_ms(lambda: ray.get(empty.remote()))
    data = _median_ms(lambda: ray.get(touch.remote(reference)))
    start = time.perf_counter()
    sink = ray.remote(EventSink).options(num_cpus=0).remote()  # a new one, not the session's shared sink
    ray.get(sink.count.remote("probe"))
    sink_ms = 1000 * (time.perf_counter() - start)
    sender = ray.remote(_send).options(num_cpus=1)
    events = ["repeat_started", "epoch_started", "epoch_finished", "repeat_finished"]  # a 1-epoch trial's
    with_events = _median_ms(lambda: ray.get(sender.remote(sink, events)))
    ray.get(sink.since.remote("probe", 0))
    ray.kill(sink)
    return {
        "schedule_ms": schedule, "data_ms": max(0.0, data - schedule), "events_ms": max(0.0, with_events - schedule), "put_ms": put_ms,
        "sink_ms": sink_ms,
    }


def _median_ms(call: Any, times: int = 5) -> float:
    values = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        values.append(1000 * (time.perf_counter() - start))
    return sorted(values)[len(values) // 2]


def _empty() -> int:
    return os.getpid()


def _touch(loader: Any) -> int:
    return len(loader.labels)


def _send(sink: Any, events: list[str]) -> int:
    import ray
    from nnplug_ray.executor import Outbox

    outbox = Outbox(sink, "probe", (0, 0))
    for number, event in enumerate(events):  # as a trial sends them, then the call that waits for them all
        outbox(event, number)
    outbox.flush()
    return ray.get(sink.count.remote("probe"))
