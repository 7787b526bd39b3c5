"""Training-mode batch_norm (nn/functional/batch_norm_train.py) against PyTorch: 2-D to 5-D
inputs, float32 and float64, with and without affine parameters and running stats; its float32
accuracy on inputs whose mean dwarfs their spread; and its saved values (a second backward, an
in-place change of the input)."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from nn.functional.batch_norm_train import channel_sum

RNG = np.random.default_rng(18)
SHAPES = [(6, 3), (4, 3, 5), (4, 3, 5, 6), (2, 3, 4, 3, 2)]


def _pair(dtype, shape, affine, mean=1.0, spread=2.0):
    """The same batch_norm call on tapegrad and on PyTorch: (ours, theirs), each a dict."""
    torch = pytest.importorskip("torch")
    c = shape[1]
    x = (RNG.standard_normal(shape) * spread + mean).astype(dtype)
    params = [RNG.standard_normal(c).astype(dtype) for _ in range(2)] if affine else []
    stats = [RNG.standard_normal(c).astype(dtype), RNG.random(c).astype(dtype) + 0.5]
    g = RNG.standard_normal(shape).astype(dtype)
    sides = []
    for make, grad_of in ((Tensor, lambda t: t.grad._data),
                          (torch.from_numpy, lambda t: t.grad.numpy())):
        leaves = [make(a.copy()).requires_grad_() for a in (x, *params)]
        running = [make(a.copy()) for a in stats]
        bn = F.batch_norm if make is Tensor else torch.nn.functional.batch_norm
        out = bn(leaves[0], *running, *leaves[1:], training=True, momentum=0.3)
        out.backward(make(g))
        sides.append({"out": out.detach().numpy(), "grads": [grad_of(t) for t in leaves],
                      "running": [r.numpy() for r in running]})
    return sides


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_training_matches_torch(dtype, shape, affine):
    ours, theirs = _pair(dtype, shape, affine)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-13}
    assert ours["out"].dtype == dtype
    np.testing.assert_allclose(ours["out"], theirs["out"], **tol)
    for a, t in zip(ours["running"] + ours["grads"], theirs["running"] + theirs["grads"], strict=True):
        assert a.dtype == dtype and a.shape == t.shape
        np.testing.assert_allclose(a, t, **tol)


def _torch_no_stats(arrays, dtype):
    """PyTorch's output and gradients of x, w, b for batch_norm without running stats."""
    torch = pytest.importorskip("torch")
    x, w, b, g = (torch.from_numpy(a.astype(dtype)) for a in arrays)
    leaves = [t.requires_grad_() for t in (x, w, b)]
    out = torch.nn.functional.batch_norm(x, None, None, w, b, training=True)
    out.backward(g)
    return [out.detach().numpy()] + [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("mean", [50.0, 1000.0])
def test_float32_accuracy_when_the_mean_dwarfs_the_spread(mean):
    """Within 3x of PyTorch's own float32 distance from float64: x - mean needs the residual of
    the float32 mean (without it, dw came up to 7x off at mean 1000)."""
    rng, shape = np.random.default_rng(0), (8, 4, 16, 16)
    arrays = [(rng.standard_normal(shape) + mean).astype(np.float32),
              *(rng.standard_normal(4).astype(np.float32) for _ in range(2)),
              rng.standard_normal(shape).astype(np.float32)]
    x, w, b = (Tensor(a, requires_grad=True) for a in arrays[:3])
    out = F.batch_norm(x, None, None, w, b, training=True)
    out.backward(Tensor(arrays[3]))
    ours = [out._data, x.grad._data, w.grad._data, b.grad._data]
    torch32, torch64 = (_torch_no_stats(arrays, dtype) for dtype in (np.float32, np.float64))
    for a, t32, t64 in zip(ours, torch32, torch64, strict=True):
        scale = np.abs(t64).max()
        ours_err, torch_err = np.abs(a - t64).max() / scale, np.abs(t32 - t64).max() / scale
        assert ours_err <= 3 * torch_err + 1e-7, (ours_err, torch_err)


def test_channel_sum_of_strided_and_float16_arrays():
    x = RNG.standard_normal((5, 3, 4, 6))
    for a in (x, x.transpose(0, 1, 3, 2), x[:, :, ::2]):
        np.testing.assert_allclose(channel_sum(a), a.sum(axis=(0, 2, 3)), rtol=1e-12)
        np.testing.assert_allclose(channel_sum(a, a), (a * a).sum(axis=(0, 2, 3)), rtol=1e-12)
    half = (x * 10).astype(np.float16)
    got = channel_sum(half)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, half.astype(np.float64).sum(axis=(0, 2, 3)), rtol=2e-3, atol=0.1)


def test_backward_twice_gives_the_same_gradients():
    """The saved centered input is read, never written, by the VJPs."""
    x = Tensor(RNG.standard_normal((4, 3, 2, 2)), requires_grad=True)
    w, b = (Tensor(RNG.standard_normal(3), requires_grad=True) for _ in range(2))
    out = F.batch_norm(x, None, None, w, b, training=True) * Tensor(RNG.standard_normal((4, 3, 2, 2)))
    first = autograd.grad(out.sum(), [x, w, b], retain_graph=True)
    second = autograd.grad(out.sum(), [x, w, b])
    for a, c in zip(first, second, strict=True):
        np.testing.assert_array_equal(a._data, c._data)


def test_input_changed_in_place_after_the_forward_raises_as_in_torch():
    leaf = Tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    x = leaf * 1.0
    out = F.batch_norm(x, None, None, training=True)
    x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_momentum_none_layer_matches_torch_over_steps():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3, momentum=None).double(), torch.nn.BatchNorm1d(3, momentum=None).double()
    for _ in range(3):
        x = RNG.standard_normal((5, 3, 4))
        np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-12, atol=1e-12)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name)._data, getattr(theirs, name).numpy(), rtol=1e-12)
