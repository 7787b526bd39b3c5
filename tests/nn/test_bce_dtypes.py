"""binary_cross_entropy(_with_logits) dtypes as PyTorch's: BCE takes a target of the input's
dtype only (int64 or float64 labels with a float32 input raise); BCE-with-logits takes a
floating target only and its loss has the target's dtype; a float64 weight or pos_weight does
not make the loss float64."""

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")

NAMES = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]
DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def _call(lib, name, x, t, **kw):
    """Run lib's loss on copies of the arrays; returns the dtype name or None if it raised."""
    mod = torch.nn.functional if lib is torch else F
    wrap = torch.from_numpy if lib is torch else autograd.from_numpy
    kw = {k: wrap(v.copy()) for k, v in kw.items()}
    try:
        out = getattr(mod, name)(wrap(x.copy()), wrap(t.copy()), **kw)
    except (RuntimeError, TypeError, ValueError):
        return None
    return str(out.dtype).replace("torch.", "")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("x_dtype", ["float32", "float64"])
@pytest.mark.parametrize("t_dtype", DTYPES)
def test_target_dtype_raises_or_gives_torch_dtype(name, x_dtype, t_dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, (3, 4)).astype(x_dtype)
    t = (rng.uniform(size=(3, 4)) > 0.5).astype(t_dtype)
    assert _call(autograd, name, x, t) == _call(torch, name, x, t)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("arg", ["weight", "pos_weight"])
def test_float64_weight_keeps_float32_loss(name, arg):
    if arg == "pos_weight" and name == "binary_cross_entropy":
        pytest.skip("binary_cross_entropy has no pos_weight")
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    t = rng.uniform(size=(3, 4)).astype(np.float32)
    w = rng.uniform(0.5, 2.0, 4)  # float64, as numpy makes it
    got = _call(autograd, name, x, t, **{arg: w})
    assert got == _call(torch, name, x, t, **{arg: w}) == "float32"
    tw = torch.from_numpy(w)
    want = getattr(torch.nn.functional, name)(torch.from_numpy(x), torch.from_numpy(t), **{arg: tw})
    out = getattr(F, name)(autograd.tensor(x), autograd.tensor(t), **{arg: autograd.tensor(w)})
    np.testing.assert_allclose(out.item(), want.item(), rtol=1e-6)


def test_0d_float64_logits_float32_target_backward():
    x, t = np.array(0.3), np.array(1.0, dtype=np.float32)
    tx = torch.tensor(x, requires_grad=True)
    gx = autograd.tensor(x, requires_grad=True)
    want = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.tensor(t))
    got = F.binary_cross_entropy_with_logits(gx, autograd.tensor(t))
    want.backward()
    got.backward()
    assert str(got.dtype) == str(want.dtype).replace("torch.", "") == "float32"
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
