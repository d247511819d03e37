"""The benchmark method: warm-up, interleaved measured rounds, paired ratios, memory per case.

Every round runs each case of the suite once; the order rotates from round to round so that a
noisy period of the machine (another process, thermal throttling) hits every case alike and
no case always runs first. A case's ratio to its group's baseline is computed within each round,
then summarized: these machines are noisy, so ratios rather than absolute times are the result.
"""
from __future__ import annotations

import logging
import time
import traceback
from typing import Callable

from nnplug_bench.memory import probe_peak_rss
from nnplug_bench.results import FAILED, OK, SKIPPED, CaseResult, SuiteResult, TargetCheck
from nnplug_bench.statistics import paired_ratios, summarize
from nnplug_bench.suite import Suite

LOG = logging.getLogger("nnplug_bench")


def rotated(items: list, round_index: int) -> list:
    """``items`` rotated left by ``round_index`` (each item leads one round in turn)."""
    if not items:
        return []
    shift = round_index % len(items)
    return items[shift:] + items[:shift]


class BenchRunner:
    """Runs suites with one method and gives their results.

    Args:
        repeats: measured rounds (each case measured once per round).
        warmup: unmeasured rounds before (imports, caches, allocator and thread pools warm).
        trim: share of lowest and highest values dropped at each end for the trimmed mean.
        memory: measure each case's peak memory in a separate process.
        report: called with one line of progress at a time (default: logged at INFO).
    """

    def __init__(
        self, repeats: int = 5, warmup: int = 1, trim: float = 0.1, memory: bool = True,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.repeats = repeats
        self.warmup = warmup
        self.trim = trim
        self.memory = memory
        self.report = report or LOG.info

    def run(self, suite: Suite) -> SuiteResult:
        """Measure every available case of ``suite``; a missing dependency skips it with the reason."""
        start = time.perf_counter()
        result = SuiteResult(suite.name, suite.description, primary=suite.primary, secondary=tuple(suite.secondary),
                             plot_x=suite.plot_x, plot_title=suite.plot_title)
        reason = suite.missing()
        if reason:
            result.status, result.reason = SKIPPED, reason
            self.report(f"{suite.name}: skipped ({reason})")
            return result
        cases = {case.key: CaseResult(case) for case in suite.cases()}
        result.cases = list(cases.values())
        for case_result in result.cases:
            why = suite.unavailable(case_result.case)
            if why:
                case_result.status, case_result.reason = SKIPPED, why
                self.report(f"{suite.name}: {case_result.case.key}: skipped ({why})")
        try:
            self._measure(suite, result)
        finally:
            suite.cleanup()
        result.seconds = time.perf_counter() - start
        return result

    def _measure(self, suite: Suite, result: SuiteResult) -> None:
        try:
            suite.prepare()
        except Exception as err:  # a half-built dependency must not crash the other suites
            result.status, result.reason = FAILED, _describe(err)
            LOG.debug("suite %s failed to prepare", suite.name, exc_info=True)
            self.report(f"{suite.name}: failed ({result.reason})")
            return
        for case_result in self._active(result):
            self._guarded(case_result, lambda c=case_result.case: suite.prepare_case(c))
        for round_index in range(self.warmup):
            self._round(suite, result, round_index, measured=False)
        for round_index in range(self.repeats):
            self._round(suite, result, round_index, measured=True)
        self._summarize(suite, result)
        if self.memory:
            for case_result in self._active(result):
                self.report(f"{suite.name}: peak memory of {case_result.case.key}")
                case_result.peak_rss_mb = probe_peak_rss(suite, case_result.case)
        result.targets = self._targets(suite, result)
        result.notes = suite.notes()

    @staticmethod
    def _active(result: SuiteResult) -> list[CaseResult]:
        return [c for c in result.cases if c.status == OK]

    def _guarded(self, case_result: CaseResult, action: Callable[[], object]) -> object | None:
        try:
            return action()
        except Exception as err:  # one broken case must not hide the others' figures
            case_result.status, case_result.reason = FAILED, _describe(err)
            LOG.debug("case %s failed:\n%s", case_result.case.key, traceback.format_exc())
            self.report(f"{case_result.case.key}: failed ({case_result.reason})")
            return None

    def _round(self, suite: Suite, result: SuiteResult, round_index: int, measured: bool) -> None:
        label = f"round {round_index + 1}/{self.repeats}" if measured else f"warm-up {round_index + 1}/{self.warmup}"
        for case_result in rotated(self._active(result), round_index):
            self.report(f"{suite.name}: {label}: {case_result.case.key}")
            values = self._guarded(case_result, lambda c=case_result.case: suite.measure(c))
            if not measured or not isinstance(values, dict):
                continue
            for metric in suite.metrics():
                value = values.get(metric.name)
                case_result.values.setdefault(metric.name, []).append(None if value is None else float(value))
        # A case that failed during this round lost its slot; pad so rounds stay aligned for the ratios.
        if measured:
            for case_result in result.cases:
                for metric in suite.metrics():
                    series = case_result.values.setdefault(metric.name, [])
                    while len(series) < round_index + 1:
                        series.append(None)

    def _summarize(self, suite: Suite, result: SuiteResult) -> None:
        baselines = {c.case.group: c for c in result.cases if c.case.baseline and c.status == OK}
        for case_result in result.cases:
            for metric in suite.metrics():
                values = case_result.values.get(metric.name, [])
                case_result.summaries[metric.name] = summarize([v for v in values if v is not None], self.trim)
                baseline = baselines.get(case_result.case.group)
                if baseline is None or case_result.status != OK:
                    continue
                ratios = paired_ratios(values, baseline.values.get(metric.name, []))
                case_result.ratios[metric.name] = ratios
                case_result.ratio_summaries[metric.name] = summarize(ratios, self.trim)

    @staticmethod
    def _targets(suite: Suite, result: SuiteResult) -> list[TargetCheck]:
        checks = []
        baselines = {c.case.group: c.case.name for c in result.cases if c.case.baseline}
        for target in suite.targets:
            metric = target.metric or suite.primary.name
            for case_result in result.cases:
                case = case_result.case
                if case.name != target.case or (target.group and case.group != target.group):
                    continue
                summary = case_result.summaries.get(metric) if target.on_value else case_result.ratio(metric)
                if summary is None or summary.count == 0:
                    continue
                baseline = "" if target.on_value else baselines.get(case.group, "")
                checks.append(TargetCheck(case.group, case.name, baseline, metric, target.describe(), summary.median,
                                          target.met(summary.median), target.on_value))
        return checks


def _describe(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
