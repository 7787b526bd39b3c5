"""Matrix products with PyTorch's strict shapes: mm, bmm, mv, addmm, baddbmm (matmul inside)."""

from __future__ import annotations

import numpy as np

from .arithmetic import WHERE
from .linalg import matmul
from .registry import Sample, register


def _shapes(a, b):
    return "x".join(map(str, a.shape)), "x".join(map(str, b.shape))


@register("mm", ref=np.matmul, samples=[Sample((3, 4), (4, 5)), Sample((1, 3), (3, 1))])
def mm(input, mat2):
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p)."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%s and %s)" .__mod__(_shapes(input, mat2)))
    return matmul(input, mat2)


@register("bmm", ref=np.matmul, samples=[Sample((2, 3, 4), (2, 4, 5)), Sample((1, 2, 2), (1, 2, 3))])
def bmm(input, mat2):
    """Batched matrix product of 3-D tensors: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, _, m = input.shape
    if tuple(mat2.shape[:2]) != (b, m):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
            f"[{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return matmul(input, mat2)


@register("mv", ref=np.matmul, samples=[Sample((3, 4), (4,))])
def mv(input, vec):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({'x'.join(map(str, input.shape))}), "
                           f"vec ({vec.shape[0]})")
    return matmul(input, vec)


def _scaled_sum(input, product, beta, alpha):
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        # beta = 0 ignores the values of `input` (nan and inf do not propagate; its gradient is
        # 0), as PyTorch; `where` still broadcasts it against the product
        return WHERE(np.zeros((), dtype=np.bool_), input, product)
    return product + (input if beta == 1 else input * beta)


def _addmm_ref(input, mat1, mat2, beta=1, alpha=1):
    return beta * input + alpha * (mat1 @ mat2)


@register("addmm", ref=_addmm_ref,
          samples=[Sample((3, 5), (3, 4), (4, 5)), Sample((5,), (3, 4), (4, 5), beta=0.5, alpha=2.0),
                   Sample((3, 1), (3, 4), (4, 5), beta=0.0)])
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``, `input` broadcast to (n, p)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


@register("baddbmm", ref=_addmm_ref,
          samples=[Sample((2, 3, 5), (2, 3, 4), (2, 4, 5)), Sample((3, 5), (2, 3, 4), (2, 4, 5), beta=0.5, alpha=-1.0)])
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``, `input` broadcast to (b, n, p)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)
