"""Square-matrix linear algebra with gradients: `inverse` / `linalg.inv`, `det` / `linalg.det`,
`linalg.solve`, batched over leading dims as PyTorch's.

VJPs (Giles 2008), written with `@` and `swapaxes` so they run on arrays and on Tensors:
    inv:   dA = -Y^T g Y^T                 (Y = A^-1)
    det:   dA = g det(A) A^-T
    solve: dB = A^-T g,  dA = -dB X^T      (X = A^-1 B)
"""

from __future__ import annotations

import numpy as np

from .registry import Primitive, Sample, register

_SQUARE = [Sample((3, 3)), Sample((2, 4, 4))]


def _check_square(name: str, a: np.ndarray) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        dims = "x".join(str(n) for n in a.shape[-2:]) if a.ndim >= 2 else f"{a.ndim}-D"
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {dims} matrices")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {a.dtype}")


def _inv_forward(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise RuntimeError("linalg.inv: The input matrix is singular, so it has no inverse") from None


def _t(x):
    return x.swapaxes(-1, -2)


def _scalar_to_matrix(v):
    return v.reshape((*tuple(v.shape), 1, 1))


INV = Primitive("inv", _inv_forward, [lambda g, out, a: -(_t(out) @ g @ _t(out))],
                "d inv(A) = -A^-1 dA A^-1, so dA = -Y^T g Y^T")
DET = Primitive(
    "det", lambda a: np.linalg.det(a),
    [lambda g, out, a: _scalar_to_matrix(g * out) * _t(INV.apply_in_vjp(a))],
    "d det(A)/dA = det(A) A^-T",
)


def _solve_forward(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise RuntimeError("linalg.solve: The solver failed because the input matrix is singular.") from None


def _solve_vjp_b(g, out, a, b):
    return SOLVE.apply_in_vjp(_t(a), g)


def _solve_vjp_a(g, out, a, b):
    return -(SOLVE.apply_in_vjp(_t(a), g) @ _t(out))


SOLVE = Primitive("solve", _solve_forward, [_solve_vjp_a, _solve_vjp_b],
                  "X = A^-1 B: dB = A^-T g, dA = -dB X^T")


@register("inverse", ref=np.linalg.inv, samples=_SQUARE)
def inverse(input):
    """The inverse of each square matrix in the last two dims (RuntimeError if singular)."""
    _check_square("linalg.inv", input._data)
    return INV(input)


@register("linalg_inv", ref=np.linalg.inv, samples=_SQUARE, method=False)
def linalg_inv(A):
    """`torch.linalg.inv`: the inverse of each square matrix in the last two dims."""
    _check_square("linalg.inv", A._data)
    return INV(A)


@register("det", ref=np.linalg.det, samples=_SQUARE)
def det(input):
    """The determinant of each square matrix in the last two dims (shape: the batch dims)."""
    _check_square("linalg.det", input._data)
    return DET(input)


@register("linalg_det", ref=np.linalg.det, samples=_SQUARE, method=False)
def linalg_det(A):
    """`torch.linalg.det`: the determinant of each square matrix in the last two dims."""
    _check_square("linalg.det", A._data)
    return DET(A)


def _solve_ref(a, b, left=True):
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


@register("linalg_solve", ref=_solve_ref, method=False,
          samples=[Sample((3, 3), (3, 2)), Sample((2, 3, 3), (2, 3)), Sample((3, 3), (3,)),
                   Sample((2, 3, 3), (3, 4))])
def linalg_solve(A, B, *, left=True):
    """`torch.linalg.solve`: X with A X = B for square A (..., n, n); B is (..., n, k) or a
    vector (..., n) (PyTorch's rule: B.ndim == 1, or B's shape equals A's without the last
    dim); batch dims broadcast. `left=False` solves X A = B."""
    _check_square("linalg.solve", A._data)
    if not left:
        return _t(linalg_solve(_t(A), _t(B)))
    b = B._data if hasattr(B, "_data") else np.asarray(B)
    vector = b.ndim == 1 or (b.ndim == A.ndim - 1 and b.shape == A.shape[:-1])
    if vector:
        return SOLVE(A, B.unsqueeze(-1)).squeeze(-1)
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})"
        )
    return SOLVE(A, B)
