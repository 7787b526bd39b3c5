"""Mismatches with PyTorch found by differential probing of everyday Tensor ops: each test runs
one snippet on PyTorch and on tapegrad and compares values, dtypes, shapes and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")


def _same(ours, theirs, rtol=1e-5, atol=1e-6):
    """Assert a tapegrad tensor equals a PyTorch tensor in dtype, shape and values."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(),
                               rtol=rtol, atol=atol)


def test_mod_operator_is_differentiable_and_promotes_like_remainder():
    x = np.array([-7.0, 7.5, 3.0], dtype=np.float32)
    outs = {}
    for m in (torch, ag):
        t = m.tensor(x, requires_grad=True)
        y = t % 2
        assert y.requires_grad
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        outs[m] = (y, t.grad, m.tensor(x) % m.tensor([2, 2, 2]),
                   5 % m.tensor([3, 4]), 2.5 % m.tensor([1.0, 2.0]),
                   m.tensor([5, 6], dtype=m.int32) % m.tensor(4))
    for ours, theirs in zip(outs[ag], outs[torch]):
        _same(ours, theirs)


@pytest.mark.parametrize("build", [
    lambda m, x: x.sum().double() * 2,
    lambda m, x: x[0].double() * 3,
    lambda m, x: x.sum().double() * m.tensor(2.0, dtype=m.float64),
])
def test_backward_through_a_cast_of_a_0d_tensor(build):
    # a VJP of 0-d arrays hands the cast's backward a numpy scalar; it crashed with
    # "'numpy.float64' object has no attribute 'to'"
    grads = []
    for m in (torch, ag):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        build(m, x).backward()
        grads.append(x.grad)
    _same(grads[1], grads[0])


def test_integer_cast_of_a_tensor_that_requires_grad_is_not_differentiable():
    # `(x * 10).long()` required grad (with a ToBackward), so `.numpy()` on it raised
    for m in (torch, ag):
        x = m.tensor([0.15, -0.9], requires_grad=True)
        for y in ((x * 10).long(), x.int(), x.to(m.int32), x.bool(), x.to(dtype=m.int64)):
            assert not y.requires_grad and y.grad_fn is None
        (x * 10).long().numpy()
        assert x.double().requires_grad


@pytest.mark.parametrize("values", [(1.0, 0.0), (1, 0), (1.0, 0), (True, False), (2, 0.5)])
def test_where_of_two_python_numbers_has_torch_dtype(values):
    # np.where(c, 1.0, 0.0) is float64; torch.where gives float32 (the default float dtype)
    outs = [m.where(m.tensor([True, False, True]), *values) for m in (torch, ag)]
    _same(outs[1], outs[0])


def test_where_with_condition_only_gives_nonzero_indices():
    x = np.array([[1.0, -1.0], [2.0, 3.0]], dtype=np.float32)
    ours, theirs = ag.where(ag.tensor(x) > 0), torch.where(torch.tensor(x) > 0)
    assert len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs):
        _same(o, t)
    with pytest.raises(TypeError):
        ag.where(ag.tensor(x) > 0, ag.tensor(x))


def test_cat_and_stack_promote_dtypes_as_torch():
    # numpy's concatenate gave float32 + int64 -> float64
    for fn in ("cat", "stack"):
        for a, b in ((np.float32, np.int64), (np.int32, np.int64), (np.bool_, np.uint8),
                     (np.float16, np.float32)):
            xs = [np.ones((2, 3), dtype=a), np.zeros((2, 3), dtype=b)]
            outs = [getattr(m, fn)([m.tensor(x) for x in xs]) for m in (torch, ag)]
            _same(outs[1], outs[0])
    grads = []
    for m in (torch, ag):
        x = m.ones(2, requires_grad=True)
        y = m.cat([x, m.tensor([3, 4])])
        (y * m.arange(4.0)).sum().backward()
        grads.append((y, x.grad))
    for ours, theirs in zip(grads[1], grads[0]):
        _same(ours, theirs)


def test_cat_skips_a_legacy_empty_1d_tensor():
    # `out = torch.tensor([]); out = torch.cat([out, row])` raised a shape error
    outs = []
    for m in (torch, ag):
        out = m.tensor([])
        for i in range(3):
            out = m.cat([out, m.ones(1, 2) * i])
        outs.append((out, m.cat([m.tensor([]), m.zeros(2, 3)], 1),
                     m.cat([m.tensor([]), m.tensor([])])))
    for ours, theirs in zip(outs[1], outs[0]):
        _same(ours, theirs)
    with pytest.raises(RuntimeError):
        ag.cat([ag.zeros(2, 3), ag.zeros(0, 2)])


@pytest.mark.parametrize("dim", [1, None, (0, 1)])
def test_mean_allows_changing_its_input_in_place_afterwards(dim):
    # mean's backward needs only the input's shape; it raised "modified by an inplace operation"
    grads = []
    for m in (torch, ag):
        a = m.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), requires_grad=True)
        b = a * 1
        c = b.mean() if dim is None else b.mean(dim)
        b.mul_(2)
        c.sum().backward()
        grads.append(a.grad)
    _same(grads[1], grads[0])


@pytest.mark.parametrize("build", [
    lambda m, x: x.flip(0), lambda m, x: x.fliplr(), lambda m, x: x.flipud(),
    lambda m, x: x.rot90(1, (0, 1)),
    lambda m, x: (torch.nn.functional if m is torch else F).pad(x, (0, 0)),
])
def test_flip_and_empty_pad_results_do_not_share_the_inputs_memory(build):
    # np.flip is a view: `y = x.flip(0); y.add_(1)` changed x (and x.add_ changed y)
    outs = []
    for m in (torch, ag):
        x = m.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
        y = build(m, x)
        y.add_(100)
        z = build(m, x)
        x.mul_(-1)
        outs += [x, y, z]
    for ours, theirs in zip(outs[3:], outs[:3]):
        _same(ours, theirs)


@pytest.mark.parametrize("build", [
    lambda m, b: m.cat([b, b]), lambda m, b: m.stack([b, b], 1), lambda m, b: b.double(),
])
@pytest.mark.parametrize("change", ["input", "output"])
def test_no_false_inplace_error_after_cat_stack_and_cast(build, change):
    # their backward reads only shapes and dtypes; an in-place change to the input (or to the
    # result) raised "modified by an inplace operation" at backward
    grads = []
    for m in (torch, ag):
        a = m.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
        b = a * 1
        c = build(m, b)
        (b if change == "input" else c).mul_(2)
        (c * m.arange(float(c.numel())).reshape(c.shape)).sum().backward()
        grads.append(a.grad)
    _same(grads[1], grads[0])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("fn", ["expm1", "logsumexp"])
def test_expm1_and_logsumexp_of_integers_give_float32(fn, dtype):
    # numpy's expm1 of int64 is float64 (of bool/uint8 float16); PyTorch gives float32
    x = np.array([1, 0, 1], dtype=dtype)
    outs = [getattr(m, fn)(m.tensor(x), *((0,) if fn == "logsumexp" else ())) for m in (torch, ag)]
    _same(outs[1], outs[0], rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda m: [np.float64(1.0), np.float64(2.0)], lambda m: [1.0, np.float64(2.0)],
    lambda m: [[np.float64(1.0)], [2.0]], lambda m: [np.int32(1), np.int32(2)],
    lambda m: [np.uint8(1)], lambda m: [np.int32(1), 2.5], lambda m: [np.float16(1.0)],
    lambda m: [m.tensor(1.0, dtype=m.float64), 2.0],
    lambda m: [m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)],
])
def test_tensor_of_a_list_with_numpy_scalars_or_tensors_keeps_their_dtype(make):
    # torch.tensor([np.float64(1.0)]) is float64; tapegrad made every such list float32/int64
    outs = [m.tensor(make(m)) for m in (torch, ag)]
    _same(outs[1], outs[0])


def test_sum_and_prod_with_dtype_cast_the_input_first_and_sum_unsigned_as_int64():
    # sum(dtype=float32) of float16 summed in float16 (inf past 65504), then cast; uint8 summed
    # as uint64 (numpy) where PyTorch gives int64
    half = np.array([60000.0, 60000.0], dtype=np.float16)
    u8 = np.array([200, 100], dtype=np.uint8)
    outs = []
    for m in (torch, ag):
        h, u = m.tensor(half), m.tensor(u8)
        outs.append((h.sum(dtype=m.float32), h.sum(0, dtype=m.float32), h.prod(dtype=m.float32),
                     u.sum(), u.sum(0), u.prod()))
    for ours, theirs in zip(outs[1], outs[0]):
        _same(ours, theirs)


@pytest.mark.parametrize("fn", ["sum", "mean", "amax", "amin", "var"])
def test_reduction_over_an_empty_dim_tuple_reduces_every_dim(fn):
    # `dim=tuple(range(1, x.ndim))` of a 1-D x is (): PyTorch reduces all; tapegrad reduced none
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    outs = [getattr(m.tensor(x), fn)(dim=()) for m in (torch, ag)]
    _same(outs[1], outs[0])
    assert ag.tensor(x).sum(dim=[], keepdim=True).shape == (1, 1)
    assert np.sum(ag.tensor(x), axis=()).shape == (2, 3)  # numpy's axis=() still reduces none


def test_clamp_of_an_integer_tensor_to_float_bounds_gives_float32():
    # tapegrad kept int64 (clamp(-3.5, 3.5) of [5] gave 3, PyTorch 3.5)
    x = np.array([1, 5, -7])
    outs = []
    for m in (torch, ag):
        t = m.tensor(x)
        outs.append((t.clamp(-3.5, 3.5), t.clamp(min=0.5), t.clamp(0, 3),
                     m.tensor(x, dtype=m.int32).clamp(0, 1)))
    for ours, theirs in zip(outs[1], outs[0]):
        _same(ours, theirs)
    with pytest.raises(RuntimeError):
        ag.tensor(x).clamp_(-3.5, 3.5)  # as PyTorch: a float result cannot go into int64


@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b])
def test_integer_floor_division_and_remainder_by_zero_raise(op):
    # numpy gives 0 with a RuntimeWarning; PyTorch raises RuntimeError: ZeroDivisionError
    for m in (torch, ag):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(m.tensor([1, 2]), m.tensor([1, 0]))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(m.tensor([1, 2]), 0)


def test_indexing_with_a_0d_integer_tensor_gives_a_view_as_an_int_does():
    # numpy treats a 0-d integer array as an advanced index (a copy); PyTorch as an int (a view)
    outs = []
    for m in (torch, ag):
        x = m.arange(6.0).view(2, 3)
        row = x[m.tensor(1)]
        part = x[m.tensor(0), 1:]
        part.mul_(0)
        x.add_(100)
        outs.append((row, x, x[m.tensor(True)], x[m.tensor(-1), m.tensor([0, 2])]))
    for ours, theirs in zip(outs[1], outs[0]):
        _same(ours, theirs)


def test_dtype_identity_as_torch():
    # autograd.float32 was numpy's scalar type np.float32, so `x.dtype is autograd.float32`
    # was False (torch dtypes are singletons: `x.dtype is torch.float32` is True)
    for m in (torch, ag):
        assert m.ones(2).dtype is m.float32 and m.ones(2).dtype is m.float
        assert m.tensor([True]).dtype is m.bool and m.tensor([1]).dtype is m.long
        assert m.ones(2).double().dtype is m.float64 and m.ones(2).half().dtype is m.float16
        assert m.ones(2, dtype=m.int32).dtype is m.int32 and m.ones(2).int().dtype is m.int
        assert m.ones(2, dtype=m.uint8).dtype is m.uint8 and m.ones(2, dtype=m.int8).dtype is m.int8


def test_comparing_a_tensor_with_none_gives_a_python_bool():
    # `if mask == None:` raised "ambiguous truth value" (an elementwise tensor) on tapegrad
    for m in (torch, ag):
        x = m.ones(2)
        assert (x == None) is False and (x != None) is True  # noqa: E711
        assert (None == x) is False and (None != x) is True  # noqa: E711


@pytest.mark.parametrize("fn", [
    lambda x: x.var(), lambda x: x.std(0), lambda x: x.norm(), lambda x: x.view(40, 100).norm(dim=1),
    lambda x: x.cumsum(0), lambda x: x.var(0, keepdim=True),
])
def test_float16_reductions_accumulate_in_float32(fn):
    # squares of float16 values past 256 overflowed (var/std/norm gave inf) and a float16
    # running sum stalls at 2048; PyTorch accumulates in float32 and rounds the result
    x = (np.random.default_rng(0).random(4000) * 200 + 100).astype(np.float16)
    outs = [fn(m.tensor(x)) for m in (torch, ag)]
    _same(outs[1], outs[0], rtol=2e-3)


@pytest.mark.parametrize("values", [[3.0, float("nan"), 3.0], [3.0, 1.0, 3.0],
                                    [float("nan"), 1.0, float("nan")]])
@pytest.mark.parametrize("fn", ["max", "min", "amax", "amin"])
def test_full_max_min_send_the_gradient_to_nan_elements(fn, values):
    # x.max() of a tensor with a nan gave every element a nan gradient (as amax does); PyTorch's
    # max()/min() give it to the nan elements only
    grads = []
    for m in (torch, ag):
        x = m.tensor(values, requires_grad=True)
        getattr(x, fn)().backward()
        grads.append(x.grad)
    np.testing.assert_array_equal(np.asarray(grads[1]), grads[0].numpy())


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_gradients_at_nan_and_ties(fn):
    # where one side is nan, PyTorch gives both sides the gradient; tapegrad gave neither
    a = np.array([np.nan, 1.0, 2.0, 3.0], dtype=np.float32)
    b = np.array([1.0, np.nan, 2.0, 0.0], dtype=np.float32)
    grads = []
    for m in (torch, ag):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        (getattr(m, fn)(x, y) * m.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        grads.append((x.grad, y.grad))
    for ours, theirs in zip(grads[1], grads[0]):
        _same(ours, theirs)


def test_type_without_a_dtype_names_the_tensor_type_and_a_name_casts():
    # t.type() raised TypeError (a required argument); 'Learn the Basics'-era code prints it
    for dtype in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"):
        outs = [m.zeros(2, dtype=getattr(m, dtype)).type() for m in (torch, ag)]
        assert outs[1] == outs[0]
    for name in ("torch.DoubleTensor", "torch.LongTensor", "torch.FloatTensor"):
        outs = [m.tensor([1.5, 2.0]).type(name) for m in (torch, ag)]
        _same(outs[1], outs[0])
    with pytest.raises(ValueError):
        ag.ones(2).type("torch.NoSuchTensor")


def test_byte_char_short_casts_and_is_contiguous():
    # these Tensor methods were missing (AttributeError)
    x = np.array([[1.7, -2.2, 3.0], [250.0, 0.0, -1.0]], dtype=np.float32)
    outs = []
    for m in (torch, ag):
        t = m.tensor(x)
        outs.append((t.abs().byte(), t.char(), t.short()))
        assert t.is_contiguous() and not t.t().is_contiguous()
        assert t.t().contiguous().is_contiguous() and t[:, :1].is_contiguous() is False
        assert t[0].is_contiguous() and (t @ t.t()).is_contiguous()
    for ours, theirs in zip(outs[1], outs[0]):
        _same(ours, theirs)
