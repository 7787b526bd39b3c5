"""One step of the backward walk, shared by `engine._run` and `engine_fast.run_fast`.

Seeding the roots (`seed`), sending a gradient along an edge (`send`), running one node's VJPs
(`call_backward`, with its in-place version check and anomaly check), tensor hooks on a node's
outputs and on leaves (`node_hooks`, `leaf_hooks`, `undo_retained`), and adding a gradient into a leaf's `.grad`
(`accumulate_leaf`); `unbroadcast` sums a VJP's result back to its input's shape.
"""

from __future__ import annotations

from heapq import heappush

import numpy as np

from .inplace import DIRTY_OUTPUTS, torch_dtype_name
from .node import CLOCK, FREED_GRAPH_MESSAGE, Node
from .tensor import MAX_TRACKED_CHANGES, Tensor
from .tensor import make_tensor as _new_tensor

_ndarray = np.ndarray


class AnomalyError(RuntimeError):
    """Raised inside `detect_anomaly()` when a backward function produces NaN or Inf."""

# `grads` has no entry yet (an entry None: reached, no gradient so far)
MISSING = object()


def send(grads: dict, heap: list, leaves: list, edge, gx) -> None:
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
    prev = grads.get(edge, MISSING)
    if prev is MISSING:
        grads[edge] = gx
        if type(edge) is Node:
            heappush(heap, (-edge.seq, edge))
        else:
            leaves.append(edge)
    elif gx is not None:
        grads[edge] = gx if prev is None else prev + gx


def seed(roots, root_grads, create_graph):
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
            send(grads, heap, leaves, t, g)
        else:
            root_keys.append(fn)
            send(grads, heap, leaves, (fn, t._out_nr) if fn.n_out > 1 else fn, g)
    return grads, heap, leaves, root_keys, taken


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


def call_backward(node: Node, g, create_graph: bool, anomaly: bool):
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
        unread = reads is not None and (i >= len(reads[1]) or not reads[1][i])
        if unread or not isinstance(a, Tensor):
            continue
        vc = a._vc
        mods = None if vc is None else vc.mods
        if mods and mods[-1] > node.clock:
            expected = vc.version - sum(1 for m in mods if m > node.clock)
            exact = len(mods) < MAX_TRACKED_CHANGES or mods[0] <= node.clock
            _raise_modified(
                f"[{torch_dtype_name(a.dtype)} tensor of shape {list(a.shape)}], which is input "
                f"{i} of {node.name()},", vc.version, expected if exact else f"<= {expected}",
            )
    dirty = DIRTY_OUTPUTS.get(node)
    reads_out = reads is None or reads[0]
    if dirty is not None and reads_out and node.ctx is None and dirty[0].version != dirty[1]:
        vc, version = dirty
        out = node.out
        _raise_modified(
            f"[{torch_dtype_name(out.dtype)} tensor of shape {list(out.shape)}], which is output "
            f"0 of {node.name()},", vc.version, version,
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
                "The forward op was created at:\n"
                f"{node.trace or '(not recorded: the op ran outside detect_anomaly())'}"
            )


def node_hooks(node: Node, g, create_graph: bool, undo: list | None = None):
    """Tensor hooks and retain_grad on the outputs of `node` see the total gradient. With
    `undo`, each retained `.grad` is recorded there as (tensor, value before) when written."""
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
            if undo is not None:
                undo.append((t, t._grad))
            if t._grad is None:
                t._grad = value if create_graph else _new_tensor(value)
            else:
                t._grad = t._grad + (value if create_graph else _new_tensor(value))
    return slots[0] if single else slots


def undo_retained(undo: list) -> None:
    """Put back each `.grad` that `node_hooks` recorded in `undo` (after a pass that raised)."""
    for t, before in reversed(undo):
        t._grad = before


def leaf_hooks(hooks, g, taken: set):
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


def accumulate_leaf(leaf, g, create_graph: bool, taken: set) -> None:
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
            # (np.asarray: the sum of two 0-d arrays is a numpy scalar, not an array)
            leaf._grad = np.asarray(current + g, dtype=current.dtype)
    elif (current.grad_fn is None and current._data.flags.writeable
          and id(current._data) not in taken):
        np.add(current._data, g, out=current._data, casting="unsafe")
    else:
        leaf._grad = _new_tensor(np.asarray(current._data + g, dtype=leaf._data.dtype))

