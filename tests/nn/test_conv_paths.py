"""The convolution's special paths: each one gives PyTorch's values, and the arrays it hands to
the engine are the ones the engine can adopt without a copy."""

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor
from nn.functional import conv as conv_module
from nn.functional.windows import Geometry


@pytest.mark.parametrize("out_channels", [4, 64])  # 64: the weight-ordered columns
def test_weight_gradient_is_a_fresh_array_the_weight_adopts(out_channels):
    # a view (base not None) would make the engine copy the whole gradient into .grad
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 4, 4)).astype(np.float32)
    geom = Geometry(1, 3, 4, 4, 3, 3, pt=1, pb=1, pl=1, pr=1)
    g = rng.standard_normal((1, out_channels, 4, 4)).astype(np.float32)
    assert conv_module._weight_order(geom, out_channels) == (out_channels == 64)
    gw = conv_module.CONV2D_WEIGHT_GRAD.forward(x, g, geom=geom)
    assert gw.base is None and gw.flags["C_CONTIGUOUS"]
    w = Tensor(rng.standard_normal((out_channels, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = F.conv2d(Tensor(x), w, padding=1)
    out.backward(Tensor(g))
    np.testing.assert_allclose(w.grad._data, gw, rtol=1e-6)


def test_strided_view_equals_numpy_as_strided():
    from numpy.lib.stride_tricks import as_strided

    from nn.functional.windows import strided

    buf = np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3)
    sn, sh, sw, sc = buf.strides
    shape, steps = (2, 3, 4, 3, 3, 3), (sn, sh, sw, sh, sw, sc)
    view = strided(buf, shape, steps)
    np.testing.assert_array_equal(view, as_strided(buf, shape, steps))
    assert np.shares_memory(view, buf)


# ---------------------------------------------------------------- few input channels
NARROW_CASES = [  # (C, kernel, stride, padding, dilation): C * kw < 10 takes conv_narrow
    (1, 3, 1, 1, 1),
    (1, 5, 2, 2, 1),
    (2, 3, (2, 1), (0, 1), (1, 2)),
    (3, 3, 1, 1, 1),
    (1, (3, 2), 1, (1, 0), 1),
    (1, 3, 1, "same", (1, 2)),
    (2, 3, 1, 2, (2, 1)),
]


@pytest.mark.parametrize(("c", "k", "s", "p", "d"), NARROW_CASES)
def test_few_input_channels_match_torch_and_the_general_path(monkeypatch, c, k, s, p, d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((3, c, 9, 8)).astype(np.float32)
    w = rng.standard_normal((4, c, kh, kw)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    geom_c = Geometry(3, c, 9, 8, kh, kw)
    assert conv_module.conv_narrow.narrow(geom_c)

    def run():
        xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
        out = F.conv2d(xt, wt, bt, s, p, d)
        g = np.cos(np.arange(out._data.size, dtype=np.float32)).reshape(out.shape)
        out.backward(Tensor(g))
        return out._data, xt.grad._data, wt.grad._data, bt.grad._data, g

    narrow = run()
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = torch.nn.functional.conv2d(tx, tw, tb, s, p, d)
    ref.backward(torch.tensor(narrow[4]))
    for ours, theirs in zip(narrow[:4], (ref, tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    monkeypatch.setattr(conv_module.conv_narrow, "narrow", lambda geom: False)
    general = run()
    for a, b_ in zip(narrow[:4], general[:4]):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-5)


def test_few_input_channels_in_chunks_and_float64_gradients(monkeypatch):
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)  # one image per chunk
    rng = np.random.default_rng(6)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((3, 1, 5, 6), (2, 1, 3, 3), (2,)))
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1), (x, w, b))
    assert autograd.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), (x, w, b))


@pytest.mark.parametrize(("c", "kw", "groups", "expected"), [
    (1, 3, 1, True), (3, 3, 1, True), (3, 7, 1, False), (16, 3, 1, False), (2, 3, 2, False),
])
def test_which_convolutions_take_the_channel_major_columns(c, kw, groups, expected):
    geom = Geometry(1, c, 8, 8, 3, kw, groups=groups)
    assert conv_module.conv_narrow.narrow(geom) == expected


@pytest.mark.parametrize("c", [1, 8])  # the channel-major and the channels-last columns
def test_empty_batch_gives_zero_weight_and_bias_gradients_as_torch(c):
    torch = pytest.importorskip("torch")
    x = np.zeros((0, c, 5, 5), dtype=np.float32)
    w = np.ones((4, c, 3, 3), dtype=np.float32)
    b = np.ones(4, dtype=np.float32)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(xt, wt, bt, padding=1)
    out.sum().backward()
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = torch.nn.functional.conv2d(tx, tw, tb, padding=1)
    ref.sum().backward()
    assert tuple(out.shape) == tuple(ref.shape) == (0, 4, 5, 5)
    np.testing.assert_array_equal(wt.grad._data, tw.grad.numpy())
    np.testing.assert_array_equal(bt.grad._data, tb.grad.numpy())
    assert xt.grad._data.shape == (0, c, 5, 5)
