"""Train a 2-8-1 tanh/sigmoid network on XOR with nothing but `autograd` and hand-written SGD."""

from __future__ import annotations

import argparse

import numpy as np

import autograd
from autograd import Tensor


def train_xor(steps: int = 2000, lr: float = 0.5, seed: int = 0, log_every: int = 200) -> float:
    """Fit XOR with binary cross-entropy; returns the final loss."""
    autograd.manual_seed(seed)
    x = Tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = Tensor([[0.0], [1.0], [1.0], [0.0]])
    w1 = (autograd.randn(2, 8) * 1.0).requires_grad_()
    b1 = autograd.zeros(8, requires_grad=True)
    w2 = (autograd.randn(8, 1) * 1.0).requires_grad_()
    b2 = autograd.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    loss = None
    for step in range(steps):
        hidden = (x @ w1 + b1).tanh()
        p = (hidden @ w2 + b2).sigmoid().clamp(1e-7, 1 - 1e-7)
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
        for param in params:
            param.grad = None
        loss.backward()
        with autograd.no_grad():
            for param in params:
                param._data -= lr * param.grad._data
        if log_every and step % log_every == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}")
    final = loss.item()
    preds = (((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()._data > 0.5).astype(np.float32)
    print(f"final loss {final:.4f}; predictions {preds.ravel().tolist()} (target [0, 1, 1, 0])")
    return final


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.5)
    args = parser.parse_args()
    train_xor(args.steps, args.lr)
