"""BlobNet: a small U-Net-like segmentation network with U2-Net's input/output convention.

Input: float32 (N, 3, H, W) normalized like U2-Net (ImageNet mean and std), H and W multiples
of 8 (320x320 by default). Output: the foreground probability, float32 (N, 1, H, W), after a
sigmoid. About 50k parameters: it trains on CPU in a few minutes on the synthetic dataset of
``scripts/segmentation/synthetic.py`` (``scripts/segmentation/train.py`` trains it).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBlock(nn.Sequential):
    """3x3 convolution (optionally dilated or strided), batch norm, ReLU."""

    def __init__(self, inputs: int, outputs: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__(
            nn.Conv2d(inputs, outputs, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(outputs),
            nn.ReLU(inplace=True),
        )


class BlobNet(nn.Module):
    """Encoder down to 1/8 resolution with dilated context, light decoder with skip connections."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = ConvBlock(3, 16, stride=2)  # 1/2
        self.down1 = nn.Sequential(ConvBlock(16, 24, stride=2), ConvBlock(24, 24))  # 1/4
        self.down2 = nn.Sequential(ConvBlock(24, 32, stride=2), ConvBlock(32, 32, dilation=2), ConvBlock(32, 32, dilation=4))  # 1/8
        self.up2 = ConvBlock(32 + 24, 24)  # 1/4
        self.up1 = nn.Sequential(nn.Conv2d(24 + 16, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))  # 1/2
        self.head = nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Foreground probability map at the input's resolution."""
        half = self.stem(x)
        quarter = self.down1(half)
        eighth = self.down2(quarter)
        up = F.interpolate(eighth, scale_factor=2.0, mode="bilinear", align_corners=False)
        up = self.up2(torch.cat([up, quarter], 1))
        up = F.interpolate(up, scale_factor=2.0, mode="bilinear", align_corners=False)
        up = self.up1(torch.cat([up, half], 1))
        logits = F.interpolate(self.head(up), scale_factor=2.0, mode="bilinear", align_corners=False)
        return torch.sigmoid(logits)
