"""Reverse-mode backprop: `backward` and `grad` over the recorded graph.

The walk is iterative: nodes come off a heap newest first (an op's inputs always come from older
nodes, so a node's gradient is complete when it comes off), so a 1,000,000-op chain needs no
recursion and no pass over the graph before the walk. Gradients accumulate in a
local dict keyed by node; `.grad` is written only on leaves (and tensors that asked to retain it).
Two walks, one result: `_run`, the reference walk (read it first), serves every case and writes
leaves at the end; `_run_fast` serves a plain `backward()` with its helpers inlined and writes a
leaf without hooks as soon as its gradient arrives (tests/autograd/test_walks.py holds them equal).
Without `create_graph`, VJPs run on raw ndarrays and grad mode is off, so a plain backward builds
no Tensor wrappers; with it, VJPs run on Tensors and are themselves recorded.
"""

from __future__ import annotations

import os
from heapq import heappop, heappush

import numpy as np

from .grad_mode import ANOMALY, STATE
from .inplace import DIRTY_OUTPUTS, torch_dtype_name
from .node import CLOCK, FREED_GRAPH_MESSAGE, LIVE_HOOKS, Node, edge_target
from .tensor import MAX_TRACKED_CHANGES, Tensor
from .tensor import make_tensor as _new_tensor

_ndarray = np.ndarray


class AnomalyError(RuntimeError):
    """Raised inside `detect_anomaly()` when a backward function produces NaN or Inf."""


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
        return np.array(1, dtype=data.dtype) if data.ndim == 0 else np.ones(data.shape, dtype=data.dtype)
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


_MISSING = object()


def _send(grads: dict, heap: list, leaves: list, edge, gx) -> None:
    """Add `gx` into the gradient of `edge` (None adds nothing); queue `edge` when first reached."""
    if type(edge) is tuple:
        node, slot = edge
        slots = grads.get(node)
        if slots is None:
            slots = grads[node] = [None] * node.n_out
            heappush(heap, (-node.seq, node))
        if gx is not None:
            slots[slot] = gx if slots[slot] is None else slots[slot] + gx
        return
    prev = grads.get(edge, _MISSING)
    if prev is _MISSING:
        grads[edge] = gx
        if type(edge) is Node:
            heappush(heap, (-edge.seq, edge))
        else:
            leaves.append(edge)
    elif gx is not None:
        grads[edge] = gx if prev is None else prev + gx


# When set, every backward takes the reference walk (tests compare the two walks with it).
FORCE_REFERENCE_WALK = os.environ.get("TAPEGRAD_REFERENCE_WALK", "") not in ("", "0")


def _run(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    """The backward walk. Returns, for `inputs` (if any), the gradient that reached each.

    This is the reference walk; it serves every case. A plain `backward()` (no create_graph, no
    anomaly mode, no `inputs=`) takes `_run_fast`, the same walk with its helpers inlined, which
    must give equal gradients (tests/autograd/test_walks.py holds the two equal).

    Nodes run newest first, off a heap keyed by creation order: when a node comes off it, every
    node that uses its output has run, so its gradient is complete (no dependency-counting pass
    over the graph first). Leaves collect their gradients and are written at the end, in the
    order the walk first reached them, once every leaf hook has run.

    While hooks exist (`LIVE_HOOKS`), a node's saved values are freed only when the whole pass
    has succeeded, so a hook that raises leaves the graph and every `.grad` as they were and the
    backward can be retried; without hooks, each node is freed as soon as it has run.
    """
    anomaly = ANOMALY.enabled
    if accumulate and inputs is None and not (create_graph or anomaly or FORCE_REFERENCE_WALK):
        return _run_fast(roots, root_grads, retain_graph)
    grads, heap, leaves, root_keys, taken = _seed(roots, root_grads, create_graph)
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
    prev_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            if g is not None:
                g = _node_hooks(node, g, create_graph)
            if targets is not None:
                if g is not None and node in targets:
                    for i, k in targets[node]:
                        captured[i] = g[k] if node.n_out > 1 else g
                if node not in needed:
                    g = None  # no input asked for lies behind this node
            gxs = [None] * len(node.edges)
            if g is not None:
                gxs = _call_backward(node, g, create_graph, anomaly)
                if node.ctx is not None:  # a custom backward may return arrays it keeps elsewhere
                    taken.update(id(gx) for gx in gxs if gx is not None)
                if not retain_graph:
                    if hooked:
                        ran.append(node)
                    else:
                        node.release()
            for edge, gx in zip(node.edges, gxs):
                if edge is not None:
                    _send(grads, heap, leaves, edge, gx)
        # every leaf hook runs before any .grad is written: one that raises changes no .grad
        totals = [(leaf, _leaf_hooks(leaf._hooks, grads.pop(leaf), taken)) for leaf in leaves]
        for leaf, g in totals:
            if targets is not None and leaf in targets:
                for i, _ in targets[leaf]:
                    captured[i] = g
            # (a leaf that stopped requiring grad after the forward takes none, as PyTorch's
            # AccumulateGrad)
            wanted = targets is None or leaf in targets
            if accumulate and g is not None and leaf.requires_grad and wanted:
                _accumulate_leaf(leaf, g, create_graph, taken)
        for node in ran:  # (only after a pass that succeeded)
            node.release()
    finally:
        STATE.grad_enabled = prev_mode
    return captured


def _seed(roots, root_grads, create_graph):
    """The walk's starting state: (grads, heap, leaves, root_keys, taken) with each root's
    gradient sent to its node (or to itself, for a leaf root)."""
    grads: dict = {}
    heap: list = []
    leaves: list = []
    root_keys = []
    # arrays that must never become a leaf's .grad without a copy (the caller's gradients)
    taken = set(map(id, root_grads))
    for t, g in zip(roots, root_grads):
        if create_graph and not isinstance(g, Tensor):
            g = _new_tensor(g)
        elif not create_graph and isinstance(g, Tensor):
            g = g._data
        fn = t.grad_fn
        if fn is None:
            root_keys.append(t)
            _send(grads, heap, leaves, t, g)
        else:
            root_keys.append(fn)
            _send(grads, heap, leaves, (fn, t._out_nr) if fn.n_out > 1 else fn, g)
    return grads, heap, leaves, root_keys, taken


def _run_fast(roots, root_grads, retain_graph) -> list:
    """`_run` for a plain backward, with the hot path inlined (see STYLE.md, "Speed without
    losing the reader"): a primitive's VJPs run on raw arrays and each result is passed on at
    once; a leaf without hooks takes each gradient into its `.grad` as soon as it arrives."""
    grads, heap, leaves, _, taken = _seed(roots, root_grads, False)
    grads_pop = grads.pop
    grads_get = grads.get
    # NOTE: without hooks, each node's saved values are freed as soon as it has run (as PyTorch
    # does; keeping them to the end costs W4 6% and a CNN step 29% of its peak memory). With
    # hooks, nodes are freed once the pass has succeeded and leaves wait for their totals, so a
    # hook that raises changes nothing and the backward can be retried (see `_run`).
    hooked = LIVE_HOOKS[0] != 0
    free_now = not (retain_graph or hooked)
    ran = []
    prev_mode = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads_pop(node)
            if g is not None and (node.hooks is not None or node.retained is not None):
                g = _node_hooks(node, g, False)
            args = node.args
            if g is None:
                edges = node.edges
                gxs = None
            elif node.ctx is None and node.clock == CLOCK[0] and args is not None:
                # the hot path: a primitive's VJPs on raw arrays, each result passed on at once
                edges = node.edges
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
                        prev = grads_get(edge, _MISSING)
                        if prev is _MISSING:
                            grads[edge] = gx
                            heappush(heap, (-edge.seq, edge))
                        else:
                            grads[edge] = gx if prev is None else prev + gx
                        continue
                    # a leaf into its .grad now, unless hooks exist (then leaves wait for their totals)
                    if type(edge) is not tuple and not hooked and not edge._hooks:
                        # (a leaf that stopped requiring grad after the forward takes none, as
                        # PyTorch's AccumulateGrad)
                        if edge.requires_grad:
                            _accumulate_leaf(edge, gx, False, taken)
                        continue
                    _send(grads, heap, leaves, edge, gx)
                continue
            else:
                edges = node.edges
                gxs = _call_backward(node, g, False, False)
                if node.ctx is not None:
                    # a custom backward may return arrays it keeps elsewhere
                    taken.update(id(gx) for gx in gxs if gx is not None)
                if free_now:
                    node.release()
                elif not retain_graph:
                    ran.append(node)
            for i, edge in enumerate(edges):
                if edge is not None:
                    _send(grads, heap, leaves, edge, None if gxs is None else gxs[i])
        totals = [(leaf, _leaf_hooks(leaf._hooks, grads_pop(leaf), taken)) for leaf in leaves]
        for leaf, g in totals:
            if g is not None and leaf.requires_grad:
                _accumulate_leaf(leaf, g, False, taken)
        for node in ran:  # (only after a pass that succeeded)
            node.release()
    finally:
        STATE.grad_enabled = prev_mode
    return []


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


def _output_nr(t) -> int:
    """Which output of its node `t` is (0 unless the node has several)."""
    fn = t.grad_fn
    return t._out_nr if fn is not None and fn.n_out > 1 else 0


def _call_backward(node: Node, g, create_graph: bool, anomaly: bool):
    """Run one node's VJPs; returns a list with the gradient of each input (or None)."""
    if node.args is None:
        raise RuntimeError(FREED_GRAPH_MESSAGE)
    if node.clock != CLOCK[0]:
        _check_versions(node)
    if node.ctx is not None:
        gxs = node.op.run_backward(node, g, create_graph)
    else:
        op = node.op
        vjps = op.vjps
        kwargs = node.kwargs
        if create_graph:
            out = _new_tensor(node.out)
            out.grad_fn = node
            out.requires_grad = True
            inputs = node.args
            arrays = node.arrays
        else:
            out = node.out
            arrays = inputs = node.arrays
        gxs = []
        for i, edge in enumerate(node.edges):
            if edge is None:
                gxs.append(None)
                continue
            gx = vjps[i](g, out, *inputs, **kwargs)
            shape = arrays[i].shape
            if gx.shape != shape:
                gx = unbroadcast(gx, shape)
            gxs.append(gx)
    if anomaly:
        _check_finite(node, gxs)
    return gxs


def _check_versions(node: Node) -> None:
    """Raise PyTorch's error when a value `node`'s backward reads was changed in place since."""
    if node.ctx is None:
        reads = node.op.reads(node.edges)
        args = node.args
    else:
        reads = None
        args = node.ctx._saved_for_check()
    for i, a in enumerate(args):
        if not isinstance(a, Tensor) or (reads is not None and (i >= len(reads[1]) or not reads[1][i])):
            continue
        vc = a._vc
        mods = None if vc is None else vc.mods
        if mods and mods[-1] > node.clock:
            expected = vc.version - sum(1 for m in mods if m > node.clock)
            exact = len(mods) < MAX_TRACKED_CHANGES or mods[0] <= node.clock
            _raise_modified(
                f"[{torch_dtype_name(a.dtype)} tensor of shape {list(a.shape)}], which is input {i} of "
                f"{node.name()},", vc.version, expected if exact else f"<= {expected}",
            )
    dirty = DIRTY_OUTPUTS.get(node)
    if dirty is not None and (reads is None or reads[0]) and node.ctx is None and dirty[0].version != dirty[1]:
        vc, version = dirty
        out = node.out
        _raise_modified(
            f"[{torch_dtype_name(out.dtype)} tensor of shape {list(out.shape)}], which is output 0 of "
            f"{node.name()},", vc.version, version,
        )


def _raise_modified(what: str, version, expected) -> None:
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {version}; expected version {expected} instead. "
        "Hint: do the in-place change on a copy (x.clone()) or after backward, or enable "
        "anomaly detection (autograd.detect_anomaly()) to find the operation that saved it."
    )


def _check_finite(node: Node, gxs) -> None:
    for i, gx in enumerate(gxs):
        if gx is None:
            continue
        values = gx._data if isinstance(gx, Tensor) else gx
        if not np.all(np.isfinite(values)):
            kind = "nan" if np.any(np.isnan(values)) else "inf"
            raise AnomalyError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output.\n"
                f"The forward op was created at:\n{node.trace or '(not recorded: the op ran outside detect_anomaly())'}"
            )


def _node_hooks(node: Node, g, create_graph: bool):
    """Tensor hooks and retain_grad on the outputs of `node` see the total gradient."""
    if node.hooks is None and node.retained is None:
        return g
    single = node.n_out == 1
    slots = [g] if single else list(g)
    if node.hooks:
        for k, fn in node.hooks:
            if slots[k] is None:
                continue
            value = slots[k] if create_graph else _new_tensor(slots[k])
            result = fn(value)
            if result is not None:
                _check_hook_result(fn, value, result)
                slots[k] = result if create_graph else result._data
    if node.retained:
        for k, ref in node.retained:
            t = ref()
            if t is None or slots[k] is None:
                continue
            value = slots[k] if create_graph else np.array(slots[k])
            if t._grad is None:
                t._grad = value if create_graph else _new_tensor(value)
            else:
                t._grad = t._grad + (value if create_graph else _new_tensor(value))
    return slots[0] if single else slots


def _leaf_hooks(hooks, g, taken: set):
    """Run a leaf's tensor hooks (None: none) on its total gradient; a hook's result replaces it."""
    if g is None or not hooks:
        return g
    for fn in hooks:
        is_tensor = isinstance(g, Tensor)
        value = g if is_tensor else _new_tensor(g)
        result = fn(value)
        if result is not None:
            _check_hook_result(fn, value, result)
            g = result if is_tensor else result._data
            taken.add(id(g))  # the hook's own tensor: never adopt it as .grad
    return g


def _check_hook_result(fn, value, result) -> None:
    """A hook must return None or a tensor of the gradient's shape and dtype (PyTorch's rule)."""
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{_type_name(result)}'")
    name = getattr(fn, "__name__", type(fn).__name__)
    if result.shape != value.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {list(value.shape)}, "
            f"got {list(result.shape)})"
        )
    if result.dtype != value.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {torch_dtype_name(value.dtype)}, "
            f"got {torch_dtype_name(result.dtype)})"
        )


def _type_name(x) -> str:
    cls = type(x)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _accumulate_leaf(leaf, g, create_graph: bool, taken: set) -> None:
    """Add `g` into `leaf.grad`; the first gradient is adopted without a copy when it is safe.

    An adopted array is stored bare in `leaf._grad` (`Tensor.grad` wraps it when first read).
    """
    if create_graph:
        current = leaf.grad
        leaf._grad = g if current is None else current + g
        return
    current = leaf._grad
    if current is None:
        data = leaf._data
        if (
            type(g) is _ndarray
            and g.base is None
            and id(g) not in taken
            and g.dtype == data.dtype
            and g.shape == data.shape
        ):
            # a fresh array a VJP made for this leaf alone (not a view, a user's gradient, a
            # custom backward's or a hook's array, or one already handed to another leaf)
            taken.add(id(g))
            leaf._grad = g
        else:
            leaf._grad = np.array(g, dtype=data.dtype)
    elif type(current) is _ndarray:  # an array this engine made: add in place
        # (not into one adopted during this walk: the VJP that made it may have handed the same
        # array to a node that has not run yet)
        if current.flags.writeable and id(current) not in taken:
            np.add(current, g, out=current, casting="unsafe")
        else:
            total = current + g
            leaf._grad = total if total.dtype == current.dtype else total.astype(current.dtype)
    elif current.grad_fn is None and current._data.flags.writeable and id(current._data) not in taken:
        np.add(current._data, g, out=current._data, casting="unsafe")
    else:
        leaf._grad = _new_tensor((current._data + g).astype(leaf._data.dtype, copy=False))
