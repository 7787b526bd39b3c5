"""Loss modules: MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss,
CrossEntropyLoss, NLLLoss, GaussianNLLLoss. Each wraps its `nn.functional` form; arguments
after `weight` are keyword-only. Weights are registered as buffers, so `state_dict()` keys
match PyTorch's (``"weight"``, ``"pos_weight"``)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from ..functional import loss as F
from ..functional.loss import _REDUCTIONS
from ..module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "GaussianNLLLoss", "HuberLoss",
    "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss",
]


def _tensor_or_none(value):
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value))


class _Loss(Module):
    """Stores and validates `reduction`."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class `weight` buffer."""

    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _tensor_or_none(weight))


class MSELoss(_Loss):
    """Mean squared error: reduce((input - target)^2). input, target: same shape."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: reduce(|input - target|). input, target: same shape."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Huber loss: 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta)."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1: 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (logs clamped to >= -100, as PyTorch)."""

    def __init__(self, weight=None, *, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (stable); `pos_weight` weighs positives per class."""

    def __init__(self, weight=None, *, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _tensor_or_none(weight))
        self.register_buffer("pos_weight", _tensor_or_none(pos_weight))

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (N, C, ...) at class indices (N, ...)."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits (N, C, ...) against class indices or class probabilities.

    Args:
        weight: (C,) per-class weight, or None.
        ignore_index: class-index targets equal to it are skipped.
        reduction: ``'mean'`` (weighted mean over non-ignored targets), ``'sum'`` or ``'none'``.
        label_smoothing: eps in [0, 1] mixing the targets with the uniform distribution.
    """

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variance: forward(input, target, var)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target, var) -> Tensor:
        """The reduced loss."""
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
