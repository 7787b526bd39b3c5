"""`F.pad` / `autograd.pad` with PyTorch's negative padding (a negative amount crops) and
PyTorch's errors; the padding itself is shape.py's."""

from __future__ import annotations

import numpy as np

from .registry import Const, Sample
from .shape import pad as _pad
from .support import replace

_MODES = ("constant", "reflect", "replicate", "circular")
_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _widths(name, ndim, pad):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {ndim}"
        )
    width = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        width[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return width


def _pad_ref(x, pad, mode="constant", value=0.0):
    width = _widths("pad", x.ndim, pad)
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(width, x.shape))
    x = x[crop]
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
    if mode == "constant":
        return np.pad(x, grow, constant_values=value)
    return np.pad(x, grow, mode=_NUMPY_MODES[mode])


@replace("pad", ref=_pad_ref, method=False,
         samples=[Sample((2, 3), Const((1, 2))), Sample((2, 3, 4), Const((1, 1, 2, 0)), value=0.5),
                  Sample((1, 2, 4, 5), Const((2, 1, 1, 2)), mode="reflect"),
                  Sample((2, 4), Const((1, 2)), mode="replicate"), Sample((2, 4), Const((2, 1)), mode="circular"),
                  Sample((3, 5), Const((-1, 2, 1, -2))), Sample((2, 5), Const((-2, -1))),
                  Sample((1, 2, 5), Const((-1, 2)), mode="reflect"), Sample((1, 2, 5), Const((1, -2)), mode="circular")])
def pad(input, pad, mode="constant", value=None):
    """Pad the last dims: `pad` = (left, right, top, bottom, ...) as PyTorch's F.pad; a negative
    amount removes that many elements from that side. Modes: 'constant' (with `value`, default
    0), 'reflect', 'replicate', 'circular'."""
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    width = _widths("pad", input.ndim, pad)
    sizes = [n + lo + hi for (lo, hi), n in zip(width, input.shape)]
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"The input size {tuple(input.shape)}, plus negative padding {tuple(pad)} resulted in a negative "
            "output size, which is invalid. Check dimension of your input."
        )
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(width, input.shape))
    out = input[crop] if any(lo < 0 or hi < 0 for lo, hi in width) else input
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
    for d, ((lo, hi), n) in enumerate(zip(grow, out.shape)):
        if mode == "reflect" and (lo >= n or hi >= n) and (lo or hi):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {d} of input {list(out.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    if not any(lo or hi for lo, hi in grow):
        return out.clone()  # (a new tensor as PyTorch's, not the input or a view of it)
    flat = [p for lo_hi in reversed(grow[out.ndim - len(pad) // 2:]) for p in lo_hi]
    return _pad(out, tuple(flat), mode=mode, value=0.0 if value is None else value)
