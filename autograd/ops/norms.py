"""Norms and paired statistics: vector/matrix norms (`norm`, `autograd.linalg.norm`,
`linalg.vector_norm`, `linalg.matrix_norm`) and `std_mean` / `var_mean`.

The gradient of a norm at the zero vector is 0 (PyTorch's convention, not nan).
"""

from __future__ import annotations

import numpy as np

from . import reduction
from .arithmetic import abs as _abs
from .reduction import unreduce
from .registry import Const, Primitive, Sample, normalize_dim, register
from .shape import permute

_INF = float("inf")


def _p_norm_forward(x, ord, axis, keepdims):
    a = np.abs(x)
    if reduction.acc_dtype(x) is not None:
        a = a.astype(reduction.acc_dtype(x))  # (float16: summed in float32, as PyTorch)
    if ord == 2:
        s = np.sum(a * a, axis=axis, keepdims=keepdims)
        return np.sqrt(s).astype(x.dtype, copy=False)
    s = np.sum(a ** ord, axis=axis, keepdims=keepdims)
    return np.power(s, 1.0 / ord).astype(x.dtype, copy=False)


def _p_norm_vjp(g, out, x, ord, axis, keepdims):
    n = unreduce(out, x.shape, axis, keepdims)
    gx = unreduce(g, x.shape, axis, keepdims)
    zero = n == 0
    if ord == 2:
        scaled = x / np.where(zero, 1, n)
    else:
        # sign(x) |x|^(p-1) / norm^(p-1): finite at x = 0 for 1 < p < 2 too
        scaled = np.sign(x) * np.abs(x) ** (ord - 1) / np.where(zero, 1, n) ** (ord - 1)
    return np.where(zero, 0, gx * scaled)


P_NORM = Primitive(
    "vector_norm", _p_norm_forward, [_p_norm_vjp],
    "d ||x||_p/dx = sign(x) |x|^(p-1) / ||x||_p^(p-1) (0 at x = 0)",
)


def _svdvals(x):
    return np.linalg.svd(x, compute_uv=False)


def _svdvals_vjp(g, out, x):
    if not isinstance(x, np.ndarray):
        raise RuntimeError(
            "matrix_norm: the second derivative of a norm of singular values ('nuc', 2, -2) is not "
            "supported; use ord='fro' for double backward"
        )
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return np.matmul(u * np.expand_dims(g, -2), vh)


SVDVALS = Primitive(
    "svdvals", _svdvals, [_svdvals_vjp], "d sigma_i/dA = u_i v_i^T (distinct singular values)",
)


def _check_float(name, x):
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {x.dtype}"
        )


def _dims(dim):
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(dim)
    return int(dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``(sum |x_i|^ord)^(1/ord)`` over `dim` (all elements when None); ord may be inf, -inf or 0
    (the count of nonzeros). Input shape (*), output with `dim` reduced."""
    if dtype is not None:
        x = x.to(dtype)
    _check_float("linalg.vector_norm", x)
    ord = float(ord)
    axis = normalize_dim(_dims(dim), x.ndim) if x.ndim else None
    keepdim = bool(keepdim)
    if ord == _INF:
        return reduction.amax(_abs(x), axis, keepdim)
    if ord == -_INF:
        return reduction.amin(_abs(x), axis, keepdim)
    if ord == 0:
        count = np.sum(x._data != 0, axis=axis, keepdims=keepdim)
        return (x * 0).sum(axis, keepdim) + np.asarray(count, dtype=x.dtype)
    if ord == 1:
        return reduction.sum(_abs(x), axis, keepdim)
    return P_NORM(x, ord=ord, axis=axis, keepdims=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm over the two dims `dim` of a (*, m, n) tensor: 'fro' (Frobenius), 'nuc'
    (sum of singular values), inf / -inf (max / min row sum of |a|), 1 / -1 (max / min column
    sum), 2 / -2 (largest / smallest singular value)."""
    if dtype is not None:
        A = A.to(dtype)
    _check_float("linalg.matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got {A.ndim}")
    d0, d1 = normalize_dim(tuple(dim), A.ndim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        sv = SVDVALS(permute(A, *rest, d0, d1))
        out = sv.sum(-1) if ord == "nuc" else (sv.amax(-1) if ord == 2 else sv.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord not in (_INF, -_INF, 1, -1):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    sum_dim, max_dim = (d1, d0) if abs(ord) == _INF else (d0, d1)
    sums = reduction.sum(_abs(A), sum_dim, True)
    out = reduction.amax(sums, max_dim, True) if ord > 0 else reduction.amin(sums, max_dim, True)
    return out if keepdim else out.squeeze((d0, d1))


def _vector_norm_ref(x, ord=2, dim=None, keepdim=False):
    a = np.abs(x)
    if ord == _INF:
        return np.amax(a, axis=dim, keepdims=keepdim)
    return np.sum(a ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


VECTOR_SAMPLES = [Sample((3, 4)), Sample((3, 4), 3), Sample((3, 4), 1, dim=1), Sample((2, 3, 4), 2, Const((0, 2)), True),
                  Sample((5,), 1.5), Sample((3, 4), _INF, 0)]


@register("linalg_vector_norm", ref=_vector_norm_ref, samples=VECTOR_SAMPLES, domain="nonzero",
          smooth=False, method=False)
def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """`autograd.linalg.vector_norm`: see `vector_norm`."""
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


def _matrix_norm_ref(A, ord="fro", dim=(-2, -1), keepdim=False):
    return np.linalg.norm(A, ord=ord, axis=dim, keepdims=keepdim)


@register("linalg_matrix_norm", ref=_matrix_norm_ref, domain="nonzero", smooth=False, method=False,
          samples=[Sample((3, 4)), Sample((2, 3, 4), "nuc"), Sample((3, 4), 2), Sample((3, 4), -2),
                   Sample((3, 4), _INF), Sample((2, 3, 4), -1, Const((0, 2)), True), Sample((3, 4), 1)])
def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """`autograd.linalg.matrix_norm`: see `matrix_norm`."""
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype)


def _linalg_norm_ref(A, ord=None, dim=None, keepdim=False):
    return np.linalg.norm(A, ord=ord, axis=dim, keepdims=keepdim)


@register("linalg_norm", ref=_linalg_norm_ref, domain="nonzero", smooth=False, method=False,
          samples=[Sample((3, 4)), Sample((2, 3, 4)), Sample((5,), 3), Sample((3, 4), "fro"),
                   Sample((3, 4), 1), Sample((2, 3, 4), None, 1), Sample((2, 3, 4), 2, Const((1, 2)))])
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """`autograd.linalg.norm`: a vector norm when `dim` is an int (or A is 1-D, or ord is None
    and dim is None: the 2-norm of all elements), a matrix norm when `dim` is a pair (or A is
    2-D with ord given)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")


def _norm_ref(x, p="fro", dim=None, keepdim=False):
    if p == "fro":
        p = 2
    return _vector_norm_ref(x, p, dim, keepdim)


@register("norm", ref=_norm_ref, domain="nonzero", smooth=False,
          samples=[Sample((3, 4)), Sample((3, 4), 1), Sample((3, 4), 3, 1), Sample((2, 3, 4), "fro", Const((1, 2)), True)])
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """`torch.norm`: the vector p-norm over `dim` (p='fro' is the 2-norm of all elements; p='nuc'
    the nuclear norm over two dims)."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


def _split_unbiased(dim, unbiased):
    if isinstance(dim, bool):  # the legacy overload std_mean(input, unbiased)
        return None, dim
    return dim, unbiased


def _stat_ref(fn):
    def ref(x, dim=None, unbiased=None, keepdim=False, correction=None):
        ddof = correction if correction is not None else (0 if unbiased is False else 1)
        return fn(x, axis=dim, ddof=ddof, keepdims=keepdim), np.mean(x, axis=dim, keepdims=keepdim)
    return ref


STAT_SAMPLES = [Sample((3, 4)), Sample((3, 4), 1), Sample((2, 3, 4), Const((0, 2)), keepdim=True),
                Sample((5,), unbiased=False), Sample((3, 4), dim=0, correction=0)]


@register("std_mean", ref=_stat_ref(np.std), samples=STAT_SAMPLES, method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over `dim`; std divides by n - correction (1 by default, 0 with
    unbiased=False)."""
    dim, unbiased = _split_unbiased(dim, unbiased)
    return (reduction.std(input, dim, unbiased, keepdim, correction=correction),
            reduction.mean(input, dim, keepdim))


@register("var_mean", ref=_stat_ref(np.var), samples=STAT_SAMPLES, method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over `dim`; var divides by n - correction (1 by default, 0 with
    unbiased=False)."""
    dim, unbiased = _split_unbiased(dim, unbiased)
    return (reduction.var(input, dim, unbiased, keepdim, correction=correction),
            reduction.mean(input, dim, keepdim))
