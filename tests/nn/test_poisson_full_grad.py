"""poisson_nll_loss(full=True): PyTorch differentiates Stirling's term in the target too."""

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("log_input", [True, False])
def test_full_gradients_match_pytorch(log_input):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 2.0, (4, 5)).astype(np.float32)
    t = rng.uniform(0.0, 4.0, (4, 5)).astype(np.float32)
    t[0, :3] = [0.0, 1.0, 1.5]
    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    torch.nn.functional.poisson_nll_loss(tx, tt, log_input=log_input, full=True).backward()
    gx, gt = autograd.tensor(x, requires_grad=True), autograd.tensor(t, requires_grad=True)
    F.poisson_nll_loss(gx, gt, log_input=log_input, full=True).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gt.grad.numpy(), tt.grad.numpy(), rtol=1e-5, atol=1e-7)
