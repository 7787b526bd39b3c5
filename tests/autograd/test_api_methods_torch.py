"""autograd/ops/api_methods.py against PyTorch: values, dtypes, shapes, gradients and errors of
the named comparisons, *_as views, clamp_min/max, addcmul/addcdiv, nansum/nanmean, xlogy, diff,
rot90/fliplr/flipud, deg2rad/rad2deg, nan_to_num, count_nonzero, argwhere, sgn, clone."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

rng = np.random.default_rng(3)
X = rng.standard_normal((3, 4))
Y = rng.standard_normal((3, 4))
NANS = X.copy()
NANS[0, 1] = NANS[2, 2] = NANS[2, 3] = np.nan
NANS[1, :] = np.nan
INT = np.array([[3, -7, 0, 2], [5, 0, -1, 0], [1, 1, 0, 9]], dtype=np.int64)

CASES = {
    "eq_int": ("eq", lambda T: (T(INT), T(INT[::-1].copy())), {}),
    "eq_scalar": ("eq", lambda T: (T(X.astype(np.float32)), 0.5), {}),
    "ne": ("ne", lambda T: (T(INT), 0), {}),
    "not_equal": ("not_equal", lambda T: (T(INT), T(INT[:1])), {}),
    "lt": ("lt", lambda T: (T(X), T(Y)), {}), "less": ("less", lambda T: (T(X), 0.0), {}),
    "le": ("le", lambda T: (T(INT), 1), {}), "less_equal": ("less_equal", lambda T: (T(X), T(Y)), {}),
    "gt": ("gt", lambda T: (T(X), T(Y[0])), {}), "greater": ("greater", lambda T: (T(INT), 0), {}),
    "ge": ("ge", lambda T: (T(X), T(Y)), {}),
    "greater_equal": ("greater_equal", lambda T: (T(INT), T(INT)), {}),
    "view_as": ("view_as", lambda T: (T(X), T(np.zeros((2, 6)))), {}),
    "reshape_as": ("reshape_as", lambda T: (T(X.T), T(np.zeros(12))), {}),
    "expand_as": ("expand_as", lambda T: (T(X[:, :1]), T(Y)), {}),
    "clamp_min": ("clamp_min", lambda T: (T(X), 0.1), {}),
    "clamp_min_t": ("clamp_min", lambda T: (T(X), T(Y)), {}),
    "clamp_max": ("clamp_max", lambda T: (T(X), T(Y[0])), {}),
    "addcmul": ("addcmul", lambda T: (T(X), T(Y), T(X[0])), {"value": 0.5}),
    "addcdiv": ("addcdiv", lambda T: (T(X), T(Y), T(X + 3.0)), {"value": -2}),
    "nansum": ("nansum", lambda T: (T(NANS),), {}),
    "nansum_dim": ("nansum", lambda T: (T(NANS), 1), {"keepdim": True}),
    "nansum_int": ("nansum", lambda T: (T(INT),), {"dim": 0}),
    "nanmean": ("nanmean", lambda T: (T(NANS),), {}),
    "nanmean_dim": ("nanmean", lambda T: (T(NANS.astype(np.float32)), 1), {}),
    "nanmean_dims": ("nanmean", lambda T: (T(NANS),), {"dim": (0, 1), "keepdim": True}),
    "xlogy": ("xlogy", lambda T: (T(np.where(X > 0, X, 0.0)), T(np.abs(Y) + 0.1)), {}),
    "xlogy_scalar": ("xlogy", lambda T: (T(X), 2.0), {}),
    "diff": ("diff", lambda T: (T(X),), {}),
    "diff_n2": ("diff", lambda T: (T(X),), {"n": 2, "dim": 0}),
    "diff_ends": ("diff", lambda T: (T(X),), {"prepend": None, "append": None}),
    "diff_int": ("diff", lambda T: (T(INT),), {"dim": 0}),
    "diff_bool": ("diff", lambda T: (T(INT > 0),), {}),
    "diff_too_many": ("diff", lambda T: (T(X),), {"n": 5}),
    "rot90": ("rot90", lambda T: (T(X),), {}),
    "rot90_k2": ("rot90", lambda T: (T(X), 2), {}),
    "rot90_neg": ("rot90", lambda T: (T(X), -1, [1, 0]), {}),
    "rot90_3d": ("rot90", lambda T: (T(np.stack([X, Y])), 3, (2, 0)), {}),
    "rot90_k0": ("rot90", lambda T: (T(X), 4), {}),
    "fliplr": ("fliplr", lambda T: (T(X),), {}),
    "flipud": ("flipud", lambda T: (T(X[0]),), {}),
    "deg2rad": ("deg2rad", lambda T: (T(X.astype(np.float32)),), {}),
    "deg2rad_int": ("deg2rad", lambda T: (T(INT),), {}),
    "rad2deg": ("rad2deg", lambda T: (T(X),), {}),
    "nan_to_num": ("nan_to_num", lambda T: (T(np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)),), {}),
    "nan_to_num_args": ("nan_to_num", lambda T: (T(np.array([np.nan, np.inf, -np.inf, 1.5])),),
                        {"nan": 2.0, "posinf": 9.0, "neginf": -9.0}),
    "nan_to_num_int": ("nan_to_num", lambda T: (T(INT),), {}),
    "count_nonzero": ("count_nonzero", lambda T: (T(INT),), {}),
    "count_nonzero_dim": ("count_nonzero", lambda T: (T(INT),), {"dim": 1}),
    "count_nonzero_dims": ("count_nonzero", lambda T: (T(INT),), {"dim": (0, 1)}),
    "argwhere": ("argwhere", lambda T: (T(INT),), {}),
    "argwhere_0d": ("argwhere", lambda T: (T(np.array(2.0)),), {}),
    "sgn": ("sgn", lambda T: (T(INT),), {}),
    "clone": ("clone", lambda T: (T(X),), {}),
}


def _run(lib, T, case):
    name, build, kwargs = CASES[case]
    leaves = []

    def make(a):
        t = T(a, requires_grad=a.dtype.kind == "f")
        if a.dtype.kind == "f":
            leaves.append(t)
        return t

    args = build(make)
    kw = dict(kwargs)
    if "prepend" in kw:  # tensors of this library, made here
        kw = {"prepend": make(Y[:, :2]), "append": make(Y[:, :1])}
    if not hasattr(torch, name):  # a method only (view_as, expand_as, reshape_as)
        return getattr(args[0], name)(*args[1:], **kw), leaves
    return getattr(lib, name)(*args, **kw), leaves


@pytest.mark.parametrize("case", sorted(CASES))
def test_function_and_gradient_match_torch(case):
    ours, our_leaves = _run(autograd, autograd.tensor, case)
    theirs, their_leaves = _run(torch, torch.tensor, case)
    got, want = np.asarray(ours.detach()), theirs.detach().numpy()
    assert got.dtype == want.dtype, f"{case}: dtype {got.dtype}, torch {want.dtype}"
    assert got.shape == want.shape, f"{case}: shape {got.shape}, torch {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True)
    if theirs.requires_grad:
        weights = np.linspace(-1.0, 2.0, want.size).reshape(want.shape)
        (ours * autograd.tensor(weights.astype(got.dtype))).sum().backward()
        (theirs * torch.tensor(weights.astype(want.dtype))).sum().backward()
        for k, (a, b) in enumerate(zip(our_leaves, their_leaves)):
            if b.grad is None:
                assert a.grad is None or not np.any(np.asarray(a.grad)), f"{case}: input {k}"
                continue
            np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-6, atol=1e-6,
                                       equal_nan=True, err_msg=f"{case}: gradient of input {k}")


@pytest.mark.parametrize("case", ["eq_int", "view_as", "expand_as", "clamp_min", "addcmul",
                                  "nansum_dim", "diff", "rot90", "fliplr", "sgn", "count_nonzero"])
def test_method_equals_function(case):
    name, build, kwargs = CASES[case]
    args = build(lambda a: autograd.tensor(a))
    want = getattr(autograd, name)(*args, **kwargs)
    got = getattr(args[0], name)(*args[1:], **kwargs)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


ERRORS = {
    "fliplr_1d": (lambda L: L.fliplr(L.ones(3))),
    "flipud_0d": (lambda L: L.flipud(L.ones(()))),
    "rot90_1d": (lambda L: L.rot90(L.ones(3))),
    "rot90_same_dims": (lambda L: L.rot90(L.ones(2, 2), 1, (1, 1))),
    "rot90_three_dims": (lambda L: L.rot90(L.ones(2, 2, 2), 1, (0, 1, 2))),
    "nanmean_int": (lambda L: L.nanmean(L.ones(3, dtype=L.int64))),
    "diff_0d": (lambda L: L.diff(L.ones(()))),
    "view_as_incompatible": (lambda L: L.ones(3, 4).view_as(L.ones(5))),
    "expand_as_incompatible": (lambda L: L.ones(3, 4).expand_as(L.ones(2, 4))),
    "eq_shapes": (lambda L: L.eq(L.ones(3), L.ones(4))),
    "addcdiv_int": (lambda L: L.addcdiv(L.ones(3), L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64))),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_torch(case):
    with pytest.raises(Exception) as theirs:
        ERRORS[case](torch)
    with pytest.raises(Exception) as ours:
        ERRORS[case](autograd)
    assert isinstance(ours.value, type(theirs.value)), f"{case}: {ours.value!r} vs torch {theirs.value!r}"
