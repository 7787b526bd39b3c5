"""The op table: primitives (numpy forward + one VJP per input) and public entries with test data.

Two records live here:
- `Primitive`: what the engine runs. `forward(*arrays, **kwargs)` is plain numpy; `vjps[i]` is
  ``vjp(g, out, *inputs, **kwargs) -> gradient of input i``. VJPs are written with operators and
  numpy-named functions, so they run on ndarrays (fast first-order backward) and on Tensors
  (`create_graph=True`, which records them and gives higher-order gradients). The engine sums
  gradients back to each input's shape, so no VJP deals with broadcasting.
- `OpInfo`: a public function (also a `Tensor` method when `method` is set) with the metadata the
  generated tests use: numpy reference, sample inputs, input domain, smoothness, broadcasting.
Adding an op means adding one `Primitive` (if it is not a composite) and one `register` call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..grad_mode import ANOMALY, STATE
from ..node import CLOCK, Node, _next_seq, _user_frame

REGISTRY: dict[str, OpInfo] = {}
PRIMITIVES: dict[str, Primitive] = {}
# numpy callables that dispatch to our ops when given a Tensor (see Tensor.__array_ufunc__).
NUMPY_DISPATCH: dict[Any, Callable] = {}

_ndarray = np.ndarray
_asarray = np.asarray
_node_new = object.__new__


class Primitive:
    """An engine op: numpy `forward`, per-input `vjps`, and the derivative as text (`formula`)."""

    __slots__ = ("backward_name", "differentiable", "formula", "forward", "name", "vjp_all", "vjps")

    def __init__(self, name: str, forward: Callable, vjps: Sequence[Callable | None], formula: str,
                 vjp_all: Callable | None = None):
        """`vjp_all(g, out, edges, *inputs, **kwargs)`, optional: every needed input gradient in one
        call on arrays (None where `edges[i]` is None), equal to the `vjps` and each already in its
        input's shape (the engine does not unbroadcast them); a plain backward uses it to save a
        call per input (Linear's three gradients share their reshapes)."""
        self.name = name
        self.forward = forward
        self.vjps = vjps if hasattr(vjps, "fn") else tuple(vjps)
        # every input has a VJP (variadic VJPs cover any number of inputs)
        self.differentiable = type(self.vjps) is not tuple or None not in self.vjps
        self.vjp_all = vjp_all
        self.formula = formula
        self.backward_name = "".join(p.capitalize() for p in name.split("_")) + "Backward"
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is defined twice")
        PRIMITIVES[name] = self

    def __call__(self, *args, **kwargs):
        """Run forward on the inputs' arrays; record a `Node` when any input requires grad."""
        # NOTE: unrolled for one to three inputs: this runs for every op, and a comprehension
        # costs a frame of its own
        n = len(args)
        if n == 1:
            a = args[0]
            is_t = isinstance(a, Tensor)
            arrays = (a._data if is_t else a,)
            requires = is_t and a.requires_grad
        elif n == 2:
            a, b = args
            a_t = isinstance(a, Tensor)
            b_t = isinstance(b, Tensor)
            arrays = (a._data if a_t else a, b._data if b_t else b)
            requires = (a_t and a.requires_grad) or (b_t and b.requires_grad)
        elif n == 3:
            a, b, c = args
            a_t = isinstance(a, Tensor)
            b_t = isinstance(b, Tensor)
            c_t = isinstance(c, Tensor)
            arrays = (a._data if a_t else a, b._data if b_t else b, c._data if c_t else c)
            requires = (a_t and a.requires_grad) or (b_t and b.requires_grad) or (c_t and c.requires_grad)
        else:
            arrays = tuple([a._data if isinstance(a, Tensor) else a for a in args])
            requires = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        try:
            # NOTE: `**kwargs` copies the dict into a new one on every call, even an empty one
            out = self.forward(*arrays, **kwargs) if kwargs else self.forward(*arrays)
        except ValueError as exc:
            raise _shape_error(self.name, arrays, exc) from None
        if type(out) is not _ndarray:
            out = _asarray(out)
        result = _tensor_new(Tensor)
        result._data = out
        result.grad_fn = None
        result._grad = None
        result._version = 0
        result.requires_grad = False
        if requires and STATE.grad_enabled:
            edges = None  # derived from `args` when first needed (see Node.edges)
            if not self.differentiable:
                edges = input_edges(args, self)  # (kept: found here, it need not be found again)
                if all(e is None for e in edges):
                    return result  # only inputs without a VJP require grad
            # NOTE: Node(self, args, kwargs, out, edges, CLOCK[0], arrays) without the call
            # (every op of a training step comes here); keep in step with Node.__init__
            node = _node_new(Node)
            node.op = self
            node.args = args
            node.arrays = arrays
            node.kwargs = kwargs
            node.out = out
            node._edges = edges
            node.clock = CLOCK[0]
            node.seq = _next_seq()
            node.n_out = 1
            node.hooks = node.retained = node.ctx = node.meta = None
            node.trace = _user_frame() if ANOMALY.enabled else None
            result.grad_fn = node
            result.requires_grad = True
        return result

    def apply_in_vjp(self, *args, **kwargs):
        """Run this primitive inside another's VJP: on arrays (a first-order backward) the plain
        forward, giving an array; on Tensors (``create_graph=True``) the recorded call."""
        for a in args:
            if isinstance(a, Tensor):
                return self(*args, **kwargs)
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def _shape_error(name: str, arrays, exc: Exception) -> Exception:
    """Re-raise numpy's broadcasting errors naming the op and every input shape."""
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays if isinstance(a, (_ndarray, np.generic)))
    if "broadcast" in str(exc) or "shape" in str(exc):
        return RuntimeError(f"{name}: shapes {shapes} are not compatible ({exc})")
    return ValueError(f"{name}: {exc} (input shapes {shapes})")


def input_edges(args, op: Primitive) -> list:
    """Where the gradient of each of `args` (the inputs of `op`) goes: `edge_of` for a tensor
    that requires grad and has a VJP, else None."""
    # NOTE: edge_of, inline, in a plain loop (a comprehension is a frame of its own); the
    # backward walk has this loop inline too (keep the two in step)
    edges = []
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            fn = a.grad_fn
            edges.append(a if fn is None else (fn if fn.n_out == 1 else (fn, a._out_nr)))
        else:
            edges.append(None)
    if not op.differentiable:
        vjps = op.vjps
        edges = [None if vjps[i] is None else e for i, e in enumerate(edges)]
    return edges


def edge_of(t):
    """Where gradient for tensor `t` goes: its node, `(node, k)`, or the leaf itself."""
    fn = t.grad_fn
    if fn is None:
        return t
    if fn.n_out == 1:
        return fn
    return (fn, t._out_nr)


def _new_tensor(out):
    t = _tensor_new(Tensor)
    t._data = out
    t.requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._version = 0
    return t


@dataclass
class Sample:
    """Sample inputs for the generated tests.

    Each positional argument is a shape tuple (a random float array drawn from the op's domain,
    differentiable), a list of shapes (a list of such arrays), or `Const(value)` (passed as is).
    Keyword arguments are passed to the public function unchanged.
    """

    args: tuple
    kwargs: dict

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


@dataclass(frozen=True)
class Const:
    """A non-differentiable sample argument passed to the op unchanged (indices, masks, ...)."""

    value: Any


@dataclass
class OpInfo:
    """A public op and its test metadata (see module docstring)."""

    name: str
    fn: Callable
    ref: Callable | None
    samples: list[Sample]
    domain: tuple[float, float] | str = (-2.0, 2.0)
    smooth: bool = True
    broadcast: bool = False
    differentiable: bool = True
    method: str | None = None
    aliases: tuple[str, ...] = ()
    numpy: tuple = field(default_factory=tuple)
    atol: float = 1e-5


def register(
    name: str,
    *,
    ref: Callable | None,
    samples: list[Sample],
    domain: tuple[float, float] | str = (-2.0, 2.0),
    smooth: bool = True,
    broadcast: bool = False,
    differentiable: bool = True,
    method: bool | str = True,
    aliases: tuple[str, ...] = (),
    numpy: tuple = (),
    atol: float = 1e-5,
):
    """Decorator: enter a public function into the op table (and, by default, on `Tensor`).

    `ref` is an independent numpy implementation with the same signature (arrays in place of
    tensors); `domain` is `(low, high)` or `"nonzero"` (values in ±[0.3, 1.5], away from kinks).
    `numpy` lists numpy callables that should dispatch here when called on a Tensor.
    """

    def decorate(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is registered twice")
        method_name = (name if method is True else method) or None
        REGISTRY[name] = OpInfo(
            name, fn, ref, samples, domain, smooth, broadcast, differentiable, method_name,
            aliases, numpy, atol,
        )
        for np_fn in numpy:
            NUMPY_DISPATCH[np_fn] = fn
        return fn

    return decorate


def unbroadcast(g, shape: tuple):
    """Sum `g` down to `shape`, undoing numpy broadcasting (works on arrays and Tensors)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axes, keepdims=True) if type(g) is _ndarray else g.sum(axes, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g if g.shape == shape else g.reshape(shape)


def normalize_dim(dim, ndim: int):
    """Turn a PyTorch `dim` (int, tuple, None) into a numpy `axis` with non-negative entries."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(_one_dim(d, ndim) for d in dim)
    return _one_dim(dim, ndim)


def _one_dim(d, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d % n


def pick(value, alias, default=None):
    """Return the PyTorch-named argument, or its numpy alias (`axis`, `keepdims`) if given."""
    if value is not None:
        return value
    if alias is not None:
        return alias
    return default


from ..tensor import Tensor  # noqa: E402  (Tensor imports the ops at its end)

_tensor_new = object.__new__
