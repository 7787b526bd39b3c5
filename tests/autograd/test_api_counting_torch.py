"""unique, bincount, is_floating_point, finfo and iinfo against PyTorch (values, dtypes, shapes,
tuple structure, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

INTS = np.array([[3, 1, 2], [3, 1, 1], [0, 5, 2]], dtype=np.int64)
FLOATS = np.array([2.5, -1.0, 2.5, 0.0, -1.0], dtype=np.float32)

UNIQUE = {
    "flat": (INTS, {}),
    "float": (FLOATS, {}),
    "inverse": (INTS, {"return_inverse": True}),
    "counts": (FLOATS, {"return_counts": True}),
    "both": (INTS, {"return_inverse": True, "return_counts": True}),
    "unsorted": (INTS, {"sorted": False}),
    "dim0": (np.array([[1, 2], [1, 2], [0, 5]]), {"dim": 0, "return_inverse": True, "return_counts": True}),
    "dim1": (INTS, {"dim": -1, "return_counts": True}),
    "scalar": (np.array(5.0, dtype=np.float32), {"return_inverse": True}),
    "empty": (np.zeros(0, dtype=np.float32), {"return_counts": True}),
    "bool": (INTS > 1, {}),
}


def _flat(out):
    return list(out) if isinstance(out, tuple) else [out]


def _same(ours, theirs):
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        want = b.numpy()
        got = np.asarray(a)
        assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", sorted(UNIQUE))
def test_unique_matches_torch(case):
    x, kwargs = UNIQUE[case]
    _same(autograd.unique(autograd.tensor(x), **kwargs), torch.unique(torch.tensor(x), **kwargs))
    _same(autograd.tensor(x).unique(**kwargs), torch.tensor(x).unique(**kwargs))


BINCOUNT = {
    "plain": (np.array([0, 1, 1, 3, 1]), None, 0),
    "minlength": (np.array([2, 0]), None, 5),
    "empty": (np.zeros(0, dtype=np.int64), None, 3),
    "weights32": (np.array([0, 1, 1, 3]), np.array([0.5, 0.5, 1.0, 2.0], np.float32), 0),
    "weights64": (np.array([0, 1]), np.array([1.0, 2.0]), 4),
    "int_weights": (np.array([0, 1, 1]), np.array([1, 2, 3]), 0),
}


@pytest.mark.parametrize("case", sorted(BINCOUNT))
def test_bincount_matches_torch(case):
    x, w, minlength = BINCOUNT[case]
    ours = autograd.bincount(autograd.tensor(x), None if w is None else autograd.tensor(w), minlength)
    theirs = torch.bincount(torch.tensor(x), None if w is None else torch.tensor(w), minlength)
    _same(ours, theirs)
    _same(autograd.tensor(x).bincount(minlength=minlength), torch.tensor(x).bincount(minlength=minlength))


@pytest.mark.parametrize("call", [
    lambda L: L.bincount(L.tensor([-1, 2])),
    lambda L: L.bincount(L.tensor([[1]])),
    lambda L: L.bincount(L.tensor([1.0])),
    lambda L: L.bincount(L.tensor([1]), minlength=-1),
    lambda L: L.finfo(L.int32),
    lambda L: L.iinfo(L.float32),
    lambda L: L.iinfo(L.bool),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(autograd)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_finfo_matches_torch(dtype):
    ours, theirs = autograd.finfo(getattr(autograd, dtype)), torch.finfo(getattr(torch, dtype))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, attr) == getattr(theirs, attr) and type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert ours.dtype == theirs.dtype and repr(ours) == repr(theirs)


def test_finfo_without_argument_is_the_default_dtype():
    assert autograd.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo_matches_torch(dtype):
    ours, theirs = autograd.iinfo(getattr(autograd, dtype)), torch.iinfo(getattr(torch, dtype))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert type(ours.max) is int and repr(ours) == repr(theirs)


@pytest.mark.parametrize("x", [np.ones(2, np.float32), np.ones(2), np.ones(2, np.int64), np.ones(2, bool)])
def test_is_floating_point_matches_torch(x):
    assert autograd.is_floating_point(autograd.tensor(x)) is torch.is_floating_point(torch.tensor(x))
