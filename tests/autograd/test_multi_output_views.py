"""In-place changes PyTorch 2.13 forbids or routes through a base, besides no_grad views
(test_no_grad_views.py): pieces of split/chunk/unbind and views of them raise when changed in
place with grad mode on; diagonal() is a view whose in-place change reaches the base;
contiguous() of a tensor that is not row-major is a copy, which it does not reach."""

import re

import numpy as np
import pytest

from .test_no_grad_views import _base, _error, _stale, _values, ag, lib_param

MULTI = (" and is being modified inplace. This view is the output of a function that returns "
         "multiple views. Such functions do not allow the output views to be modified inplace. "
         "You should replace the inplace operation by an out-of-place one.")
PIECES = {
    "unbind": lambda b: b.unbind(0)[1],
    "split": lambda b: b.split(1)[1],
    "split_one_piece": lambda b: b.split(2)[0],
    "split_sizes": lambda b: b.split([1, 1])[0],
    "chunk": lambda b: b.chunk(2, dim=1)[1],
}


@lib_param
@pytest.mark.parametrize("name", list(PIECES))
def test_inplace_on_a_piece_of_split_chunk_unbind(lib, name):
    a0, b = _base(lib, "nonleaf")
    p = PIECES[name](b)
    before = _values(b)
    for target in (p, p[:1]):  # (a view of a piece too)
        msg = _error(lambda t=target: t.mul_(2))
        assert re.fullmatch(r"Output \d of \w+ is a view" + re.escape(MULTI), msg), msg
    np.testing.assert_array_equal(_values(b), before)
    with lib.no_grad():
        p.mul_(2)  # (allowed: nothing is recorded)
    assert _error(lambda: (p * 1).sum().backward()) == _stale(lib, "multi indirect")
    assert (a0.grad is not None) == (lib is ag)  # (here: through the history it had)


@lib_param
def test_pieces_of_a_leaf_and_of_a_tensor_that_needs_no_grad(lib):
    a0, _ = _base(lib, "leaf")
    p, _ = a0.unbind(0)
    assert re.fullmatch(r"Output \d of \w+ is a view" + re.escape(MULTI), _error(lambda: p.mul_(2)))
    plain, _ = _base(lib, "leaf", requires_grad=False)
    p, _ = plain.unbind(0)
    assert _error(lambda: p.mul_(2)) == "ok"
    # (PyTorch words this one as if the view were made in no_grad mode)
    expected = "A view was created in no_grad mode" + MULTI.replace(
        " inplace.", " inplace with grad mode enabled.", 1)
    assert _error(lambda: p.add_(lib.ones(3, requires_grad=True))) == expected


@lib_param
def test_diagonal_is_a_view_that_inplace_changes_the_base(lib):
    a0, b = _base(lib, "nonleaf")
    b.diagonal().mul_(3)
    np.testing.assert_array_equal(_values(b), [[0, 1, 2], [3, 12, 5]])
    (b * lib.tensor([[1.0, 2, 3], [4, 5, 6]])).sum().backward()
    np.testing.assert_array_equal(_values(a0.grad), [[3, 2, 3], [4, 15, 6]])
    x = lib.zeros(3, 3)
    x.diagonal(-1).fill_(1)
    d = x.diag()
    d.fill_(7)  # (diag() is a copy)
    np.testing.assert_array_equal(_values(x), np.eye(3, k=-1))


@lib_param
def test_contiguous_copies_only_when_needed(lib):
    a0, b = _base(lib, "nonleaf")
    assert b.contiguous() is b
    c = b.T.contiguous()
    c.add_(1)
    np.testing.assert_array_equal(_values(b), [[0, 1, 2], [3, 4, 5]])
    (c * lib.tensor([[1.0, 2], [3, 4], [5, 6]])).sum().backward()
    np.testing.assert_array_equal(_values(a0.grad), [[1, 3, 5], [2, 4, 6]])


@lib_param
def test_a_no_grad_view_sends_nothing_through_an_op_with_a_constant_input(lib):
    # `where`'s condition has no gradient: such ops find their edges when they run, and once
    # gave the view an edge of its own (v.grad was set; PyTorch leaves it None)
    a = lib.tensor([[-1.0, 2.0, 3.0]], requires_grad=True)
    with lib.no_grad():
        v = a[:, :]
    r = lib.where(v > 0, v, lib.zeros(1, 3))
    assert r.requires_grad and r.grad_fn is not None
    r.sum().backward()
    assert v.grad is None and a.grad is None
