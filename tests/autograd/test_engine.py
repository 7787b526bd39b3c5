"""Graph semantics: accumulation, diamonds, retain_graph, create_graph, hooks, grad modes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd.node import edge_of


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_gradient_of_a_polynomial():
    x = leaf([1.0, 2.0, 3.0])
    y = (x**3 + 2 * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 3 * x._data**2 + 2)


def test_grad_accumulates_over_backward_calls():
    x = leaf([1.0, -2.0])
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 2 * x._data + 3)


def test_diamond_graph_sums_both_paths():
    x = leaf([0.5, 1.5])
    a = x.exp()
    b = a * 2
    c = a.sin()
    (b + c).sum().backward()
    expected = np.exp(x._data) * (2 + np.cos(np.exp(x._data)))
    np.testing.assert_allclose(x.grad._data, expected)


def test_same_tensor_used_twice_in_one_op():
    x = leaf([3.0])
    (x * x).backward()
    np.testing.assert_allclose(x.grad._data, [6.0])


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad._data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first)


def test_saved_arrays_dropped_after_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y.sum()
    z.backward()
    assert y.grad_fn.freed and y.grad_fn.out is None
    assert y.grad_fn.edges[0] is x, "graph structure stays for drawing"


def test_create_graph_gives_second_and_third_derivatives():
    x = leaf([0.3, -1.2])
    y = (x**3).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g._data, 3 * x._data**2)
    (gg,) = autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(gg._data, 6 * x._data)
    (ggg,) = autograd.grad(gg.sum(), x)
    np.testing.assert_allclose(ggg._data, [6.0, 6.0])


def test_backward_with_create_graph_makes_differentiable_grad():
    x = leaf([2.0])
    y = x.tanh()
    y.backward(create_graph=True)
    assert x.grad.requires_grad
    (h,) = autograd.grad(x.grad, x)
    t = np.tanh(2.0)
    np.testing.assert_allclose(h._data, [-2 * t * (1 - t**2)])


def test_hessian_vector_product_of_softmax_cross_entropy():
    rng = np.random.default_rng(0)
    logits = leaf(rng.normal(size=(2, 3)))
    target = Tensor(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
    loss = -(target * logits.log_softmax(dim=1)).sum()
    (g,) = autograd.grad(loss, logits, create_graph=True)
    v = Tensor(rng.normal(size=(2, 3)))
    (hv,) = autograd.grad((g * v).sum(), logits)
    s = np.exp(logits._data) / np.exp(logits._data).sum(1, keepdims=True)
    expected = np.stack([(np.diag(si) - np.outer(si, si)) @ vi for si, vi in zip(s, v._data)])
    np.testing.assert_allclose(hv._data, expected, atol=1e-12)


def test_grad_returns_without_touching_dot_grad():
    x = leaf([1.0, 2.0])
    (g,) = autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(g._data, [2.0, 4.0])
    assert x.grad is None


def test_grad_with_grad_outputs_and_non_leaf_input():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = h * h
    gh, gx = autograd.grad(y, [h, x], grad_outputs=Tensor(np.array([1.0, 0.5])))
    np.testing.assert_allclose(gh._data, 2 * h._data * [1.0, 0.5])
    np.testing.assert_allclose(gx._data, 2 * h._data * [1.0, 0.5] * 3)


def test_grad_allow_unused():
    x, z = leaf([1.0]), leaf([2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_backward_inputs_restricts_accumulation():
    x, z = leaf([1.0]), leaf([2.0])
    (x * z).backward(inputs=[x])
    assert x.grad.item() == 2.0 and z.grad is None


def test_leaf_hook_can_replace_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g._data.copy()))
    handle = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad._data, [20.0, 40.0])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, [2.0, 4.0])


def test_non_leaf_hook_sees_total_gradient_and_can_change_it():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g._data.copy()) or g * 0.5)
    (h * h + h).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * h._data + 1)
    np.testing.assert_allclose(x.grad._data, (2 * h._data + 1) * 0.5 * 2)


def test_retain_grad_keeps_intermediate_gradient():
    x = leaf([1.0, 2.0])
    h = x.exp()
    h.retain_grad()
    h.sin().sum().backward()
    np.testing.assert_allclose(h.grad._data, np.cos(h._data))
    assert h.retains_grad
    y = x.exp()
    y.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None


def test_no_grad_and_enable_grad_and_set_grad_enabled():
    x = leaf([1.0])
    with autograd.no_grad():
        y = x * 2
        with autograd.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    autograd.set_grad_enabled(False)
    try:
        assert not autograd.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        autograd.set_grad_enabled(True)
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert autograd.is_grad_enabled()

    @autograd.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    results = {}
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        results["thread"] = (x * 2).requires_grad

    with autograd.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        barrier.wait()
        t.join()
        results["main"] = (x * 2).requires_grad
    assert results == {"thread": True, "main": False}


def test_detach_and_requires_grad_():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad
    assert np.shares_memory(d._data, (x * 2)._data) is False
    e = x.detach()
    assert np.shares_memory(e._data, x._data)
    y = (x * e).sum()
    y.backward()
    np.testing.assert_allclose(x.grad._data, e._data)
    t = Tensor([1.0, 2.0]).requires_grad_()
    assert t.requires_grad and t.is_leaf


def test_is_leaf_and_grad_fn_names():
    x = leaf([1.0])
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn.name() == "MulBackward"
    nxt = y.grad_fn.next_functions
    assert nxt[0][0].name() == "AccumulateGrad" and nxt[0][0].variable is x
    assert nxt[1] == (None, 0)


def test_deep_chain_needs_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):  # a recursive walk would fail past ~1,000
        y = -y
    y.backward()
    assert x.grad.item() == 1.0


def test_many_pending_branches_into_one_sum():
    x = leaf(np.ones(3))
    total = x
    for i in range(20_000):
        total = total + x * (i % 7)
    total.sum().backward()
    expected = 1 + sum(i % 7 for i in range(20_000))
    np.testing.assert_allclose(x.grad._data, expected)


def test_backward_from_a_leaf():
    x = leaf([4.0])
    x.backward()
    assert x.grad.item() == 1.0


def test_grad_dtype_matches_leaf():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * 2.5).sum().backward()
    assert x.grad.dtype == np.float32


def test_leaf_grads_never_alias_each_other_or_caller_arrays():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # add's backward hands the same array to both leaves
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad._data[0] = 100.0
    assert b.grad._data[0] == 1.0
    x = leaf([1.0, 2.0])
    upstream = np.array([5.0, 6.0])
    (x + 0).backward(Tensor(upstream))
    x.grad._data[0] = -1.0
    assert upstream[0] == 5.0
    held = Tensor(np.array([7.0, 8.0]))
    y = leaf([1.0, 1.0])
    y.register_hook(lambda g: held)
    (y * 2).sum().backward()
    y.grad._data[0] = 0.0
    assert held._data[0] == 7.0


def test_accumulation_into_existing_grad_keeps_the_array():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first and first.tolist() == [6.0, 6.0]


def test_recorded_nodes_have_every_slot_set():
    # Primitive.__call__ builds the node without Node.__init__: every slot must hold what
    # Node.__init__ sets, and the edges derived later must be edge_of's
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    fast = (x * x).grad_fn  # all inputs differentiable
    general = autograd.where(np.array([True, False]), x, 0.0).grad_fn  # constant inputs
    # an op with inputs that have no VJP finds its edges when it runs, and keeps them
    assert fast._edges is None and general._edges is not None
    slots = [s for s in autograd.Node.__slots__ if s != "__weakref__"]
    for node in (fast, general):
        reference = autograd.Node(node.op, node.args, node.kwargs, node.out, None, node.clock)
        for name in slots:
            value = getattr(node, name)  # raises AttributeError for an unset slot
            expected = getattr(reference, name)
            if name in ("arrays", "args"):
                assert len(value) == len(expected) and all(
                    v is e for v, e in zip(value, expected, strict=True)
                ), name
            elif name not in ("seq", "_edges"):  # (edges: compared below, as derived)
                assert value is expected or value == expected, name
        assert node.seq < reference.seq  # creation order
        edges = [
            edge_of(a) if isinstance(a, Tensor) and node.op.vjps[i] is not None else None
            for i, a in enumerate(node.args)
        ]
        assert all(e is r for e, r in zip(node.edges, edges, strict=True))
    assert general.edges[0] is None and general.edges[1] is x and general.edges[2] is None
    assert fast.seq < general.seq


def test_a_leaf_that_stops_requiring_grad_takes_none():
    # as PyTorch's AccumulateGrad: requires_grad_(False) between forward and backward
    x = leaf([1.0, 1.0])
    y = (x * 2).sum()
    x.requires_grad_(False)
    y.backward()
    assert x.grad is None


def test_gradients_accumulate_before_and_after_the_first_read_of_grad():
    # backward keeps the adopted array bare until .grad is read; either way sums are in place
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 2).sum().backward()
    g = x.grad
    assert isinstance(g, Tensor) and x.grad is g and g.tolist() == [5.0, 5.0]
    (x * 1).sum().backward()
    assert x.grad is g and g.tolist() == [6.0, 6.0]


def test_accumulation_never_writes_into_a_read_only_gradient_array():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    x._grad.flags.writeable = False  # (the bare array backward adopted, before .grad wraps it)
    frozen = x._grad
    (x * 2).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0] and frozen.tolist() == [3.0, 3.0]


def test_anomaly_mode_is_process_wide_as_in_pytorch():
    seen = []
    with autograd.detect_anomaly():
        t = threading.Thread(target=lambda: seen.append(autograd.is_anomaly_enabled()))
        t.start()
        t.join()
    assert seen == [True] and not autograd.is_anomaly_enabled()


def test_a_leaf_gradient_shared_with_a_waiting_node_is_never_added_into():
    # the add node hands one array to x (adopted as x.grad at once) and to p's node, which runs
    # after q's node has sent x its second part: that part must not be added into the array p
    # still reads
    data = np.array([0.5, -1.0])
    x = leaf(data)
    p = x.exp()
    q = x * 5
    s = p + x
    ((s + q) * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad._data, np.exp(data) + 1 + 5)


def test_a_leaf_reached_by_several_ops_sums_every_part_once():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = (x * w + x * 2 + w * x.exp()).sum()
    y.backward()
    np.testing.assert_allclose(x.grad._data, [3.0 + 2 + 3.0 * np.e, 4.0 + 2 + 4.0 * np.e**2])
    np.testing.assert_allclose(w.grad._data, [1.0 + np.e, 2.0 + np.e**2])


def test_edges_derived_by_the_walk_are_input_edges():
    # the edges a walk derives for each node it runs (Node.edges, at the node's clock) are
    # input_edges' of its inputs, for leaves, single- and multi-output producers, inputs without grad and constants
    from autograd.engine import backward_order
    from autograd.node import input_edges

    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    w = leaf([0.5, -1.0])
    frozen = Tensor(np.array([2.0, 3.0]))
    a, b = x.split(1, dim=0)  # a multi-output node: edges (node, k)
    y = ((a * w + b) * frozen + 1.0).exp() * x
    z = y.sum()
    z.backward(retain_graph=True)
    nodes = [n for n in backward_order([z.grad_fn]) if type(n) is autograd.Node and n.ctx is None]
    assert len(nodes) >= 6
    for node in nodes:
        expected = input_edges(node.args, node.op)
        assert len(node._edges) == len(expected)
        for got, want in zip(node._edges, expected, strict=True):
            assert got == want if type(want) is tuple else got is want
    assert any(type(e) is tuple for n in nodes for e in n._edges)
