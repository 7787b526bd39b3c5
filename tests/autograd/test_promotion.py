"""Type promotion equals `torch.result_type` over every pairing of operand kinds and dtypes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd.promotion import promote_types, result_type

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
KINDS = ["dim", "zero_d", "scalar", "np_scalar", "np_array"]


def _ours(kind, dtype):
    value = np.ones(2, dtype=dtype)
    if kind == "dim":
        return Tensor(value)
    if kind == "zero_d":
        return Tensor(value[0].copy().reshape(()))
    if kind == "np_array":
        return value
    if kind == "np_scalar":
        return value[0]
    return value[0].item()  # a Python bool, int or float


def _theirs(torch, kind, dtype):
    if kind in ("dim", "np_array"):
        return torch.ones(2, dtype=getattr(torch, dtype))
    if kind == "zero_d":
        return torch.ones((), dtype=getattr(torch, dtype))
    return np.ones(1, dtype=dtype)[0].item()


CASES = [
    (ka, da, kb, db)
    for (ka, da), (kb, db) in itertools.product(itertools.product(KINDS, DTYPES), repeat=2)
    if not (ka in ("scalar", "np_scalar", "np_array") and kb in ("scalar", "np_scalar", "np_array"))
    and not (ka in ("scalar", "np_scalar") and da in ("uint8", "int32", "float32"))
    and not (kb in ("scalar", "np_scalar") and db in ("uint8", "int32", "float32"))
]


@pytest.mark.parametrize(("ka", "da", "kb", "db"), CASES)
def test_result_type_equals_torch(ka, da, kb, db):
    torch = pytest.importorskip("torch")
    a, b = _ours(ka, da), _ours(kb, db)
    expected = torch.result_type(_theirs(torch, ka, da), _theirs(torch, kb, db))
    assert result_type(a, b) == np.dtype(str(expected).replace("torch.", ""))


@pytest.mark.parametrize(("ka", "da", "kb", "db"), [c for c in CASES if "bool" not in (c[1], c[3])])
def test_binary_ops_compute_in_the_promoted_dtype(ka, da, kb, db):
    torch = pytest.importorskip("torch")
    a, b = _ours(ka, da), _ours(kb, db)
    ta, tb = _theirs(torch, ka, da), _theirs(torch, kb, db)
    for name in ("add", "sub", "mul", "div", "maximum"):
        if name == "maximum" and not (isinstance(ta, torch.Tensor) and isinstance(tb, torch.Tensor)):
            continue
        first = Tensor(a) if ka == "np_array" else a
        got = getattr(autograd, name)(first, b)
        expected = getattr(torch, name)(ta, tb)
        assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), (name, got.dtype, expected.dtype)
        np.testing.assert_allclose(got._data, expected.numpy())


def test_promote_types_prefers_floats_over_any_integer():
    assert promote_types(np.int64, np.float32) == np.float32
    assert promote_types(np.float16, np.int64) == np.float16
    assert promote_types(np.uint8, np.int8) == np.int16
    assert promote_types(np.bool_, np.int32) == np.int32


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "log1p"])
def test_float_only_unary_ops_on_integers_give_the_default_float(name):
    x = autograd.tensor([1, 2])
    assert getattr(autograd, name)(x).dtype == np.float32
    assert getattr(autograd, name)(autograd.tensor([True, True])).dtype == np.float32


def test_gradients_keep_the_promoted_dtype():
    x = autograd.ones(3, requires_grad=True)
    s = autograd.tensor(2.0, dtype=autograd.float64, requires_grad=True)
    y = x * s
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and s.grad.dtype == np.float64
    np.testing.assert_allclose(s.grad._data, 3.0)
