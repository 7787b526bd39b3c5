"""Convolutions compute channels last inside (im2col rows per output pixel) and return contiguous
NCHW: networks of convs, ReLUs and pools give PyTorch's values and gradients whatever the memory
order of their inputs and of the gradients arriving at each layer, to first and second order;
reductions over a conv's output (a BatchNorm's statistics) keep PyTorch's accuracy."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor


def _channels_last(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _net(x, params, stride, groups):
    """conv-relu-conv-relu-maxpool-conv-relu-maxpool-flatten-linear (W3's shape, small)."""
    w1, b1, w2, b2, w3, b3, w4, b4 = params
    h = F.conv2d(x, w1, b1, padding=1).relu()
    h = F.max_pool2d(F.conv2d(h, w2, b2, padding=1, groups=groups).relu(), 2)
    h = F.max_pool2d(F.conv2d(h, w3, b3, stride=stride, padding=1).relu(), 2)
    return h.reshape(h.shape[0], -1) @ w4.T + b4


def _params(rng, dtype, groups, flat):
    shapes = [(4, 3, 3, 3), (4,), (6, 4 // groups, 3, 3), (6,), (5, 6, 3, 3), (5,), (3, flat), (3,)]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def test_conv_output_is_contiguous_nchw_whatever_the_input_order():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    g = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    results = []
    for xx, gg in ((x, g), (_channels_last(x), _channels_last(g))):
        xt, wt = Tensor(xx, requires_grad=True), Tensor(w, requires_grad=True)
        out = F.conv2d(xt, wt, padding=1)
        out.backward(Tensor(gg))
        for a in (out._data, xt.grad._data, wt.grad._data):
            assert a.flags["C_CONTIGUOUS"]
        results.append((out._data, xt.grad._data, wt.grad._data))
    # the same values from inputs in either memory order, to the last bit
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_statistics_of_a_conv_output_keep_torch_accuracy():
    # float32 means over (N, H, W) of a conv's output: within a few float32 ulps of float64
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 3, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((16, 3, 3, 3)) + 1.0).astype(np.float32)
    out = F.conv2d(Tensor(x), Tensor(w), padding=1)
    bn = nn.BatchNorm2d(16)
    bn(out)
    exact = out._data.astype(np.float64).mean(axis=(0, 2, 3))
    theirs = torch.from_numpy(out._data).mean((0, 2, 3)).numpy()
    ours = bn.running_mean._data / bn.momentum  # running mean from zeros after one step
    bound = 4 * max(np.abs(theirs - exact).max(), np.finfo(np.float32).eps * np.abs(exact).max())
    assert np.abs(ours - exact).max() <= bound


@pytest.mark.parametrize(("stride", "groups"), [(1, 1), (2, 2)])
def test_conv_pool_network_matches_torch(stride, groups):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 3, 12, 12)).astype(np.float32)
    flat = 5 * (1 if stride == 2 else 9)
    arrays = _params(rng, np.float32, groups, flat)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = _net(Tensor(x), ours, stride, groups)
    tf = torch.nn.functional
    t1, tb1, t2, tb2, t3, tb3, t4, tb4 = theirs
    h = tf.conv2d(torch.tensor(x), t1, tb1, padding=1).relu()
    h = tf.max_pool2d(tf.conv2d(h, t2, tb2, padding=1, groups=groups).relu(), 2)
    h = tf.max_pool2d(tf.conv2d(h, t3, tb3, stride=stride, padding=1).relu(), 2)
    ref = h.flatten(1) @ t4.T + tb4
    g = rng.standard_normal(tuple(ref.shape)).astype(np.float32)
    ref.backward(torch.tensor(g))
    out.backward(Tensor(g))
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-4, atol=1e-4)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv_pool_network_gradcheck_and_second_order():
    rng = np.random.default_rng(2)
    x = Tensor(_channels_last(rng.standard_normal((2, 3, 8, 8))), requires_grad=True)
    params = [Tensor(a, requires_grad=True) for a in _params(rng, np.float64, 1, 5 * 4)]

    def f(x, *params):
        return _net(x, params, 1, 1)

    assert autograd.gradcheck(f, (x, *params))
    assert autograd.gradgradcheck(lambda x, w, b: f(x, w, b, *params[2:]), (x, *params[:2]))


def test_max_pool_gradient_in_either_memory_order():
    # a flatten's gradient arrives NCHW at a pool over a channels-last conv output
    rng = np.random.default_rng(3)
    x = _channels_last(rng.standard_normal((2, 3, 6, 4)))
    g = rng.standard_normal((2, 3, 3, 2))
    grads = []
    for gg in (g, _channels_last(g)):
        xt = Tensor(x, requires_grad=True)
        F.max_pool2d(xt, 2).backward(Tensor(gg))
        grads.append(xt.grad._data)
    np.testing.assert_array_equal(grads[0], grads[1])
    windows = x.reshape(2, 3, 3, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 2, 4)
    first = windows.argmax(-1)
    expected = np.zeros((2, 3, 3, 2, 4))
    np.put_along_axis(expected, first[..., None], g[..., None], axis=-1)
    expected = expected.reshape(2, 3, 3, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 6, 4)
    np.testing.assert_array_equal(grads[0], expected)


# weights with more entries than the columns (O/G > N * Ho * Wo) take the columns in the
# weight's (c, i, j) order: forward, both gradients (correlation and fold paths) and second order
WEIGHT_ORDER_CASES = [
    ((1, 4, 3, 3), (12, 4, 3, 3), {"stride": 2, "padding": 1}),
    ((2, 4, 2, 2), (24, 2, 3, 3), {"padding": 1, "groups": 2}),
    ((1, 3, 2, 3), (12, 3, 2, 2), {"dilation": (1, 2), "padding": (1, 1)}),
]


@pytest.mark.parametrize(("xshape", "wshape", "kwargs"), WEIGHT_ORDER_CASES)
def test_weight_order_matches_torch(xshape, wshape, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in (xshape, wshape, wshape[:1]))
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*ours, **kwargs)
    ref = torch.nn.functional.conv2d(*theirs, **kwargs)
    g = rng.standard_normal(tuple(ref.shape)).astype(np.float32)
    out.backward(Tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-4, atol=1e-4)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("xshape", "wshape", "kwargs"), WEIGHT_ORDER_CASES)
def test_weight_order_gradcheck_and_second_order(xshape, wshape, kwargs):
    rng = np.random.default_rng(5)
    args = [Tensor(rng.standard_normal(s), requires_grad=True) for s in (xshape, wshape, wshape[:1])]
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), args)
    assert autograd.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), args)
