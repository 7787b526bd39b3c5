"""conv2d: im2col + GEMM in cache-sized batch chunks, with hand-written, differentiable backward.

Three Primitives are the three faces of the trilinear form <conv(x, w), g>:
- `CONV2D(x, w, b)`: per batch chunk, cols = im2col(x) then y = cols @ Wᵀ (+ b), written as NCHW;
- `CONV2D_INPUT_GRAD(g, w)`: grad input, the transposed convolution; with stride 1 it is a
  correlation of g with the flipped kernel (the same im2col + GEMM), else col2im(g_rows @ W);
- `CONV2D_WEIGHT_GRAD(x, g)` = sum over chunks of g_rowsᵀ @ im2col(x) (grad weight).
Each one's VJPs are the other two, so gradients of any order are exact.

Layout: each chunk of the input is copied once, zero-padded and channels last, into
`xp[n, h, w, c]`, and im2col is one strided copy of all its windows,
`cols[n, ho, wo, i, j, c] = xp[n, ho*s + i*d, wo*s + j*d, c]`: one row per output pixel, its
kernel columns and channels adjacent, so each window's kw * C values are one contiguous run of
the buffer and both GEMMs that read the columns (the forward's and the weight gradient's) read
them along their contraction with unit stride (a transposed operand ran the weight gradient
1.6-4x slower in numpy's OpenBLAS at W3's shapes). The GEMM writes channels last; the copy to
contiguous NCHW is where the bias is added (results stay contiguous NCHW: numpy sums over the
strided axes of channels-last arrays with plain float32 accumulation, which a following
BatchNorm's statistics would inherit). Where the weight is larger than the columns, the columns
take the weight's (c, i, j) order instead (`_weight_order`). No Python loop runs over batch
items, pixels or kernel offsets except col2im's kh * kw strided adds. Inputs with few channels
(C/G * kw < 10) take channel-major columns in the forward and the weight gradient instead
(conv_narrow.py). The batch is processed in chunks whose columns fit in cache (`CHUNK_BYTES`),
in reused scratch buffers, so the GEMM reads the columns before they are evicted and the
backward recomputes them instead of keeping them alive between forward and backward. With more
than one BLAS thread (`autograd.set_num_threads`) a narrow layer's batch is split into one lane
per thread, each running its own chunks (`_in_lanes`).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Primitive

from . import conv_narrow
from ._parallel import run_split
from .windows import Geometry, scratch, strided

__all__ = ["conv2d"]


def _padded_scratch(slot: str, x: np.ndarray, geom: Geometry) -> np.ndarray:
    """Scratch (n, Hp, Wp, C) buffer holding the zero-padded `x` (n, C, H, W), channels last."""
    buf = scratch(slot, (x.shape[0], geom.hp, geom.wp, geom.c), x.dtype)
    top, left = geom.pt + geom.h, geom.pl + geom.w
    # NOTE: only the border strips are zeroed (the interior is overwritten next): zeroing the
    # whole buffer was one more pass over it (4x16x28x28: 30 -> 27 us; 8x64x16x16: 90 -> 78 us)
    buf[:, : geom.pt] = 0
    buf[:, top:] = 0
    buf[:, geom.pt : top, : geom.pl] = 0
    buf[:, geom.pt : top, left:] = 0
    buf[:, geom.pt : top, geom.pl : left] = x.transpose(0, 2, 3, 1)
    return buf


def _weight_order(geom: Geometry, out_channels: int) -> bool:
    """Whether im2col orders each row's columns (c, i, j), as the weight is stored, rather than
    (i, j, c): when the weight has more entries than the columns (deep layers on small images:
    ResNet's 512x512x3x3 kernels at 2x2 pixels), so the GEMMs read the weight in place and the
    columns take the slower, short-run copy; else the columns copy in long runs and the weight
    is copied into their order once per call."""
    return out_channels // geom.groups > geom.n * geom.ho * geom.wo


def _unfold(x: np.ndarray, geom: Geometry, weight_order: bool = False) -> np.ndarray:
    """im2col into scratch: (n, C, H, W) -> (n * Ho * Wo, G, kh * kw * C/G), columns (i, j, c)
    (or (c, i, j) with `weight_order`).

    One row per output pixel, so the forward GEMM (rows @ Wᵀ) and the weight gradient's
    (gᵀ @ rows) read it with unit stride along their contraction: numpy's BLAS runs the
    weight gradient 4x slower on a transposed operand of these shapes.
    """
    n = x.shape[0]
    buf = _padded_scratch("pad", x, geom)
    per_group = geom.c // geom.groups
    # all windows as one strided view of the buffer, so im2col is a single numpy copy; in (i, j, c)
    # order its inner runs are kw * C/G pixels long (kernel columns and channels are adjacent)
    sn, sh, sw, sc = buf.strides
    if weight_order:
        shape = (n, geom.ho, geom.wo, geom.groups, per_group, geom.kh, geom.kw)
        strides = (sn, geom.sh * sh, geom.sw * sw, per_group * sc, sc, geom.dh * sh, geom.dw * sw)
    else:
        shape = (n, geom.ho, geom.wo, geom.groups, geom.kh, geom.kw, per_group)
        strides = (sn, geom.sh * sh, geom.sw * sw, per_group * sc, geom.dh * sh, geom.dw * sw, sc)
    cols = scratch("cols", shape, x.dtype)
    np.copyto(cols, strided(buf, shape, strides))
    return cols.reshape(n * geom.ho * geom.wo, geom.groups, -1)


def _fold_into(out: np.ndarray, cols: np.ndarray, geom: Geometry, weight_order: bool) -> None:
    """col2im, the adjoint of `_unfold`: (n * Ho * Wo, G, kh * kw * C/G) -> `out` (n, C, H, W),
    overlapping windows summed."""
    n = out.shape[0]
    per_group = geom.c // geom.groups
    if weight_order:
        cols = cols.reshape(n, geom.ho, geom.wo, geom.groups, per_group, geom.kh, geom.kw)
        cols = cols.transpose(0, 1, 2, 3, 5, 6, 4)
    else:
        cols = cols.reshape(n, geom.ho, geom.wo, geom.groups, geom.kh, geom.kw, per_group)
    buf = scratch("fold", (n, geom.hp, geom.wp, geom.groups, per_group), cols.dtype)
    buf.fill(0)
    for i in range(geom.kh):
        for j in range(geom.kw):
            # NOTE: one vectorized add per kernel offset; within one offset no two windows hit
            # the same pixel, so overlaps between offsets accumulate without np.add.at
            top, left = i * geom.dh, j * geom.dw
            view = buf[:, top : top + geom.sh * (geom.ho - 1) + 1 : geom.sh,
                       left : left + geom.sw * (geom.wo - 1) + 1 : geom.sw]
            np.add(view, cols[:, :, :, :, i, j], out=view)
    inner = buf[:, geom.pt : geom.pt + geom.h, geom.pl : geom.pl + geom.w]
    out[...] = inner.reshape(n, geom.h, geom.w, geom.c).transpose(0, 3, 1, 2)


def _weight_columns(w: np.ndarray, groups: int, weight_order: bool) -> np.ndarray:
    """(O, C/G, kh, kw) -> (G, K, O/G): each group's weight as the right GEMM operand, its K
    entries in the columns' order ((c, i, j): a view; (i, j, c): a copy)."""
    out_channels, per_group, kh, kw = w.shape
    w = w.reshape(groups, out_channels // groups, per_group, kh, kw)
    if weight_order:
        return w.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1)
    w = np.ascontiguousarray(w.transpose(0, 3, 4, 2, 1))
    return w.reshape(groups, kh * kw * per_group, out_channels // groups)


def _grouped_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Per group k: out[:, k] = a[:, k] @ b[k], with a (P, G, K), b (G, K, M), out (P, G, M)."""
    # NOTE: one 2-D GEMM per group on strided rows (BLAS takes a leading dimension, no copy)
    for k in range(b.shape[0]):
        np.matmul(a[:, k], b[k], out=out[:, k])
    return out


def _chunks(geom: Geometry, lo: int = 0, hi: int | None = None):
    """Slices of the batch range [lo, hi) whose im2col columns fit in about CHUNK_BYTES (at
    least one image each)."""
    hi = geom.n if hi is None else hi
    step = max(1, CHUNK_BYTES // max(_columns_per_image(geom) * 4, 1))
    for start in range(lo, hi, step):
        yield slice(start, min(start + step, hi))


def _columns_per_image(geom: Geometry) -> int:
    return geom.c * geom.kh * geom.kw * geom.ho * geom.wo


def _in_lanes(geom: Geometry, out_channels: int, lane) -> list:
    """``lane(lo, hi)`` over contiguous parts of the batch, one per BLAS thread at once
    (`_parallel.run_split`) when the layer is narrow, else over the whole batch; its results in
    order.

    NOTE: a narrow layer's GEMMs are skinny (W3's 16 and 32 channels), and between them come
    the im2col copies and copy-outs: batch lanes run all of it on both cores (W3's 16->16 layer
    at 28x28: forward 2.7 -> 1.6 ms, weight gradient 3.1 -> 1.7 ms). From 64 channels on
    (ResNet's), BLAS's own threads split each wider GEMM evenly, which beat lanes of uneven
    chunks (W5: 110 against 117 ms a step)."""
    if max(geom.c, out_channels) // geom.groups < WIDE_CHANNELS:
        return run_split(lane, geom.n, unit=_columns_per_image(geom))
    return [lane(0, geom.n)]


def _conv_forward(x, w, b, geom: Geometry) -> np.ndarray:
    """y = conv(x, w) + b: per batch chunk, im2col then one GEMM per group, written as NCHW."""
    if conv_narrow.narrow(geom):  # few input channels: channel-major columns
        out = np.empty((geom.n, w.shape[0], geom.ho, geom.wo), dtype=np.result_type(x, w))
        _in_lanes(geom, w.shape[0], lambda lo, hi: conv_narrow.forward_into(out, x, w, b, geom,
                                                                _chunks(geom, lo, hi)))
        return out
    order = _weight_order(geom, w.shape[0])
    return _conv_rows(x, _weight_columns(w, geom.groups, order), b, geom, order)


def _conv_rows(x, w_cols, b, geom: Geometry, weight_order: bool) -> np.ndarray:
    """conv with the weight already in `_weight_columns` layout (G, K, O/G)."""
    groups, _, per_group = w_cols.shape
    out_channels = groups * per_group
    dtype = np.result_type(x, w_cols)
    out = np.empty((geom.n, out_channels, geom.ho, geom.wo), dtype=dtype)

    def lane(lo: int, hi: int) -> None:
        for part in _chunks(geom, lo, hi):
            cols = _unfold(x[part], geom, weight_order)
            y = scratch("gemm", (cols.shape[0], groups, per_group), dtype)
            _grouped_matmul(cols, w_cols, y)
            # NOTE: the GEMM writes channels last; the result is copied to contiguous NCHW (with
            # the bias added in that pass) because numpy reduces over the strided axes of a
            # channels-last array by plain float32 accumulation (25x the rounding error of its
            # pairwise sums, which a BatchNorm's statistics would inherit)
            y = y.reshape(-1, geom.ho, geom.wo, out_channels).transpose(0, 3, 1, 2)
            if b is None:
                out[part] = y
            else:
                np.add(y, b.reshape(-1, 1, 1), out=out[part])

    _in_lanes(geom, out_channels, lane)
    return out


def _rows(g: np.ndarray, axes: tuple, shape: tuple) -> np.ndarray:
    """g (n, O, Ho, Wo) transposed by `axes` and reshaped to `shape`, copied into scratch."""
    t = g.transpose(axes)
    rows = scratch("rows", t.shape, g.dtype)
    rows[...] = t
    return rows.reshape(shape)


def _transposed_geometry(geom: Geometry, out_channels: int) -> Geometry | None:
    """For stride 1: the geometry of the correlation of g (N, O, Ho, Wo) that gives grad input,
    padding each side by d*(k - 1) - p; None when some p exceeds d*(k - 1) or the stride is not 1."""
    if not geom.flat:
        return None
    eh, ew = geom.dh * (geom.kh - 1), geom.dw * (geom.kw - 1)
    pads = (eh - geom.pt, eh - geom.pb, ew - geom.pl, ew - geom.pr)
    if min(pads) < 0:
        return None
    return Geometry(geom.n, out_channels, geom.ho, geom.wo, geom.kh, geom.kw, 1, 1, geom.dh, geom.dw,
                    *pads, geom.groups)


def _conv_transpose_forward(g, w, geom: Geometry) -> np.ndarray:
    """Gradient of conv with respect to its input.

    Stride 1: a correlation of g with the flipped kernel, channels in/out swapped per group:
    gx[n, c] = sum_{o, i, j} w[o, c, kh-1-i, kw-1-j] * gp[n, o, h + d*i, w + d*j] (one unfold and
    one GEMM with K = O*kh*kw per chunk). Otherwise fold(g_rows @ Wᵀ), per batch chunk.
    """
    out_channels = w.shape[0]
    groups = geom.groups
    og, cg = out_channels // groups, geom.c // groups
    transposed = _transposed_geometry(geom, out_channels)
    # NOTE: where w is larger than the columns fold() would sum (deep layers on small images:
    # ResNet's 512x512x3x3 kernels at 2x2 pixels), the fold path is cheaper than the correlation
    columns = geom.c * geom.kh * geom.kw * geom.n * geom.ho * geom.wo
    if transposed is not None and w.size <= columns:
        # the flipped kernel with channels swapped, straight into the (G, kh*kw*O/G, C/G) layout
        flipped = w.reshape(groups, og, cg, geom.kh, geom.kw)[:, :, :, ::-1, ::-1]
        w_cols = np.ascontiguousarray(flipped.transpose(0, 3, 4, 1, 2))
        return _conv_rows(g, w_cols.reshape(groups, -1, cg), None, transposed, False)
    order = _weight_order(geom, out_channels)
    w_rows = _weight_columns(w, groups, order).transpose(0, 2, 1)  # (G, O/G, K)
    dtype = np.result_type(g, w)
    out = np.empty((geom.n, geom.c, geom.h, geom.w), dtype=dtype)

    def lane(lo: int, hi: int) -> None:
        for part in _chunks(geom, lo, hi):
            rows = _rows(g[part], (0, 2, 3, 1), (-1, groups, og))
            cols = scratch("gemm", (rows.shape[0], groups, w_rows.shape[2]), dtype)
            _fold_into(out[part], _grouped_matmul(rows, w_rows, cols), geom, order)

    _in_lanes(geom, out_channels, lane)
    return out


def _conv_weight_forward(x, g, geom: Geometry) -> np.ndarray:
    """Gradient of conv with respect to its weight: sum over chunks of g_rowsᵀ @ im2col(x)."""
    out_channels = g.shape[1]
    groups = geom.groups
    og, cg = out_channels // groups, geom.c // groups
    dtype = np.result_type(x, g)
    if geom.n == 0:  # an empty batch: an empty sum (no chunk would write the result)
        return np.zeros((out_channels, cg, geom.kh, geom.kw), dtype=dtype)
    # NOTE: the result is a fresh array, not a view (base None), so the weight adopts it as its
    # .grad instead of copying it (W5: 11M weights, a 45 MB copy a step)
    result = np.empty((out_channels, cg, geom.kh, geom.kw), dtype=dtype)
    if conv_narrow.narrow(geom):
        totals = _in_lanes(geom, out_channels, lambda lo, hi: conv_narrow.weight_grad_sum(
            x, g, geom, _chunks(geom, lo, hi), result.reshape(out_channels, -1) if lo == 0 else None))
        _add_lanes(totals)
        return result
    order = _weight_order(geom, out_channels)

    def lane(lo: int, hi: int) -> np.ndarray:
        """The sum over the lane's chunks, in `result` (first lane, weight order) or scratch."""
        if order and lo == 0:
            total = result.reshape(groups, og, -1)
        else:
            total = scratch("dw", (groups, og, geom.kh * geom.kw * cg), dtype)
        part_sum = None
        for part in _chunks(geom, lo, hi):
            cols = _unfold(x[part], geom, order)
            rows = _rows(g[part], (1, 0, 2, 3), (groups, og, -1))
            for k in range(groups):
                if part.start == lo:  # the first chunk writes the total, the others add to it
                    np.matmul(rows[k], cols[:, k], out=total[k])
                else:
                    part_sum = np.matmul(rows[k], cols[:, k], out=part_sum)
                    total[k] += part_sum
        return total

    total = _add_lanes(_in_lanes(geom, out_channels, lane))
    if not order:
        total = total.reshape(groups, og, geom.kh, geom.kw, cg).transpose(0, 1, 4, 2, 3)
        result.reshape(groups, og, cg, geom.kh, geom.kw)[...] = total
    return result


def _add_lanes(totals: list[np.ndarray]) -> np.ndarray:
    """The first lane's sum plus the others' (each lane's scratch is its own thread's)."""
    for other in totals[1:]:
        totals[0] += other
    return totals[0]


# The three faces of the trilinear form <conv(x, w), g>; each one's VJPs are the other two.
CONV2D = Primitive(
    "conv2d", _conv_forward,
    [
        lambda g, out, x, w, b, geom: CONV2D_INPUT_GRAD.apply_in_vjp(g, w, geom=geom),
        lambda g, out, x, w, b, geom: CONV2D_WEIGHT_GRAD.apply_in_vjp(x, g, geom=geom),
        lambda g, out, x, w, b, geom: np.sum(g, axis=(0, 2, 3)),
    ],
    "d conv/dx = conv_transpose(g, w), d conv/dw = g ⋆ x, d conv/db = sum of g over N, H, W",
)
CONV2D_INPUT_GRAD = Primitive(
    "conv2d_input_grad", _conv_transpose_forward,
    [
        lambda gg, out, g, w, geom: CONV2D.apply_in_vjp(gg, w, None, geom=geom),
        lambda gg, out, g, w, geom: CONV2D_WEIGHT_GRAD.apply_in_vjp(gg, g, geom=geom),
    ],
    "conv_transpose(g, w) is bilinear: its VJPs are conv(gg, w) and weight_grad(gg, g)",
)
CONV2D_WEIGHT_GRAD = Primitive(
    "conv2d_weight_grad", _conv_weight_forward,
    [
        lambda gg, out, x, g, geom: CONV2D_INPUT_GRAD.apply_in_vjp(g, gg, geom=geom),
        lambda gg, out, x, g, geom: CONV2D.apply_in_vjp(x, gg, None, geom=geom),
    ],
    "weight_grad(x, g) is bilinear: its VJPs are conv_transpose(g, gg) and conv(x, gg)",
)
# Bytes of im2col columns per batch chunk: small enough that the columns are still in cache
# when the GEMM reads them, large enough that each GEMM is efficient.
CHUNK_BYTES = 1 << 21
# Layers with this many channels (per group, in or out) or more leave their GEMMs to BLAS's
# threads instead of batch lanes (`_in_lanes`)
WIDE_CHANNELS = 64


# ---------------------------------------------------------------- argument checking
def pair(fn: str, name: str, value, minimum: int = 1) -> tuple[int, int]:
    """An int or a 2-sequence of ints -> (a, b); raise naming `fn` and `name` otherwise."""
    items = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    ok = len(items) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in items
    )
    if not ok:
        kind = "positive" if minimum >= 1 else "non-negative"
        raise ValueError(f"{fn}: {name} must be a {kind} int or a pair of them, got {value!r}")
    return int(items[0]), int(items[1])


def as_tensor(fn: str, name: str, x) -> Tensor:
    """`x` as a Tensor with a floating dtype; raise naming `fn` otherwise."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {name} must have a floating point dtype, got {x.dtype}")
    return x


def batched(fn: str, x: Tensor) -> tuple[Tensor, bool]:
    """Accept (N, C, H, W) or unbatched (C, H, W) input; return the 4-D tensor and whether it was 3-D."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x.reshape(1, *x.shape), True
    raise ValueError(
        f"{fn}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}"
    )


def _conv_padding(padding, kernel, dilation, stride) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"conv2d: padding='same' is not supported for strided convolutions (stride={stride})")
        # NOTE: as PyTorch, an odd total pads one more at the bottom/right
        th = dilation[0] * (kernel[0] - 1)
        tw = dilation[1] * (kernel[1] - 1)
        return th // 2, th - th // 2, tw // 2, tw - tw // 2
    ph, pw = pair("conv2d", "padding", padding, minimum=0)
    return ph, ph, pw, pw


def _check_conv(x: Tensor, weight: Tensor, bias, groups) -> None:
    if weight.ndim != 4:
        raise ValueError(
            f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kH, kW), got shape {tuple(weight.shape)}"
        )
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    out_channels, per_group = weight.shape[0], weight.shape[1]
    expected = per_group * groups
    if x.shape[1] != expected:
        extra = f", groups={groups}" if groups != 1 else ""
        raise ValueError(
            f"conv2d: expected input with {expected} channels (weight shape {tuple(weight.shape)}{extra}), "
            f"got input of shape {tuple(x.shape)}"
        )
    if out_channels % groups:
        raise ValueError(f"conv2d: out_channels={out_channels} is not divisible by groups={groups}")
    if x.dtype != weight.dtype:
        raise TypeError(f"conv2d: input dtype {x.dtype} and weight dtype {weight.dtype} differ")
    if bias is not None:
        if tuple(bias.shape) != (out_channels,):
            raise ValueError(f"conv2d: bias must have shape ({out_channels},), got {tuple(bias.shape)}")
        if bias.dtype != weight.dtype:
            raise TypeError(f"conv2d: bias dtype {bias.dtype} and weight dtype {weight.dtype} differ")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation: out[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, c, s*h + d*i, s*w + d*j].

    Args:
        input: (N, C_in, H, W), or (C_in, H, W) for a single image.
        weight: (C_out, C_in / groups, kH, kW).
        bias: (C_out,) or None.
        stride: int or (sH, sW).
        padding: int, (pH, pW), 'valid' (no padding) or 'same' (output size = input size; stride 1
            only; an odd total pads one more at the bottom/right, as PyTorch).
        dilation: int or (dH, dW): spacing between kernel taps.
        groups: split input and output channels into this many independent convolutions.
    Returns:
        (N, C_out, H_out, W_out) with H_out = (H + pT + pB - dH*(kH - 1) - 1) // sH + 1 (likewise W).
    """
    x = as_tensor("conv2d", "input", input)
    weight = as_tensor("conv2d", "weight", weight)
    bias = None if bias is None else as_tensor("conv2d", "bias", bias)
    x, unbatched = batched("conv2d", x)
    _check_conv(x, weight, bias, groups)
    s = pair("conv2d", "stride", stride)
    d = pair("conv2d", "dilation", dilation)
    kernel = (weight.shape[2], weight.shape[3])
    pt, pb, pl, pr = _conv_padding(padding, kernel, d, s)
    n, c, h, w = x.shape
    geom = Geometry(n, c, h, w, kernel[0], kernel[1], s[0], s[1], d[0], d[1], pt, pb, pl, pr, int(groups))
    if geom.ho < 1 or geom.wo < 1:
        raise ValueError(
            f"conv2d: kernel size (after dilation) ({d[0] * (kernel[0] - 1) + 1}, {d[1] * (kernel[1] - 1) + 1}) "
            f"is larger than the padded input ({geom.hp}, {geom.wp}) (input shape {tuple(x.shape)})"
        )
    out = CONV2D(x, weight, bias, geom=geom)
    return out.reshape(*out.shape[1:]) if unbatched else out
