"""W5, W7 and W8: models written once, in PyTorch style, run on tapegrad and on PyTorch.

Each model takes an engine namespace `E` with PyTorch's names (`E.nn`, `E.nn.functional`,
`E.optim`, `E.from_numpy`): real `torch` itself, or `tapegrad()` below. Both engines start from
the same weights (PyTorch's initialization, copied into tapegrad), so both do the same work;
`first_losses` checks that their first-step losses agree.
"""

from __future__ import annotations

import math
import types

import numpy as np


def tapegrad():
    """tapegrad as a torch-like namespace: `nn`, `optim`, `from_numpy`, `manual_seed`."""
    import autograd
    import nn
    import optim

    return types.SimpleNamespace(nn=nn, optim=optim, from_numpy=autograd.from_numpy,
                                 manual_seed=autograd.manual_seed, name="tapegrad")


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ------------------------------------------------------------------ W5: ResNet-18
def resnet18(E, num_classes: int = 10):
    """torchvision's ResNet-18 layout (torchvision has no CPU wheel here), for engine `E`."""
    tnn = E.nn
    F = E.nn.functional

    class BasicBlock(tnn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(cout)
            self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(cin, cout, 1, stride, bias=False), tnn.BatchNorm2d(cout)
                )

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + (x if self.downsample is None else self.downsample(x)))

    layers = [tnn.Conv2d(3, 64, 7, 2, 3, bias=False), tnn.BatchNorm2d(64), tnn.ReLU(),
              tnn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.Linear(512, num_classes)]
    return tnn.Sequential(*layers)


# ------------------------------------------------------------------ W7: a small GPT
GPT = {"vocab": 65, "block": 64, "layers": 4, "heads": 4, "width": 128, "batch": 16}


def gpt(E, vocab: int, block: int, layers: int, heads: int, width: int):
    """A pre-LN decoder-only transformer (nanoGPT's layout, no dropout, untied head)."""
    tnn = E.nn
    F = E.nn.functional

    class SelfAttention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = tnn.Linear(width, 3 * width)
            self.proj = tnn.Linear(width, width)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(x).split(width, dim=2)
            q = q.view(b, t, heads, c // heads).transpose(1, 2)
            k = k.view(b, t, heads, c // heads).transpose(1, 2)
            v = v.view(b, t, heads, c // heads).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.proj(y.transpose(1, 2).reshape(b, t, c))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = tnn.LayerNorm(width)
            self.attn = SelfAttention()
            self.ln2 = tnn.LayerNorm(width)
            self.fc = tnn.Linear(width, 4 * width)
            self.out = tnn.Linear(4 * width, width)

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.tok = tnn.Embedding(vocab, width)
            self.pos = tnn.Embedding(block, width)
            self.blocks = tnn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = tnn.LayerNorm(width)
            self.head = tnn.Linear(width, vocab, bias=False)

        def forward(self, idx, positions):
            x = self.tok(idx) + self.pos(positions)
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.ln_f(x))

    return GPT()


# ------------------------------------------------------------------ W8: an LSTM language model
def lstm_lm(E, vocab: int = 65, embed: int = 64, hidden: int = 256):
    """Embedding -> LSTM (batch_first) -> Linear: next-character logits (N, L, vocab)."""
    tnn = E.nn

    class LSTMLM(tnn.Module):
        def __init__(self):
            super().__init__()
            self.embed = tnn.Embedding(vocab, embed)
            self.lstm = tnn.LSTM(embed, hidden, batch_first=True)
            self.head = tnn.Linear(hidden, vocab)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))
            return self.head(out)

    return LSTMLM()


# ------------------------------------------------------------------ training steps
def _images(rng, n, shape, classes):
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, classes, n)


def _tokens(rng, batch, length, vocab):
    data = rng.integers(0, vocab, (batch, length + 1))
    return data[:, :-1].copy(), data[:, 1:].copy()


def _workload(name: str):
    """(build(E) -> model, make_opt(E, params), batch arrays, loss(E, model, *batch tensors))."""
    rng = np.random.default_rng(0)
    if name == "W5":
        def loss(E, model, x, y):
            return E.nn.functional.cross_entropy(model(x), y)

        return (resnet18, lambda E, p: E.optim.SGD(p, lr=0.01, momentum=0.9),
                _images(rng, 8, (3, 64, 64), 10), loss)
    if name == "W7":
        cfg = GPT
        x, y = _tokens(rng, cfg["batch"], cfg["block"], cfg["vocab"])
        positions = np.arange(cfg["block"])

        def loss(E, model, x, y, positions):
            logits = model(x, positions)
            return E.nn.functional.cross_entropy(logits.reshape(-1, cfg["vocab"]), y.reshape(-1))

        def build(E):
            return gpt(E, cfg["vocab"], cfg["block"], cfg["layers"], cfg["heads"], cfg["width"])

        return (build, lambda E, p: E.optim.AdamW(p, lr=1e-3, weight_decay=0.1),
                (x, y, positions), loss)
    if name == "W8":
        x, y = _tokens(rng, 32, 64, 65)

        def loss(E, model, x, y):
            return E.nn.functional.cross_entropy(model(x).reshape(-1, 65), y.reshape(-1))

        return lstm_lm, lambda E, p: E.optim.Adam(p, lr=1e-3), (x, y), loss
    raise ValueError(f"unknown workload {name!r}")


def _initial_weights(build) -> list[np.ndarray]:
    """PyTorch's initialization when torch is installed (else tapegrad's), as arrays."""
    torch = _torch()
    if torch is not None:
        torch.manual_seed(0)
        return [p.detach().numpy().copy() for p in build(torch).parameters()]
    E = tapegrad()
    E.manual_seed(0)
    return [p._data.copy() for p in build(E).parameters()]


def make_step(name: str, E, weights: list[np.ndarray] | None = None):
    """One training step of workload `name` on engine `E`: returns step() -> loss tensor."""
    build, make_opt, batch, loss_fn = _workload(name)
    model = build(E)
    params = list(model.parameters())
    weights = _initial_weights(build) if weights is None else weights
    for p, value in zip(params, weights, strict=True):
        if tuple(p.shape) != value.shape:
            raise ValueError(f"{name}: parameter shapes differ: {tuple(p.shape)} vs {value.shape}")
        if getattr(E, "name", "") == "tapegrad":
            p._data[...] = value
        else:
            with E.no_grad():
                p.copy_(E.from_numpy(value))
    opt = make_opt(E, params)
    tensors = [E.from_numpy(np.ascontiguousarray(a)) for a in batch]

    def step():
        opt.zero_grad()
        loss = loss_fn(E, model, *tensors)
        loss.backward()
        opt.step()
        return loss

    return step


def steps(name: str, check: bool = True) -> dict:
    """{"tapegrad": step, "torch": step} (torch when installed), from the same weights; with
    `check`, first assert that both engines' first-step losses agree."""
    build = _workload(name)[0]
    weights = _initial_weights(build)
    out = {"tapegrad": make_step(name, tapegrad(), weights)}
    torch = _torch()
    if torch is not None:
        out["torch"] = make_step(name, torch, weights)
    if check and "torch" in out:
        ours, theirs = first_losses(out)
        if not math.isclose(ours, theirs, rel_tol=1e-4):
            raise AssertionError(f"{name}: first-step losses differ: tapegrad {ours}, torch {theirs}")
    return out


def first_losses(pair: dict) -> tuple[float, float]:
    """The first-step losses of the `tapegrad` and `torch` steps (each takes that step)."""
    return float(pair["tapegrad"]().item()), float(pair["torch"]().item())
