#!/usr/bin/env python3
"""Train BlobNet on synthetic foreground/background images and export it as ``models/blobnet.onnx``.

CPU only, a few minutes on 2 cores. Images are drawn by :mod:`synthetic` at random sizes,
resized to 320x320 and normalized by ``bin/infer``'s own functions, which follow U-2-Net's
reference code (Lanczos as Pillow does it, division by the image's maximum, ImageNet mean and
std), so the exported model drops in where ``u2net.onnx`` goes; the file carries these
conventions in its metadata (``nnplug.segmentation``).

Usage: .venv/bin/python scripts/segmentation/train.py [--steps 600] [--output models/blobnet.onnx]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402
from nnplug_onnx.segmentation.blobnet import BlobNet  # noqa: E402
from nnplug_onnx.segmentation.export import export_segmentation_model  # noqa: E402
from nnplug_onnxruntime.conventions import SegmentationConventions  # noqa: E402
from nnplug_onnxruntime.preprocessing import lanczos_resize, u2net_input  # noqa: E402

from nnplug.cli.export import add_metadata  # noqa: E402

SIZE = 320
CONVENTIONS = SegmentationConventions((SIZE, SIZE))


def make_pool(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` samples at 320x320: normalized images (N, 3, H, W) and masks (N, 1, H, W) in 0/1."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, 3, SIZE, SIZE), np.float32)
    masks = np.empty((count, 1, SIZE, SIZE), np.float32)
    for i in range(count):
        rgb, mask = synthetic.sample(rng, *synthetic.random_size(rng))
        images[i] = u2net_input(lanczos_resize(rgb, SIZE, SIZE), CONVENTIONS.mean, CONVENTIONS.std)
        masks[i, 0] = np.asarray(Image.fromarray(mask).resize((SIZE, SIZE), Image.BILINEAR)) > 127
    return images, masks


def augment(images: torch.Tensor, masks: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random flips and quarter turns, the same for an image and its mask."""
    turns = int(torch.randint(4, (1,), generator=generator))
    flip = bool(torch.randint(2, (1,), generator=generator))
    images, masks = torch.rot90(images, turns, (2, 3)), torch.rot90(masks, turns, (2, 3))
    if flip:
        images, masks = images.flip(3), masks.flip(3)
    return images, masks


def loss_function(probabilities: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice (helps thin shapes and small objects)."""
    bce = F.binary_cross_entropy(probabilities.clamp(1e-6, 1 - 1e-6), masks)
    intersection = (probabilities * masks).sum((1, 2, 3))
    dice = 1 - (2 * intersection + 1) / (probabilities.sum((1, 2, 3)) + masks.sum((1, 2, 3)) + 1)
    return bce + dice.mean()


def mean_iou(model: BlobNet, images: np.ndarray, masks: np.ndarray) -> float:
    """Mean IoU of masks thresholded at 0.5 over a held-out set."""
    model.eval()
    scores = []
    with torch.no_grad():
        for start in range(0, len(images), 8):
            predicted = model(torch.from_numpy(images[start : start + 8])).numpy() > 0.5
            truth = masks[start : start + 8] > 0.5
            inter = (predicted & truth).sum((1, 2, 3))
            union = (predicted | truth).sum((1, 2, 3))
            scores.extend(np.where(union == 0, 1.0, inter / np.maximum(union, 1)))
    model.train()
    return float(np.mean(scores))


def main() -> None:
    """Parse arguments, train, report held-out IoU, export to ONNX."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--pool", type=int, default=500, help="training images drawn before training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parents[2] / "models" / "blobnet.onnx")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    started = time.perf_counter()
    images, masks = make_pool(args.pool, args.seed)
    held_images, held_masks = make_pool(48, args.seed + 1000)
    print(f"drew {args.pool} training and 48 held-out images in {time.perf_counter() - started:.0f}s", flush=True)

    model = BlobNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=args.steps, pct_start=0.15)
    generator = torch.Generator().manual_seed(args.seed)
    images_t, masks_t = torch.from_numpy(images), torch.from_numpy(masks)
    for step in range(1, args.steps + 1):
        index = torch.randint(len(images), (args.batch_size,), generator=generator)
        batch, truth = augment(images_t[index], masks_t[index], generator)
        loss = loss_function(model(batch), truth)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 100 == 0 or step == args.steps:
            print(
                f"step {step}/{args.steps} loss {loss.item():.4f} held-out IoU {mean_iou(model, held_images, held_masks):.4f} "
                f"({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    model.eval()
    export_segmentation_model(model, args.output)
    add_metadata(args.output, CONVENTIONS.as_metadata())
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
