"""Loss dtypes with a target of another float dtype, as PyTorch: huber_loss and
soft_margin_loss keep the input's dtype; mse / l1 / smooth_l1 promote."""

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["huber_loss", "soft_margin_loss", "smooth_l1_loss",
                                  "mse_loss", "l1_loss"])
@pytest.mark.parametrize("x_dtype, t_dtype", [("float32", "float64"), ("float64", "float32")])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_loss_dtype_and_value_match_pytorch(name, x_dtype, t_dtype, reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(x_dtype)
    t = np.sign(rng.standard_normal((3, 4))).astype(t_dtype)
    tx, gx = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True)
    want = getattr(torch.nn.functional, name)(tx, torch.tensor(t), reduction=reduction)
    got = getattr(F, name)(gx, autograd.tensor(t), reduction=reduction)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
    got.sum().backward()
    try:
        want.sum().backward()
    except RuntimeError:  # (PyTorch's huber_loss backward refuses mixed dtypes)
        return
    assert str(gx.grad.dtype) == x_dtype
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)
