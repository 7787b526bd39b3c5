"""More PyTorch names programs use: `select`, `ravel`, `unfold` (views), `hstack vstack
dstack`, `tensordot`, `index_fill index_add` (out of place), `isin`, `unique_consecutive`,
`quantile`, `floor_divide` (the in-place methods and `stride` are in tensor_extra.py; the
shifts and `mode` in api_shift_mode.py).
Differentiable ones are composites of table entries (indexing, cat, permute, reshape, matmul,
sort) or, for `unfold`, a view primitive of their own; all follow PyTorch's dtypes, shapes and
errors."""

from __future__ import annotations

import numpy as np

from ..tensor_inplace import slices_at
from .api_more import atleast_1d, atleast_2d, atleast_3d
from .arithmetic import add
from .binary_math import FLOOR_DIVIDE, lerp
from .indexing import INDEX_PUT
from .registry import Const, Primitive, Sample, Tensor, ViewPrimitive, normalize_dim, register
from .shape import cat
from .support import array_of, new_tensor


def _one_dim(name, dim, ndim):
    d = normalize_dim(dim, max(ndim, 1))
    return d if isinstance(d, int) else d[0]


@register("select", ref=lambda x, dim, index: np.take(x, index, axis=dim),
          samples=[Sample((3, 4), 0, 1), Sample((2, 3, 4), -1, -2)])
def select(input, dim: int, index: int):
    """``input`` indexed with `index` along `dim` (that dim removed): a view, as PyTorch."""
    d = _one_dim("select", dim, input.ndim)
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {dim}"
        )
    return input[(slice(None),) * d + (int(index),)]


@register("ravel", ref=lambda x: x.ravel(), samples=[Sample((3, 4)), Sample(())])
def ravel(input):
    """``input`` flattened to one dim (a view when the memory allows, as PyTorch)."""
    return input.reshape(-1)


def _check_sequence(name, tensors):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}"
        )
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")


def _at_least(fn, tensors):
    parts = fn(*tensors)
    return list(parts) if isinstance(parts, (list, tuple)) else [parts]


@register("hstack", ref=np.hstack, method=False,
          samples=[Sample([(3,), (2,)]), Sample([(2, 3), (2, 1)]), Sample([(), ()])])
def hstack(tensors):
    """Tensors concatenated horizontally: along dim 0 for 1-D inputs, else dim 1."""
    _check_sequence("hstack", tensors)
    parts = _at_least(atleast_1d, tensors)
    return cat(parts, dim=0 if parts[0].ndim == 1 else 1)


@register("vstack", ref=np.vstack, method=False,
          samples=[Sample([(3,), (3,)]), Sample([(2, 3), (1, 3)])])
def vstack(tensors):
    """Tensors concatenated vertically: each made at least 2-D, then along dim 0."""
    _check_sequence("vstack", tensors)
    return cat(_at_least(atleast_2d, tensors), dim=0)


@register("dstack", ref=np.dstack, method=False,
          samples=[Sample([(3,), (3,)]), Sample([(2, 3), (2, 3)]), Sample([(2, 3, 1), (2, 3, 2)])])
def dstack(tensors):
    """Tensors concatenated depth-wise: each made at least 3-D, then along dim 2."""
    _check_sequence("dstack", tensors)
    return cat(_at_least(atleast_3d, tensors), dim=2)


def _tensordot_dims(a, b, dims):
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    da, db = dims
    da = [da] if isinstance(da, int) else list(da)
    db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    return da, db


@register("tensordot", ref=lambda a, b, dims=2: np.tensordot(a, b, axes=dims), method=False,
          samples=[Sample((2, 3, 4), (3, 4, 5)), Sample((3, 4), (4, 2), dims=1),
                   Sample((2, 3), (3, 2), dims=([1, 0], [0, 1]))])
def tensordot(a, b, dims=2, out=None):
    """Sum of products of `a` and `b` over the dims `dims` pairs (an int n: the last n of `a`
    with the first n of `b`); the result has a's free dims then b's."""
    given_a, given_b = _tensordot_dims(a, b, dims)
    for i, j in zip(given_a, given_b):  # (the message names the dims as given, as PyTorch)
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                f"and second has size {b.shape[j]} in dim {j}"
            )
    da, db = [i % a.ndim for i in given_a], [j % b.ndim for j in given_b]
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [j for j in range(b.ndim) if j not in db]
    k = int(np.prod([a.shape[i] for i in da], dtype=np.int64))
    left = a.permute(*free_a, *da).reshape(-1, k)
    right = b.permute(*db, *free_b).reshape(k, -1)
    shape = [a.shape[i] for i in free_a] + [b.shape[j] for j in free_b]
    return (left @ right).reshape(shape)


def _index_fill_ref(x, dim, index, value):
    out = x.copy()
    out[(slice(None),) * dim + (index,)] = value
    return out


@register("index_fill", ref=_index_fill_ref,
          samples=[Sample((3, 4), 1, Const(np.array([0, 2])), -1.5),
                   Sample((4, 2), 0, Const(np.array([3])), 2.0)])
def index_fill(input, dim: int, index, value):
    """A copy of `input` with the slices at `index` along `dim` set to `value`."""
    return input.clone().index_fill_(dim, index, value)


def _index_add_ref(x, dim, index, source, alpha=1):
    out = x.copy()
    np.add.at(np.moveaxis(out, dim, 0), index, alpha * np.moveaxis(source, dim, 0))
    return out


@register("index_add", ref=_index_add_ref,
          samples=[Sample((3, 4), 1, Const(np.array([0, 2, 0])), (3, 3)),
                   Sample((4, 2), 0, Const(np.array([3, 1])), (2, 2), alpha=2.0)])
def index_add(input, dim: int, index, source, *, alpha=1):
    """A copy of `input` with ``alpha * source`` added into the slices at `index` along `dim`
    (repeated indices accumulate)."""
    # (one recorded add of the placed source, as index_add_ computes it: clone + index_add_
    # saved the clone that the in-place op then changed)
    placed = INDEX_PUT(source, key=slices_at(input, dim, index, "index_add"), shape=input.shape)
    return add(input, placed, alpha=alpha)


def _unfold_forward(x, dim, size, step):
    if x.ndim == 0:
        return np.lib.stride_tricks.as_strided(x, (1,), (x.itemsize,), writeable=True)
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim, writeable=True)
    return windows[(slice(None),) * dim + (slice(None, None, step),)]


def _unfold_backward_forward(g, shape, dim, size, step):
    out = np.zeros(shape, dtype=g.dtype)
    if len(shape) == 0:
        return g.reshape(())
    n = g.shape[dim]
    starts = np.arange(n) * step
    moved = np.moveaxis(out, dim, -1)  # (a view: adding into it fills `out`)
    gm = np.moveaxis(g, dim, -2)  # (..., windows, size)
    for offset in range(size):
        np.add.at(moved, (Ellipsis, starts + offset), gm[..., offset])
    return out


UNFOLD_BACKWARD = Primitive(
    "unfold_backward", _unfold_backward_forward,
    [lambda g, out, gy, shape, dim, size, step: UNFOLD.apply_in_vjp(
        g, dim=dim, size=size, step=step)],
    "sum of the windows' gradients into the positions they cover; its derivative is unfold",
)
UNFOLD = ViewPrimitive(
    "unfold", _unfold_forward,
    [lambda g, out, x, dim, size, step: UNFOLD_BACKWARD.apply_in_vjp(
        g, shape=x.shape, dim=dim, size=size, step=step)],
    "d unfold/dx: each element gets the sum of the gradients of the windows holding it",
)


def _unfold_ref(x, dimension, size, step):
    return _unfold_forward(x, dimension % max(x.ndim, 1), size, step).copy()


@register("unfold", ref=_unfold_ref,
          samples=[Sample((7,), 0, 3, 2), Sample((3, 8), 1, 2, 3), Sample((5, 2), 0, 5, 1),
                   Sample((6, 2), -2, 2, 1)])
def unfold(input, dimension: int, size: int, step: int):
    """The windows of `size` elements every `step` along `dimension`: that dim becomes the
    window count and a last dim of `size` is added. A view (windows may overlap)."""
    d = _one_dim("unfold", dimension, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {d} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return UNFOLD(input, dim=d, size=int(size), step=int(step))


def _isin_ref(elements, test_elements, assume_unique=False, invert=False):
    return np.isin(elements, test_elements, invert=invert)


@register("isin", ref=_isin_ref, method=False, differentiable=False,
          samples=[Sample((3, 4), Const(np.array([0.5, -1.0])))])
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """Bool tensor of `elements`' shape: True where the element is in `test_elements` (False
    with `invert`); either may be a number; no gradient."""
    return new_tensor(np.isin(array_of(elements), array_of(test_elements), invert=invert))


def _unique_consecutive_ref(x, return_inverse=False, return_counts=False, dim=None):
    flat = x.ravel()
    keep = np.concatenate([[True], flat[1:] != flat[:-1]]) if flat.size else np.zeros(0, bool)
    return flat[keep]


@register("unique_consecutive", ref=_unique_consecutive_ref, differentiable=False,
          samples=[Sample(Const(np.array([1, 1, 2, 2, 3, 1, 1])))])
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """`input` with each run of equal consecutive elements (or slices along `dim`) kept once;
    with `return_inverse` the run each element belongs to, with `return_counts` each run's
    length (a tuple then, as PyTorch); no gradient."""
    data = array_of(input)
    if dim is None:
        rows = data.reshape(-1, 1)
    else:
        d = _one_dim("unique_consecutive", dim, data.ndim)
        rows = np.moveaxis(data, d, 0).reshape(data.shape[d] if data.ndim else 1, -1)
    n = rows.shape[0]
    starts = np.ones(n, dtype=np.bool_)
    if n > 1:
        starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    if dim is None:
        values = data.reshape(-1)[starts]
        inverse = (np.cumsum(starts) - 1).reshape(data.shape)
    else:
        values = np.compress(starts, data, axis=d)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), n))
    out = [new_tensor(values)]
    if return_inverse:
        out.append(new_tensor(inverse.astype(np.int64)))
    if return_counts:
        out.append(new_tensor(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(input, q):
    if isinstance(q, Tensor):
        if q.dtype != input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        qs, scalar = q._data.astype(np.float64).reshape(-1), q.ndim == 0
    else:
        qs, scalar = np.asarray(q, dtype=np.float64).reshape(-1), np.ndim(q) == 0
    for value in qs:
        if not 0 <= value <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {value}")
    return qs, scalar


def _quantile_ref(x, q, dim=None, keepdim=False, interpolation="linear"):
    return np.quantile(x, q, axis=dim, keepdims=keepdim, method=interpolation)


@register("quantile", ref=_quantile_ref, smooth=False,
          samples=[Sample((5,), 0.3), Sample((3, 4), Const(np.array([0.25, 0.5, 1.0])), dim=1),
                   Sample((3, 4), 0.75, dim=0, keepdim=True),
                   Sample((2, 3), 0.4, interpolation="lower")])
def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None):
    """The `q`-th quantiles (q a number or a 1-D tensor in [0, 1]) of `input` along `dim` (all
    of it when None), interpolating between the sorted values as `interpolation` says; a
    tensor `q` gives a leading dim of its length. NaN where the slice holds a NaN."""
    if input.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    if isinstance(q, np.ndarray):
        q = new_tensor(q.astype(input.dtype))
    qs, scalar = _quantile_q(input, q)
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    x, d = (input.reshape(-1), 0) if dim is None else (input, _one_dim("quantile", dim, input.ndim))
    if x.ndim == 0:
        x, d = x.reshape(1), 0
    s = x.sort(dim=d).values
    n = s.shape[d]
    pos = qs * (n - 1)
    if interpolation == "lower":
        pos = np.floor(pos)
    elif interpolation == "higher":
        pos = np.ceil(pos)
    elif interpolation == "nearest":
        pos = np.round(pos)  # (halves to even, as PyTorch's round)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    weight = np.where(hi > lo, 0.5, 0.0) if interpolation == "midpoint" else pos - lo
    shape = [1] * s.ndim
    shape[d] = len(qs)
    below, above = s.index_select(d, new_tensor(lo)), s.index_select(d, new_tensor(hi))
    result = lerp(below, above, new_tensor(weight.reshape(shape).astype(s.dtype)))
    has_nan = np.isnan(s._data.take([n - 1], axis=d))
    if has_nan.any():
        nan_mask = new_tensor(np.broadcast_to(has_nan, result.shape))
        result = result.masked_fill(nan_mask, float("nan"))
    result = result.movedim(d, 0)
    if keepdim and input.ndim:
        if dim is None:
            result = result.reshape(len(qs), *([1] * input.ndim))
        else:
            result = result.unsqueeze(d + 1)
    return result.squeeze(0) if scalar else result


@register("floor_divide", ref=np.floor_divide, differentiable=False,
          samples=[Sample((3, 4), (3, 4)), Sample((3, 4), Const(0.75))])
def floor_divide(input, other):
    """``input // other`` elementwise in PyTorch's result dtype (integer division by zero
    raises); recorded, but backward through it raises, as PyTorch has no derivative for it."""
    return FLOOR_DIVIDE(input, other)

