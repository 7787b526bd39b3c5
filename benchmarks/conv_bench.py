"""Workload W3: one training step (forward, backward, SGD) of a small CNN on a batch of 32 MNIST-sized images.

    conv3x3(1->16, pad 1)-ReLU-conv3x3(16->16, pad 1)-ReLU-maxpool2-
    conv3x3(16->32, pad 1)-ReLU-conv3x3(32->32, pad 1)-ReLU-maxpool2-flatten-linear(1568->10),
    cross-entropy, SGD step.

Runs tapegrad and (if installed) PyTorch on 2 BLAS threads (`--threads`), interleaved, and prints the median ms of each.

    PYTHONPATH=. python benchmarks/conv_bench.py [--runs 30] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

import autograd
import nn.functional as F
from autograd import Tensor

SHAPES = [(16, 1, 3, 3), (16, 16, 3, 3), (32, 16, 3, 3), (32, 32, 3, 3), (10, 1568)]


def make_params(rng: np.random.Generator) -> list[np.ndarray]:
    """He-uniform weights and zero biases for the W3 network, as float32 arrays."""
    params = []
    for shape in SHAPES:
        fan_in = int(np.prod(shape[1:]))
        bound = np.sqrt(6.0 / fan_in)
        params.append(rng.uniform(-bound, bound, size=shape).astype(np.float32))
        params.append(np.zeros(shape[0], dtype=np.float32))
    return params


def _cross_entropy(logits: Tensor, target: np.ndarray) -> Tensor:
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, Tensor(target))
    onehot = np.eye(logits.shape[1], dtype=logits.dtype)[target]
    return -(logits.log_softmax(1) * Tensor(onehot)).sum() / logits.shape[0]


def tapegrad_step(params: list[Tensor], x: Tensor, y: np.ndarray, lr: float = 0.01) -> float:
    """One forward/backward/SGD step of W3 in tapegrad; returns the loss."""
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
    h = F.conv2d(x, w1, b1, padding=1).relu()
    h = F.max_pool2d(F.conv2d(h, w2, b2, padding=1).relu(), 2)
    h = F.conv2d(h, w3, b3, padding=1).relu()
    h = F.max_pool2d(F.conv2d(h, w4, b4, padding=1).relu(), 2)
    logits = h.reshape(h.shape[0], -1) @ w5.T + b5
    loss = _cross_entropy(logits, y)
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p._data -= lr * p.grad._data
    return loss.item()


def torch_step(torch, params, x, y, lr: float = 0.01) -> float:
    """The same step in PyTorch."""
    tf = torch.nn.functional
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
    h = tf.conv2d(x, w1, b1, padding=1).relu()
    h = tf.max_pool2d(tf.conv2d(h, w2, b2, padding=1).relu(), 2)
    h = tf.conv2d(h, w3, b3, padding=1).relu()
    h = tf.max_pool2d(tf.conv2d(h, w4, b4, padding=1).relu(), 2)
    loss = tf.cross_entropy(h.flatten(1) @ w5.T + b5, y)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads for both libraries")
    parser.add_argument("--profile", action="store_true", help="cProfile the tapegrad steps")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    arrays = make_params(rng)
    x = rng.random((args.batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=args.batch)
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    xt = Tensor(x)
    try:
        import torch

        torch.set_num_threads(args.threads)
        tparams = [torch.tensor(a, requires_grad=True) for a in arrays]
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    except ImportError:
        torch = None
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    except ImportError:
        print("threadpoolctl not installed: numpy uses its default BLAS threads (set OPENBLAS_NUM_THREADS)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            tapegrad_step(params, xt, y)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    ours, theirs = [], []
    for i in range(args.runs + 3):
        start = time.perf_counter()
        loss = tapegrad_step(params, xt, y)
        ours.append(time.perf_counter() - start)
        if torch is not None:
            start = time.perf_counter()
            torch_step(torch, tparams, tx, ty)
            theirs.append(time.perf_counter() - start)
        if i == 0:
            print(f"first-step loss {loss:.4f}")
    print(f"tapegrad W3 step: {1e3 * np.median(ours[3:]):.1f} ms (median of {args.runs})")
    if torch is not None:
        print(f"torch ({args.threads} threads) W3 step: {1e3 * np.median(theirs[3:]):.1f} ms")
        print(f"ratio tapegrad / torch: {np.median(ours[3:]) / np.median(theirs[3:]):.2f}")
    assert autograd.is_grad_enabled()


if __name__ == "__main__":
    main()
