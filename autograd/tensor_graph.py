"""`GraphMixin`: a tensor's place in the autograd graph, as the user sees it: leaf or not,
`requires_grad_`, `detach_`, tensor hooks, `retain_grad`, its version and view base, `explain`.

`Tensor` inherits it. What needs the engine or makes tensors (`backward`, `grad`, `detach`,
`data`) stays in tensor.py.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from .inplace import is_no_grad_view, root_requires_grad_changed, set_view_requires_grad
from .node import HookList

if TYPE_CHECKING:
    from .tensor import Tensor

_FLOAT_KINDS = "fc"


class RemovableHandle:
    """Returned by `register_hook`; `.remove()` unregisters the hook."""

    def __init__(self, hooks: list, entry) -> None:
        self._hooks = hooks
        self._entry = entry

    def remove(self) -> None:
        """Unregister the hook (again: no effect)."""
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)


class GraphMixin:
    """`Tensor`'s graph bookkeeping methods (see module docstring)."""

    __slots__ = ()

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created or detached)."""
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor on which `retain_grad()` was called."""
        return self._retains_grad

    @property
    def name(self):
        """Optional label shown in graph pictures."""
        return self._name

    @name.setter
    def name(self, value) -> None:
        self._name = value

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with its views)."""
        vc = self._vc
        return 0 if vc is None else vc.version

    @property
    def _base(self):
        """The tensor this one is a view of, or None (PyTorch's ``._base``)."""
        view = self._view
        return None if view is None else view[0]

    def _is_view(self) -> bool:
        """True when this tensor shares memory with a base tensor as a view of it."""
        return self._view is not None

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf records operations for backprop; returns self."""
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients, "
                f"but this one has dtype {self._data.dtype}; convert it first, e.g. t.float()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use .detach() to get "
                "a tensor that does not require grad"
            )
        if is_no_grad_view(self):
            set_view_requires_grad(self, bool(requires_grad))
            return self
        self.requires_grad = bool(requires_grad)
        if self._vc is not None and self._vc.views:
            root_requires_grad_changed(self)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self.retains_grad:
            return
        node = self.grad_fn
        if node.retained is None:
            node.retained = []
        node.retained.append((self._out_nr, weakref.ref(self)))
        self._retains_grad = True

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            hooks = self._hooks
            if hooks is None:
                hooks = self._hooks = HookList()  # (counts hooks: see node.LIVE_HOOKS)
            hooks.append(hook)
            return RemovableHandle(hooks, hook)
        node = self.grad_fn
        entry = (self._out_nr, hook)
        node.register_output_hook(*entry)
        return RemovableHandle(node.hooks, entry)

    def explain(self, **kwargs):
        """The chain-rule steps of backward from this tensor, as a table (see `autograd.explain`)."""
        from .explain import explain

        return explain(self, **kwargs)
