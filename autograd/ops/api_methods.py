"""PyTorch names that programs use and the contract lists leave out: the named comparisons
(`eq ne lt le gt ge` and their long aliases), `view_as expand_as reshape_as`, `clamp_min
clamp_max`, `addcmul addcdiv`, `nansum nanmean`, `xlogy`, `diff`, `rot90 fliplr flipud`,
`deg2rad rad2deg`, `nan_to_num`, `count_nonzero argwhere`, `sgn`, `clone`, `unique bincount`,
`is_floating_point`.
Each is a composite of entries already in the table (so gradients come from theirs) or a
function without gradient; all follow PyTorch's dtypes, shapes and errors."""

from __future__ import annotations

import math

import numpy as np

from ..promotion import wrap_int_operands
from .arithmetic import WHERE
from .comparison import _broadcast_error
from .reduction import unreduce
from .registry import Const, Primitive, Sample, Tensor, normalize_dim, register
from .shape import cat
from .support import array_of, new_tensor

BINARY = [Sample((3, 4), (3, 4)), Sample((2, 3, 4), (4,)), Sample((3, 4), Const(0.25))]


def _compare(name, np_fn, aliases=()):
    @register(name, ref=np_fn, samples=BINARY, differentiable=False, aliases=aliases)
    def compare(input, other):
        a = array_of(input)
        b = other if type(other) is int else array_of(other)
        _broadcast_error(name, a, b)
        return new_tensor(np_fn(*wrap_int_operands((a, b))))

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"Bool tensor: `input {name} other` elementwise, broadcasting "
                       f"(numpy's `{np_fn.__name__}`); no gradient.")
    return compare


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal, aliases=("not_equal",))
lt = _compare("lt", np.less, aliases=("less",))
le = _compare("le", np.less_equal, aliases=("less_equal",))
gt = _compare("gt", np.greater, aliases=("greater",))
ge = _compare("ge", np.greater_equal, aliases=("greater_equal",))


def _shape_of(other):
    return tuple(np.shape(array_of(other)))


@register("view_as", ref=lambda x, o: x.reshape(o.shape),
          samples=[Sample((3, 4), Const(np.zeros((4, 3)))), Sample((6,), Const(np.zeros((2, 3))))])
def view_as(input, other):
    """`input.view(other.shape)`: a view with `other`'s shape (same rules as `view`)."""
    return input.view(_shape_of(other))


@register("reshape_as", ref=lambda x, o: x.reshape(o.shape),
          samples=[Sample((3, 4), Const(np.zeros((2, 6)))), Sample((2, 3), Const(np.zeros(6)))])
def reshape_as(input, other):
    """`input.reshape(other.shape)`."""
    return input.reshape(_shape_of(other))


@register("expand_as", ref=lambda x, o: np.broadcast_to(x, o.shape),
          samples=[Sample((3, 1), Const(np.zeros((3, 4)))), Sample((4,), Const(np.zeros((2, 4))))])
def expand_as(input, other):
    """`input.expand(other.shape)`: a broadcast view with `other`'s shape."""
    return input.expand(_shape_of(other))


@register("clamp_min", ref=lambda x, m: np.maximum(x, m), smooth=False,
          samples=[Sample((3, 4), Const(0.1)), Sample((3, 4), (3, 4))])
def clamp_min(input, min):
    """`clamp(input, min=min)`: elements below `min` become `min` (tensor bounds broadcast)."""
    return input.clamp(min=min)


@register("clamp_max", ref=lambda x, m: np.minimum(x, m), smooth=False,
          samples=[Sample((3, 4), Const(0.1)), Sample((3, 4), (4,))])
def clamp_max(input, max):
    """`clamp(input, max=max)`: elements above `max` become `max` (tensor bounds broadcast)."""
    return input.clamp(max=max)


@register("addcmul", ref=lambda x, a, b, value=1: x + value * a * b,
          samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((4,), (3, 1), (3, 4), value=0.5)])
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (broadcasting)."""
    return input + value * (tensor1 * tensor2)


@register("addcdiv", ref=lambda x, a, b, value=1: x + value * a / b,
          domain="nonzero",
          samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((4,), (3, 1), (3, 4), value=-2.0)])
def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (broadcasting); integer inputs raise as in PyTorch."""
    if array_of(tensor1).dtype.kind in "biu" and array_of(tensor2).dtype.kind in "biu":
        raise RuntimeError(
            "addcdiv: integer division of tensors is not supported; use true division "
            "(tensor1 / tensor2) or give floating-point tensors"
        )
    return input + value * (tensor1 / tensor2)


def _nan_ref(fn):
    return lambda x, dim=None, keepdim=False: fn(x, axis=None if dim is None else dim,
                                                 keepdims=keepdim)


# PyTorch's nansum gradient is `g * (x == x)`: 0 at a NaN, and NaN where g is not finite (an
# all-NaN slice of nanmean divides by a count of 0); a masked_fill would give 0 there instead.
NANSUM = Primitive(
    "nansum", lambda x, axis, keepdims: np.nansum(x, axis=axis, keepdims=keepdims),
    [lambda g, out, x, axis, keepdims: unreduce(g, x.shape, axis, keepdims) * (x == x)],
    "d nansum(x)/dx_i = 1 where x_i is not NaN, else 0",
)


@register("nansum", ref=_nan_ref(np.nansum),
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=(0, 2), keepdim=True)])
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over `dim` (all when None) treating NaN as 0; NaN elements get gradient 0."""
    if array_of(input).dtype.kind != "f":
        return input.sum(dim, keepdim, dtype=dtype)
    out = NANSUM(input, axis=normalize_dim(dim, input.ndim), keepdims=bool(keepdim))
    return out if dtype is None else out.to(dtype)


@register("nanmean", ref=_nan_ref(np.nanmean),
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=(0, 2), keepdim=True)])
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over `dim` of the elements that are not NaN (NaN where all are NaN)."""
    if array_of(input).dtype.kind != "f":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point dtype but got {array_of(input).dtype}"
        )
    total = nansum(input, dim, keepdim, dtype=dtype)
    kept = (~input.isnan()).sum(dim, keepdim)
    return total / kept.to(total.dtype)


@register("xlogy", ref=lambda x, y: np.where(x == 0, 0.0, x * np.log(y)).astype(np.result_type(x, y)),
          domain=(0.2, 2.0), broadcast=True, samples=[Sample((3, 4), (3, 4)), Sample((3, 4), (4,))])
def xlogy(input, other):
    """``input * log(other)``, with 0 where `input` is 0 (unless `other` is NaN). As PyTorch,
    the gradient for `input` is ``log(other)`` except where input is 0 and other <= 0 (there 0)."""
    if not isinstance(input, Tensor):
        input = other.new_tensor(input) if isinstance(other, Tensor) else Tensor(input)
    other_t = other if isinstance(other, Tensor) else input.new_tensor(other)
    log_y = other_t.log()
    bad = (array_of(input) == 0) & (array_of(other_t) <= 0)
    if bad.any():
        log_y = WHERE(bad, np.zeros((), dtype=array_of(log_y).dtype), log_y)
    return input * log_y


def _diff_ref(x, n=1, dim=-1, prepend=None, append=None):
    ends = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return np.diff(x, n=n, axis=dim, **ends)


@register("diff", ref=_diff_ref,
          samples=[Sample((3, 4)), Sample((3, 5), n=2, dim=0), Sample((3, 4), Const(1), Const(0), (2, 4)),
                   Sample((3, 4), Const(2), Const(-1), Const(None), (3, 2))])
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along `dim`: ``out[i] = x[i + 1] - x[i]``, after concatenating
    `prepend` / `append` (bool tensors give `x[i + 1] != x[i]`)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = normalize_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, dim=d) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        hi, lo = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = (hi != lo) if array_of(x).dtype == np.bool_ else hi - lo
    return x


def _rot90_ref(x, k=1, dims=(0, 1)):
    return np.rot90(x, k, axes=tuple(dims)).copy()


@register("rot90", ref=_rot90_ref,
          samples=[Sample((3, 4)), Sample((3, 4), 2), Sample((2, 3, 4), 3, dims=(1, 2)), Sample((3, 4), -1)])
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90° `k` times in the plane `dims`, from the first axis towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = normalize_dim(dims, input.ndim)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return input.flip((d1,)).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    if k == 3:
        return input.flip((d0,)).transpose(d0, d1)
    return input.clone()


@register("fliplr", ref=lambda x: x[:, ::-1], samples=[Sample((3, 4)), Sample((2, 3, 4))])
def fliplr(input):
    """Reverse the order of columns (dim 1); needs at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return input.flip((1,))


@register("flipud", ref=lambda x: x[::-1], samples=[Sample((3, 4)), Sample((4,))])
def flipud(input):
    """Reverse the order of rows (dim 0); needs at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return input.flip((0,))


@register("deg2rad", ref=lambda x: x * (math.pi / 180), samples=[Sample((3, 4))])
def deg2rad(input):
    """Degrees to radians: ``input * pi / 180`` (integer input gives float32)."""
    return _as_float(input) * (math.pi / 180.0)


@register("rad2deg", ref=lambda x: x * (180 / math.pi), samples=[Sample((3, 4))])
def rad2deg(input):
    """Radians to degrees: ``input * 180 / pi`` (integer input gives float32)."""
    return _as_float(input) * (180.0 / math.pi)


def _as_float(input):
    return input.float() if array_of(input).dtype.kind in "biu" else input


@register("nan_to_num", ref=lambda x, nan=0.0, posinf=None, neginf=None: np.nan_to_num(
    x, nan=nan, posinf=posinf, neginf=neginf), samples=[Sample((3, 4)), Sample((3, 4), nan=1.5)])
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> `nan`, +inf -> `posinf`, -inf -> `neginf` (defaults: the dtype's largest and
    lowest finite values); other elements pass, with their gradient."""
    x = array_of(input)
    if x.dtype.kind != "f":
        return input.clone()
    fixed = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    return WHERE(np.isfinite(x), input, fixed)


@register("count_nonzero", ref=lambda x, dim=None: np.count_nonzero(x, axis=dim), differentiable=False,
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=(0, 2))])
def count_nonzero(input, dim=None):
    """int64 count of nonzero elements over `dim` (all when None)."""
    x = array_of(input)
    axis = normalize_dim(dim, x.ndim)
    return new_tensor(np.asarray(np.count_nonzero(x, axis=axis), dtype=np.int64))


@register("argwhere", ref=np.argwhere, differentiable=False, samples=[Sample((3, 4)), Sample(())])
def argwhere(input):
    """(number of nonzeros, ndim) int64 indices of the nonzero elements, in row-major order."""
    return new_tensor(np.argwhere(array_of(input)).astype(np.int64))


@register("sgn", ref=np.sign, smooth=False, samples=[Sample((3, 4))], domain="nonzero")
def sgn(input):
    """The sign of each element (for real tensors PyTorch's `sgn` equals `sign`)."""
    return input.sign()


@register("clone", ref=lambda x: x.copy(), samples=[Sample((3, 4)), Sample(())], method=False)
def clone(input, *, memory_format=None):
    """A copy of `input` that stays in the graph (its gradient flows back to `input`)."""
    return input.clone()


def _unique_ref(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    out = np.unique(x, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    return out


@register("unique", ref=_unique_ref, differentiable=False,
          samples=[Sample((3, 4)), Sample((5,), return_inverse=True, return_counts=True),
                   Sample((3, 4), dim=1, return_counts=True)])
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of `input` in ascending order (flattened), or the distinct slices
    along `dim`; with `return_inverse` also each element's (slice's) position in that output
    (int64, input's shape or length), with `return_counts` how often each occurs (int64).
    No gradient; `sorted=False` sorts too (as PyTorch on the CPU)."""
    x = array_of(input)
    axis = None if dim is None else normalize_dim(dim, x.ndim)
    if axis is None:
        x = x.reshape(-1)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    out = [new_tensor(values)]
    if return_inverse:
        shape = array_of(input).shape if axis is None else (x.shape[axis],)
        out.append(new_tensor(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(new_tensor(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


@register("bincount", ref=lambda x, weights=None, minlength=0: np.bincount(x, weights, minlength),
          differentiable=False,
          samples=[Sample(Const(np.array([0, 1, 1, 3, 1]))), Sample(Const(np.array([2, 0])), minlength=5)])
def bincount(input, weights=None, minlength=0):
    """Count of each value 0..max(input) (at least `minlength` bins) in a 1-D non-negative
    integer tensor; with `weights` (same length) the sum of the weights in each bin (the
    weights' float dtype, float64 for integer weights). No gradient."""
    x = array_of(input)
    if x.dtype.kind not in "iub" or x.ndim != 1 or (x.size and x.min() < 0):
        if x.dtype.kind == "f":
            raise NotImplementedError(f"bincount: not implemented for {x.dtype} input; give integer values")
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return new_tensor(np.bincount(x, minlength=minlength).astype(np.int64))
    w = array_of(weights)
    if w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return new_tensor(np.bincount(x, w, minlength).astype(dtype))


@register("is_floating_point", ref=lambda x: x.dtype.kind == "f", differentiable=False,
          samples=[Sample((3,))], method=False)
def is_floating_point(input) -> bool:
    """True if `input` has a floating-point dtype (float16/32/64)."""
    return array_of(input).dtype.kind == "f"
