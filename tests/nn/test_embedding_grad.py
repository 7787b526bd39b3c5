"""F.embedding's lookup primitive and its scatter-add adjoint (sorted runs summed by reduceat):
gradients with many repeated, unsorted indices against np.add.at and PyTorch, empty and 0-d
index tensors, and second order."""

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor


def test_embedding_gradient_sums_repeated_unsorted_indices():
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 7, size=(5, 9))  # 45 lookups into 7 rows: every row repeats
    w = Tensor(rng.standard_normal((7, 4)), requires_grad=True)
    g = rng.standard_normal((5, 9, 4))
    out = F.embedding(Tensor(idx), w)
    out.backward(Tensor(g))
    np.testing.assert_array_equal(out._data, w._data[idx])
    expected = np.zeros((7, 4))
    np.add.at(expected, idx.reshape(-1), g.reshape(-1, 4))
    np.testing.assert_allclose(w.grad._data, expected, rtol=1e-12, atol=1e-12)


def test_embedding_rows_never_looked_up_get_zero_and_empty_or_scalar_indices():
    w = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    F.embedding(Tensor(np.array([2, 2])), w).sum().backward()
    np.testing.assert_array_equal(w.grad._data, [[0, 0, 0], [0, 0, 0], [2, 2, 2], [0, 0, 0]])
    w.grad = None
    empty = F.embedding(Tensor(np.zeros((0, 2), dtype=np.int64)), w)
    assert empty.shape == (0, 2, 3)
    empty.sum().backward()
    np.testing.assert_array_equal(w.grad._data, np.zeros((4, 3)))
    w.grad = None
    scalar = F.embedding(Tensor(np.array(3)), w)
    assert scalar.shape == (3,)
    (scalar * Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    np.testing.assert_array_equal(w.grad._data[3], [1, 2, 3])


def test_embedding_second_order():
    rng = np.random.default_rng(1)
    idx = Tensor(np.array([[3, 0, 3], [1, 3, 0]]))
    w = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert autograd.gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))


def test_embedding_matches_torch_with_padding_idx():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 65, size=(8, 16))
    w = rng.standard_normal((65, 5)).astype(np.float32)
    g = rng.standard_normal((8, 16, 5)).astype(np.float32)
    for pad in (None, 3):
        ours = Tensor(w, requires_grad=True)
        theirs = torch.tensor(w, requires_grad=True)
        out = F.embedding(Tensor(idx), ours, padding_idx=pad)
        ref = torch.nn.functional.embedding(torch.tensor(idx), theirs, padding_idx=pad)
        out.backward(Tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_array_equal(out._data, ref.detach().numpy())
        np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
