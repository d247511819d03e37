"""A network with U2-Net's architecture and interface, at any width, with random weights.

Same structure as U2-Net / U2-NetP (Qin et al. 2020): six encoder stages of residual U-blocks
(RSU-7, 6, 5, 4 with max-pooling in ``ceil_mode`` and a dilated bottom convolution; RSU-4F
with dilated convolutions 1, 2, 4, 8 instead of pooling), five decoder stages that concatenate
the bilinearly upsampled deeper stage with the skip connection, six side outputs upsampled to
the input size and fused by a 1x1 convolution. Outputs: seven sigmoid maps (N, 1, H, W), the
fused one first, exactly like ``u2net.onnx``. ``mid=16, out=64`` is U2-NetP; tests use a tiny
width so that exporting and running it takes well under a second.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBnRelu(nn.Module):
    """U2-Net's REBNCONV: 3x3 convolution with dilation, batch norm, ReLU."""

    def __init__(self, inputs: int, outputs: int, dilation: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(inputs, outputs, 3, padding=dilation, dilation=dilation)
        self.bn = nn.BatchNorm2d(outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolution, normalization, activation."""
        return F.relu(self.bn(self.conv(x)))


def upsample_like(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bilinear upsampling of ``source`` to ``target``'s height and width."""
    return F.interpolate(source, size=target.shape[2:], mode="bilinear", align_corners=False)


class ResidualUBlock(nn.Module):
    """RSU-L: a small U-Net inside a residual block (``height`` levels, pooling with ceil mode)."""

    def __init__(self, height: int, inputs: int, mid: int, outputs: int) -> None:
        super().__init__()
        self.entry = ConvBnRelu(inputs, outputs)
        self.encoders = nn.ModuleList([ConvBnRelu(outputs, mid)] + [ConvBnRelu(mid, mid) for _ in range(height - 2)])
        self.bottom = ConvBnRelu(mid, mid, dilation=2)
        self.decoders = nn.ModuleList([ConvBnRelu(2 * mid, mid) for _ in range(height - 2)] + [ConvBnRelu(2 * mid, outputs)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode with pooling, decode with upsampling and concatenation, add the entry features."""
        entry = self.entry(x)
        skips = []
        hidden = entry
        for index, encoder in enumerate(self.encoders):
            if index > 0:
                hidden = F.max_pool2d(hidden, 2, stride=2, ceil_mode=True)
            hidden = encoder(hidden)
            skips.append(hidden)
        hidden = self.bottom(hidden)
        for index, decoder in enumerate(self.decoders):
            skip = skips[-1 - index]
            if index > 0:
                hidden = upsample_like(hidden, skip)
            hidden = decoder(torch.cat([hidden, skip], 1))
        return hidden + entry


class DilatedUBlock(nn.Module):
    """RSU-4F: the same shape with dilated convolutions (1, 2, 4, 8) instead of pooling."""

    def __init__(self, inputs: int, mid: int, outputs: int) -> None:
        super().__init__()
        self.entry = ConvBnRelu(inputs, outputs)
        self.encoders = nn.ModuleList([ConvBnRelu(outputs, mid, 1), ConvBnRelu(mid, mid, 2), ConvBnRelu(mid, mid, 4)])
        self.bottom = ConvBnRelu(mid, mid, dilation=8)
        self.decoders = nn.ModuleList([ConvBnRelu(2 * mid, mid, 4), ConvBnRelu(2 * mid, mid, 2), ConvBnRelu(2 * mid, outputs, 1)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Dilated encoder/decoder with concatenated skips, plus the entry features."""
        entry = self.entry(x)
        skips = []
        hidden = entry
        for encoder in self.encoders:
            hidden = encoder(hidden)
            skips.append(hidden)
        hidden = self.bottom(hidden)
        for index, decoder in enumerate(self.decoders):
            hidden = decoder(torch.cat([hidden, skips[-1 - index]], 1))
        return hidden + entry


class U2NetLike(nn.Module):
    """U2-Net's encoder/decoder of residual U-blocks with seven sigmoid outputs (fused first).

    Args:
        mid: channels inside the blocks (U2-NetP: 16).
        out: channels between the blocks (U2-NetP: 64).
    """

    def __init__(self, mid: int = 16, out: int = 64) -> None:
        super().__init__()
        self.encoder = nn.ModuleList(
            [
                ResidualUBlock(7, 3, mid, out),
                ResidualUBlock(6, out, mid, out),
                ResidualUBlock(5, out, mid, out),
                ResidualUBlock(4, out, mid, out),
                DilatedUBlock(out, mid, out),
                DilatedUBlock(out, mid, out),
            ]
        )
        self.decoder = nn.ModuleList(
            [
                DilatedUBlock(2 * out, mid, out),
                ResidualUBlock(4, 2 * out, mid, out),
                ResidualUBlock(5, 2 * out, mid, out),
                ResidualUBlock(6, 2 * out, mid, out),
                ResidualUBlock(7, 2 * out, mid, out),
            ]
        )
        self.sides = nn.ModuleList([nn.Conv2d(out, 1, 3, padding=1) for _ in range(6)])
        self.fuse = nn.Conv2d(6, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Seven foreground maps at the input's size: fused, then the six side outputs."""
        stages = []
        hidden = x
        for index, block in enumerate(self.encoder):
            if index > 0:
                hidden = F.max_pool2d(hidden, 2, stride=2, ceil_mode=True)
            hidden = block(hidden)
            stages.append(hidden)
        decoded = [stages[-1]]
        hidden = stages[-1]
        for index, block in enumerate(self.decoder):
            skip = stages[-2 - index]
            hidden = block(torch.cat([upsample_like(hidden, skip), skip], 1))
            decoded.append(hidden)
        # side outputs from the finest decoder stage (d1) to the deepest encoder stage (d6)
        sides = [upsample_like(side(stage), x) for side, stage in zip(self.sides, reversed(decoded))]
        fused = self.fuse(torch.cat(sides, 1))
        return tuple(torch.sigmoid(map_) for map_ in [fused, *sides])


def random_u2net_like(mid: int, out: int, seed: int = 0) -> U2NetLike:
    """A :class:`U2NetLike` with seeded random weights and non-trivial batch-norm statistics, in eval mode."""
    torch.manual_seed(seed)
    model = U2NetLike(mid, out)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return model.eval()


#: the output names of u2net.onnx's seven maps, fused first.
OUTPUT_NAMES = ["d0", "d1", "d2", "d3", "d4", "d5", "d6"]
