"""Seeds of experiment repeats, derived deterministically from the seeds the user gave."""
from __future__ import annotations

import numpy as np


def derive_seed(seed: int, repeat: int) -> int:
    """Seed of repeat ``repeat`` (0-based) from ``seed``: repeat 0 uses ``seed`` itself.

    Later repeats hash (seed, repeat) with numpy's SeedSequence, so neighbouring user seeds do
    not produce overlapping repeats.
    """
    if repeat == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(repeat)]).generate_state(1)[0] % (2**31 - 1))


def repeat_seeds(model_seed: int, dataset_seed: int, repeat: int, vary: str) -> tuple[int, int]:
    """Return (model seed, dataset seed) of a repeat; ``vary`` says which ones change.

    ``vary`` is ``"model"`` (data fixed: measures model randomness), ``"dataset"`` (model
    initialization fixed: measures dataset randomness) or ``"both"``.
    """
    model = derive_seed(model_seed, repeat) if vary in ("model", "both") else model_seed
    dataset = derive_seed(dataset_seed, repeat) if vary in ("dataset", "both") else dataset_seed
    return model, dataset
