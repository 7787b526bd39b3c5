"""`autograd.Function`: user-defined ops with hand-written forward and backward, as in PyTorch.

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    y = Cube.apply(x)
"""

from __future__ import annotations

import numpy as np

from .engine import unbroadcast
from .grad_mode import STATE, no_grad
from .inplace import NO_EDGE
from .node import CLOCK, FREED_GRAPH_MESSAGE, Node, edge_of
from .ops.registry import _new_tensor
from .tensor import Tensor


class FunctionCtx:
    """The `ctx` passed to `forward` and `backward`: saved tensors and flags."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple | None = ()
        self._non_differentiable: set = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; they are checked for later in-place changes."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save Tensors (or None), got {type(t).__name__}; "
                    "store other values as attributes of ctx"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to `save_for_backward`."""
        if self._saved is None:
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs (e.g. integer indices) that have no gradient."""
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """If False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = value

    def _saved_for_check(self) -> tuple:
        return tuple(t for t in (self._saved or ()) if t is not None)

    def _release(self) -> None:
        self._saved = None


class _FunctionOp:
    """Stands in `Node.op` for a Function subclass: its name, formula text and backward runner."""

    def __init__(self, cls) -> None:
        self.cls = cls
        self.name = cls.__name__
        self.backward_name = cls.__name__ + "Backward"
        doc = (cls.__doc__ or "").strip().splitlines()
        self.formula = doc[0] if doc else f"custom backward of {cls.__name__}"
        self.vjps = None

    def run_backward(self, node: Node, g, create_graph: bool):
        ctx = node.ctx
        slots = [g] if node.n_out == 1 else list(g)
        grads = []
        for k, s in enumerate(slots):
            if s is None and ctx.materialize_grads:
                shape, dtype = node.out_meta[k] if node.n_out > 1 else node.out_meta
                s = np.zeros(shape, dtype=dtype)
            if s is not None and not isinstance(s, Tensor):
                s = _new_tensor(s)
            grads.append(s)
        result = self.cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(node.edges)
        if len(result) < n_in:
            raise RuntimeError(
                f"function {self.backward_name} returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(result)})"
            )
        gxs = []
        for i, edge in enumerate(node.edges):
            r = result[i]
            if edge is None or r is None:
                gxs.append(None)
                continue
            value = r if create_graph else (r._data if isinstance(r, Tensor) else np.asarray(r))
            if create_graph and not isinstance(value, Tensor):
                value = _new_tensor(np.asarray(value))
            shape = node.args[i].shape
            if value.shape != shape:
                try:
                    np.broadcast_shapes(value.shape, shape)
                    value = unbroadcast(value, shape)
                except ValueError:
                    value = None
                if value is None or value.shape != shape:
                    raise RuntimeError(
                        f"function {self.backward_name} returned an invalid gradient at index {i} "
                        f"- got shape {tuple(result[i].shape)} but expected shape {tuple(shape)}"
                    )
            gxs.append(value)
        return gxs


class Function:
    """Base class for custom differentiable ops (see module docstring).

    Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`, then call
    `MyFunction.apply(*args)`. `backward` returns one gradient per `forward` argument (None for
    non-tensor arguments or those that need no gradient).
    """

    _op: _FunctionOp | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._op = _FunctionOp(cls)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define a static backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run `forward` without recording inside it, and record one node for the whole op."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            raw = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(raw, tuple)
        outputs = []
        for o in raw if is_tuple else (raw,):
            if isinstance(o, Tensor):
                # a fresh tensor object, so an input returned as is gets its own grad_fn
                t = _new_tensor(o._data)
                if id(o) in ctx._non_differentiable:
                    ctx._non_differentiable.add(id(t))
            else:
                t = _new_tensor(np.asarray(o))
            outputs.append(t)
        if any(needs) and STATE.grad_enabled:
            # (a view made in no_grad requires grad yet sends its gradient nowhere: see NO_EDGE)
            edges = [edge_of(a) if need and a._history is not NO_EDGE else None
                     for a, need in zip(args, needs)]
            node = Node(cls._op, args, kwargs, outputs[0]._data, edges, CLOCK[0])
            node.ctx = ctx
            node.n_out = len(outputs)
            if node.n_out > 1:
                node.out_meta = [(o.shape, o.dtype) for o in outputs]
            for k, t in enumerate(outputs):
                if t.dtype.kind == "f" and id(t) not in ctx._non_differentiable:
                    t.grad_fn = node
                    t.requires_grad = True
                    if node.n_out > 1:
                        t._out_nr = k
        return tuple(outputs) if is_tuple else outputs[0]


def once_differentiable(fn):
    """Decorator for `backward`: run it without recording (its result is not differentiable)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        with no_grad():
            return fn(ctx, *grads)

    return wrapper
