"""Dropout2d, Unflatten, AdaptiveMaxPool2d, max_pool2d on integers, one_hot and
scaled_dot_product_attention against PyTorch."""

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(8, 16, 3, 3), (8, 16, 5), (4, 6), (2, 3, 2, 2, 2)])
def test_dropout2d_masks_the_first_two_dims_like_torch(shape):
    x = Tensor(np.ones(shape, np.float32))
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        y = F.dropout2d(x, 0.5)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        TF.dropout2d(torch.ones(shape), 0.5)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    values = y._data.reshape(shape[0], shape[1], -1)
    # one draw per (d0, d1) pair: each slice is all 0 or all 2
    assert np.all(values.min(-1) == values.max(-1))
    assert set(np.unique(values)) <= {0.0, 2.0} and 0.0 in values and 2.0 in values
    assert F.dropout2d(x, 0.5, training=False) is x or np.array_equal(F.dropout2d(x, 0.5, training=False)._data, x._data)


def test_dropout2d_layer_and_errors():
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
    with pytest.raises(RuntimeError):
        F.dropout2d(Tensor(np.ones(5, np.float32)), 0.5)
    with pytest.raises(ValueError):
        nn.Dropout2d(1.5)
    layer = nn.Dropout2d(0.5).eval()
    x = Tensor(np.ones((2, 3, 4, 4), np.float32))
    np.testing.assert_array_equal(layer(x)._data, x._data)


@pytest.mark.parametrize("dim, sizes, shape", [(1, (3, 4), (2, 12)), (-1, (2, -1), (3, 4, 6)), (0, (1, 2), (2, 3))])
def test_unflatten_matches_torch(dim, sizes, shape):
    ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(ours) == repr(theirs)
    a = RNG.standard_normal(shape)
    x = Tensor(a, requires_grad=True)
    out = ours(x)
    assert out.shape == tuple(theirs(torch.tensor(a)).shape)
    out.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("size", [2, (3, 2), (None, 3), (5, 7), 1])
def test_adaptive_max_pool2d_matches_torch(size):
    a = RNG.standard_normal((2, 3, 5, 7))
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, idx = F.adaptive_max_pool2d(x, size, return_indices=True)
    ref, tidx = TF.adaptive_max_pool2d(tx, size, return_indices=True)
    np.testing.assert_array_equal(out._data, ref.detach().numpy())
    np.testing.assert_array_equal(idx._data, tidx.numpy())
    assert idx.dtype == np.int64
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(x.grad._data, tx.grad.numpy())
    ours, theirs = nn.AdaptiveMaxPool2d(size), torch.nn.AdaptiveMaxPool2d(size)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, ceil_mode=True, return_indices=True),
                                    dict(kernel_size=2, dilation=2)], ids=str)
def test_max_pool2d_on_integers_matches_torch(dtype, kwargs):
    a = RNG.integers(0, 100, (2, 3, 7, 6)).astype(dtype)
    out, ref = F.max_pool2d(Tensor(a), **kwargs), TF.max_pool2d(torch.tensor(a), **kwargs)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1]._data, ref[1].numpy())
        out, ref = out[0], ref[0]
    assert out.dtype == ref.numpy().dtype
    np.testing.assert_array_equal(out._data, ref.numpy())
    layer = nn.MaxPool2d(2)
    np.testing.assert_array_equal(layer(Tensor(a))._data, torch.nn.MaxPool2d(2)(torch.tensor(a)).numpy())


def test_one_hot_exists_in_F_and_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 5):
        out, ref = F.one_hot(Tensor(idx), n), TF.one_hot(torch.tensor(idx), n)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out._data, ref.numpy())


SDPA_CASES = [
    dict(), dict(is_causal=True), dict(scale=0.3), dict(attn_mask="bool"), dict(attn_mask="float"),
    dict(is_causal=True, scale=2.0),
]


@pytest.mark.parametrize("kwargs", SDPA_CASES, ids=str)
@pytest.mark.parametrize("lengths", [(4, 4), (3, 5), (5, 3)])
def test_scaled_dot_product_attention_matches_torch(kwargs, lengths):
    L, S = lengths
    q, k, v = RNG.standard_normal((2, 3, L, 4)), RNG.standard_normal((2, 3, S, 4)), RNG.standard_normal((2, 3, S, 5))
    kwargs = dict(kwargs)
    mask = kwargs.pop("attn_mask", None)
    tmask = None
    if mask == "bool":
        m = RNG.random((L, S)) > 0.3
        m[:, 0] = True
        mask, tmask = Tensor(m), torch.tensor(m)
    elif mask == "float":
        m = RNG.standard_normal((1, L, S))
        mask, tmask = Tensor(m), torch.tensor(m)
    ours = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*ours, attn_mask=mask, **kwargs)
    ref = TF.scaled_dot_product_attention(*theirs, attn_mask=tmask, **kwargs)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_sdpa_dropout_and_errors():
    q = Tensor(RNG.standard_normal((2, 4, 3)).astype(np.float32))
    autograd.manual_seed(0)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert out.shape == (2, 4, 3) and out.dtype == np.float32
    with pytest.raises(Exception) as want:
        TF.scaled_dot_product_attention(*(torch.tensor(q._data),) * 3, attn_mask=torch.ones(4, 4, dtype=torch.bool), is_causal=True)
    with pytest.raises(type(want.value)):
        F.scaled_dot_product_attention(q, q, q, attn_mask=Tensor(np.ones((4, 4), bool)), is_causal=True)


def test_sdpa_grouped_query_attention_matches_torch():
    q, k, v = RNG.standard_normal((2, 6, 3, 4)), RNG.standard_normal((2, 2, 5, 4)), RNG.standard_normal((2, 2, 5, 4))
    ours = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*ours, enable_gqa=True)
    ref = TF.scaled_dot_product_attention(*theirs, enable_gqa=True)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-9, atol=1e-11)
