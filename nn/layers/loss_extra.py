"""KLDivLoss."""

from __future__ import annotations

from autograd import Tensor

from ..functional.loss_extra import _REDUCTIONS, _legacy_reduction, kl_div
from ..module import Module

__all__ = ["KLDivLoss"]


class KLDivLoss(Module):
    """Kullback-Leibler divergence loss, input as log-probabilities (see `F.kl_div`).

    Args:
        size_average, reduce: deprecated; override `reduction` as in PyTorch.
        reduction: "mean" (warns, as PyTorch), "batchmean", "sum" or "none".
        log_target: the target holds log-probabilities.

    Shapes: input (*), target broadcastable to it -> scalar (or (*) with "none").
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target) -> Tensor:
        """The reduced loss."""
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
