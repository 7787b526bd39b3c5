"""RemovableHandle (what `Module.register_forward_hook` and friends return) and the full
backward hooks of modules (`BackwardHooksMixin`)."""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import ClassVar

from autograd import Function, Tensor, is_grad_enabled

from .hooks_legacy import BOTH_KINDS_MESSAGE, attach_non_full_hooks

__all__ = [
    "BackwardHook", "BackwardHooksMixin", "ForwardHooksMixin", "RemovableHandle", "call_with_hooks",
]


class RemovableHandle:
    """Returned by `register_forward_hook` and friends; `.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict, extra_dicts: tuple = ()) -> None:
        self._hooks = hooks
        # the per-hook flag dicts (with_kwargs, always_call) that also hold this id
        self._extra_dicts = extra_dicts
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)
        for flags in self._extra_dicts:
            flags.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _run_forward_hook(hook, module, args, kwargs, result, with_kwargs: bool):
    """One forward hook's call (``hook(module, args[, kwargs], output)``); a non-None return
    replaces the output, as in PyTorch."""
    out = hook(module, args, kwargs, result) if with_kwargs else hook(module, args, result)
    return result if out is None else out


def _pack(indices, values, size: int) -> tuple:
    """`values` at `indices` of a tuple of `size` Nones (PyTorch's grad_input layout)."""
    packed = [None] * size
    for i, v in zip(indices, values):
        packed[i] = v
    return tuple(packed)


class BackwardHookFunction(Function):
    """The module's tensor inputs (or outputs) unchanged; in backward, their gradients go
    through `relay(grads)`, which calls the user's hooks."""

    @staticmethod
    def forward(ctx, relay, *tensors):
        ctx.relay = relay
        # (a tensor that needed no gradient still needs none; its gradient comes as zeros)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.relay(grads))


class BackwardHook:
    """One forward call's full backward hooks, as PyTorch's torch.utils.hooks.BackwardHook: the
    output identity records grad_output (after the pre-hooks); the input identity calls each
    hook(module, grad_input, grad_output) and lets it replace grad_input."""

    def __init__(self, module, hooks, pre_hooks) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs, self.input_index = 0, None

    @staticmethod
    def _wrap(items, relay):
        index = [i for i, x in enumerate(items) if isinstance(x, Tensor)]
        tensors = [items[i] for i in index]
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return None, items
        new = list(items)
        for i, t in zip(index, BackwardHookFunction.apply(relay, *tensors)):
            new[i] = t
        return index, tuple(new)

    def setup_inputs(self, args: tuple) -> tuple:
        """`args` with its tensors passed through the input identity (when one needs grad)."""
        self.n_inputs = len(args)
        self.input_index, args = self._wrap(args, self._input_backward)
        return args

    def setup_outputs(self, result):
        """`result` (a tensor or a tuple) with its tensors passed through the output identity."""
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        self.n_outputs = len(outs)
        self.output_index, outs = self._wrap(outs, self._output_backward)
        return outs[0] if single else outs

    def _output_backward(self, grads):
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in tuple(self.pre_hooks.values()):
            result = hook(self.module, self.grad_outputs)
            if result is not None:
                self.grad_outputs = self._checked(result, self.n_outputs, "backward pre hook")
        if self.input_index is None:  # no input needs a gradient: the hooks run now
            for hook in tuple(self.hooks.values()):
                result = hook(self.module, (None,) * self.n_inputs, self.grad_outputs)
                if result is not None and any(r is not None for r in result):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
        return [self.grad_outputs[i] for i in self.output_index]

    def _input_backward(self, grads):
        grad_inputs = _pack(self.input_index, grads, self.n_inputs)
        for hook in tuple(self.hooks.values()):
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = self._checked(result, self.n_inputs, "backward hook")
        return [grad_inputs[i] for i in self.input_index]

    @staticmethod
    def _checked(result, expected: int, what: str) -> tuple:
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != expected:
            raise RuntimeError(
                f"{what} returned an invalid number of grad_input, got {len(result)}, but "
                f"expected {expected}"
            )
        return result


class BackwardHooksMixin:
    """Module.register_full_backward_hook / register_full_backward_pre_hook, as PyTorch's."""

    # (read-only empty defaults: a module gets its own dicts on its first registration)
    _backward_hooks: ClassVar[Mapping] = MappingProxyType({})
    _backward_pre_hooks: ClassVar[Mapping] = MappingProxyType({})

    def _own_hooks(self, name: str) -> OrderedDict:
        if name not in self.__dict__:
            object.__setattr__(self, name, OrderedDict())
        return self.__dict__[name]

    # None until a backward hook is registered; then True (full) or False (non-full), as PyTorch
    _is_full_backward_hook: ClassVar[bool | None] = None

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's
        inputs are computed; a non-None result (one entry per positional input) replaces
        grad_input. grad_input holds None for inputs that are not tensors needing grad."""
        if self._is_full_backward_hook is False:
            raise RuntimeError(BOTH_KINDS_MESSAGE)
        object.__setattr__(self, "_is_full_backward_hook", True)
        return self._add_hook(self._own_hooks("_backward_hooks"), hook, prepend)

    def register_backward_hook(self, hook) -> RemovableHandle:
        """Deprecated (PyTorch's non-full hook): call ``hook(module, grad_input, grad_output)``
        with the gradients of the inputs of the forward's last op (the output's grad_fn) and of
        its output; a non-None result replaces grad_input. See `nn.hooks_legacy`."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(BOTH_KINDS_MESSAGE)
        object.__setattr__(self, "_is_full_backward_hook", False)
        return self._add_hook(self._own_hooks("_backward_hooks"), hook, False)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are
        computed; a non-None result replaces grad_output."""
        return self._add_hook(self._own_hooks("_backward_pre_hooks"), hook, prepend)


class ForwardHooksMixin:
    """Module.register_forward_pre_hook / register_forward_hook with PyTorch's options."""

    # per-hook flags, by handle id (read-only empty defaults: a module gets its own dict on the
    # first registration that sets the flag)
    _forward_pre_hooks_with_kwargs: ClassVar[Mapping] = MappingProxyType({})
    _forward_hooks_with_kwargs: ClassVar[Mapping] = MappingProxyType({})
    _forward_hooks_always_called: ClassVar[Mapping] = MappingProxyType({})

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward; a non-None result replaces `args`.
        With `with_kwargs`, ``hook(module, args, kwargs)`` may return ``(new_args, new_kwargs)``.
        `prepend` runs it before the hooks already registered."""
        flags = (self._own_hooks("_forward_pre_hooks_with_kwargs"),) if with_kwargs else ()
        handle = self._add_hook(self._forward_pre_hooks, hook, prepend, flags)
        for flag in flags:
            flag[handle.id] = True
        return handle

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward; a non-None result replaces it.
        With `with_kwargs` the hook is ``hook(module, args, kwargs, output)``; with `always_call`
        it also runs when the forward raises; `prepend` runs it before the hooks registered."""
        flags = []
        if with_kwargs:
            flags.append(self._own_hooks("_forward_hooks_with_kwargs"))
        if always_call:
            flags.append(self._own_hooks("_forward_hooks_always_called"))
        handle = self._add_hook(self._forward_hooks, hook, prepend, tuple(flags))
        for flag in flags:
            flag[handle.id] = True
        return handle


def call_with_hooks(module, args: tuple, kwargs: dict):
    """`module(*args, **kwargs)` with its forward pre-hooks, backward hooks and forward hooks, in
    PyTorch's order and with its contracts: a with_kwargs pre-hook gets (module, args, kwargs) and
    may return (new_args, new_kwargs); a with_kwargs forward hook gets (module, args, kwargs,
    output); an always_call forward hook also runs (with the output so far, possibly None) when
    the forward or another hook raises, its own error then turned into a warning."""
    pre_with_kwargs = module._forward_pre_hooks_with_kwargs
    with_kwargs = module._forward_hooks_with_kwargs
    always = module._forward_hooks_always_called
    result = None
    called: set[int] = set()
    try:
        for hook_id, hook in tuple(module._forward_pre_hooks.items()):
            if hook_id in pre_with_kwargs:
                out = hook(module, args, kwargs)
                if out is not None:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {out}."
                        )
                    args, kwargs = out
            else:
                out = hook(module, args)
                if out is not None:
                    args = out if isinstance(out, tuple) else (out,)
        backward_hook = None
        full_hooks, non_full = module._backward_hooks, None
        if module._is_full_backward_hook is False:
            full_hooks, non_full = {}, module._backward_hooks
        if full_hooks or module._backward_pre_hooks:
            backward_hook = BackwardHook(module, full_hooks, module._backward_pre_hooks)
            args = backward_hook.setup_inputs(args)
        result = module.forward(*args, **kwargs)
        for hook_id, hook in tuple(module._forward_hooks.items()):
            if hook_id in always:
                called.add(hook_id)
            result = _run_forward_hook(hook, module, args, kwargs, result, hook_id in with_kwargs)
        if backward_hook is not None:
            result = backward_hook.setup_outputs(result)
        if non_full and is_grad_enabled():
            result = attach_non_full_hooks(module, non_full, args, result)
        return result
    except Exception:
        for hook_id, hook in tuple(module._forward_hooks.items()):
            if hook_id not in always or hook_id in called:
                continue
            try:
                result = _run_forward_hook(hook, module, args, kwargs, result,
                                           hook_id in with_kwargs)
            except Exception as e:
                warnings.warn(
                    "module forward hook with ``always_call=True`` raised an exception that was "
                    f"silenced as another error was raised in forward: {e}",
                    stacklevel=3,
                )
        raise
