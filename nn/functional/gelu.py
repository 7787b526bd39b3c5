"""The exact GELU, x Phi(x), as one primitive with the normal CDF Phi(x) computed before it.

`gelu_cdf(x)` gives Phi(x) = (1 + erf(x / sqrt(2))) / 2; `GELU(x, cdf=...)` multiplies and
keeps Phi for its VJP, g (Phi(x) + x phi(x)), so backward needs one exp and no division (and,
as PyTorch's, reads the input, never the output). In float32 Phi is the erf rational of
`autograd.ops.special` (Eigen's) with 1/sqrt(2) and the 1/2 folded into its coefficients, run per
cache-sized block in preallocated buffers, split over the BLAS threads (`_parallel`).
"""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Primitive
from autograd.ops.special import _ERF32_P, _ERF32_Q, ERF, ERF32_BLOCK, _result_dtype, erf_forward

from ._parallel import run_split

__all__ = ["GELU", "gelu_cdf"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# Phi(x) - 1/2 = erf(z) / 2 with z = x / sqrt(2), erf(z) = z P(z^2) / Q(z^2): in terms of
# u = x^2 = 2 z^2 the k-th coefficient (highest power first) gains 2^-k, and P gains 1 / (2 sqrt 2)
_P_DEG, _Q_DEG = len(_ERF32_P) - 1, len(_ERF32_Q) - 1
_CDF_P = tuple(np.float32(float(c) * 0.5 * _SQRT_HALF / 2.0 ** (_P_DEG - i))
               for i, c in enumerate(_ERF32_P))
_CDF_Q = tuple(np.float32(float(c) / 2.0 ** (_Q_DEG - i)) for i, c in enumerate(_ERF32_Q))
_CDF_CLIP = np.float32(4.0 / _SQRT_HALF)  # erf's rational is fitted on |z| <= 4


def _cdf_float32(x: np.ndarray) -> np.ndarray:
    """Phi(x) of a float32 array (error ~2e-7 absolute; NaN stays NaN), on the BLAS threads."""
    flat = np.ascontiguousarray(x).reshape(-1)
    cdf = np.empty_like(flat)
    run_split(lambda lo, hi: _cdf_blocks(flat[lo:hi], cdf[lo:hi]), flat.size, ERF32_BLOCK)
    return cdf.reshape(np.shape(x))


def _cdf_blocks(flat: np.ndarray, cdf: np.ndarray) -> None:
    """Phi of 1-D float32 `flat` into `cdf`, one cache-sized block at a time."""
    n = min(flat.size, ERF32_BLOCK)
    clipped, u, q = np.empty(n, np.float32), np.empty(n, np.float32), np.empty(n, np.float32)
    for start in range(0, flat.size, ERF32_BLOCK):
        p = cdf[start:start + ERF32_BLOCK]
        m = p.size
        c, ub, qb = clipped[:m], u[:m], q[:m]
        # NOTE: every pass writes into a buffer made once per call: fresh block temporaries
        # cost page faults (1.3-1.6x the time of the arithmetic here)
        np.clip(flat[start:start + m], -_CDF_CLIP, _CDF_CLIP, out=c)
        np.multiply(c, c, out=ub)
        np.multiply(ub, _CDF_P[0], out=p)
        p += _CDF_P[1]
        for k in _CDF_P[2:]:
            p *= ub
            p += k
        np.multiply(ub, _CDF_Q[0], out=qb)
        qb += _CDF_Q[1]
        for k in _CDF_Q[2:]:
            qb *= ub
            qb += k
        p *= c
        p /= qb
        p += np.float32(0.5)
        np.maximum(p, np.float32(0.0), out=p)  # (the rounded rational dips to -6e-8 far left)


def gelu_cdf(x):
    """Phi(x) = (1 + erf(x / sqrt(2))) / 2 of an ndarray (float32 fast; else float64 erf), or of
    a Tensor by recorded ops (differentiable, for double backward)."""
    if isinstance(x, Tensor):
        return 0.5 * (1.0 + ERF(x * _SQRT_HALF))
    if x.dtype == np.float32:
        return _cdf_float32(x)
    return (0.5 * (1.0 + erf_forward(x * _SQRT_HALF))).astype(_result_dtype(x), copy=False)


def _gelu_grad_float32(g: np.ndarray, x: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """g (Phi(x) + x phi(x)), on the BLAS threads."""
    gf, xf, cf = (np.ascontiguousarray(a).reshape(-1) for a in (g, x, cdf))
    res = np.empty_like(xf)
    run_split(lambda lo, hi: _grad_blocks(gf[lo:hi], xf[lo:hi], cf[lo:hi], res[lo:hi]),
              xf.size, ERF32_BLOCK)
    return res.reshape(x.shape)


def _grad_blocks(g, x, cdf, res) -> None:
    """g (Phi + x phi) of 1-D float32 arrays into `res`, per cache-sized block, in place."""
    for start in range(0, x.size, ERF32_BLOCK):
        part = slice(start, start + ERF32_BLOCK)
        xb = x[part]
        r = res[part]
        np.multiply(xb, xb, out=r)
        r *= np.float32(-0.5)
        np.exp(r, out=r)
        r *= np.float32(_INV_SQRT_2PI)
        r *= xb
        r += cdf[part]
        r *= g[part]


def _gelu_vjp(g, out, x, cdf):
    if isinstance(x, Tensor):  # create_graph: Phi again, by recorded ops
        cdf = gelu_cdf(x)
    elif x.dtype == cdf.dtype == np.float32 and getattr(g, "dtype", None) == np.float32 \
            and g.shape == x.shape:
        return _gelu_grad_float32(g, x, cdf)
    pdf = np.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _gelu_forward(x, cdf):
    if x.dtype != np.float32 or cdf.dtype != np.float32 or x.shape != cdf.shape:
        return x * cdf
    xf, cf = np.ascontiguousarray(x).reshape(-1), cdf.reshape(-1)
    out = np.empty_like(xf)
    run_split(lambda lo, hi: np.multiply(xf[lo:hi], cf[lo:hi], out=out[lo:hi]), xf.size)
    return out.reshape(x.shape)


GELU = Primitive(
    "gelu", _gelu_forward, [_gelu_vjp],
    "gelu(x) = x Phi(x), Phi computed beforehand; d gelu/dx = Phi(x) + x phi(x)",
)
