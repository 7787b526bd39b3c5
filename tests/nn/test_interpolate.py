"""F.interpolate / nn.Upsample against PyTorch: values, gradients, dtypes, sizes and errors."""

import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SIZES = [dict(size=9), dict(size=3), dict(size=1), dict(scale_factor=2), dict(scale_factor=1.7),
         dict(scale_factor=0.6), dict(scale_factor=2.3, recompute_scale_factor=True),
         dict(scale_factor=(1.5, 3))]
CASES = [(mode, shape, kw, ac)
         for mode, shape in (("nearest", (2, 3, 5, 7)), ("nearest", (1, 2, 4)),
                             ("nearest-exact", (2, 3, 5, 7)), ("linear", (1, 2, 4)),
                             ("bilinear", (2, 3, 5, 7)), ("area", (2, 3, 5, 7)), ("area", (1, 2, 4)))
         for kw in SIZES if not (len(shape) == 3 and isinstance(kw.get("scale_factor"), tuple))
         for ac in ([None] if mode in ("nearest", "nearest-exact", "area") else [False, True])]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode, shape, kw, ac", CASES, ids=str)
def test_matches_torch(mode, shape, kw, ac, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(dtype)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out = F.interpolate(x, mode=mode, align_corners=ac, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TF.interpolate(tx, mode=mode, align_corners=ac, **kw)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == dtype
    tol = 2e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    (out * Tensor(g)).sum().backward()
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=tol * 5, atol=tol * 5)


def test_second_order_gradient():
    x = Tensor(np.random.default_rng(1).standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert gradgradcheck(lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear") ** 2, [x])


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f.interpolate(x, size=4, scale_factor=2),
        lambda f, x: f.interpolate(x),
        lambda f, x: f.interpolate(x, size=4, align_corners=True),
        lambda f, x: f.interpolate(x, size=(4, 4, 4)),
        lambda f, x: f.interpolate(x, size=4, mode="linear"),
        lambda f, x: f.interpolate(x, size=4, mode="bogus"),
    ],
)
def test_errors_match_torch_types(call):
    a = np.zeros((1, 1, 3, 3), np.float32)
    with pytest.raises(Exception) as want:
        call(TF, torch.tensor(a))
    with pytest.raises(type(want.value)):
        call(F, Tensor(a))


def test_upsample_layers_match_torch():
    a = np.random.default_rng(2).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for make in (lambda m: m.Upsample(scale_factor=2), lambda m: m.Upsample(size=(5, 7), mode="bilinear"),
                 lambda m: m.UpsamplingBilinear2d(scale_factor=2), lambda m: m.UpsamplingNearest2d(size=6),
                 lambda m: m.Upsample(scale_factor=(2, 3), mode="nearest")):
        ours, theirs = make(nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(Tensor(a))._data, theirs(torch.tensor(a)).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [("upsample", dict(scale_factor=2, mode="bilinear")),
                                          ("upsample_nearest", dict(size=(3, 5))),
                                          ("upsample_bilinear", dict(scale_factor=2))])
def test_deprecated_aliases_warn_and_match_torch(name, kwargs):
    a = np.random.default_rng(3).standard_normal((1, 2, 2, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="deprecated") as ours:
        out = getattr(F, name)(Tensor(a), **kwargs)
    with pytest.warns(UserWarning, match="deprecated") as theirs:
        ref = getattr(TF, name)(torch.tensor(a), **kwargs)
    assert str(ours[0].message) == str(theirs[0].message)
    np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-6, atol=1e-6)
