"""nn.Bilinear / F.bilinear against PyTorch: values, gradients of both inputs, weight and bias,
batch dims, parameters, init range, repr, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(4)


@pytest.mark.parametrize(("lead", "bias"), [((4,), True), ((2, 3), False), ((), True)])
def test_functional_matches_torch(lead, bias):
    arrays = [rng.standard_normal((*lead, 3)).astype(np.float32), rng.standard_normal((*lead, 2)).astype(np.float32),
              rng.standard_normal((5, 3, 2)).astype(np.float32)] + ([rng.standard_normal(5).astype(np.float32)] if bias else [])
    ours_in = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = F.bilinear(*ours_in), torch.nn.functional.bilinear(*theirs_in)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float32
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    w = rng.standard_normal(tuple(theirs.shape)).astype(np.float32)
    (ours * autograd.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, t in zip(ours_in, theirs_in):
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_layer_parameters_init_and_repr_match_torch():
    ours, theirs = nn.Bilinear(4, 3, 2), torch.nn.Bilinear(4, 3, 2)
    assert {k: tuple(np.shape(np.asarray(v))) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert repr(ours) == repr(theirs) and repr(nn.Bilinear(4, 3, 2, bias=False)) == repr(torch.nn.Bilinear(4, 3, 2, bias=False))
    assert np.abs(np.asarray(ours.weight.detach())).max() <= 0.5 and np.asarray(ours.weight.detach()).std() > 0.1
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x1, x2 = rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(ours(autograd.tensor(x1), autograd.tensor(x2)).detach()),
                               theirs(torch.tensor(x1), torch.tensor(x2)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_mismatched_batch_dims_raise_as_torch():
    with pytest.raises(RuntimeError):
        torch.nn.functional.bilinear(torch.ones(2, 3), torch.ones(3, 2), torch.ones(1, 3, 2))
    with pytest.raises(RuntimeError):
        F.bilinear(autograd.ones(2, 3), autograd.ones(3, 2), autograd.ones(1, 3, 2))
