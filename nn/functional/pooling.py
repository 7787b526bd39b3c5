"""max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d.

Windows are strided views, one per kernel offset (i, j): of the input itself when the windows
tile it (kernel == stride, no padding: the usual 2x2/2), else of a padded copy (see
`windows.window`). Every pass is one vectorized numpy op over all windows at once, so overlapping
windows, padding, dilation and ceil_mode need no special case. Max pooling finds the first maximum
of each window (a NaN always wins, as PyTorch) and moves values with a gather/scatter pair of
Primitives whose VJPs are each other; average pooling is a window sum and its adjoint. All
gradients are differentiable.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

import autograd
from autograd import Tensor
from autograd.ops.registry import Primitive

from .conv import as_tensor, batched, pair
from .windows import Geometry, interior, window

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool2d"]


# ---------------------------------------------------------------- window primitives
def _offsets(geom: Geometry):
    """Kernel offsets (k, i, j) with k = i * kw + j, the flat index within a window."""
    for i in range(geom.kh):
        for j in range(geom.kw):
            yield i * geom.kw + j, i, j


def _tiled(geom: Geometry) -> bool:
    """Windows tile the input without overlap or padding (kernel == stride, the common 2x2/2)."""
    return ((geom.kh, geom.kw) == (geom.sh, geom.sw) and (geom.dh, geom.dw) == (1, 1)
            and not (geom.pt or geom.pb or geom.pl or geom.pr))


def _tiles(a: np.ndarray, geom: Geometry) -> np.ndarray:
    """(N, C, Ho, kh, Wo, kw) view of `a` (N, C, H, W) for tiled windows (rows/cols past the
    last whole window are left out, as floor mode does)."""
    s = a.strides
    shape = (a.shape[0], a.shape[1], geom.ho, geom.kh, geom.wo, geom.kw)
    return as_strided(a, shape, (s[0], s[1], s[2] * geom.kh, s[2], s[3] * geom.kw, s[3]))


def _windows(x: np.ndarray, geom: Geometry, value) -> list:
    """[(k, view)] with view (N, C, Ho, Wo) holding the pixel at kernel offset k of every window
    (padding filled with `value`)."""
    if _tiled(geom):
        t = _tiles(x, geom)
        return [(k, t[:, :, :, i, :, j]) for k, i, j in _offsets(geom)]
    # NOTE: `window` takes any (A, B, flat) buffer; here A, B = N, C so no transposes are needed
    buf = np.full((x.shape[0], x.shape[1], geom.hp * geom.wp + geom.tail), value, dtype=x.dtype)
    interior(buf, geom)[...] = x
    return [(k, window(buf, geom, i, j)[:, :, :, : geom.wo]) for k, i, j in _offsets(geom)]


def _tiled_output(geom: Geometry, dtype) -> np.ndarray:
    """The (N, C, H, W) gradient array of tiled windows: zeros where no tile reaches."""
    shape = (geom.n, geom.c, geom.h, geom.w)
    if geom.ho * geom.kh != geom.h or geom.wo * geom.kw != geom.w:
        return np.zeros(shape, dtype=dtype)
    return np.empty(shape, dtype=dtype)


def _scatter_windows(parts, geom: Geometry, dtype) -> np.ndarray:
    """Adjoint of `_windows`: (N, C, H, W) with each (k, values) part added at offset k."""
    if _tiled(geom):
        out = _tiled_output(geom, dtype)
        t = _tiles(out, geom)
        for k, values in parts:
            i, j = divmod(k, geom.kw)
            t[:, :, :, i, :, j] = values  # tiles do not overlap: assignment is the sum
        return out
    buf = np.zeros((geom.n, geom.c, geom.hp * geom.wp + geom.tail), dtype=dtype)
    for k, values in parts:
        i, j = divmod(k, geom.kw)
        view = window(buf, geom, i, j)[:, :, :, : geom.wo]
        np.add(view, values, out=view)
    return np.ascontiguousarray(interior(buf, geom))


def _lowest(dtype):
    """The padding value of max pooling: -inf, or the smallest integer of an integer dtype."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _argmax_windows(x: np.ndarray, geom: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """(offset of the first maximum of each window, the maxima), both (N, C, Ho, Wo)."""
    views = _windows(x, geom, _lowest(x.dtype))
    best = views[0][1].copy()
    idx = np.zeros(best.shape, dtype=np.int8 if len(views) < 128 else np.int64)
    for k, cand in views[1:]:
        better = cand > best  # strict: ties keep the first maximum
        np.maximum(best, cand, out=best)
        # NOTE: idx = where(better, k, idx) as integer arithmetic: masked writes with a random
        # mask are several times slower than these branch-free passes
        idx += better * (k - idx)
    nan = best != best
    if nan.any():  # as PyTorch: a NaN always wins the window (the last NaN gives the index)
        for k, cand in views:
            idx[nan & (cand != cand)] = k
    return idx, best


def _gather(x: np.ndarray, idx: np.ndarray, geom: Geometry, value, values=None) -> np.ndarray:
    """(N, C, H, W) -> (N, C, Ho, Wo): the pixel at offset `idx` of each window.

    `values`, when the caller already has the result (max_pool2d's argmax pass), is returned as is.
    """
    if values is not None:
        return values
    views = _windows(x, geom, value)
    out = views[0][1].copy()
    for k, v in views[1:]:
        np.copyto(out, v, where=idx == k)
    return out


def _scatter(g: np.ndarray, idx: np.ndarray, geom: Geometry, value, values=None) -> np.ndarray:
    """Adjoint of `_gather`: g (N, C, Ho, Wo) to the selected pixels, summed where windows overlap."""
    if not _tiled(geom) and g.dtype.kind == "f":
        return _scatter_bincount(g, idx, geom)
    if np.isfinite(g).all():
        # multiplying by the 0/1 mask is exact for finite g and much faster than np.where
        if _tiled(geom):  # straight into each tile: no temporary per offset
            out = _tiled_output(geom, g.dtype)
            t = _tiles(out, geom)
            for k, i, j in _offsets(geom):
                np.multiply(g, idx == k, out=t[:, :, :, i, :, j])
            return out
        parts = ((k, g * (idx == k)) for k, _, _ in _offsets(geom))
    else:
        zero = np.zeros((), dtype=g.dtype)
        parts = ((k, np.where(idx == k, g, zero)) for k, _, _ in _offsets(geom))
    return _scatter_windows(parts, geom, g.dtype)


def _scatter_bincount(g: np.ndarray, idx: np.ndarray, geom: Geometry) -> np.ndarray:
    """`_scatter` for overlapping or padded windows: each g goes to the flat index of its
    selected pixel in the padded planes, and one bincount sums them all.

    The overlaps are summed in float64 and rounded once (PyTorch sums in the gradient's dtype:
    at most an ulp apart, where windows overlap).
    """
    # NOTE: one pass where the per-offset masks took three passes per kernel offset (ResNet's
    # 3x3/2 pool, padded, on 8x64x32x32: 2.55 -> 0.9 ms)
    plane = geom.hp * geom.wp
    offsets = np.array([i * geom.dh * geom.wp + j * geom.dw for _, i, j in _offsets(geom)])
    corners = (np.arange(geom.ho) * (geom.sh * geom.wp))[:, None] + np.arange(geom.wo) * geom.sw
    planes = (np.arange(geom.n * geom.c) * plane).reshape(geom.n, geom.c, 1, 1)
    target = np.take(offsets, idx)
    target += corners
    target += planes
    sums = np.bincount(target.ravel(), weights=g.ravel(), minlength=geom.n * geom.c * plane)
    grid = sums.reshape(geom.n, geom.c, geom.hp, geom.wp)
    return grid[:, :, geom.pt : geom.pt + geom.h, geom.pl : geom.pl + geom.w].astype(g.dtype)


def _window_sum(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """(N, C, H, W) -> (N, C, Ho, Wo): sum of each zero-padded window."""
    views = _windows(x, geom, 0.0)
    out = views[0][1].copy()
    for _, v in views[1:]:
        out += v
    return out


def _window_sum_t(g: np.ndarray, geom: Geometry) -> np.ndarray:
    """Adjoint of `_window_sum`: each output's gradient added to every pixel of its window."""
    return _scatter_windows(((k, g) for k, _, _ in _offsets(geom)), geom, g.dtype)


WINDOW_GATHER = Primitive(
    "max_pool2d", _gather,
    [lambda g, out, x, idx, geom, value, values=None: WINDOW_SCATTER.apply_in_vjp(g, idx=idx, geom=geom, value=0.0)],
    "d out/dx = 1 at the selected pixel of each window (summed where windows overlap)",
)
WINDOW_SCATTER = Primitive(
    "max_pool2d_backward", _scatter,
    [lambda g, out, y, idx, geom, value, values=None: WINDOW_GATHER.apply_in_vjp(g, idx=idx, geom=geom, value=0.0)],
    "scatter is linear; its VJP gathers",
)
WINDOW_SUM = Primitive(
    "window_sum", _window_sum, [lambda g, out, x, geom: WINDOW_SUM_T.apply_in_vjp(g, geom=geom)],
    "d window_sum/dx = 1 for every pixel of the window",
)
WINDOW_SUM_T = Primitive(
    "window_sum_t", _window_sum_t, [lambda g, out, y, geom: WINDOW_SUM.apply_in_vjp(g, geom=geom)],
    "the adjoint window sum is linear; its VJP is the window sum",
)


# ---------------------------------------------------------------- geometry
def _pool_geometry(fn: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode) -> Geometry:
    """Geometry with PyTorch's output size; ceil_mode adds bottom/right padding as needed."""
    k = pair(fn, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else pair(fn, "stride", stride)
    p = pair(fn, "padding", padding, minimum=0)
    d = pair(fn, "dilation", dilation)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{fn}: padding should be at most half of kernel size, got padding={p} and kernel_size={k}")
    n, c, h, w = x.shape
    size = []
    for length, kk, ss, pp, dd in ((h, k[0], s[0], p[0], d[0]), (w, k[1], s[1], p[1], d[1])):
        span = length + 2 * pp - dd * (kk - 1) - 1
        out = (-(-span // ss) if ceil_mode else span // ss) + 1
        # NOTE: as PyTorch, the last window must start inside the input or the left padding
        if ceil_mode and (out - 1) * ss >= length + pp:
            out -= 1
        if span < 0 or out < 1:
            raise ValueError(
                f"{fn}: output size is too small: input {tuple(x.shape)}, kernel_size={k}, stride={s}, "
                f"padding={p}, dilation={d}"
            )
        size.append(out)
    extra = [max(0, (o - 1) * ss + dd * (kk - 1) + 1 - length - pp) for o, length, kk, ss, pp, dd in
             ((size[0], h, k[0], s[0], p[0], d[0]), (size[1], w, k[1], s[1], p[1], d[1]))]
    return Geometry(n, c, h, w, k[0], k[1], s[0], s[1], d[0], d[1], p[0], extra[0], p[1], extra[1])


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(*out.shape[1:]) if unbatched else out


# ---------------------------------------------------------------- public functions
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling: out[n, c, h, w] = max over the window of the (-inf padded) input.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); defaults to `kernel_size`.
        padding: int or (pH, pW), at most half the kernel; padded pixels are -inf.
        dilation: int or (dH, dW): spacing between window taps.
        ceil_mode: round the output size up (extra windows must start inside the input).
        return_indices: also return the flat index h * W + w of each maximum in its input plane.
    Returns:
        (N, C, H_out, W_out), H_out = floor_or_ceil((H + 2p - d*(k - 1) - 1) / s) + 1; with
        `return_indices`, a pair (output, int64 indices of the same shape).
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind not in "fiu":  # PyTorch pools integer images too (no gradient there)
        raise RuntimeError(f"max_pool2d: input must have a floating point or integer dtype, got {x.dtype}")
    x, unbatched = batched("max_pool2d", x)
    geom = _pool_geometry("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    idx, values = _argmax_windows(x._data, geom)
    out = _unbatch(WINDOW_GATHER(x, idx=idx, geom=geom, value=_lowest(x.dtype), values=values), unbatched)
    if not return_indices:
        return out
    k = idx.astype(np.int64)
    rows = np.arange(geom.ho).reshape(-1, 1) * geom.sh - geom.pt + (k // geom.kw) * geom.dh
    cols = np.arange(geom.wo) * geom.sw - geom.pl + (k % geom.kw) * geom.dw
    flat = np.clip(rows, 0, geom.h - 1) * geom.w + np.clip(cols, 0, geom.w - 1)
    return out, _unbatch(Tensor(flat), unbatched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling: out = (sum of the zero-padded window) / divisor.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); defaults to `kernel_size`.
        padding: int or (pH, pW), at most half the kernel; padded pixels are 0.
        ceil_mode: round the output size up.
        count_include_pad: divide by the window size clipped to the padded input (True) or by the
            number of real input pixels in the window (False).
        divisor_override: divide by this number instead.
    Returns:
        (N, C, H_out, W_out), sizes as in `max_pool2d` with dilation 1.
    """
    x = as_tensor("avg_pool2d", "input", input)
    x, unbatched = batched("avg_pool2d", x)
    geom = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    summed = WINDOW_SUM(x, geom=geom)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0:
            raise ValueError(f"avg_pool2d: divisor_override must be a nonzero int, got {divisor_override!r}")
        return _unbatch(summed / float(divisor_override), unbatched)
    counts = []
    for out, length, k, s, p in ((geom.ho, geom.h, geom.kh, geom.sh, geom.pt),
                                 (geom.wo, geom.w, geom.kw, geom.sw, geom.pl)):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, length + p)
        if not count_include_pad:
            start = np.maximum(start, 0)
            end = np.minimum(end, length)
        counts.append(end - start)
    divisor = (counts[0][:, None] * counts[1][None, :]).astype(x.dtype)
    return _unbatch(summed / divisor, unbatched)


def _adaptive_size(fn: str, x: Tensor, output_size) -> tuple[int, int]:
    h, w = x.shape[-2:]
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(items) != 2:
        raise ValueError(f"{fn}: output_size must be an int or a pair, got {output_size!r}")
    size = (h if items[0] is None else items[0], w if items[1] is None else items[1])
    return pair(fn, "output_size", size)


def _bins(length: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: [floor(i*L/out), ceil((i+1)*L/out)) for i < out."""
    i = np.arange(out)
    return (i * length) // out, -(-((i + 1) * length) // out)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average over adaptive bins: out[..., i, j] = mean of x over rows bin_i(H) and cols bin_j(W).

    Bins are [floor(i*H/Ho), ceil((i+1)*H/Ho)) as in PyTorch. Computed as P_H @ x @ P_Wᵀ with
    row-averaging matrices P (Ho, H), so gradients of any order come from matmul.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: int, (Ho, Wo), or a pair with None to keep that input size.
    Returns:
        (N, C, Ho, Wo).
    """
    x = as_tensor("adaptive_avg_pool2d", "input", input)
    x, unbatched = batched("adaptive_avg_pool2d", x)
    ho, wo = _adaptive_size("adaptive_avg_pool2d", x, output_size)
    h, w = x.shape[2:]
    if (ho, wo) == (1, 1):
        return _unbatch(x.mean((2, 3), keepdim=True), unbatched)
    mats = []
    for length, out in ((h, ho), (w, wo)):
        start, end = _bins(length, out)
        pos = np.arange(length)
        inside = (pos >= start[:, None]) & (pos < end[:, None])
        mats.append((inside / (end - start)[:, None]).astype(x.dtype))
    out = autograd.matmul(autograd.matmul(Tensor(mats[0]), x), Tensor(mats[1].T))
    return _unbatch(out, unbatched)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Max over adaptive bins (as `adaptive_avg_pool2d`); the first maximum gets the gradient.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: int, (Ho, Wo), or a pair with None to keep that input size.
        return_indices: also return the flat index h * W + w of each maximum.
    Returns:
        (N, C, Ho, Wo), or (output, int64 indices) with `return_indices`.
    """
    x = as_tensor("adaptive_max_pool2d", "input", input)
    x, unbatched = batched("adaptive_max_pool2d", x)
    ho, wo = _adaptive_size("adaptive_max_pool2d", x, output_size)
    n, c, h, w = x.shape
    # every bin is read through a fixed-size window; shorter bins repeat their last pixel
    (hs, he), (ws, we) = _bins(h, ho), _bins(w, wo)
    kh, kw = int((he - hs).max()), int((we - ws).max())
    rows = np.minimum(hs[:, None] + np.arange(kh), he[:, None] - 1)  # (Ho, kh)
    cols = np.minimum(ws[:, None] + np.arange(kw), we[:, None] - 1)  # (Wo, kw)
    flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(ho * wo, kh * kw)
    planes = x._data.reshape(n, c, h * w)
    values = planes[:, :, flat]  # (N, C, Ho*Wo, kh*kw)
    best = np.argmax(np.where(np.isnan(values), np.inf, values), axis=-1)
    index = np.take_along_axis(np.broadcast_to(flat, values.shape), best[..., None], axis=-1)[..., 0]
    out = autograd.gather(x.reshape(n, c, h * w), 2, Tensor(index)).reshape(n, c, ho, wo)
    out = _unbatch(out, unbatched)
    if return_indices:
        return out, _unbatch(Tensor(index.reshape(n, c, ho, wo)), unbatched)
    return out

