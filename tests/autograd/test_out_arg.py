"""PyTorch's `out=` on module-level functions: the result written into `out`, as torch does."""

import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor


def _torch():
    return pytest.importorskip("torch")


CASES = [
    ("add", lambda m, a, b: (a, b), {}),
    ("mul", lambda m, a, b: (a, b), {}),
    ("matmul", lambda m, a, b: (a, b.T), {}),
    ("sub", lambda m, a, b: (a, b), {"alpha": 2}),
    ("exp", lambda m, a, b: (a,), {}),
    ("sum", lambda m, a, b: (a, 1), {}),
    ("cat", lambda m, a, b: ([a, b],), {"dim": 0}),
    ("where", lambda m, a, b: (a > 0, a, b), {}),
    ("clamp", lambda m, a, b: (a, -0.5, 0.5), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("out_dtype", ["float32", "float64"])
def test_out_matches_torch(name, args, kwargs, out_dtype):
    torch = _torch()
    if out_dtype == "float64" and name in ("matmul", "where", "clamp"):
        pytest.skip("torch wants the result's own dtype here (test_strict_ops_want_the_dtype)")
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((3, 3)).astype(np.float32) for _ in range(2))
    expected_out = getattr(torch, name)(*args(torch, torch.tensor(a), torch.tensor(b)), **kwargs)
    theirs = torch.zeros(expected_out.shape, dtype=getattr(torch, out_dtype))
    ours = autograd.zeros(tuple(expected_out.shape), dtype=getattr(autograd, out_dtype))
    r_theirs = getattr(torch, name)(*args(torch, torch.tensor(a), torch.tensor(b)), **kwargs, out=theirs)
    r_ours = getattr(autograd, name)(*args(autograd, Tensor(a), Tensor(b)), **kwargs, out=ours)
    assert r_ours is ours and r_theirs is theirs
    assert ours.dtype == np.dtype(out_dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_learn_the_basics_tutorial_lines():
    torch = _torch()
    results = []
    for lib in (torch, autograd):
        tensor = lib.ones(4, 4)
        tensor[:, 1] = 0
        y3 = lib.rand_like(tensor)
        lib.matmul(tensor, tensor.T, out=y3)
        z3 = lib.rand_like(tensor)
        lib.mul(tensor, tensor, out=z3)
        results.append((y3.numpy().copy(), z3.numpy().copy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_several_results_go_into_a_tuple():
    torch = _torch()
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)[:, ::-1].copy()
    got = []
    for lib, wrap in ((torch, torch.tensor), (autograd, Tensor)):
        values, indices = lib.empty(2), lib.empty(2, dtype=lib.int64)
        result = lib.max(wrap(x), 1, out=(values, indices))
        assert result[0] is values and result[1] is indices
        got.append((values.numpy().copy(), indices.numpy().copy()))
    np.testing.assert_array_equal(got[1][0], got[0][0])
    np.testing.assert_array_equal(got[1][1], got[0][1])


def test_a_result_that_cannot_be_cast_raises_as_torch():
    torch = _torch()
    with pytest.raises(RuntimeError) as theirs:
        torch.add(torch.ones(3), 1, out=torch.zeros(3, dtype=torch.long))
    with pytest.raises(RuntimeError) as ours:
        autograd.add(autograd.ones(3), 1, out=autograd.zeros(3, dtype=autograd.int64))
    assert str(ours.value) == str(theirs.value)
    # an integer result into a float or a narrower integer out is fine, as in torch
    out = autograd.zeros(3, dtype=autograd.int32)
    autograd.add(autograd.ones(3, dtype=autograd.int64), 1, out=out)
    assert out.dtype == np.int32 and out.tolist() == [2, 2, 2]


@pytest.mark.parametrize("name", ["matmul", "clamp", "abs", "softmax"])
def test_strict_ops_want_the_result_dtype_as_torch(name):
    torch = _torch()
    args = {"matmul": lambda m: (m.ones(2, 2), m.ones(2, 2)), "clamp": lambda m: (m.ones(2), 0, 1),
            "abs": lambda m: (m.ones(2),), "softmax": lambda m: (m.ones(2), 0)}[name]
    msgs = []
    for lib in (torch, autograd):
        out = lib.zeros(2, 2) if name == "matmul" else lib.zeros(2)
        out = out.double()
        with pytest.raises(RuntimeError) as err:
            getattr(lib, name)(*args(lib), out=out)
        msgs.append(str(err.value))
    # (torch's wording differs between its ops; each names both dtypes)
    assert "Double" in msgs[1] and "Float" in msgs[1]


@pytest.mark.parametrize("which", ["input", "out"])
def test_no_gradient_through_out(which):
    torch = _torch()
    msgs = []
    for lib in (torch, autograd):
        a = lib.ones(3, requires_grad=which == "input")
        out = lib.zeros(3, requires_grad=which == "out")
        with pytest.raises(RuntimeError) as err:
            lib.add(a, 1, out=out)
        msgs.append(str(err.value))
    assert msgs[1] == msgs[0]
    a = autograd.ones(3, requires_grad=True)
    out = autograd.zeros(3)
    with autograd.no_grad():
        autograd.add(a, 1, out=out)  # allowed without grad mode, as in torch
    assert out.tolist() == [2.0, 2.0, 2.0] and not out.requires_grad


def test_out_of_another_shape_is_resized_with_torchs_warning():
    _torch()
    out = autograd.zeros(2)
    version = out._version
    with pytest.warns(UserWarning, match=r"resized since it had shape \[2\]"):
        autograd.add(autograd.ones(3), 1, out=out)
    assert out.shape == (3,) and out.tolist() == [2.0, 2.0, 2.0] and out._version > version
    empty = autograd.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autograd.add(autograd.ones(2), 1, out=empty)  # an empty out resizes silently
    assert empty.tolist() == [2.0, 2.0]


def test_out_that_is_a_view_is_written_through_and_not_resized():
    base = autograd.zeros(2, 3)
    autograd.add(autograd.ones(3), 1, out=base[0])
    assert base.tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]
    with pytest.raises(RuntimeError, match="cannot be resized"):
        autograd.add(autograd.ones(4), 1, out=base[1])


def test_out_must_be_a_tensor_and_methods_take_no_out():
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        autograd.add(autograd.ones(2), 1, out=np.zeros(2))
    with pytest.raises(TypeError):
        autograd.ones(2).add(1, out=autograd.zeros(2))
