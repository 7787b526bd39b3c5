"""Every API.md function that PyTorch has too gives PyTorch's output dtype, shape and values.

A smoke test: one float32 call per name (plus the integer/bool call where that is the function's
point), built by a small table of sample builders that runs the same in both libraries. Each
builder takes `T` (array -> tensor of the library under test) and returns `(args, kwargs)`.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd

from .test_api_contract import FUNCTIONS, MATH, STRUCTURE

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((3, 4)).astype(np.float32)  # no ties, no zeros
Y = _rng.standard_normal((3, 4)).astype(np.float32)
W = _rng.standard_normal((4, 2)).astype(np.float32)
V4 = _rng.standard_normal(4).astype(np.float32)
V3 = _rng.standard_normal(3).astype(np.float32)
SQ = _rng.standard_normal((3, 3)).astype(np.float32)
B1 = _rng.standard_normal((2, 3, 4)).astype(np.float32)
B2 = _rng.standard_normal((2, 4, 5)).astype(np.float32)
POS = np.abs(X) + 0.5
UNIT = np.tanh(X) * 0.9
GT1 = POS + 1.0
PROB = (np.tanh(X) + 1.0) * 0.45 + 0.05
IDX = np.array([[0, 2], [1, 3], [3, 0]], dtype=np.int64)
ROWS = np.array([2, 0], dtype=np.int64)
MASK = X > 0
INT = np.array([[3, -7, 2], [5, 0, -1]], dtype=np.int64)


def _unary(a=X):
    return lambda T: ((T(a),), {})


def _binary(a=X, b=Y):
    return lambda T: ((T(a), T(b)), {})


SAMPLES = {
    **{n: _unary() for n in """neg exp abs sign sin cos tan tanh sigmoid relu sum mean var std
    max min amax amin argmax argmin prod floor ceil round trunc frac square exp2 atan sinh asinh
    erf isnan isinf isfinite norm flatten cumsum_unused""".split()},
    **{n: _unary(POS) for n in "log log1p sqrt rsqrt reciprocal log2 log10".split()},
    **{n: _unary(UNIT) for n in "asin acos atanh erfinv".split()},
    "acosh": _unary(GT1),
    "cosh": _unary(),
    "logit": _unary(PROB),
    **{n: _binary() for n in """add sub mul div maximum minimum atan2 fmod remainder copysign
    hypot isclose allclose equal""".split()},
    "pow": _binary(POS, Y),
    "logical_and": _binary(MASK, ~MASK), "logical_or": _binary(MASK, ~MASK),
    "logical_xor": _binary(MASK, MASK), "logical_not": _unary(MASK),
    "any": lambda T: ((T(MASK),), {"dim": 1}), "all": lambda T: ((T(MASK),), {"dim": 0}),
    "std_mean": lambda T: ((T(X),), {"dim": 1}), "var_mean": lambda T: ((T(X),), {"dim": 0}),
    "clamp": lambda T: ((T(X),), {"min": T(-Y * 0.5), "max": T(np.abs(Y))}),
    "clip": lambda T: ((T(X),), {"min": -0.5, "max": 0.5}),
    "where": lambda T: ((T(MASK), T(X), T(Y)), {}),
    "logsumexp": lambda T: ((T(X),), {"dim": 1}),
    "softmax": lambda T: ((T(X),), {"dim": 1}),
    "log_softmax": lambda T: ((T(X),), {"dim": 0}),
    "matmul": _binary(X, W), "mm": _binary(X, W), "dot": _binary(V4, V4),
    "mv": _binary(X, V4), "outer": _binary(V3, V4), "bmm": _binary(B1, B2),
    "addmm": lambda T: ((T(V4[:2]), T(X), T(W)), {"beta": 0.5, "alpha": 2.0}),
    "baddbmm": lambda T: ((T(np.ones((2, 3, 5), np.float32)), T(B1), T(B2)), {"alpha": 0.5}),
    "einsum": lambda T: (("...ij,jk->...ik", T(B1), T(W)), {}),
    "reshape": lambda T: ((T(X), (2, 6)), {}),
    "transpose": lambda T: ((T(X), 0, 1), {}),
    "permute": lambda T: ((T(B1), (2, 0, 1)), {}),
    "squeeze": lambda T: ((T(X[None]),), {}),
    "unsqueeze": lambda T: ((T(X), 1), {}),
    "broadcast_to": lambda T: ((T(V4), (3, 4)), {}),
    "cat": lambda T: (([T(X), T(Y)],), {"dim": 1}),
    "concatenate": lambda T: (([T(X), T(Y)],), {"dim": 0}),
    "stack": lambda T: (([T(X), T(Y)],), {"dim": 1}),
    "split": lambda T: ((T(X), 3), {"dim": 1}),
    "chunk": lambda T: ((T(X), 2), {"dim": 1}),
    "unbind": lambda T: ((T(X),), {"dim": 1}),
    "flip": lambda T: ((T(X), (0, 1)), {}),
    "gather": lambda T: ((T(X), 1, T(IDX)), {}),
    "masked_fill": lambda T: ((T(X), T(MASK), 0.5), {}),
    "lerp": lambda T: ((T(X), T(Y), 0.25), {}),
    "tril": lambda T: ((T(X),), {"diagonal": -1}), "triu": lambda T: ((T(X),), {"diagonal": 1}),
    "diag": _unary(V4), "diagonal": lambda T: ((T(B1),), {"offset": 1, "dim1": 1, "dim2": 2}),
    "trace": _unary(SQ),
    "cumsum": lambda T: ((T(X), 1), {}), "cumprod": lambda T: ((T(X), 0), {}),
    "cummax": lambda T: ((T(X), 1), {}), "cummin": lambda T: ((T(X), 0), {}),
    "logcumsumexp": lambda T: ((T(X), 1), {}),
    "sort": lambda T: ((T(X),), {"dim": 1, "descending": True}),
    "argsort": lambda T: ((T(X),), {"dim": 0}),
    "topk": lambda T: ((T(X), 2), {"dim": 1}),
    "kthvalue": lambda T: ((T(X), 2, 1), {}),
    "median": lambda T: ((T(X),), {"dim": 1}),
    "scatter": lambda T: ((T(X), 1, T(IDX[:, :1]), T(Y[:, :1])), {}),
    "scatter_add": lambda T: ((T(X), 1, T(IDX), T(Y[:, :2])), {}),
    "scatter_reduce": lambda T: ((T(X), 1, T(IDX), T(Y[:, :2])), {"reduce": "amax"}),
    "index_select": lambda T: ((T(X), 0, T(ROWS)), {}),
    "masked_select": lambda T: ((T(X), T(MASK)), {}),
    "take": lambda T: ((T(X), T(IDX)), {}),
    "take_along_dim": lambda T: ((T(X), T(IDX)), {"dim": 1}),
    "nonzero": _unary(MASK),
    "roll": lambda T: ((T(X), 1, 1), {}),
    "narrow": lambda T: ((T(X), 1, 1, 2), {}),
    "unflatten": lambda T: ((T(X), 1, (2, 2)), {}),
    "movedim": lambda T: ((T(B1), 0, 2), {}),
    "swapaxes": lambda T: ((T(B1), 0, 2), {}),
    "repeat_interleave": lambda T: ((T(X), 2), {"dim": 0}),
    "tile": lambda T: ((T(X), (2, 1)), {}),
    "meshgrid": lambda T: ((T(V3), T(V4)), {"indexing": "ij"}),
}
SAMPLES.pop("cumsum_unused")
# Methods whose arguments differ from the function's (`x.where(condition, y)`).
METHOD_SAMPLES = {"where": lambda T: ((T(X), T(MASK), T(Y)), {})}
# Integer inputs where PyTorch's integer semantics are the point (dtype of the result).
INT_SAMPLES = {
    "div_floor": ("div", lambda T: ((T(INT), T(np.full_like(INT, 2))), {"rounding_mode": "floor"})),
    "div_trunc": ("div", lambda T: ((T(INT), 2), {"rounding_mode": "trunc"})),
    "fmod_int": ("fmod", lambda T: ((T(INT), 3), {})),
    "remainder_int": ("remainder", lambda T: ((T(INT), 3), {})),
    "sum_int": ("sum", _unary(INT)),
    "cumsum_int": ("cumsum", lambda T: ((T(INT), 1), {})),
    "abs_int": ("abs", _unary(INT)),
    "argmax_int": ("argmax", _unary(INT)),
    "prod_bool": ("prod", _unary(MASK)),
    "sum_bool": ("sum", _unary(MASK)),
}


def _names_in_both():
    return [n for n in dict.fromkeys(FUNCTIONS + MATH + STRUCTURE)
            if hasattr(torch, n) and hasattr(autograd, n)]


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def _check_same(name, ours, theirs):
    ours, theirs = _flatten(ours), _flatten(theirs)
    assert len(ours) == len(theirs), f"{name}: {len(ours)} outputs, torch gives {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, autograd.Tensor), f"{name}[{k}]: {type(a).__name__}, not a Tensor"
            want = b.numpy()
            got = np.asarray(a.detach())
            assert got.dtype == want.dtype, f"{name}[{k}]: dtype {got.dtype}, torch {want.dtype}"
            assert got.shape == want.shape, f"{name}[{k}]: shape {got.shape}, torch {want.shape}"
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, equal_nan=True,
                                       err_msg=f"{name}[{k}]")
        else:
            assert type(a) is type(b) and a == b, f"{name}[{k}]: {a!r}, torch {b!r}"


def _run(name, builder):
    args, kwargs = builder(lambda a: autograd.tensor(a))
    targs, tkwargs = builder(lambda a: torch.tensor(a))
    _check_same(name, getattr(autograd, name)(*args, **kwargs), getattr(torch, name)(*targs, **tkwargs))


@pytest.mark.parametrize("name", _names_in_both())
def test_function_matches_torch(name):
    if name not in SAMPLES:
        pytest.fail(f"{name}: add a sample builder to SAMPLES")
    _run(name, SAMPLES[name])


@pytest.mark.parametrize("case", sorted(INT_SAMPLES))
def test_integer_semantics_match_torch(case):
    name, builder = INT_SAMPLES[case]
    _run(name, builder)


@pytest.mark.parametrize("name", _names_in_both())
def test_method_matches_torch(name):
    """The Tensor method of the same name (where torch.Tensor has one) gives the same result."""
    if not hasattr(torch.Tensor, name) or name not in SAMPLES:
        pytest.skip(f"torch.Tensor has no {name!r} method")
    builder = METHOD_SAMPLES.get(name, SAMPLES[name])
    args, kwargs = builder(lambda a: autograd.tensor(a))
    targs, tkwargs = builder(lambda a: torch.tensor(a))
    if not isinstance(targs[0], torch.Tensor):
        pytest.skip(f"{name} takes no tensor first")
    ours = getattr(args[0], name)(*args[1:], **kwargs)
    _check_same(name, ours, getattr(targs[0], name)(*targs[1:], **tkwargs))
