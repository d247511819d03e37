"""Turn decoded images into the tensors segmentation and classification models expect."""
from __future__ import annotations

import numpy as np

#: U2-Net's normalization: ImageNet mean and standard deviation per RGB channel, on 0..1 values.
U2NET_MEAN = np.array([0.485, 0.456, 0.406])
U2NET_STD = np.array([0.229, 0.224, 0.225])


def lanczos_resize(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 (H, W) or (H, W, 3) pixels resized with Pillow's Lanczos filter.

    U-2-Net's reference code and rembg resize with Pillow; libvips' and ImageMagick's Lanczos
    kernels differ from it by several grey levels, so both image backends resize with Pillow here.
    """
    from PIL import Image

    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).resize((width, height), Image.Resampling.LANCZOS))


def u2net_input(resized_rgb: np.ndarray, mean: np.ndarray | tuple = U2NET_MEAN, std: np.ndarray | tuple = U2NET_STD) -> np.ndarray:
    """One image already resized, uint8 (H, W, 3) → float32 (3, H, W) as U-2-Net's reference code feeds it.

    Divided by the image's own maximum (not 255: a dark image is stretched), then normalized
    with ``mean`` and ``std`` (default: ImageNet's, :data:`U2NET_MEAN`, :data:`U2NET_STD`).
    """
    scaled = resized_rgb / max(float(resized_rgb.max()), 1e-6)
    normalized = (scaled - np.asarray(mean, dtype=np.float64)) / np.asarray(std, dtype=np.float64)
    return np.ascontiguousarray(normalized.transpose(2, 0, 1), dtype=np.float32)


def unit_input(resized_rgb: np.ndarray, layout: str) -> np.ndarray:
    """One image already resized, uint8 (H, W, 3) → float32 in 0..1 for a classifier.

    Args:
        resized_rgb: the pixels.
        layout: ``"flat"`` (3*H*W values, channel-major: what bin/train's flattened loaders feed),
            ``"nchw"`` (3, H, W) or ``"nhwc"`` (H, W, 3).
    """
    scaled = resized_rgb.astype(np.float32) / 255.0
    if layout == "flat":
        return np.ascontiguousarray(scaled.transpose(2, 0, 1)).reshape(-1)
    if layout == "nchw":
        return np.ascontiguousarray(scaled.transpose(2, 0, 1))
    return scaled


def min_max_normalized(prediction: np.ndarray) -> np.ndarray:
    """Stretch a prediction map to 0..1 (U-2-Net's post-processing); a constant map becomes zeros."""
    prediction = prediction.astype(np.float32)
    low, high = float(prediction.min()), float(prediction.max())
    if high - low < 1e-12:
        return np.zeros_like(prediction)
    return (prediction - low) / (high - low)


def mask_grey(prediction: np.ndarray) -> np.ndarray:
    """A 0..1 map as uint8 0..255, truncated as U-2-Net's reference code does (``(map * 255).astype(uint8)``)."""
    return (np.clip(prediction, 0.0, 1.0) * 255).astype(np.uint8)


def probabilities(output: np.ndarray) -> np.ndarray:
    """A classifier's (N, C) output as probabilities: kept when rows already are, else softmax."""
    output = np.asarray(output, dtype=np.float64).reshape(len(output), -1)
    if output.min() >= 0 and np.allclose(output.sum(axis=1), 1.0, atol=1e-3):
        return output
    shifted = np.exp(output - output.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
