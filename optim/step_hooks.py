"""Optimizer.register_step_pre_hook / register_step_post_hook, as PyTorch's.

`hooked_step` wraps `Optimizer.step` and every subclass's own `step` (PyTorch patches the
class's step the same way), so hooks run around any optimizer's step, custom ones included.
"""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["StepHooksMixin", "hooked_step"]


class RemovableHandle:
    """Returned by the step-hook registrations; `.remove()` unregisters the hook (optim needs
    autograd only, so not nn's handle class)."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)


def hooked_step(func: Callable) -> Callable:
    """`func` (an optimizer's step) run between the step pre-hooks and post-hooks: a pre-hook
    ``hook(optimizer, args, kwargs)`` may return ``(new_args, new_kwargs)``; a post-hook
    ``hook(optimizer, args, kwargs)`` runs after the step (its result is ignored). As in PyTorch,
    `args` holds the optimizer itself first, then the step's positional arguments."""
    if getattr(func, "_step_hooked", False):
        return func

    @functools.wraps(func)
    def step(self, *args, **kwargs):
        own = self.__dict__
        pre = own.get("_optimizer_step_pre_hooks")
        post = own.get("_optimizer_step_post_hooks")
        # NOTE: a subclass step calling super().step() runs the hooks once, in the outer call
        if not (pre or post) or own.get("_in_hooked_step", False):
            return func(self, *args, **kwargs)
        own["_in_hooked_step"] = True
        # NOTE: as PyTorch's, the args the hooks see (and may replace) start with the optimizer
        args = (self, *args)
        try:
            for hook in tuple(pre.values()) if pre else ():
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{func} must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}."
                        )
                    args, kwargs = result
            out = func(*args, **kwargs)
            for hook in tuple(post.values()) if post else ():
                hook(self, args, kwargs)
            return out
        finally:
            own["_in_hooked_step"] = False

    step._step_hooked = True  # type: ignore[attr-defined]
    return step


class StepHooksMixin:
    """The step hook registration methods of `Optimizer`."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and callable(step):
            cls.step = hooked_step(step)

    def _step_hooks(self, name: str) -> OrderedDict:
        hooks = self.__dict__.get(name)
        if hooks is None:
            hooks = self.__dict__[name] = OrderedDict()
        return hooks

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each step; a non-None result must be
        ``(new_args, new_kwargs)`` and replaces the step's arguments. Returns a handle whose
        ``remove()`` unregisters it."""
        return self._add_step_hook("_optimizer_step_pre_hooks", hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each step. Returns a handle whose
        ``remove()`` unregisters it."""
        return self._add_step_hook("_optimizer_step_post_hooks", hook)

    def _add_step_hook(self, name: str, hook: Callable) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(
                f"{type(self).__name__}.{name[11:-1]}: hook must be callable, got "
                f"{type(hook).__name__}"
            )
        hooks = self._step_hooks(name)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle
