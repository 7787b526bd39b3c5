"""The global random generator behind randn/rand/randint/randperm and in-place init."""

from __future__ import annotations

import numpy as np

_GENERATOR = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator (as `torch.manual_seed`) and return it."""
    _GENERATOR[0] = np.random.default_rng(seed)
    return _GENERATOR[0]


def default_generator() -> np.random.Generator:
    """The global numpy Generator used for random tensors."""
    return _GENERATOR[0]
