"""Done-when of the plugin-authoring issue: the example third-party package, installed for real.

``examples/nnplug-example`` is pip-installed (non-editable) into a temporary target directory
that only this test puts on the path, so the shared venv is untouched; its dist-info makes its
entry points visible exactly as after ``pip install`` into an environment.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnplug.registry import Registry
from nnplug.testing import check_model, check_plugin, make_image_dataset

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "nnplug-example"
PLUGINS = {"optimizer": "Momentum", "model": "TanhMLP", "loss": "OneHotMSE", "metric": "TopK"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site directory nnplug-example was pip-installed into (from a copy: the checkout stays clean)."""
    root = tmp_path_factory.mktemp("example")
    source = root / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = root / "site"
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--target", str(site), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list(site.glob("nnplug_example-0.1.0.dist-info"))
    return site


def run(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command with the installed package on the path."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


@pytest.mark.slow
def test_installed_plugins_are_listed_with_their_options(installed: Path, tmp_path: Path) -> None:
    listing = run([str(ROOT / "bin" / "train"), "--list-plugins"], installed, tmp_path)
    assert listing.returncode == 0, listing.stderr
    for name in PLUGINS.values():
        line = next(line for line in listing.stdout.splitlines() if line.strip().startswith(name + " "))
        assert "[nnplug-example 0.1.0]" in line and "BROKEN" not in line and "CONFLICT" not in line
    help_text = run([str(ROOT / "bin" / "train"), "--help"], installed, tmp_path).stdout
    for flag in ("--momentum=FLOAT", "--hidden-units=INT,...", "--residual=true|false", "--top-k=INT"):
        assert flag in help_text


@pytest.mark.slow
def test_bin_train_runs_with_each_plugin(installed: Path, tmp_path: Path) -> None:
    make_image_dataset(tmp_path / "datasets", "tiny", per_class=8)
    data = [f"--datasets-path={tmp_path / 'datasets'}", "--dataset=tiny", "--resize=4,4"]
    experiments = [
        ["--exp-id=all_four", "--nbr-epochs=10", "--model=TanhMLP", "--hidden-units=8,8", "--optimizer=Momentum", "--learning-rate=0.05", "--loss=OneHotMSE", "--accuracy=TopK", "--top-k=1"],
        # example plugins next to a built-in model (OneLayer takes cross-entropy only: NLayers here)
        ["--exp-id=with_builtin_model", "--nbr-epochs=2", "--model=NLayers", "--layers=8", "--optimizer=Momentum", "--momentum=0.5", "--loss=OneHotMSE", "--accuracy=TopK", "--top-k=2"],
    ]
    args = [str(ROOT / "bin" / "train"), f"--runs-dir={tmp_path / 'runs'}"]
    for index, experiment in enumerate(experiments):
        args += (["--experiment"] if index else []) + data + experiment
    trained = run(args, installed, tmp_path)
    assert trained.returncode == 0, trained.stderr[-2000:]
    for experiment in experiments:
        assert f"[Exp {experiment[0].split('=')[1]}] repeat 1" in trained.stdout
    # the four plugins together learn the three colours (100% from epoch 6 with these seeds)
    assert "[Exp all_four] repeat 1 (model seed 0, dataset seed 0): final dev accuracy 100.00%" in trained.stdout
    refused = run([str(ROOT / "bin" / "train"), *data, "--accuracy=TopK", "--top-k=0"], installed, tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip().endswith("--top-k must be 1 or more, got 0")


@pytest.mark.slow
def test_the_package_own_tests_pass_once_installed(installed: Path, tmp_path: Path) -> None:
    tests = installed.parent / "src" / "tests"
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tests)], installed, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "skipped" not in done.stdout  # the installed-plugin contract tests ran


@pytest.mark.slow
def test_nnplug_testing_passes_installed_plugins_and_names_a_wrong_gradient(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stevedore import ExtensionManager

    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setattr(ExtensionManager, "ENTRY_POINT_CACHE", {})  # see the newly visible entry points
    registry = Registry()
    for kind, name in PLUGINS.items():
        assert registry.plugins[kind][name].distribution == "nnplug-example"
        check_plugin(kind, name, registry=registry)

    from nnplug_example.tanh_mlp import TanhMLP

    class ForgetsTheSkip(TanhMLP):
        """TanhMLP whose backward forgets the residual path: earlier layers get wrong gradients."""

        def backward(self, loss, output, target, cost):  # noqa: ANN001 - same signature as the base
            grad = self.output_layer.backward(self.softmax.backward(loss.gradient(output, target)))
            for dense, tanh in reversed(self.hidden):
                grad = dense.backward(tanh.backward(grad))

    check_model(ForgetsTheSkip, {"hidden_units": [5, 5], "residual": False})  # no skip: nothing forgotten
    with pytest.raises(AssertionError) as raised:
        check_model(ForgetsTheSkip, {"hidden_units": [5, 5], "residual": True})
    message = str(raised.value)
    assert message.startswith("model ForgetsTheSkip: gradient of parameter 'L0_Dense_W' disagrees with finite differences")
    assert "L1_Dense_W" not in message  # the layers after the skip are right, and not blamed
