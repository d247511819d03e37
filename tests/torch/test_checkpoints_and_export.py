"""Checkpoints of both engines (save, load, best-on-dev, bad input) and ONNX export matched by ONNX Runtime."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.checkpoints import CheckpointSaver, load_checkpoint, read_checkpoint_config, rebuild_model, save_checkpoint
from nnplug.cli.export import export_checkpoint
from nnplug.cli.main import cli

onnxruntime = pytest.importorskip("onnxruntime")

TORCH = ["--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"]
MODELS = {
    "NLayers": ["--model=NLayers", "--layers=7", "--optimizer=Adam", "--learning-rate=0.01"],
    "NLayersTorch": ["--model=NLayersTorch", "--layers=7", "--dropout-rate=0.1", "--optimizer=AdamTorch", "--learning-rate=0.01", *TORCH],
    "OnnxTorch": ["--model=OnnxTorch", "--onnx-model=blobs", "--optimizer=AdamTorch", "--learning-rate=0.01", *TORCH],
}


@pytest.fixture(scope="module")
def saved(train, tmp_path_factory) -> dict[str, tuple[Path, Path, object]]:
    """Each model trained 4 epochs with --save-model and a run directory: (checkpoint, run dir, result)."""
    root = tmp_path_factory.mktemp("checkpoints")
    cli.main(["onnx", "one-layer", "--size=12,1", "--channels=1", f"--output={root / 'models' / 'blobs.onnx'}"], standalone_mode=False)
    runs = {}
    for name, args in MODELS.items():
        extra = [f"--models-path={root / 'models'}"] if name == "OnnxTorch" else []
        run_dir = root / f"run-{name}"
        (result,) = train([*args, *extra, "--nbr-epochs=4", f"--save-model={root / name}.ckpt", f"--exp-id={name}"],
                          observers=[CheckpointSaver(run_dir)])
        runs[name] = (root / f"{name}.ckpt", run_dir, result)
    return runs


@pytest.mark.parametrize("name", list(MODELS))
def test_a_checkpoint_resumes_with_the_same_dev_results(train, saved, name):
    path, run_dir, result = saved[name]
    config = read_checkpoint_config(path)
    assert config["model"] == name and config["sample_shape"] == [12] and config["labels"] == ["red", "green", "blue"]
    assert zipfile.is_zipfile(path)
    extra = [f"--models-path={path.parent / 'models'}"] if name == "OnnxTorch" else []
    (again,) = train([*MODELS[name], *extra, "--nbr-epochs=1", f"--load-model={path}"])
    assert again.repeats[0].epochs[0].dev_cost == pytest.approx(result.repeats[0].final_dev_cost, abs=1e-12)
    best = sorted((run_dir / "checkpoints").iterdir())
    assert [p.name for p in best] == [f"{name}-repeat0-best{'.npz' if name == 'NLayers' else '.pt'}"]
    assert read_checkpoint_config(best[0])["dev_cost"] == pytest.approx(min(
        [e.dev_cost for e in result.repeats[0].epochs] + [result.repeats[0].final_dev_cost]))


@pytest.mark.parametrize("name", list(MODELS))
def test_export_matches_the_model_on_the_dev_set(registry, saved, name, tmp_path, monkeypatch):
    path = saved[name][0]
    monkeypatch.chdir(path.parent)  # OnnxTorch finds its graph again through the saved --models-path
    output = tmp_path / f"{name}.onnx"
    model, config = export_checkpoint(path, output)
    loader = registry.create("data_loader", "Blobs", {})
    loader.load(0)
    (dev,) = loader.minibatches("dev", 0)
    ours = model.forward(dev.x, training=False)
    ours = ours.detach().numpy() if hasattr(ours, "detach") else ours
    session = onnxruntime.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {"input": dev.x.astype(np.float32)})
    assert np.abs(exported - ours).max() <= 1e-5


def test_checkpoint_of_another_model_is_refused(registry, saved):
    model = registry.create("model", "NLayersTorch", {"layers": [7]})
    model.build((12,), 3, 0)
    with pytest.raises(NnplugError, match="was saved from model NLayers, not NLayersTorch"):
        load_checkpoint(saved["NLayers"][0], model)


@pytest.mark.parametrize("name", ["NLayers", "NLayersTorch"])
def test_missing_or_misshapen_tensors_are_refused(registry, saved, name, tmp_path):
    model, config = rebuild_model(saved[name][0], registry)
    state = model.state_dict()
    first = sorted(state)[0]
    incomplete = dict(state)
    del incomplete[first]
    save_checkpoint(tmp_path / "incomplete", model, config, state=incomplete)
    with pytest.raises(NnplugError, match=f"lacks tensors {first}"):
        load_checkpoint(tmp_path / "incomplete", model)
    other = registry.create("model", name, {"layers": [5]})
    other.build((12,), 3, 0)
    with pytest.raises(NnplugError, match="has shape"):
        load_checkpoint(saved[name][0], other)


def test_files_that_are_not_checkpoints_are_refused(tmp_path, saved):
    (tmp_path / "text.ckpt").write_text("hello")
    with pytest.raises(NnplugError, match="is not an nnplug checkpoint"):
        read_checkpoint_config(tmp_path / "text.ckpt")
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(NnplugError, match="is not an nnplug checkpoint"):
        read_checkpoint_config(tmp_path / "plain.npz")
    with pytest.raises(NnplugError, match="not found"):
        read_checkpoint_config(tmp_path / "absent.pt")
