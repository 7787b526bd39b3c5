"""conv2d and Conv2d: a nested-loop numpy reference, float64 gradient checks (first and second
order), batch chunking, bad-input errors, the layer's init and repr, and PyTorch parity (guarded)."""

import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import nn.functional.conv as conv_module
from autograd import Tensor


def reference_conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """Direct definition: out[n, o, y, x] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, g*C/G + c, ...]."""
    n, c_in, h, w_in = x.shape
    c_out, per_group, kh, kw = w.shape
    top, bottom, left, right = padding
    xp = np.zeros((n, c_in, h + top + bottom, w_in + left + right), dtype=x.dtype)
    xp[:, :, top : top + h, left : left + w_in] = x
    ho = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c_out, ho, wo), dtype=x.dtype)
    out_per_group = c_out // groups
    for o in range(c_out):
        g = o // out_per_group
        for yy in range(ho):
            for xx in range(wo):
                total = np.zeros(n, dtype=x.dtype)
                for c in range(per_group):
                    for i in range(kh):
                        for j in range(kw):
                            pixel = xp[:, g * per_group + c, yy * stride[0] + i * dilation[0],
                                       xx * stride[1] + j * dilation[1]]
                            total = total + w[o, c, i, j] * pixel
                out[:, o, yy, xx] = total + (0 if b is None else b[o])
    return out


def same_padding(kernel, dilation):
    """PyTorch's 'same': total d*(k-1), the odd extra pixel at the bottom/right."""
    th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
    return th // 2, th - th // 2, tw // 2, tw - tw // 2


# (input shape, weight shape, kwargs for F.conv2d, explicit (top, bottom, left, right) padding)
CASES = [
    ((2, 3, 6, 7), (4, 3, 3, 3), {}, (0, 0, 0, 0)),
    ((2, 3, 6, 7), (4, 3, 3, 3), {"padding": 1}, (1, 1, 1, 1)),
    ((1, 2, 7, 8), (3, 2, 3, 2), {"stride": 2, "padding": (1, 2)}, (1, 1, 2, 2)),
    ((2, 2, 9, 7), (2, 2, 3, 3), {"stride": (2, 3), "dilation": (2, 1)}, (0, 0, 0, 0)),
    ((1, 2, 8, 8), (3, 2, 3, 3), {"padding": "same", "dilation": 2}, same_padding((3, 3), (2, 2))),
    ((1, 2, 6, 7), (3, 2, 2, 4), {"padding": "same"}, same_padding((2, 4), (1, 1))),
    ((2, 4, 5, 6), (6, 2, 3, 3), {"padding": 1, "groups": 2}, (1, 1, 1, 1)),
    ((1, 4, 7, 7), (4, 1, 3, 3), {"stride": 2, "padding": 1, "groups": 4}, (1, 1, 1, 1)),
    ((2, 3, 5, 5), (2, 3, 1, 1), {"padding": "valid"}, (0, 0, 0, 0)),
    ((1, 1, 4, 4), (1, 1, 4, 4), {}, (0, 0, 0, 0)),
    # stride 1 with a kernel larger than its columns: grad input by fold(Wᵀ @ g), not the flip
    ((1, 8, 2, 2), (16, 8, 3, 3), {"padding": 1}, (1, 1, 1, 1)),
    ((1, 8, 1, 2), (16, 4, 3, 3), {"padding": (1, 2), "dilation": (1, 2), "groups": 2}, (1, 1, 2, 2)),
]


def _kwargs_to_ref(kwargs):
    stride = kwargs.get("stride", 1)
    dilation = kwargs.get("dilation", 1)
    as_pair = lambda v: v if isinstance(v, tuple) else (v, v)
    return as_pair(stride), as_pair(dilation), kwargs.get("groups", 1)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("xshape", "wshape", "kwargs", "pad"), CASES)
def test_conv2d_matches_loop_reference(xshape, wshape, kwargs, pad, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xshape)
    w = rng.standard_normal(wshape)
    b = rng.standard_normal(wshape[0]) if bias else None
    stride, dilation, groups = _kwargs_to_ref(kwargs)
    expected = reference_conv2d(x, w, b, stride, pad, dilation, groups)
    out = F.conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), **kwargs)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out._data, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("xshape", "wshape", "kwargs", "pad"), CASES[1:8])
def test_conv2d_gradcheck(xshape, wshape, kwargs, pad):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(xshape), requires_grad=True)
    w = Tensor(rng.standard_normal(wshape), requires_grad=True)
    b = Tensor(rng.standard_normal(wshape[0]), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (x, w, b))


@pytest.mark.parametrize(("xshape", "wshape", "kwargs"), [
    ((1, 2, 4, 5), (2, 2, 3, 2), {"padding": 1}),
    ((2, 2, 5, 5), (2, 1, 2, 3), {"stride": (2, 1), "dilation": (1, 2), "groups": 2}),
])
def test_conv2d_second_order(xshape, wshape, kwargs):
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal(xshape), requires_grad=True)
    w = Tensor(rng.standard_normal(wshape), requires_grad=True)
    b = Tensor(rng.standard_normal(wshape[0]), requires_grad=True)
    assert autograd.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (x, w, b))


def test_conv2d_hand_computed_value():
    # 1x1 input channel, all-ones 2x2 kernel: each output is the sum of a 2x2 block
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    w = Tensor(np.ones((1, 1, 2, 2)))
    out = F.conv2d(x, w, Tensor(np.array([0.5])))
    np.testing.assert_array_equal(out._data[0, 0], [[8.5, 12.5], [20.5, 24.5]])


def test_conv2d_gradient_closed_form():
    # d/dw of sum(conv(x, w)) is the sum of x over every window position; d/dx counts window hits
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    xs = x._data[0, 0]
    expected_w = np.array([[xs[i : i + 2, j : j + 2].sum() for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(w.grad._data[0, 0], expected_w)
    hits = np.array([1, 2, 2, 1])
    np.testing.assert_array_equal(x.grad._data[0, 0], np.outer(hits, hits))


def test_conv2d_batch_chunks_agree(monkeypatch):
    # a tiny chunk budget forces one image per chunk through forward and both backward faces
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 2, 6, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    expected = reference_conv2d(x, w, b, (1, 1), (1, 1, 1, 1))
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    out = F.conv2d(Tensor(x), Tensor(w), Tensor(b), padding=1)
    np.testing.assert_allclose(out._data, expected, rtol=1e-10, atol=1e-10)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x[:3], w, b))
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (xt, wt, bt))


def test_conv2d_float32_stays_float32_and_unbatched_input():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((3, 5, 5)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((2, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert out.shape == (2, 5, 5)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    batched = F.conv2d(Tensor(x._data[None]), Tensor(w._data), padding=1)
    np.testing.assert_array_equal(out._data, batched._data[0])


def test_conv2d_errors():
    x = Tensor(np.zeros((2, 4, 8, 8), dtype=np.float32))
    w = Tensor(np.zeros((8, 3, 3, 3), dtype=np.float32))
    with pytest.raises(ValueError) as info:
        F.conv2d(x, w)
    assert str(info.value) == (
        "conv2d: expected input with 3 channels (weight shape (8, 3, 3, 3)), got input of shape (2, 4, 8, 8)"
    )
    with pytest.raises(ValueError, match=r"expected 3-D .* or 4-D"):
        F.conv2d(Tensor(np.zeros((8, 8), dtype=np.float32)), w)
    with pytest.raises(ValueError, match="weight must be 4-D"):
        F.conv2d(x, Tensor(np.zeros((8, 4, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="groups=3"):
        F.conv2d(x, Tensor(np.zeros((6, 2, 3, 3), dtype=np.float32)), groups=3)
    with pytest.raises(ValueError, match="not divisible by groups"):
        F.conv2d(x, Tensor(np.zeros((3, 2, 3, 3), dtype=np.float32)), groups=2)
    with pytest.raises(ValueError, match=r"bias must have shape \(8,\)"):
        F.conv2d(Tensor(np.zeros((2, 3, 8, 8), dtype=np.float32)), w, Tensor(np.zeros(4, dtype=np.float32)))
    with pytest.raises(TypeError, match="dtype float64 and weight dtype float32"):
        F.conv2d(Tensor(np.zeros((2, 3, 8, 8))), w)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(Tensor(np.zeros((1, 3, 2, 2), dtype=np.float32)), w)
    with pytest.raises(ValueError, match="strided"):
        F.conv2d(Tensor(np.zeros((1, 3, 8, 8), dtype=np.float32)), w, padding="same", stride=2)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        F.conv2d(Tensor(np.zeros((1, 3, 8, 8), dtype=np.float32)), w, stride=0)
    with pytest.raises(ValueError, match="padding must be"):
        F.conv2d(Tensor(np.zeros((1, 3, 8, 8), dtype=np.float32)), w, padding="full")


# ---------------------------------------------------------------- the layer
def test_conv2d_layer_shapes_init_and_repr():
    autograd.manual_seed(0)
    layer = nn.Conv2d(4, 6, (3, 5), stride=2, padding=1, groups=2)
    assert layer.weight.shape == (6, 2, 3, 5) and layer.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 3 * 5)  # kaiming_uniform(a=sqrt(5)) and the bias both give 1/sqrt(fan_in)
    assert np.abs(layer.weight._data).max() <= bound and np.abs(layer.weight._data).max() > 0.8 * bound
    assert np.abs(layer.bias._data).max() <= bound
    assert layer.weight.dtype == np.float32
    assert repr(layer) == "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), groups=2)"
    assert repr(nn.Conv2d(1, 6, 5)) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.Conv2d(2, 2, 3, padding="same", bias=False, padding_mode="reflect")) == (
        "Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1), padding=same, bias=False, padding_mode=reflect)"
    )
    out = layer(Tensor(np.zeros((2, 4, 7, 9), dtype=np.float32)))
    assert out.shape == (2, 6, 4, 4)  # (7 + 2 - 3) // 2 + 1, (9 + 2 - 5) // 2 + 1
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv2d_layer_padding_modes(mode):
    rng = np.random.default_rng(5)
    layer = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = rng.standard_normal((1, 2, 5, 6))
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=numpy_mode)
    expected = reference_conv2d(padded, layer.weight._data, layer.bias._data)
    np.testing.assert_allclose(layer(Tensor(x))._data, expected, rtol=1e-10, atol=1e-10)


def test_conv2d_layer_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(3, 4, 0)
    layer = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\)"):
        layer(Tensor(np.zeros((1, 2, 5, 5), dtype=np.float32)))


# ---------------------------------------------------------------- PyTorch parity (optional)
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("xshape", "wshape", "kwargs", "pad"), CASES)
def test_conv2d_matches_torch(xshape, wshape, kwargs, pad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal(xshape).astype(np.float32)
    w = rng.standard_normal(wshape).astype(np.float32)
    b = rng.standard_normal(wshape[0]).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = torch.nn.functional.conv2d(tx, tw, tb, **kwargs)
    g = rng.standard_normal(tuple(ref.shape)).astype(np.float32)
    ref.backward(torch.tensor(g))
    ox, ow, ob = (Tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(ox, ow, ob, **kwargs)
    out.backward(Tensor(g))
    for ours, theirs in ((out, ref), (ox.grad, tx.grad), (ow.grad, tw.grad), (ob.grad, tb.grad)):
        np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_conv2d_layer_matches_torch(mode):
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode=mode)
    theirs = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode=mode)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight._data))
        theirs.bias.copy_(torch.tensor(ours.bias._data))
    x = np.random.default_rng(7).standard_normal((2, 3, 7, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
