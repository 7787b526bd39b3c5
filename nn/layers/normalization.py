"""BatchNorm1d, BatchNorm2d, LayerNorm."""

from __future__ import annotations

import numpy as np

from autograd import Tensor, no_grad

from .. import init
from ..functional import _checks
from ..functional.normalization import batch_norm, layer_norm
from ..module import Module, Parameter
from . import _args

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


def add_norm_state(module: Module, num_features: int, affine: bool, bias: bool,
                   track_running_stats: bool, dtype) -> None:
    """A per-channel norm's state, as PyTorch's `_NormBase`: `weight` (ones) and `bias` (zeros)
    when affine (`bias=False` keeps only the weight), and the buffers `running_mean` (zeros),
    `running_var` (ones) and `num_batches_tracked` (0) when tracking; None entries otherwise,
    so state_dict keys match PyTorch's."""
    if affine:
        module.weight = Parameter(np.ones(num_features, dtype=dtype))
        if bias:
            module.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)
    if track_running_stats:
        module.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
        module.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
        module.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
    else:
        for buffer in ("running_mean", "running_var", "num_batches_tracked"):
            module.register_buffer(buffer, None)


class _BatchNorm(Module):
    """Shared BatchNorm machinery; subclasses say which input ranks they accept."""

    _ranks: tuple[int, ...] = ()
    _shape_text = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = _args.size(name, "num_features", num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        add_norm_state(self, self.num_features, affine, bias, track_running_stats,
                       _args.param_dtype(name, dtype))

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running stats, weight = 1 and bias = 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input(self, input) -> None:
        _checks.tensor_input(self._get_name(), input)
        if input.ndim not in self._ranks:
            raise _checks.ShapeError(
                f"{self._get_name()}({self.num_features}) expected {self._shape_text} input, "
                f"got shape {tuple(input.shape)} ({input.ndim}D)"
            )
        if input.shape[1] != self.num_features:
            raise _checks.ShapeError(
                f"{self._get_name()}({self.num_features}) expected input with {self.num_features} "
                f"channels (dim 1), got {input.shape[1]} (input shape {tuple(input.shape)})"
            )

    def forward(self, input: Tensor) -> Tensor:
        """Normalize with batch statistics (training) or running statistics (eval)."""
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                # cumulative moving average: the k-th batch gets weight 1/k
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight, self.bias, use_batch, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L), per channel C.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: running = (1 - momentum) * running + momentum * batch; None means a
            cumulative average over all batches seen.
        affine: learn per-channel weight (init 1) and bias (init 0).
        track_running_stats: keep running_mean/var for eval; if False, always use batch stats.
        bias: (keyword-only, with affine) learn the bias.
    """

    _ranks = (2, 3)
    _shape_text = "2D (N, C) or 3D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs over N, H, W, per channel C (see BatchNorm1d)."""

    _ranks = (4,)
    _shape_text = "4D (N, C, H, W)"


class LayerNorm(Module):
    """Layer normalization over the trailing `normalized_shape` dims of each sample.

    Args:
        normalized_shape: int or tuple: the trailing dims to normalize over.
        eps: added to the (biased) variance.
        elementwise_affine: learn weight (init 1) and bias (init 0) of shape `normalized_shape`.
        bias: learn the bias (when elementwise_affine).
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = _args.param_dtype("LayerNorm", dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """(*, *normalized_shape) -> same shape."""
        k = len(self.normalized_shape)
        _checks.tensor_input("LayerNorm", input)
        if input.ndim < k or tuple(input.shape[input.ndim - k:]) != self.normalized_shape:
            raise _checks.ShapeError(
                f"{self!r} expected input with trailing shape {self.normalized_shape}, got "
                f"{tuple(input.shape)}"
            )
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
