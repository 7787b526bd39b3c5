"""`InplaceMixin`: `Tensor`'s in-place methods (`add_`, `mul_`, `clamp_`, `scatter_`, `fill_`,
`normal_`, `unsqueeze_`, ...) and augmented assignment (`+=` changes the tensor itself).

Each method states the change out of place (`x + other`) for `inplace.apply_inplace` to write,
count and, when needed, record (see inplace.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .inplace import (
    _bump,
    _data_of,
    _is_tensor,
    _ops,
    _set_history,
    _write,
    apply_inplace,
    index_key,
    records,
)
from .node import CLOCK
from .promotion import checked_int
from .random import default_generator

if TYPE_CHECKING:
    from .tensor import Tensor

# NOTE: Tensor inherits InplaceMixin, so this module loads before Tensor and the op table: methods
# reach them when they run (at module level they would close an import cycle).


class InplaceMixin:
    """`Tensor`'s in-place methods and augmented assignment (`+=` changes the tensor itself)."""

    __slots__ = ()

    def _bump_version(self) -> None:
        """Record an in-place change (backward checks it against the ops that saved this tensor)."""
        _bump(self)

    def __setitem__(self, key, value) -> None:
        from .ops.indexing import COPY_SLICES, torch_key_chain

        chain = torch_key_chain(self, index_key(key))
        if not records(self, (value,)):  # (only the region is written: no copy of the tensor)
            from .ops.indexing import assign_region

            try:
                assign_region(self._data, chain, _data_of(value))
            except ValueError as exc:
                raise RuntimeError(f"__setitem__: {exc}") from None
            _bump(self)
            return
        if _is_tensor(value) and value.dtype != self.dtype:
            value = value.to(self.dtype)
        elif not _is_tensor(value):
            value = np.asarray(value, dtype=self._data.dtype)
        apply_inplace(
            self, "__setitem__", lambda x: COPY_SLICES(x, value, chain=chain), (value,),
            reads_self=False, cast_check=False,
        )

    def copy_(self, src, non_blocking: bool = False) -> Tensor:
        """Copy `src` into this tensor in place (broadcasting; any dtype is cast)."""
        ops = _ops()
        if not records(self, (src,)):
            _write(self, _data_of(src), "copy_")
            _bump(self)
            return self
        if _is_tensor(src) and src.dtype != self.dtype:
            src = src.to(self.dtype)
        mask = np.ones(self.shape, dtype=np.bool_)
        return apply_inplace(self, "copy_", lambda x: ops.arithmetic.WHERE(mask, src, x), (src,),
                             reads_self=False, cast_check=False)

    def fill_(self, value) -> Tensor:
        """Fill with `value` (a number or a 0-d tensor) in place."""
        if _is_tensor(value) and value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return self.copy_(value if _is_tensor(value) else np.asarray(checked_int(value, self.dtype), dtype=self.dtype))

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self.fill_(0)

    def add_(self, other, *, alpha=1) -> Tensor:
        """self += alpha * other, in place."""
        ops = _ops()
        return apply_inplace(self, "add_", lambda x: ops.arithmetic.add(x, other, alpha=alpha),
                             (other,), reads_self=False)

    def sub_(self, other, *, alpha=1) -> Tensor:
        """self -= alpha * other, in place."""
        ops = _ops()
        return apply_inplace(self, "sub_", lambda x: ops.arithmetic.sub(x, other, alpha=alpha),
                             (other,), reads_self=False)

    def mul_(self, other) -> Tensor:
        """self *= other, in place."""
        ops = _ops()
        return apply_inplace(self, "mul_", lambda x: ops.arithmetic.MUL(x, other), (other,))

    def div_(self, other, *, rounding_mode=None) -> Tensor:
        """self /= other, in place (`rounding_mode` 'trunc' or 'floor' rounds; no gradient then)."""
        ops = _ops()
        if rounding_mode is None:
            return apply_inplace(self, "div_", lambda x: ops.arithmetic.DIV(x, other), (other,))
        return apply_inplace(self, "div_", lambda x: _rounded_div(x, other, rounding_mode),
                             (other,), reads_self=False)

    def pow_(self, exponent) -> Tensor:
        """self **= exponent, in place."""
        ops = _ops()
        return apply_inplace(self, "pow_", lambda x: ops.arithmetic.POW(x, exponent), (exponent,))

    def _unary_(self, name: str, prim: str) -> Tensor:
        ops = _ops()
        fn = getattr(ops.arithmetic, prim)
        return apply_inplace(self, name, lambda x: fn(x), reads_self=prim != "NEG")

    def neg_(self) -> Tensor:
        """self = -self, in place."""
        return self._unary_("neg_", "NEG")

    def abs_(self) -> Tensor:
        """self = |self|, in place."""
        return self._unary_("abs_", "ABS")

    def exp_(self) -> Tensor:
        """self = exp(self), in place."""
        return self._unary_("exp_", "EXP")

    def log_(self) -> Tensor:
        """self = log(self), in place."""
        return self._unary_("log_", "LOG")

    def sqrt_(self) -> Tensor:
        """self = sqrt(self), in place."""
        return self._unary_("sqrt_", "SQRT")

    def relu_(self) -> Tensor:
        """self = max(self, 0), in place."""
        return self._unary_("relu_", "RELU")

    def sigmoid_(self) -> Tensor:
        """self = sigmoid(self), in place."""
        return self._unary_("sigmoid_", "SIGMOID")

    def tanh_(self) -> Tensor:
        """self = tanh(self), in place."""
        return self._unary_("tanh_", "TANH")

    def clamp_(self, min=None, max=None) -> Tensor:
        """Clamp into [min, max] in place."""
        ops = _ops()
        return apply_inplace(self, "clamp_", lambda x: ops.arithmetic.clamp(x, min, max), (min, max))

    def clamp_min_(self, min) -> Tensor:
        """Clamp from below in place."""
        return self.clamp_(min=min)

    def clamp_max_(self, max) -> Tensor:
        """Clamp from above in place."""
        return self.clamp_(max=max)

    def masked_fill_(self, mask, value) -> Tensor:
        """Set the elements where `mask` is True to `value`, in place."""
        ops = _ops()
        return apply_inplace(self, "masked_fill_", lambda x: ops.indexing.masked_fill(x, mask, value),
                             (value,), reads_self=False)

    def index_fill_(self, dim: int, index, value) -> Tensor:
        """Set the slices at `index` along `dim` to `value`, in place."""
        ops = _ops()
        mask = _index_mask(self, dim, index)
        return apply_inplace(self, "index_fill_", lambda x: ops.indexing.masked_fill(x, mask, value),
                             (value,), reads_self=False)

    def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
        """Add `alpha * source` into the slices at `index` along `dim` (repeats accumulate)."""
        ops = _ops()
        key = slices_at(self, dim, index, "index_add_")

        def fn(x):
            placed = ops.indexing.INDEX_PUT(source, key=key, shape=self.shape)
            return ops.arithmetic.add(x, placed, alpha=alpha)

        return apply_inplace(self, "index_add_", fn, (source,), reads_self=False)

    def scatter_add_(self, dim: int, index, src) -> Tensor:
        """self[index[i][j]][j] += src[i][j] along `dim` (repeats accumulate), in place."""
        ops = _ops()
        d, idx, part = _scatter_args(self, dim, index, src, "scatter_add_")

        def fn(x):
            return ops.arithmetic.ADD(x, ops.indexing.SCATTER_ADD(part(), index=idx, dim=d, shape=self.shape))

        return apply_inplace(self, "scatter_add_", fn, (src,), reads_self=False)

    def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
        """self[index[i][j]][j] = src[i][j] along `dim` (or `value`), in place; where an index
        repeats, the last write wins (as PyTorch on the CPU). `reduce='add'|'multiply'`
        accumulates instead (no gradient, as PyTorch)."""
        ops = _ops()
        if src is None:
            src = value
        if reduce is not None:
            return apply_inplace(self, "scatter_", lambda x: ops.scatter.scatter(x, dim, index, src, reduce=reduce),
                                 (src,))
        if not _is_tensor(src):
            src = np.full(np.shape(_data_of(index)), src, dtype=self._data.dtype)
        d, idx, part = _scatter_args(self, dim, index, src, "scatter_")
        hit = np.zeros(self.shape, dtype=np.bool_)
        np.put_along_axis(ops.indexing.leading_part(hit, idx, d), idx, True, axis=d)

        def fn(x):
            placed = ops.indexing.SCATTER_PUT(part(), index=idx, dim=d, shape=self.shape)
            return ops.arithmetic.WHERE(hit, placed, x)

        return apply_inplace(self, "scatter_", fn, (src,), reads_self=False)

    def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self += value * tensor1 * tensor2, in place."""
        return apply_inplace(self, "addcmul_", lambda x: x + value * (tensor1 * tensor2),
                             (tensor1, tensor2), reads_self=False)

    def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self += value * tensor1 / tensor2, in place."""
        return apply_inplace(self, "addcdiv_", lambda x: x + value * (tensor1 / tensor2),
                             (tensor1, tensor2), reads_self=False)

    def lerp_(self, end, weight) -> Tensor:
        """self += weight * (end - self), in place."""
        return apply_inplace(self, "lerp_", lambda x: x + weight * (end - x), (end, weight))

    # ------------------------------------------------------------ random fills (no gradient)
    def _fill_random(self, name: str, values) -> Tensor:
        if not records(self):
            _write(self, values, name)
            _bump(self)
            return self
        return apply_inplace(self, name, lambda x: _constant_like(x, values), reads_self=False,
                             cast_check=False)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        """Fill with samples from U(a, b) in place (drawn in the tensor's float dtype)."""
        rng = _generator(generator)
        return self._fill_random("uniform_", rng.random(self.shape, dtype=_float_dtype(self)) * (b - a) + a)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        """Fill with samples from N(mean, std^2) in place (drawn in the tensor's float dtype)."""
        rng = _generator(generator)
        values = rng.standard_normal(self.shape, dtype=_float_dtype(self)) * std + mean
        return self._fill_random("normal_", values)

    def bernoulli_(self, p=0.5, generator=None) -> Tensor:
        """Fill with 0/1 samples, 1 with probability `p` (a number or a tensor), in place."""
        rng = _generator(generator)
        return self._fill_random("bernoulli_", rng.random(self.shape) < _data_of(p))

    def exponential_(self, lambd: float = 1.0, generator=None) -> Tensor:
        """Fill with samples from Exp(lambd) in place."""
        rng = _generator(generator)
        return self._fill_random("exponential_", rng.exponential(1.0 / lambd, self.shape))

    def random_(self, from_=0, to=None, generator=None) -> Tensor:
        """Fill with integers uniform in [from_, to) (to defaults to the dtype's mantissa range)."""
        rng = _generator(generator)
        if to is None:
            from_, to = (0, from_) if from_ else (0, 2 ** (24 if self._data.dtype == np.float32 else 53))
        return self._fill_random("random_", rng.integers(from_, to, self.shape))

    # ------------------------------------------------------------ shape changes in place
    def _reshape_(self, view) -> Tensor:
        self._data = view._data
        if self.grad_fn is not None:  # a graph tensor: the reshape is recorded in its history
            CLOCK[0] += 1
            _set_history(self, view.grad_fn, 0, True)
        return self

    def unsqueeze_(self, dim: int) -> Tensor:
        """Insert a size-1 dim at `dim` in place."""
        return self._reshape_(self.unsqueeze(dim))

    def squeeze_(self, dim=None) -> Tensor:
        """Remove size-1 dims (only `dim`, if given) in place."""
        return self._reshape_(self.squeeze(dim))

    def t_(self) -> Tensor:
        """Transpose a matrix in place."""
        return self._reshape_(self.t())

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims in place."""
        return self._reshape_(self.transpose(dim0, dim1))

    # ------------------------------------------------------------ augmented assignment
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __ifloordiv__(self, other):
        return self.div_(other, rounding_mode="floor")

    def __imod__(self, other):
        # PyTorch's remainder_: recorded, with d/dself = 1 (and d/dother = -floor(self / other))
        ops = _ops()
        return apply_inplace(self, "remainder_", lambda x: ops.binary_math.remainder(x, other),
                             (other,))

    def __iand__(self, other):
        return apply_inplace(self, "bitwise_and_", lambda x: _constant_like(x, x._data & _data_of(other)))

    def __ior__(self, other):
        return apply_inplace(self, "bitwise_or_", lambda x: _constant_like(x, x._data | _data_of(other)))

    def __ixor__(self, other):
        return apply_inplace(self, "bitwise_xor_", lambda x: _constant_like(x, x._data ^ _data_of(other)))


def _constant_like(x, values):
    """`values` as the new value of `x`: no gradient flows to x's old value (a `where` that
    always picks the constant, so the history stays connected as PyTorch's fill does)."""
    ops = _ops()
    values = np.asarray(values)
    if not x.requires_grad:
        from .tensor import make_tensor

        return make_tensor(values)
    mask = np.ones(np.broadcast_shapes(x.shape, values.shape), dtype=np.bool_)
    return ops.arithmetic.WHERE(mask, values.astype(x.dtype, copy=False), x)


def _rounded_div(x, other, mode: str):
    q = np.true_divide(x._data, _data_of(other))
    if mode == "trunc":
        q = np.trunc(q)
    elif mode == "floor":
        q = np.floor_divide(x._data, _data_of(other))
    else:
        raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got {mode!r}")
    return _constant_like(x, q)


def _float_dtype(t):
    return t._data.dtype if t._data.dtype in (np.float32, np.float64) else np.float64


def _dim_index(t, dim, index, name):
    from .ops.registry import normalize_dim

    d = normalize_dim(dim, t.ndim)
    idx = np.asarray(_data_of(index))
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise RuntimeError(f"{name}: index must be a 1-D integer tensor, got dtype {idx.dtype} and {idx.ndim} dims")
    n = t.shape[d] if t.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{name}: index out of range for dimension {dim} of size {n}")
    return d, idx % max(n, 1)


def slices_at(t, dim, index, name):
    """The indexing key that picks the slices at `index` along `dim` of `t` (checked; negative
    indices wrapped), as index_add and index_add_ place their source."""
    d, idx = _dim_index(t, dim, index, name)
    return (slice(None),) * d + (idx,)


def _index_mask(t, dim, index):
    d, idx = _dim_index(t, dim, index, "index_fill_")
    mask = np.zeros(t.shape, dtype=np.bool_)
    mask[(slice(None),) * d + (idx,)] = True
    return mask


def _scatter_args(t, dim, index, src, name):
    from .ops.indexing import check_gather_index
    from .ops.registry import normalize_dim

    d = normalize_dim(dim, t.ndim)
    idx = np.asarray(_data_of(index))
    check_gather_index(name, t.shape, d, idx)
    src_shape = src.shape if _is_tensor(src) else np.shape(src)
    if len(src_shape) != idx.ndim or any(i > s for i, s in zip(idx.shape, src_shape)):
        raise RuntimeError(f"{name}: expected index {tuple(idx.shape)} to be no larger than src {tuple(src_shape)}")
    part_key = tuple(slice(0, n) for n in idx.shape)

    def part():
        return src[part_key] if tuple(src_shape) != idx.shape else src

    return d, idx, part


def _generator(generator):
    return generator if generator is not None else default_generator()
