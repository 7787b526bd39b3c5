"""Helpers shared by the data modules: array conversion, generators, applying transforms."""

from __future__ import annotations

import numpy as np

from autograd import Tensor, as_tensor


def to_array(x) -> np.ndarray:
    """A Tensor's data, or `x` converted as `Tensor(x)` would (lists of floats -> float32)."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x)
    return as_tensor(x)._data


def as_generator(generator=None, seed: int | None = None):
    """A numpy Generator from `generator` or `seed` (not both), or None when neither is given."""
    if generator is not None and seed is not None:
        raise ValueError("pass either generator or seed, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"generator must be a numpy Generator (np.random.default_rng(seed)), "
                f"got {type(generator).__name__}; pass an int as seed= instead"
            )
        return generator
    if seed is not None:
        return np.random.default_rng(seed)
    return None


def apply_transform(transform, x, batched: bool):
    """`transform(x)`; for a batch, one call if the transform is `batched`, else one per sample."""
    if not batched or getattr(transform, "batched", False):
        return transform(x)
    # NOTE: an arbitrary callable only knows single samples, so this fallback loops over the batch
    outs = [transform(item) for item in x]
    return np.stack([o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs])
