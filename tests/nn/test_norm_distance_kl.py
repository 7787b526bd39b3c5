"""GroupNorm, F.normalize, CosineSimilarity, PairwiseDistance, KLDivLoss against PyTorch."""

import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _run(ours_fn, torch_fn, arrays, dtype=np.float64, **kwargs):
    """(our output, torch output, our grads, torch grads) for float inputs `arrays`."""
    arrays = [a.astype(dtype) for a in arrays]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, ref = ours_fn(*ours, **kwargs), torch_fn(*theirs, **kwargs)
    g = np.random.default_rng(9).standard_normal(out.shape).astype(dtype)
    (out * Tensor(g)).sum().backward()
    ref.backward(torch.tensor(g))
    return out, ref, [t.grad for t in ours], [t.grad for t in theirs]


def _check(ours_fn, torch_fn, arrays, dtype=np.float64, tol=None, **kwargs):
    out, ref, grads, tgrads = _run(ours_fn, torch_fn, arrays, dtype, **kwargs)
    tol = tol or (3e-6 if dtype == np.float32 else 1e-12)
    assert out.shape == tuple(ref.shape) and out.dtype == dtype
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=tol, atol=tol)
    for a, b in zip(grads, tgrads):
        np.testing.assert_allclose(a._data, b.numpy(), rtol=tol, atol=tol)


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 3), 3), ((3, 4), 2), ((2, 4, 5), 1), ((2, 4, 2), 4)])
def test_group_norm_matches_torch(shape, groups, dtype):
    c = shape[1]
    arrays = [RNG.standard_normal(shape) * 3 + 1, RNG.standard_normal(c), RNG.standard_normal(c)]
    _check(lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-3),
           lambda x, w, b: TF.group_norm(x, groups, w, b, eps=1e-3), arrays, dtype, tol=1e-5 if dtype == np.float32 else 1e-10)
    _check(lambda x: F.group_norm(x, groups), lambda x: TF.group_norm(x, groups), arrays[:1], dtype,
           tol=1e-5 if dtype == np.float32 else 1e-10)


def test_group_norm_second_order_and_errors():
    x = Tensor(RNG.standard_normal((2, 4, 3)), requires_grad=True)
    w = Tensor(RNG.standard_normal(4), requires_grad=True)
    assert gradgradcheck(lambda a, b: F.group_norm(a, 2, b), [x, w])
    with pytest.raises(RuntimeError):
        F.group_norm(x, 3)
    with pytest.raises(ValueError):
        nn.GroupNorm(3, 4)


def test_group_norm_layer_matches_torch():
    for kwargs in (dict(), dict(eps=1e-3, affine=False), dict(bias=False)):
        ours, theirs = nn.GroupNorm(2, 6, **kwargs), torch.nn.GroupNorm(2, 6, **kwargs)
        assert repr(ours) == repr(theirs)
        assert set(ours.state_dict()) == set(theirs.state_dict())
        a = RNG.standard_normal((2, 6, 4, 4)).astype(np.float32)
        out = ours(Tensor(a))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out._data, theirs(torch.tensor(a)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(), dict(p=1.0), dict(p=3.0, dim=0), dict(p=float("inf"), dim=-1),
                                    dict(dim=(0, 2)), dict(eps=0.5)], ids=str)
def test_normalize_matches_torch(kwargs):
    a = RNG.standard_normal((3, 4, 2))
    a[1] = 0.0  # zero vectors: PyTorch's gradient is finite there
    _check(F.normalize, TF.normalize, [a], **kwargs)
    _check(F.normalize, TF.normalize, [a], dtype=np.float32, **kwargs)


@pytest.mark.parametrize("shapes, dim", [(((4, 5), (4, 5)), 1), (((1, 5), (4, 5)), 1), (((3, 4, 2), (3, 4, 2)), -1),
                                         (((5,), (5,)), 0), (((2, 3), (2, 3)), 0)])
def test_cosine_similarity_matches_torch(shapes, dim):
    arrays = [RNG.standard_normal(s) for s in shapes]
    _check(F.cosine_similarity, TF.cosine_similarity, arrays, dim=dim)
    _check(F.cosine_similarity, TF.cosine_similarity, arrays, dtype=np.float32, dim=dim)


def test_cosine_similarity_zero_vectors_like_torch():
    # PyTorch clamps the norms under no_grad: the value uses eps, the gradient flows unclamped
    a, b = RNG.standard_normal((3, 4)) * 1e-9, RNG.standard_normal((3, 4))
    a[0] = 0
    _check(F.cosine_similarity, TF.cosine_similarity, [a, b], tol=1e-9)
    ours, theirs = nn.CosineSimilarity(dim=0, eps=1e-3), torch.nn.CosineSimilarity(dim=0, eps=1e-3)
    np.testing.assert_allclose(ours(Tensor(a), Tensor(b))._data,
                               theirs(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(p=1.0, keepdim=True), dict(p=3.0, eps=0.1)], ids=str)
def test_pairwise_distance_matches_torch(kwargs):
    _check(F.pairwise_distance, TF.pairwise_distance, [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))], **kwargs)
    ours, theirs = nn.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs)
    a, b = RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3))
    np.testing.assert_allclose(ours(Tensor(a), Tensor(b))._data, theirs(torch.tensor(a), torch.tensor(b)).numpy())


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logits = RNG.standard_normal((4, 5))
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    q = RNG.dirichlet(np.ones(5), 4)
    q[0, 1] = 0.0  # a zero target probability contributes 0 (xlogy)
    target = np.log(q + 0.1) if log_target else q
    for dtype in (np.float64, np.float32):
        _check(F.kl_div, TF.kl_div, [logp, target], dtype=dtype, reduction=reduction, log_target=log_target)


def test_kl_div_mean_warns_and_layer_matches_torch():
    x = Tensor(np.log(np.full((2, 3), 1 / 3)))
    t = Tensor(np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]]))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)
    for kwargs in (dict(reduction="batchmean"), dict(reduction="sum", log_target=False), dict(size_average=False),
                   dict(reduce=False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = nn.KLDivLoss(**kwargs)
            theirs = torch.nn.KLDivLoss(**kwargs)
        assert [str(w.message) for w in caught[: len(caught) // 2]] == [str(w.message) for w in caught[len(caught) // 2:]]
        assert ours.reduction == theirs.reduction
        np.testing.assert_allclose(ours(x, t)._data, theirs(torch.tensor(x._data), torch.tensor(t._data)).numpy())
    with pytest.raises(ValueError):
        nn.KLDivLoss(reduction="avg")


def test_kl_div_target_gradient_nan_at_zero_like_torch():
    x = np.log(np.array([0.2, 0.3, 0.5]))
    t = np.array([0.0, 0.5, 0.5])
    _, _, grads, tgrads = _run(lambda a, b: F.kl_div(a, b, reduction="sum"),
                               lambda a, b: TF.kl_div(a, b, reduction="sum"), [x, t])
    np.testing.assert_array_equal(np.isnan(grads[1]._data), np.isnan(tgrads[1].numpy()))
    np.testing.assert_allclose(grads[1]._data[1:], tgrads[1].numpy()[1:])


def test_gradients_check_numerically():
    x1 = Tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    x2 = Tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    assert gradgradcheck(lambda a, b: F.cosine_similarity(a, b), [x1, x2])
    assert gradgradcheck(lambda a: F.normalize(a, dim=0), [x1])
    t = Tensor(RNG.uniform(0.1, 1.0, (3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), [x1, t])
