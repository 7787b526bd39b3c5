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
from weakref import WeakSet

import numpy as np

from ..grad_mode import ANOMALY, STATE
from ..inplace import NO_EDGE, VersionCounter, no_grad_view
from ..node import CLOCK, Node, _next_seq, _note_constant_inputs, _user_frame, input_edges
from ..promotion import cast_operands, checked_int, get_default_dtype, result_type

REGISTRY: dict[str, OpInfo] = {}
PRIMITIVES: dict[str, Primitive] = {}
# numpy callables that dispatch to our ops when given a Tensor (see Tensor.__array_ufunc__).
NUMPY_DISPATCH: dict[Any, Callable] = {}

_ndarray = np.ndarray
_asarray = np.asarray
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_PY_SCALARS = frozenset((float, int))  # (numpy keeps these weak: no promotion to decide)
_node_new = _tensor_new = object.__new__


class Primitive:
    """An engine op: numpy `forward`, per-input `vjps`, and the derivative as text (`formula`)."""

    __slots__ = (
        "_reads", "backward_name", "differentiable", "formula", "forward", "name", "promote", "vjps",
    )

    def __init__(self, name: str, forward: Callable, vjps: Sequence[Callable | None], formula: str,
                 promote: str | None = None):
        """`promote` makes the inputs follow PyTorch's type promotion before `forward` runs:
        "binary" (all inputs to their `result_type`), "true_div" (as binary, then integers to the
        default float), "float" (one input; integers and bools to the default float), "where"
        (inputs 1 and 2 as binary; input 0 is the condition)."""
        self.name = name
        self.promote = promote
        self._reads = None
        self.forward = forward
        self.vjps = vjps if hasattr(vjps, "fn") else tuple(vjps)
        # every input has a VJP (variadic VJPs cover any number of inputs)
        self.differentiable = type(self.vjps) is not tuple or None not in self.vjps
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
        promote = self.promote
        if promote is not None:
            # NOTE: float tensors of one dtype, or a float tensor and a Python int or float (most
            # calls), need nothing (numpy keeps Python numbers weak); the rest ask result_type
            if n == 2:
                if a_t:
                    dt = arrays[0].dtype
                    if b_t:
                        if not (dt is arrays[1].dtype and (dt is _F32 or dt is _F64)):
                            arrays = promoted(self, arrays)
                    elif not ((dt is _F32 or dt is _F64) and type(b) in _PY_SCALARS):
                        arrays = promoted(self, arrays)
                elif not (b_t and type(a) in _PY_SCALARS and arrays[1].dtype.kind == "f"):
                    arrays = promoted(self, arrays)
            elif n != 1 or not is_t or arrays[0].dtype.kind != "f":
                arrays = promoted(self, arrays)
        try:
            # NOTE: `**kwargs` copies the dict into a new one on every call, even an empty one
            out = self.forward(*arrays, **kwargs) if kwargs else self.forward(*arrays)
        except ValueError as exc:
            raise _shape_error(self.name, arrays, exc) from None
        if type(out) is not _ndarray:
            out = _asarray(out)
        # (make_tensor(out) without its own frame: one call less for every op's result)
        result = init_slots(_tensor_new(Tensor), out)
        if requires and STATE.grad_enabled:
            edges = None  # derived from `args` when first needed (see Node.edges)
            if not self.differentiable:
                # (kept: found here, it need not be found again; the clock makes a view made
                # under no_grad send nothing, see inplace.NO_EDGE)
                edges = input_edges(args, self, CLOCK[0])
                if all(e is None for e in edges) and not _has_no_edge_view(args):
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
            if edges is not None:  # (derived lazily, Node.edges notes them)
                _note_constant_inputs(node, edges)
            result.grad_fn = node
            result.requires_grad = True
        return result

    def reads(self, edges=None):
        """(reads output, (reads input 0, reads input 1, ...)) for the VJPs of the inputs whose
        `edges` are not None (all when None): which saved values backward uses, so an in-place
        change to one it never reads is no error (as in PyTorch, where an op saves only what the
        derivatives it will need read). None: unknown (then all count as read)."""
        per_vjp = self._reads
        if per_vjp is None:
            per_vjp = _vjp_reads(self)
            if per_vjp:  # (unknown stays uncached: a test may have wrapped the VJPs for a while)
                self._reads = per_vjp
        if not per_vjp:
            return None
        out = False
        inputs = None
        for j, (o, ins) in enumerate(per_vjp):
            if edges is not None and j < len(edges) and edges[j] is None:
                continue
            out = out or o
            inputs = ins if inputs is None else tuple(a or b for a, b in zip(inputs, ins))
        return out, inputs or ()

    def apply_in_vjp(self, *args, **kwargs):
        """Run this primitive inside another's VJP: on arrays (a first-order backward) the plain
        forward, giving an array; on Tensors (``create_graph=True``) the recorded call."""
        for a in args:
            if isinstance(a, Tensor):
                return self(*args, **kwargs)
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


class ViewPrimitive(Primitive):
    """A primitive whose output may be a view of its input's memory (basic indexing, reshape,
    permute, expand): such a result shares the input's version counter and remembers its base
    and how to replay it from there (`_view = (base, ((op, kwargs), ...), made_in)`)."""

    __slots__ = ()

    def __call__(self, x, **kwargs):
        result = Primitive.__call__(self, x, **kwargs)
        if isinstance(x, Tensor):
            out = result._data
            # (an empty view shares no bytes, yet is a view: PyTorch tracks it as one)
            if out.base is not None and (np.may_share_memory(out, x._data) or out.size == 0):
                mark_view(result, x, ((self, kwargs),))
        return result


def _has_no_edge_view(args) -> bool:
    """True if one of `args` is a view made under no_grad (it requires grad, sends nothing)."""
    return any(getattr(a, "_history", None) is NO_EDGE for a in args)


def mark_view(result, x, steps: tuple, multi_output: bool = False) -> None:
    """Make `result` a view of `x` reached by `steps`: one version counter, one base, and how it
    was made when PyTorch forbids changing it in place with grad mode on: in no_grad or
    inference_mode (see `inplace.no_grad_view`), or by an op that returns several views."""
    view = x._view
    if view is None:
        base, chain, made_in = x, steps, None
    else:
        base, chain, made_in = view[0], view[1] + steps, view[2]
    # NOTE: a recorded result means grad mode is on; its slot is cheaper to read than the
    # thread-local STATE (40 ns, a tenth of this function), and most views are recorded ones
    if result.grad_fn is None and not STATE.grad_enabled:
        made_in = no_grad_view(result, base)
    elif multi_output and made_in is None:
        made_in = "multi_output"
    vc = base._vc
    if vc is None:
        vc = base._vc = VersionCounter()
    result._vc = vc
    result._view = (base, chain, made_in)
    views = vc.views
    if views is None:
        views = vc.views = WeakSet()
    views.add(result)


def promoted(op: Primitive, arrays: tuple) -> tuple:
    """`arrays` cast for `op` as PyTorch's type promotion says (see `Primitive`'s `promote`)."""
    kind = op.promote
    if kind == "float":
        a = arrays[0]
        if type(a) is _ndarray and a.dtype.kind in "biu":
            return (a.astype(get_default_dtype()), *arrays[1:])
        return arrays
    operands = arrays[1:] if kind == "where" else arrays
    if op.name == "sub" and any(getattr(a, "dtype", None) == np.bool_ or isinstance(a, bool) for a in operands):
        both = all(getattr(a, "dtype", None) == np.bool_ or isinstance(a, bool) for a in operands)
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead." if both else
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    dtype = result_type(*operands)
    if kind == "true_div" and dtype.kind in "biu":
        dtype = get_default_dtype()
    if kind == "where" or op.name == "pow":
        # (these check a Python int against the dtype, where arithmetic wraps it)
        first = 0 if kind == "where" else 1
        if first and type(operands[1]) is int and operands[1] < 0 and dtype.kind in "biu":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        operands = (*operands[:first], *(checked_int(a, dtype) for a in operands[first:]))
    cast = cast_operands(operands, dtype)
    if kind == "where":
        if not any(type(a) is _ndarray for a in cast):
            # np.where of two Python numbers gives float64/int64; PyTorch the promoted dtype
            cast = tuple(np.asarray(a, dtype) for a in cast)
        return (arrays[0], *cast)
    return cast


_METADATA = frozenset(("shape", "dtype", "ndim"))


def _vjp_reads(op: Primitive):
    """What each of `op`'s VJPs reads, from its bytecode (the names it loads): a tuple with
    (reads output, (reads input 0, ...)) per VJP; () when unknown (a *args VJP)."""
    import dis

    vjps = op.vjps
    if type(vjps) is not tuple:
        return ()
    result = []
    n_params = None
    for f in vjps:
        code = getattr(f, "__code__", None)
        if f is None:
            result.append(None)
            continue
        if code is None or code.co_flags & 0x04:  # (a *args VJP: reads unknowable by name)
            return ()
        names = code.co_varnames[: code.co_argcount]
        if n_params is None:
            n_params = len(names) - 2
        mapping = dict(zip(names[2:], range(len(names) - 2))) | {names[1]: "out"}
        loaded = set()
        instructions = list(dis.get_instructions(f))
        for k, ins in enumerate(instructions):
            if ins.opname.startswith("LOAD_") and ins.argval in mapping:
                after = instructions[k + 1] if k + 1 < len(instructions) else None
                if after is not None and after.opname == "LOAD_ATTR" and after.argval in _METADATA:
                    continue  # (only the shape or dtype: metadata an in-place change keeps)
                loaded.add(mapping[ins.argval])
        result.append(("out" in loaded, tuple(i in loaded for i in range(len(names) - 2))))
    if n_params is None:
        return ()
    empty = (False, (False,) * n_params)
    return tuple(empty if r is None else r for r in result)


def _shape_error(name: str, arrays, exc: Exception) -> Exception:
    """Re-raise numpy's broadcasting errors naming the op and every input shape."""
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays if isinstance(a, (_ndarray, np.generic)))
    if "broadcast" in str(exc) or "shape" in str(exc):
        return RuntimeError(f"{name}: shapes {shapes} are not compatible ({exc})")
    return ValueError(f"{name}: {exc} (input shapes {shapes})")


def _new_tensor(out):
    """A tensor holding the array `out` (see `make_tensor`)."""
    return make_tensor(out)


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


from ..tensor import Tensor, init_slots, make_tensor  # noqa: E402  (Tensor imports the ops at its end)

