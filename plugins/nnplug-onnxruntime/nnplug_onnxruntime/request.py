"""What ``bin/infer`` was asked to do, as one value the engine reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: the model ``bin/infer`` uses when none is named: trained by scripts/segmentation/train.py.
DEFAULT_SEGMENTATION_MODEL = "blobnet"
#: the dataset ``bin/infer`` segments when no input is named.
DEFAULT_SEGMENTATION_DATASET = "segmentation"


@dataclass
class InferenceRequest:
    """The options of one ``bin/infer`` run (see ``bin/infer --help`` for each one's meaning)."""

    inputs: list[str] = field(default_factory=list)
    task: str = "segmentation"
    onnx_model: str | None = None
    models_path: Path = Path("models")
    checkpoint: Path | None = None
    datasets_path: Path = Path("datasets")
    resize: tuple[int, int] = (320, 320)
    batch_size: int = 1
    providers: list[str] = field(default_factory=lambda: ["CPUExecutionProvider"])
    threads: int = 0
    output_dir: Path | None = None
    figures: bool = True
    display: bool = False
    labels: list[str] = field(default_factory=list)
    progress: bool = True

    @property
    def model_name(self) -> str:
        """The model's name: the ONNX model's name, the checkpoint's file stem, or the default model."""
        if self.checkpoint is not None:
            return Path(self.checkpoint).stem
        if self.onnx_model:
            return Path(self.onnx_model).stem
        return DEFAULT_SEGMENTATION_MODEL

    @property
    def output_folder(self) -> Path:
        """``--output-dir``, by default ``inference/<model>``."""
        return Path(self.output_dir) if self.output_dir is not None else Path("inference") / self.model_name
