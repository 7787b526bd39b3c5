"""Activation layers GLU, Hardshrink, Softshrink, Tanhshrink, Threshold (PyTorch's arguments
and printed forms); each calls its function in `nn.functional.shrink`."""

from __future__ import annotations

from autograd import Tensor

from ..functional import shrink as F
from ..module import Module

__all__ = ["GLU", "Hardshrink", "Softshrink", "Tanhshrink", "Threshold"]


class GLU(Module):
    """Gated linear unit over `dim`: halves a, b; ``a * sigmoid(b)`` (size along dim halves)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """`F.glu(input, self.dim)`."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0; any shape."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """`F.hardshrink(input, self.lambd)`."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x ∓ lambd outside [-lambd, lambd], 0 inside; any shape."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """`F.softshrink(input, self.lambd)`."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(Module):
    """x - tanh(x); any shape."""

    def forward(self, input: Tensor) -> Tensor:
        """`F.tanhshrink(input)`."""
        return F.tanhshrink(input)


class Threshold(Module):
    """x where x > threshold, else value; any shape."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """`F.threshold(input, self.threshold, self.value, self.inplace)`."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"
