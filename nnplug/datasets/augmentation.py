"""The random part of the pipeline: rotation and noise on training samples, new every epoch."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnplug.datasets.image_transforms import ImageTransforms


@dataclass(frozen=True)
class Augmentation:
    """Random rotation within ±``rot_angle`` degrees (cropped back to size), then Gaussian noise.

    Attributes:
        rot_angle: largest rotation in degrees (0: no rotation).
        noise_intensity: standard deviation of the noise on the 0..1 scale (0: no noise).
    """

    rot_angle: float = 0.0
    noise_intensity: float = 0.0

    @property
    def active(self) -> bool:
        """Whether augmentation changes anything."""
        return self.rot_angle > 0 or self.noise_intensity > 0

    def apply(self, transforms: ImageTransforms, pixels: np.ndarray, key: tuple[int, ...]) -> np.ndarray:
        """Augmented copies of ``pixels`` (N, H, W, C) float32 in 0..1.

        ``key`` (e.g. seed, epoch, minibatch) seeds the random angles and noise: the same key gives
        the same result.
        """
        rng = np.random.default_rng([*key, 2])
        angles = rng.uniform(-self.rot_angle, self.rot_angle, size=len(pixels))
        noise_seeds = rng.integers(0, 2**31 - 1, size=len(pixels))
        out = np.empty_like(pixels)
        for index, sample in enumerate(pixels):
            image = transforms.from_array(sample * np.float32(255))
            if self.rot_angle > 0:
                image = transforms.rotate(image, float(angles[index]))
            if self.noise_intensity > 0:
                image = transforms.add_noise(image, self.noise_intensity * 255, int(noise_seeds[index]))
            out[index] = np.clip(transforms.to_array(image) * np.float32(1 / 255), 0.0, 1.0)
        return out
