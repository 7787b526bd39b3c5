"""Dropout, Dropout1d, Dropout2d, AlphaDropout, FeatureAlphaDropout."""

from __future__ import annotations

from autograd import Tensor

from ..functional.dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    feature_alpha_dropout,
)
from ..module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "FeatureAlphaDropout"]


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


class AlphaDropout(_DropoutNd):
    """In training, alpha dropout (see `F.alpha_dropout`): keeps the zero mean and unit variance
    of SELU activations. Identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        """Alpha dropout in training mode, identity in eval mode."""
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """In training, alpha dropout of whole channels (see `F.feature_alpha_dropout`)."""

    def forward(self, input: Tensor) -> Tensor:
        """Channel alpha dropout in training mode, identity in eval mode."""
        return feature_alpha_dropout(input, self.p, self.training)
