"""More of PyTorch's schedules: `ConstantLR`, `MultiplicativeLR`, `PolynomialLR`, `CyclicLR`.

Each has PyTorch's chainable `get_lr()` (the next lr from each group's current one, so schedules
on one optimizer compose) and, where PyTorch has one, its closed form for `step(epoch)` and
`SequentialLR`.
"""

from __future__ import annotations

import math
import types
from typing import Any

from .lr_base import LRScheduler, check_positive_int, check_real, warn_outside_step
from .lr_scheduler import LambdaLR
from .optimizer import Optimizer

__all__ = ["ConstantLR", "CyclicLR", "MultiplicativeLR", "PolynomialLR"]


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
        warn_outside_step(self)
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
        """Each group's current lr times its lambda at `last_epoch` (unchanged by the
        constructor's step; called before any step, lr · lambda(0), as PyTorch)."""
        warn_outside_step(self)
        if not self._is_initial:
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
        warn_outside_step(self)
        t, n = self.last_epoch, self.total_iters
        # NOTE: no special case for t == 0: get_lr() called before any step gives PyTorch's
        # lr · ((1 - 0/n) / (1 + 1/n)) ** power
        if self._is_initial or t > n:
            return self._current_lrs()
        ratio = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        """base_lr · (1 - min(total_iters, epoch) / total_iters) ** power."""
        factor = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * factor for base in self.base_lrs]


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith 2017): lr moves between `base_lr` and `max_lr` in cycles of
    `step_size_up + step_size_down` steps (up, then down), the amplitude scaled by `mode`
    ("triangular": 1, "triangular2": halved each cycle, "exp_range": gamma**step) or by
    `scale_fn`; with `cycle_momentum` the momentum (or Adam's beta1) moves the opposite way
    between `max_momentum` and `base_momentum`. Step it after every batch.

    Args:
        optimizer: the wrapped optimizer; base_lr, max_lr: a value or one per group.
        step_size_up, step_size_down: steps of the rising / falling half (down defaults to up).
        mode, gamma, scale_fn, scale_mode: the amplitude policy ("cycle" or "iterations" for the
            argument given to scale_fn).
        cycle_momentum, base_momentum, max_momentum: the momentum cycle.
        last_epoch: index of the last step (-1 starts a new schedule).
    """

    def __init__(self, optimizer: Optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn=None, scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum=0.8, max_momentum=0.9, last_epoch: int = -1) -> None:
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for high, low, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    _not_saved = ("optimizer", "_scale_fn_custom")

    def state_dict(self) -> dict[str, Any]:
        """Attributes except the optimizer; "_scale_fn_custom" is None, or a callable object's
        __dict__ (plain functions and lambdas are not saved), as PyTorch."""
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (
            None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        )
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; a callable object's saved __dict__ goes back into scale_fn."""
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved)

    def scale_fn(self, x: float) -> float:
        """The amplitude factor at cycle (or step) `x`."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        if self.mode == "exp_range":
            return self.gamma ** x
        return 1.0

    def _set_momentum(self, group, value) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        """base + (max - base) · position in the cycle · scale; sets the cycled momentum too."""
        warn_outside_step(self)
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (high - base) * factor * scale for base, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, high - (high - low) * factor * scale)
        return lrs
