"""bin/infer's masks are U-2-Net's reference masks (rembg's way), for both image backends.

The reference is computed here independently, with Pillow and onnxruntime only, the way U-2-Net's
reference code and rembg do it: ``convert("RGB")``, Lanczos resize to 320x320, division by the
resized image's maximum, ImageNet mean and std, first output, min-max, truncation to 8 bits,
Lanczos resize back. The network has U-2-Net's shape and random weights (input ``input.1``
1x3x320x320, seven outputs). Images: the shipped samples and odd ones (grey, RGBA, CMYK, 16-bit,
maximum below 255, tiny, very wide, EXIF-rotated). Required: mean absolute difference at most 2 grey levels and
IoU at 128 at least 0.98, per image.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image, ImageOps

from u2net_onnx import build_u2net_like

from nnplug.cli.infer import invoke
from nnplug.registry import Registry

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "datasets/segmentation/images").iterdir())
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def reference_mask(session: ort.InferenceSession, path: Path) -> np.ndarray:
    """The mask U-2-Net's reference code (as rembg runs it: upright first) gives for ``path``."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        size = image.size
        resized = np.array(image.convert("RGB").resize((320, 320), Image.Resampling.LANCZOS))
    scaled = resized / max(np.max(resized), 1e-6)
    planes = np.stack([(scaled[:, :, c] - MEAN[c]) / STD[c] for c in range(3)])
    first = session.run(None, {session.get_inputs()[0].name: planes[None].astype(np.float32)})[0][:, 0, :, :]
    normalized = np.squeeze((first - first.min()) / (first.max() - first.min()))
    return np.asarray(Image.fromarray((normalized * 255).astype("uint8"), mode="L").resize(size, Image.Resampling.LANCZOS))


def odd_images(folder: Path) -> list[Path]:
    """Grey, RGBA, CMYK, 16-bit, dark (maximum 90), tiny, very wide and EXIF-rotated images made from a shipped sample."""
    import pyvips

    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(SAMPLES[0]) as sample:
        rgb = sample.convert("RGB")
    rgb.convert("L").save(folder / "grey.png")
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    rgba.save(folder / "rgba.png")
    rgb.convert("CMYK").save(folder / "cmyk.tif")
    sixteen = np.asarray(rgb).astype(np.uint16) * 257 + np.arange(rgb.width, dtype=np.uint16)[None, :, None] % 200
    pyvips.Image.new_from_array(sixteen, interpretation="rgb16").pngsave(str(folder / "sixteen.png"))
    Image.fromarray((np.asarray(rgb) * (90 / 255)).astype(np.uint8)).save(folder / "dark.png")
    rgb.resize((7, 5), Image.Resampling.BICUBIC).save(folder / "tiny.png")
    Image.fromarray(np.tile(np.asarray(rgb.resize((200, 60))), (1, 9, 1))).save(folder / "wide.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    rgb.save(folder / "rotated.jpg", exif=exif, quality=95)
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def u2net_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("u2net")
    build_u2net_like(folder / "u2net.onnx")
    return folder


@pytest.fixture(scope="module")
def references(tmp_path_factory, u2net_folder) -> dict[Path, np.ndarray]:
    """Every test image (shipped samples, then the odd ones) and its reference mask."""
    session = ort.InferenceSession(str(u2net_folder / "u2net.onnx"), providers=["CPUExecutionProvider"])
    inputs = [*SAMPLES, *odd_images(tmp_path_factory.mktemp("odd"))]
    return {path: reference_mask(session, path) for path in inputs}


def test_odd_images_are_what_they_claim(tmp_path):
    modes = {path.stem: Image.open(path).mode for path in odd_images(tmp_path)}
    assert modes["grey"] == "L" and modes["rgba"] == "RGBA" and modes["cmyk"] == "CMYK"
    import pyvips

    assert pyvips.Image.new_from_file(str(tmp_path / "sixteen.png")).format == "ushort"
    assert np.asarray(Image.open(tmp_path / "dark.png")).max() <= 90
    assert Image.open(tmp_path / "rotated.jpg").getexif()[0x0112] == 6


@pytest.mark.parametrize("backend", ["Vips", "ImageMagick"])
def test_masks_match_u2net_reference_code(tmp_path, u2net_folder, references, backend):
    out = tmp_path / "out"
    status = invoke([*map(str, references), "--onnx-model=u2net", "--models-path", str(u2net_folder), f"--image-backend={backend}",
                     "--only-mask", "--progress=false", "--batch-size=3", "--output-dir", str(out)], Registry())
    assert status == 0
    worst = []
    for path, expected in references.items():
        written = np.asarray(Image.open(out / f"{path.stem}_mask.png"))
        assert written.shape == expected.shape, path.name
        difference = float(np.abs(written.astype(int) - expected.astype(int)).mean())
        union = np.logical_or(written >= 128, expected >= 128).sum()
        iou = np.logical_and(written >= 128, expected >= 128).sum() / union if union else 1.0
        worst.append((path.name, round(difference, 3), round(float(iou), 4)))
        assert expected.min() < 64 and expected.max() > 192, path.name  # a real mask, not a flat image
    assert all(difference <= 2 and iou >= 0.98 for _, difference, iou in worst), "\n".join(map(str, worst))
