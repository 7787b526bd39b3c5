"""In-place changes: version counters shared by views, and how a change is written and recorded
(the methods themselves, `add_`, `+=`, ..., are `InplaceMixin` in tensor_inplace.py).

A tensor's memory has one version counter, shared with every view of it and with `detach()`
(`.data` gets its own). Each in-place change bumps it, so backward can detect that a value an op
saved was changed afterwards and say which op and which versions.

Outside `no_grad()`, an in-place change to a tensor that is part of a graph is recorded as PyTorch
does: the new value is computed by the out-of-place op from a stand-in for the old value (same
history, its own memory when the op reads it), written into the tensor's memory, and the tensor's
history is rebased onto that op. A change through a view rebases the view's base instead (a
`copy_slices` node: the base with the view's region replaced), and the view's history is replayed
from the new base.

A view made under `no_grad()` or `inference_mode()` of a tensor that requires grad is, as in
PyTorch, a leaf that requires grad but sends its gradient nowhere; changing it (or a view of it,
or a piece of split/chunk/unbind) in place with grad mode on raises (`no_grad_view`,
`check_view_mode`).
"""

from __future__ import annotations

import math
import re
import weakref
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from .grad_mode import STATE
from .node import CLOCK, Node

if TYPE_CHECKING:
    pass

MAX_TRACKED_CHANGES = 16
# nodes whose output memory an in-place op changed or may change: node -> (counter, the version
# the output must still have when backward reads it)
DIRTY_OUTPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TORCH_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


class VersionCounter:
    """How often a block of memory was changed in place, and the clock ticks of the last changes."""

    __slots__ = ("mods", "version", "views")

    def __init__(self) -> None:
        self.version = 0
        self.mods = deque(maxlen=MAX_TRACKED_CHANGES)
        self.views = None  # the live views of this memory (a WeakSet), once there are some


def shared_counter(t) -> VersionCounter:
    """`t`'s version counter, made on first need (most tensors never share or change theirs)."""
    vc = t._vc
    if vc is None:
        vc = t._vc = VersionCounter()
    return vc


def bump_versions(tensors) -> None:
    """Record one in-place change to each of `tensors` (an optimizer step): one clock tick for all."""
    CLOCK[0] += 1
    now = CLOCK[0]
    for t in tensors:
        vc = t._vc
        if vc is None:
            vc = t._vc = VersionCounter()
        vc.version += 1
        vc.mods.append(now)


def torch_dtype_name(dtype) -> str:
    """PyTorch's short name of a dtype (Float, Long, ...), as its error messages spell it."""
    return _TORCH_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


# NOTE: `InplaceMixin` (tensor_inplace.py), a base class of `Tensor`, uses this module, and
# ops.registry imports VersionCounter from here, so it is imported before Tensor and the op table
# exist. The functions below
# import them when they run; at module level any of them would put this module in the import
# cycle (tests/autograd/test_import_structure.py).
def _ops():
    from . import ops

    return ops


def _is_tensor(x) -> bool:
    return hasattr(x, "grad_fn")


def _root_of(t):
    view = t._view
    return t if view is None else view[0]


def _check_leaf(t, name: str) -> None:
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation ({name}); "
            "wrap it in `with autograd.no_grad():` (as optimizers and nn.init do) or work on a copy"
        )
    root = _root_of(t)
    if root is not t and root.grad_fn is None and root.requires_grad:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place operation "
            f"({name}); wrap it in `with autograd.no_grad():` or work on a copy"
        )


def _check_fits(t, shape: tuple, name: str) -> None:
    """An in-place op's result of `shape` must broadcast into `t` unchanged (PyTorch's error)."""
    if shape != t.shape and np.broadcast_shapes(shape, t.shape) != t.shape:
        raise RuntimeError(
            f"{name}: output with shape {list(t.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(shape, t.shape))}"
        )


def _check_cast(t, dtype, name: str) -> None:
    order = "biufc"
    if order.index(np.dtype(dtype).kind) > order.index(t._data.dtype.kind):
        raise RuntimeError(
            f"{name}: result type {torch_dtype_name(dtype)} can't be cast to the desired output "
            f"type {torch_dtype_name(t._data.dtype)}"
        )


def _write(t, values, name: str) -> None:
    target = t._data
    try:
        np.copyto(target, values, casting="unsafe")
    except ValueError as exc:
        if not target.flags.writeable:
            raise RuntimeError(
                f"{name}: unsupported operation: more than one element of the written-to tensor "
                "refers to a single memory location (an expanded view); clone() it first"
            ) from None
        raise RuntimeError(
            f"{name}: output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(np.shape(values))} ({exc})"
        ) from None


def _bump(t) -> None:
    CLOCK[0] += 1
    vc = shared_counter(t)
    vc.version += 1
    vc.mods.append(CLOCK[0])


# ------------------------------------------------------------ views made in no_grad / inference_mode
_MODES = {  # made_in: (how PyTorch names it, the mode an in-place must not be in, the block)
    "no_grad": ("no_grad mode", "with grad mode enabled", "no_grad"),
    "inference": ("inference mode", "in normal mode", "inference_mode"),
}


def no_grad_view(v, root) -> str:
    """`v` is a view of `root` just made with grad mode off: as in PyTorch, it requires grad when
    its root does (a leaf, with no gradient edge of its own). Returns the mode it was made in."""
    if root.requires_grad:
        _derive_requires_grad(v, root)
    return "inference" if STATE.inference else "no_grad"


def _derive_requires_grad(v, root) -> None:
    """Give the no_grad view `v` (own flag unset) `root`'s requires_grad, and no gradient edge."""
    v.requires_grad = root.requires_grad
    v._history = NO_EDGE if v.requires_grad else None


# NOTE: PyTorch's no_grad view takes requires_grad from its base yet has no gradient edge of its
# own, so the gradient that reaches it goes nowhere (v.grad and the base's stay None). This
# history, valid for every node's clock, says so to the engine's edge finder at no cost elsewhere
# (a tuple: `_set_history` never extends it, as no history is recorded onto such a view).
NO_EDGE = ((math.inf, None, 0, False),)


def set_view_requires_grad(v, own: bool) -> None:
    """`v.requires_grad_(own)` on a view made in no_grad: PyTorch's flag is its own or its root's;
    with its own flag set it is an ordinary leaf (its gradient accumulates in `v.grad`)."""
    if own:
        v.requires_grad = True
        v._history = None
    else:
        _derive_requires_grad(v, v._view[0])


def is_no_grad_view(t) -> bool:
    """True for a view made in no_grad or inference_mode (not from one: that has a history)."""
    view = t._view
    return view is not None and view[2] in _MODES and t.grad_fn is None


def root_requires_grad_changed(root) -> None:
    """`root.requires_grad_()` changed: its no_grad views without their own flag follow it."""
    for u in list(root._vc.views):
        own = u.requires_grad and u._history is not NO_EDGE  # (set_view_requires_grad(u, True))
        if u._view[0] is root and is_no_grad_view(u) and not own:
            _derive_requires_grad(u, root)


def view_mode_error(t) -> RuntimeError:
    """PyTorch's error for an in-place change of a view made in no_grad or inference_mode or by an
    op that returns several views, or of a view of one."""
    made_in = t._view[2]
    fn = t.grad_fn
    name = None if fn is None else re.sub(r"Backward\d*$", "", fn.name())
    if made_in == "multi_output":
        # (PyTorch words a piece of a tensor that needs no grad as if made in no_grad mode)
        who = (f"Output {t._out_nr} of {name} is a view and is being modified inplace" if fn
               else "A view was created in no_grad mode and is being modified inplace with grad "
               "mode enabled")
        return RuntimeError(
            f"{who}. This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should replace "
            "the inplace operation by an out-of-place one."
        )
    created, now, block = _MODES[made_in]
    who = ("A view was created in" if fn is None
           else f"Output {t._out_nr} of {name} is a view of a view which was created in")
    return RuntimeError(
        f"{who} {created} and is being modified inplace {now}. Given that this use case is "
        "ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the "
        f"view and the inplace either both inside the {block} block (if you don't want the "
        "inplace to be tracked) or both outside (if you want the inplace to be tracked)."
    )


def check_view_mode(t) -> None:
    """Raise if `t`, about to change in place with grad mode on and a gradient involved, is a
    view made in no_grad or inference_mode (or a view of one): PyTorch forbids it."""
    view = t._view
    if view is not None and view[2] is not None:
        raise view_mode_error(t)


def _stand_in(t, copy: bool):
    """A tensor with `t`'s history and value (its own memory when `copy`): the old value of `t`
    that an in-place op's node saves, so later changes to `t` cannot reach it."""
    from .tensor import make_tensor

    s = make_tensor(t._data.copy() if copy else t._data)
    s.grad_fn = t.grad_fn
    s.requires_grad = t.requires_grad
    s._out_nr = t._out_nr
    return s


def _mark_dirty(node, vc) -> None:
    """`node`'s output memory is about to change: backward through a node that reads it raises."""
    if node is not None and node not in DIRTY_OUTPUTS:
        DIRTY_OUTPUTS[node] = (vc, vc.version)


def _track_output(node, t) -> None:
    """`node` (an in-place op's) computed the value now in `t`'s memory: later in-place changes
    to that memory (through t, a view or its base) must not reach its backward."""
    if node is not None and node.ctx is None:
        node.out = t._data
        vc = shared_counter(t)
        DIRTY_OUTPUTS[node] = (vc, vc.version)


def records(t, operands=()) -> bool:
    """True when an in-place change of `t` using `operands` must be recorded in the graph."""
    return STATE.grad_enabled and (
        t.requires_grad or _root_of(t).requires_grad
        or any(_is_tensor(o) and o.requires_grad for o in operands)
    )


def apply_inplace(t, name: str, fn, operands=(), reads_self: bool = True, cast_check: bool = True):
    """Make `t` hold `fn(x)`, where `fn` computes the new value out of place from `x` (t's old
    value) and `operands` are the other tensors it uses. Recorded in the graph when grad mode is
    on and anything involved requires grad; returns `t`."""
    if not records(t, operands):
        prev = STATE.grad_enabled
        STATE.grad_enabled = False
        try:
            r = fn(t)
        finally:
            STATE.grad_enabled = prev
        values = r._data if _is_tensor(r) else np.asarray(r)
        if cast_check:
            _check_cast(t, values.dtype, name)
        _check_fits(t, values.shape, name)
        _write(t, values, name)
        _bump(t)
        return t
    check_view_mode(t)
    _check_leaf(t, name)
    r = fn(_stand_in(t, reads_self))
    if not _is_tensor(r):
        from .tensor import make_tensor

        r = make_tensor(np.asarray(r))
    if cast_check:
        _check_cast(t, r.dtype, name)
    _check_fits(t, r.shape, name)
    if r.dtype != t.dtype:
        r = r.to(t.dtype)
    vc = shared_counter(t)
    view = t._view
    _mark_dirty(t.grad_fn, vc)
    if view is not None:
        _mark_dirty(view[0].grad_fn, vc)
    _write(t, r._data, name)
    _bump(t)
    _rebase(t, r)
    return t


def _set_history(t, fn, out_nr: int, requires: bool) -> None:
    """Give `t` a new history, keeping the old one for nodes recorded before now (their edges
    are derived when first needed, and must lead where they led when the op ran)."""
    entry = (CLOCK[0], t.grad_fn, t._out_nr, t.requires_grad)
    if t._history is None:
        t._history = [entry]
    else:
        t._history.append(entry)
    t.grad_fn = fn
    t._out_nr = out_nr
    t.requires_grad = requires


def _rebase(t, r) -> None:
    """Point `t`'s history (and its base's, for a view) at the in-place op's result `r`."""
    view = t._view
    node = r.grad_fn
    if node is not None and node.out is r._data:
        _track_output(node, t)  # (its output is t's memory from now on)
    if view is None:
        _set_history(t, node, r._out_nr, r.requires_grad)
        if t.requires_grad:
            _replay_views(t, t)
        return
    from .ops.indexing import COPY_SLICES

    root, chain = view[0], view[1]
    node = Node(COPY_SLICES, (_stand_in(root, False), r), {"chain": chain}, root._data, None, CLOCK[0])
    _set_history(root, node, 0, True)
    _replay_views(root, t)


def _replay_views(root, changed) -> None:
    """Give every live view of `root` (its memory just changed in place) a history replayed from
    root's new one, as PyTorch regenerates a view's grad_fn after an in-place change."""
    from .ops.registry import Primitive

    views = root._vc.views if root._vc is not None else None
    for u in list(views or ()):
        if u._view is None or u._view[0] is not root or u._view[2] in _MODES:
            continue  # (a view made in no_grad, or from one, sends its gradient nowhere still)
        x = root
        for op, kwargs in u._view[1]:
            x = Primitive.__call__(op, x, **kwargs)
        _set_history(u, x.grad_fn, 0, True)


def _data_of(x):
    return x._data if _is_tensor(x) else x


def index_key(key):
    """Tensors inside an index become their arrays; lists become arrays (an empty list an empty
    int64 index, as PyTorch: numpy would make it float64 and refuse it)."""
    if hasattr(key, "grad_fn"):
        return key._data
    if isinstance(key, tuple):
        return tuple(index_key(k) if isinstance(k, list) else (k._data if hasattr(k, "grad_fn") else k)
                     for k in key)
    if isinstance(key, list):
        if not key:
            return np.zeros(0, np.int64)
        return np.asarray([k._data if hasattr(k, "grad_fn") else k for k in key])
    return key
