"""Functional activations: relu, leaky_relu, elu, selu, gelu, sigmoid, tanh, silu, softplus, ...

Activations with a kink or an overflow-prone branch are fused primitives with hand-written VJPs
(written with numpy names, so they are differentiable again under `create_graph=True`); smooth
compositions (silu, selu, logsigmoid) stay composite. `inplace=True` is accepted for PyTorch
compatibility, but the result is always a new tensor (the graph never mutates its inputs).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.polynomial.chebyshev import chebval

import autograd
from autograd import Tensor
from autograd.ops.registry import Primitive

__all__ = [
    "elu", "gelu", "hardtanh", "leaky_relu", "log_softmax", "logsigmoid", "relu", "relu6",
    "selu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]

# Chebyshev coefficients fitted (to math.erf / math.erfc, max abs error ~1e-15) for:
# erf(x) = x * P(2 x^2 - 1) on |x| <= 1, and erfc(x) = exp(-x^2) * Q(t) on [1, 3.5] and [3.5, 6].
_ERF_SMALL = (
    0.9754769393826539, -0.1422612051037137, 0.010035582187599756, -0.0005768764699767441,
    2.7419931252164547e-05, -1.1043175507456e-06, 3.848875539825672e-08,
    -1.1808582643048792e-09, 3.233420670751005e-11, -7.991130541239631e-13,
    1.7982214867788078e-14, -3.7633059406096427e-16,
)
_ERFC_MID = (
    0.25986370286984795, -0.12920703462696928, 0.030121074085342717, -0.006645903701597597,
    0.001397384749880579, -0.0002814828051708962, 5.454893881784692e-05,
    -1.0204828677938787e-05, 1.8481843848046854e-06, -3.248242577725901e-07,
    5.5514804787775616e-08, -9.242739836946045e-09, 1.5014192237852412e-09,
    -2.3829284621434e-10, 3.699646531331656e-11, -5.6250493224603885e-12, 8.384006735055714e-13,
    -1.2260171100299725e-13, 1.760999590626615e-14, -2.507487552094514e-15,
    3.5473021829212123e-16, -4.3072008629374815e-17, 1.3754111273073632e-17,
)
_ERFC_TAIL = (
    0.12011119518612726, -0.03077508367843978, 0.003865397162805725, -0.0004764955310463042,
    5.7703715281458303e-05, -6.8706380375332375e-06, 8.049536979299459e-07,
    -9.285957123005586e-08, 1.0554537580825228e-08, -1.1826607975693513e-09,
    1.3071368403900866e-10, -1.4257244092741723e-11, 1.5353234863126171e-12,
)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_dtype(x: np.ndarray):
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


def _erf_forward(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise (float64 accuracy ~1e-15; numpy has no erf)."""
    ax = np.abs(np.asarray(x, dtype=np.float64))
    out = np.ones_like(ax)  # erf(|x| >= 6) is 1 to float64 precision
    small = ax <= 1.0
    mid = (ax > 1.0) & (ax <= 3.5)
    tail = (ax > 3.5) & (ax < 6.0)
    u = ax[small]
    out[small] = u * chebval(2.0 * u * u - 1.0, _ERF_SMALL)
    m = ax[mid]
    out[mid] = 1.0 - np.exp(-m * m) * chebval((2.0 * m - 4.5) / 2.5, _ERFC_MID)
    t = ax[tail]
    out[tail] = 1.0 - np.exp(-t * t) * chebval((2.0 * t - 9.5) / 2.5, _ERFC_TAIL)
    out[np.isnan(ax)] = np.nan
    return (np.sign(x) * out).astype(_float_dtype(np.asarray(x)), copy=False)


def _erf(z):
    """erf on an ndarray (forward) or a Tensor (recorded, for double backward)."""
    return ERF(z) if isinstance(z, Tensor) else _erf_forward(z)


ERF = Primitive(
    "erf", _erf_forward, [lambda g, out, x: g * _TWO_OVER_SQRT_PI * np.exp(-x * x)],
    "d erf(x)/dx = 2 / sqrt(pi) exp(-x^2)",
)


def _gelu_forward(x):
    return (x * (0.5 * (1.0 + _erf_forward(x * _SQRT_HALF)))).astype(_float_dtype(x), copy=False)


def _gelu_vjp(g, out, x):
    cdf = 0.5 * (1.0 + _erf(x * _SQRT_HALF))
    pdf = np.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))
    return g * (cdf + x * pdf)


GELU = Primitive(
    "gelu", _gelu_forward, [_gelu_vjp],
    "gelu(x) = x Phi(x); d gelu/dx = Phi(x) + x phi(x)",
)


def _elu_forward(x, alpha):
    # NOTE: expm1 of min(x, 0) so the unused branch cannot overflow for large positive x
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


ELU = Primitive(
    "elu", _elu_forward,
    [lambda g, out, x, alpha: np.where(x > 0, g, g * (out + alpha))],
    "d elu(x)/dx = 1 if x > 0 else elu(x) + alpha",
)
LEAKY_RELU = Primitive(
    "leaky_relu",
    lambda x, negative_slope: np.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False),
    [lambda g, out, x, negative_slope: np.where(x > 0, g, g * negative_slope)],
    "d leaky_relu(x)/dx = 1 if x > 0 else negative_slope",
)
HARDTANH = Primitive(
    "hardtanh",
    lambda x, min_val, max_val: np.clip(x, min_val, max_val).astype(x.dtype, copy=False),
    [lambda g, out, x, min_val, max_val: np.where((x > min_val) & (x < max_val), g, 0)],
    "d hardtanh(x)/dx = 1 if min_val < x < max_val else 0",
)


def _softplus_forward(x, beta, threshold):
    z = x * beta
    # NOTE: logaddexp(0, z) = log(1 + e^z) without overflow; above threshold it is z itself
    return np.where(z > threshold, x, np.logaddexp(0, z) / beta).astype(x.dtype, copy=False)


def _sigmoid_any(z):
    if isinstance(z, Tensor):
        return z.sigmoid()
    return np.exp(-np.logaddexp(0, -z)).astype(z.dtype, copy=False)


SOFTPLUS = Primitive(
    "softplus", _softplus_forward,
    [lambda g, out, x, beta, threshold: np.where(x * beta > threshold, g, g * _sigmoid_any(x * beta))],
    "d softplus(x)/dx = sigmoid(beta x) (1 above the threshold)",
)


def _check_tensor(name: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise (gradient 0 at x = 0)."""
    _check_tensor("relu", input)
    return autograd.relu(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) elementwise."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    _check_tensor("leaky_relu", input)
    return LEAKY_RELU(input, negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    _check_tensor("elu", input)
    return ELU(input, alpha=float(alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with scale ~ 1.0507, alpha ~ 1.6733 (self-normalizing)."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))).

    Args:
        input: any shape.
        approximate: ``"none"`` (exact, erf) or ``"tanh"``:
            0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
    """
    _check_tensor("gelu", input)
    if approximate == "none":
        return GELU(input)
    if approximate == "tanh":
        inner = (input + 0.044715 * input * input * input) * math.sqrt(2.0 / math.pi)
        return 0.5 * input * (1.0 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), stable for large |x|."""
    _check_tensor("sigmoid", input)
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    _check_tensor("tanh", input)
    return input.tanh()


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (a.k.a. swish)."""
    _check_tensor("silu", input)
    return input * input.sigmoid()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta; the identity where beta x > threshold."""
    _check_tensor("softplus", input)
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return SOFTPLUS(input, beta=float(beta), threshold=float(threshold))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input, 1.0, math.inf)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val); gradient 1 strictly inside, 0 outside (as PyTorch)."""
    _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return HARDTANH(input, min_val=float(min_val), max_val=float(max_val))


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated (as in PyTorch). "
        "Change the call to include dim=X as an argument.",
        UserWarning, stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along `dim` (PyTorch's implicit dim if None, with a warning)."""
    _check_tensor("softmax", input)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return autograd.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim` (stable; PyTorch's implicit dim if None, with a warning)."""
    _check_tensor("log_softmax", input)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return autograd.log_softmax(input, dim, dtype=dtype)
