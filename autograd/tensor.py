"""`Tensor`: an ndarray plus the graph bookkeeping that reverse-mode autodiff needs.

This file holds the slots, the constructor, `.grad`, `backward`, the operators and the numpy
protocol. `Tensor` inherits the rest, one concept a file: `GraphMixin` (tensor_graph.py: leaf,
hooks, retain_grad), `InplaceMixin` (tensor_inplace.py: `add_`, `+=`, ...), `ConversionMixin`
(tensor_convert.py: `item`, `tolist`, `float()`, printing) and `DeviceMixin` (tensor_device.py:
`device`, `to`, `shape`, `size`, `new_zeros`). Every registered op is a method too (see
`autograd/__init__.py`).
"""

from __future__ import annotations

import numpy as np

from .inplace import MAX_TRACKED_CHANGES, shared_counter
from .printing import format_tensor
from .promotion import get_default_dtype, sequence_dtype, wrap_int_operands
from .tensor_convert import ConversionMixin, legacy_type
from .tensor_device import DeviceMixin
from .tensor_extra import ExtraMixin
from .tensor_graph import GraphMixin, RemovableHandle
from .tensor_inplace import InplaceMixin

__all__ = [
    "MAX_TRACKED_CHANGES", "RemovableHandle", "Tensor", "format_tensor", "init_slots", "is_tensor", "make_tensor",
]


def _to_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    """Python floats/ints/lists -> float32/int64; numpy arrays keep their dtype (as PyTorch)."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype, copy=True if copy else None)
    typed = (Tensor, np.ndarray, np.generic)
    if isinstance(data, (list, tuple)) and any(isinstance(d, typed) for d in _flat(data)):
        if dtype is None:
            dtype = sequence_dtype(_flat(data))
        data = _nested_arrays(data)
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"tensor(): could not build a tensor from {type(data).__name__} data ({exc}); "
            "expected numbers, nested lists of numbers, or an ndarray"
        ) from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"tensor(): could not infer a numeric dtype from the data (numpy made {array.dtype}: "
            "strings or other objects); tensors hold bools, integers and floats only"
        )
    if dtype is None and array.dtype == np.float64:
        array = array.astype(get_default_dtype())
    if dtype is None and array.dtype.kind in "iu" and array.dtype != np.int64:
        array = array.astype(np.int64)
    return array


def _flat(seq):
    for item in seq:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def _nested_arrays(seq):
    return [
        _nested_arrays(s) if isinstance(s, (list, tuple)) else (s._data if isinstance(s, Tensor) else s)
        for s in seq
    ]


class Tensor(GraphMixin, InplaceMixin, ExtraMixin, ConversionMixin, DeviceMixin):
    """An n-dimensional array that records the operations applied to it.

    Args:
        data: array-like. Python floats become float32 and ints int64; a numpy array keeps its
            dtype (float64 stays float64).
        requires_grad: record operations on this tensor so `backward()` fills `.grad`.
        dtype: numpy dtype (or `autograd.float32`, ...) to convert to.
    """

    __slots__ = (
        "__weakref__",
        "_data",
        "_grad",
        "_history",
        "_hooks",
        "_name",
        "_out_nr",
        "_retains_grad",
        "_vc",
        "_view",
        "grad_fn",
        "requires_grad",
    )
    __array_priority__ = 1000
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad: bool = False, dtype=None) -> None:
        init_slots(self, _to_array(data, dtype))
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> Tensor:
        """The values as a tensor that shares memory with self but needs no grad and is not
        tracked by autograd (PyTorch's escape hatch: `p.data.add_(g, alpha=-lr)` changes `p`).
        The ndarray itself is `t.numpy()` or `np.asarray(t)`."""
        return make_tensor(self._data)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def grad(self):
        """Accumulated gradient (a Tensor) after backward, or None.

        Reading it on a non-leaf tensor that did not call `retain_grad()` warns, as PyTorch does:
        backward fills `.grad` on leaves only."""
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                "the leaf Tensor instead.",
                UserWarning,
                stacklevel=2,
            )
        if type(g) is np.ndarray:
            # backward stores the array it adopted; its Tensor is made on the first read (the
            # optimizers read the array, so a training step makes none)
            g = self._grad = make_tensor(g)
        return g

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        self._grad = value

    # ----------------------------------------------------------------- conversion
    def type(self, dtype=None) -> Tensor | str:
        """Cast to `dtype` (differentiable between float dtypes); self if it has that dtype.
        With no argument, PyTorch's type name (``'torch.FloatTensor'``); such a name casts too.

        The one cast: `to`, `float()`, `long()`, ... (tensor_device.py, tensor_convert.py) call it."""
        if dtype is None:
            return legacy_type(self._data.dtype, None)
        dtype = np.dtype(legacy_type(None, dtype) if isinstance(dtype, str) else dtype)
        if dtype == self._data.dtype:
            return self
        if dtype.kind not in "fc" and self.requires_grad:
            # as PyTorch: an integer or bool result is never differentiable (no grad_fn)
            return _CAST(self.detach(), dtype=dtype)
        return _CAST(self, dtype=dtype)

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradient flows back to self)."""
        return _CLONE(self)

    # ----------------------------------------------------------------- graph
    def detach(self) -> Tensor:
        """A new leaf sharing this data and its version counter, cut from the graph (an in-place
        change through either is seen by backward through the other)."""
        t = make_tensor(self._data)
        t._vc = shared_counter(self)
        return t

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Backpropagate from this tensor, accumulating into `.grad` of the leaves.

        Args:
            gradient: dL/dself, required unless self has a single element.
            retain_graph: keep saved values for another backward (default: `create_graph`).
            create_graph: record the backward pass, so gradients can be differentiated again.
            inputs: only accumulate into these tensors' `.grad`.
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return _ADD(self, other)

    def __radd__(self, other):
        return _ADD(other, self)

    def __sub__(self, other):
        return _SUB(self, other)

    def __rsub__(self, other):  # other - self
        return _SUB(other, self)

    def __mul__(self, other):
        return _MUL(self, other)

    def __rmul__(self, other):
        return _MUL(other, self)

    def __truediv__(self, other):
        return _DIV(self, other)

    def __rtruediv__(self, other):  # other / self
        return _DIV(other, self)

    def __pow__(self, exponent):
        return _POW(self, exponent)

    def __rpow__(self, base):  # base ** self
        return _POW(base, self)

    def __matmul__(self, other):
        return _MATMUL(self, other)

    def __rmatmul__(self, other):
        return _MATMUL(other, self)

    def __neg__(self):
        return _NEG(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ABS(self)

    def __floordiv__(self, other):
        return _floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _floor_divide(other, self)

    def __mod__(self, other):
        return _REMAINDER(self, other)

    def __rmod__(self, other):  # other % self
        return _REMAINDER(other, self)

    def __eq__(self, other):  # type: ignore[override]
        if other is None:
            return False  # as PyTorch: `t == None` is the Python bool, not an elementwise tensor
        return _constant_result(np.equal, self, other)

    def __ne__(self, other):  # type: ignore[override]
        if other is None:
            return True
        return _constant_result(np.not_equal, self, other)

    def __lt__(self, other):
        return _constant_result(np.less, self, other)

    def __le__(self, other):
        return _constant_result(np.less_equal, self, other)

    def __gt__(self, other):
        return _constant_result(np.greater, self, other)

    def __ge__(self, other):
        return _constant_result(np.greater_equal, self, other)

    def __invert__(self):
        return _constant_result(np.invert, self)

    def __and__(self, other):
        return _constant_result(np.bitwise_and, self, other)

    def __or__(self, other):
        return _constant_result(np.bitwise_or, self, other)

    def __xor__(self, other):
        return _constant_result(np.bitwise_xor, self, other)

    def __getitem__(self, key):
        return _getitem(self, key)

    def where(self, condition, other) -> Tensor:
        """``self`` where `condition` holds, else `other` (PyTorch's ``Tensor.where``)."""
        return _WHERE(condition, self, other)

    def t(self) -> Tensor:
        """Transpose of a matrix (at most 2-D), as PyTorch's ``Tensor.t``."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.T

    def any(self, dim=None, keepdim: bool = False) -> Tensor:
        """True where any element along `dim` is nonzero (no gradient)."""
        return _constant_result(np.any, self, axis=dim, keepdims=keepdim)

    def all(self, dim=None, keepdim: bool = False) -> Tensor:
        """True where all elements along `dim` are nonzero (no gradient)."""
        return _constant_result(np.all, self, axis=dim, keepdims=keepdim)

    def square(self) -> Tensor:
        """Elementwise ``self * self``."""
        return _MUL(self, self)

    # ----------------------------------------------------------------- numpy protocol
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or "out" in kwargs:
            return NotImplemented
        fn = NUMPY_DISPATCH.get(ufunc)
        if fn is not None:
            return fn(*inputs, **kwargs)
        if ufunc.__name__ in _CONSTANT_UFUNCS:
            return _constant_result(ufunc, *inputs, **kwargs)
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        fn = NUMPY_DISPATCH.get(func)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)

_CONSTANT_UFUNCS = {
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "floor_divide",
    "remainder", "invert", "bitwise_and", "bitwise_or", "bitwise_xor", "logical_and",
    "logical_or", "logical_not", "logical_xor", "isnan", "isinf", "isfinite", "floor", "ceil",
    "round", "rint", "trunc", "signbit",
}


def _constant_result(fn, *args, **kwargs) -> Tensor:
    """Apply a numpy function with no gradient (comparisons, floor division, ...)."""
    arrays = wrap_int_operands([a._data if isinstance(a, Tensor) else a for a in args])
    out = fn(*arrays, **kwargs)
    return make_tensor(np.asarray(out))


def init_slots(t, data):
    """Set every slot of the new tensor `t` (a Tensor or subclass) around the ndarray `data`;
    returns `t`.

    The one place that knows a Tensor's slots: Tensor(), make_tensor, nn.Parameter and every
    op's result (`Primitive.__call__`) go through it."""
    t._data = data
    t.grad_fn = None
    t._grad = None
    t._hooks = None
    t._name = None
    t._out_nr = 0
    t._retains_grad = False
    t._vc = None
    t._view = None
    t._history = None
    t.requires_grad = False
    return t


def make_tensor(data, requires_grad: bool = False) -> Tensor:
    """A tensor holding the ndarray `data` as is (no copy, no dtype change)."""
    t = _object_new(Tensor)
    init_slots(t, data)
    if requires_grad:
        t.requires_grad_(True)
    return t


_object_new = object.__new__


def is_tensor(obj) -> bool:
    """True if `obj` is a tapegrad Tensor."""
    return isinstance(obj, Tensor)


# The ops need Tensor defined first, so they are imported at the end.
from . import engine as _engine  # noqa: E402  (needs Tensor)
from .ops.arithmetic import ABS as _ABS  # noqa: E402
from .ops.arithmetic import ADD as _ADD  # noqa: E402
from .ops.arithmetic import DIV as _DIV  # noqa: E402
from .ops.arithmetic import MUL as _MUL  # noqa: E402
from .ops.arithmetic import NEG as _NEG  # noqa: E402
from .ops.arithmetic import POW as _POW  # noqa: E402
from .ops.arithmetic import SUB as _SUB  # noqa: E402
from .ops.arithmetic import WHERE as _WHERE  # noqa: E402
from .ops.binary_math import FLOOR_DIVIDE as _floor_divide  # noqa: E402
from .ops.binary_math import REMAINDER as _REMAINDER  # noqa: E402
from .ops.indexing import getitem as _getitem  # noqa: E402
from .ops.linalg import MATMUL as _MATMUL  # noqa: E402
from .ops.registry import NUMPY_DISPATCH  # noqa: E402
from .ops.shape import CAST as _CAST  # noqa: E402
from .ops.shape import CLONE as _CLONE  # noqa: E402
