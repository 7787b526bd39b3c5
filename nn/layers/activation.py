"""Activation layers: ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, ...

Each layer calls its functional form in `nn.functional.activation`, passing `inplace`: with
`inplace=True` the layer writes its result into its input, as PyTorch's.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from ..functional import activation as F
from ..module import Module, Parameter
from . import _args

__all__ = [
    "ELU", "GELU", "SELU", "Hardtanh", "LeakyReLU", "LogSigmoid", "LogSoftmax", "ReLU", "ReLU6",
    "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh",
]


def _inplace_repr(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0) elementwise; any shape."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise ReLU."""
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU6(Module):
    """min(max(x, 0), 6) elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise ReLU6."""
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise leaky ReLU."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_repr(self.inplace)}"


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise ELU."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_repr(self.inplace)}"


class SELU(Module):
    """scale * elu(x, alpha) with PyTorch's self-normalizing constants."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise SELU."""
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """x * Phi(x) (exact, erf) or its tanh approximation (``approximate="tanh"``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise GELU."""
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise sigmoid."""
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise tanh."""
        return F.tanh(input)


class SiLU(Module):
    """x * sigmoid(x) elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise SiLU."""
        return F.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise softplus."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """log(sigmoid(x)) elementwise, stable."""

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise log-sigmoid."""
        return F.logsigmoid(input)


class Hardtanh(Module):
    """clamp(x, min_val, max_val) elementwise."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise hardtanh."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_repr(self.inplace)}"


class Softmax(Module):
    """Softmax along `dim`: exp(x - max) / sum(exp(x - max))."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Softmax of `input` along `dim`."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along `dim`: x - logsumexp(x)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Log-softmax of `input` along `dim`."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# ---------------------------------------------------------------- more activations (PyTorch's nn)
__all__ += ["CELU", "Hardsigmoid", "Hardswish", "Mish", "PReLU", "Softmin", "Softsign"]


class _Inplace(Module):
    """An elementwise activation with PyTorch's `inplace` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6 elementwise."""

    def extra_repr(self) -> str:
        return ""  # PyTorch does not print `inplace` for this layer

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise hardswish."""
        return F.hardswish(input, self.inplace)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6 elementwise."""

    def extra_repr(self) -> str:
        return ""  # PyTorch does not print `inplace` for this layer

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise hardsigmoid."""
        return F.hardsigmoid(input, self.inplace)


class Mish(_Inplace):
    """x * tanh(softplus(x)) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise mish."""
        return F.mish(input, self.inplace)


class Softsign(Module):
    """x / (1 + |x|) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise softsign."""
        return F.softsign(input)


class CELU(Module):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) elementwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise CELU."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_repr(self.inplace)}"


class PReLU(Module):
    """x if x > 0 else a * x, with a learnable slope `a` per channel (dim 1) or shared.

    Args:
        num_parameters: 1 (one slope for all channels) or the number of channels C.
        init: initial slope (default 0.25).
        device: accepted for PyTorch compatibility; dtype: the weight's dtype (float32 default).

    Shapes: (N, C, *) or any shape with num_parameters=1 -> the same shape; weight (num_parameters,).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters = _args.size("PReLU", "num_parameters", num_parameters)
        self.init = init
        dtype = _args.param_dtype("PReLU", dtype)
        self.weight = Parameter(np.full((num_parameters,), init, dtype=dtype))

    def reset_parameters(self) -> None:
        """Every slope back to `init`."""
        self.weight._data[...] = self.init

    def forward(self, input: Tensor) -> Tensor:
        """Elementwise PReLU."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmin(Module):
    """Softmin along `dim`: softmax(-x)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Softmin of `input` along `dim`."""
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
