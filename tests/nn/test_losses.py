"""Losses: numpy references (incl. weights, ignore_index, label smoothing), gradient checks,
stability, errors, and PyTorch comparisons of values and gradients."""

import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

RNG = np.random.default_rng(2)
REDUCTIONS = ["mean", "sum", "none"]


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def ref_cross_entropy(x, t, w=None, ignore=-100, reduction="mean", eps=0.0):
    """PyTorch's definition, written independently over flattened (sample, class) rows."""
    c = x.shape[1]
    rows = np.moveaxis(x, 1, -1).reshape(-1, c)
    tt = t.reshape(-1)
    logp = log_softmax(rows)
    w = np.ones(c) if w is None else w
    keep = tt != ignore
    ts = np.where(keep, tt, 0)
    nll = -logp[np.arange(len(ts)), ts] * w[ts] * keep
    smooth = -(logp * w).sum(1) * keep
    if reduction == "none":
        return ((1 - eps) * nll + eps / c * smooth).reshape(t.shape)
    total = (1 - eps) * nll.sum() + eps / c * smooth.sum()
    return total if reduction == "sum" else total / (w[ts] * keep).sum()


def ref_cross_entropy_probs(x, p, w=None, reduction="mean", eps=0.0):
    c = x.shape[1]
    p = p * (1 - eps) + eps / c
    w = np.ones(c) if w is None else w
    loss = -(log_softmax(x) * p * w.reshape(1, c, *([1] * (x.ndim - 2)))).sum(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / (x.size // c)


def leaf(array):
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


# ----------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_match_numpy(reduction):
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    d = x - y
    ad = np.abs(d)
    cases = [
        (nn.MSELoss(reduction=reduction), d**2),
        (nn.L1Loss(reduction=reduction), ad),
        (nn.HuberLoss(reduction=reduction, delta=0.7), np.where(ad < 0.7, 0.5 * d**2, 0.7 * (ad - 0.35))),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.7), np.where(ad < 0.7, 0.5 * d**2 / 0.7, ad - 0.35)),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.0), ad),
    ]
    for module, expected in cases:
        np.testing.assert_allclose(module(Tensor(x), Tensor(y))._data, reduce(expected, reduction), rtol=1e-12)


def test_regression_losses_gradcheck_away_from_kinks():
    x = leaf(RNG.uniform(-2, 2, (3, 4)))
    y = Tensor(x._data + RNG.choice([-1, 1], (3, 4)) * RNG.choice([0.2, 1.5], (3, 4)), requires_grad=True)
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.huber_loss(a, b, delta=0.8),
               lambda a, b: F.smooth_l1_loss(a, b, "sum", beta=0.8)):
        assert autograd.gradcheck(fn, (x, y))


def test_gaussian_nll_matches_numpy_and_gradchecks():
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    var = RNG.uniform(0.2, 2.0, (4, 3))
    var[0, 0] = 1e-9  # clamped to eps
    v = np.maximum(var, 1e-6)
    expected = 0.5 * (np.log(v) + (x - y) ** 2 / v)
    for full in (False, True):
        got = nn.GaussianNLLLoss(full=full, reduction="none")(Tensor(x), Tensor(y), Tensor(var))
        np.testing.assert_allclose(got._data, expected + (0.5 * math.log(2 * math.pi) if full else 0), rtol=1e-9)
    homo = F.gaussian_nll_loss(Tensor(x), Tensor(y), Tensor(var[:, 0]), reduction="sum")
    np.testing.assert_allclose(homo._data, (0.5 * (np.log(v[:, :1]) + (x - y) ** 2 / v[:, :1])).sum(), rtol=1e-9)
    assert autograd.gradcheck(F.gaussian_nll_loss, (leaf(x), leaf(y), leaf(RNG.uniform(0.5, 2, (4, 1)))))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(Tensor(x), Tensor(y), Tensor(-var))
    with pytest.raises(ValueError, match="var of shape"):
        F.gaussian_nll_loss(Tensor(x), Tensor(y), Tensor(np.ones((4, 2))))


# ----------------------------------------------------------------- binary losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_numpy_with_weight_and_log_clamp(reduction):
    p = RNG.uniform(0.05, 0.95, (4, 3))
    p[0, 0], p[1, 1] = 0.0, 1.0
    t = RNG.uniform(0, 1, (4, 3))
    w = RNG.uniform(0.5, 2, 3)
    with np.errstate(divide="ignore"):
        expected = -w * (t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log(1 - p), -100))
    got = nn.BCELoss(Tensor(w), reduction=reduction)(Tensor(p), Tensor(t))
    np.testing.assert_allclose(got._data, reduce(expected, reduction), rtol=1e-12)


def test_bce_gradients_and_finite_gradient_at_the_boundaries():
    p, t = leaf(RNG.uniform(0.1, 0.9, (3, 4))), leaf(RNG.uniform(0, 1, (3, 4)))
    assert autograd.gradcheck(F.binary_cross_entropy, (p, t))
    assert autograd.gradgradcheck(F.binary_cross_entropy, (p, t))
    edge = leaf([0.0, 1.0, 0.0, 1.0])
    F.binary_cross_entropy(edge, Tensor(np.array([0.0, 1.0, 1.0, 0.0])), reduction="sum").backward()
    np.testing.assert_allclose(edge.grad._data, [0.0, 0.0, -1e12, 1e12])
    with pytest.raises(RuntimeError, match="between 0 and 1"):  # PyTorch's type
        F.binary_cross_entropy(Tensor([1.5]), Tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_numpy_and_is_stable(reduction):
    x = RNG.standard_normal((4, 3)) * 3
    x[0, :] = [-800.0, 0.0, 800.0]
    t = RNG.uniform(0, 1, (4, 3))
    w, pw = RNG.uniform(0.5, 2, (4, 1)), RNG.uniform(0.5, 3, 3)
    log_sig = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    expected = -w * (pw * t * log_sig + (1 - t) * log_one_minus)
    got = F.binary_cross_entropy_with_logits(Tensor(x), Tensor(t), Tensor(w), reduction, Tensor(pw))
    np.testing.assert_allclose(got._data, reduce(expected, reduction), rtol=1e-12)
    plain = nn.BCEWithLogitsLoss(reduction=reduction)(Tensor(x), Tensor(t))
    np.testing.assert_allclose(plain._data, reduce(-(t * log_sig + (1 - t) * log_one_minus), reduction), rtol=1e-12)


def test_bce_with_logits_gradients():
    x, t = leaf(RNG.standard_normal((3, 4))), leaf(RNG.uniform(0, 1, (3, 4)))
    pw = leaf(RNG.uniform(0.5, 2, 4))
    fn = lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, Tensor(np.full((3, 1), 0.7)), pos_weight=pw)
    assert autograd.gradcheck(fn, (x, t, pw))
    assert autograd.gradgradcheck(fn, (x, t, pw))


# ----------------------------------------------------------------- class losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_indices_match_reference(reduction, eps, weighted):
    x = RNG.standard_normal((6, 5))
    t = RNG.integers(0, 5, 6)
    t[[1, 4]] = -100
    w = RNG.uniform(0.2, 2.0, 5) if weighted else None
    got = F.cross_entropy(Tensor(x), Tensor(t), None if w is None else Tensor(w), reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(got._data, ref_cross_entropy(x, t, w, -100, reduction, eps), rtol=1e-12)
    x4 = RNG.standard_normal((2, 5, 3, 2))
    t4 = RNG.integers(0, 5, (2, 3, 2))
    t4[0, 1, 1] = 3 if weighted else -100
    got4 = nn.CrossEntropyLoss(None if w is None else Tensor(w), reduction=reduction, label_smoothing=eps)(Tensor(x4), Tensor(t4))
    np.testing.assert_allclose(got4._data, ref_cross_entropy(x4, t4, w, -100, reduction, eps), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_match_reference(reduction):
    x = RNG.standard_normal((4, 3, 2))
    p = RNG.uniform(0, 1, (4, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = RNG.uniform(0.5, 2, 3)
    for eps in (0.0, 0.2):
        got = F.cross_entropy(Tensor(x), Tensor(p), Tensor(w), reduction=reduction, label_smoothing=eps)
        np.testing.assert_allclose(got._data, ref_cross_entropy_probs(x, p, w, reduction, eps), rtol=1e-12)


def test_cross_entropy_unbatched_and_custom_ignore_index():
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(F.cross_entropy(Tensor(x), Tensor(np.array(2)))._data, -log_softmax(x, 0)[2], rtol=1e-12)
    xs, t = RNG.standard_normal((3, 4)), np.array([1, 3, 0])
    np.testing.assert_allclose(F.cross_entropy(Tensor(xs), Tensor(t), ignore_index=3)._data,
                               ref_cross_entropy(xs, t, ignore=3), rtol=1e-12)


def test_fused_and_general_cross_entropy_paths_agree_in_float32():
    x = RNG.standard_normal((8, 10)).astype(np.float32)
    t = RNG.integers(0, 10, 8)
    a = Tensor(x, requires_grad=True)
    fused = F.cross_entropy(a, Tensor(t))
    assert fused.dtype == np.float32
    fused.backward()
    b = Tensor(x, requires_grad=True)
    general = F.nll_loss(b.log_softmax(1), Tensor(t))
    general.backward()
    np.testing.assert_allclose(fused._data, general._data, rtol=1e-6)
    np.testing.assert_allclose(a.grad._data, b.grad._data, atol=1e-7)
    p = np.exp(log_softmax(x.astype(np.float64)))
    p[np.arange(8), t] -= 1
    np.testing.assert_allclose(a.grad._data, p / 8, atol=1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_single_node_path_when_every_target_is_valid(reduction):
    # (N, C) logits, no ignored target, no weight or smoothing: the loss is one fused node
    x = RNG.standard_normal((6, 5))
    t = np.array([0, 4, 2, 2, 1, 3])
    got = F.cross_entropy(leaf(x), Tensor(t), reduction=reduction)
    assert got.grad_fn.name() == "CrossEntropyReducedBackward"
    np.testing.assert_allclose(got._data, ref_cross_entropy(x, t, None, -100, reduction, 0.0), rtol=1e-12)
    # an ignore_index inside the targets' range sends the call down the general path
    assert F.cross_entropy(leaf(x), Tensor(t), ignore_index=2).grad_fn.name() != "CrossEntropyReducedBackward"
    assert autograd.gradcheck(lambda x: F.cross_entropy(x, Tensor(t), reduction=reduction), (leaf(x),))
    assert autograd.gradgradcheck(lambda x: F.cross_entropy(x, Tensor(t), reduction=reduction), (leaf(x),))
    # the softmax the forward keeps for backward is not consumed: a retained graph gives it again
    xs = leaf(x)
    loss = F.cross_entropy(xs, Tensor(t), reduction=reduction)
    loss.backward(retain_graph=True)
    first = xs.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(xs.grad._data, 2 * first, rtol=1e-12)


def test_cross_entropy_gradients_for_every_path():
    x = leaf(RNG.standard_normal((4, 3)))
    t = Tensor(np.array([0, 2, -100, 1]))
    w = Tensor(RNG.uniform(0.5, 2, 3))
    assert autograd.gradcheck(lambda x: F.cross_entropy(x, t), (x,))
    assert autograd.gradgradcheck(lambda x: F.cross_entropy(x, t, reduction="sum"), (x,))
    assert autograd.gradcheck(lambda x: F.cross_entropy(x, t, w, label_smoothing=0.1), (x,))
    assert autograd.gradgradcheck(lambda x: F.cross_entropy(x, t, w, label_smoothing=0.1), (x,))
    x4 = leaf(RNG.standard_normal((2, 3, 2)))
    t4 = Tensor(np.array([[0, 2], [-100, 1]]))
    assert autograd.gradcheck(lambda x: F.cross_entropy(x, t4, w, reduction="none"), (x4,))
    p = Tensor(np.full((4, 3), 1 / 3))
    assert autograd.gradcheck(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.3), (x, leaf(p._data)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_reference_and_gradchecks(reduction):
    logp = log_softmax(RNG.standard_normal((5, 4)))
    t = np.array([0, 3, -100, 1, 3])
    w = RNG.uniform(0.5, 2, 4)
    keep = t != -100
    ts = np.where(keep, t, 0)
    terms = -logp[np.arange(5), ts] * w[ts] * keep
    expected = {"none": terms, "sum": terms.sum(), "mean": terms.sum() / (w[ts] * keep).sum()}[reduction]
    got = nn.NLLLoss(Tensor(w), reduction=reduction)(Tensor(logp), Tensor(t))
    np.testing.assert_allclose(got._data, expected, rtol=1e-12)
    assert autograd.gradcheck(lambda x: F.nll_loss(x, Tensor(t), Tensor(w), reduction=reduction), (leaf(logp),))


def test_class_losses_reject_bad_targets_with_clear_messages():
    x = autograd.randn(3, 4)
    with pytest.raises(IndexError) as info:
        F.cross_entropy(x, Tensor(np.array([0, 4, 1])))
    assert "cross_entropy" in str(info.value) and "[0, 4]" in str(info.value) and "4 classes" in str(info.value)
    for bad in ([0, -1, 1], [0, -5, 1], [7, 0, 1]):  # negative indices must not wrap around
        for dtype in (np.int64, np.uint8) if min(bad) >= 0 else (np.int64,):
            with pytest.raises(IndexError, match="cross_entropy: target values must be class indices"):
                F.cross_entropy(x, Tensor(np.array(bad, dtype=dtype)))
    with pytest.raises(IndexError, match=r"nll_loss.*found targets in \[-2, 1\]"):
        F.nll_loss(x, Tensor(np.array([0, -2, 1])))
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\)"):
        F.cross_entropy(x, Tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        F.cross_entropy(x, Tensor(np.array([0, 1, 2])), Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(x, autograd.randn(4))


def test_all_ignored_targets_give_nan_like_pytorch():
    loss = F.cross_entropy(autograd.randn(2, 3), Tensor(np.array([-100, -100])))
    assert np.isnan(loss.item())


def test_loss_modules_register_weights_as_buffers():
    assert list(nn.CrossEntropyLoss(Tensor(np.ones(3))).state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=Tensor(np.ones(3))).state_dict()) == ["pos_weight"]
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


# ----------------------------------------------------------------- PyTorch comparisons
def _torch_pair(torch, *arrays):
    return ([Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays],
            [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays])


def _compare(torch, ours_fn, theirs_fn, *arrays):
    ours, theirs = _torch_pair(torch, *arrays)
    a, b = ours_fn(*ours), theirs_fn(*theirs)
    np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.cos(np.arange(a._data.size)).reshape(a.shape) + 2
    (a * Tensor(g)).sum().backward()
    (b * torch.tensor(g)).sum().backward()
    for x, y in zip(ours, theirs):
        if y.grad is not None:
            np.testing.assert_allclose(x.grad._data, y.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_pytorch_values_and_gradients(reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, y = RNG.standard_normal((5, 4)), RNG.standard_normal((5, 4))
    var = RNG.uniform(0.1, 2, (5, 4))
    prob, tgt = RNG.uniform(0.01, 0.99, (5, 4)), RNG.uniform(0, 1, (5, 4))
    w4, pw = RNG.uniform(0.5, 2, 4), RNG.uniform(0.5, 2, 4)
    _compare(torch, lambda a, b: F.mse_loss(a, b, reduction), lambda a, b: tf.mse_loss(a, b, reduction=reduction), x, y)
    _compare(torch, lambda a, b: F.l1_loss(a, b, reduction), lambda a, b: tf.l1_loss(a, b, reduction=reduction), x, y)
    _compare(torch, lambda a, b: F.huber_loss(a, b, reduction, 0.6), lambda a, b: tf.huber_loss(a, b, reduction=reduction, delta=0.6), x, y)
    _compare(torch, lambda a, b: F.smooth_l1_loss(a, b, reduction, 0.6), lambda a, b: tf.smooth_l1_loss(a, b, reduction=reduction, beta=0.6), x, y)
    _compare(torch, lambda a, b, v: F.gaussian_nll_loss(a, b, v, True, reduction=reduction),
             lambda a, b, v: tf.gaussian_nll_loss(a, b, v, full=True, reduction=reduction), x, y, var)
    _compare(torch, lambda p, t, w: F.binary_cross_entropy(p, t, w, reduction),
             lambda p, t, w: tf.binary_cross_entropy(p, t, w.detach(), reduction=reduction), prob, tgt, w4)
    _compare(torch, lambda a, t, w, pw: F.binary_cross_entropy_with_logits(a, t, w, reduction, pw),
             lambda a, t, w, pw: tf.binary_cross_entropy_with_logits(a, t, w.detach(), reduction=reduction, pos_weight=pw.detach()),
             x * 5, tgt, w4, pw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_cross_entropy_matches_pytorch(reduction, eps):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x2, t2 = RNG.standard_normal((7, 5)), RNG.integers(0, 5, 7)
    t2[[0, 3]] = -100
    x4, t4 = RNG.standard_normal((3, 5, 2, 2)), RNG.integers(0, 5, (3, 2, 2))
    t4[1, 0, 1] = -100
    w = RNG.uniform(0.3, 2.0, 5)
    p = RNG.uniform(0, 1, (7, 5))
    p /= p.sum(1, keepdims=True)
    for x, t in ((x2, t2), (x4, t4)):
        _compare(torch, lambda a, t: F.cross_entropy(a, t, reduction=reduction, label_smoothing=eps),
                 lambda a, t: tf.cross_entropy(a, t, reduction=reduction, label_smoothing=eps), x, t)
        _compare(torch, lambda a, t, w: F.cross_entropy(a, t, w, reduction=reduction, label_smoothing=eps),
                 lambda a, t, w: tf.cross_entropy(a, t, w.detach(), reduction=reduction, label_smoothing=eps), x, t, w)
        _compare(torch, lambda a, t, w: F.nll_loss(a, t, w, reduction=reduction),
                 lambda a, t, w: tf.nll_loss(a, t, w.detach(), reduction=reduction), x, t, w)
    _compare(torch, lambda a, p, w: F.cross_entropy(a, p, w, reduction=reduction, label_smoothing=eps),
             lambda a, p, w: tf.cross_entropy(a, p, w.detach(), reduction=reduction, label_smoothing=eps), x2, p, w)
