"""Learning-rate schedules (`optim.lr_scheduler`) with PyTorch's update rules.

Like PyTorch, each `step()` computes the next lr from each group's current lr ("chainable"
form), so several schedules attached to one optimizer compose: their factors multiply. On its
own each schedule follows the closed form given in its docstring (up to float64 rounding);
`step(epoch)` and `SequentialLR` use that closed form directly.
"""

from __future__ import annotations

import copy
import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .lr_base import LRScheduler, check_positive_int, check_real, warn_outside_step
from .lr_composite import ChainedScheduler, SequentialLR
from .lr_onecycle import OneCycleLR
from .lr_plateau import ReduceLROnPlateau
from .lr_warm_restarts import CosineAnnealingWarmRestarts
from .optimizer import Optimizer


class _LRScheduler(LRScheduler):
    """PyTorch's pre-2.0 name of `LRScheduler`, which it keeps (as a subclass, not in __all__):
    custom warmup schedulers in many programs subclass `lr_scheduler._LRScheduler`."""


__all__ = [
    "ChainedScheduler",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


class LambdaLR(LRScheduler):
    """lr = base_lr · lr_lambda(epoch) (set outright, not chained, as PyTorch).

    Args:
        optimizer: the wrapped optimizer.
        lr_lambda: a function of the epoch (int) giving the factor, or a list of them, one per
            param group.
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n_groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(f"Expected {n_groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n_groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr · lr_lambda(last_epoch) for each group."""
        warn_outside_step(self)
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    _not_saved = ("optimizer", "lr_lambdas")

    def state_dict(self) -> dict[str, Any]:
        """Attributes except the optimizer; lambdas are kept only as callable objects' __dict__."""
        state = super().state_dict()
        state["lr_lambdas"] = [
            None if _is_plain_function(fn) else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; callable objects among the lambdas get their saved __dict__."""
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


def _is_plain_function(fn) -> bool:
    """True for functions and lambdas (whose state cannot be saved as data), as PyTorch."""
    return isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")


class StepLR(LRScheduler):
    """lr = base_lr · gamma^(epoch // step_size).

    Args:
        optimizer: the wrapped optimizer.
        step_size: number of epochs between decays.
        gamma: multiplicative decay (default 0.1).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        check_positive_int("StepLR", "step_size", step_size)
        check_real("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's lr, times gamma when last_epoch is a positive multiple of step_size."""
        warn_outside_step(self)
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · gamma^(last_epoch // step_size) for each group."""
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base * factor for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = base_lr · gamma^(number of milestones <= epoch), counting repeated milestones.

    Args:
        optimizer: the wrapped optimizer.
        milestones: epochs at which to decay (any order; a repeated epoch decays twice).
        gamma: multiplicative decay (default 0.1).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        for m in self.milestones:
            if isinstance(m, bool) or not isinstance(m, int):
                raise TypeError(f"MultiStepLR: milestones must be integers, got {m!r}")
        check_real("MultiStepLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; milestones come back as a Counter even from a plain dict."""
        super().load_state_dict(state_dict)
        self.milestones = Counter(dict(self.milestones))

    def get_lr(self) -> list[float]:
        """Each group's lr, times gamma^(count) when last_epoch is a milestone."""
        warn_outside_step(self)
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · gamma^(milestones passed) for each group."""
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · gamma^epoch.

    Args:
        optimizer: the wrapped optimizer.
        gamma: multiplicative decay per epoch.
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_real("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's lr times gamma (unchanged by the constructor's step)."""
        warn_outside_step(self)
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · gamma^last_epoch for each group."""
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) · (1 + cos(π · epoch / T_max)) / 2.

    Past T_max the cosine continues (the lr rises back over the next T_max epochs), as PyTorch.

    Args:
        optimizer: the wrapped optimizer.
        T_max: number of epochs of the half cosine.
        eta_min: the minimum learning rate (default 0).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        check_positive_int("CosineAnnealingLR", "T_max", T_max)
        check_real("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's lr moved along the cosine: the ratio of consecutive closed-form values."""
        warn_outside_step(self)
        if self._is_initial:
            return self._current_lrs()
        t, period, lrs = self.last_epoch, self.T_max, self._current_lrs()
        if (t - 1 - period) % (2 * period) == 0:
            # NOTE: the previous value sat at eta_min, where the ratio form would divide by 0
            rise = (1 - math.cos(math.pi / period)) / 2
            return [lr + (base - self.eta_min) * rise for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        """eta_min + (base_lr - eta_min)(1 + cos(π t / T_max))/2 for each group."""
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (s + (e - s) · min(epoch, total_iters) / total_iters): linear warmup/decay.

    Args:
        optimizer: the wrapped optimizer.
        start_factor: factor s at epoch 0, in (0, 1] (default 1/3).
        end_factor: factor e from epoch total_iters on, in [0, 1] (default 1.0).
        total_iters: number of epochs of the ramp (default 5).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        check_real("LinearLR", "start_factor", start_factor)
        check_real("LinearLR", "end_factor", end_factor)
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or equal "
                f"to 1, got {start_factor}."
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(
                f"Ending multiplicative factor expected to be between 0 and 1, got {end_factor}."
            )
        check_positive_int("LinearLR", "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Each group's lr times the ratio of consecutive factors (s at epoch 0)."""
        warn_outside_step(self)
        s, e, n = self.start_factor, self.end_factor, self.total_iters
        if self.last_epoch == 0:
            return [lr * s for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > n:
            return self._current_lrs()
        ratio = 1.0 + (e - s) / (n * s + (self.last_epoch - 1) * (e - s))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · (s + (e - s)·min(t, total_iters)/total_iters) for each group."""
        ramp = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * ramp
        return [base * factor for base in self.base_lrs]


# isort: split
# (last: these subclass the schedules above)
from .lr_extra import ConstantLR, CyclicLR, MultiplicativeLR, PolynomialLR  # noqa: E402

__all__ += ["ConstantLR", "CyclicLR", "MultiplicativeLR", "PolynomialLR"]
