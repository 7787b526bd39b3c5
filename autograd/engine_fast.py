"""The fast walk: `engine._run` for a plain `backward()`, with its hot path inlined.

A plain backward (no create_graph, no anomaly mode, no `inputs=`) is nearly every backward of a
training loop, and on tiny ops the walk itself is the cost: inlining the reference walk's helpers
here buys ~17% on W1 (STYLE.md, "Speed without losing the reader"). Read `engine._run` first;
tests/autograd/test_walks.py holds the two walks equal on random graphs.
"""

from __future__ import annotations

from heapq import heappop, heappush

from .engine_steps import (
    MISSING,
    accumulate_leaf,
    call_backward,
    leaf_hooks,
    node_hooks,
    seed,
    send,
    unbroadcast,
    undo_retained,
)
from .grad_mode import STATE
from .node import CLOCK, LIVE_HOOKS, Node, input_edges


def run_fast(roots, root_grads, retain_graph) -> list:
    """`_run` for a plain backward, with the hot path inlined (see STYLE.md, "Speed without
    losing the reader"): a primitive's VJPs run on raw arrays and each result is passed on at
    once; while no hooks exist, a leaf takes each gradient into its `.grad` as soon as it
    arrives."""
    grads, heap, leaves, _, taken = seed(roots, root_grads, False)
    grads_pop = grads.pop
    grads_get = grads.get
    # NOTE: without hooks, each node's saved values are freed as soon as it has run (as PyTorch
    # does; keeping them to the end costs 29% of a CNN step's backward peak memory, 6% on W4). With
    # hooks, nodes are freed once the pass has succeeded and leaves wait for their totals, so a
    # hook that raises changes nothing and the backward can be retried (see `_run`).
    hooked = LIVE_HOOKS[0] != 0
    free_now = not (retain_graph or hooked)
    ran = []
    undo = [] if hooked else None
    prev_mode = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads_pop(node)
            if g is not None and (node.hooks is not None or node.retained is not None):
                g = node_hooks(node, g, False, undo)
            args = node.args
            if g is None:
                edges = node.edges
                gxs = None
            elif node.ctx is None and node.clock == CLOCK[0] and args is not None:
                # the hot path: a primitive's VJPs on raw arrays, each result passed on at once
                edges = node._edges
                if edges is None:  # (Node.edges without its property's frame)
                    edges = node._edges = input_edges(args, node.op, node.clock, node)
                arrays = node.arrays
                out = node.out
                kwargs = node.kwargs
                if free_now:
                    # Node.release() for a primitive's node, inline
                    node.meta = (out.shape, out.dtype)
                    node.args = node.arrays = node.out = node.kwargs = None
                elif not retain_graph:
                    ran.append(node)
                vjps = node.op.vjps
                n_in = len(arrays)
                for i, edge in enumerate(edges):
                    if edge is None:
                        continue
                    # (`**kwargs` would copy the dict on every call, even an empty one)
                    if kwargs:
                        gx = vjps[i](g, out, *arrays, **kwargs)
                    elif n_in == 2:  # NOTE: spelled out: a star call builds a tuple per call
                        gx = vjps[i](g, out, arrays[0], arrays[1])
                    elif n_in == 1:
                        gx = vjps[i](g, out, arrays[0])
                    else:
                        gx = vjps[i](g, out, *arrays)
                    shape = arrays[i].shape
                    if gx.shape != shape:
                        gx = unbroadcast(gx, shape)
                    if type(edge) is Node:
                        prev = grads_get(edge, MISSING)
                        if prev is MISSING:
                            grads[edge] = gx
                            heappush(heap, (-edge.seq, edge))
                        else:
                            grads[edge] = gx if prev is None else prev + gx
                        continue
                    # a leaf into its .grad now, unless hooks exist (then leaves wait for totals)
                    if type(edge) is not tuple and not hooked and not edge._hooks:
                        # (a leaf that stopped requiring grad after the forward takes none, as
                        # PyTorch's AccumulateGrad)
                        if edge.requires_grad:
                            accumulate_leaf(edge, gx, False, taken)
                        continue
                    send(grads, heap, leaves, edge, gx)
                continue
            else:
                edges = node.edges
                gxs = call_backward(node, g, False, False)
                if node.ctx is not None:
                    # a custom backward may return arrays it keeps elsewhere
                    taken.update(id(gx) for gx in gxs if gx is not None)
                if free_now:
                    node.release()
                elif not retain_graph:
                    ran.append(node)
            for i, edge in enumerate(edges):
                if edge is not None:
                    send(grads, heap, leaves, edge, None if gxs is None else gxs[i])
        if leaves:  # (leaves waiting for their totals: those with hooks, or all while hooks exist)
            totals = [(leaf, leaf_hooks(leaf._hooks, grads_pop(leaf), taken)) for leaf in leaves]
            for leaf, g in totals:
                if g is not None and leaf.requires_grad:
                    accumulate_leaf(leaf, g, False, taken)
        for node in ran:  # (only after a pass that succeeded)
            node.release()
    except BaseException:
        if undo:  # (a retry writes them again)
            undo_retained(undo)
        raise
    finally:
        STATE.grad_enabled = prev_mode
    return []

