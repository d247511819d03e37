"""Every suite in quick mode (tiny data, one round): the suites cannot rot. No durations asserted."""
from __future__ import annotations

import pytest

from nnplug_bench.catalog import load_suite, suites
from nnplug_bench.memory import probe_peak_rss
from nnplug_bench.results import FAILED, OK, SKIPPED
from nnplug_bench.runner import BenchRunner


def run_quick(name: str):
    """One quick round of suite ``name``, no warm-up, no memory probes."""
    return BenchRunner(repeats=1, warmup=0, memory=False, report=lambda line: None).run(load_suite(name, quick=True))


def assert_measured(result) -> None:
    """Nothing failed; every case not skipped has its primary figure and, if not a baseline, a ratio."""
    assert result.status == OK, result.reason
    failures = [f"{c.case.key}: {c.reason}" for c in result.cases if c.status == FAILED]
    assert not failures
    measured = [c for c in result.cases if c.status == OK]
    assert measured
    for case in measured:
        assert case.median(result.primary.name) is not None, case.case.key
        if not case.case.baseline:
            assert case.ratio(result.primary.name) is not None, case.case.key


@pytest.mark.slow
def test_engines_quick():
    result = run_quick("engines")
    assert_measured(result)
    cases = {c.case.key: c for c in result.cases}
    assert cases["NLayers 100 / plain torch"].status == OK
    assert cases["NLayers 100 / numpy engine"].status == OK
    keras = cases["NLayers 100 / keras"]
    assert keras.status in (OK, SKIPPED)
    assert {t.case for t in result.targets} >= {"numpy engine"}
    numpy_engine = cases["NLayers 100 / numpy engine"]
    assert numpy_engine.median("dense_gflops") > 0 and numpy_engine.median("sgemm_gflops") > 0
    parts = [numpy_engine.median(name) for name in ("batch_norm", "activations", "optimizer", "data")]
    assert all(part >= 0 for part in parts) and sum(parts) <= numpy_engine.median("outside_dense") + 1e-6
    assert any(t.metric == "dense_share_of_sgemm" for t in result.targets)


@pytest.mark.slow
def test_checks_quick():
    result = run_quick("checks")
    assert_measured(result)
    gradient = next(c for c in result.cases if c.case.name == "gradient checks" and c.status == OK)
    assert 0 < gradient.median("share_at_default") < 100
    assert {(t.case, t.metric) for t in result.targets} >= {("gradient checks", "share_at_default"), ("instability checks", "epoch_seconds")}
    assert {c.case.group for c in result.cases} >= {"NLayers 100, torch engine", "MLP 784-100-10 sigmoid, numpy engine"}
    instability = [c for c in result.cases if c.case.name == "instability checks" and c.status == OK]
    assert instability and all(0 < c.median("instability_share") < 100 for c in instability)


def test_built_in_suites_come_from_entry_points_in_running_order():
    assert list(suites())[:4] == ["engines", "loaders", "inference", "checks"]


@pytest.mark.slow
def test_memory_probe_runs_the_case_in_a_fresh_process():
    suite = load_suite("checks", quick=True)
    case = next(c for c in suite.cases() if c.key == "NLayers 100, numpy engine / checks off")
    peak = probe_peak_rss(suite, case)
    # A fresh interpreter with numpy and the digits: tens of MB, not the test process's figure.
    assert peak is not None and 20 < peak < 2000


@pytest.mark.slow
def test_loaders_quick():
    result = run_quick("loaders")
    if result.status == SKIPPED:
        pytest.skip(result.reason)
    assert_measured(result)
    pillow = next(c for c in result.cases if c.case.name == "Pillow loop")
    assert pillow.status == OK and pillow.median("cached_epoch_seconds") is not None
    assert any(c.case.name == "Vips" and c.status == OK for c in result.cases)
    groups = {c.case.group for c in result.cases if c.status == OK}
    assert groups == {"numbers 28×28", "numbers 28×28 vs libvips' floor", "photos 640×480 → 224×224", "numbers 5,000, data preparation"}
    second = next(c for c in result.cases if c.case.name == "second run (disk cache filled)")
    assert second.ratio("images_per_second").median > 1


@pytest.mark.slow
def test_inference_quick():
    result = run_quick("inference")
    if result.status == SKIPPED:
        pytest.skip(result.reason)
    assert_measured(result)
    assert {c.case.param("batch_size") for c in result.cases} == {1, 2}
    assert {c.case.name for c in result.cases} == {"torch eager", "onnxruntime", "bin/infer without figures", "bin/infer with figures"}
    end_to_end = [c for c in result.cases if c.case.param("backend") is not None]
    assert {c.case.param("backend") for c in end_to_end} == {"Vips", "ImageMagick"}
    assert all(c.status == OK and c.median("fps") > 0 for c in end_to_end)


@pytest.mark.slow
def test_executors_quick():
    result = run_quick("executors")
    assert_measured(result)
    study = {c.case.name: c for c in result.cases if c.case.group.startswith("8 trials") and c.status == OK}
    assert {"sequential", "processes --jobs=2"} <= set(study)
    # the same trials (plugins, seeds, math threads) give the same figures whatever runs them
    assert all(case.median("identical") == 1 for case in study.values()), {name: case.median("identical") for name, case in study.items()}
    assert study["processes --jobs=2"].median("worker_dataset_shared_mb") > 0
