"""BatchNorm1d/2d and LayerNorm: numpy references, running statistics by hand, train vs eval,
gradients (first and second order), errors, and PyTorch numerics."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

RNG = np.random.default_rng(1)


def ref_norm(x, axes, w=None, b=None, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


# ----------------------------------------------------------------- BatchNorm
def test_batchnorm2d_train_forward_matches_numpy():
    bn = nn.BatchNorm2d(3)
    bn.weight._data[...] = [1.0, 2.0, -0.5]
    bn.bias._data[...] = [0.0, 0.3, 1.0]
    x = (RNG.standard_normal((4, 3, 5, 6)) * 3 + 2).astype(np.float32)
    y = bn(Tensor(x))
    assert y.dtype == np.float32
    expected = ref_norm(x.astype(np.float64), (0, 2, 3), bn.weight._data.reshape(1, 3, 1, 1),
                        bn.bias._data.reshape(1, 3, 1, 1))
    np.testing.assert_allclose(y._data, expected, rtol=1e-5, atol=1e-5)


def test_batchnorm1d_accepts_2d_and_3d_inputs():
    bn = nn.BatchNorm1d(4)
    x2 = RNG.standard_normal((6, 4))
    np.testing.assert_allclose(bn(Tensor(x2.astype(np.float32)))._data, ref_norm(x2, (0,)), atol=1e-5)
    x3 = RNG.standard_normal((6, 4, 3))
    np.testing.assert_allclose(bn(Tensor(x3.astype(np.float32)))._data, ref_norm(x3, (0, 2)), atol=1e-5)


def test_running_stats_follow_momentum_with_unbiased_variance():
    bn = nn.BatchNorm1d(2, momentum=0.3)
    mean, var = np.zeros(2), np.ones(2)
    for step in range(1, 4):
        x = RNG.standard_normal((5, 2, 3)) * step + step
        bn(Tensor(x.astype(np.float32)))
        flat = x.transpose(1, 0, 2).reshape(2, -1)
        mean = 0.7 * mean + 0.3 * flat.mean(1)
        var = 0.7 * var + 0.3 * flat.var(1, ddof=1)
        assert bn.num_batches_tracked.item() == step
        np.testing.assert_allclose(bn.running_mean._data, mean, rtol=1e-5)
        np.testing.assert_allclose(bn.running_var._data, var, rtol=1e-5)
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64


def test_momentum_none_gives_the_cumulative_average():
    bn = nn.BatchNorm1d(3, momentum=None)
    batches = [(RNG.standard_normal((4, 3)) + k).astype(np.float32) for k in range(3)]
    for b in batches:
        bn(Tensor(b))
    np.testing.assert_allclose(bn.running_mean._data, np.mean([b.mean(0) for b in batches], 0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var._data, np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-5)


def test_eval_uses_running_stats_and_does_not_update_them():
    bn = nn.BatchNorm2d(2)
    bn.running_mean._data[...] = [1.0, -1.0]
    bn.running_var._data[...] = [4.0, 0.25]
    bn.weight._data[...] = [2.0, 1.0]
    bn.eval()
    x = RNG.standard_normal((3, 2, 2, 2)).astype(np.float32)
    y = bn(Tensor(x))
    rm, rv = np.array([1.0, -1.0]).reshape(1, 2, 1, 1), np.array([4.0, 0.25]).reshape(1, 2, 1, 1)
    expected = (x - rm) / np.sqrt(rv + 1e-5) * np.array([2.0, 1.0]).reshape(1, 2, 1, 1)
    np.testing.assert_allclose(y._data, expected, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(bn.running_mean._data, [1.0, -1.0])
    bn.train()
    y_train = bn(Tensor(x))
    assert not np.allclose(y_train._data, y._data)


def test_eval_gradients_flow_to_input_weight_and_bias():
    x, w, b = (Tensor(RNG.standard_normal(s), requires_grad=True) for s in [(3, 2, 2), (2,), (2,)])
    rm, rv = Tensor(RNG.standard_normal(2)), Tensor(RNG.uniform(0.5, 2, 2))
    assert autograd.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))


def test_without_running_stats_batch_stats_are_used_in_eval_too():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = RNG.standard_normal((5, 3))
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(x))._data, ref_norm(x, (0,)), atol=1e-7)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4), (2, 3, 2, 2)])
def test_batch_norm_gradcheck_and_gradgradcheck_in_train_mode(shape):
    c = shape[1]
    x = Tensor(RNG.standard_normal(shape), requires_grad=True)
    w = Tensor(RNG.standard_normal(c), requires_grad=True)
    b = Tensor(RNG.standard_normal(c), requires_grad=True)

    def fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert autograd.gradcheck(fn, (x, w, b))
    assert autograd.gradgradcheck(fn, (x, w, b))
    assert autograd.gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))


def test_batchnorm_errors_name_expected_and_got():
    bn = nn.BatchNorm2d(16)
    with pytest.raises(ValueError, match=r"BatchNorm2d\(16\) expected input with 16 channels \(dim 1\), got 8"):
        bn(autograd.randn(2, 8, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D \(N, C, H, W\) input, got shape \(2, 16\)"):
        bn(autograd.randn(2, 16))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(autograd.randn(1, 3))
    with pytest.raises(ValueError, match="required when training=False"):
        F.batch_norm(autograd.randn(2, 3), None, None)


def test_batchnorm_state_dict_and_reset():
    bn = nn.BatchNorm2d(2)
    bn(autograd.randn(4, 2, 3, 3))
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and np.all(bn.running_var._data == 1)
    assert nn.BatchNorm1d(2, bias=False).bias is None


# ----------------------------------------------------------------- LayerNorm
def test_layernorm_forward_matches_numpy():
    ln = nn.LayerNorm((3, 4))
    ln.weight._data[...] = RNG.standard_normal((3, 4))
    ln.bias._data[...] = RNG.standard_normal((3, 4))
    x = RNG.standard_normal((2, 5, 3, 4)).astype(np.float32)
    y = ln(Tensor(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y._data, ref_norm(x.astype(np.float64), (2, 3), ln.weight._data, ln.bias._data), rtol=1e-5, atol=1e-5)
    ln_plain = nn.LayerNorm(4, elementwise_affine=False)
    assert list(ln_plain.state_dict()) == []
    np.testing.assert_allclose(ln_plain(Tensor(x))._data, ref_norm(x.astype(np.float64), (3,)), atol=1e-5)
    assert nn.LayerNorm(4, bias=False).bias is None


def test_layer_norm_gradcheck_and_gradgradcheck():
    x = Tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    w = Tensor(RNG.standard_normal(4), requires_grad=True)
    b = Tensor(RNG.standard_normal(4), requires_grad=True)

    def fn(x, w, b):
        return F.layer_norm(x, (4,), w, b)

    assert autograd.gradcheck(fn, (x, w, b))
    assert autograd.gradgradcheck(fn, (x, w, b))
    assert autograd.gradcheck(lambda x: F.layer_norm(x, (3, 4)), (x,))


def test_layernorm_errors():
    with pytest.raises(ValueError, match=r"trailing shape \(4,\)"):
        nn.LayerNorm(4)(autograd.randn(2, 5))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.layer_norm(autograd.randn(2, 4), 4, autograd.ones(3))


# ----------------------------------------------------------------- PyTorch numerics
def test_batchnorm_matches_pytorch_in_train_and_eval_including_gradients():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2)
    w = RNG.standard_normal(3).astype(np.float32)
    ours.weight._data[...] = w
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    for step in range(3):
        x = (RNG.standard_normal((4, 3, 3, 3)) * (step + 1)).astype(np.float32)
        g = RNG.standard_normal(x.shape).astype(np.float32)
        a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya._data, yb.detach().numpy(), rtol=1e-5, atol=1e-5)
        (ya * Tensor(g)).sum().backward()
        (yb * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(ours, name)._data, getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-7)
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal((2, 3, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_layernorm_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 4, 5))
    w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    a = Tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ya = F.layer_norm(a, (4, 5), Tensor(w), Tensor(b))
    yb = torch.nn.functional.layer_norm(t, (4, 5), torch.tensor(w), torch.tensor(b))
    np.testing.assert_allclose(ya._data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(a.grad._data, t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("affine", [True, False])
def test_normalize_vjps_agree_on_arrays_and_on_tensors(affine):
    # a plain backward runs the VJPs on arrays (dx in place); under create_graph they run on
    # Tensors: both must give the same gradients
    rng = np.random.default_rng(11)
    for layer, shape in ((nn.LayerNorm(5, elementwise_affine=affine), (3, 4, 5)),
                         (nn.BatchNorm2d(3, affine=affine), (4, 3, 2, 2))):
        layer = layer.double()
        for p in layer.parameters():
            p._data[...] = rng.standard_normal(p.shape)
        x = Tensor(rng.standard_normal(shape), requires_grad=True)
        g = Tensor(rng.standard_normal(shape))
        leaves = [x, *layer.parameters()]
        plain = autograd.grad(layer(x), leaves, g)
        recorded = autograd.grad(layer(x), leaves, g, create_graph=True)
        for a, b in zip(plain, recorded, strict=True):
            assert a.shape == b.shape
            np.testing.assert_allclose(a._data, b._data, rtol=1e-10, atol=1e-12)
