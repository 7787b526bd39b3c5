"""Differential test against PyTorch: hypothesis builds random programs (broadcasting, indexing with
ints/slices/arrays/masks, reductions, matmul, views, in-place updates, __setitem__) and runs each
on tapegrad and on PyTorch in lockstep; values, dtypes, shapes, gradients and errors must agree.

Bounded by the test profile (tests/conftest.py); ``TAPEGRAD_DIFF_EXAMPLES=3000`` runs more.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd

torch = pytest.importorskip("torch")

EXAMPLES = int(os.environ.get("TAPEGRAD_DIFF_EXAMPLES", "0"))
_settings = settings(max_examples=EXAMPLES) if EXAMPLES else (lambda f: f)

LIBS = (autograd, torch)


def _const(lib, array, dtype):
    if lib is torch:
        return torch.tensor(array, dtype=getattr(torch, np.dtype(dtype).name))
    return autograd.tensor(np.asarray(array, dtype=dtype))


def _index(lib, array):
    return lib.tensor(np.asarray(array))


class Program:
    """Runs the same steps on both libraries: `h` is the current value (a pair), `x` and `w` the
    leaves (pairs), `log` what was done (shown when an example fails)."""

    def __init__(self, data, dtype):
        self.data = data
        self.dtype = dtype
        self.rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
        shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape"))
        wshape = data.draw(st.sampled_from([shape, shape[-1:], (1,) * len(shape), ()]), label="wshape")
        xs = self.rng.uniform(-1.5, 1.5, shape).astype(dtype)
        ws = self.rng.uniform(-1.5, 1.5, wshape).astype(dtype)
        self.x = tuple(_leaf(lib, xs) for lib in LIBS)
        self.w = tuple(_leaf(lib, ws) for lib in LIBS)
        self.h = tuple(x * 1.0 for x in self.x)
        self.log = [f"x{shape} w{wshape} {np.dtype(dtype).name}"]

    def apply(self, name, fn):
        """h = fn(lib, h, x, w) on both; returns False when both raised (the program stops)."""
        results, errors = [], []
        for i, lib in enumerate(LIBS):
            try:
                results.append(fn(lib, self.h[i], self.x[i], self.w[i]))
                errors.append(None)
            except (RuntimeError, IndexError, ValueError) as exc:
                results.append(None)
                errors.append(exc)
        self.log.append(name)
        if errors[1] is not None:
            assert errors[0] is not None, f"PyTorch raised {errors[1]!r}, tapegrad did not: {self.log}"
            return False
        assert errors[0] is None, f"tapegrad raised {errors[0]!r}, PyTorch did not: {self.log}"
        self.h = tuple(results)
        self.check()
        return True

    def check(self):
        ours, theirs = self.h
        assert ours.shape == tuple(theirs.shape), self.log
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")), self.log
        _close(ours._data, theirs.detach().numpy(), self.dtype, self.log)


def _leaf(lib, array):
    t = _const(lib, array, array.dtype)
    t.requires_grad_(True)
    return t


def _close(a, b, dtype, log):
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=str(log))


def _step(prog: Program):
    """Draw one step that fits the current shape and run it."""
    d = prog.data
    shape = tuple(prog.h[0].shape)
    nd = len(shape)
    kinds = ["binary", "scalar", "unary", "inplace", "view_inplace"]
    if nd:
        kinds += ["reduce", "index", "matmul", "setitem"]
    kind = d.draw(st.sampled_from(kinds), label="kind")
    if kind == "binary":
        op = d.draw(st.sampled_from(["add", "sub", "mul", "div", "maximum", "rsub"]))
        fns = {
            "add": lambda L, h, x, w: h + w, "sub": lambda L, h, x, w: h - w,
            "mul": lambda L, h, x, w: h * w, "div": lambda L, h, x, w: h / (w * w + 1),
            "maximum": lambda L, h, x, w: L.maximum(h, w * 1), "rsub": lambda L, h, x, w: x - h,
        }
        return prog.apply(op, fns[op])
    if kind == "scalar":
        c = d.draw(st.sampled_from([2.5, -1, 0.5, np.float64(1.5), "0d", "int"]))
        if c == "0d":
            return prog.apply("h * 0-d f64", lambda L, h, x, w: h * _const(L, np.array(1.25), np.float64))
        if c == "int":
            return prog.apply("h + int tensor", lambda L, h, x, w: h + _const(L, np.ones(h.shape[-1:] or (), np.int64), np.int64))
        return prog.apply(f"h * {c!r} + 1", lambda L, h, x, w: h * c + 1)
    if kind == "unary":
        op = d.draw(st.sampled_from(["tanh", "sigmoid", "relu", "abs", "exp_tanh", "square", "neg"]))
        fns = {
            "tanh": lambda L, h, x, w: h.tanh(), "sigmoid": lambda L, h, x, w: h.sigmoid(),
            "relu": lambda L, h, x, w: h.relu(), "abs": lambda L, h, x, w: h.abs(),
            "exp_tanh": lambda L, h, x, w: h.tanh().exp(), "square": lambda L, h, x, w: h ** 2,
            "neg": lambda L, h, x, w: -h,
        }
        return prog.apply(op, fns[op])
    if kind == "reduce":
        dim = d.draw(st.integers(-nd, nd - 1))
        keep = d.draw(st.booleans())
        op = d.draw(st.sampled_from(["sum", "mean", "amax", "max", "logsumexp", "std"]))
        if op == "max":
            return prog.apply(f"max({dim})", lambda L, h, x, w: h.max(dim, keepdim=keep)[0])
        if op == "logsumexp":
            return prog.apply(f"logsumexp({dim})", lambda L, h, x, w: h.logsumexp(dim, keepdim=keep))
        if op == "std" and shape[dim] < 2:
            op = "sum"
        return prog.apply(f"{op}({dim}, {keep})", lambda L, h, x, w: getattr(h, op)(dim, keepdim=keep))
    if kind == "index":
        key = _draw_key(d, shape, prog.rng)
        return prog.apply(f"h[{key}]", lambda L, h, x, w: h[_key_for(L, key)])
    if kind == "matmul":
        k = d.draw(st.integers(1, 3))
        m = prog.rng.uniform(-1, 1, (shape[-1], k)).astype(prog.dtype)
        return prog.apply(f"h @ ({shape[-1]}, {k})", lambda L, h, x, w: h @ _const(L, m, prog.dtype))
    if kind == "setitem":
        key = _draw_key(d, shape, prog.rng, basic_only=False)
        return prog.apply(f"h[{key}] = 0.1 * w.sum()", lambda L, h, x, w: _setitem(L, h, key, w))
    if kind == "inplace":
        op = d.draw(st.sampled_from(["add_", "mul_", "sub_w", "relu_", "clamp_", "iadd", "imul_w", "div_"]))
        fns = {
            "add_": lambda L, h, x, w: h.add_(0.5, alpha=2),
            "mul_": lambda L, h, x, w: h.mul_(-1.5),
            "sub_w": lambda L, h, x, w: h.sub_(w),
            "relu_": lambda L, h, x, w: h.relu_(),
            "clamp_": lambda L, h, x, w: h.clamp_(-0.5, 0.8),
            "iadd": lambda L, h, x, w: h.__iadd__(x if tuple(x.shape) == tuple(h.shape) else 1.0),
            "imul_w": lambda L, h, x, w: h.__imul__(w),
            "div_": lambda L, h, x, w: h.div_(w * w + 2),
        }
        return prog.apply(op, fns[op])
    view = d.draw(st.sampled_from(["T", "row", "slice", "flat", "unsqueeze", "transpose"]))
    change = d.draw(st.sampled_from(["mul_", "add_w", "zero_", "exp_"]))
    return prog.apply(f"{view}.{change} (then the base)", lambda L, h, x, w: _view_change(L, h, w, view, change))


def _draw_key(d, shape, rng, basic_only=False):
    choice = d.draw(st.sampled_from(["int", "slice", "array", "mask", "int_array", "ellipsis"]))
    n = shape[0]
    if 0 in shape:  # an empty tensor: only a mask or an empty slice index it
        return ("mask", np.zeros(shape, dtype=bool).tolist()) if choice == "mask" else ("slice", 0, 0, 1)
    if choice == "int":
        return ("int", d.draw(st.integers(-n, n - 1)))
    if choice == "slice":
        start = d.draw(st.integers(0, max(n - 1, 0)))
        return ("slice", start, d.draw(st.integers(start + 1, n)), d.draw(st.integers(1, 2)))
    if choice == "array":
        return ("array", rng.integers(0, n, d.draw(st.integers(1, 4))).tolist())
    if choice == "mask":
        return ("mask", (rng.random(shape) < 0.5).tolist())
    if choice == "int_array" and len(shape) >= 3:
        return ("int_array", d.draw(st.integers(0, n - 1)), rng.integers(0, shape[2], 2).tolist())
    return ("ellipsis", d.draw(st.integers(0, shape[-1] - 1)))


def _key_for(lib, key):
    kind = key[0]
    if kind == "int":
        return key[1]
    if kind == "slice":
        return slice(key[1], key[2], key[3])
    if kind == "array":
        return _index(lib, key[1])
    if kind == "mask":
        return _index(lib, np.array(key[1], dtype=bool))
    if kind == "int_array":
        return (key[1], slice(None), _index(lib, key[2]))
    return (Ellipsis, key[1])


def _setitem(lib, h, key, w):
    h[_key_for(lib, key)] = w.sum() * 0.1
    return h


def _view_change(lib, h, w, view, change):
    if view == "T":
        v = h.T if h.ndim == 2 else (h.permute(*range(h.ndim - 1, -1, -1)) if h.ndim else h)
    elif view == "row":
        v = h[0] if h.ndim else h
    elif view == "slice":
        v = h[..., :1] if h.ndim else h
    elif view == "flat":
        v = h.reshape(-1)
    elif view == "unsqueeze":
        v = h.unsqueeze(0)
    else:
        v = h.transpose(0, -1) if h.ndim else h
    if change == "mul_":
        v.mul_(2.0)
    elif change == "add_w":
        v.add_(w.sum())
    elif change == "zero_":
        v.zero_()
    else:
        v.exp_()
    return h


def _finish(prog: Program):
    ours, theirs = prog.h
    weight = prog.rng.uniform(-1, 1, tuple(ours.shape)).astype(prog.dtype)
    errors = []
    for lib, h in zip(LIBS, (ours, theirs)):
        try:
            (h * _const(lib, weight, prog.dtype)).sum().backward()
            errors.append(None)
        except RuntimeError as exc:
            errors.append(exc)
    if errors[1] is not None:
        assert errors[0] is not None, f"PyTorch's backward raised {errors[1]!r}, ours did not: {prog.log}"
        return
    assert errors[0] is None, f"our backward raised {errors[0]!r}, PyTorch's did not: {prog.log}"
    for ours_leaf, their_leaf in (prog.x, prog.w):
        expected = their_leaf.grad
        got = ours_leaf.grad
        if expected is None:
            assert got is None or not np.any(got._data), prog.log
        else:
            assert got is not None, f"no gradient where PyTorch has one: {prog.log}"
            assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
            _close(got._data, expected.numpy(), prog.dtype, prog.log)


@_settings
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_random_programs_match_pytorch(data, dtype):
    prog = Program(data, dtype)
    n_steps = data.draw(st.integers(1, 6), label="steps")
    for _ in range(n_steps):
        if not _step(prog):
            return
    _finish(prog)
