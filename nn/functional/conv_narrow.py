"""conv2d on inputs with few channels (a grayscale or RGB image): im2col in channel-major order.

conv.py's columns put each window's kernel columns and channels side by side, so its im2col
copies runs of kw * C floats; with C = 1 those runs are 3 floats long and the copy crawls
(W3's first layer, 1x28x28 images: 2.8 GB/s, against 15-20 GB/s for wide runs). Here the
columns are laid out (C, kh, kw, N, Ho, Wo) instead: each run is one output row, Wo floats read
from the zero-padded NCHW input. The forward GEMM is then W (O, K) @ cols (K, P), whose (O, N,
Ho*Wo) result copies into NCHW in runs of Ho*Wo; the weight gradient is g (O, P) @ colsᵀ.
"""

from __future__ import annotations

import numpy as np

from .windows import Geometry, scratch, strided

__all__ = ["forward_into", "narrow", "weight_grad_sum"]


def narrow(geom: Geometry) -> bool:
    """Whether the channel-major columns pay: one group and channels-last runs under 10 floats.

    NOTE: measured on W3's first layer (C=1, 3x3): forward 0.86 -> 0.43 ms, weight gradient
    0.66 -> 0.39 ms; RGB 3x3 (C*kw = 9): 1.20 -> 0.73 and 1.05 -> 0.89 ms; ResNet's RGB 7x7/2 stem
    (C*kw = 21) gains nothing (forward 2.29 -> 2.00, weight gradient 1.88 -> 2.13 ms).
    """
    return geom.groups == 1 and geom.c * geom.kw < 10


def _columns(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """im2col of `x` (n, C, H, W) into scratch, channel-major: (C * kh * kw, n * Ho * Wo)."""
    n = x.shape[0]
    pad = scratch("narrow_pad", (n, geom.c, geom.hp, geom.wp), x.dtype)
    top, left = geom.pt + geom.h, geom.pl + geom.w
    pad[:, :, : geom.pt] = 0
    pad[:, :, top:] = 0
    pad[:, :, geom.pt : top, : geom.pl] = 0
    pad[:, :, geom.pt : top, left:] = 0
    pad[:, :, geom.pt : top, geom.pl : left] = x
    sn, sc, sh, sw = pad.strides
    shape = (geom.c, geom.kh, geom.kw, n, geom.ho, geom.wo)
    steps = (sc, geom.dh * sh, geom.dw * sw, sn, geom.sh * sh, geom.sw * sw)
    cols = scratch("narrow_cols", shape, x.dtype)
    np.copyto(cols, strided(pad, shape, steps))
    return cols.reshape(geom.c * geom.kh * geom.kw, -1)


def forward_into(out: np.ndarray, x: np.ndarray, w: np.ndarray, b, geom: Geometry, parts) -> None:
    """out[part] = conv(x[part], w) + b for each batch slice in `parts`: W (O, K) @ cols (K, P)."""
    out_channels = w.shape[0]
    w_rows = w.reshape(out_channels, -1)
    for part in parts:
        cols = _columns(x[part], geom)
        y = scratch("narrow_gemm", (out_channels, cols.shape[1]), out.dtype)
        np.matmul(w_rows, cols, out=y)
        y = y.reshape(out_channels, -1, geom.ho, geom.wo).transpose(1, 0, 2, 3)
        if b is None:
            out[part] = y
        else:
            np.add(y, b.reshape(-1, 1, 1), out=out[part])


def weight_grad_sum(x: np.ndarray, g: np.ndarray, geom: Geometry, parts, total=None) -> np.ndarray:
    """The weight gradient's part over the batch slices `parts`, sum of g_rows @ colsᵀ, as
    (O, C * kh * kw), written into `total` (or scratch when None)."""
    out_channels = g.shape[1]
    dtype = np.result_type(x, g)
    if total is None:
        total = scratch("narrow_dw", (out_channels, geom.c * geom.kh * geom.kw), dtype)
    part_sum = None
    for k, part in enumerate(parts):
        cols = _columns(x[part], geom)
        t = g[part].transpose(1, 0, 2, 3)
        rows = scratch("narrow_rows", t.shape, dtype)
        rows[...] = t
        rows = rows.reshape(out_channels, -1)
        if k == 0:  # the first slice writes the total, the others add to it
            np.matmul(rows, cols.T, out=total)
        else:
            part_sum = np.matmul(rows, cols.T, out=part_sum)
            total += part_sum
    return total
