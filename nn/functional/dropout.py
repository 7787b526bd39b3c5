"""dropout, dropout1d, dropout2d: inverted dropout (kept values scaled by 1 / (1 - p) while training);
alpha_dropout and feature_alpha_dropout: SELU's dropout, which keeps zero mean and unit variance."""

from __future__ import annotations

import warnings

import numpy as np

from autograd import Tensor
from autograd.inplace import apply_inplace
from autograd.random import default_generator

from . import _checks

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "feature_alpha_dropout"]


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


def _masked(input: Tensor, p: float, mask_shape, inplace: bool, name: str) -> Tensor:
    """The masked input; with `inplace` written into `input`, as PyTorch's inplace=True."""
    if inplace:
        return apply_inplace(input, name, lambda x: _apply_mask(x, p, mask_shape))
    return _apply_mask(input, p, mask_shape)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability `p` and scale the rest by 1 / (1 - p) (when training).

    Args:
        input: any shape.
        p: probability of zeroing an element.
        training: apply dropout; when False return `input` unchanged.
        inplace: write the result into `input` (a recorded in-place op) and return it.
    Returns:
        Tensor of the input's shape. The mask comes from `autograd.random.default_generator()`,
        so `autograd.manual_seed` makes it reproducible.
    """
    _check("dropout", input, p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape, inplace, "dropout_")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels with probability `p` and scale the rest by 1 / (1 - p) (when training).

    As PyTorch, the mask has shape (d0, d1, 1, ..., 1): one draw per (sample, channel) of an
    (N, C, H, W) input. A 3-D input is read as (N, C, L) (PyTorch's historical behaviour, with its
    warning), and other ranks >= 2 warn but work; a rank below 2 raises RuntimeError.
    """
    _check("dropout2d", input, p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an "
            "optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if input.ndim < 2:
        raise RuntimeError(
            f"dropout2d: feature dropout requires at least 2 dimensions in the input, got shape "
            f"{tuple(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    return _masked(input, p, (*input.shape[:2], *([1] * (input.ndim - 2))), inplace, "dropout2d_")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability `p` (kept ones scaled
    by 1 / (1 - p)) while training; the mask has shape (N, C, 1) or (C, 1)."""
    _check("dropout1d", input, p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
            "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if not training or p == 0.0:
        return input
    return _masked(input, p, (*input.shape[:-1], 1), inplace, "dropout1d_")


# -SELU's scale times alpha: the value a dropped SELU unit is set to (before the affine fix)
_ALPHA_PRIME = 1.7580993408473766


def _alpha_mask(input: Tensor, p: float, mask_shape: tuple) -> Tensor:
    """input · a·keep + b with keep ~ Bernoulli(1 - p): dropped values become -alpha' and the
    affine map (a, b) restores zero mean and unit variance, as PyTorch's `_dropout_impl`."""
    if p == 1.0:
        return input * 0.0
    dtype = input.dtype if input.dtype.kind == "f" else np.float32
    keep = (default_generator().random(mask_shape) >= p).astype(dtype)
    a = 1.0 / np.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * p + 1) * (1 - p))
    b = ((keep - 1) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p).astype(dtype, copy=False)
    return input * (keep * a).astype(dtype, copy=False) + b


def _alpha(name: str, input: Tensor, p: float, training: bool, inplace: bool, mask_shape):
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if inplace:
        return apply_inplace(input, name + "_", lambda x: _alpha_mask(x, p, mask_shape))
    return _alpha_mask(input, p, mask_shape)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout (Klambauer et al. 2017), for SELU networks: while training, each element is
    set to -alpha' (SELU's negative saturation) with probability `p`, then all are mapped by
    x -> a·x + b so that zero-mean unit-variance inputs keep those statistics. Identity when not
    training (note PyTorch's default training=False)."""
    _check("alpha_dropout", input, p)
    return _alpha("alpha_dropout", input, p, training, inplace, input.shape)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: one draw per (sample, channel) of an (N, C, *) input
    (mask shape (N, C, 1, ..., 1)); see `alpha_dropout`."""
    _check("feature_alpha_dropout", input, p)
    if training and p != 0.0 and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = (*input.shape[:2], *([1] * (input.ndim - 2)))
    return _alpha("feature_alpha_dropout", input, p, training, inplace, mask_shape)
