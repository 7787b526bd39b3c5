"""InstanceNorm1d/2d/3d and F.instance_norm against PyTorch: outputs, gradients (input and
affine parameters), running statistics in training and their use in eval, unbatched input,
state_dict keys, repr, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

SHAPES = {1: (2, 3, 7), 2: (2, 3, 4, 5), 3: (2, 3, 2, 3, 4)}


def _pair(d, **kwargs):
    ours = getattr(nn, f"InstanceNorm{d}d")(3, **kwargs)
    theirs = getattr(torch.nn, f"InstanceNorm{d}d")(3, **kwargs)
    if kwargs.get("affine"):
        w = np.array([0.5, 1.5, -1.0], np.float32)
        b = np.array([0.1, -0.2, 0.3], np.float32)
        ours.weight.data.copy_(autograd.tensor(w))
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(w))
        if kwargs.get("bias", True):
            ours.bias.data.copy_(autograd.tensor(b))
            with torch.no_grad():
                theirs.bias.copy_(torch.tensor(b))
    return ours, theirs


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True, "momentum": 0.3}, {"affine": True, "bias": False},
                                    {"track_running_stats": True, "momentum": None}])
@pytest.mark.parametrize("batched", [True, False])
def test_layer_matches_torch(d, kwargs, batched):
    ours, theirs = _pair(d, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(d)
    shape = SHAPES[d] if batched else SHAPES[d][1:]
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + step).astype(np.float32)
        a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_a, out_t = ours(a), theirs(t)
        np.testing.assert_allclose(np.asarray(out_a.detach()), out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
        w = rng.standard_normal(shape).astype(np.float32)
        (out_a * autograd.tensor(w)).sum().backward()
        (out_t * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), value.numpy(), rtol=1e-5, atol=1e-6)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(np.asarray(ours(autograd.tensor(x))), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_functional_with_running_stats_matches_torch():
    x = np.random.default_rng(0).standard_normal((4, 3, 6)).astype(np.float32)
    rm_a, rv_a = autograd.zeros(3), autograd.ones(3)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    out_a = F.instance_norm(autograd.tensor(x), rm_a, rv_a, momentum=0.2)
    out_t = torch.nn.functional.instance_norm(torch.tensor(x), rm_t, rv_t, momentum=0.2)
    np.testing.assert_allclose(np.asarray(out_a), out_t.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(rm_a), rm_t.numpy(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(rv_a), rv_t.numpy(), rtol=1e-5)
    out_a = F.instance_norm(autograd.tensor(x), rm_a, rv_a, use_input_stats=False)
    out_t = torch.nn.functional.instance_norm(torch.tensor(x), rm_t, rv_t, use_input_stats=False)
    np.testing.assert_allclose(np.asarray(out_a), out_t.numpy(), rtol=1e-5, atol=1e-6)


def test_num_features_mismatch_warns_or_raises_as_torch():
    x = autograd.randn(2, 4, 5)
    with pytest.raises(ValueError):
        nn.InstanceNorm1d(3, affine=True)(x)
    with pytest.raises(ValueError):
        torch.nn.InstanceNorm1d(3, affine=True)(torch.randn(2, 4, 5))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(x)
    assert any("num_features" in str(w.message) for w in seen)


@pytest.mark.parametrize("call", [
    lambda L, T: L.InstanceNorm2d(3)(T(np.ones((3, 4), np.float32))),
    lambda L, T: L.InstanceNorm1d(3)(T(np.ones((2, 3, 1), np.float32))),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn, torch.tensor)
    with pytest.raises(type(theirs.value)):
        call(nn, autograd.tensor)
