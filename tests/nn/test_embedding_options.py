"""nn.Embedding / F.embedding options against PyTorch: max_norm (rows renormalized in place,
norm_type), scale_grad_by_freq (gradients), sparse (dense gradient, same values),
from_pretrained with the options, positional argument order and repr."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

W = (np.random.default_rng(0).standard_normal((6, 4)) * 2).astype(np.float32)
IDX = np.array([[0, 2, 2], [5, 2, 0]])


@pytest.mark.parametrize("kwargs", [
    {"max_norm": 1.0}, {"max_norm": 2.5, "norm_type": 1.0}, {"scale_grad_by_freq": True},
    {"max_norm": 1.5, "scale_grad_by_freq": True, "padding_idx": 2}, {"sparse": True},
])
def test_functional_matches_torch(kwargs):
    ours_w = autograd.tensor(W.copy(), requires_grad=True)
    theirs_w = torch.tensor(W.copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = F.embedding(autograd.tensor(IDX), ours_w, **kwargs)
    theirs = torch.nn.functional.embedding(torch.tensor(IDX), theirs_w, **kwargs)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours_w.detach()), theirs_w.detach().numpy(), rtol=1e-6)
    g = np.arange(theirs.numel(), dtype=np.float32).reshape(tuple(theirs.shape))
    (ours * autograd.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    want = theirs_w.grad.to_dense().numpy() if theirs_w.grad.is_sparse else theirs_w.grad.numpy()
    np.testing.assert_allclose(np.asarray(ours_w.grad), want, rtol=1e-6)


def test_layer_positional_order_and_repr_match_torch():
    for args in [(6, 4, 0, 1.0), (6, 4, None, 2.0, 1.0, True), (6, 4, None, None, 2.0, False, True)]:
        ours, theirs = nn.Embedding(*args), torch.nn.Embedding(*args)
        assert repr(ours) == repr(theirs)
        assert (ours.max_norm, ours.norm_type, ours.scale_grad_by_freq, ours.sparse) == \
            (theirs.max_norm, theirs.norm_type, theirs.scale_grad_by_freq, theirs.sparse)


def test_layer_with_max_norm_trains_like_torch():
    ours = nn.Embedding.from_pretrained(autograd.tensor(W), freeze=False, max_norm=1.0, scale_grad_by_freq=True)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(W), freeze=False, max_norm=1.0, scale_grad_by_freq=True)
    for _ in range(2):
        ours.zero_grad()
        theirs.zero_grad()
        (ours(autograd.tensor(IDX)) ** 2).sum().backward()
        (theirs(torch.tensor(IDX)) ** 2).sum().backward()
        with autograd.no_grad():
            ours.weight.sub_(0.5 * ours.weight.grad)
        with torch.no_grad():
            theirs.weight.sub_(0.5 * theirs.weight.grad)
    np.testing.assert_allclose(np.asarray(ours.weight.detach()), theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
