"""Second round of PyTorch parity fixes found by probing programs: narrow integers with
out-of-range Python ints, and further ops, each checked against PyTorch (values, dtypes, shapes,
gradients, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    """`ours` (a tapegrad tensor) equals `theirs` (a torch tensor) in values, dtype and shape."""
    expected = theirs.detach().numpy()
    got = np.asarray(ours.detach().numpy())
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


NARROW_INT_CASES = [
    lambda L, t: t + (-3),
    lambda L, t: t - 300,
    lambda L, t: t * 300,
    lambda L, t: t < -3,
    lambda L, t: t > -254,
    lambda L, t: t == 256,
    lambda L, t: t == 257,
    lambda L, t: t.lt(-3),
    lambda L, t: t.eq(130),
    lambda L, t: L.add(t, -3),
    lambda L, t: t.sub(300),
    lambda L, t: t % 300,
    lambda L, t: t // -3,
    lambda L, t: t & -1,
    lambda L, t: L.where(t > 1, t, -3),
]


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("case", range(len(NARROW_INT_CASES)))
def test_narrow_int_with_out_of_range_python_int_wraps(dtype, case):
    """PyTorch converts a Python int to a narrow integer dtype by wrapping it (uint8 + (-3) adds
    253; uint8 < -3 compares with 253) where numpy raises OverflowError or compares values."""
    fn = NARROW_INT_CASES[case]
    values = [1, 2, 100]
    if dtype != "uint8":
        values = [1, -2, 100]
    ours = fn(autograd, autograd.tensor(values, dtype=getattr(autograd, dtype)))
    theirs = fn(torch, torch.tensor(values, dtype=getattr(torch, dtype)))
    _same(ours, theirs)


@pytest.mark.parametrize("fn", [lambda x: x // 2, lambda x: 7 // x, lambda x: x // x])
def test_floor_division_records_and_its_backward_raises(fn):
    """PyTorch's ``x // 2`` on a tensor requiring grad requires grad, and backward through it
    raises (no derivative); tapegrad gave a constant, so the term vanished from the gradient."""
    x = torch.tensor([3.0, 5.0], requires_grad=True)
    ours_x = autograd.tensor([3.0, 5.0], requires_grad=True)
    theirs, ours = fn(x), fn(ours_x)
    _same(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad is True
    with pytest.raises(RuntimeError) as expected:
        theirs.sum().backward()
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        ours.sum().backward()
    assert str(expected.value) == "derivative for aten::floor_divide is not implemented"


INT_POW_CASES = [
    lambda L: 2 ** L.tensor([-1, 2]),
    lambda L: L.tensor([2, 1, -1, -1, 3, 0]) ** L.tensor([-1, -2, -1, -2, 0, -1]),
    lambda L: L.pow(L.tensor([3], dtype=L.uint8), L.tensor([-1])),
    lambda L: (-1) ** L.tensor([-3, -2]),
    lambda L: 0 ** L.tensor([-1]),
    lambda L: L.tensor([2, 3]) ** L.tensor(-1),
    lambda L: L.tensor([2, -1], dtype=L.int8) ** L.tensor([-1, -3], dtype=L.int8),
    lambda L: L.tensor([True]) ** L.tensor([-1]),
]


@pytest.mark.parametrize("case", range(len(INT_POW_CASES)))
def test_integer_pow_with_negative_tensor_exponent(case):
    """Integers to negative integer tensor powers give x ** y rounded toward zero, as PyTorch
    (numpy raised ValueError)."""
    _same(INT_POW_CASES[case](autograd), INT_POW_CASES[case](torch))


@pytest.mark.parametrize("fn", [lambda L: L.tensor([2]) ** -1, lambda L: L.tensor([0, 1]).pow(-2)])
def test_integer_tensor_to_negative_python_int_raises(fn):
    """An integer tensor to a negative Python int raises PyTorch's RuntimeError."""
    with pytest.raises(RuntimeError) as expected:
        fn(torch)
    with pytest.raises(RuntimeError) as got:
        fn(autograd)
    assert str(got.value) == str(expected.value)


SCALAR_DIM_CASES = [
    lambda L, x: L.max(x, 0),
    lambda L, x: L.min(x, -1),
    lambda L, x: x.max(dim=0, keepdim=True),
    lambda L, x: x.min(0, True),
    lambda L, x: L.sort(x, 0),
    lambda L, x: L.sort(x, -1, descending=True),
    lambda L, x: L.topk(x, 1, 0),
    lambda L, x: L.kthvalue(x, 1, 0),
    lambda L, x: L.median(x, 0),
]


@pytest.mark.parametrize("case", range(len(SCALAR_DIM_CASES)))
def test_value_index_reductions_of_a_0d_tensor_over_dim_0(case):
    """max/min/sort/topk of a 0-d tensor over dim 0 or -1 give (the value, index 0) with the
    gradient flowing back, as PyTorch (tapegrad's max/min raised numpy's axis error)."""
    x = torch.tensor(1.5, requires_grad=True)
    ours_x = autograd.tensor(1.5, requires_grad=True)
    theirs, ours = SCALAR_DIM_CASES[case](torch, x), SCALAR_DIM_CASES[case](autograd, ours_x)
    _same(ours[0], theirs[0])
    _same(ours[1], theirs[1])
    (theirs[0] * 3).backward()
    (ours[0] * 3).backward()
    _same(ours_x.grad, x.grad)


@pytest.mark.parametrize("fn", [lambda L, x: L.argmax(x, 0), lambda L, x: L.argmin(x, -1, keepdim=True)])
def test_arg_reductions_of_a_0d_tensor(fn):
    """argmax/argmin of a 0-d tensor over dim 0 give 0, as PyTorch."""
    _same(fn(autograd, autograd.tensor(1.5)), fn(torch, torch.tensor(1.5)))


def test_max_of_a_0d_tensor_over_dim_1_raises_index_error():
    """dim 1 of a 0-d tensor is out of range, as in PyTorch."""
    with pytest.raises(IndexError):
        torch.max(torch.tensor(1.5), 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        autograd.max(autograd.tensor(1.5), 1)


EMPTY_INDEX_CASES = [
    lambda a: a[[]],
    lambda a: a[:, []],
    lambda a: a[[], []],
    lambda a: a[..., []],
]


@pytest.mark.parametrize("case", range(len(EMPTY_INDEX_CASES)))
def test_indexing_with_an_empty_list(case):
    """``a[[]]`` is an empty int64 index in PyTorch (shape (0, *a.shape[1:]), gradient zeros);
    numpy made the list float64 and raised IndexError."""
    fn = EMPTY_INDEX_CASES[case]
    a = torch.arange(6.0).reshape(2, 3).requires_grad_()
    ours_a = autograd.arange(6.0).reshape(2, 3).requires_grad_()
    theirs, ours = fn(a), fn(ours_a)
    _same(ours, theirs)
    theirs.sum().backward()
    ours.sum().backward()
    _same(ours_a.grad, a.grad)


def test_assigning_through_an_empty_list_index_changes_nothing():
    """``b[[]] = 1`` writes nothing, as PyTorch."""
    b, ours = torch.zeros(3), autograd.zeros(3)
    b[[]] = 1.0
    ours[[]] = 1.0
    _same(ours, b)


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0,), (1, 0, 2)])
def test_repr_of_an_empty_tensor_shows_its_size(shape):
    """PyTorch prints ``tensor([], size=(0, 3))`` for an empty tensor of other than one dim."""
    assert repr(autograd.zeros(*shape)) == repr(torch.zeros(*shape))
    assert repr(autograd.zeros(*shape, requires_grad=True)) == repr(torch.zeros(*shape, requires_grad=True))


SCATTER_REDUCE_CASES = [
    lambda L, x, i, s: x.scatter(1, i, 2.0, reduce="add"),
    lambda L, x, i, s: x.scatter(1, i, 2.0, reduce="multiply"),
    lambda L, x, i, s: x.scatter(1, i, s, reduce="add"),
    lambda L, x, i, s: L.scatter(x, 1, i, s, reduce="multiply"),
    lambda L, x, i, s: x.clone().scatter_(1, i, s, reduce="multiply"),
    lambda L, x, i, s: x.clone().scatter_(1, i, 2.0, reduce="add"),
    lambda L, x, i, s: x.clone().scatter_(0, i[:1], value=2.0, reduce="add"),
    lambda L, x, i, s: x.long().scatter(1, i, 2, reduce="multiply"),
]


def _scatter_operands(L, requires_grad=False):
    idx = L.tensor([[0, 1, 0], [2, 2, 1]])
    x = (L.ones(2, 4) * 3).requires_grad_(requires_grad)
    return x, idx, L.arange(1.0, 7.0).reshape(2, 3)


@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("case", range(len(SCATTER_REDUCE_CASES)))
def test_scatter_with_reduce_add_or_multiply(case):
    """scatter/scatter_ with ``reduce='add'|'multiply'`` accumulate into self, as PyTorch
    (tapegrad's scatter with a number crashed with TypeError; scatter_ rejected `reduce`)."""
    fn = SCATTER_REDUCE_CASES[case]
    _same(fn(autograd, *_scatter_operands(autograd)), fn(torch, *_scatter_operands(torch)))


@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("source", ["number", "tensor"])
def test_scatter_with_reduce_has_no_derivative(source):
    """PyTorch records scatter with `reduce` but its backward raises (tapegrad's went through
    scatter_reduce and gave a gradient)."""
    for L in (torch, autograd):
        x, idx, src = _scatter_operands(L, requires_grad=True)
        y = x.scatter(1, idx, 2.0 if source == "number" else src, reduce="add")
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()


def test_scatter_with_an_unknown_reduce_raises_as_pytorch():
    """Only 'add' and 'multiply' are accepted (PyTorch's message)."""
    for L in (torch, autograd):
        x, idx, src = _scatter_operands(L)
        with pytest.raises(RuntimeError, match=r"^reduce argument must be either add or multiply\.$"):
            x.scatter(1, idx, src, reduce="mean")


FULL_CASES = [
    lambda L: L.full((2,), L.tensor(3.0)),
    lambda L: L.full((2,), L.tensor(3)),
    lambda L: L.full((2,), L.tensor(3.0, dtype=L.float64)),
    lambda L: L.full((2,), L.tensor(True)),
    lambda L: L.full((2,), L.tensor(3.5), dtype=L.long),
    lambda L: L.full((2,), L.tensor(3.0), requires_grad=True),
    lambda L: L.full_like(L.zeros(2, dtype=L.long), L.tensor(3.5)),
]


@pytest.mark.parametrize("case", range(len(FULL_CASES)))
def test_full_with_a_0d_tensor_fill_value(case):
    """A 0-d tensor fill value counts as its Python number (a float64 one fills float32), as
    PyTorch; tapegrad crashed with numpy.copyto's TypeError."""
    ours, theirs = FULL_CASES[case](autograd), FULL_CASES[case](torch)
    _same(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize("fn", [
    lambda L: L.full((2,), L.tensor([3.0])),
    lambda L: L.full((2,), L.tensor(3.0, requires_grad=True)),
    lambda L: L.full_like(L.zeros(2), L.tensor([3.0])),
])
def test_full_with_a_tensor_that_is_no_number_raises(fn):
    """A fill value with dims, or one requiring grad, raises PyTorch's TypeError."""
    with pytest.raises(TypeError) as expected:
        fn(torch)
    with pytest.raises(TypeError) as got:
        fn(autograd)
    assert str(got.value) == str(expected.value)


LIST_OF_TENSORS_CASES = [
    lambda L: L.tensor([L.tensor([1.0]), L.tensor([2.0])]),
    lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    lambda L: L.tensor([[L.tensor([1.0])], [L.tensor([2.0])]]),
    lambda L: L.tensor([L.tensor([[1.0]]), L.tensor([[2.0]])]),
    lambda L: L.tensor([L.tensor([1.0], dtype=L.float64), 2]),
    lambda L: L.tensor([1, L.tensor([2], dtype=L.int32)]),
    lambda L: L.as_tensor([L.tensor([1.0]), L.tensor([2.0])]),
]


@pytest.mark.parametrize("case", range(len(LIST_OF_TENSORS_CASES)))
def test_tensor_of_a_list_of_one_element_tensors(case):
    """torch.tensor takes a one-element tensor inside a list as a number (shape (2,) for
    ``[tensor([1.]), tensor([2.])]``; tapegrad gave (2, 1))."""
    fn = LIST_OF_TENSORS_CASES[case]
    _same(fn(autograd), fn(torch))


def test_tensor_of_a_list_of_longer_tensors_raises():
    """A tensor of more than one element inside a list raises PyTorch's ValueError."""
    with pytest.raises(ValueError) as expected:
        torch.tensor([torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0])])
    with pytest.raises(ValueError) as got:
        autograd.tensor([autograd.tensor([1.0, 3.0]), autograd.tensor([2.0, 4.0])])
    assert str(got.value) == str(expected.value)


HALF_ROWS = [[1e-4, 2e-4, 3e-4], [300.0, 400.0, 0.0]]
HALF_NORM_CASES = [
    lambda F, x: F.normalize(x, dim=1),
    lambda F, x: F.normalize(x, p=3, dim=1),
    lambda F, x: F.normalize(x, p=1, dim=0),
    lambda F, x: F.cosine_similarity(x, x * 2, dim=1),
    lambda F, x: F.pairwise_distance(x, x * 0.5),
]


@pytest.mark.parametrize("case", range(len(HALF_NORM_CASES)))
def test_float16_norms_accumulate_in_float32(case):
    """PyTorch computes float16 norms in float32 (normalize of [1e-4, 2e-4, 3e-4] is
    [0.2673, 0.5347, 0.8018]); tapegrad squared in float16, so small rows gave zeros and
    large ones inf/0."""
    import torch.nn.functional as torch_f

    import nn.functional as ours_f

    fn = HALF_NORM_CASES[case]
    ours = fn(ours_f, autograd.tensor(HALF_ROWS, dtype=autograd.float16))
    theirs = fn(torch_f, torch.tensor(HALF_ROWS, dtype=torch.float16))
    assert ours.dtype == np.float16 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(np.float32), theirs.numpy().astype(np.float32),
                               rtol=2e-3, atol=1e-6)


def test_float16_division_gradient_does_not_square_the_divisor():
    """d(x / y)/dy in float16 is -g (x / y) / y, as PyTorch: tapegrad's -g x / (y * y)
    overflowed for y = 500 (giving 0) and lost precision for y = 4e-4."""
    x = torch.tensor([300.0, 1e-4], dtype=torch.float16)
    y = torch.tensor([500.0, 4e-4], dtype=torch.float16, requires_grad=True)
    ours_y = autograd.tensor([500.0, 4e-4], dtype=autograd.float16, requires_grad=True)
    (x / y).sum().backward()
    (autograd.tensor([300.0, 1e-4], dtype=autograd.float16) / ours_y).sum().backward()
    _same(ours_y.grad, y.grad)


def test_float16_normalize_gradient():
    """F.normalize's gradient in float16 matches PyTorch's."""
    import torch.nn.functional as torch_f

    import nn.functional as ours_f

    x = torch.tensor(HALF_ROWS, dtype=torch.float16, requires_grad=True)
    ours_x = autograd.tensor(HALF_ROWS, dtype=autograd.float16, requires_grad=True)
    torch_f.normalize(x, dim=1).sum().backward()
    ours_f.normalize(ours_x, dim=1).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy().astype(np.float32),
                               x.grad.numpy().astype(np.float32), rtol=5e-3, atol=1e-6)


def _m(L):
    return L.tensor([[1.0, 2, 3, 4], [0, 0, 1, 5], [7, -1, 2, 2]])


NEW_FUNCTION_CASES = {
    "select": lambda L: _m(L).select(1, 2),
    "select_negative": lambda L: L.select(_m(L), 0, -1),
    "ravel": lambda L: _m(L).t().ravel(),
    "hstack_1d": lambda L: L.hstack([L.tensor([1, 2]), L.tensor([3])]),
    "hstack_2d": lambda L: L.hstack((_m(L), _m(L)[:, :1])),
    "hstack_0d": lambda L: L.hstack([L.tensor(1.0), L.tensor(2.0)]),
    "vstack": lambda L: L.vstack([L.tensor([1.0, 2]), L.tensor([3.0, 4])]),
    "dstack": lambda L: L.dstack([_m(L), _m(L)]),
    "tensordot_1": lambda L: L.tensordot(_m(L), _m(L).t(), dims=1),
    "tensordot_2": lambda L: L.tensordot(_m(L), _m(L), dims=2),
    "tensordot_lists": lambda L: L.tensordot(_m(L), _m(L), dims=([0], [0])),
    "tensordot_0": lambda L: L.tensordot(L.tensor([1.0, 2]), L.tensor([3.0, 4, 5]), dims=0),
    "isin": lambda L: L.isin(L.tensor([1, 2, 3, 4]), L.tensor([2, 4])),
    "isin_number": lambda L: L.isin(L.tensor([1, 2, 3, 4]), 2),
    "isin_invert": lambda L: L.isin(L.tensor([1.0, 2.0]), L.tensor([2, 4]), invert=True),
    "index_fill": lambda L: _m(L).index_fill(1, L.tensor([0, 2]), -1.0),
    "index_add_repeats": lambda L: _m(L).index_add(0, L.tensor([0, 0]), L.ones(2, 4)),
    "index_add_alpha": lambda L: L.index_add(_m(L), 1, L.tensor([3]), L.ones(3, 1), alpha=3),
    "unfold": lambda L: L.arange(7.0).unfold(0, 3, 2),
    "unfold_2d": lambda L: _m(L).unfold(1, 2, 1),
    "unfold_0d": lambda L: L.tensor(5.0).unfold(0, 1, 1),
    "unique_consecutive": lambda L: L.unique_consecutive(L.tensor([1, 1, 2, 2, 3, 1, 1, 2])),
    "unique_consecutive_dim": lambda L: L.unique_consecutive(L.tensor([[1, 1, 2], [1, 1, 3]]), dim=1),
    "quantile": lambda L: L.quantile(L.tensor([1.0, 2, 3, 4]), 0.4),
    "quantile_q_tensor": lambda L: L.quantile(_m(L), L.tensor([0.25, 0.5]), dim=1, keepdim=True),
    "quantile_all_keepdim": lambda L: L.quantile(_m(L), L.tensor([0.25, 0.5]), keepdim=True),
    "quantile_lower": lambda L: L.quantile(_m(L), 0.4, dim=1, interpolation="lower"),
    "quantile_higher": lambda L: L.quantile(_m(L), 0.4, dim=1, interpolation="higher"),
    "quantile_midpoint": lambda L: L.quantile(_m(L), 0.4, dim=0, interpolation="midpoint"),
    "quantile_nearest": lambda L: L.quantile(_m(L), L.tensor([0.125, 0.375, 1.0]), dim=1, interpolation="nearest"),
    "quantile_nan": lambda L: L.quantile(L.tensor([[1.0, float("nan")], [1.0, 2.0]]), 0.5, dim=1),
    "quantile_0d_keepdim": lambda L: L.quantile(L.tensor(3.0), 0.5, dim=0, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(NEW_FUNCTION_CASES))
def test_new_functions_match_pytorch(name):
    """Functions and methods programs use that tapegrad lacked, each as PyTorch computes it."""
    fn = NEW_FUNCTION_CASES[name]
    _same(fn(autograd), fn(torch))


@pytest.mark.parametrize("ret", [(True, False), (False, True), (True, True)])
def test_unique_consecutive_inverse_and_counts(ret):
    """The (values, inverse, counts) tuple as PyTorch, flat and along a dim."""
    for data, dim in (([1, 1, 2, 2, 3, 1, 1, 2], None), ([[1, 1], [1, 1], [2, 3]], 0), ([[1, 1], [1, 1]], None)):
        kw = dict(return_inverse=ret[0], return_counts=ret[1], dim=dim)
        theirs = torch.unique_consecutive(torch.tensor(data), **kw)
        ours = autograd.unique_consecutive(autograd.tensor(data), **kw)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)


GRAD_CASES = {
    "select": lambda L, x: x.select(1, 2) * 2,
    "unfold": lambda L, x: x.unfold(1, 2, 1) ** 2,
    "tensordot": lambda L, x: L.tensordot(x, x.t(), dims=1),
    "hstack": lambda L, x: L.hstack([x, x * 2]),
    "index_add": lambda L, x: x.index_add(0, L.tensor([0, 0]), x[:2] * 3),
    "index_fill": lambda L, x: x.index_fill(1, L.tensor([0]), 2.0) ** 2,
    "quantile": lambda L, x: L.quantile(x, L.tensor([0.3, 0.9]), dim=1),
    "quantile_all": lambda L, x: L.quantile(x, 0.5),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_new_functions_gradients_match_pytorch(name):
    """Their gradients are PyTorch's."""
    x, ours_x = _m(torch).requires_grad_(), _m(autograd).requires_grad_()
    GRAD_CASES[name](torch, x).sum().backward()
    GRAD_CASES[name](autograd, ours_x).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), x.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_select_and_unfold_are_views():
    """Writing into select's or unfold's result changes the base, as PyTorch."""
    for L in (torch, autograd):
        y = L.arange(7.0)
        y.unfold(0, 3, 2)[1, 0] = 100.0
        m = _m(L)
        m.select(0, 1)[2] = -5.0
        assert float(y[2]) == 100.0 and float(m[1, 2]) == -5.0


NEW_FUNCTION_ERRORS = [
    (lambda L: _m(L).select(2, 0), IndexError),
    (lambda L: _m(L).select(1, 4), IndexError),
    (lambda L: _m(L).unfold(1, 5, 1), RuntimeError),
    (lambda L: _m(L).unfold(1, 2, 0), RuntimeError),
    (lambda L: L.quantile(L.tensor([1, 2]), 0.5), RuntimeError),
    (lambda L: L.quantile(L.tensor([1.0, 2]), 1.5), RuntimeError),
    (lambda L: L.quantile(L.tensor([1.0, 2]), L.tensor([0.5], dtype=L.float64)), RuntimeError),
    (lambda L: L.quantile(L.tensor([]), 0.5), RuntimeError),
    (lambda L: L.quantile(L.tensor([1.0, 2]), 0.5, interpolation="foo"), RuntimeError),
    (lambda L: L.quantile(L.tensor([1.0, 2]), L.tensor([[0.5]])), RuntimeError),
]


@pytest.mark.parametrize("case", range(len(NEW_FUNCTION_ERRORS)))
def test_new_functions_errors_match_pytorch(case):
    """Bad arguments raise PyTorch's error type and message."""
    fn, kind = NEW_FUNCTION_ERRORS[case]
    with pytest.raises(kind) as expected:
        fn(torch)
    with pytest.raises(kind) as got:
        fn(autograd)
    assert str(got.value) == str(expected.value)


STRIDE_CASES = [
    lambda L: L.arange(24.0).reshape(2, 3, 4).stride(),
    lambda L: L.arange(24.0).reshape(2, 3, 4).stride(1),
    lambda L: L.arange(24.0).reshape(2, 3, 4).stride(-1),
    lambda L: L.arange(24.0).reshape(2, 3, 4).transpose(0, 2).stride(),
    lambda L: L.arange(24.0).reshape(2, 3, 4)[:, ::2].stride(),
    lambda L: L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1).stride(),
    lambda L: L.zeros(3, 1, 2).stride(),
    lambda L: L.zeros(3, 1).t().stride(),
    lambda L: L.tensor(1.0).stride(),
    lambda L: L.arange(24.0).reshape(2, 3, 4).unsqueeze(1).stride(),
    lambda L: L.zeros(3).expand(2, 3).stride(),
    lambda L: L.zeros(0, 3).stride(),
    lambda L: L.zeros(2, 0, 3).stride(),
]


@pytest.mark.parametrize("case", range(len(STRIDE_CASES)))
def test_stride_matches_pytorch(case):
    """Tensor.stride() in elements, for contiguous tensors and views, as PyTorch."""
    assert STRIDE_CASES[case](autograd) == STRIDE_CASES[case](torch)


INPLACE_CASES = [
    lambda L: L.ones(3, 3).tril_(),
    lambda L: L.ones(3, 4).triu_(1),
    lambda L: L.zeros(3, 3).fill_diagonal_(5),
    lambda L: L.zeros(7, 3).fill_diagonal_(5, wrap=True),
    lambda L: L.zeros(7, 3).fill_diagonal_(5),
    lambda L: L.zeros(2, 2, 2).fill_diagonal_(1),
    lambda L: L.tensor([1.5, -2.5]).floor_(),
    lambda L: L.tensor([1.5, 2.5, 0.125]).round_(),
    lambda L: L.tensor([1.26, 2.5]).round_(decimals=1),
    lambda L: L.tensor([-3.0, 0.0, 2.0]).sign_(),
    lambda L: L.tensor([2.0, 4.0]).reciprocal_(),
    lambda L: L.tensor([2.0, -3.0]).square_(),
    lambda L: L.tensor([2, -3]).square_(),
]


@pytest.mark.parametrize("case", range(len(INPLACE_CASES)))
def test_new_inplace_methods_match_pytorch(case):
    """tril_ triu_ fill_diagonal_ floor_ round_ sign_ reciprocal_ square_ as PyTorch."""
    _same(INPLACE_CASES[case](autograd), INPLACE_CASES[case](torch))


@pytest.mark.parametrize("call", [("tril_", ()), ("triu_", (1,)), ("fill_diagonal_", (2.0,)),
                                  ("floor_", ()), ("round_", ()), ("sign_", ()),
                                  ("reciprocal_", ()), ("square_", ())])
def test_new_inplace_methods_gradients(call):
    """Recorded in the graph: the gradient through them is PyTorch's."""
    name, args = call
    grads = []
    for L in (torch, autograd):
        a = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        b = a * 1
        getattr(b, name)(*args)
        b.sum().backward()
        grads.append(np.asarray(a.grad.numpy()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


def test_fill_diagonal_errors_match_pytorch():
    """fill_diagonal_ on mismatched dims raises PyTorch's error."""
    for fn in (lambda L: L.zeros(2, 3, 2).fill_diagonal_(1), lambda L: L.zeros(3).fill_diagonal_(1)):
        with pytest.raises(RuntimeError) as expected:
            fn(torch)
        with pytest.raises(RuntimeError) as got:
            fn(autograd)
        assert str(got.value) == str(expected.value)


NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize("data", [[1.0, NAN, NAN], [1.0, INF, -INF], [0.0, NAN], [[1.0, NAN], [2.0, 3.0]],
                                  [100.0, NAN, -1.0], [[-10.0, NAN], [-INF, 3.0]], [1e10, NAN], [1.5, NAN]])
def test_repr_of_whole_floats_beside_nan_or_inf(data):
    """PyTorch prints whole numbers beside nan/inf as ``1.`` (``tensor([1., nan, nan])``);
    tapegrad printed ``1.0000`` and padded nan."""
    assert repr(autograd.tensor(data)) == repr(torch.tensor(data))


@pytest.mark.parametrize("data", [[True, True], [[True], [True]], [True, False], [False]])
def test_repr_of_bool_tensors(data):
    """PyTorch pads bools to the widest value shown (all True: no padding)."""
    assert repr(autograd.tensor(data)) == repr(torch.tensor(data))


CHECKED_INT_CASES = [
    lambda L, u: u.clamp(max=300),
    lambda L, u: u.clamp(-3, 5),
    lambda L, u: u.clamp(0, 300),
    lambda L, u: u.clamp_min(-3),
    lambda L, u: u.clamp_max(300),
    lambda L, u: L.where(u > 1, u, -1),
    lambda L, u: L.where(u > 1, 300, u),
    lambda L, u: u.pow(300),
    lambda L, u: u.pow(-1),
    lambda L, u: L.pow(300, u),
    lambda L, u: u.masked_fill(u > 1, -1),
    lambda L, u: u.masked_fill(u > 1, 300),
    lambda L, u: u.clone().fill_(300),
    lambda L, u: u.clone().fill_(-255),
    lambda L, u: u.index_fill(0, L.tensor([0]), 300),
    lambda L, u: L.full((2,), -1, dtype=L.uint8),
    lambda L, u: L.full((2,), 300, dtype=L.uint8),
    lambda L, u: L.full((2,), 2**40, dtype=L.int32),
    lambda L, u: u.to(L.int8).fill_(-129),
    lambda L, u: u.to(L.int8).clamp(-200, 0),
]


@pytest.mark.parametrize("case", range(len(CHECKED_INT_CASES)))
def test_checked_python_int_conversions(case):
    """Where PyTorch checks a Python int against a narrow integer dtype (fill values, where's
    and clamp's scalars, pow's exponent) it wraps one within [-max, max] (unsigned) or
    [min, max] (signed) and raises RuntimeError beyond; tapegrad raised numpy's OverflowError,
    or (after wrapping arithmetic scalars) silently wrapped."""
    fn = CHECKED_INT_CASES[case]
    try:
        theirs = fn(torch, torch.tensor([1, 2], dtype=torch.uint8))
    except RuntimeError as exc:
        with pytest.raises(RuntimeError) as got:
            fn(autograd, autograd.tensor([1, 2], dtype=autograd.uint8))
        assert str(got.value) == str(exc)
        return
    _same(fn(autograd, autograd.tensor([1, 2], dtype=autograd.uint8)), theirs)


FLOOR_DIVIDE_CASES = [
    lambda L: L.floor_divide(L.tensor([7.0, -7.0]), 2),
    lambda L: L.tensor([7.0, -7.0]).floor_divide(L.tensor([2.0, 3.0])),
    lambda L: L.tensor([7, -7]).floor_divide(2),
    lambda L: L.floor_divide(L.tensor([7]), 2.5),
    lambda L: L.tensor([7, -7]).floor_divide_(2),
]


@pytest.mark.parametrize("case", range(len(FLOOR_DIVIDE_CASES)))
def test_floor_divide_function_and_methods(case):
    """torch.floor_divide, Tensor.floor_divide and floor_divide_ as PyTorch (tapegrad had only
    the // operator)."""
    _same(FLOOR_DIVIDE_CASES[case](autograd), FLOOR_DIVIDE_CASES[case](torch))


def test_floor_divide_backward_raises():
    """Recorded, with no derivative, as PyTorch."""
    x = autograd.tensor([7.0, -7.0], requires_grad=True)
    y = autograd.floor_divide(x, 2)
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        y.sum().backward()


def test_shape_is_a_size_as_in_pytorch():
    """``x.shape`` is a Size as PyTorch's (``x.shape.numel()``, ``torch.Size([2, 3])`` when
    printed); tapegrad gave numpy's plain tuple (AttributeError on numel)."""
    ours, theirs = autograd.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert ours.shape.numel() == theirs.shape.numel() == 24
    assert repr(ours.shape) == repr(theirs.shape) == "torch.Size([2, 3, 4])"
    assert repr(ours.shape[1:]) == repr(theirs.shape[1:])
    assert ours.shape == (2, 3, 4) and ours.shape[0] == 2 and ours.shape == ours.size()
    assert autograd.tensor(1.0).shape.numel() == 1


@pytest.mark.parametrize("dims", [1, ([1], [0]), ([-1], [0]), ([0, 1], [1, 0])])
def test_tensordot_mismatch_message_names_the_dims_as_given(dims):
    """PyTorch's message names the contracted dims as given (-1 for an int `dims`)."""
    with pytest.raises(RuntimeError) as expected:
        torch.tensordot(torch.zeros(3, 4), torch.zeros(3, 4), dims=dims)
    with pytest.raises(RuntimeError) as got:
        autograd.tensordot(autograd.zeros(3, 4), autograd.zeros(3, 4), dims=dims)
    assert str(got.value) == str(expected.value)


SHIFT_CASES = [
    lambda L: L.tensor([1, 2, 255], dtype=L.uint8) << 9,
    lambda L: L.tensor([1, 2, 255], dtype=L.uint8) >> 1,
    lambda L: L.tensor([1, 2, 255], dtype=L.uint8) << -1,
    lambda L: L.tensor([-8, 8, 1]) >> 70,
    lambda L: L.tensor([-8, 8, 1]) << 63,
    lambda L: L.tensor([-8, 8, 1]) << 64,
    lambda L: L.tensor([-8, 8, 1]) >> -1,
    lambda L: L.tensor([-8, 8, 1]) >> L.tensor([1, 2, 3]),
    lambda L: L.bitwise_left_shift(L.tensor([-8, 8, 1]), 2),
    lambda L: L.tensor([-8, 8, 1]).bitwise_right_shift(1),
    lambda L: 2 << L.tensor([-8, 8, 1]),
    lambda L: 1024 >> L.tensor([1, 3]),
]


@pytest.mark.parametrize("case", range(len(SHIFT_CASES)))
def test_bitwise_shifts(case):
    """``<<``, ``>>`` and bitwise_left/right_shift as PyTorch, including shifts by a negative
    amount or the width or more; tapegrad had none (TypeError)."""
    _same(SHIFT_CASES[case](autograd), SHIFT_CASES[case](torch))


def test_inplace_shifts_and_float_error():
    """``<<=`` / ``>>=`` change the tensor; floats raise PyTorch's NotImplementedError."""
    for L in (torch, autograd):
        x = L.tensor([1, 2])
        x <<= 3
        assert x.tolist() == [8, 16]
        x >>= 2
        assert x.tolist() == [2, 4]
    with pytest.raises(NotImplementedError) as expected:
        torch.tensor([1.0]) << 1
    with pytest.raises(NotImplementedError) as got:
        autograd.tensor([1.0]) << 1
    assert str(got.value) == str(expected.value)


MODE_CASES = [
    lambda L, x: L.mode(x),
    lambda L, x: L.mode(x, 0),
    lambda L, x: x.mode(keepdim=True),
    lambda L, x: L.mode(L.tensor([3, 1, 3, 1, 2])),
    lambda L, x: L.mode(L.tensor([2, 7, 2, 7, 7, 2])),
    lambda L, x: L.mode(L.tensor(2.0)),
]


@pytest.mark.parametrize("case", range(len(MODE_CASES)))
def test_mode_matches_pytorch(case):
    """torch.mode: the smallest most frequent value and its last index (tapegrad had none)."""
    data = [[1.0, 2, 2, 1, 3], [5, 5, 4, 4, 5]]
    ours = MODE_CASES[case](autograd, autograd.tensor(data))
    theirs = MODE_CASES[case](torch, torch.tensor(data))
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)


def test_mode_gradient_flows_to_the_chosen_element():
    """The gradient of mode's values reaches the element at its index, as PyTorch."""
    data = [[1.0, 2, 2, 1, 3], [5, 5, 4, 4, 5]]
    x, ours_x = torch.tensor(data, requires_grad=True), autograd.tensor(data, requires_grad=True)
    torch.mode(x).values.sum().backward()
    autograd.mode(ours_x).values.sum().backward()
    _same(ours_x.grad, x.grad)


def test_mode_with_nans_does_not_crash():
    """NaNs count as one value: [nan, 1, nan] gives (nan, 0) as PyTorch (tapegrad's first
    version raised IndexError)."""
    data = [NAN, 1.0, NAN]
    ours, theirs = autograd.mode(autograd.tensor(data)), torch.mode(torch.tensor(data))
    assert np.isnan(float(ours.values)) and np.isnan(float(theirs.values))
    assert int(ours.indices) == int(theirs.indices)
