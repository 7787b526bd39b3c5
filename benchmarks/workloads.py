"""The workloads W1-W8 for tapegrad, the numpy floor and PyTorch; each builder returns steps.

A builder returns ``{"tapegrad": step, "numpy": step, "torch": step}`` (torch only when it is
importable); each `step()` runs one forward+backward (+ optimizer step where the workload has one).
"""

from __future__ import annotations

import numpy as np

from . import floors, models


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def w1_overhead():
    """W1: x (16x16) -> sum(exp(tanh(2x + 1) * x)), backward: engine overhead on tiny ops."""
    from autograd import Tensor

    rng = np.random.default_rng(0)
    data = rng.standard_normal((16, 16)).astype(np.float32)
    x = Tensor(data, requires_grad=True)

    def ours():
        x.grad = None
        (((x * 2 + 1).tanh() * x).exp().sum()).backward()

    steps = {"tapegrad": ours, "numpy": lambda: floors.w1_step(data)}
    torch = _torch()
    if torch is not None:
        tx = torch.tensor(data, requires_grad=True)

        def theirs():
            tx.grad = None
            (((tx * 2 + 1).tanh() * tx).exp().sum()).backward()

        steps["torch"] = theirs
    return steps


def _mnist_like(rng, n, shape):
    x = rng.random((n, *shape), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def _training_steps(build, x, y, momentum: float, floor) -> dict:
    """One SGD step of the model `build(torch.nn or nn)` on (x, y) per implementation.

    Every implementation starts from the floor's initial weights, so all follow one trajectory:
    training on one batch drives gradients small, and once momentum buffers decay into
    subnormal floats every elementwise op slows down; the same step count then means the same
    state in each.
    """
    import nn
    import optim
    from autograd import Tensor

    def make(lib, opt_lib, wrap, load):
        model = build(lib)
        for p, value in zip(model.parameters(), floor.torch_layout(), strict=True):
            load(p, value)
        opt = opt_lib.SGD(model.parameters(), lr=0.01, momentum=momentum)
        loss_fn = lib.CrossEntropyLoss()
        xb, yb = wrap(x), wrap(y)

        def step():
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

        return step

    def load_ours(p, value):
        p._data[...] = value  # in place: the parameter keeps its own memory layout

    steps = {"tapegrad": make(nn, optim, Tensor, load_ours), "numpy": lambda: floor.step(x, y)}
    torch = _torch()
    if torch is not None:
        def load_torch(p, value):
            with torch.no_grad():
                p.copy_(torch.from_numpy(np.ascontiguousarray(value)))

        steps["torch"] = make(torch.nn, torch.optim, torch.from_numpy, load_torch)
    return steps


def _w2_layers(mod):
    return mod.Sequential(mod.Linear(784, 256), mod.ReLU(), mod.Linear(256, 128), mod.ReLU(), mod.Linear(128, 10))


def w2_mlp():
    """W2: 784-256-128-10 ReLU MLP, cross-entropy, batch 128, SGD momentum 0.9."""
    x, y = _mnist_like(np.random.default_rng(0), 128, (784,))
    return _training_steps(_w2_layers, x, y, 0.9, floors.MLPFloor(np.random.default_rng(0)))


def _w3_layers(mod):
    return mod.Sequential(
        mod.Conv2d(1, 16, 3, padding=1), mod.ReLU(), mod.Conv2d(16, 16, 3, padding=1), mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Conv2d(16, 32, 3, padding=1), mod.ReLU(), mod.Conv2d(32, 32, 3, padding=1), mod.ReLU(),
        mod.MaxPool2d(2),
        mod.Flatten(), mod.Linear(1568, 10),
    )


def w3_cnn():
    """W3: batch 32x1x28x28 through 4 3x3 convs with 2 max-pools and a linear layer; SGD step."""
    x, y = _mnist_like(np.random.default_rng(0), 32, (1, 28, 28))
    return _training_steps(_w3_layers, x, y, 0.0, floors.CNNFloor(np.random.default_rng(0)))


def w4_chain(n: int, impl: str | None = None):
    """W4: y = y * 1.0001 + 0.0 repeated n times on a (1,) tensor, then backward.

    With `impl`, only that implementation is built (and torch is not even imported for the
    others), so each can be measured in a process of its own.
    """
    steps = {}
    if impl in (None, "tapegrad"):
        from autograd import Tensor

        def ours():
            x = Tensor(np.ones(1, np.float32), requires_grad=True)
            y = x
            with np.errstate(over="ignore"):  # 1.0001 ** 1e6 overflows float32, as in torch
                for _ in range(n):
                    y = y * 1.0001 + 0.0
                y.sum().backward()

        steps["tapegrad"] = ours
    if impl in (None, "numpy"):
        steps["numpy"] = lambda: floors.w4_chain(n)
    torch = _torch() if impl in (None, "torch") else None
    if torch is not None:
        def theirs():
            x = torch.ones(1, requires_grad=True)
            y = x
            for _ in range(n):
                y = y * 1.0001 + 0.0
            y.sum().backward()

        steps["torch"] = theirs
    return steps


def w5_resnet18():
    """W5: ResNet-18 forward+backward+SGD (momentum 0.9), batch 8x3x64x64 (benchmarks/models.py)."""
    return models.steps("W5")


def w7_gpt():
    """W7: a small GPT step (vocab 65, block 64, 4 layers, 4 heads, width 128, batch 16), AdamW."""
    return models.steps("W7")


def w8_lstm():
    """W8: an LSTM language-model step (Embedding 65x64, LSTM 64->256, Linear 256->65), Adam."""
    return models.steps("W8")
