"""Elementwise math beyond arithmetic.py: rounding, reciprocals, log2/log10/exp2, inverse trig
and hyperbolic functions, erfinv, logit.

Integer inputs give float32 (PyTorch's default float) except for the rounding ops, which keep
integers as they are. Each VJP is written with operators and numpy names, so it also runs on
Tensors (higher-order gradients).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.chebyshev import chebval

from .arithmetic import MUL
from .registry import NUMPY_DISPATCH, Primitive, Sample, register
from .special import _ERFC_MID, _ERFC_TAIL, erf_forward

UNARY = [Sample((3, 4)), Sample(()), Sample((2, 1, 3))]
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def floating(x):
    """`x` unchanged if it is a float array, else as float32 (PyTorch's default float)."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fc":
        return x
    return np.asarray(x, dtype=np.float32)


def _float_op(fn):
    return lambda x: fn(floating(x))


def _keep_integers(fn):
    # rounding an integer or bool tensor returns it unchanged (same dtype), as PyTorch
    return lambda x: fn(x) if x.dtype.kind in "fc" else x.copy()


def _zero_vjp(g, out, x, **kwargs):
    return g * 0


FLOOR = Primitive("floor", _keep_integers(np.floor), [_zero_vjp], "d floor(x)/dx = 0")
CEIL = Primitive("ceil", _keep_integers(np.ceil), [_zero_vjp], "d ceil(x)/dx = 0")
TRUNC = Primitive("trunc", _keep_integers(np.trunc), [_zero_vjp], "d trunc(x)/dx = 0")
ROUND = Primitive(
    "round", lambda x, decimals: x.copy() if x.dtype.kind not in "fc" else np.round(x, decimals),
    [_zero_vjp], "d round(x)/dx = 0",
)
FRAC = Primitive(
    "frac", lambda x: x - np.trunc(x), [lambda g, out, x: g], "d (x - trunc(x))/dx = 1",
)
RSQRT = Primitive(
    "rsqrt", _float_op(lambda x: 1 / np.sqrt(x)), [lambda g, out, x: -0.5 * g * out * out * out],
    "d x^(-1/2)/dx = -x^(-3/2) / 2",
)
RECIPROCAL = Primitive(
    "reciprocal", _float_op(lambda x: 1 / x), [lambda g, out, x: -g * out * out], "d (1/x)/dx = -1/x^2",
)
LOG2 = Primitive("log2", _float_op(np.log2), [lambda g, out, x: g / (x * _LN2)], "d log2(x)/dx = 1 / (x ln 2)")
LOG10 = Primitive(
    "log10", _float_op(np.log10), [lambda g, out, x: g / (x * _LN10)], "d log10(x)/dx = 1 / (x ln 10)",
)
EXP2 = Primitive("exp2", _float_op(np.exp2), [lambda g, out, x: g * out * _LN2], "d 2^x/dx = 2^x ln 2")
ASIN = Primitive(
    "asin", _float_op(np.arcsin), [lambda g, out, x: g / np.sqrt(1 - x * x)], "d asin(x)/dx = 1 / sqrt(1 - x^2)",
)
ACOS = Primitive(
    "acos", _float_op(np.arccos), [lambda g, out, x: -g / np.sqrt(1 - x * x)],
    "d acos(x)/dx = -1 / sqrt(1 - x^2)",
)
ATAN = Primitive("atan", _float_op(np.arctan), [lambda g, out, x: g / (1 + x * x)], "d atan(x)/dx = 1 / (1 + x^2)")
SINH = Primitive("sinh", _float_op(np.sinh), [lambda g, out, x: g * np.cosh(x)], "d sinh(x)/dx = cosh(x)")
COSH = Primitive("cosh", _float_op(np.cosh), [lambda g, out, x: g * np.sinh(x)], "d cosh(x)/dx = sinh(x)")
ASINH = Primitive(
    "asinh", _float_op(np.arcsinh), [lambda g, out, x: g / np.sqrt(x * x + 1)],
    "d asinh(x)/dx = 1 / sqrt(x^2 + 1)",
)
ACOSH = Primitive(
    "acosh", _float_op(np.arccosh), [lambda g, out, x: g / np.sqrt(x * x - 1)],
    "d acosh(x)/dx = 1 / sqrt(x^2 - 1)",
)
ATANH = Primitive(
    "atanh", _float_op(np.arctanh), [lambda g, out, x: g / (1 - x * x)], "d atanh(x)/dx = 1 / (1 - x^2)",
)

# Giles (2010), "Approximating the erfinv function": single-precision polynomials in
# w = -log(1 - x^2); float64 results are refined by a Halley step on erf.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coefficients, t):
    p = coefficients[0]
    for c in coefficients[1:]:
        p = p * t + c
    return p


def _halley_step(y, a):
    """One Halley step for erf(y) = a, with y, a >= 0. Where y > 1 the residual is taken as
    (1 - a) - erfc(y), which keeps its relative accuracy as a approaches 1."""
    r = erf_forward(y) - a
    big = y > 1
    if big.any():
        r[big] = (1 - a[big]) - _erfc_above_one(y[big])
    return y - r / (2 / math.sqrt(math.pi) * np.exp(-y * y) + y * r)


def _erfc_above_one(t):
    t = np.clip(t, 1.0, 6.0)
    mid = np.exp(-t * t) * chebval((2 * t - 4.5) / 2.5, _ERFC_MID)
    return np.where(t <= 3.5, mid, np.exp(-t * t) * chebval((2 * t - 9.5) / 2.5, _ERFC_TAIL))


def _tail_newton(y, a):
    """Newton steps on log(erfc(y)) = log(1 - a) for a near 1 (nearly linear in y^2 there,
    where the float32 polynomial can be 10% off and erf itself is flat)."""
    target = np.log1p(-a)
    for _ in range(4):
        erfc = _erfc_above_one(y)
        y = y + (np.log(erfc) - target) * erfc * (math.sqrt(math.pi) / 2) * np.exp(y * y)
    return y


def erfinv_forward(x, refine=None):
    """erfinv(x) elementwise: inf at ±1, nan outside [-1, 1]. float32 inputs take Giles'
    polynomial (float32-accurate); float64 inputs add a Halley step (or when `refine`)."""
    x = floating(x)
    z = np.asarray(x, dtype=np.float64).reshape(-1)  # (1-D: masked assignment needs arrays)
    inside = np.abs(z) < 1
    zi = np.where(inside, z, 0.0)
    w = -np.log1p(-zi * zi)
    y = _horner(_GILES_CENTRAL, w - 2.5)
    tail = w >= 5
    if tail.any():
        y[tail] = _horner(_GILES_TAIL, np.sqrt(w[tail]) - 3)
    y *= zi
    if refine if refine is not None else x.dtype.itemsize > 4:
        # one Halley step on f(y) = erf(y) - x (f' = 2/sqrt(pi) exp(-y^2), f'' = -2 y f')
        # triples the ~7 correct digits of the polynomial
        a = np.abs(zi)
        y = _halley_step(np.abs(y), a)
        if tail.any():
            y[tail] = _tail_newton(y[tail], a[tail])
        y = np.copysign(y, zi)
    y = np.where(inside, y, np.where(np.abs(z) == 1, np.copysign(np.inf, z), np.nan))
    return y.reshape(x.shape).astype(x.dtype, copy=False)


ERFINV = Primitive(
    "erfinv", erfinv_forward, [lambda g, out, x: g * (math.sqrt(math.pi) / 2) * np.exp(out * out)],
    "d erfinv(x)/dx = sqrt(pi) / 2 exp(erfinv(x)^2)",
)


def _logit_forward(x, eps):
    x = floating(x)
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _logit_vjp(g, out, x, eps):
    if eps is None:
        # outside [0, 1] the logit is undefined: nan, as PyTorch's backward
        return np.where((x < 0) | (x > 1), np.nan, g / (x * (1 - x)))
    inside = (x >= eps) & (x <= 1 - eps)
    return np.where(inside, g / (x * (1 - x)), 0)


LOGIT = Primitive(
    "logit", _logit_forward, [_logit_vjp],
    "d log(x / (1 - x))/dx = 1 / (x (1 - x)) (0 where eps clamps x)",
)


@register("floor", ref=np.floor, samples=UNARY, smooth=False, numpy=(np.floor,))
def floor(input):
    """Largest integer <= x, elementwise (integer tensors unchanged); gradient 0."""
    return FLOOR(input)


@register("ceil", ref=np.ceil, samples=UNARY, smooth=False, numpy=(np.ceil,))
def ceil(input):
    """Smallest integer >= x, elementwise (integer tensors unchanged); gradient 0."""
    return CEIL(input)


@register("trunc", ref=np.trunc, samples=UNARY, smooth=False, numpy=(np.trunc,), aliases=("fix",))
def trunc(input):
    """x rounded toward zero, elementwise (integer tensors unchanged); gradient 0."""
    return TRUNC(input)


@register("round", ref=lambda x, decimals=0: np.round(x, decimals), smooth=False,
          samples=[*UNARY, Sample((3, 4), decimals=2), Sample((5,), decimals=-1)], domain=(-30.0, 30.0))
def round(input, *, decimals=0):
    """Round half to even, elementwise; `decimals` rounds to that many decimal places
    (computed as rint(x * 10^d) / 10^d, as PyTorch). Gradient 0."""
    return ROUND(input, decimals=int(decimals))


@register("frac", ref=lambda x: x - np.trunc(x), samples=UNARY, smooth=False)
def frac(input):
    """Fractional part ``x - trunc(x)`` (keeps the sign of x); gradient 1."""
    if input.dtype.kind not in "fc":
        raise NotImplementedError(f'"frac" is not implemented for dtype {input.dtype}; convert to float first')
    return FRAC(input)


@register("rsqrt", ref=lambda x: 1 / np.sqrt(x), samples=UNARY, domain=(0.5, 3.0))
def rsqrt(input):
    """``1 / sqrt(x)`` elementwise."""
    return RSQRT(input)


@register("reciprocal", ref=np.reciprocal, samples=UNARY, domain="nonzero", numpy=(np.reciprocal,))
def reciprocal(input):
    """``1 / x`` elementwise (integers give float32)."""
    return RECIPROCAL(input)


@register("square", ref=np.square, samples=UNARY, numpy=(np.square,))
def square(input):
    """``x * x`` elementwise (integers stay integers; bool gives int64, as PyTorch)."""
    if input.dtype == np.bool_:
        input = input.to(np.int64)
    return MUL(input, input)


@register("log2", ref=np.log2, samples=UNARY, domain=(0.5, 3.0), numpy=(np.log2,))
def log2(input):
    """Base-2 logarithm, elementwise."""
    return LOG2(input)


@register("log10", ref=np.log10, samples=UNARY, domain=(0.5, 3.0), numpy=(np.log10,))
def log10(input):
    """Base-10 logarithm, elementwise."""
    return LOG10(input)


@register("exp2", ref=np.exp2, samples=UNARY, numpy=(np.exp2,))
def exp2(input):
    """``2 ** x`` elementwise."""
    return EXP2(input)


@register("asin", ref=np.arcsin, samples=UNARY, domain=(-0.9, 0.9), numpy=(np.arcsin,), aliases=("arcsin",))
def asin(input):
    """Inverse sine, elementwise (nan outside [-1, 1])."""
    return ASIN(input)


@register("acos", ref=np.arccos, samples=UNARY, domain=(-0.9, 0.9), numpy=(np.arccos,), aliases=("arccos",))
def acos(input):
    """Inverse cosine, elementwise (nan outside [-1, 1])."""
    return ACOS(input)


@register("atan", ref=np.arctan, samples=UNARY, numpy=(np.arctan,), aliases=("arctan",))
def atan(input):
    """Inverse tangent, elementwise."""
    return ATAN(input)


@register("sinh", ref=np.sinh, samples=UNARY, numpy=(np.sinh,))
def sinh(input):
    """Hyperbolic sine, elementwise."""
    return SINH(input)


@register("cosh", ref=np.cosh, samples=UNARY, numpy=(np.cosh,))
def cosh(input):
    """Hyperbolic cosine, elementwise."""
    return COSH(input)


@register("asinh", ref=np.arcsinh, samples=UNARY, numpy=(np.arcsinh,), aliases=("arcsinh",))
def asinh(input):
    """Inverse hyperbolic sine, elementwise."""
    return ASINH(input)


@register("acosh", ref=np.arccosh, samples=UNARY, domain=(1.2, 3.0), numpy=(np.arccosh,),
          aliases=("arccosh",))
def acosh(input):
    """Inverse hyperbolic cosine, elementwise (nan below 1)."""
    return ACOSH(input)


@register("atanh", ref=np.arctanh, samples=UNARY, domain=(-0.9, 0.9), numpy=(np.arctanh,),
          aliases=("arctanh",))
def atanh(input):
    """Inverse hyperbolic tangent, elementwise (±inf at ±1, nan outside)."""
    return ATANH(input)


def _erfinv_ref(x):
    # bisection on math.erf: independent of the polynomial and Newton steps above
    erf = np.vectorize(math.erf)
    lo = np.full(np.shape(x), -6.0)
    hi = np.full(np.shape(x), 6.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = erf(mid) < x
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


@register("erfinv", ref=_erfinv_ref, samples=UNARY, domain=(-0.95, 0.95))
def erfinv(input):
    """Inverse error function: erf(erfinv(x)) = x on (-1, 1); ±inf at ±1."""
    return ERFINV(input)


def _logit_ref(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


@register("logit", ref=_logit_ref, samples=[*UNARY, Sample((3, 4), eps=0.2)], domain=(0.05, 0.95))
def logit(input, eps=None):
    """``log(x / (1 - x))``; with `eps`, x is first clamped to [eps, 1 - eps] (gradient 0
    where it is clamped)."""
    return LOGIT(input, eps=None if eps is None else float(eps))


NUMPY_DISPATCH[np.round] = lambda a, decimals=0, out=None: round(a, decimals=decimals)
NUMPY_DISPATCH[np.around] = NUMPY_DISPATCH[np.round]
