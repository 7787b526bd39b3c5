"""Elementwise ops: arithmetic, powers, exponentials, trig, activations, comparisons-with-grad.

Each primitive's VJPs use operators and numpy names only, so they run on ndarrays and on Tensors.
"""

from __future__ import annotations

import numpy as np

from ..promotion import checked_int, result_type
from .fpwarnings import at_callers_line
from .registry import Const, Primitive, Sample, Tensor, register

BINARY = [Sample((3, 4), (3, 4)), Sample((2, 3, 4), (4,)), Sample((3, 1), (1, 4)), Sample((), (3,))]
UNARY = [Sample((3, 4)), Sample(()), Sample((2, 1, 3))]


def _pow_base_vjp(g, out, x, y):
    # 0 where the exponent is 0 (x ** 0 is constant, also at x = 0), as PyTorch
    with np.errstate(invalid="ignore", divide="ignore"):
        return g * np.where(y == 0, 0, y * x ** (y - 1))


def _pow_exponent_vjp(g, out, x, y):
    # d x^y / dy = x^y log x: nan for x < 0 and 0 where x == 0 and y >= 0 (PyTorch's masks)
    with np.errstate(invalid="ignore", divide="ignore"):
        return g * np.where((x == 0) & (y >= 0), 0, out * np.log(x))


def _pow_forward(x, y):
    """``x ** y`` as PyTorch: an integer tensor to a negative Python int raises; to a negative
    integer tensor gives x ** y rounded toward zero elementwise (1 for x = 1, +-1 for x = -1,
    else 0, also at x = 0), where numpy raises ValueError for both."""
    if type(y) is int:
        if y < 0 and type(x) is np.ndarray and x.dtype.kind in "biu":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    elif type(y) is np.ndarray and y.dtype.kind == "i" and y.size and y.min() < 0:
        negative = y < 0
        out = np.power(x, np.where(negative, 0, y))
        base = np.asarray(x)
        toward_zero = np.where(base == 1, 1, np.where(base == -1, 1 - 2 * (y & 1), 0))
        return np.where(negative, toward_zero, out).astype(out.dtype, copy=False)
    return np.power(x, y)


def _stable_sigmoid(x):
    # NOTE: 1 / (1 + exp(-x)) as PyTorch computes it, in place: where exp(-x) overflows to inf
    # the result is its limit 0 (the warning is expected). Relative error ~1 ulp everywhere,
    # unlike 0.5 (1 + tanh(x / 2)), which cancels to 0 below x ~ -17 in float32; the
    # logaddexp form it replaces cost 25x more (534 vs 28 us on 32x1024 float32).
    if x.dtype == np.float16:  # exp(-x) would overflow float16 already at x = -11.1
        return _stable_sigmoid(x.astype(np.float32)).astype(np.float16)
    e = np.negative(x, out=np.empty(x.shape, x.dtype if x.dtype.kind == "f" else np.float32))
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)


ADD = Primitive(
    "add", np.add, [lambda g, out, x, y: g, lambda g, out, x, y: g],
    "d(x + y)/dx = 1, d(x + y)/dy = 1", promote="binary",
)
SUB = Primitive(
    "sub", np.subtract, [lambda g, out, x, y: g, lambda g, out, x, y: -g],
    "d(x - y)/dx = 1, d(x - y)/dy = -1", promote="binary",
)
MUL = Primitive(
    "mul", np.multiply, [lambda g, out, x, y: g * y, lambda g, out, x, y: g * x],
    "d(x * y)/dx = y, d(x * y)/dy = x", promote="binary",
)
DIV = Primitive(
    "div", np.true_divide,
    # (d/dy from x and y, not the output: PyTorch saves no output here, so an in-place change
    # of the quotient is no error; -g (x / y) / y, as PyTorch, since y * y over- or underflows
    # in float16 where y does not)
    [lambda g, out, x, y: g / y, lambda g, out, x, y: -g * (x / y) / y],
    "d(x / y)/dx = 1 / y, d(x / y)/dy = -x / y^2", promote="true_div",
)
POW = Primitive(
    "pow", _pow_forward, [_pow_base_vjp, _pow_exponent_vjp],
    "d(x^y)/dx = y x^(y-1) (0 where y = 0), d(x^y)/dy = x^y log(x) (0 where x = 0 and y >= 0)",
    promote="binary",
)
NEG = Primitive("neg", np.negative, [lambda g, out, x: -g], "d(-x)/dx = -1")
ABS = Primitive("abs", np.abs, [lambda g, out, x: g * np.sign(x)], "d|x|/dx = sign(x)")
SIGN = Primitive("sign", np.sign, [lambda g, out, x: g * 0], "d sign(x)/dx = 0")
EXP = Primitive("exp", np.exp, [lambda g, out, x: g * out], "d exp(x)/dx = exp(x)", promote="float")
LOG = Primitive("log", at_callers_line(np.log), [lambda g, out, x: g / x], "d log(x)/dx = 1 / x", promote="float")
LOG1P = Primitive(
    "log1p", np.log1p, [lambda g, out, x: g / (1 + x)], "d log(1 + x)/dx = 1 / (1 + x)", promote="float",
)
SQRT = Primitive(
    "sqrt", np.sqrt, [lambda g, out, x: g / (2 * out)], "d sqrt(x)/dx = 1 / (2 sqrt(x))", promote="float",
)
SIN = Primitive("sin", np.sin, [lambda g, out, x: g * np.cos(x)], "d sin(x)/dx = cos(x)", promote="float")
COS = Primitive("cos", np.cos, [lambda g, out, x: -g * np.sin(x)], "d cos(x)/dx = -sin(x)", promote="float")
TAN = Primitive(
    "tan", np.tan, [lambda g, out, x: g * (1 + out * out)], "d tan(x)/dx = 1 + tan(x)^2", promote="float",
)
TANH = Primitive(
    "tanh", np.tanh, [lambda g, out, x: g * (1 - out * out)], "d tanh(x)/dx = 1 - tanh(x)^2",
    promote="float",
)
SIGMOID = Primitive(
    "sigmoid", _stable_sigmoid, [lambda g, out, x: g * out * (1 - out)],
    "d sigmoid(x)/dx = sigmoid(x) (1 - sigmoid(x))", promote="float",
)
RELU = Primitive(
    "relu", lambda x: np.maximum(x, 0),  # (a Python 0 keeps the array's dtype)
    # NOTE: the mask from the output (out > 0 exactly where x > 0): in a network the next
    # layer's backward has just read it, while the input was last touched in the forward
    [lambda g, out, x: g * (out > 0)], "d relu(x)/dx = 1 if x > 0 else 0",
)
def _clamp_forward(x, lo, hi):
    dt = x.dtype
    if dt.kind not in "fc":
        # an integer tensor clamped to a float bound gives float32, as PyTorch's promotion
        dt = result_type(x, *(b for b in (lo, hi) if b is not None))
        x = x.astype(dt, copy=False)
    return np.clip(x, lo, hi).astype(dt, copy=False)


CLAMP = Primitive(
    "clamp", _clamp_forward,
    [lambda g, out, x, lo, hi: g * _inside(x, lo, hi)],
    "d clamp(x, lo, hi)/dx = 1 if lo <= x <= hi else 0",
)
CLAMP_TENSOR = Primitive(
    "clamp_tensor", lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi) if hi is not None and lo is not None
    else (np.maximum(x, lo) if lo is not None else np.minimum(x, hi)),
    [
        lambda g, out, x, lo, hi: g * _inside(x, lo, hi),
        lambda g, out, x, lo, hi: g * (x < lo),
        lambda g, out, x, lo, hi: g * (x > hi),
    ],
    "d clamp(x, lo, hi)/dx = 1 if lo <= x <= hi (ties included), d/dlo = 1 if x < lo, "
    "d/dhi = 1 if x > hi (PyTorch's clamp with tensor bounds)",
    promote="binary",
)
MAXIMUM = Primitive(
    "maximum", np.maximum,
    [
        # (written as PyTorch's formula: 0 only where the other side wins, so both sides of a
        # comparison with nan get the gradient)
        lambda g, out, x, y: np.where(x < y, 0, np.where(x == y, g * 0.5, g)),
        lambda g, out, x, y: np.where(y < x, 0, np.where(x == y, g * 0.5, g)),
    ],
    "d max(x, y)/dx = 1 unless x < y (1/2 at ties)", promote="binary",
)
MINIMUM = Primitive(
    "minimum", np.minimum,
    [
        lambda g, out, x, y: np.where(x > y, 0, np.where(x == y, g * 0.5, g)),
        lambda g, out, x, y: np.where(y > x, 0, np.where(x == y, g * 0.5, g)),
    ],
    "d min(x, y)/dx = 1 unless x > y (1/2 at ties)", promote="binary",
)
WHERE = Primitive(
    "where", np.where,
    [None, lambda g, out, c, x, y: np.where(c, g, 0), lambda g, out, c, x, y: np.where(c, 0, g)],
    "d where(c, x, y)/dx = 1 where c, d/dy = 1 where not c", promote="where",
)


def _scaled(other, alpha):
    """``alpha * other``, keeping a Python scalar a Python scalar (so float32 stays float32)."""
    if alpha == 1:
        return other
    if hasattr(other, "grad_fn"):
        return MUL(other, alpha)
    return other * alpha


def _inside(x, lo, hi):
    mask = True
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        mask = (x <= hi) & mask if lo is not None else x <= hi
    return mask


@register("add", ref=lambda x, y, alpha=1: x + alpha * y, samples=[*BINARY, Sample((3,), (3,), alpha=2.0)],
          broadcast=True, numpy=(np.add,))
def add(input, other, *, alpha=1):
    """Elementwise ``input + alpha * other`` (broadcasting)."""
    return ADD(input, _scaled(other, alpha))


@register("sub", ref=lambda x, y, alpha=1: x - alpha * y, samples=BINARY, broadcast=True,
          numpy=(np.subtract,), aliases=("subtract",))
def sub(input, other, *, alpha=1):
    """Elementwise ``input - alpha * other`` (broadcasting)."""
    return SUB(input, _scaled(other, alpha))


@register("mul", ref=np.multiply, samples=BINARY, broadcast=True, numpy=(np.multiply,),
          aliases=("multiply",))
def mul(input, other):
    """Elementwise product (broadcasting)."""
    return MUL(input, other)


@register("div", ref=np.true_divide, samples=BINARY, broadcast=True, domain=(0.5, 2.0),
          numpy=(np.true_divide, np.divide), aliases=("divide", "true_divide"))
def div(input, other):
    """Elementwise quotient ``input / other`` (broadcasting)."""
    return DIV(input, other)


@register("pow", ref=np.power, samples=[*BINARY, Sample((3, 4), Const(2.0)), Sample((3, 4), Const(0.5))], broadcast=True,
          domain=(0.5, 2.0), numpy=(np.power,))
def pow(input, exponent):
    """Elementwise ``input ** exponent`` (broadcasting)."""
    return POW(input, exponent)


@register("neg", ref=np.negative, samples=UNARY, numpy=(np.negative,), aliases=("negative",))
def neg(input):
    """Elementwise ``-input``."""
    return NEG(input)


@register("abs", ref=np.abs, samples=UNARY, domain="nonzero", smooth=False,
          numpy=(np.absolute,), aliases=("absolute",))
def abs(input):
    """Elementwise ``|input|``; gradient sign(x) (0 at 0)."""
    return ABS(input)


@register("sign", ref=np.sign, samples=UNARY, domain="nonzero", numpy=(np.sign,))
def sign(input):
    """Elementwise sign (-1, 0, 1); its gradient is zero."""
    return SIGN(input)


@register("exp", ref=np.exp, samples=UNARY, numpy=(np.exp,))
def exp(input):
    """Elementwise ``e ** input``."""
    return EXP(input)


@register("log", ref=np.log, samples=UNARY, domain=(0.5, 3.0), numpy=(np.log,))
def log(input):
    """Elementwise natural logarithm."""
    return LOG(input)


@register("log1p", ref=np.log1p, samples=UNARY, domain=(-0.5, 2.0), numpy=(np.log1p,))
def log1p(input):
    """Elementwise ``log(1 + input)``, accurate for small inputs."""
    return LOG1P(input)


@register("sqrt", ref=np.sqrt, samples=UNARY, domain=(0.5, 3.0), numpy=(np.sqrt,))
def sqrt(input):
    """Elementwise square root."""
    return SQRT(input)


@register("sin", ref=np.sin, samples=UNARY, numpy=(np.sin,))
def sin(input):
    """Elementwise sine."""
    return SIN(input)


@register("cos", ref=np.cos, samples=UNARY, numpy=(np.cos,))
def cos(input):
    """Elementwise cosine."""
    return COS(input)


@register("tan", ref=np.tan, samples=UNARY, domain=(-1.0, 1.0), numpy=(np.tan,))
def tan(input):
    """Elementwise tangent."""
    return TAN(input)


@register("tanh", ref=np.tanh, samples=UNARY, numpy=(np.tanh,))
def tanh(input):
    """Elementwise hyperbolic tangent."""
    return TANH(input)


@register("sigmoid", ref=lambda x: 1 / (1 + np.exp(-x)), samples=UNARY, domain=(-4.0, 4.0))
def sigmoid(input):
    """Elementwise logistic function ``1 / (1 + exp(-x))``, stable for large |x|."""
    return SIGMOID(input)


@register("relu", ref=lambda x: np.where(x > 0, x, 0), samples=UNARY, domain="nonzero", smooth=False)
def relu(input):
    """Elementwise ``max(x, 0)``."""
    return RELU(input)


@register("clamp", ref=lambda x, min=None, max=None: np.clip(x, min, max), domain="nonzero",
          samples=[Sample((3, 4), min=-0.5, max=0.7), Sample((5,), min=0.1), Sample((5,), max=0.1)],
          smooth=False, aliases=("clip",), numpy=(np.clip,))
def clamp(input, min=None, max=None):
    """Clamp elementwise into ``[min, max]`` (either bound may be None; bounds may be tensors)."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return CLAMP_TENSOR(input, min, max)
    dtype = getattr(input, "dtype", None)
    if dtype is not None:  # (an int bound is checked against an integer input's dtype, as PyTorch)
        min, max = checked_int(min, dtype), checked_int(max, dtype)
    return CLAMP(input, min, max)


@register("maximum", ref=np.maximum, samples=BINARY, broadcast=True, smooth=False,
          numpy=(np.maximum,))
def maximum(input, other):
    """Elementwise maximum of two tensors (gradient split evenly at ties)."""
    return MAXIMUM(input, other)


@register("minimum", ref=np.minimum, samples=BINARY, broadcast=True, smooth=False,
          numpy=(np.minimum,))
def minimum(input, other):
    """Elementwise minimum of two tensors (gradient split evenly at ties)."""
    return MINIMUM(input, other)


def _where_samples():
    mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
    return [Sample(Const(mask), (3, 4), (3, 4)), Sample(Const(mask), (4,), (3, 1))]


@register("where", ref=np.where, samples=_where_samples(), method=False, numpy=(np.where,))
def where(condition, input=None, other=None):
    """Elementwise ``input if condition else other`` (broadcasting all three); with `condition`
    alone, as PyTorch, the tuple of its nonzero indices (``nonzero(condition, as_tuple=True)``)."""
    if input is None and other is None:
        from .gathering import nonzero  # (here: gathering imports this module, via indexing)

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes (condition) or (condition, input, other); got "
                        f"input={type(input).__name__} and other={type(other).__name__}")
    return WHERE(condition, input, other)
