"""InstanceNorm1d / 2d / 3d: `F.instance_norm` with PyTorch's arguments (affine off and no
running statistics by default; `bias=False` keeps only the scale), buffers, state_dict keys and
unbatched inputs."""

from __future__ import annotations

import warnings

import numpy as np

from autograd import Tensor

from ..functional.instance_norm import instance_norm
from ..module import Module
from .normalization import add_norm_state

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(Module):
    spatial: int = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.use_bias = bias
        self.track_running_stats = track_running_stats
        add_norm_state(self, num_features, affine, bias, track_running_stats,
                       np.dtype(dtype or np.float32))

    def forward(self, input: Tensor) -> Tensor:
        """Normalize (N, C, *spatial) or unbatched (C, *spatial) input."""
        name = type(self).__name__
        if input.ndim not in (self.spatial + 1, self.spatial + 2):
            raise ValueError(f"{name}: expected {self.spatial + 1}D or {self.spatial + 2}D input "
                             f"(got {input.ndim}D input)")
        feature_dim = input.ndim - self.spatial - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence "
                "this warning by not passing in num_features, which is not used because "
                "affine=False", stacklevel=2,
            )
        unbatched = input.ndim == self.spatial + 1
        x = input.unsqueeze(0) if unbatched else input
        use_input_stats = self.training or not self.track_running_stats
        # as PyTorch: num_batches_tracked stays 0 and momentum=None freezes the running stats
        momentum = self.momentum if self.momentum is not None else 0.0
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input_stats, momentum, self.eps)
        return out.squeeze(0) if unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) input over L, per sample and channel."""

    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) input over H·W, per sample and channel."""

    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or (C, D, H, W) input over D·H·W, per sample and channel."""

    spatial = 3
