"""Graph nodes: one per recorded op, holding what its backward needs.

A `Node` is the `grad_fn` of the tensor an op produced. It keeps
- `edges`: for each input, where its gradient goes (the input's own `Node`, the input itself when
  it is a leaf that requires grad, `(node, k)` for output k of a multi-output node, or None;
  `input_edges` finds them, `edge_target` reads one);
- the saved values (input arrays, output array, keyword arguments), dropped after backward
  unless `retain_graph=True`, while `edges` stay so the graph can still be drawn.
A node never references the tensor it produced, so no reference cycle keeps a graph alive.
"""

from __future__ import annotations

import itertools
import traceback
import weakref

from .grad_mode import ANOMALY

# Bumped by every in-place op: a node older than a tensor's last change saw stale data.
CLOCK = [0]
# Creation order of nodes: an op's inputs always come from older nodes, so visiting nodes newest
# first is a valid backward order (as PyTorch's sequence numbers).
_next_seq = itertools.count().__next__

FREED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved values after they were "
    "freed). Saved values of the graph are freed when you call .backward() or autograd.grad(). "
    "Pass retain_graph=True to the first backward() if you need to backward through the graph "
    "again. (A backward that raised part-way frees nothing while tensor hooks are registered, so "
    "it can be retried; without hooks it has freed the part it ran, as in PyTorch.)"
)

# How many gradient hooks are registered on live tensors and nodes (kept by `HookList`). While it
# is 0 no hook can raise part-way through a backward, so the walk frees each node's saved values
# as soon as it has run, as PyTorch does. Otherwise the walk frees them only once the pass has
# succeeded, so a backward whose hook raised can be retried; that costs backward peak memory
# (29% on a CNN step, 6% on W4), paid only while hooks exist.
LIVE_HOOKS = [0]


class HookList(list):
    """The gradient hooks of one tensor or node: a list that counts its entries in `LIVE_HOOKS`."""

    __slots__ = ()

    def append(self, hook) -> None:
        """Add `hook` (and count it)."""
        list.append(self, hook)
        LIVE_HOOKS[0] += 1

    def extend(self, hooks) -> None:
        """Add each of `hooks` (copy and pickle rebuild a list with this)."""
        for hook in hooks:
            self.append(hook)

    def remove(self, hook) -> None:
        """Remove `hook` (and stop counting it); raises ValueError when absent, as a list."""
        list.remove(self, hook)
        LIVE_HOOKS[0] -= 1

    def __del__(self, _live=LIVE_HOOKS) -> None:
        # a tensor or node that dies with hooks registered takes them out of the count
        _live[0] -= len(self)


class Node:
    """The backward half of one recorded op (a tensor's `grad_fn`)."""

    __slots__ = (
        "__weakref__",
        "_edges",
        "args",
        "arrays",
        "clock",
        "ctx",
        "hooks",
        "kwargs",
        "meta",
        "n_out",
        "op",
        "out",
        "retained",
        "seq",
        "trace",
    )

    def __init__(self, op, args, kwargs, out, edges, clock, arrays=None) -> None:
        self.op = op
        self.args = args
        # the inputs as arrays (constants as given): what the VJPs of a plain backward take
        self.arrays = (
            arrays if arrays is not None
            else tuple(getattr(a, "_data", a) if hasattr(a, "grad_fn") else a for a in args)
        )
        self.kwargs = kwargs
        self.out = out
        # None: derived from `args` when first needed (fewer long-lived objects per op, which
        # keeps Python's cyclic GC cheap on graphs with millions of nodes)
        self._edges = edges
        self.clock = clock
        self.seq = _next_seq()
        self.n_out = 1
        self.hooks = None
        self.retained = None
        self.ctx = None
        self.meta = None
        self.trace = _user_frame() if ANOMALY.enabled else None

    @property
    def out_meta(self):
        """(shape, dtype) of the output (a list of them for a multi-output node)."""
        if self.meta is not None:
            return self.meta
        return (self.out.shape, self.out.dtype)

    @out_meta.setter
    def out_meta(self, value) -> None:
        self.meta = value

    def name(self) -> str:
        """PyTorch-style name of the backward function, e.g. ``MulBackward``."""
        return self.op.backward_name

    @property
    def freed(self) -> bool:
        """True once backward has dropped the saved values."""
        return self.args is None

    @property
    def edges(self) -> list:
        """Where each input's gradient goes: a Node, a leaf Tensor, (Node, k), or None."""
        edges = self._edges
        if edges is None:
            edges = self._edges = input_edges(self.args, self.op, self.clock, self)
        return edges

    @property
    def next_functions(self) -> tuple:
        """``((node_or_AccumulateGrad, output_nr), ...)`` for each input, as in PyTorch."""
        result = []
        for edge in self.edges:
            target, k = edge_target(edge)
            if target is not None and type(target) is not Node:
                target = AccumulateGrad(target)
            result.append((target, k))
        return tuple(result)

    def register_hook(self, fn) -> None:
        """Call ``fn(grad)`` with the gradient flowing into this node's output."""
        self.register_output_hook(0, fn)

    def register_output_hook(self, output_nr: int, fn) -> None:
        """Call ``fn(grad)`` with the gradient flowing into output `output_nr` of this node."""
        if self.hooks is None:
            self.hooks = HookList()
        self.hooks.append((output_nr, fn))

    def release(self) -> None:
        """Drop saved values (after a backward without retain_graph)."""
        if self.meta is None and self.out is not None:
            self.meta = (self.out.shape, self.out.dtype)
        if self._edges is None:
            self.edges  # noqa: B018  (freeze the edges before the inputs go)
        elif self.args is not None:
            _note_constant_inputs(self, self._edges)
        self.args = None
        self.arrays = None
        self.out = None
        self.kwargs = None
        if self.ctx is not None:
            self.ctx._release()

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def input_edges(args, op, clock=None, node=None) -> list:
    """Where the gradient of each of `args` (the inputs of `op`) goes: `edge_of` for a tensor
    that requires grad and has a VJP, else None. With `clock` (the node's creation time), a
    tensor whose history an in-place op rebased since then gives the history it had at that time.
    With `node` (whose inputs `args` are), each Tensor input that needs no gradient is noted in
    `CONSTANT_INPUTS` on the way."""
    # NOTE: edge_of, inline, in a plain loop (a comprehension is a frame of its own)
    edges = []
    for a in args:
        if hasattr(a, "_out_nr"):  # a Tensor (this module sits below tensor.py: no isinstance)
            history = a._history
            if history is not None and clock is not None:
                fn, out_nr, requires = history_at(a, clock)
            else:
                fn, out_nr, requires = a.grad_fn, a._out_nr, a.requires_grad
            if requires:
                edges.append(a if fn is None else (fn if fn.n_out == 1 else (fn, out_nr)))
                continue
            if node is not None:
                note_constant_input(node, len(edges), a)
        edges.append(None)
    if not op.differentiable:
        vjps = op.vjps
        edges = [None if vjps[i] is None else e for i, e in enumerate(edges)]
        if node is not None:  # (inputs that require grad but have no VJP count as constants)
            _note_constant_inputs(node, edges)
    return edges


def history_at(t, clock):
    """(grad_fn, output number, requires_grad) of `t` as they were when the clock read `clock`."""
    for when, fn, out_nr, requires in t._history:
        if clock < when:
            return fn, out_nr, requires
    return t.grad_fn, t._out_nr, t.requires_grad


def edge_of(t):
    """Where gradient for tensor `t` goes: its node, `(node, k)`, or the leaf itself."""
    fn = t.grad_fn
    if fn is None:
        return t
    if fn.n_out == 1:
        return fn
    return (fn, t._out_nr)


def edge_target(edge):
    """`(node_or_leaf, output_nr)` that `edge` (an entry of `Node.edges`) points at; (None, 0)
    for None. A multi-output node's edges are `(node, k)`; the rest point at output 0."""
    if type(edge) is tuple:
        return edge
    return edge, 0


class AccumulateGrad:
    """The node that stands for a leaf in `next_functions` (as PyTorch's AccumulateGrad)."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


# node -> {input index: (shape, dtype, name, id)} of its inputs that are Tensors needing no
# gradient: what pictures drawn after a plain backward show of them (`viz.draw`). Only these few
# fields outlive release, so backward still frees every array the graph saved; the entry goes
# with the node.
CONSTANT_INPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def note_constant_input(node: Node, i: int, t) -> None:
    """Keep (shape, dtype, name, id) of input `i` of `node`, a Tensor that needs no gradient."""
    kept = CONSTANT_INPUTS.get(node)
    if kept is None:
        kept = CONSTANT_INPUTS[node] = {}
    kept[i] = (t.shape, t.dtype, t.name, id(t))


def _note_constant_inputs(node: Node, edges) -> None:
    for i, (a, e) in enumerate(zip(node.args, edges)):
        if e is None and hasattr(a, "grad_fn"):
            note_constant_input(node, i, a)


def _user_frame() -> str:
    """File:line and code of the innermost frame outside the autograd and nn packages."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    library = (here, os.path.join(root, "nn"), os.path.join(root, "optim"))
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = os.path.abspath(frame.filename)
        if not path.startswith(library):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'
    return "(created inside the library)"
