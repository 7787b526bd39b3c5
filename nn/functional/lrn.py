"""local_response_norm: AlexNet's normalization across neighbouring channels (PyTorch's formula).

    b_c = a_c / (k + alpha / size * sum_{c' = c - size//2}^{c + (size-1)//2} a_{c'}^2) ^ beta

Channels beyond the edges count as zeros and the sum is always divided by `size` (PyTorch averages
a zero-padded window), so edge channels see a smaller sum, exactly as torch.
"""

from __future__ import annotations

from autograd import Tensor, pad

__all__ = ["local_response_norm"]


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalize each channel by the squared activity of its `size` neighbours (dim 1).

    Args:
        input: (N, C, *) with at least 3 dims.
        size: number of neighbouring channels in the window.
        alpha, beta, k: the formula's scale, exponent and additive constant.
    Returns:
        A tensor of the input's shape: input / (k + alpha * mean_window(input^2)) ** beta.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
            f"dimensions); pass (N, C, L) or (N, C, H, W)"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    # NOTE: F.pad lists the last dim first; the channel dim is the last pair
    widths = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    squares = pad(input * input, widths)
    # a sum of `size` shifted slices: a loop over window offsets, not over elements
    total = squares[:, 0:channels]
    for shift in range(1, size):
        total = total + squares[:, shift:shift + channels]
    return input / (total * (alpha / size) + k) ** beta
