"""Elementwise functions of two or three tensors: atan2, hypot, copysign, fmod, remainder, lerp,
and `div` with PyTorch's `rounding_mode`.

Result dtypes follow `torch.result_type` (see support.result_dtype); integer division by zero
raises PyTorch's ``RuntimeError: ZeroDivisionError``.
"""

from __future__ import annotations

import numpy as np

from . import arithmetic
from .registry import Const, Primitive, Sample, register
from .support import as_dtype, float_dtype, replace, result_dtype

BINARY = [Sample((3, 4), (3, 4)), Sample((2, 3, 4), (4,)), Sample((3, 1), (1, 4)), Sample((), (3,))]


def _float_binary(fn):
    def forward(x, y):
        dt = float_dtype(x, y)
        return np.asarray(fn(as_dtype(x, dt), as_dtype(y, dt))).astype(dt, copy=False)
    return forward


def _check_int_divisor(x, y) -> None:
    if result_dtype(x, y).kind in "biu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _promoted_binary(fn):
    def forward(x, y):
        dt = result_dtype(x, y)
        if dt.kind in "biu":
            _check_int_divisor(x, y)
        return np.asarray(fn(as_dtype(x, dt), as_dtype(y, dt))).astype(dt, copy=False)
    return forward


def _safe(x):
    return np.where(x == 0, 1, x)


ATAN2 = Primitive(
    "atan2", _float_binary(np.arctan2),
    [lambda g, out, y, x: g * x / (x * x + y * y), lambda g, out, y, x: -g * y / (x * x + y * y)],
    "d atan2(y, x)/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)",
)
HYPOT = Primitive(
    "hypot", _float_binary(np.hypot), [lambda g, out, x, y: g * x / out, lambda g, out, x, y: g * y / out],
    "d sqrt(x^2 + y^2)/dx = x / hypot(x, y)",
)
COPYSIGN = Primitive(
    "copysign", _float_binary(np.copysign),
    # PyTorch's rule: result / x (0 where x == 0); the sign source gets no gradient
    [lambda g, out, x, y: g * np.where(x == 0, 0, out / _safe(x)), lambda g, out, x, y: g * 0],
    "d copysign(x, y)/dx = sign agreement (+-1; 0 at x = 0), d/dy = 0",
)
FMOD = Primitive(
    "fmod", _promoted_binary(np.fmod),
    [lambda g, out, x, y: g, lambda g, out, x, y: -g * np.trunc(x / y)],
    "d fmod(x, y)/dx = 1, d/dy = -trunc(x / y)",
)
REMAINDER = Primitive(
    "remainder", _promoted_binary(np.remainder),
    [lambda g, out, x, y: g, lambda g, out, x, y: -g * np.floor(x / y)],
    "d remainder(x, y)/dx = 1, d/dy = -floor(x / y)",
)


def _lerp_forward(start, end, weight):
    dt = float_dtype(start, end)
    start, end = as_dtype(start, dt), as_dtype(end, dt)
    w = as_dtype(weight, dt)
    diff = end - start
    # PyTorch's two-sided formula: exact at weight 0 and at weight 1
    out = np.where(np.abs(w) < 0.5, start + w * diff, end - diff * (1 - w))
    return np.asarray(out).astype(dt, copy=False)


LERP = Primitive(
    "lerp", _lerp_forward,
    [lambda g, out, s, e, w: g * (1 - w), lambda g, out, s, e, w: g * w,
     lambda g, out, s, e, w: g * (e - s)],
    "d lerp(s, e, w)/ds = 1 - w, d/de = w, d/dw = e - s",
)


def _trunc_divide(x, y):
    if np.result_type(x, y).kind in "biu":
        q = np.floor_divide(x, y)
        # floor and trunc differ by one where the signs differ and the division is inexact
        return q + ((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)))
    return np.trunc(np.true_divide(x, y))


def _div_rounded_forward(x, y, mode):
    dt = result_dtype(x, y)
    if dt.kind == "b":
        raise NotImplementedError(f'"div_{mode}" is not implemented for bool tensors; convert them to int first')
    if dt.kind in "iu":
        _check_int_divisor(x, y)
    x, y = as_dtype(x, dt), as_dtype(y, dt)
    out = _trunc_divide(x, y) if mode == "trunc" else np.floor_divide(x, y)
    return np.asarray(out).astype(dt, copy=False)


DIV_ROUNDED = Primitive(
    "div_rounded", _div_rounded_forward,
    [lambda g, out, x, y, mode: g * 0, lambda g, out, x, y, mode: g * 0],
    "d floor(x / y) = d trunc(x / y) = 0 (piecewise constant)",
)


def _floor_divide_forward(x, y):
    dt = result_dtype(x, y)
    if dt.kind == "b":
        raise NotImplementedError('"div_floor_cpu" not implemented for \'Bool\'')
    if dt.kind in "iu":
        _check_int_divisor(x, y)  # (numpy gives 0 with a warning)
    return np.asarray(np.floor_divide(as_dtype(x, dt), as_dtype(y, dt))).astype(dt, copy=False)


def _no_floor_divide_derivative(*_):
    raise RuntimeError("derivative for aten::floor_divide is not implemented")


# `a // b`: PyTorch records it (the result requires grad) but has no derivative for it, so
# backward through it raises rather than silently dropping the term
FLOOR_DIVIDE = Primitive(
    "floor_divide", _floor_divide_forward, [_no_floor_divide_derivative] * 2,
    "no derivative (PyTorch raises in backward)",
)


@register("atan2", ref=np.arctan2, samples=BINARY, broadcast=True, domain="nonzero",
          numpy=(np.arctan2,), aliases=("arctan2",))
def atan2(input, other):
    """Elementwise angle of the point (other, input): atan2(y=input, x=other), in (-pi, pi]."""
    return ATAN2(input, other)


@register("hypot", ref=np.hypot, samples=BINARY, broadcast=True, domain="nonzero", numpy=(np.hypot,))
def hypot(input, other):
    """Elementwise ``sqrt(input^2 + other^2)`` without overflow."""
    return HYPOT(input, other)


@register("copysign", ref=np.copysign, samples=BINARY, broadcast=True, domain="nonzero",
          smooth=False, numpy=(np.copysign,))
def copysign(input, other):
    """|input| with the sign of `other` (sign bit, so -0.0 counts as negative); float result."""
    return COPYSIGN(input, other)


@register("fmod", ref=np.fmod, samples=[*BINARY, Sample((3, 4), Const(0.7))], broadcast=True,
          domain=(0.3, 3.0), smooth=False, numpy=(np.fmod,))
def fmod(input, other):
    """C-style remainder ``x - trunc(x / y) * y`` (sign of the dividend)."""
    return FMOD(input, other)


@register("remainder", ref=np.remainder, samples=[*BINARY, Sample((3, 4), Const(0.7))],
          broadcast=True, domain=(0.3, 3.0), smooth=False, numpy=(np.remainder, np.mod))
def remainder(input, other):
    """Python-style modulus ``x - floor(x / y) * y`` (sign of the divisor)."""
    return REMAINDER(input, other)


def _lerp_ref(start, end, weight):
    return start + weight * (end - start)


@register("lerp", ref=_lerp_ref,
          samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((3, 4), (4,), Const(0.3)),
                   Sample((2, 3), (2, 3), Const(0.8)), Sample((4,), (4,), (2, 1))])
def lerp(input, end, weight):
    """Linear interpolation ``input + weight * (end - input)``; `weight` a number or tensor."""
    return LERP(input, end, weight)


_ROUNDING_MODES = (None, "trunc", "floor")


def _div_ref(x, y, rounding_mode=None):
    q = x / y
    if rounding_mode == "trunc":
        return np.trunc(q)
    if rounding_mode == "floor":
        return np.floor(q)
    return q


@replace("div", ref=_div_ref, broadcast=True, domain=(0.5, 2.0),
         samples=[*BINARY, Sample((3, 4), (3, 4), rounding_mode="trunc"),
                  Sample((3, 1), (1, 4), rounding_mode="floor")],
         numpy=(np.true_divide, np.divide), aliases=("divide", "true_divide"))
def div(input, other, *, rounding_mode=None):
    """Elementwise ``input / other`` (broadcasting). `rounding_mode`: None (true division),
    'trunc' (round toward zero) or 'floor' (round down; Python's ``//``). The rounded forms
    keep integer dtypes and have gradient 0."""
    if rounding_mode is None:
        return arithmetic.div(input, other)
    if rounding_mode not in _ROUNDING_MODES:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    return DIV_ROUNDED(input, other, mode=rounding_mode)
