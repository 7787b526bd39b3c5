"""Gradient norms for pictures and chain-rule traces, without slowing down a plain backward.

A plain backward frees saved values and keeps `.grad` only on leaves, so norms of intermediate
gradients exist only while the backward runs. `record_grads` registers hooks on the nodes of one
graph (nothing else pays for it) that store the norm of the gradient reaching each tensor:

    with viz.record_grads(loss) as rec:
        loss.backward()
    viz.draw(loss, grads=rec)        # or just viz.draw(loss): the last record of a graph is found

Where nothing was recorded, `resolve_norms` recomputes them with a backward of its own on a graph
kept by ``backward(retain_graph=True)`` (user hooks and retain_grad are paused meanwhile, so
nothing of the user's changes), or falls back to the norms of the leaves' `.grad`.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..engine import grad
from ..node import Node
from ..tensor import Tensor
from .graph import as_tensors, backward_order, tensor_key
from .style import array_norm

# The latest record made for a graph, keyed by the root's node (weakly: records die with graphs).
_RECORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

RECORDED = "recorded during backward (viz.record_grads)"
COMPUTED = "computed by a backward on the retained graph (user hooks paused)"
LEAF_ONLY = "leaf .grad only (run backward inside viz.record_grads to see intermediate gradients)"
NONE = "not available (run backward inside viz.record_grads, or keep the graph with retain_graph=True)"


class GradRecord:
    """Norms of the gradients that reached each tensor during one backward (see `record_grads`).

    Attributes:
        norms: tensor key (``(node, k)`` or a leaf Tensor) -> gradient norm sqrt(sum(g^2)).
        order: step keys (nodes and leaves) in the order the engine reached them.
        inputs: node -> its inputs with only the constants kept (data, targets, masks), noted
            before backward frees them so pictures drawn afterwards still show them.
        names: tensor key -> `.name` of intermediate tensors, noted likewise.
    """

    def __init__(self, tensors) -> None:
        self.roots = as_tensors(tensors, "viz.record_grads")
        self.norms: dict = {}
        self.order: list = []
        self._seen: set = set()
        self._handles: list = []
        self.inputs: dict = {}
        self.names: dict = {}

    # ----------------------------------------------------------------- recording
    def __enter__(self) -> GradRecord:
        order = backward_order(self.roots)
        self.note_inputs(order)
        self.attach(order)
        for t in self.roots:
            if t.grad_fn is not None:
                _RECORDS[t.grad_fn] = self
        return self

    def __exit__(self, *exc) -> None:
        self.detach()

    def note_inputs(self, order: list) -> None:
        """Keep constant inputs (not activations: those stay freeable) and names of tensors."""
        for node in order:
            if type(node) is not Node or node.args is None:
                continue
            constants = None
            for i, (a, e) in enumerate(zip(node.args, node.edges)):
                if isinstance(a, Tensor) and a.name is not None:
                    self.names[tensor_key(a)] = a.name
                if e is None and ((isinstance(a, Tensor) and a.grad_fn is None) or isinstance(a, np.ndarray)):
                    if constants is None:
                        constants = [None] * len(node.args)
                    constants[i] = a
            if constants is not None:
                self.inputs[node] = constants

    def attach(self, order: list) -> None:
        """Register a norm-recording hook on every node output and leaf of `order`."""
        for key in order:
            if type(key) is Node:
                for k in range(key.n_out):
                    entry = (k, self._node_hook(key, k))
                    key.register_output_hook(*entry)
                    self._handles.append((key, entry))
            else:
                self._handles.append((None, key.register_hook(self._leaf_hook(key))))

    def detach(self) -> None:
        """Remove the hooks (the norms stay)."""
        for node, entry in self._handles:
            if node is None:
                entry.remove()
            elif node.hooks is not None and entry in node.hooks:
                node.hooks.remove(entry)
                if not node.hooks:
                    node.hooks = None  # the engine skips its hook step for hook-free nodes
        self._handles = []

    def _node_hook(self, node: Node, k: int):
        def hook(grad):
            self._store((node, k), node, grad)

        return hook

    def _leaf_hook(self, leaf: Tensor):
        def hook(grad):
            self._store(leaf, leaf, grad)

        return hook

    def _store(self, tkey, step, grad) -> None:
        self.norms[tkey] = array_norm(grad._data if isinstance(grad, Tensor) else grad)
        if step not in self._seen:
            self._seen.add(step)
            self.order.append(step)

    # ----------------------------------------------------------------- reading
    def norm(self, tensor: Tensor) -> float | None:
        """The recorded gradient norm of `tensor` (None if no gradient reached it)."""
        return self.norms.get(tensor_key(tensor))

    def __len__(self) -> int:
        return len(self.norms)

    def __repr__(self) -> str:
        return f"GradRecord({len(self.norms)} gradient norms over {len(self.order)} steps)"


def record_grads(tensors) -> GradRecord:
    """Record the gradient norm reaching every tensor of the graph behind `tensors`.

    Use as ``with viz.record_grads(loss) as rec: loss.backward()``; hooks exist only inside the
    block, so other backwards pay nothing.

    Args:
        tensors: the output(s) whose graph to watch (a Tensor or a sequence of Tensors).
    Returns:
        A `GradRecord` context manager; pass it as ``grads=`` to `draw` / `explain`.
    """
    return GradRecord(tensors)


def recorded_for(roots: list[Tensor]) -> GradRecord | None:
    """The latest non-empty record made for one of `roots`, if any."""
    for t in roots:
        rec = _RECORDS.get(t.grad_fn) if t.grad_fn is not None else None
        if rec is not None and rec.norms:
            return rec
    return None


def recompute(roots: list[Tensor], order: list) -> GradRecord | None:
    """Norms from a fresh backward on a retained graph (as for ``sum(root)``); None if freed."""
    nodes = [k for k in order if type(k) is Node]
    leaves = [k for k in order if type(k) is not Node]
    outputs = [t for t in roots if t.requires_grad]
    if not outputs or not leaves or any(n.freed for n in nodes):
        return None
    rec = GradRecord(outputs)
    paused_nodes = [(n, n.hooks, n.retained) for n in nodes]
    paused_leaves = [(t, getattr(t, "_hooks", None)) for t in leaves]
    try:
        for n in nodes:
            n.hooks = None
            n.retained = None
        for t in leaves:
            t._hooks = None
        rec.attach(order)
        grad(outputs, leaves, grad_outputs=[np.ones_like(t._data) for t in outputs],
             retain_graph=True, allow_unused=True)
    finally:
        rec.detach()
        for n, hooks, retained in paused_nodes:
            n.hooks = hooks
            n.retained = retained
        for t, hooks in paused_leaves:
            t._hooks = hooks
    return rec


def resolve_norms(roots: list[Tensor], order: list, grads=None, compute: bool = True):
    """Gradient norms for a picture or a trace, and a sentence saying where they came from.

    Priority: the record passed as `grads`; the latest record made for these roots; a backward of
    our own on a retained graph (if `compute`); the norms of the leaves' `.grad`.

    Returns:
        ``(norms, source, record_or_None)`` with `norms` mapping tensor keys to floats.
    """
    if grads is not None:
        if not isinstance(grads, GradRecord):
            raise TypeError(
                f"grads must be a GradRecord from viz.record_grads(...), got {type(grads).__name__}"
            )
        source = RECORDED if grads.norms else RECORDED + ", empty: run backward inside the with block"
        return grads.norms, source, grads
    rec = recorded_for(roots)
    if rec is not None:
        return rec.norms, RECORDED, rec
    if compute:
        rec = recompute(roots, order)
        if rec is not None:
            return rec.norms, COMPUTED, rec
    norms = {k: array_norm(k.grad._data) for k in order if type(k) is not Node and k.grad is not None}
    return norms, (LEAF_ONLY if norms else NONE), None
