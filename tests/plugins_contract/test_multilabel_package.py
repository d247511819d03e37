"""The second example package, examples/nnplug-multilabel, adds a task: installed for real, it trains and passes the checks.

Like ``test_example_package.py``: pip-installed (non-editable) into a temporary target directory
that only these tests put on the path, so the shared venv is untouched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnplug.registry import Registry
from nnplug.testing import check_plugin

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "examples" / "nnplug-multilabel"
PLUGINS = {"task": "multilabel", "data_loader": "ColorMixes", "loss": "BinaryCrossEntropy", "metric": "MicroF1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site directory nnplug-multilabel was pip-installed into (from a copy: the checkout stays clean)."""
    root = tmp_path_factory.mktemp("multilabel")
    source = root / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = root / "site"
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--target", str(site), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return site


def run(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command with the installed package on the path."""
    return subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)}, cwd=cwd, timeout=600)


@pytest.mark.slow
def test_a_built_in_model_learns_the_new_task(installed: Path, tmp_path: Path) -> None:
    args = [str(ROOT / "bin" / "train"), f"--runs-dir={tmp_path / 'runs'}", "--data-loader=ColorMixes", "--model=NLayers", "--output=sigmoid",
            "--optimizer=Adam", "--loss=BinaryCrossEntropy", "--metric=MicroF1", "--nbr-epochs=10"]
    trained = run(args, installed, tmp_path)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert "final dev micro F1 100.00%" in trained.stdout and "accuracy" not in trained.stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert not list(run_dir.glob("confusion-*"))  # the task has no confusion matrix
    refused = run([*args[:-1], "--output=softmax"], installed, tmp_path)  # the task needs sigmoid outputs
    assert refused.returncode == 2 and "--output=sigmoid" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    listing = run([str(ROOT / "bin" / "train"), "--list-plugins"], installed, tmp_path)
    assert "multilabel" in listing.stdout and "ColorMixes" in listing.stdout


@pytest.mark.slow
def test_the_package_own_tests_pass_without_skips(installed: Path, tmp_path: Path) -> None:
    tests = installed.parent / "src" / "tests"
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tests)], installed, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "skipped" not in done.stdout and " passed" in done.stdout


@pytest.mark.slow
def test_installed_plugins_pass_check_plugin(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stevedore import ExtensionManager

    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setattr(ExtensionManager, "ENTRY_POINT_CACHE", {})  # see the newly visible entry points
    registry = Registry()
    for kind, name in PLUGINS.items():
        assert registry.plugins[kind][name].distribution == "nnplug-multilabel"
        check_plugin(kind, name, registry=registry)


def test_the_package_uses_the_public_api_only() -> None:
    import ast

    import nnplug

    for path in (PACKAGE / "nnplug_multilabel").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nnplug":
                assert node.module == "nnplug", f"{path.name} imports {node.module}"
                assert all(alias.name in nnplug.__all__ for alias in node.names), f"{path.name}: {[a.name for a in node.names]}"
