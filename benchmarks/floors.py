"""Hand-written numpy versions of the workloads: the floor an engine on numpy can approach."""

from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def w1_step(x: np.ndarray) -> np.ndarray:
    """y = sum(exp(tanh(2x + 1) * x)) and its gradient, by hand."""
    a = x * 2 + 1
    t = np.tanh(a)
    b = t * x
    e = np.exp(b)
    _ = e.sum()
    gb = e
    gx = gb * t
    ga = gb * x * (1 - t * t)
    return gx + ga * 2


class MLPFloor:
    """784-256-128-10 ReLU MLP, softmax cross-entropy, SGD momentum 0.9, by hand."""

    def __init__(self, rng: np.random.Generator, lr: float = 0.01, momentum: float = 0.9):
        sizes = [784, 256, 128, 10]
        self.params = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            bound = 1 / np.sqrt(fan_in)
            self.params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
            self.params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
        self.bufs = [np.zeros_like(p) for p in self.params]
        self.lr, self.momentum = lr, momentum

    def torch_layout(self) -> list[np.ndarray]:
        """The parameters in `model.parameters()` order and layout: Linear weights (out, in)."""
        return [p.T if p.ndim == 2 else p for p in self.params]

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        z = h2 @ w3 + b3
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        n = x.shape[0]
        loss = -logp[np.arange(n), y].mean()
        gz = np.exp(logp)
        gz[np.arange(n), y] -= 1
        gz /= n
        gw3, gb3 = h2.T @ gz, gz.sum(0)
        gh2 = (gz @ w3.T) * (h2 > 0)
        gw2, gb2 = h1.T @ gh2, gh2.sum(0)
        gh1 = (gh2 @ w2.T) * (h1 > 0)
        gw1, gb1 = x.T @ gh1, gh1.sum(0)
        for p, b, g in zip(self.params, self.bufs, (gw1, gb1, gw2, gb2, gw3, gb3)):
            b *= self.momentum
            b += g
            p -= self.lr * b
        return float(loss)


def _conv_forward(x, w, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # N, C, H, W, kh, kw
    return np.einsum("nchwij,ocij->nohw", windows, w, optimize=True), xp, windows


def _conv_backward(g, xp, windows, w, pad):
    gw = np.einsum("nohw,nchwij->ocij", g, windows, optimize=True)
    kh, kw = w.shape[2:]
    gxp = np.zeros_like(xp)
    h, wd = g.shape[2:]
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + h, j:j + wd] += np.einsum("nohw,oc->nchw", g, w[:, :, i, j], optimize=True)
    gx = gxp[:, :, pad:gxp.shape[2] - pad, pad:gxp.shape[3] - pad]
    return gx, gw


def _pool_forward(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    mask = r == out[:, :, :, None, :, None]
    return out, mask


def _pool_backward(g, mask):
    n, c, h2, _, w2, _ = mask.shape
    gx = mask * g[:, :, :, None, :, None]
    return gx.reshape(n, c, h2 * 2, w2 * 2)


class CNNFloor:
    """The W3 network, forward and backward by hand (sliding windows + einsum GEMMs)."""

    def __init__(self, rng: np.random.Generator, lr: float = 0.01):
        def conv(cin, cout):
            bound = 1 / np.sqrt(cin * 9)
            return (rng.uniform(-bound, bound, (cout, cin, 3, 3)).astype(np.float32),
                    rng.uniform(-bound, bound, cout).astype(np.float32))

        self.convs = [conv(1, 16), conv(16, 16), conv(16, 32), conv(32, 32)]
        bound = 1 / np.sqrt(1568)
        self.fc = (rng.uniform(-bound, bound, (1568, 10)).astype(np.float32),
                   rng.uniform(-bound, bound, 10).astype(np.float32))
        self.lr = lr

    def torch_layout(self) -> list[np.ndarray]:
        """The parameters in `model.parameters()` order and layout: Linear weight (out, in)."""
        return [a for conv in self.convs for a in conv] + [self.fc[0].T, self.fc[1]]

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        cache = []
        h = x
        for k, (w, b) in enumerate(self.convs):
            z, xp, win = _conv_forward(h, w, 1)
            z += b[None, :, None, None]
            a = np.maximum(z, 0)
            cache.append((xp, win, a))
            h = a
            if k % 2 == 1:
                h, mask = _pool_forward(h)
                cache.append(mask)
        n = x.shape[0]
        flat = h.reshape(n, -1)
        logits = flat @ self.fc[0] + self.fc[1]
        logits -= logits.max(1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        g = np.exp(logp)
        g[np.arange(n), y] -= 1
        g /= n
        gfw, gfb = flat.T @ g, g.sum(0)
        gh = (g @ self.fc[0].T).reshape(h.shape)
        grads = []
        for k in range(3, -1, -1):
            if k % 2 == 1:
                gh = _pool_backward(gh, cache.pop())
            xp, win, a = cache.pop()
            gz = gh * (a > 0)
            w, b = self.convs[k]
            gx, gw = _conv_backward(gz, xp, win, w, 1)
            grads.append((gw, gz.sum((0, 2, 3))))
            gh = gx
        grads.reverse()
        for (w, b), (gw, gb) in zip(self.convs, grads):
            w -= self.lr * gw
            b -= self.lr * gb
        self.fc[0][...] -= self.lr * gfw
        self.fc[1][...] -= self.lr * gfb
        return float(loss)


def w4_chain(n: int) -> float:
    """The deep chain y = y * 1.0001 + 0.0 and its backward, by hand (lists of saved values)."""
    y = np.ones(1, np.float32)
    saved = []
    for _ in range(n):
        saved.append(y)
        y = y * np.float32(1.0001) + np.float32(0.0)
    g = np.ones(1, np.float32)
    for _ in reversed(saved):
        g = g * np.float32(1.0001)
    return float(g[0])
