"""Tests generated from the op table: forward vs numpy, gradcheck, broadcasting, second order."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck
from autograd.ops.registry import REGISTRY
from autograd.testing import broadcastable_shapes

from .optable import (
    draw_array,
    flat_outputs,
    identity,
    materialize,
    to_numpy,
    vjps_must_return_arrays,
)

CONTRACT = (
    "add sub mul div neg pow exp log log1p sqrt abs sign sin cos tan tanh sigmoid relu clamp clip "
    "maximum minimum where sum mean var std max min amax amin argmax argmin prod logsumexp softmax "
    "log_softmax matmul dot einsum reshape view flatten transpose permute squeeze unsqueeze expand "
    "broadcast_to cat concatenate stack split chunk pad flip repeat gather masked_fill one_hot"
).split()

CASES = [
    pytest.param(info, k, id=f"{info.name}-{k}")
    for info in REGISTRY.values()
    for k in range(len(info.samples))
]
DIFF_CASES = [c for c in CASES if c.values[0].differentiable]
SMOOTH_CASES = [c for c in DIFF_CASES if c.values[0].smooth]


# API.md's "Names that PyTorch programs use (v2)": math and structure (linalg.* entries are
# named linalg_*: `autograd.linalg` re-exports them under PyTorch's names)
CONTRACT_V2 = (
    "floor ceil round trunc frac rsqrt reciprocal square log2 log10 exp2 sin cos tan asin acos atan "
    "atan2 sinh cosh asinh acosh atanh erf erfinv logit fmod remainder copysign lerp hypot div clamp "
    "isnan isinf isfinite isclose allclose equal logical_and logical_or logical_xor logical_not any all "
    "std_mean var_mean norm linalg_norm linalg_vector_norm linalg_matrix_norm "
    "tril triu diag diagonal trace outer cumsum cumprod cummax cummin logcumsumexp sort argsort topk "
    "kthvalue median scatter scatter_add scatter_reduce index_select masked_select take take_along_dim "
    "nonzero roll narrow unflatten movedim swapaxes repeat_interleave tile meshgrid flatten mm bmm mv "
    "addmm baddbmm einsum pad gather view unbind"
).split()


def _names() -> set:
    return {n for info in REGISTRY.values() for n in (info.name, *info.aliases)}


def test_every_contract_function_has_a_table_entry():
    missing = [n for n in CONTRACT + CONTRACT_V2 if n not in _names()]
    assert not missing, f"functions of the contract with no op-table entry: {missing}"


def test_linalg_namespace_holds_the_norms():
    assert autograd.linalg.norm is REGISTRY["linalg_norm"].fn
    assert autograd.linalg.vector_norm is REGISTRY["linalg_vector_norm"].fn
    assert autograd.linalg.matrix_norm is REGISTRY["linalg_matrix_norm"].fn


def test_every_exported_op_function_is_in_the_table():
    """A function exported by autograd from the ops package must have an entry (and samples)."""
    names = _names()
    exported = [
        n for n in autograd.__all__
        if inspect.isfunction(getattr(autograd, n)) and getattr(autograd, n).__module__.startswith("autograd.ops")
    ]
    assert exported, "no op functions exported"
    missing = [n for n in exported if n not in names]
    assert not missing, f"exported ops with no table entry: {missing}"
    assert all(REGISTRY[n].samples for n in REGISTRY), "every entry needs sample inputs"


def test_methods_exist_on_tensor():
    for info in REGISTRY.values():
        if info.method:
            assert getattr(Tensor, info.method) is info.fn, info.name


@pytest.mark.parametrize(("info", "k"), CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_numpy_reference(info, k, dtype):
    rng = np.random.default_rng(k)
    sample = info.samples[k]
    arrays, build = materialize(info, sample, rng, dtype)
    expected = flat_outputs(info.ref(*build([a.astype(np.float64) for a in arrays], identity), **sample.kwargs))
    got = flat_outputs(info.fn(*build(arrays, lambda a: Tensor(a)), **sample.kwargs))
    assert len(got) == len(expected), f"{info.name}: {len(got)} outputs, reference has {len(expected)}"
    for g, e in zip(got, expected):
        if type(e) is bool:  # allclose, equal: a Python bool, as PyTorch
            assert type(g) is bool and g == e, f"{info.name}: {g!r} != reference {e!r}"
            continue
        assert isinstance(g, Tensor), f"{info.name} returned {type(g).__name__}, not a Tensor"
        e = np.asarray(e)
        assert g.shape == e.shape, f"{info.name}: shape {g.shape} != reference {e.shape}"
        if e.dtype.kind == "f":
            assert g.dtype == dtype, f"{info.name}: {dtype.__name__} input gave {g.dtype}"
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(g._data, e, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(g._data, e)


def _gradcheck_fn(info, sample, build):
    def fn(*tensors):
        return tuple(o for o in flat_outputs(info.fn(*build(list(tensors), identity), **sample.kwargs))
                     if isinstance(o, Tensor) and o.dtype.kind == "f")
    return fn


@pytest.mark.parametrize(("info", "k"), DIFF_CASES)
def test_gradient_matches_finite_differences(info, k):
    rng = np.random.default_rng(100 + k)
    sample = info.samples[k]
    arrays, build = materialize(info, sample, rng)
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(_gradcheck_fn(info, sample, build), inputs, atol=info.atol)


@pytest.mark.parametrize(("info", "k"), DIFF_CASES)
def test_plain_backward_passes_arrays_between_vjps(info, k):
    # a first-order backward runs VJPs on ndarrays and must get ndarrays back (no Tensors built)
    rng = np.random.default_rng(300 + k)
    sample = info.samples[k]
    arrays, build = materialize(info, sample, rng)
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    outs = _gradcheck_fn(info, sample, build)(*inputs)
    total = outs[0].sum()
    for o in outs[1:]:
        total = total + o.sum()
    with vjps_must_return_arrays():
        total.backward()
    for t in inputs:
        assert t.grad is None or type(t.grad._data) is np.ndarray


@pytest.mark.parametrize(("info", "k"), SMOOTH_CASES)
def test_second_derivative_matches_finite_differences(info, k):
    rng = np.random.default_rng(200 + k)
    sample = info.samples[k]
    arrays, build = materialize(info, sample, rng)
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    assert gradgradcheck(_gradcheck_fn(info, sample, build), inputs, atol=1e-4)


BROADCAST_OPS = [pytest.param(info, id=info.name) for info in REGISTRY.values() if info.broadcast]


@pytest.mark.parametrize("info", BROADCAST_OPS)
@given(shapes=broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_broadcasting_forward_and_gradient(info, shapes, seed):
    rng = np.random.default_rng(seed)
    xs = [draw_array(s, info.domain, rng) for s in shapes]
    expected = info.ref(*xs)
    got = info.fn(*[Tensor(x) for x in xs])
    np.testing.assert_allclose(got._data, expected, rtol=1e-12)
    inputs = [Tensor(x, requires_grad=True) for x in xs]
    assert gradcheck(lambda a, b: info.fn(a, b), inputs)
    out = info.fn(*inputs)
    out.sum().backward()
    for x, t in zip(xs, inputs):
        assert t.grad.shape == x.shape, f"{info.name}: grad shape {t.grad.shape} != input {x.shape}"


def test_forward_helper_outputs_are_numpy():
    assert isinstance(to_numpy(Tensor([1.0])), np.ndarray)
