"""Image transforms (torchvision's names) for one image (C, H, W) or a batch (N, C, H, W).

Every transform takes a numpy array or a Tensor and returns the same kind. A 4-D input is a batch:
random transforms then draw one decision per image and apply them all with one fancy index (no
Python loop over the batch). Transforms with `batched = True` may be given whole batches; the
DataLoader's fast path relies on that (see `TensorDataset`). Random transforms take `generator`
(a numpy Generator) or `seed`; with neither they draw from autograd's global generator, so
`autograd.manual_seed` makes them reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd import Tensor, as_tensor
from autograd.random import default_generator

from ._util import as_generator

__all__ = [
    "ColorJitter",
    "Compose",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "ToTensor",
]

_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def _image_dims(name: str, x) -> bool:
    """True for a batch (N, C, H, W), False for one image (C, H, W) or (H, W); else an error."""
    if not isinstance(x, (np.ndarray, Tensor)):
        raise TypeError(f"{name}: expected a numpy array or Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name}: expected an image (C, H, W) / (H, W) or a batch (N, C, H, W), got shape "
            f"{tuple(x.shape)}"
        )
    return x.ndim == 4


class _Random:
    """Base of random transforms: the generator they draw from."""

    generator: np.random.Generator | None = None

    def _rng(self) -> np.random.Generator:
        return self.generator or default_generator()


class Compose:
    """Apply `transforms` one after another; batched when every part is."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)
        self.batched = all(getattr(t, "batched", False) for t in self.transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        body = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class Lambda:
    """Apply a user function; pass `batched=True` if it also handles (N, ...) batches."""

    def __init__(self, lambd: Callable, batched: bool = False) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd
        self.batched = batched

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.lambd, '__name__', self.lambd)!r})"


class ToTensor:
    """One image (H, W) or (H, W, C) as a float32 Tensor (C, H, W); uint8 is scaled by 1/255.

    Not batched: a 3-D array cannot tell (H, W, C) from a batch (N, H, W), so on the DataLoader's
    fast path it runs per sample. Tensors pass through unchanged.
    """

    batched = False

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            return pic
        a = np.asarray(pic)
        if a.ndim not in (2, 3):
            raise ValueError(f"ToTensor: expected an image (H, W) or (H, W, C), got shape {a.shape}")
        if a.ndim == 2:
            a = a[:, :, None]
        out = np.ascontiguousarray(a.transpose(2, 0, 1))
        if out.dtype == np.uint8:
            return as_tensor(out.astype(np.float32) / np.float32(255))
        return as_tensor(out.astype(np.float32, copy=False))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Per-channel standardization: out[c] = (x[c] - mean[c]) / std[c] on (..., C, H, W).

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all), non-zero.

    Differentiable on Tensors; keeps the input's float dtype.
    """

    batched = True

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError("Normalize: mean and std must be numbers or 1-D sequences")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero, leading to division by zero: {self.std}")

    def __call__(self, x):
        _image_dims("Normalize", x)
        if x.ndim < 3:
            raise ValueError(f"Normalize: expected (C, H, W) or (N, C, H, W), got shape {tuple(x.shape)}")
        if x.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float image, got dtype {x.dtype} (scale it first)")
        channels = x.shape[-3]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if len(v) not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {len(v)} values but the image has {channels} channels"
                )
        # NOTE: constants in the image's dtype, so float32 stays float32
        mean = self.mean.astype(x.dtype).reshape(-1, 1, 1)
        std = self.std.astype(x.dtype).reshape(-1, 1, 1)
        return (x - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _padding4(padding) -> tuple[int, int, int, int]:
    """torchvision's padding: int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if padding is None:
        return (0, 0, 0, 0)
    if isinstance(padding, (int, np.integer)):
        p = (int(padding),) * 4
    elif isinstance(padding, Sequence) and len(padding) == 2:
        p = (int(padding[0]), int(padding[1])) * 2
    elif isinstance(padding, Sequence) and len(padding) == 4:
        p = tuple(int(v) for v in padding)
    else:
        raise ValueError(f"RandomCrop: padding must be an int or a 2- or 4-sequence, got {padding!r}")
    if min(p) < 0:
        raise ValueError(f"RandomCrop: padding must be non-negative, got {padding!r}")
    return p


def _source_map(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of a padded axis, the source index in [0, n), or -1 for constant fill."""
    if mode == "constant":
        return np.concatenate([np.full(before, -1), np.arange(n), np.full(after, -1)]).astype(np.int64)
    return np.pad(np.arange(n, dtype=np.int64), (before, after), mode=mode)


class RandomCrop(_Random):
    """Crop a random (h, w) window, after optional padding (torchvision's RandomCrop).

    Args:
        size: int (square) or (h, w).
        padding: int, (left/right, top/bottom) or (left, top, right, bottom) added first.
        pad_if_needed: pad further when the image is smaller than `size`.
        fill: value of constant padding.
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric' (numpy's / torchvision's).
        generator, seed: where the offsets come from (see module docstring).

    On a batch (N, C, H, W) each image gets its own offset; the padded crop is read with one
    fancy index straight from the input (no padded copy is made).
    """

    batched = True

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: str = "constant", generator=None, *, seed: int | None = None) -> None:
        size = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(size) != 2 or min(size) <= 0:
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size!r}")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {_PAD_MODES}, got {padding_mode!r}")
        self.size = (int(size[0]), int(size[1]))
        self.padding = padding
        self._pad = _padding4(padding)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = as_generator(generator, seed)

    def __call__(self, x):
        batch = _image_dims("RandomCrop", x)
        h, w = self.size
        H, W = x.shape[-2], x.shape[-1]
        left, top, right, bottom = self._pad
        if self.pad_if_needed and H + top + bottom < h:
            extra = h - (H + top + bottom)
            top, bottom = top + extra, bottom + extra
        if self.pad_if_needed and W + left + right < w:
            extra = w - (W + left + right)
            left, right = left + extra, right + extra
        Hp, Wp = H + top + bottom, W + left + right
        if h > Hp or w > Wp:
            raise ValueError(
                f"RandomCrop: required crop size {(h, w)} is larger than the (padded) input image "
                f"size {(Hp, Wp)}"
            )
        n = x.shape[0] if batch else 1
        rng = self._rng()
        i = rng.integers(0, Hp - h + 1, size=n)
        j = rng.integers(0, Wp - w + 1, size=n)
        rows = _source_map(H, top, bottom, self.padding_mode)[i[:, None] + np.arange(h)]  # (n, h)
        cols = _source_map(W, left, right, self.padding_mode)[j[:, None] + np.arange(w)]  # (n, w)
        if batch:
            key = (
                np.arange(n)[:, None, None, None], np.arange(x.shape[1])[None, :, None, None],
                np.maximum(rows, 0)[:, None, :, None], np.maximum(cols, 0)[:, None, None, :],
            )
            outside = (rows < 0)[:, None, :, None] | (cols < 0)[:, None, None, :]
        else:
            key = (..., np.maximum(rows[0], 0)[:, None], np.maximum(cols[0], 0)[None, :])
            outside = (rows[0] < 0)[:, None] | (cols[0] < 0)[None, :]
        out = x[key]
        if self.padding_mode == "constant" and outside.any():
            out = np.where(outside, np.asarray(self.fill, dtype=x.dtype), out)
        return out

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class _RandomFlip(_Random):
    """Flip along `axis` (-1 horizontal, -2 vertical) with probability p, per image in a batch."""

    batched = True
    axis = -1

    def __init__(self, p: float = 0.5, generator=None, *, seed: int | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = as_generator(generator, seed)

    def __call__(self, x):
        batch = _image_dims(type(self).__name__, x)
        rng = self._rng()
        flipped = x[..., ::-1] if self.axis == -1 else x[..., ::-1, :]
        if not batch:
            return flipped if rng.random() < self.p else x
        decide = rng.random(x.shape[0]) < self.p
        return np.where(decide[:, None, None, None], flipped, x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right (reverse W) with probability p; one decision per image of a batch."""

    axis = -1


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom (reverse H) with probability p; one decision per image of a batch."""

    axis = -2


class ColorJitter(_Random):
    """Random brightness and contrast, one draw per image of a batch (torchvision's ColorJitter for
    the two factors that need no colour space; brightness first, then contrast).

    brightness: x * b with b ~ U[max(0, 1 - brightness), 1 + brightness];
    contrast: m + c (x - m), c drawn the same way, m the image's mean grey level (for 3 channels
    the luma 0.299 R + 0.587 G + 0.114 B); each result is clipped to [0, 1] as for float images.

    Args:
        brightness, contrast: how far the factor may stray from 1 (0 turns the jitter off), or a
            (min, max) pair of factors.
    """

    batched = True

    def __init__(self, brightness=0.0, contrast=0.0, generator=None, *, seed: int | None = None) -> None:
        self.brightness = _factor_range("brightness", brightness)
        self.contrast = _factor_range("contrast", contrast)
        self.generator = as_generator(generator, seed)

    def _draw(self, bounds, n: int):
        lo, hi = bounds
        factors = self._rng().uniform(lo, hi, n).astype(np.float32)
        return factors.reshape(-1, 1, 1, 1)

    def __call__(self, x):
        batch = _image_dims("ColorJitter", x)
        images = x if batch else x[None] if x.ndim == 3 else x[None, None]
        n = images.shape[0]
        if self.brightness is not None:
            images = np.clip(images * self._draw(self.brightness, n), 0, 1)
        if self.contrast is not None:
            if images.shape[1] == 3:
                luma = np.asarray([0.299, 0.587, 0.114], dtype=np.float32).reshape(1, 3, 1, 1)
                grey = (images * luma).sum(axis=1, keepdims=True)
            else:
                grey = images.mean(axis=1, keepdims=True)
            mean = grey.mean(axis=(2, 3), keepdims=True)
            images = np.clip(mean + self._draw(self.contrast, n) * (images - mean), 0, 1)
        if batch:
            return images
        return images[0] if x.ndim == 3 else images[0, 0]

    def __repr__(self) -> str:
        return f"ColorJitter(brightness={self.brightness}, contrast={self.contrast})"


def _factor_range(name: str, value):
    """(lo, hi) factor bounds from a jitter amount or a pair; None when the jitter is off."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not 0 <= value[0] <= value[1]:
            raise ValueError(f"ColorJitter: {name} as a pair must be (min, max) with 0 <= min <= max, "
                             f"got {value!r}")
        lo, hi = float(value[0]), float(value[1])
    else:
        if value < 0:
            raise ValueError(f"ColorJitter: {name} must be non-negative, got {value}")
        lo, hi = max(0.0, 1.0 - value), 1.0 + value
    return None if lo == hi == 1.0 else (lo, hi)
