"""The kernels of attention: per-head products and the scaled, masked softmax over the keys.

The scores are kept key-major, (..., S, L) (`k @ qᵀ`), so the softmax's max and sum run down
columns: numpy vectorizes those across the L queries, while a max along each 64-key row is one
scalar loop per row (16x slower at a small GPT's (16, 4, 64, 64) scores). The products with q, k
and v then take transposed views, which BLAS reads as they are, and every gradient comes out of
a GEMM contiguous. Scale, mask and softmax are one primitive, `ATTENTION_SOFTMAX`; the products
are `ATTENTION_MATMUL`. Both split their batches over the BLAS threads (`_parallel`).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Primitive

from ._parallel import run_split

__all__ = ["ATTENTION_MATMUL", "ATTENTION_SOFTMAX"]


def _attention_softmax_forward(s, mask, scale, safe):
    """softmax over axis -2 (the keys) of ``s * scale + mask``, in one buffer; with `safe`, a
    query whose every key is masked (-inf) gets weights 0, as PyTorch's `_safe_softmax`."""
    shape = s.shape if mask is None else np.broadcast_shapes(s.shape, mask.shape)
    z = np.empty(shape, dtype=s.dtype)
    if z.size == 0:
        return z
    S, L = shape[-2:]
    zs = z.reshape(-1, S, L)
    ss = np.broadcast_to(s, shape).reshape(-1, S, L)
    if mask is not None and mask.ndim > 2:  # (per batch: cut along with the scores)
        mask = np.broadcast_to(mask, shape).reshape(-1, S, L)

    def part(lo, hi):
        zp = np.multiply(ss[lo:hi], scale, out=zs[lo:hi])
        if mask is not None:
            zp += mask if mask.ndim <= 2 else mask[lo:hi]
        top = np.maximum.reduce(zp, axis=-2, keepdims=True)
        dead = np.isneginf(top) if safe else None
        if dead is not None and dead.any():
            top[dead] = 0.0  # exp(-inf - 0) = 0 for each of its keys, not NaN
        else:
            dead = None
        zp -= top
        np.exp(zp, out=zp)
        total = _key_sum(zp)
        if dead is not None:
            total[dead] = 1.0
        zp *= np.reciprocal(total, out=total)

    run_split(part, zs.shape[0], unit=S * L)
    return z


def _key_sum(z: np.ndarray) -> np.ndarray:
    """Sum over axis -2, kept: (..., 1, L)."""
    # NOTE: as a product with a row of ones (BLAS): 6x faster than np.add.reduce down the
    # columns of a (16, 4, 64, 64) array
    return np.matmul(np.ones((1, z.shape[-2]), dtype=z.dtype), z)


def _softmax_grad(g, p, scale=None):
    """d softmax: p * (g - sum over keys of g p) (times `scale`), on arrays (in place, split over
    the BLAS threads) or Tensors (recorded)."""
    if type(g) is not np.ndarray:
        dz = p * (g - (g * p).sum(-2, keepdim=True))
        return dz if scale is None else dz * scale
    S, L = p.shape[-2:]
    t = np.empty(p.shape, dtype=np.result_type(g, p))
    if t.size == 0:
        return t
    ts, gs, ps = (a.reshape(-1, S, L) for a in (t, np.broadcast_to(g, p.shape), p))

    def part(lo, hi):
        tp, gp, pp = ts[lo:hi], gs[lo:hi], ps[lo:hi]
        np.multiply(gp, pp, out=tp)
        np.subtract(gp, _key_sum(tp), out=tp)
        tp *= pp
        if scale is not None:
            tp *= tp.dtype.type(scale)

    run_split(part, ts.shape[0], unit=S * L)
    return t


def _attention_softmax_vjp_s(g, out, s, mask, scale, safe):
    return _softmax_grad(g, out, scale)


ATTENTION_SOFTMAX = Primitive(
    "attention_softmax", _attention_softmax_forward,
    [_attention_softmax_vjp_s, lambda g, out, s, mask, scale, safe: _softmax_grad(g, out)],
    "p = softmax over keys of z = s * scale + mask: dz = p (g - sum(g p)), ds = scale dz, "
    "dmask = dz",
)


def _bmm(a, b):
    """a @ b: with equal batch dims (..., n, k) @ (..., k, m), float arrays, the batches (along
    dim 0) split over the BLAS threads; else np.matmul (Tensors: the recorded product)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return a @ b
    if a.ndim < 3 or a.shape[:-2] != b.shape[:-2] or a.dtype != b.dtype or a.dtype.kind != "f":
        return np.matmul(a, b)
    out = np.empty((*a.shape[:-1], b.shape[-1]), dtype=a.dtype)
    # NOTE: each head's product (64 x 64 x 32 in a small GPT) is below OpenBLAS's threading
    # threshold, so numpy runs all of them on one thread; split along dim 0 (no copy of views)
    run_split(lambda lo, hi: np.matmul(a[lo:hi], b[lo:hi], out=out[lo:hi]), a.shape[0],
              unit=out.size // max(a.shape[0], 1))
    return out


def _swap(x):
    return x.transpose(-2, -1) if isinstance(x, Tensor) else np.swapaxes(x, -1, -2)


# a @ b for attention's per-head products: autograd's matmul with its batches on the BLAS threads
ATTENTION_MATMUL = Primitive(
    "attention_matmul", _bmm,
    [lambda g, out, a, b: _bmm(g, _swap(b)), lambda g, out, a, b: _bmm(_swap(a), g)],
    "d(A @ B)/dA = G @ B^T, d(A @ B)/dB = A^T @ G",
)
