"""The fast backward walk (`engine_fast.run_fast`) gives the gradients of the reference walk (`_run`).

Hypothesis builds random programs over a few leaves: elementwise and binary ops with
broadcasting, reductions, shared subexpressions, multi-output nodes (split, chunk) with one or
both outputs used, in-place changes that rebase a tensor's history, a custom Function, tensor
hooks on leaves and intermediates, retain_grad and a second backward through a retained graph.
Each program runs once per walk from fresh leaves holding the same values; every `.grad` must
agree.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Function, Tensor, engine
from autograd.node import CONSTANT_INPUTS, Node, input_edges

SHAPES = [(3, 4), (1, 4), (3, 1), (4,), ()]


class Cube(Function):
    """x**3 with a hand-written backward: a node the fast walk hands to `call_backward`."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


@contextmanager
def _walk(reference: bool):
    saved = engine.FORCE_REFERENCE_WALK
    engine.FORCE_REFERENCE_WALK = reference
    try:
        yield
    finally:
        engine.FORCE_REFERENCE_WALK = saved


def _full(t):
    """`t` broadcast to (3, 4) through an op (a constant operand, as a mask or scale would be)."""
    return t * Tensor(np.ones((3, 4)))


def _broadcasts_into(shape, target) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


UNARY = {
    "tanh": lambda x: x.tanh(),
    "sin": lambda x: x.sin(),
    "square": lambda x: x * x,
    "neg": lambda x: -x,
    "cube": lambda x: Cube.apply(x),
    "sum0": lambda x: x.sum(0, keepdim=True) if x.ndim == 2 else x.sum(),
    "split_both": lambda x: _split_both(_full(x)),
    "chunk_one": lambda x: _chunk_one(_full(x)),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "where": lambda a, b: autograd.where(Tensor(np.arange(12).reshape(3, 4) % 3 == 0), a, b),
}


def _split_both(x):
    left, right = x.split(2, dim=1)
    return autograd.cat([right * left, left.tanh()], dim=1)


def _chunk_one(x):
    first, _ = x.chunk(2, dim=1)  # the second output never gets a gradient
    return autograd.cat([first, first * 2], dim=1)


step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("inplace"), st.sampled_from(["add_", "mul_"]), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("hook"), st.integers(0, 99)),
    st.tuples(st.just("retain"), st.integers(0, 99)),
)


def _build(leaf_values, program, leaf_hook: bool = True):
    """The program on fresh leaves: (leaves, retained tensors, loss)."""
    leaves = [Tensor(v, requires_grad=True) for v in leaf_values]
    if leaf_hook:
        leaves[0].register_hook(lambda g: g * 3)  # a leaf whose hook must see its total
    pool = list(leaves)
    retained = []
    for instr in program:
        kind = instr[0]
        if kind == "unary":
            pool.append(UNARY[instr[1]](pool[instr[2] % len(pool)]))
        elif kind == "binary":
            pool.append(BINARY[instr[1]](pool[instr[2] % len(pool)], pool[instr[3] % len(pool)]))
        elif kind == "inplace":
            target = pool[instr[2] % len(pool)].clone()
            other = pool[instr[3] % len(pool)]
            if not _broadcasts_into(other.shape, target.shape):
                other = 0.5
            getattr(target, instr[1])(other)  # rebases `target`'s history onto the in-place op
            pool.append(target)
        elif kind == "hook":
            t = pool[instr[1] % len(pool)]
            if t.grad_fn is not None:
                t.register_hook(lambda g: g * 0.5 + 1)
        elif kind == "retain":
            t = pool[instr[1] % len(pool)]
            if t.grad_fn is not None:
                t.retain_grad()
                retained.append(t)
    weights = np.linspace(0.5, 1.5, len(pool) - len(leaves) + 1)
    loss = (pool[-1] * Tensor(np.ones((3, 4)))).sum()
    for w, t in zip(weights, pool[len(leaves):]):
        loss = loss + (t * w).sum()
    return leaves, retained, loss


def _run_program(leaf_values, program, twice: bool, leaf_hook: bool = True):
    """Build the program on fresh leaves and backpropagate; the gradients it produced."""
    leaves, retained, loss = _build(leaf_values, program, leaf_hook)
    loss.backward(retain_graph=twice)
    if twice:
        loss.backward()
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in leaves + retained]
    return grads


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    program=st.lists(step, min_size=1, max_size=12),
    seed=st.integers(0, 2**16),
    twice=st.booleans(),
    leaf_hook=st.booleans(),
)
def test_fast_walk_gives_the_reference_walks_gradients(program, seed, twice, leaf_hook):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1, 1, s) for s in SHAPES]
    # (without hooks in the program, the walks free nodes and write leaves as they go)
    with _walk(reference=False):
        fast = _run_program(values, program, twice, leaf_hook)
    with _walk(reference=True):
        reference = _run_program(values, program, twice, leaf_hook)
    assert len(fast) == len(reference)
    for f, r in zip(fast, reference):
        assert (f is None) == (r is None)
        if f is not None:
            np.testing.assert_allclose(f, r, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.lists(step, min_size=1, max_size=12), seed=st.integers(0, 2**16))
# (found by hypothesis: a 0-d leaf whose adopted gradient gets a second one in the same walk;
# the sum of two 0-d arrays is a numpy scalar, which the third crashed on)
@example(program=[("binary", "div", 4, 9), ("binary", "add", 0, 0)], seed=0)
def test_fast_walk_finds_the_edges_input_edges_finds(program, seed):
    """The edges the fast walk finds for each node equal `node.input_edges`'s, and the inputs
    needing no gradient are noted for pictures (`CONSTANT_INPUTS`) as `Node.edges` notes them."""
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1, 1, s) for s in SHAPES]
    _, _, loss = _build(values, program, leaf_hook=False)
    constant = Tensor(np.ones(loss.shape))  # a Tensor input that needs no gradient
    loss = loss * constant
    with _walk(reference=False):
        loss.backward(retain_graph=True)
    order = engine.backward_order([loss.grad_fn])
    nodes = [k for k in order if type(k) is Node and k.ctx is None]  # (no custom Functions)
    for node in nodes:
        assert node._edges == input_edges(node.args, node.op, node.clock), node.name()
        kept = {i for i, a in enumerate(node.args) if isinstance(a, Tensor) and not a.requires_grad}
        assert set(CONSTANT_INPUTS.get(node, {})) >= kept, node.name()
    assert set(CONSTANT_INPUTS[loss.grad_fn]) == {1}


def test_the_walks_really_differ_in_route(monkeypatch):
    """The switch routes a plain backward: the fast walk runs unless the reference is forced."""
    calls = []
    fast = engine.run_fast
    monkeypatch.setattr(engine, "run_fast", lambda *a: calls.append(1) or fast(*a))
    x = Tensor(np.ones(3), requires_grad=True)
    monkeypatch.setattr(engine, "FORCE_REFERENCE_WALK", False)
    (x * 2).sum().backward()
    assert calls == [1]
    monkeypatch.setattr(engine, "FORCE_REFERENCE_WALK", True)
    (x * 2).sum().backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])


@pytest.mark.parametrize("force", [False, True])
def test_both_walks_free_the_graph(force, monkeypatch):
    monkeypatch.setattr(engine, "FORCE_REFERENCE_WALK", force)
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
