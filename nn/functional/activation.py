"""Functional activations: relu, leaky_relu, elu, selu, gelu, sigmoid, tanh, silu, softplus, ...

Activations with a kink or an overflow-prone branch are fused primitives with hand-written VJPs
(written with numpy names, so they are differentiable again under `create_graph=True`); smooth
compositions (silu, selu, logsigmoid) stay composite. `inplace=True` writes the result into the
input, as PyTorch (relu through relu_, the others through autograd.inplace.apply_inplace).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import autograd
from autograd import Tensor
from autograd.inplace import apply_inplace
from autograd.ops.arithmetic import RELU
from autograd.ops.registry import Primitive

from . import _checks
from .gelu import GELU, gelu_cdf

__all__ = [
    "elu", "gelu", "hardtanh", "leaky_relu", "log_softmax", "logsigmoid", "relu", "relu6",
    "selu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


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


def _result(input: Tensor, fn, inplace: bool, name: str) -> Tensor:
    """`fn(input)`, or with `inplace` that value written into `input` as a recorded in-place op
    (as PyTorch's: the caller's tensor changes; its history continues from `fn`)."""
    return apply_inplace(input, name + "_", fn) if inplace else fn(input)


def _check_tensor(name: str, input) -> None:
    if not isinstance(input, Tensor):
        _checks.tensor_input(name, input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise (gradient 0 at x = 0)."""
    _check_tensor("relu", input)
    return input.relu_() if inplace else RELU(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) elementwise."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    _check_tensor("leaky_relu", input)
    return _result(input, lambda x: LEAKY_RELU(x, negative_slope=float(negative_slope)), inplace,
                   "leaky_relu")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    _check_tensor("elu", input)
    return _result(input, lambda x: ELU(x, alpha=float(alpha)), inplace, "elu")


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with scale ~ 1.0507, alpha ~ 1.6733 (self-normalizing)."""
    return _result(input, lambda x: elu(x, _SELU_ALPHA) * _SELU_SCALE, inplace, "selu")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))).

    Args:
        input: any shape.
        approximate: ``"none"`` (exact, erf) or ``"tanh"``:
            0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
    """
    _check_tensor("gelu", input)
    if approximate == "none":
        return GELU(input, cdf=gelu_cdf(input._data))
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
    return _result(input, lambda x: x * x.sigmoid(), inplace, "silu")


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
    return _result(input, lambda x: HARDTANH(x, min_val=float(min_val), max_val=float(max_val)),
                   inplace, "hardtanh")


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


# ---------------------------------------------------------------- more activations (PyTorch's F)
__all__ += ["celu", "hardsigmoid", "hardswish", "mish", "prelu", "softmin", "softsign"]


def _hardswish_forward(x):
    # NOTE: PyTorch's order of operations: x * clamp(x + 3, 0, 6) / 6
    return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)


HARDSWISH = Primitive(
    "hardswish", _hardswish_forward,
    [lambda g, out, x: np.where(x <= -3, 0, np.where(x < 3, g * (x / 3 + 0.5), g))],
    "d hardswish(x)/dx = 0 if x <= -3, x/3 + 1/2 if -3 < x < 3, else 1 (PyTorch's ends)",
)
# NOTE: PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32, in every dtype
_ONE_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))
HARDSIGMOID = Primitive(
    "hardsigmoid", lambda x: (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False),
    [lambda g, out, x: np.where((x > -3) & (x < 3), g * _ONE_SIXTH_F32, 0)],
    "d hardsigmoid(x)/dx = 1/6 strictly inside (-3, 3), else 0",
)


def _celu_forward(x, alpha, inv_alpha, inv_alpha_grad):
    # NOTE: as PyTorch (elu with input_scale 1/alpha): x * (1/alpha), not x / alpha
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0) * inv_alpha) * alpha).astype(x.dtype, copy=False)


CELU = Primitive(
    "celu", _celu_forward,
    [lambda g, out, x, alpha, inv_alpha, inv_alpha_grad:
        np.where(x > 0, g, g * inv_alpha_grad * alpha * np.exp(x * inv_alpha_grad))],
    "d celu(x)/dx = 1 if x > 0 else exp(x / alpha)",
)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6; gradient x/3 + 1/2 on [-3, 3], 0 below, 1 above (as PyTorch)."""
    _check_tensor("hardswish", input)
    return _result(input, HARDSWISH, inplace, "hardswish")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), else 0."""
    _check_tensor("hardsigmoid", input)
    return _result(input, HARDSIGMOID, inplace, "hardsigmoid")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (softplus with beta 1, threshold 20, as PyTorch)."""
    _check_tensor("mish", input)
    return _result(input, lambda x: x * softplus(x).tanh(), inplace, "mish")


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    _check_tensor("softsign", input)
    return input / (input.abs() + 1)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must be non-zero."""
    _check_tensor("celu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    # NOTE: PyTorch's forward scales by 1/alpha, its backward by 1/float32(alpha), and both cast
    # the scalars to the input's type; the same roundings give the same values
    inv = 1.0 / float(alpha)
    inv_grad = 1.0 / float(np.float32(alpha))
    if input.dtype == np.float32:
        inv, inv_grad = float(np.float32(inv)), float(np.float32(inv_grad))
    def fn(x):
        return CELU(x, alpha=float(alpha), inv_alpha=inv, inv_alpha_grad=inv_grad)
    return _result(input, fn, inplace, "celu")


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or one shared weight.

    Args:
        input: (N, C, *) or any shape when `weight` has one element (dims < 2 have one channel).
        weight: (C,) or (1,), learnable.
    """
    _check_tensor("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-D or 1-D, got shape {tuple(weight.shape)}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
            f"and channel size = {channels}."
        )
    w = weight.reshape(n, *([1] * (input.ndim - 2))) if input.ndim >= 2 and n > 1 else weight.reshape(())
    return autograd.where(input > 0, input, w * input)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along `dim` (PyTorch's implicit dim if None, with a warning)."""
    _check_tensor("softmin", input)
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    x = input if dtype is None else input.to(dtype)
    return autograd.softmax(-x, dim)
