"""conv2d: im2col + GEMM in cache-sized batch chunks, with hand-written, differentiable backward.

Three Primitives are the three faces of the trilinear form <conv(x, w), g>:
- `CONV2D(x, w, b)`: per batch chunk, cols = im2col(x) then y = W @ cols (+ b), written as NCHW;
- `CONV2D_INPUT_GRAD(g, w)`: grad input, the transposed convolution; with stride 1 it is a
  correlation of g with the flipped kernel (the same im2col + GEMM), else col2im(Wᵀ @ g);
- `CONV2D_WEIGHT_GRAD(x, g)` = sum over chunks of g @ im2col(x)ᵀ (grad weight).
Each one's VJPs are the other two, so gradients of any order are exact.

Layout: the zero-padded input is stored channel-major as `xp[c, n, h * Wp + w]`, and im2col is
one strided copy, `cols[c, i, j, n, ho, wo] = xp[c, n, (ho*s + i*d) * Wp + wo*s + j*d]`, so no
Python loop runs over batch items, pixels or kernel offsets. With stride 1 each output row is
computed over the full padded width Wp (the last Wp - Wo columns wrap into the next row and are
dropped when writing NCHW): that costs (Wp - Wo) / Wo more GEMM work but makes every window a
contiguous run of the flattened image, which numpy copies fast. The batch is processed in chunks
whose columns fit in cache (`CHUNK_BYTES`), in reused scratch buffers, so the GEMM reads the
columns before they are evicted and the backward recomputes them cheaply instead of keeping them
alive between forward and backward.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd import Tensor
from autograd.ops.registry import Primitive

__all__ = ["conv2d"]


@dataclass(frozen=True)
class Geometry:
    """Sliding-window geometry of a 2-D conv or pool over an (N, C, H, W) input."""

    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int = 1
    sw: int = 1
    dh: int = 1
    dw: int = 1
    pt: int = 0
    pb: int = 0
    pl: int = 0
    pr: int = 0
    groups: int = 1

    @cached_property
    def hp(self) -> int:
        """Padded height."""
        return self.h + self.pt + self.pb

    @cached_property
    def wp(self) -> int:
        """Padded width."""
        return self.w + self.pl + self.pr

    @cached_property
    def ho(self) -> int:
        """Output height: (Hp - d*(kh - 1) - 1) // s + 1."""
        return (self.hp - self.dh * (self.kh - 1) - 1) // self.sh + 1

    @cached_property
    def wo(self) -> int:
        """Output width: (Wp - d*(kw - 1) - 1) // s + 1."""
        return (self.wp - self.dw * (self.kw - 1) - 1) // self.sw + 1

    @cached_property
    def flat(self) -> bool:
        """Stride 1: windows are contiguous runs of the flattened padded image."""
        return self.sh == 1 and self.sw == 1

    @cached_property
    def wrow(self) -> int:
        """Columns per output row in the column buffer (Wp with the flat layout, else Wo)."""
        return self.wp if self.flat else self.wo

    @cached_property
    def tail(self) -> int:
        """Zeros after each flattened image, so the last flat window stays in bounds."""
        return self.dw * (self.kw - 1) if self.flat else 0


def padded_buffer(geom: Geometry, dtype, value=0.0, n: int | None = None) -> np.ndarray:
    """A (C, n, Hp*Wp + tail) array filled with `value` (the channel-major padded image)."""
    shape = (geom.c, geom.n if n is None else n, geom.hp * geom.wp + geom.tail)
    if value == 0:
        return np.zeros(shape, dtype=dtype)
    return np.full(shape, value, dtype=dtype)


def interior(buf: np.ndarray, geom: Geometry) -> np.ndarray:
    """The (C, n, H, W) view of the unpadded image inside a `padded_buffer`."""
    grid = buf[:, :, : geom.hp * geom.wp].reshape(buf.shape[0], buf.shape[1], geom.hp, geom.wp)
    return grid[:, :, geom.pt : geom.pt + geom.h, geom.pl : geom.pl + geom.w]


def window(buf: np.ndarray, geom: Geometry, i: int, j: int) -> np.ndarray:
    """(C, n, Ho, Wrow) view of `buf` at kernel offset (i, j): entry [c, n, ho, wo] is
    the padded pixel (ho*s + i*d, wo*s + j*d)."""
    if geom.flat:
        off = i * geom.dh * geom.wp + j * geom.dw
        run = buf[:, :, off : off + geom.ho * geom.wp]
        return run.reshape(buf.shape[0], buf.shape[1], geom.ho, geom.wp)
    grid = buf[:, :, : geom.hp * geom.wp].reshape(buf.shape[0], buf.shape[1], geom.hp, geom.wp)
    top = i * geom.dh
    left = j * geom.dw
    return grid[
        :, :,
        top : top + geom.sh * (geom.ho - 1) + 1 : geom.sh,
        left : left + geom.sw * (geom.wo - 1) + 1 : geom.sw,
    ]


def scratch(slot: str, shape: tuple, dtype) -> np.ndarray:
    """A reusable, uninitialized array for data that dies within one call (per thread and slot).

    The contents are valid until the next request for the same slot in the same thread.
    """
    # NOTE: fresh multi-megabyte arrays come from mmap and page-fault on first touch, which
    # costs more than the copies themselves; reusing a cache-warm buffer avoids both
    cache = _LOCAL.__dict__.setdefault("buffers", {})
    size = math.prod(shape)
    key = (slot, np.dtype(dtype).str)
    buf = cache.get(key)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        if buf.nbytes <= SCRATCH_LIMIT:  # one huge image is not worth pinning its memory
            cache[key] = buf
    return buf[:size].reshape(shape)


def _padded_scratch(slot: str, x: np.ndarray, geom: Geometry) -> np.ndarray:
    """Scratch (C, n, Hp*Wp + tail) buffer holding the zero-padded, channel-major `x` (n, C, H, W)."""
    buf = scratch(slot, (geom.c, x.shape[0], geom.hp * geom.wp + geom.tail), x.dtype)
    buf.fill(0)
    interior(buf, geom)[...] = x.transpose(1, 0, 2, 3)
    return buf


def _unfold(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """im2col into scratch: (n, C, H, W) -> (G, C/G * kh * kw, n * Ho * Wrow), rows ordered (c, i, j)."""
    n = x.shape[0]
    buf = _padded_scratch("pad", x, geom)
    shape = (geom.c, geom.kh, geom.kw, n, geom.ho, geom.wrow)
    cols = scratch("cols", shape, x.dtype)
    # all kernel offsets as one strided view of the buffer, so im2col is a single numpy copy;
    # entry [c, i, j, n, ho, wo] sits at flat position (ho*s + i*d) * Wp + wo*s + j*d
    sc, sn, e = buf.strides
    wp = geom.wp * e
    strides = (sc, geom.dh * wp, geom.dw * e, sn, geom.sh * wp, geom.sw * e)
    np.copyto(cols, as_strided(buf, shape, strides, writeable=False))
    return cols.reshape(geom.groups, -1, n * geom.ho * geom.wrow)


def _fold_into(out: np.ndarray, cols: np.ndarray, geom: Geometry) -> None:
    """col2im, the adjoint of `_unfold`: (G, Kg, n * Ho * Wrow) -> `out` (n, C, H, W), overlaps summed."""
    n = out.shape[0]
    cols = cols.reshape(geom.c, geom.kh, geom.kw, n, geom.ho, geom.wrow)
    buf = scratch("fold", (geom.c, n, geom.hp * geom.wp + geom.tail), cols.dtype)
    buf.fill(0)
    for i in range(geom.kh):
        for j in range(geom.kw):
            # NOTE: one vectorized add per offset; within one offset no two columns hit the same
            # pixel, so overlaps between offsets accumulate correctly without np.add.at
            view = window(buf, geom, i, j)
            np.add(view, cols[:, i, j], out=view)
    out[...] = interior(buf, geom).transpose(1, 0, 2, 3)


def _to_rows(g: np.ndarray, geom: Geometry) -> np.ndarray:
    """Scratch (G, O/G, n * Ho * Wrow) GEMM layout of g (n, O, Ho, Wo), zeros in wrapped columns."""
    n, out_channels = g.shape[:2]
    rows = scratch("rows", (out_channels, n, geom.ho, geom.wrow), g.dtype)
    rows[:, :, :, geom.wo :] = 0
    rows[:, :, :, : geom.wo] = g.transpose(1, 0, 2, 3)
    return rows.reshape(geom.groups, out_channels // geom.groups, -1)


def _grouped_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(G, M, K) @ (G, K, P) -> `out` (G, M, P), one 2-D GEMM per group."""
    # NOTE: numpy's stacked matmul skips BLAS for a transposed operand (the weight gradient
    # passes one), so each group is its own 2-D product: BLAS takes a transpose flag, no copy
    for k in range(a.shape[0]):
        np.matmul(a[k], b[k], out=out[k])
    return out


def _chunks(geom: Geometry):
    """Slices of the batch whose im2col columns fit in about CHUNK_BYTES (at least one image)."""
    per_image = geom.c * geom.kh * geom.kw * geom.ho * geom.wrow * 4
    step = max(1, CHUNK_BYTES // max(per_image, 1))
    for start in range(0, geom.n, step):
        yield slice(start, min(start + step, geom.n))


def _conv_forward(x, w, b, geom: Geometry) -> np.ndarray:
    """y = conv(x, w) + b: per batch chunk, im2col then one GEMM per group, written as NCHW."""
    out_channels = w.shape[0]
    groups = geom.groups
    w_rows = w.reshape(groups, out_channels // groups, -1)
    dtype = np.result_type(x, w)
    out = np.empty((geom.n, out_channels, geom.ho, geom.wo), dtype=dtype)
    bias = None if b is None else b.reshape(-1, 1, 1)
    for part in _chunks(geom):
        cols = _unfold(x[part], geom)
        y = scratch("gemm", (groups, out_channels // groups, cols.shape[2]), dtype)
        _grouped_matmul(w_rows, cols, y)
        y = y.reshape(out_channels, -1, geom.ho, geom.wrow)[:, :, :, : geom.wo].transpose(1, 0, 2, 3)
        if bias is None:
            out[part] = y
        else:
            np.add(y, bias, out=out[part])
    return out


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
    one GEMM with K = O*kh*kw per chunk). Otherwise fold(Wᵀ @ g), per batch chunk.
    """
    out_channels = w.shape[0]
    transposed = _transposed_geometry(geom, out_channels)
    # NOTE: the correlation needs a flipped, transposed copy of w; where w is larger than the
    # columns fold() would sum (deep layers on small images: ResNet's 512x512x3x3 kernels at
    # 2x2 pixels), the fold path is cheaper, its GEMM reads w in place
    columns = geom.c * geom.kh * geom.kw * geom.n * geom.ho * geom.wrow
    if transposed is not None and w.size <= columns:
        groups = geom.groups
        w_t = w.reshape(groups, out_channels // groups, geom.c // groups, geom.kh, geom.kw)
        w_t = np.ascontiguousarray(w_t.transpose(0, 2, 1, 3, 4)[:, :, :, ::-1, ::-1])
        return _conv_forward(g, w_t.reshape(geom.c, out_channels // groups, geom.kh, geom.kw), None, transposed)
    groups = geom.groups
    w_t = np.swapaxes(w.reshape(groups, out_channels // groups, -1), 1, 2)
    dtype = np.result_type(g, w)
    out = np.empty((geom.n, geom.c, geom.h, geom.w), dtype=dtype)
    for part in _chunks(geom):
        rows = _to_rows(g[part], geom)
        cols = scratch("gemm", (groups, w_t.shape[1], rows.shape[2]), dtype)
        _fold_into(out[part], _grouped_matmul(w_t, rows, cols), geom)
    return out


def _conv_weight_forward(x, g, geom: Geometry) -> np.ndarray:
    """Gradient of conv with respect to its weight: sum over chunks of g @ im2col(x)ᵀ."""
    out_channels = g.shape[1]
    groups = geom.groups
    per_group = geom.c // groups * geom.kh * geom.kw
    dtype = np.result_type(x, g)
    total = np.zeros((groups, out_channels // groups, per_group), dtype=dtype)
    part_sum = np.empty_like(total)
    for part in _chunks(geom):
        cols = _unfold(x[part], geom)
        _grouped_matmul(_to_rows(g[part], geom), np.swapaxes(cols, 1, 2), part_sum)
        total += part_sum
    return total.reshape(out_channels, geom.c // groups, geom.kh, geom.kw)


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
_LOCAL = threading.local()
# Bytes of im2col columns per batch chunk: small enough that the columns are still in cache
# when the GEMM reads them, large enough that each GEMM is efficient.
CHUNK_BYTES = 1 << 21
# Largest scratch array kept for reuse (per slot and thread); bigger ones are allocated per call.
SCRATCH_LIMIT = 1 << 26


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
