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

import autograd
from autograd import Tensor
from autograd.ops.registry import Primitive
from autograd.ops.special import ERF, erf_forward

from . import _checks

__all__ = [
    "elu", "gelu", "hardtanh", "leaky_relu", "log_softmax", "logsigmoid", "relu", "relu6",
    "selu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_dtype(x: np.ndarray):
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


def _erf(z):
    """erf on an ndarray (forward) or a Tensor (recorded, for double backward)."""
    return ERF(z) if isinstance(z, Tensor) else erf_forward(z)


def _gelu_forward(x):
    return (x * (0.5 * (1.0 + erf_forward(x * _SQRT_HALF)))).astype(_float_dtype(x), copy=False)


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
        _checks.tensor_input(name, input)


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
