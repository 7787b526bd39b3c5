"""Weight initialization: uniform_, normal_, constant_, xavier_*, kaiming_*, lecun_*, calculate_gain.

Every function fills its tensor in place under `no_grad()` (so it works on parameters), draws
from `autograd.random.default_generator()` unless a `generator=` (a numpy Generator) is given,
and returns the tensor. Formulas and defaults are PyTorch's (`torch.nn.init`).
"""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor, no_grad
from autograd.random import default_generator

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "normal_",
    "ones_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_LIKE = (
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid",
)


def _check_tensor(fn: str, tensor) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{fn}: expected a Tensor, got {type(tensor).__name__}")


def _rng(generator) -> np.random.Generator:
    return generator if generator is not None else default_generator()


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity (PyTorch's table).

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2)) with
    slope `param` (default 0.01); selu: 3/4.

    Args:
        nonlinearity: the function's name, e.g. ``"relu"``.
        param: the negative slope for ``"leaky_relu"``.
    Returns:
        The gain as a float.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{[*_LINEAR_LIKE, 'tanh', 'relu', 'leaky_relu', 'selu']}"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (shape[1] * receptive, shape[0] * receptive), receptive = prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from U(a, b)."""
    _check_tensor("uniform_", tensor)
    if not a <= b:
        raise ValueError(f"nn.init.uniform_: expected a <= b, got a={a}, b={b}")
    with no_grad():
        return tensor.uniform_(a, b, generator=_rng(generator))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    _check_tensor("normal_", tensor)
    if std < 0:
        raise ValueError(f"nn.init.normal_: std must be non-negative, got {std}")
    with no_grad():
        return tensor.normal_(mean, std, generator=_rng(generator))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2) samples conditioned on lying in [a, b] (a, b absolute bounds)."""
    _check_tensor("trunc_normal_", tensor)
    if not a < b or std <= 0:
        raise ValueError(f"nn.init.trunc_normal_: need a < b and std > 0, got a={a}, b={b}, std={std}")
    phi = lambda x: 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2))))
    mass = phi(b) - phi(a)
    if mass < 1e-3:
        raise ValueError(
            f"nn.init.trunc_normal_: [a, b] = [{a}, {b}] holds only {mass:.2e} of N({mean}, {std}^2); "
            "choose bounds closer to the mean"
        )
    rng = _rng(generator)
    out = np.empty(tensor.shape)
    todo = np.ones(tensor.shape, dtype=bool)
    # NOTE: rejection sampling redraws only the rejected entries; with mass >= 1e-3 the expected
    # number of rounds is small and each round is one vectorized draw
    while todo.any():
        draw = rng.normal(mean, std, int(todo.sum()))
        out[todo] = draw
        todo[todo] = (draw < a) | (draw > b)
    with no_grad():
        return tensor.copy_(out)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value `val`."""
    _check_tensor("constant_", tensor)
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere)."""
    _check_tensor("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    with no_grad():
        return tensor.copy_(np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    _check_tensor("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check_tensor("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    Args:
        tensor: the tensor to fill (at least 2-D; conv weights count the receptive field).
        a: negative slope of the leaky ReLU that follows (0 means ReLU).
        mode: ``"fan_in"`` (preserves forward variance) or ``"fan_out"`` (backward).
        nonlinearity: name for `calculate_gain`; ``"relu"`` or ``"leaky_relu"`` recommended.
        generator: a numpy Generator (default: the global one).
    Returns:
        `tensor`, filled in place.
    """
    _check_tensor("kaiming_uniform_", tensor)
    fan = _fan(tensor, mode)
    if tensor.numel() == 0:
        return tensor
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    _check_tensor("kaiming_normal_", tensor)
    fan = _fan(tensor, mode)
    if tensor.numel() == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def lecun_uniform_(tensor: Tensor, generator=None) -> Tensor:
    """LeCun uniform: U(-b, b) with b = sqrt(3 / fan_in) (so the variance is 1 / fan_in)."""
    _check_tensor("lecun_uniform_", tensor)
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    bound = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, generator)


def lecun_normal_(tensor: Tensor, generator=None) -> Tensor:
    """LeCun normal: N(0, 1 / fan_in) (the Keras / SELU convention, not truncated)."""
    _check_tensor("lecun_normal_", tensor)
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


# isort: split
from .init_extra import dirac_, orthogonal_, sparse_  # noqa: E402  (they use the helpers above)

__all__ += ["dirac_", "orthogonal_", "sparse_"]
