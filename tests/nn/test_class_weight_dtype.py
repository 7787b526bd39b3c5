"""cross_entropy / nll_loss class weights: with class-index targets PyTorch casts no weight tensor,
so a float64 (numpy-made) or int64 weight with a float32 input raises; with probability targets
the weight promotes the loss's dtype."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")


def _dtype_or_none(fn, *args, **kw):
    try:
        return str(fn(*args, **kw).dtype).replace("torch.", "")
    except (RuntimeError, TypeError):
        return None


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("w_dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("x_dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [{}, {"reduction": "none"}, {"label_smoothing": 0.1}])
def test_index_targets_weight_dtype(name, w_dtype, x_dtype, kw):
    if name == "nll_loss" and kw.get("label_smoothing"):
        pytest.skip("nll_loss has no label smoothing")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(x_dtype)
    t = np.array([0, 1, 3])
    w = rng.uniform(1, 3, 4).astype(w_dtype)
    want = _dtype_or_none(getattr(torch.nn.functional, name), torch.from_numpy(x),
                          torch.from_numpy(t), weight=torch.from_numpy(w), **kw)
    got = _dtype_or_none(getattr(F, name), autograd.tensor(x), autograd.tensor(t),
                         weight=autograd.tensor(w), **kw)
    assert got == want


def test_module_weight_float64_raises_as_pytorch():
    x, t = np.zeros((2, 3), np.float32), np.array([0, 2])
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        torch.nn.CrossEntropyLoss(weight=torch.ones(3, dtype=torch.float64))(
            torch.from_numpy(x), torch.from_numpy(t))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        nn.CrossEntropyLoss(weight=autograd.ones(3, dtype=autograd.float64))(
            autograd.tensor(x), autograd.tensor(t))


def test_probability_targets_weight_promotes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    p = rng.uniform(size=(3, 4)).astype(np.float32)
    w = rng.uniform(1, 3, 4)
    want = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(p),
                                             weight=torch.from_numpy(w))
    got = F.cross_entropy(autograd.tensor(x), autograd.tensor(p), weight=autograd.tensor(w))
    assert str(got.dtype) == str(want.dtype).replace("torch.", "") == "float64"
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)


def test_list_weight_takes_the_input_dtype():
    x = autograd.tensor(np.zeros((2, 3), np.float32))
    out = F.cross_entropy(x, autograd.tensor([0, 2]), weight=[1.0, 2.0, 3.0])
    assert out.dtype == autograd.float32
    np.testing.assert_allclose(out.item(), np.log(3), rtol=1e-6)
