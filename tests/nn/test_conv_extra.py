"""conv1d / Conv1d and conv_transpose2d / ConvTranspose2d against PyTorch."""

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _compare(ours_fn, torch_fn, shapes, seed=0, **kwargs):
    """Forward and the gradient of every input against torch (float64)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = ours_fn(*ours, **kwargs)
    ref = torch_fn(*theirs, **kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


TRANSPOSE_CASES = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=1, dilation=2, output_padding=1),
    dict(stride=3, padding=2, dilation=2, output_padding=2),
    dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 0)),
    dict(stride=3, padding=3),
]


@pytest.mark.parametrize("kwargs", TRANSPOSE_CASES, ids=str)
def test_conv_transpose2d_matches_torch(kwargs):
    _compare(F.conv_transpose2d, TF.conv_transpose2d, [(2, 4, 5, 4), (4, 3, 3, 2), (3,)], **kwargs)


def test_conv_transpose2d_groups_unbatched_and_no_bias():
    _compare(F.conv_transpose2d, TF.conv_transpose2d, [(2, 4, 5, 4), (4, 3, 3, 3)], groups=2,
             stride=2, padding=1)
    _compare(F.conv_transpose2d, TF.conv_transpose2d, [(4, 5, 4), (4, 3, 2, 2)])


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
                                    dict(groups=2, padding=2), dict(padding="valid", stride=3)], ids=str)
def test_conv1d_matches_torch(kwargs):
    g = kwargs.get("groups", 1)
    _compare(F.conv1d, TF.conv1d, [(2, 4, 9), (6, 4 // g, 3), (6,)], **kwargs)


def test_conv1d_unbatched():
    _compare(F.conv1d, TF.conv1d, [(4, 9), (6, 4, 3)])


def test_second_order_gradients():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((2, 2, 2, 2)), requires_grad=True)
    assert gradgradcheck(lambda a, b: F.conv_transpose2d(a, b, stride=2, output_padding=1), [x, w])
    x1 = Tensor(rng.standard_normal((2, 2, 5)), requires_grad=True)
    w1 = Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: F.conv1d(a, b, stride=2, padding=1), [x1, w1])
    assert gradgradcheck(lambda a, b: F.conv1d(a, b, dilation=2), [x1, w1])


def test_float32_stays_float32():
    x = Tensor(np.ones((1, 2, 3, 3), np.float32))
    w = Tensor(np.ones((2, 1, 2, 2), np.float32))
    assert F.conv_transpose2d(x, w).dtype == np.float32
    assert F.conv1d(Tensor(np.ones((1, 2, 5), np.float32)), Tensor(np.ones((1, 2, 3), np.float32))).dtype == np.float32


def test_errors_match_torch_types():
    x = np.zeros((1, 3, 4, 4), np.float32)
    w = np.zeros((3, 2, 3, 3), np.float32)
    for ours, theirs in (
        (lambda: F.conv_transpose2d(Tensor(x), Tensor(w), stride=2, output_padding=2),
         lambda: TF.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2, output_padding=2)),
        (lambda: F.conv_transpose2d(Tensor(x[:, :2]), Tensor(w)),
         lambda: TF.conv_transpose2d(torch.tensor(x[:, :2]), torch.tensor(w))),
        (lambda: F.conv1d(Tensor(x[0]), Tensor(w[:, :, 0])),
         lambda: TF.conv1d(torch.tensor(x[0]), torch.tensor(w[:, :, 0]))),
    ):
        with pytest.raises(Exception) as want:
            theirs()
        with pytest.raises(type(want.value)):
            ours()


def test_conv1d_layer_matches_torch_with_copied_weights():
    for kwargs in (dict(), dict(stride=2, padding=2, bias=False), dict(padding="same", padding_mode="reflect"),
                   dict(padding=1, padding_mode="circular", groups=2)):
        ours = nn.Conv1d(4, 6, 3, **kwargs)
        theirs = torch.nn.Conv1d(4, 6, 3, **kwargs)
        assert ours.weight.shape == tuple(theirs.weight.shape)
        assert set(ours.state_dict()) == set(theirs.state_dict())
        with torch.no_grad():
            for name, p in ours.named_parameters():
                getattr(theirs, name).copy_(torch.tensor(p._data))
        x = np.random.default_rng(0).standard_normal((2, 4, 10)).astype(np.float32)
        np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)
        assert repr(ours) == repr(theirs)


def test_conv_transpose2d_layer_matches_torch():
    ours = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2)
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (4, 3, 3, 3)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight._data))
        theirs.bias.copy_(torch.tensor(ours.bias._data))
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5)).astype(np.float32)
    for size in (None, (10, 9), (2, 4, 9, 10)):
        out = ours(Tensor(x), output_size=size)
        ref = theirs(torch.tensor(x), output_size=size)
        assert out.shape == tuple(ref.shape)
        np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        ours(Tensor(x), output_size=(20, 20))
    with pytest.raises(ValueError):
        nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")


def test_default_init_bounds_follow_fan_in():
    # PyTorch: bound 1/sqrt(fan_in), fan_in = weight.shape[1] * kernel area
    layer = nn.ConvTranspose2d(8, 2, 3)
    assert layer.weight.shape == (8, 2, 3, 3)
    bound = 1 / np.sqrt(2 * 9)
    assert np.abs(layer.weight._data).max() <= bound
    assert np.abs(layer.bias._data).max() <= bound
    assert np.abs(layer.weight._data).max() > 0.5 * bound


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=3, dilation=2),
                                    dict(groups=2, stride=2)], ids=str)
def test_conv_transpose1d_matches_torch(kwargs):
    _compare(F.conv_transpose1d, TF.conv_transpose1d, [(2, 4, 5), (4, 3, 3), (3 * kwargs.get("groups", 1),)], **kwargs)
    _compare(F.conv_transpose1d, TF.conv_transpose1d, [(4, 5), (4, 3, 2)], **kwargs)


def test_conv_transpose1d_layer_matches_torch():
    ours = nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)
    theirs = torch.nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight._data))
    x = np.random.default_rng(0).standard_normal((2, 4, 7)).astype(np.float32)
    for size in (None, (14,)):
        np.testing.assert_allclose(ours(Tensor(x), output_size=size)._data,
                                   theirs(torch.tensor(x), output_size=size).detach().numpy(), rtol=1e-5, atol=1e-5)
