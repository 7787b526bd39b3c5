"""`OneCycleLR`: the 1cycle learning-rate (and momentum) policy."""

from __future__ import annotations

import math
from typing import Any

from .lr_base import LRScheduler, check_optimizer, check_positive_int, check_real, warn_outside_step
from .optimizer import Optimizer

__all__ = ["OneCycleLR"]


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """`value` repeated for each param group, or a list checked to have one entry per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {n}."
            )
        return list(value)
    return [value] * n


_PHASE_KEYS = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017), stepped once per batch.

    lr rises from max_lr/div_factor to max_lr over the first pct_start of total_steps, then
    anneals to max_lr/(div_factor·final_div_factor) (three_phase: back to the initial lr first);
    momentum (or beta1) moves the opposite way between max_momentum and base_momentum.
    Cosine annealing: end + (start - end)(1 + cos(π·pct))/2; linear: start + (end - start)·pct.

    Args:
        optimizer: the wrapped optimizer.
        max_lr: peak learning rate (or one per group).
        total_steps: number of steps in the cycle; or give `epochs` and `steps_per_epoch`.
        epochs: number of epochs (with steps_per_epoch).
        steps_per_epoch: steps per epoch (with epochs).
        pct_start: fraction of the cycle spent increasing the lr (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: also cycle "momentum" (SGD, RMSprop) or betas[0] (Adam).
        base_momentum: lowest momentum (at peak lr) (default 0.85).
        max_momentum: highest momentum (default 0.95).
        div_factor: initial lr = max_lr / div_factor (default 25).
        final_div_factor: final lr = initial lr / final_div_factor (default 1e4).
        three_phase: use three phases (up, down to the initial lr, down to the final lr).
        last_epoch: index of the last step (-1 starts a new schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        self.optimizer = check_optimizer(optimizer)
        if total_steps is not None:
            check_positive_int("OneCycleLR", "total_steps", total_steps)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            check_positive_int("OneCycleLR", "epochs", epochs)
            check_positive_int("OneCycleLR", "steps_per_epoch", steps_per_epoch)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        check_real("OneCycleLR", "pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        # PyTorch's attribute name, so that state_dict() has its keys
        self._anneal_func_type = anneal_strategy
        up_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * up_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        # PyTorch keeps each phase as a dict with these keys (they are in its state_dict)
        self._schedule_phases = [dict(zip(_PHASE_KEYS, phase)) for phase in phases]
        if last_epoch == -1:
            for lr, group in zip(_per_group("max_lr", optimizer, max_lr), optimizer.param_groups):
                check_real("OneCycleLR", "max_lr", lr)
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                highs = _per_group("max_momentum", optimizer, max_momentum)
                lows = _per_group("base_momentum", optimizer, base_momentum)
                for high, low, group in zip(highs, lows, optimizer.param_groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        """Cosine or linear interpolation from start (pct 0) to end (pct 1)."""
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lr of each group at step last_epoch (also sets momentum when cycling it)."""
        warn_outside_step(self)
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"Tried to step {step_num} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step, lr0, lr1, mom0, mom1 = (phase[k] for k in _PHASE_KEYS)
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    span = end_step - start_step
                    # NOTE: a phase of zero length (tiny total_steps) is already complete
                    pct = (step_num - start_step) / span if span else 1.0
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom0], group[mom1], pct))
                    break
                start_step = end_step
        return lrs
