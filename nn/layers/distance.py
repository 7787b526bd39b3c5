"""CosineSimilarity, PairwiseDistance."""

from __future__ import annotations

from autograd import Tensor

from ..functional.distance import cosine_similarity, pairwise_distance
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along `dim` (see `F.cosine_similarity`).

    Shapes: x1, x2 broadcastable, e.g. (N, D) and (N, D) -> (N,) with dim=1.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Cosine similarity along `dim`."""
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last dim (see `F.pairwise_distance`).

    Shapes: (N, D), (N, D) -> (N,) (or (N, 1) with keepdim).
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """p-norm distance along the last dim."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
