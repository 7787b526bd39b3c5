"""dropout, dropout2d: inverted dropout (kept values scaled by 1 / (1 - p) while training)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.random import default_generator

from . import _checks

__all__ = ["dropout", "dropout2d"]


def _check(name: str, input, p: float) -> None:
    if not isinstance(input, Tensor):
        _checks.tensor_input(name, input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input: Tensor, p: float, mask_shape: tuple) -> Tensor:
    if p == 1.0:
        return input * 0.0
    keep = default_generator().random(mask_shape) >= p
    # NOTE: the scale is applied in the input's dtype so float32 stays float32
    scale = (keep * (1.0 / (1.0 - p))).astype(input.dtype if input.dtype.kind == "f" else np.float32)
    return input * scale


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability `p` and scale the rest by 1 / (1 - p) (when training).

    Args:
        input: any shape.
        p: probability of zeroing an element.
        training: apply dropout; when False return `input` unchanged.
        inplace: accepted for PyTorch compatibility; a new tensor is returned.
    Returns:
        Tensor of the input's shape. The mask comes from `autograd.random.default_generator()`,
        so `autograd.manual_seed` makes it reproducible.
    """
    _check("dropout", input, p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, p, input.shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability `p` (scaled)."""
    _check("dropout2d", input, p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    return _apply_mask(input, p, (*input.shape[:-2], 1, 1))
