"""LocalResponseNorm: AlexNet's cross-channel normalization (see nn.functional.lrn)."""

from __future__ import annotations

from autograd import Tensor

from ..functional.lrn import local_response_norm
from ..module import Module

__all__ = ["LocalResponseNorm"]


class LocalResponseNorm(Module):
    """b_c = a_c / (k + alpha / size * sum over `size` neighbouring channels of a^2) ^ beta.

    Args:
        size: channels in the window (AlexNet: 5).
        alpha, beta, k: PyTorch's defaults 1e-4, 0.75, 1.0 (AlexNet's paper: 1e-4 * size, 0.75, 2).

    Shapes: (N, C, *) -> same shape; no parameters.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """The normalized input, same shape."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
