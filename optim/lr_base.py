"""`LRScheduler`: the base of the learning-rate schedules (PyTorch's bookkeeping)."""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available."
)


def check_optimizer(optimizer) -> Optimizer:
    """Raise TypeError unless `optimizer` is an `optim.Optimizer`."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def check_positive_int(owner: str, name: str, value) -> None:
    """Raise ValueError unless `value` is an integer >= 1, naming the scheduler."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def check_real(owner: str, name: str, value) -> None:
    """Raise TypeError unless `value` is a real number, naming the scheduler."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")


def warn_outside_step(scheduler) -> None:
    """PyTorch's UserWarning when `get_lr()` is called by the program rather than by `step()`
    (outside a step it computes the next value, not the current one)."""
    if not scheduler._get_lr_called_within_step:
        warnings.warn(
            "To get the last learning rate computed by the scheduler, please use "
            "`get_last_lr()`.",
            UserWarning,
            stacklevel=3,
        )


class LRScheduler:
    """Base class of the learning-rate schedules; sets `group["lr"]` of each param group.

    The constructor records `group["initial_lr"]` (when `last_epoch == -1`) as `base_lrs` and
    performs the initial step, so the optimizer starts at the schedule's value for epoch 0.
    Subclasses implement `get_lr()`, PyTorch's "chainable" form: the next lr computed from each
    group's current lr, so schedules attached to one optimizer compose (their factors multiply),
    and may implement `_get_closed_form_lr()` (the value at `last_epoch` from `base_lrs`), used by
    `step(epoch)` and by `SequentialLR` when a schedule starts.

    Args:
        optimizer: the wrapped optimizer.
        last_epoch: index of the last epoch; -1 starts a new schedule. Other values resume one
            and need "initial_lr" in every param group.

    Attributes:
        base_lrs: the initial learning rate of each group.
        last_epoch: the number of `step()` calls made after the initial one.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "a scheduler with last_epoch >= 0; load the optimizer's state_dict first"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    # True only during the constructor's step: chainable forms then keep the current lr
    _is_initial: bool = False
    # True while step() computes the lrs (PyTorch keeps it as an attribute, so it is saved in
    # state_dict(), and warns when get_lr() is called with it False)
    _get_lr_called_within_step: bool = False

    def _initial_step(self) -> None:
        """Reset the step count and take the constructor's step (to epoch last_epoch + 1)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each group at epoch `self.last_epoch` (subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def _current_lrs(self) -> list[float]:
        """Each group's lr as it is now."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last step set, one per param group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to `epoch`, deprecated) and set each group's lr."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Advance last_epoch (or set it to `epoch`, via the closed form) and write the lrs."""
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} param groups but the "
                f"scheduler was built for {len(values)}; create the scheduler after adding groups"
            )
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    # attributes that state_dict() leaves out (not data, or saved in another form)
    _not_saved: tuple[str, ...] = ("optimizer",)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's attributes except the optimizer (copied)."""
        return {
            k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._not_saved
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict()`."""
        self.__dict__.update(copy.deepcopy(state_dict))
