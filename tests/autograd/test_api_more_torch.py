"""cdist, cross / linalg.cross, atleast_*d, tensor_split, searchsorted, bucketize, tril/triu
indices and logspace against PyTorch: values, dtypes, shapes, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

rng = np.random.default_rng(2)
P = rng.standard_normal((4, 3)).astype(np.float32)
Q = rng.standard_normal((5, 3)).astype(np.float32)
PB = rng.standard_normal((2, 4, 3))
QB = rng.standard_normal((2, 3, 3))
V3 = rng.standard_normal((3, 4)).astype(np.float32)
SEQ = np.array([-1.0, 0.0, 0.5, 0.5, 2.0], np.float32)
SEQ2 = np.sort(rng.standard_normal((2, 5)), axis=1)
VALS2 = rng.standard_normal((2, 4))
VALS = np.array([[-2.0, 0.5, 0.1], [2.0, 3.0, -1.0]], np.float32)

DIFF = {
    "cdist": (lambda L, a, b: L.cdist(a, b), [P, Q]),
    "cdist_same_rows": (lambda L, a, b: L.cdist(a, b), [P, np.concatenate([P[:2], Q[:1]])]),
    "cdist_p1_batch": (lambda L, a, b: L.cdist(a, b, p=1.0), [PB, QB]),
    "cdist_pinf": (lambda L, a, b: L.cdist(a, b, p=float("inf")), [P, Q]),
    "cdist_p3": (lambda L, a, b: L.cdist(a, b, p=3.0), [PB, QB]),
    "cross_dim": (lambda L, a, b: L.cross(a, b, dim=0), [V3, V3[::-1].copy()]),
    "cross_method": (lambda L, a, b: a.cross(b, dim=-1), [P, Q[:4]]),
    "cross_broadcast": (lambda L, a, b: L.linalg.cross(a, b), [PB, P[None, :1].astype(np.float64)]),
    "cross_first_dim3": (lambda L, a, b: L.cross(a, b), [PB, P[None, :1].astype(np.float64)]),
    "atleast_1d": (lambda L, a: L.atleast_1d(a), [np.array(2.0, np.float32)]),
    "atleast_2d": (lambda L, a: L.atleast_2d(a), [V3[0]]),
    "atleast_3d_1": (lambda L, a: L.atleast_3d(a), [V3[0]]),
    "atleast_3d_2": (lambda L, a: L.atleast_3d(a), [V3]),
    "atleast_many": (lambda L, a, b: L.atleast_2d(a, b), [V3[0], np.array(1.0, np.float32)]),
    "tensor_split_n": (lambda L, a: L.tensor_split(a, 3, dim=1), [rng.standard_normal((2, 7))]),
    "tensor_split_idx": (lambda L, a: a.tensor_split([1, 5, 9], dim=1), [rng.standard_normal((2, 7))]),
    "tensor_split_more": (lambda L, a: L.tensor_split(a, 5), [rng.standard_normal(3)]),
}


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("case", sorted(DIFF))
def test_differentiable_match_torch(case):
    fn, arrays = DIFF[case]
    ours_in = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = _flat(fn(autograd, *ours_in)), _flat(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    total_o, total_t = 0, 0
    for k, (a, b) in enumerate(zip(ours, theirs)):
        got, want = np.asarray(a.detach()), b.detach().numpy()
        assert got.dtype == want.dtype and got.shape == want.shape, (k, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        w = np.linspace(-1, 2, want.size).reshape(want.shape).astype(want.dtype)
        total_o = total_o + (a * autograd.tensor(w)).sum()
        total_t = total_t + (b * torch.tensor(w)).sum()
    total_o.backward()
    total_t.backward()
    for a, t in zip(ours_in, theirs_in):
        want = np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(np.asarray(a.grad), want, rtol=1e-5, atol=1e-6)


INDEX = {
    "searchsorted": (lambda L, T: L.searchsorted(T(SEQ), T(VALS)), ),
    "searchsorted_right": (lambda L, T: L.searchsorted(T(SEQ), T(VALS), right=True), ),
    "searchsorted_side_int32": (lambda L, T: L.searchsorted(T(SEQ), T(VALS), side="right", out_int32=True), ),
    "searchsorted_rows": (lambda L, T: L.searchsorted(T(SEQ2), T(VALS2)), ),
    "searchsorted_sorter": (lambda L, T: L.searchsorted(T(SEQ[::-1].copy()), T(VALS),
                                                        sorter=T(np.arange(4, -1, -1))), ),
    "searchsorted_rows_inf": (lambda L, T: L.searchsorted(T(np.array([[-np.inf, 0.0, 1.0], [0.0, 2.0, np.inf]])),
                                                          T(np.array([[0.5, -1.0], [np.inf, 3.0]]))), ),
    "bucketize": (lambda L, T: L.bucketize(T(VALS), T(SEQ)), ),
    "bucketize_right": (lambda L, T: L.bucketize(T(VALS), T(SEQ), right=True), ),
    "tril_indices": (lambda L, T: L.tril_indices(3, 4), ),
    "tril_indices_neg": (lambda L, T: L.tril_indices(4, 3, -1), ),
    "triu_indices": (lambda L, T: L.triu_indices(4, 4, 1), ),
    "logspace": (lambda L, T: L.logspace(0, 2, 5), ),
    "logspace_base": (lambda L, T: L.logspace(-1, 1, 4, base=2.0, dtype=L.float64), ),
}


@pytest.mark.parametrize("case", sorted(INDEX))
def test_index_and_factory_functions_match_torch(case):
    (fn,) = INDEX[case]
    got = np.asarray(fn(autograd, autograd.tensor))
    want = fn(torch, torch.tensor).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda L: L.cdist(L.ones(3, 2), L.ones(3, 4)),
    lambda L: L.cdist(L.ones(3), L.ones(3, 3)),
    lambda L: L.cross(L.ones(4, 2), L.ones(4, 2), dim=1),
    lambda L: L.linalg.cross(L.ones(2, 3), L.ones(3)),
    lambda L: L.cross(L.ones(2, 3), L.ones(3)),
    lambda L: L.bucketize(L.ones(3), L.ones(2, 2)),
    lambda L: L.tensor_split(L.ones(3), 0),
    lambda L: L.searchsorted(L.ones(2, 3), L.ones(3, 3)),
])
def test_errors_are_runtime_errors_as_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(autograd)
