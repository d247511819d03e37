"""OnnxTorch: an ONNX classifier trained in torch."""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from torch import nn

from nnplug.errors import NnplugError

from nnplug_onnx.conversion import to_torch
from nnplug_onnx.graphs import check_sample_shape, locate, read, strip_final_softmax, to_double
from nnplug_torch import TorchModel


class OnnxTorch(TorchModel):
    """An ONNX classifier (<models-path>/<onnx-model>.onnx) trained in torch, its initializers as parameters.

    The graph is converted with onnx2torch. Its one input takes batches of the data loader's
    samples (the shapes are checked); its one output gives the class scores: a final Softmax is
    taken off and applied by the model (the loss then works on logits), and a graph that ends
    without one is read as logits. Initial weights are the file's (``--model-seed`` only seeds
    dropout). With ``--dtype=float64`` every float32 tensor of the graph is turned to float64.
    """

    engine: ClassVar[str] = "torch"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(
        self,
        models_path: Path = Path("models"),
        onnx_model: str = "one_layer",
        dtype: Literal["float64", "float32"] = "float64",
        device: Literal["cpu", "cuda", "auto"] = "cpu",
    ) -> None:
        """
        Args:
            models_path: directory of the ONNX models.
            onnx_model: name of the model file in models_path, without .onnx.
            dtype: float precision of parameters and computations.
            device: where torch computes: cpu, cuda or auto (cuda when available).
        """
        super().__init__(dtype, device)
        self.path = locate(Path(models_path), onnx_model)
        self.onnx_model = onnx_model
        self.ended_in_softmax = False

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Read, check and convert the graph (its weights are the file's)."""
        model = read(self.path)
        check_sample_shape(model, self.path, sample_shape, nbr_classes)
        self.ended_in_softmax = strip_final_softmax(model)
        if self.dtype.is_floating_point and str(self.dtype) == "torch.float64":
            to_double(model)
        generator = self.make_generator(seed)
        self.attach(to_torch(model, self.path, generator))
        self._check_weights_fit(sample_shape)

    def _check_weights_fit(self, sample_shape: tuple[int, ...]) -> None:
        """Run one zero sample through the graph: weights that do not fit the declared input fail here, in one line.

        Raises:
            NnplugError: the graph cannot compute on its declared input (its weights' shapes disagree).
        """
        import torch

        try:
            with torch.no_grad():
                self.logits(torch.zeros((1, *sample_shape), dtype=self.dtype, device=self.device), False)
        except (RuntimeError, ValueError, IndexError) as err:
            message = " ".join(str(err).split())[:300]
            raise NnplugError(f"{self.path}: the graph's weights do not fit its input {tuple(sample_shape)}: {message}") from None

    def leaf_modules(self) -> list[tuple[str, nn.Module]]:
        """The graph's operators, in graph order (the initializers' container is not one)."""
        return [(name, module) for name, module in super().leaf_modules() if name != "initializers"]
