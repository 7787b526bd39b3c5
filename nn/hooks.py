"""RemovableHandle (what `Module.register_forward_hook` and friends return) and the full
backward hooks of modules (`BackwardHooksMixin`)."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from autograd import Function, Tensor, is_grad_enabled

__all__ = ["BackwardHook", "BackwardHooksMixin", "RemovableHandle"]


class RemovableHandle:
    """Returned by `register_forward_hook` and friends; `.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


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

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's
        inputs are computed; a non-None result (one entry per positional input) replaces
        grad_input. grad_input holds None for inputs that are not tensors needing grad."""
        return self._add_hook(self._own_hooks("_backward_hooks"), hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are
        computed; a non-None result replaces grad_output."""
        return self._add_hook(self._own_hooks("_backward_pre_hooks"), hook, prepend)
