"""nn.utils: gradient clipping by norm and value, parameter <-> vector conversion."""

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(Tensor(np.zeros(np.shape(g), dtype=np.float32)))
        p.grad = Tensor(np.array(g, dtype=np.float32))
        params.append(p)
    return params


def test_clip_grad_norm_scales_all_gradients_jointly():
    params = params_with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.dtype == np.float32 and total.shape == ()
    assert total.item() == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad._data, [3 * scale, 0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad._data, [[4 * scale]], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_and_accepts_generators():
    lin = nn.Linear(3, 2)
    lin(autograd.randn(4, 3)).sum().backward()
    before = [p.grad._data.copy() for p in lin.parameters()]
    expected = math.sqrt(sum(float((b.astype(np.float64) ** 2).sum()) for b in before))
    total = clip_grad_norm_(lin.parameters(), max_norm=1e6)
    assert total.item() == pytest.approx(expected, rel=1e-6)
    for p, b in zip(lin.parameters(), before):
        np.testing.assert_array_equal(p.grad._data, b)


def test_clip_grad_norm_other_norms_and_missing_grads():
    params = params_with_grads([1.0, -2.0], [2.0])
    params.append(nn.Parameter(Tensor([1.0])))  # no grad: skipped
    assert clip_grad_norm_(params, 10.0, norm_type=1).item() == pytest.approx(5.0)
    assert clip_grad_norm_(params, 10.0, norm_type=float("inf")).item() == pytest.approx(2.0)
    clip_grad_norm_(params, 1.0, norm_type="inf")
    np.testing.assert_allclose(params[0].grad._data, [0.5, -1.0], rtol=1e-5)
    assert clip_grad_norm_([nn.Parameter(Tensor([1.0]))], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    params = params_with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_(params, 1.0).item())


def test_clip_grad_value_clamps_in_place():
    params = params_with_grads([-3.0, 0.5, 2.0])
    grad = params[0].grad
    clip_grad_value_(params, 1.0)
    assert params[0].grad is grad
    np.testing.assert_array_equal(grad._data, [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        clip_grad_value_(params, -1.0)


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec._data, np.concatenate([lin.weight._data.ravel(), lin.bias._data]))
    new = Tensor(np.arange(8, dtype=np.float32))
    weight_array = lin.weight._data
    vector_to_parameters(new, lin.parameters())
    assert lin.weight._data is weight_array
    np.testing.assert_array_equal(lin.weight._data, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(lin.bias._data, [6, 7])
    with pytest.raises(ValueError, match="has 7 elements but the parameters hold 8"):
        vector_to_parameters(Tensor(np.zeros(7)), lin.parameters())


def test_parameters_to_vector_is_differentiable():
    a, b = nn.Parameter(Tensor([1.0, 2.0])), nn.Parameter(Tensor([[3.0]]))
    (parameters_to_vector([a, b]) ** 2).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [2.0, 4.0])
    np.testing.assert_array_equal(b.grad._data, [[6.0]])


def test_clip_grad_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (4,), (2, 2, 2)]]
    for norm_type in (2.0, 1.0, 3.0, float("inf")):
        ours = params_with_grads(*grads)
        theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        a = clip_grad_norm_(ours, 0.5, norm_type)
        b = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        assert a.item() == pytest.approx(b.item(), rel=1e-5)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-5, atol=1e-7)
