"""inverse / det / linalg.inv / linalg.det / linalg.solve against PyTorch: values, dtypes,
shapes (batches, vector right-hand sides, broadcasting, left=False), gradients, second order,
and errors (non-square, singular, integer input, incompatible shapes)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
A = (rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
AB = (rng.standard_normal((2, 4, 4)) + 3 * np.eye(4)).astype(np.float64)
BM = rng.standard_normal((3, 2)).astype(np.float32)
BV = rng.standard_normal(3).astype(np.float32)
BB = rng.standard_normal((2, 4, 5))
BROW = rng.standard_normal((4, 2))


def _lin(lib):
    return lib.linalg


CASES = {
    "inverse": (lambda L, a: L.inverse(a), [A]),
    "inverse_batch": (lambda L, a: a.inverse(), [AB]),
    "linalg_inv": (lambda L, a: _lin(L).inv(a), [AB]),
    "det": (lambda L, a: L.det(a), [A]),
    "det_batch": (lambda L, a: a.det(), [AB]),
    "linalg_det": (lambda L, a: _lin(L).det(a), [AB]),
    "solve": (lambda L, a, b: _lin(L).solve(a, b), [A, BM]),
    "solve_vector": (lambda L, a, b: _lin(L).solve(a, b), [A, BV]),
    "solve_batch": (lambda L, a, b: _lin(L).solve(a, b), [AB, BB]),
    "solve_batch_vector": (lambda L, a, b: _lin(L).solve(a, b), [AB, BB[..., 0].copy()]),
    "solve_broadcast": (lambda L, a, b: _lin(L).solve(a, b), [AB, BROW]),
    "solve_right": (lambda L, a, b: _lin(L).solve(a, b, left=False), [A, BM.T.copy()]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch(case):
    fn, arrays = CASES[case]
    ours_in = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = fn(autograd, *ours_in), fn(torch, *theirs_in)
    got, want = np.asarray(ours.detach()), theirs.detach().numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    tol = 1e-5 if got.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    w = np.linspace(-1, 1, want.size).reshape(want.shape).astype(want.dtype)
    (ours * autograd.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, t in zip(ours_in, theirs_in):
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=10 * tol, atol=10 * tol)


@pytest.mark.parametrize("fn", [lambda L, a: L.det(a), lambda L, a: L.inverse(a).sum(),
                                lambda L, a: L.linalg.solve(a, a[..., :1] * 2 + 1).sum()])
def test_second_order_gradients_match_torch(fn):
    a = AB[0]
    x = autograd.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (gx,) = autograd.grad(fn(autograd, x), [x], create_graph=True)
    (gt,) = torch.autograd.grad(fn(torch, t), [t], create_graph=True)
    (hx,) = autograd.grad((gx * gx).sum(), [x])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [t])
    np.testing.assert_allclose(np.asarray(hx), ht.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("call", [
    lambda L: L.inverse(L.ones(2, 3)),
    lambda L: L.det(L.ones(3)),
    lambda L: L.inverse(L.zeros(2, 2)),
    lambda L: L.det(L.ones(2, 2, dtype=L.int64)),
    lambda L: L.linalg.solve(L.eye(3), L.ones(2, 2)),
    lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2)),
])
def test_errors_are_runtime_errors_as_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(autograd)


def test_det_of_a_singular_matrix_is_zero_as_torch():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert float(autograd.det(autograd.tensor(s))) == float(torch.det(torch.tensor(s))) == 0.0
