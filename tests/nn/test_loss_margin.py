"""Margin and count losses against PyTorch: every reduction, values, dtypes, gradients of each
input, layer forms (with deprecated flags) and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(5)
A = rng.standard_normal((5, 3)).astype(np.float32)
B = rng.standard_normal((5, 3)).astype(np.float32)
C = rng.standard_normal((5, 3)).astype(np.float32)
V = rng.standard_normal(5).astype(np.float32)
W = rng.standard_normal(5).astype(np.float32)
SIGNS = np.array([1.0, -1.0, 1.0, -1.0, -1.0], np.float32)
COUNTS = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 7.0], [1.0, 1.0, 0.0], [5.0, 2.0, 1.0], [0.0, 0.0, 4.0]], np.float32)
LABELS = (rng.random((5, 3)) > 0.5).astype(np.float32)
CLASS_W = np.array([0.5, 1.0, 2.0], np.float32)

# name: (layer, layer kwargs, differentiable inputs, constant inputs, functional kwargs)
CASES = {
    "soft_margin": ("SoftMarginLoss", {}, [V], [SIGNS], {}),
    "margin_ranking": ("MarginRankingLoss", {"margin": 0.2}, [V, W], [SIGNS], {"margin": 0.2}),
    "hinge_embedding": ("HingeEmbeddingLoss", {"margin": 0.5}, [V], [SIGNS], {"margin": 0.5}),
    "cosine_embedding": ("CosineEmbeddingLoss", {"margin": 0.1}, [A, B], [SIGNS], {"margin": 0.1}),
    "poisson_nll": ("PoissonNLLLoss", {}, [A], [COUNTS], {}),
    "poisson_nll_full": ("PoissonNLLLoss", {"full": True}, [A], [COUNTS], {"full": True}),
    "poisson_nll_rate": ("PoissonNLLLoss", {"log_input": False}, [np.abs(A) + 0.1], [COUNTS], {"log_input": False}),
    "multilabel_soft_margin": ("MultiLabelSoftMarginLoss", {}, [A], [LABELS], {}),
    "triplet_margin": ("TripletMarginLoss", {"margin": 2.0}, [A, B, C], [], {"margin": 2.0}),
    "triplet_margin_swap_p1": ("TripletMarginLoss", {"p": 1.0, "swap": True}, [A, B, C], [], {"p": 1.0, "swap": True}),
}
FUNCTIONAL = {"soft_margin": "soft_margin_loss", "margin_ranking": "margin_ranking_loss",
              "hinge_embedding": "hinge_embedding_loss", "cosine_embedding": "cosine_embedding_loss",
              "multilabel_soft_margin": "multilabel_soft_margin_loss", "triplet_margin": "triplet_margin_loss"}


def _fname(case):
    base = case.split("_full")[0].split("_rate")[0].split("_swap")[0]
    return FUNCTIONAL.get(base, "poisson_nll_loss")


def _call(lib_F, T, case, reduction, dtype, layer=None):
    _, _, diff, const, kwargs = CASES[case]
    xs = [T(x.astype(dtype), requires_grad=True) for x in diff]
    cs = [T(c.astype(dtype)) for c in const]
    out = layer(*xs, *cs) if layer is not None else getattr(lib_F, _fname(case))(*xs, *cs, reduction=reduction, **kwargs)
    return out, xs


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_matches_torch(case, reduction, dtype):
    ours, our_xs = _call(F, autograd.tensor, case, reduction, dtype)
    theirs, their_xs = _call(torch.nn.functional, torch.tensor, case, reduction, dtype)
    assert ours.dtype == dtype and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=2e-5, atol=1e-6)
    g = np.linspace(0.5, 1.5, max(ours.numel(), 1)).reshape(ours.shape).astype(dtype)
    (ours * autograd.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    for a, t in zip(our_xs, their_xs):
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_matches_torch(case):
    cls, layer_kwargs, *_ = CASES[case]
    for reduction in ("mean", "none"):
        ours, _ = _call(None, autograd.tensor, case, None, np.float32,
                        getattr(nn, cls)(reduction=reduction, **layer_kwargs))
        theirs, _ = _call(None, torch.tensor, case, None, np.float32,
                          getattr(torch.nn, cls)(reduction=reduction, **layer_kwargs))
        np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=2e-5, atol=1e-6)


def test_multilabel_class_weight_and_legacy_flags_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = nn.MultiLabelSoftMarginLoss(weight=autograd.tensor(CLASS_W), reduce=False)(
            autograd.tensor(A), autograd.tensor(LABELS))
        theirs = torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(CLASS_W), reduce=False)(
            torch.tensor(A), torch.tensor(LABELS))
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5)


def test_cosine_embedding_on_single_vectors_matches_torch():
    ours = F.cosine_embedding_loss(autograd.tensor(A[0]), autograd.tensor(B[0]), autograd.tensor(-1.0), margin=-0.5)
    theirs = torch.nn.functional.cosine_embedding_loss(torch.tensor(A[0]), torch.tensor(B[0]), torch.tensor(-1.0),
                                                       margin=-0.5)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda f, T: f.margin_ranking_loss(T(A), T(B), T(SIGNS)),
    lambda f, T: f.triplet_margin_loss(T(A), T(B), T(V)),
    lambda f, T: f.soft_margin_loss(T(V), T(SIGNS), reduction="avg"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn.functional, torch.tensor)
    with pytest.raises(type(theirs.value)):
        call(F, autograd.tensor)
