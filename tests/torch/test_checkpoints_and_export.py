"""Checkpoints of both engines (save, load, best-on-dev, bad input) and ONNX export matched by ONNX Runtime."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.checkpoints import (
    load_checkpoint,
    load_optimizer_state,
    read_checkpoint,
    read_checkpoint_config,
    read_optimizer_state,
    rebuild_model,
    save_checkpoint,
)
from nnplug.checkpoints.saver import CheckpointSaver
from nnplug.cli.export import export_checkpoint
from nnplug.cli.main import cli
from nnplug.registry import Registry

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
        (result,) = train([*args, *extra, "--nbr-epochs=4", f"--save-model={root / name}.safetensors", f"--exp-id={name}"],
                          observers=[CheckpointSaver(run_dir)])
        runs[name] = (root / f"{name}.safetensors", run_dir, result)
    return runs


@pytest.mark.parametrize("name", list(MODELS))
def test_a_checkpoint_resumes_with_the_same_dev_results(train, saved, name):
    path, run_dir, result = saved[name]
    config = read_checkpoint_config(path)
    assert config["model"] == name and config["sample_shape"] == [12] and config["labels"] == ["red", "green", "blue"]
    assert header(path)["__metadata__"]["nnplug"]  # safetensors: an 8-byte length, then a JSON header
    extra = [f"--models-path={path.parent / 'models'}"] if name == "OnnxTorch" else []
    (again,) = train([*MODELS[name], *extra, "--nbr-epochs=1", f"--load-model={path}"])
    assert again.repeats[0].epochs[0].dev_cost == pytest.approx(result.repeats[0].final_dev_cost, abs=1e-12)
    best = sorted((run_dir / "checkpoints").iterdir())
    assert [p.name for p in best] == [f"{name}-repeat0-best.safetensors"]
    assert read_checkpoint_config(best[0])["dev_cost"] == pytest.approx(min(
        [e.dev_cost for e in result.repeats[0].epochs] + [result.repeats[0].final_dev_cost]))


#: full-batch training without dropout: an epoch is one deterministic step whatever the shuffle.
CONTINUED = {
    "Adam": ["--model=NLayers", "--layers=7", "--dropout-rate=0", "--optimizer=Adam", "--learning-rate=0.01"],
    "ExponentialDecay": ["--model=NLayers", "--layers=7", "--dropout-rate=0", "--optimizer=ExponentialDecay", "--learning-rate=0.5", "--decay=0.5"],
    "AdamTorch": ["--model=NLayersTorch", "--layers=7", "--dropout-rate=0", "--optimizer=AdamTorch", "--learning-rate=0.01", *TORCH],
    "SGDTorch": ["--model=NLayersTorch", "--layers=7", "--dropout-rate=0", "--optimizer=SGDTorch", "--momentum=0.9", "--learning-rate=0.1", *TORCH],
}


@pytest.mark.parametrize("name", list(CONTINUED))
def test_training_continued_from_a_checkpoint_goes_on_as_if_uninterrupted(train, name, tmp_path):
    args = [*CONTINUED[name], "--max-minibatch-size=1000"]
    (straight,) = train([*args, "--nbr-epochs=5"])
    train([*args, "--nbr-epochs=2", f"--save-model={tmp_path / 'half.safetensors'}"], observers=[CheckpointSaver()])
    (continued,) = train([*args, "--nbr-epochs=3", f"--load-model={tmp_path / 'half.safetensors'}"])
    expected = [epoch.training_cost for epoch in straight.repeats[0].epochs[2:]]
    assert [epoch.training_cost for epoch in continued.repeats[0].epochs] == pytest.approx(expected, rel=1e-7)


def test_the_optimizer_state_is_saved_beside_the_weights(saved):
    path = saved["NLayers"][0]
    config, state = read_optimizer_state(path)
    assert config["name"] == "Adam" and config["options"]["learning_rate"] == 0.01
    assert int(state["steps"]) == 4 * 5  # 4 epochs of 5 minibatches (168 training samples, 40 per minibatch)
    assert {name.split("/")[0] for name in state} == {"steps", "first", "second"}
    parameters = {param.name for param in rebuild_model(path)[0].parameters()}
    assert {name.split("/", 1)[1] for name in state if name.startswith("first/")} == parameters
    assert not any(name.startswith("__optimizer__") for name in read_checkpoint(path)[1])


def test_another_optimizer_starts_afresh_with_a_warning(train, saved, caplog):
    path = saved["NLayers"][0]
    (again,) = train(["--model=NLayers", "--layers=7", "--optimizer=ExponentialDecay", "--nbr-epochs=1", f"--load-model={path}"])
    assert again.repeats[0].epochs[0].dev_cost == pytest.approx(saved["NLayers"][2].repeats[0].final_dev_cost, abs=1e-12)
    assert "the optimizer state saved there is Adam's; ExponentialDecay starts from a fresh state" in caplog.text


def test_an_optimizer_state_that_does_not_fit_is_refused(saved, tmp_path):
    path = saved["NLayers"][0]
    model, config = rebuild_model(path)
    optimizer = Registry().create("optimizer", "Adam", {})
    optimizer.build(model.parameters()[:1])  # fewer parameters than the state was saved for
    with pytest.raises(NnplugError, match=r"Adam state does not fit this model: unknown (first|second)/"):
        load_optimizer_state(path, optimizer)


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
    save_checkpoint(tmp_path / "incomplete.safetensors", model, config, state=incomplete)
    with pytest.raises(NnplugError, match=f"lacks tensors {first}"):
        load_checkpoint(tmp_path / "incomplete.safetensors", model)
    other = registry.create("model", name, {"layers": [5]})
    other.build((12,), 3, 0)
    with pytest.raises(NnplugError, match="has shape"):
        load_checkpoint(saved[name][0], other)


def header(path: Path) -> dict:
    """The JSON header of a safetensors file, read by hand (no library, nothing executed)."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + length])


def test_both_engines_store_numpy_tensors_and_the_configuration_in_the_header(saved):
    for name in ("NLayers", "NLayersTorch"):
        found = header(saved[name][0])
        config = json.loads(found["__metadata__"]["nnplug"])
        assert config["model"] == name and config["format"] == 2 and config["optimizer"]["name"] in ("Adam", "AdamTorch")
        assert config["engine"] == ("numpy" if name == "NLayers" else "torch")
        assert config["labels"] == ["red", "green", "blue"] and config["sample_shape"] == [12]
        tensors = {key: value for key, value in found.items() if key != "__metadata__"}
        assert any(key.startswith("__optimizer__/") for key in tensors)
        assert all(value["dtype"] in ("F32", "F64", "I64") for value in tensors.values())


def test_files_that_are_not_checkpoints_are_refused(tmp_path, saved):
    (tmp_path / "text.safetensors").write_text("hello")
    with pytest.raises(NnplugError, match="is not an nnplug checkpoint"):
        read_checkpoint_config(tmp_path / "text.safetensors")
    from safetensors.numpy import save_file

    save_file({"a": np.zeros(2)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(NnplugError, match="is a safetensors file but not an nnplug checkpoint"):
        read_checkpoint_config(tmp_path / "plain.safetensors")
    with pytest.raises(NnplugError, match="not found"):
        read_checkpoint_config(tmp_path / "absent.safetensors")


def test_old_npz_and_pt_checkpoints_are_refused_in_one_line(tmp_path):
    for name in ("old.npz", "old.pt"):
        np.savez(tmp_path / "old.npz", a=np.zeros(2))
        (tmp_path / name).write_bytes((tmp_path / "old.npz").read_bytes())
        with pytest.raises(NnplugError, match=r"no longer reads \.(npz|pt) checkpoints .*--save-model=NAME\.safetensors") as error:
            read_checkpoint_config(tmp_path / name)
        assert "\n" not in str(error.value)


@pytest.mark.parametrize("name", ["model.npz", "model.pt", "model"])
def test_save_model_needs_the_safetensors_suffix_before_any_training(train, name, tmp_path):
    with pytest.raises(NnplugError, match=r"--save-model=.*: checkpoints are safetensors files, their name must end in \.safetensors"):
        train(["--model=NLayers", "--layers=7", "--nbr-epochs=1", f"--save-model={tmp_path / name}"])
    assert not list(tmp_path.iterdir())


def test_load_model_of_another_model_is_refused_before_training(train, saved):
    with pytest.raises(NnplugError, match="was saved from model NLayers, not NLayersTorch"):
        train(["--model=NLayersTorch", "--layers=7", "--nbr-epochs=1", f"--load-model={saved['NLayers'][0]}"])


def test_save_best_false_writes_no_best_on_dev_checkpoint(train, tmp_path):
    train(["--model=NLayers", "--layers=7", "--nbr-epochs=2", "--save-best=false"], observers=[CheckpointSaver(tmp_path)])
    assert not (tmp_path / "checkpoints").exists()
    train(["--model=NLayers", "--layers=7", "--nbr-epochs=2", "--exp-id=kept"], observers=[CheckpointSaver(tmp_path)])
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["kept-repeat0-best.safetensors"]


@pytest.mark.parametrize("name", ["NLayers", "NLayersTorch"])
def test_a_checkpoint_the_model_options_cannot_take_is_refused_before_loading_data(registry, saved, name):
    from nnplug.cli.arguments import parse_command

    with pytest.raises(NnplugError, match=r"checkpoint tensor \S+ has shape .* the model expects"):
        parse_command(["--data-loader=Blobs", *MODELS[name], "--layers=5", f"--load-model={saved[name][0]}"], registry)


def test_a_checkpoint_trained_on_other_labels_is_refused(registry, saved):
    Blobs = registry.load("data_loader", "Blobs")

    class Renamed(Blobs):
        """Blobs whose classes have other names."""

        @property
        def labels(self) -> list[str]:
            return ["cyan", "magenta", "yellow"]

    registry.add("data_loader", "Renamed", Renamed)
    from nnplug.cli.arguments import parse_command
    from nnplug.trainer import Trainer

    command = parse_command(["--data-loader=Renamed", *MODELS["NLayers"], "--nbr-epochs=1", f"--load-model={saved['NLayers'][0]}"], registry)
    with pytest.raises(NnplugError, match="was trained on labels red, green, blue, but the data has cyan, magenta, yellow"):
        Trainer(registry, []).run(command.experiments)
