"""bin/infer selects its inference engine plugin by name (--inference-engine), through the registry."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from nnplug import InferenceEngine, InferenceRequest


@dataclass
class EchoResult:
    """What Echo was handed."""

    request: InferenceRequest
    backend: str
    engine: str

    def describe(self) -> list[str]:
        return [f"engine {self.engine} with backend {self.backend}", f"inputs {self.request.inputs} resize {self.request.resize} task {self.request.task}"]


class Echo(InferenceEngine):
    """Runs nothing: says what bin/infer handed it."""

    def run(self, request, image_backend, registry=None):
        return EchoResult(request, type(image_backend).__name__, self.plugin_name)


class NotAnEngine:
    """Has a run method but is no InferenceEngine."""

    def run(self, request, image_backend, registry=None):
        return EchoResult(request, "", "")


@pytest.fixture
def engines(registry):
    registry.add("inference_engine", "Echo", Echo)
    registry.add("inference_engine", "NotAnEngine", NotAnEngine)
    return registry


def test_a_third_party_engine_is_selected_and_given_the_request(engines, run_infer):
    outcome = run_infer("--inference-engine=Echo", "--resize=64,32", "--task=classification", "--dataset=things", "a.png")
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines() == [
        "engine Echo with backend PillowBackend",
        "inputs ['a.png', 'things'] resize (64, 32) task classification",
    ]


def test_engine_is_the_former_option_name_too(engines, run_infer):
    outcome = run_infer("--engine=Echo")
    assert outcome.status == 0, outcome.err
    assert outcome.out.startswith("engine Echo with backend PillowBackend")


def test_unknown_engine_lists_every_installed_engine_in_one_line(engines, run_infer):
    outcome = run_infer("--inference-engine=Nope")
    assert outcome.status == 2
    assert outcome.err.strip() == "infer: error: unknown inference engine 'Nope' (available: Echo, NotAnEngine, OnnxRuntime)"


def test_an_engine_that_is_not_an_inference_engine_is_refused(engines, run_infer):
    outcome = run_infer("--inference-engine=NotAnEngine")
    assert outcome.status == 2
    assert len(outcome.err.strip().splitlines()) == 1
    assert "inference engine 'NotAnEngine'" in outcome.err and "is not a subclass of nnplug.inference_engine.InferenceEngine" in outcome.err
