"""Matrix products: matmul (batched, broadcasting), dot, einsum."""

from __future__ import annotations

import string

import numpy as np

from .registry import Primitive, Sample, register
from .shape import VariadicVJPs


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _matmul_vjp_a(g, out, a, b):
    if b.ndim == 1:  # out = a @ b has a's shape without the last dim
        return np.expand_dims(g, -1) * b
    if a.ndim == 1:  # out = a @ b has b's shape without dim -2; the engine sums batch dims
        return np.matmul(np.expand_dims(g, -2), _swap(b))
    return np.matmul(g, _swap(b))


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 1:
        return np.expand_dims(a, -1) * np.expand_dims(g, -2) if b.ndim > 1 else g * a
    if b.ndim == 1:
        return np.matmul(_swap(a), np.expand_dims(g, -1))[..., 0]
    if b.ndim == 2 and a.ndim > 2:
        # a shared matrix (a Linear weight on (batch, seq, features)): one large GEMM over all
        # rows instead of a stack of products summed afterwards
        rows_a = np.reshape(a, (-1, a.shape[-1]))
        rows_g = np.reshape(g, (-1, g.shape[-1]))
        return np.matmul(_swap(rows_a), rows_g)
    return np.matmul(_swap(a), g)


def _check_matmul(a, b) -> None:
    sa, sb = a.shape, b.shape
    if len(sa) == 0 or len(sb) == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(sa)} and {tuple(sb)} cannot be multiplied ({ka} != {kb})"
        )


MATMUL_PRIMITIVE = Primitive(
    "matmul", np.matmul, [_matmul_vjp_a, _matmul_vjp_b],
    "d(A @ B)/dA = G @ B^T, d(A @ B)/dB = A^T @ G",
)


def _matmul_op(a, b):
    """`a @ b` with a clear error for mismatched shapes (the dunder's fast path)."""
    sa = a.shape
    sb = b.shape
    if not sa or not sb or sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        _check_matmul(a if hasattr(a, "shape") else np.asarray(a), b if hasattr(b, "shape") else np.asarray(b))
    return MATMUL_PRIMITIVE(a, b)


MATMUL = _matmul_op


@register("matmul", ref=np.matmul, numpy=(np.matmul,),
          samples=[Sample((3, 4), (4, 5)), Sample((2, 3, 4), (4, 2)), Sample((4,), (4, 3)),
                   Sample((3, 4), (4,)), Sample((4,), (4,)), Sample((2, 1, 3, 4), (5, 4, 2))])
def matmul(input, other):
    """Matrix product with numpy's rules: 1-D operands are vectors, batch dims broadcast."""
    return _matmul_op(input, other)


@register("dot", ref=np.dot, samples=[Sample((5,), (5,))])
def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors "
            "(use matmul for matrices)"
        )
    return _matmul_op(input, other)


# ---------------------------------------------------------------- einsum
def _parse_einsum(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Explicit per-operand subscripts (ellipses expanded) and the output subscript."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise RuntimeError(f"einsum(): equation {equation!r} has {len(terms)} operands, got {len(ndims)}")
    used = set(eq)
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max((nd - (len(t) - 3) for t, nd in zip(terms, ndims) if "..." in t), default=0)
    ell = "".join(spare[:n_ell])
    expanded = []
    for t, nd in zip(terms, ndims):
        if "..." in t:
            k = nd - (len(t) - 3)
            t = t.replace("...", ell[n_ell - k:] if k else "")
        expanded.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for t in expanded:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return expanded, out


def _einsum_vjp(i, g, out, *operands, equation):
    terms, out_sub = _parse_einsum(equation, [op.ndim for op in operands])
    target = terms[i]
    x = operands[i]
    # a letter repeated inside this operand (a diagonal) gets a fresh name tied by an identity
    used = set("".join(terms) + out_sub)
    fresh = iter(c for c in string.ascii_letters if c not in used)
    renamed, seen, eyes = [], set(), []
    for pos, c in enumerate(target):
        if c in seen:
            new = next(fresh)
            renamed.append(new)
            eyes.append((c + new, x.shape[pos]))
        else:
            renamed.append(c)
            seen.add(c)
    available = set(out_sub).union(*[set(t) for j, t in enumerate(terms) if j != i])
    available |= {c for spec, _ in eyes for c in spec}
    grad_sub = "".join(c for c in renamed if c in available)
    specs = [out_sub] + [t for j, t in enumerate(terms) if j != i] + [spec for spec, _ in eyes]
    args = [g] + [op for j, op in enumerate(operands) if j != i] + [np.eye(n, dtype=x.dtype) for _, n in eyes]
    grad = np.einsum(",".join(specs) + "->" + grad_sub, *args)
    missing = tuple(p for p, c in enumerate(renamed) if c not in available)
    if missing:  # letters summed away inside this operand alone: broadcast the gradient back
        grad = np.broadcast_to(np.expand_dims(grad, missing), x.shape)
    return grad


def _einsum_forward(*ops, equation):
    # the explicit form: numpy rejects an ellipsis in the inputs that the output leaves out
    # (PyTorch sums over those dims)
    terms, out = _parse_einsum(equation, [np.ndim(op) for op in ops])
    return np.einsum(",".join(terms) + "->" + out, *ops, optimize=len(ops) > 2)


EINSUM = Primitive(
    "einsum", _einsum_forward,
    VariadicVJPs(_einsum_vjp),
    "d einsum/d operand = einsum of the gradient with the other operands",
)


def _einsum_ref(eq, *ops):
    lhs, arrow, rhs = eq.partition("->")
    if not arrow or "..." not in lhs or "..." in rhs:
        return np.einsum(eq, *ops)
    out = np.einsum(lhs + "->..." + rhs, *ops)  # then sum the ellipsis dims, as PyTorch
    return out.sum(axis=tuple(range(out.ndim - len(rhs))))


@register("einsum", ref=_einsum_ref, method=False, numpy=(np.einsum,),
          samples=[Sample("ij,jk->ik", (3, 4), (4, 2)), Sample("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
                   Sample("ii->i", (3, 3)), Sample("ij->", (2, 3)), Sample("i,j->ij", (3,), (4,)),
                   Sample("...ij,...jk", (2, 3, 4), (2, 4, 2)), Sample("ij,ij->i", (3, 4), (3, 4)),
                   Sample("...ij->ij", (2, 3, 4)), Sample("b...,b...->b", (2, 3, 4), (2, 3, 4))])
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)`` (ellipsis and diagonals allowed)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return EINSUM(*operands, equation=equation)
