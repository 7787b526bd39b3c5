"""Dropout, Dropout1d, Dropout2d."""

from __future__ import annotations

from autograd import Tensor

from ..functional.dropout import dropout, dropout1d, dropout2d
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability `p` and scale the rest by 1 / (1 - p).

    In eval mode it is the identity. Any input shape.
    """

    def forward(self, input: Tensor) -> Tensor:
        """Dropout in training mode, identity in eval mode."""
        return dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of (N, C, H, W) inputs with probability `p` (scaled)."""

    def forward(self, input: Tensor) -> Tensor:
        """Channel dropout in training mode, identity in eval mode."""
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels of (N, C, L) or (C, L) inputs with probability `p` (scaled)."""

    def forward(self, input: Tensor) -> Tensor:
        """Channel dropout in training mode, identity in eval mode."""
        return dropout1d(input, self.p, self.training, self.inplace)
