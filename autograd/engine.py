"""Reverse-mode backprop: `backward` and `grad` over the recorded graph.

The walk is iterative: nodes come off a heap newest first (an op's inputs always come from older
nodes, so a node's gradient is complete when it comes off), so a 1,000,000-op chain needs no
recursion and no pass over the graph before the walk. Gradients accumulate in a
local dict keyed by node; `.grad` is written only on leaves (and tensors that asked to retain it).
Two walks, one result: `_run` here, the reference walk (read it first), serves every case and
writes leaves at the end; `engine_fast.run_fast` serves a plain `backward()` with its helpers
inlined and writes a leaf as soon as its gradient arrives when no hooks exist
(tests/autograd/test_walks.py holds them equal). What both do at one node or leaf is in
`engine_steps`. Without `create_graph`, VJPs run on raw ndarrays and grad mode is off, so a plain
backward builds no Tensor wrappers; with it, VJPs run on Tensors and are themselves recorded.
"""

from __future__ import annotations

import os
from heapq import heappop, heappush

import numpy as np

from .engine_fast import run_fast
from .engine_steps import (
    AnomalyError,
    accumulate_leaf,
    call_backward,
    leaf_hooks,
    node_hooks,
    seed,
    send,
    unbroadcast,
    undo_retained,
)
from .grad_mode import ANOMALY, STATE
from .node import LIVE_HOOKS, Node, edge_target
from .tensor import Tensor
from .tensor import make_tensor as _new_tensor

__all__ = ["AnomalyError", "backward", "backward_order", "grad", "unbroadcast"]


def backward(tensor, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Backpropagate from `tensor` into the `.grad` of the leaves (see `Tensor.backward`)."""
    if retain_graph is None:
        retain_graph = create_graph
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: nothing in "
            "the computation of this tensor requires grad (create inputs with requires_grad=True, "
            "and do not compute it under no_grad())"
        )
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    g = _initial_grad(tensor, gradient, 0)
    _run([tensor], [g], retain_graph, create_graph, inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Gradients of `outputs` with respect to `inputs`, returned instead of accumulated.

    Args:
        outputs: a tensor or sequence of tensors to differentiate.
        inputs: a tensor or sequence of tensors to differentiate with respect to.
        grad_outputs: d(loss)/d(outputs), required for non-scalar outputs.
        retain_graph: keep saved values for another backward (default: `create_graph`).
        create_graph: record the computation, for higher-order derivatives.
        allow_unused: return None for an input the outputs do not depend on (else raise).
        materialize_grads: return zeros instead of None for unused inputs.
    Returns:
        A tuple with one gradient (Tensor or None) per input.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) does not require grad; "
                "create it with requires_grad=True or call .requires_grad_()"
            )
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
    grads = [_initial_grad(t, g, i) for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    found = _run(outputs, grads, retain_graph, create_graph, inputs, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = found[i]
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
        if g is not None and not isinstance(g, Tensor):
            g = _new_tensor(g)
        result.append(g)
    return tuple(result)


def _initial_grad(t, gradient, index: int):
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but output {index} has "
                f"shape {tuple(t.shape)}: pass gradient= (a tensor of that shape) to backward(), "
                "or reduce the output first, e.g. loss.sum().backward()"
            )
        data = t._data
        # NOTE: np.array for the usual 0-d loss: np.ones is a Python function making two calls
        if data.ndim == 0:
            return np.array(1, dtype=data.dtype)
        return np.ones(data.shape, dtype=data.dtype)
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {tuple(g.shape)} and "
            f"output[{index}] has a shape of {tuple(t.shape)}"
        )
    if isinstance(gradient, Tensor) and gradient.requires_grad:
        return gradient
    return g


def backward_order(root_keys) -> list:
    """Every node and leaf reachable from `root_keys`, in the order backward visits them.

    Nodes newest first (an op's inputs always come from older nodes, so a node comes after every
    node that uses its output), then the leaves in the order the walk first reaches them.
    """
    heap: list = []
    leaves: list = []
    seen = set()

    def reach(key) -> None:
        if key not in seen:
            seen.add(key)
            if type(key) is Node:
                heappush(heap, (-key.seq, key))
            else:
                leaves.append(key)

    for key in root_keys:
        reach(key)
    order = []
    while heap:
        node = heappop(heap)[1]
        order.append(node)
        for e in node.edges:
            if e is not None:
                reach(edge_target(e)[0])
    return order + leaves


def _needed(root_keys, targets) -> set:
    """Nodes from which some target is reachable (the rest need not run)."""
    needed = set(targets)
    # reversed: leaves, then nodes oldest first, so a node's inputs are decided before it
    for key in reversed(backward_order(root_keys)):
        if type(key) is Node and any(
            e is not None and edge_target(e)[0] in needed for e in key.edges
        ):
            needed.add(key)
    return needed


# When set, every backward takes the reference walk (tests compare the two walks with it).
FORCE_REFERENCE_WALK = os.environ.get("TAPEGRAD_REFERENCE_WALK", "") not in ("", "0")


def _run(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    """The backward walk. Returns, for `inputs` (if any), the gradient that reached each.

    This is the reference walk; it serves every case. A plain `backward()` (no create_graph, no
    anomaly mode, no `inputs=`) takes `run_fast`, the same walk with its helpers inlined, which
    must give equal gradients (tests/autograd/test_walks.py holds the two equal).

    Nodes run newest first, off a heap keyed by creation order: when a node comes off it, every
    node that uses its output has run, so its gradient is complete (no dependency-counting pass
    over the graph first). Leaves collect their gradients and are written at the end, in the
    order the walk first reached them, once every leaf hook has run.

    While hooks exist (`LIVE_HOOKS`), a node's saved values are freed only when the whole pass
    has succeeded and leaves are written only then, so a hook that raises leaves the graph and
    every `.grad` as they were (a retained `.grad` written on the way is put back) and the
    backward can be retried; without hooks, each node is freed as soon as it has run.
    """
    anomaly = ANOMALY.enabled
    if accumulate and inputs is None and not (create_graph or anomaly or FORCE_REFERENCE_WALK):
        return run_fast(roots, root_grads, retain_graph)
    grads, heap, leaves, root_keys, taken = seed(roots, root_grads, create_graph)
    targets = needed = None
    captured = []
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            targets.setdefault(t if t.grad_fn is None else t.grad_fn, []).append((i, _output_nr(t)))
        needed = _needed(root_keys, targets)
        captured = [None] * len(inputs)
    hooked = LIVE_HOOKS[0] != 0
    ran = []  # nodes to free once the pass has succeeded (while hooks exist)
    undo = [] if hooked else None  # retained .grad written so far, for a pass that raises
    prev_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            if g is not None:
                g = node_hooks(node, g, create_graph, undo)
            if targets is not None:
                if g is not None and node in targets:
                    for i, k in targets[node]:
                        captured[i] = g[k] if node.n_out > 1 else g
                if node not in needed:
                    g = None  # no input asked for lies behind this node
            gxs = [None] * len(node.edges)
            if g is not None:
                gxs = call_backward(node, g, create_graph, anomaly)
                if node.ctx is not None:  # a custom backward may return arrays it keeps elsewhere
                    taken.update(id(gx) for gx in gxs if gx is not None)
                if not retain_graph:
                    if hooked:
                        ran.append(node)
                    else:
                        node.release()
            for edge, gx in zip(node.edges, gxs):
                if edge is not None:
                    send(grads, heap, leaves, edge, gx)
        # every leaf hook runs before any .grad is written: one that raises changes no .grad
        totals = [(leaf, leaf_hooks(leaf._hooks, grads.pop(leaf), taken)) for leaf in leaves]
        for leaf, g in totals:
            if targets is not None and leaf in targets:
                for i, _ in targets[leaf]:
                    captured[i] = g
            # (a leaf that stopped requiring grad after the forward takes none, as PyTorch's
            # AccumulateGrad)
            wanted = targets is None or leaf in targets
            if accumulate and g is not None and leaf.requires_grad and wanted:
                accumulate_leaf(leaf, g, create_graph, taken)
        for node in ran:  # (only after a pass that succeeded)
            node.release()
    except BaseException:
        if undo:  # (a retry writes them again)
            undo_retained(undo)
        raise
    finally:
        STATE.grad_enabled = prev_mode
    return captured


def _output_nr(t) -> int:
    """Which output of its node `t` is (0 unless the node has several)."""
    fn = t.grad_fn
    return t._out_nr if fn is not None and fn.n_out > 1 else 0

