"""Schedules made of schedules: `SequentialLR` (one after another), `ChainedScheduler` (together)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from .lr_base import LRScheduler, check_optimizer
from .lr_plateau import ReduceLROnPlateau
from .optimizer import Optimizer

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_schedulers(owner: str, optimizer: Optimizer, schedulers) -> None:
    """Each entry must be a (non-plateau) LRScheduler of `optimizer`."""
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence."
            )
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(
                f"{owner}: schedulers[{i}] is a {type(scheduler).__name__}, not an LRScheduler"
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but "
                f"got scheduler {type(scheduler).__name__} at index {i} with a different one."
            )


def _undo_initial_steps(schedulers) -> None:
    """Step back every innermost schedule by one epoch (nested composites recursively)."""
    for scheduler in schedulers:
        if isinstance(scheduler, _Composite):
            _undo_initial_steps(scheduler._schedulers)
        else:
            scheduler.last_epoch -= 1


class _Composite(LRScheduler):
    """A schedule that drives other schedules; saves their state with its own."""

    _not_saved = ("optimizer", "_schedulers")

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus each inner scheduler's state_dict under "_schedulers"."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore own attributes and each inner scheduler's state."""
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        if len(inner) != len(self._schedulers):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {len(inner)} saved schedulers, "
                f"but this one has {len(self._schedulers)}"
            )
        super().load_state_dict(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run `schedulers[i]` from epoch milestones[i-1] on; each restarts at its own epoch 0.

    Args:
        optimizer: the wrapped optimizer (every scheduler must wrap this same one).
        schedulers: the schedules, in order.
        milestones: increasing epochs at which the next schedule takes over
            (len(schedulers) - 1 of them).
        last_epoch: index of the last epoch (-1 starts a new schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        _check_schedulers("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than "
                f"the number of milestone points, but got number of schedulers {len(schedulers)} "
                f"and the number of milestones to be equal to {len(milestones)}"
            )
        if any(b <= a for a, b in pairwise(milestones)):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self._schedulers = list(schedulers)
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        # NOTE: each scheduler's constructor already took its initial step; undo those so the
        # first phase starts at its epoch 0 and the later ones start there at their milestones
        _undo_initial_steps(self._schedulers)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self) -> None:
        """Advance one epoch: start the next schedule at a milestone, else step the current one."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several schedules together each epoch; their (chainable) factors multiply.

    Args:
        schedulers: the schedules to step, in order.
        optimizer: their optimizer (default: the first schedule's).
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler, but got no scheduler.")
        if optimizer is None:
            optimizer = getattr(schedulers[0], "optimizer", None)
        check_optimizer(optimizer)
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:
        """Step every schedule once."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
