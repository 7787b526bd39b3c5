"""Graphs are freed: no reference cycles keep them alive, and saved values go after backward."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from autograd import Tensor


def _graph(x):
    h = (x * 2).tanh()
    return (h @ h.T).sum(), h


def test_graph_is_freed_when_loss_goes_out_of_scope_without_gc():
    x = Tensor(np.ones((4, 4)), requires_grad=True)
    loss, h = _graph(x)
    node_ref = weakref.ref(h.grad_fn)
    tensor_ref = weakref.ref(h)
    gc.disable()
    try:
        del loss, h
        assert node_ref() is None and tensor_ref() is None, "graph kept alive by a reference cycle"
    finally:
        gc.enable()


def test_graph_freed_after_backward_and_scope_exit():
    x = Tensor(np.ones((4, 4)), requires_grad=True)
    loss, h = _graph(x)
    node_ref = weakref.ref(loss.grad_fn)
    loss.backward()
    gc.disable()
    try:
        del loss, h
        assert node_ref() is None
    finally:
        gc.enable()
    assert x.grad is not None


def test_backward_releases_saved_arrays():
    x = Tensor(np.ones(1000), requires_grad=True)
    y = x.exp()
    z = y.sin().sum()
    sin_node = z.grad_fn.edges[0]
    z.backward()
    assert sin_node.arrays is None and sin_node.out is None and sin_node.args is None


def test_memory_does_not_grow_across_training_steps():
    import tracemalloc

    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(64, 32)).astype(np.float32), requires_grad=True)
    x = Tensor(rng.normal(size=(128, 64)).astype(np.float32))

    def step():
        loss = ((x @ w).relu() ** 2).mean()
        w.grad = None
        loss.backward()
        w._data -= 0.01 * w.grad._data

    for _ in range(20):
        step()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for _ in range(200):
        step()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - base < 200_000, f"memory grew by {after - base} bytes over 200 steps"
