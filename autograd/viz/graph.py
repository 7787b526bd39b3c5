"""The recorded graph behind some tensors, walked iteratively in the engine's backward order.

Keys used throughout `autograd.viz` and `autograd.explain`:
- a *step key* is what the engine visits: an op `Node` or a leaf `Tensor` (one that requires grad);
- a *tensor key* names one tensor of the picture: ``(node, k)`` for output k of an op node, or the
  `Tensor` object itself for a leaf or a constant input.
Tensors are used as dict keys by identity (`Tensor.__hash__` is `object.__hash__`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..engine import backward_order as engine_order
from ..node import CONSTANT_INPUTS, Node, edge_target
from ..tensor import Tensor
from .style import format_shape


def as_tensors(tensors, who: str) -> list[Tensor]:
    """A tensor or a sequence of tensors, as a non-empty list (clear TypeError otherwise)."""
    if isinstance(tensors, Tensor):
        return [tensors]
    if isinstance(tensors, Iterable) and not isinstance(tensors, (str, bytes, np.ndarray)):
        items = list(tensors)
        if items and all(isinstance(t, Tensor) for t in items):
            return items
        bad = next((type(t).__name__ for t in items if not isinstance(t, Tensor)), "nothing")
        raise TypeError(f"{who}: expected a Tensor or a non-empty sequence of Tensors, got {bad} in it")
    raise TypeError(f"{who}: expected a Tensor or a sequence of Tensors, got {type(tensors).__name__}")


def tensor_key(t: Tensor):
    """The tensor key of `t`: ``(grad_fn, output index)``, or `t` itself for a leaf/constant."""
    fn = t.grad_fn
    if fn is None:
        return t
    return (fn, getattr(t, "_out_nr", 0))


def step_key(t: Tensor):
    """What the engine visits first for `t`: its op node, or `t` itself when it is a leaf."""
    return t if t.grad_fn is None else t.grad_fn


def edge_step(edge):
    """The step key an edge points at (``(node, k)`` -> node)."""
    return edge_target(edge)[0]


def edge_tensor_key(edge):
    """The tensor key an edge carries: ``(node, k)``, ``(node, 0)`` or the leaf tensor."""
    target, k = edge_target(edge)
    return (target, k) if type(target) is Node else target


def backward_order(roots: list[Tensor]) -> list:
    """Every op node and leaf reachable from `roots`, in the order the engine's backward visits them.

    Exactly as `autograd.engine` walks: op nodes newest first (reverse creation order, a reverse
    topological order), then the leaves in the order the walk first reaches them; iterative, so
    deep graphs need no recursion.
    """
    return engine_order([step_key(t) for t in roots if t.requires_grad])


def param_names(params, who: str) -> dict:
    """``{id(tensor): name}`` from a Module (anything with `named_parameters()`) or a dict."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = list(params.named_parameters())
    elif isinstance(params, dict):
        items = list(params.items())
    else:
        raise TypeError(
            f"{who}: params must be a Module (with named_parameters()) or a dict name -> Tensor, "
            f"got {type(params).__name__}"
        )
    names = {}
    for name, p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: params[{name!r}] should be a Tensor, got {type(p).__name__}")
        names.setdefault(id(p), str(name))
    return names


def buffer_names(params) -> dict:
    """``{id(buffer): name}`` from a Module's `named_buffers()` (running means and the like)."""
    if params is None or isinstance(params, dict) or not hasattr(params, "named_buffers"):
        return {}
    return {id(b): str(name) for name, b in params.named_buffers() if isinstance(b, Tensor)}


def is_parameter(t: Tensor, names: dict) -> bool:
    """True for a named parameter or an instance of a class called ``Parameter`` (nn.Parameter)."""
    return id(t) in names or type(t).__name__ == "Parameter"


class FreedInput:
    """What a picture knows of an input that needed no gradient once backward freed the graph:
    its shape, dtype and name (read like a Tensor's; no values)."""

    __slots__ = ("dtype", "name", "shape")
    grad_fn = None
    requires_grad = False
    _data = None

    def __init__(self, shape: tuple, dtype, name: str | None) -> None:
        self.shape, self.dtype, self.name = shape, dtype, name


class GraphView:
    """The graph behind `roots`: step keys in backward order plus what is known of each tensor.

    Attributes:
        roots: the tensors asked about.
        order: op nodes and leaves in the engine's backward order (see `backward_order`).
        index: step key -> position in `order`.
        tensors: tensor key -> a live `Tensor` for it, where one is reachable (roots, saved args).
        param_names: ``{id(param): name}``; buffer_names: ``{id(buffer): name}``.
    """

    def __init__(self, tensors, params=None, who: str = "autograd.viz") -> None:
        self.roots = as_tensors(tensors, who)
        self.param_names = param_names(params, who)
        self.buffer_names = buffer_names(params)
        self._params = params  # keeps named tensors alive while ids are used as keys
        self.order = backward_order(self.roots)
        self.index = {key: i for i, key in enumerate(self.order)}
        self.tensors: dict = {}
        self.root_keys = {tensor_key(t) for t in self.roots}
        for t in self.roots:
            self.tensors[tensor_key(t)] = t
        for key in self.order:
            if type(key) is Node and key.args is not None:
                for a in key.args:
                    if isinstance(a, Tensor):
                        self.tensors.setdefault(tensor_key(a), a)

        self.saved_inputs: dict = {}
        self.saved_names: dict = {}
        self._freed: dict = {}  # id of a released constant input -> its one FreedInput

    def use_record(self, record) -> None:
        """Take constant inputs and tensor names a `GradRecord` noted before backward freed them."""
        if record is not None:
            self.saved_inputs = record.inputs
            self.saved_names = record.names

    def inputs(self, node: Node):
        """The inputs `node` was called with (constants only, once backward freed them), or None.

        After a plain backward, inputs that needed no gradient come back as `FreedInput`s built
        from the shape, dtype and name the node kept (see `node.note_constant_input`).
        """
        if node.args is not None:
            return node.args
        saved = self.saved_inputs.get(node)
        kept = CONSTANT_INPUTS.get(node)
        if saved is not None or not kept:
            return saved
        inputs = [None] * (max(kept) + 1)
        for i, (shape, dtype, name, key) in kept.items():
            freed = self._freed.get(key)
            if freed is None:
                freed = self._freed[key] = FreedInput(shape, dtype, name)
            inputs[i] = freed
        return inputs

    def name(self, tkey) -> str | None:
        """The user's name for a tensor: its parameter path, else its `.name`, else None."""
        if type(tkey) is not tuple:
            return self.param_names.get(id(tkey)) or self.buffer_names.get(id(tkey)) or tkey.name
        t = self.tensors.get(tkey)
        return self.saved_names.get(tkey) if t is None else t.name

    def shape_dtype(self, tkey) -> tuple:
        """``(shape, dtype)`` of a tensor key (from the node's output metadata for op outputs)."""
        if type(tkey) is not tuple:
            return tkey.shape, tkey.dtype
        node, k = tkey
        return node.out_meta[k] if node.n_out > 1 else node.out_meta

    def values(self, tkey):
        """The forward value of a tensor key as an ndarray, or None once it has been freed."""
        if type(tkey) is not tuple:
            return tkey._data
        t = self.tensors.get(tkey)
        if t is not None:
            return t._data
        node, k = tkey
        if k == 0 and node.out is not None:
            return node.out
        return None

    def kind(self, tkey) -> str:
        """``output``, ``intermediate``, ``param``, ``leaf`` or ``constant``."""
        if type(tkey) is tuple:
            return "output" if tkey in self.root_keys else "intermediate"
        if is_parameter(tkey, self.param_names):
            return "param"
        return "leaf" if tkey.requires_grad else "constant"

    def step_label(self, key) -> str:
        """How a step is referred to in text: ``#3 MulBackward`` or a leaf's name."""
        if type(key) is Node:
            return f"#{self.index[key] + 1} {key.name()}"
        name = self.name(key)
        return name if name else f"leaf {format_shape(key.shape)}"
