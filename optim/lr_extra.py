"""Three more of PyTorch's schedules: `ConstantLR`, `MultiplicativeLR`, `PolynomialLR`.

Each has PyTorch's chainable `get_lr()` (the next lr from each group's current one, so schedules
on one optimizer compose) and, where PyTorch has one, its closed form for `step(epoch)` and
`SequentialLR`.
"""

from __future__ import annotations

from .lr_base import LRScheduler, check_positive_int, check_real
from .lr_scheduler import LambdaLR
from .optimizer import Optimizer

__all__ = ["ConstantLR", "MultiplicativeLR", "PolynomialLR"]


class ConstantLR(LRScheduler):
    """lr = base_lr · factor for epochs < total_iters, then base_lr.

    Args:
        optimizer: the wrapped optimizer.
        factor: the multiplier, in [0, 1] (default 1/3).
        total_iters: the number of epochs it lasts (default 5).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        check_real("ConstantLR", "factor", factor)
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """× factor at epoch 0, ÷ factor at epoch total_iters, unchanged otherwise."""
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · (factor + (1 - factor)·[epoch >= total_iters])."""
        done = self.last_epoch >= self.total_iters
        return [base * (self.factor + done * (1 - self.factor)) for base in self.base_lrs]


class MultiplicativeLR(LambdaLR):
    """lr_t = lr_{t-1} · lr_lambda(t) for t >= 1 (the factor multiplies the current lr).

    Args:
        optimizer: the wrapped optimizer.
        lr_lambda: a function of the epoch (int) giving the factor, or a list of them, one per
            param group.
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def get_lr(self) -> list[float]:
        """Each group's current lr times its lambda at `last_epoch` (unchanged at epoch 0)."""
        if self.last_epoch > 0 and not self._is_initial:
            return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current_lrs())]
        return self._current_lrs()


class PolynomialLR(LRScheduler):
    """lr = base_lr · (1 - min(epoch, total_iters) / total_iters) ** power.

    Args:
        optimizer: the wrapped optimizer.
        total_iters: the number of epochs of the decay (default 5).
        power: the polynomial's power (default 1.0: linear).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        check_positive_int("PolynomialLR", "total_iters", total_iters)
        check_real("PolynomialLR", "power", power)
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's lr times the ratio of consecutive decay factors."""
        t, n = self.last_epoch, self.total_iters
        if self._is_initial or t == 0 or t > n:
            return self._current_lrs()
        ratio = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · (1 - min(total_iters, epoch) / total_iters) ** power."""
        factor = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * factor for base in self.base_lrs]
