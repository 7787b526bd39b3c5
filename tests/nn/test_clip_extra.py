"""nn.utils.get_total_norm, clip_grads_with_norm_ and clip_grad_norm against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

G = [np.random.default_rng(k).standard_normal(s).astype(np.float32) for k, s in enumerate([(3, 4), (5,), (2, 2)])]


def _params(lib, make):
    ps = []
    for g in G:
        p = make(np.zeros_like(g))
        p.grad = lib.tensor(g * 3)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_total_norm_then_clip_matches_torch(norm_type):
    ours = _params(autograd, lambda a: autograd.tensor(a, requires_grad=True))
    theirs = _params(torch, lambda a: torch.tensor(a, requires_grad=True))
    n_ours = nn.utils.get_total_norm([p.grad for p in ours], norm_type)
    n_theirs = torch.nn.utils.get_total_norm([p.grad for p in theirs], norm_type)
    assert n_ours.dtype == np.float32 and n_ours.shape == ()
    np.testing.assert_allclose(float(n_ours), float(n_theirs), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ours, 1.5, n_ours)
    torch.nn.utils.clip_grads_with_norm_(theirs, 1.5, n_theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-6)


def test_deprecated_alias_warns_and_clips_as_torch():
    ours = _params(autograd, lambda a: autograd.tensor(a, requires_grad=True))
    theirs = _params(torch, lambda a: torch.tensor(a, requires_grad=True))
    with pytest.warns(FutureWarning):
        a = nn.utils.clip_grad_norm(ours, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = torch.nn.utils.clip_grad_norm(theirs, 2.0)
    np.testing.assert_allclose(float(a), float(b), rtol=1e-6)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=1e-6)


def test_nonfinite_total_raises_when_asked_as_torch():
    with pytest.raises(RuntimeError):
        torch.nn.utils.get_total_norm([torch.tensor([float("inf")])], error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        nn.utils.get_total_norm([autograd.tensor([float("inf")])], error_if_nonfinite=True)
