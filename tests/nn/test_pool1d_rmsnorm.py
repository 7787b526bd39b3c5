"""1-D pooling, Dropout1d and RMSNorm against PyTorch."""

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)


def _both(ours_fn, torch_fn, a, **kwargs):
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = ours_fn(x, **kwargs), torch_fn(tx, **kwargs)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1]._data, ref[1].numpy())
        assert out[1].dtype == np.int64
        out, ref = out[0], ref[0]
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = RNG.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, ceil_mode=True, return_indices=True),
                                    dict(kernel_size=2, dilation=2, return_indices=True)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_max_pool1d_matches_torch(kwargs, shape):
    _both(F.max_pool1d, TF.max_pool1d, RNG.standard_normal(shape), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
                         ids=str)
def test_avg_pool1d_matches_torch(kwargs):
    _both(F.avg_pool1d, TF.avg_pool1d, RNG.standard_normal((2, 3, 8)), **kwargs)


@pytest.mark.parametrize("size", [1, 3, 5, 8])
def test_adaptive_pool1d_matches_torch(size):
    _both(F.adaptive_avg_pool1d, TF.adaptive_avg_pool1d, RNG.standard_normal((2, 3, 7)), output_size=size)
    _both(F.adaptive_max_pool1d, TF.adaptive_max_pool1d, RNG.standard_normal((2, 3, 7)), output_size=size,
          return_indices=True)


def test_pool1d_layers_and_errors_match_torch():
    a = RNG.standard_normal((2, 3, 9)).astype(np.float32)
    for make in (lambda m: m.MaxPool1d(2), lambda m: m.MaxPool1d(3, 2, 1, ceil_mode=True),
                 lambda m: m.AvgPool1d(3, 2, 1), lambda m: m.AdaptiveAvgPool1d(4), lambda m: m.AdaptiveMaxPool1d(2)):
        ours, theirs = make(nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(Tensor(a))._data, theirs(torch.tensor(a)).numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(RuntimeError):
        F.max_pool1d(Tensor(np.ones((2, 3, 4, 5))), 2)
    ints = RNG.integers(0, 50, (2, 3, 8))
    out, idx = F.max_pool1d(Tensor(ints), 2, return_indices=True)
    ref, tidx = TF.max_pool1d(torch.tensor(ints), 2, return_indices=True)
    np.testing.assert_array_equal(out._data, ref.numpy())
    np.testing.assert_array_equal(idx._data, tidx.numpy())
    with pytest.raises(NotImplementedError) as want:
        TF.max_pool1d(torch.tensor(ints), 2)
    with pytest.raises(NotImplementedError) as got:
        F.max_pool1d(Tensor(ints), 2)
    assert str(got.value) == str(want.value)


def test_dropout1d_masks_channels_like_torch():
    y = F.dropout1d(Tensor(np.ones((16, 8, 5), np.float32)), 0.5)
    v = y._data
    assert np.all(v.min(-1) == v.max(-1)) and set(np.unique(v)) == {0.0, 2.0}
    y2 = F.dropout1d(Tensor(np.ones((8, 5), np.float32)), 0.5)
    assert np.all(y2._data.min(-1) == y2._data.max(-1))
    for call in (lambda f, m: f.dropout1d(m.ones(2, 3, 4, 5), 0.5),):
        with pytest.raises(RuntimeError) as want:
            call(TF, torch)
        import autograd
        with pytest.raises(RuntimeError) as got:
            call(F, autograd)
        assert str(got.value) == str(want.value)
    assert repr(nn.Dropout1d(0.3)) == repr(torch.nn.Dropout1d(0.3))
    layer = nn.Dropout1d(0.5).eval()
    np.testing.assert_array_equal(layer(Tensor(np.ones((2, 3, 4))))._data, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, norm, eps", [((3, 4), (4,), None), ((2, 3, 4), (3, 4), 1e-3), ((2, 5), 5, 0.1)])
def test_rms_norm_matches_torch(shape, norm, eps, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    ns = (norm,) if isinstance(norm, int) else norm
    w = RNG.standard_normal(ns).astype(dtype)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    wt, twt = Tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out, ref = F.rms_norm(x, norm, wt, eps), TF.rms_norm(tx, list(ns), twt, eps)
    tol = 2e-6 if dtype == np.float32 else 1e-12
    assert out.dtype == dtype
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=tol, atol=tol)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=tol * 5, atol=tol * 5)
    np.testing.assert_allclose(wt.grad._data, twt.grad.numpy(), rtol=tol * 5, atol=tol * 5)


def test_rms_norm_layer_and_second_order():
    for make in (lambda m: m.RMSNorm(4), lambda m: m.RMSNorm([3, 4], eps=1e-3, elementwise_affine=False)):
        ours, theirs = make(nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        assert set(ours.state_dict()) == set(theirs.state_dict())
        a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
        np.testing.assert_allclose(ours(Tensor(a))._data, theirs(torch.tensor(a)).detach().numpy(), rtol=2e-6, atol=2e-6)
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    assert gradgradcheck(lambda t: F.rms_norm(t, 3), [x])
